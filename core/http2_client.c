/*
 * The HTTP/2 client (Node's ClientHttp2Session): its protocol table, its
 * constructor, which queues the client preface, and requests. What it
 * receives (responses, promises) is http2_headers.c's; request bodies and
 * trailers take the same way as a server's responses do.
 */
#include <stdlib.h>
#include <string.h>

#include "http2.h"

/* The request's pseudo-headers the caller left out, from the session's (§8.3.1); CONNECT has no path. */
static size_t request_defaults(const struct http2_state *h2, const h2r_header *headers, size_t count,
                               h2r_header defaults[4])
{
    size_t n = 0;
    const h2r_header *method = h2r_find_header(headers, count, ":method");
    int connect = method && method->value_len == 7 && memcmp(method->value, "CONNECT", 7) == 0 &&
                  !h2r_find_header(headers, count, ":protocol");
    if (!method)
        defaults[n++] = (h2r_header){.name = ":method", .name_len = 7, .value = "GET", .value_len = 3};
    if (!connect && !h2r_find_header(headers, count, ":scheme"))
        defaults[n++] = (h2r_header){.name = ":scheme",
                                     .name_len = 7,
                                     .value = h2->client_scheme,
                                     .value_len = strlen(h2->client_scheme)};
    if (!h2r_find_header(headers, count, ":authority"))
        defaults[n++] = (h2r_header){.name = ":authority",
                                     .name_len = 10,
                                     .value = h2->client_authority,
                                     .value_len = strlen(h2->client_authority)};
    if (!connect && !h2r_find_header(headers, count, ":path"))
        defaults[n++] = (h2r_header){.name = ":path", .name_len = 5, .value = "/", .value_len = 1};
    return n;
}

/* A whole request head by RFC 9113 §8.3.1 (and RFC 8441 where the server allows :protocol)? */
static int request_valid(const h2r_session *s, const h2r_header *list, size_t count, int *is_head)
{
    struct h2r_message_check check;
    h2r_message_check_init(&check, H2R_SECTION_REQUEST, s->remote.enable_connect_protocol);
    for (size_t i = 0; i != count; ++i) h2r_message_check_field(&check, &list[i]);
    *is_head = check.is_head;
    return h2r_message_check_end(&check) == 0;
}

/* Opens the stream and queues its HEADERS; *out on success. */
static int open_request(h2r_session *s, const h2r_header *list, size_t count, unsigned flags,
                        h2r_stream **out)
{
    int is_head;
    if (!request_valid(s, list, count, &is_head)) return H2R_ERR_INVALID_HEADER;
    h2r_stream *st = h2r_stream_create(s, s->next_stream_id, NULL, 0, NULL, 0);
    if (!st) return H2R_ERR_NOMEM;
    int end_stream = (flags & H2R_REQUEST_END_STREAM) && !(flags & H2R_REQUEST_WAIT_FOR_TRAILERS);
    int err = h2r_send_header_block(s, H2R_FRAME_HEADERS, st->id, 0, list, count, end_stream);
    if (err) {
        h2r_stream_forget(st); /* nothing was sent: the id stays free */
        return err;
    }
    s->next_stream_id += 2;
    st->flags |= STREAM_LOCAL | STREAM_COUNTED_OPEN | (is_head ? STREAM_IS_HEAD : 0);
    ++s->open_local_streams;
    h2r_sched_attach(&s->sched, &st->sched, NULL, H2R_SCHED_DEFAULT_WEIGHT, 0);
    h2r_http2_headers_queued(st, flags);
    *out = st;
    return 0;
}

static int request(h2r_session *s, const h2r_header *headers, size_t count, unsigned flags, h2r_stream **out)
{
    *out = NULL;
    if (!pthread_equal(s->h2->client_thread, pthread_self())) return H2R_ERR_WRONG_THREAD;
    if (s->phase == PHASE_CLOSED || s->closing || s->goaway_received) return H2R_ERR_SESSION_CLOSED;
    if (s->open_local_streams >= s->remote.max_concurrent_streams || s->next_stream_id > H2R_STREAM_ID_MASK)
        return H2R_ERR_STREAM_LIMIT;
    h2r_header defaults[4], local[32];
    size_t n_defaults = request_defaults(s->h2, headers, count, defaults);
    h2r_header *list = h2r_http2_fields_with_defaults(local, defaults, n_defaults, headers, count);
    if (!list) return H2R_ERR_NOMEM;
    int err = open_request(s, list, n_defaults + count, flags, out);
    if (list != local) free(list);
    return err;
}

static const struct h2r_protocol http2_client = {
    .feed = h2r_http2_feed,
    .pull = h2r_http2_pull,
    .want_read = h2r_http2_want_read,
    .want_write = h2r_http2_want_write,
    .file_failed = h2r_http2_file_failed,
    .close = h2r_http2_client_close,
    .destroy = h2r_http2_destroy,
    .get_state = h2r_http2_get_state,
    .free = h2r_http2_free,
    .request = request,
    /* No respond or interim: stream.c turns them away first (a request is sent, a push not ours). */
    .send_trailers = h2r_http2_send_trailers,
    .reset = h2r_http2_reset,
    .resume = h2r_http2_return_window, /* what the pause held back */
    .stream_closed = h2r_http2_stream_closed,
    .settings = h2r_http2_settings,
    .settings_timeout = h2r_http2_settings_timeout,
    .ping = h2r_http2_ping,
    .goaway = h2r_http2_goaway,
    .priority = h2r_http2_priority,
};

/* Keeps the requests' default :scheme and :authority, which must make a valid request head. */
static int keep_origin(struct http2_state *h2, const char *scheme, const char *authority)
{
    const h2r_header origin[] = {
        {.name = ":scheme", .name_len = 7, .value = scheme, .value_len = strlen(scheme)},
        {.name = ":authority", .name_len = 10, .value = authority, .value_len = strlen(authority)},
    };
    if (h2r_message_check_outgoing(origin, 2, H2R_SECTION_REQUEST)) return H2R_ERR_INVALID_ARGUMENT;
    size_t scheme_size = origin[0].value_len + 1, authority_size = origin[1].value_len + 1;
    if (!(h2->client_scheme = malloc(scheme_size + authority_size))) return H2R_ERR_NOMEM;
    memcpy(h2->client_scheme, scheme, scheme_size);
    memcpy(h2->client_scheme + scheme_size, authority, authority_size);
    h2->client_authority = h2->client_scheme + scheme_size;
    return 0;
}

h2r_session *h2r_session_client_new(const h2r_session_options *options,
                                    const h2r_session_callbacks *callbacks, void *user_data,
                                    const char *scheme, const char *authority)
{
    h2r_session_options defaults;
    if (!options) {
        h2r_session_options_init(&defaults);
        options = &defaults;
    }
    if (!scheme || !authority) return NULL;
    h2r_session *s = h2r_session_create(&http2_client, NULL, options, callbacks, user_data);
    if (!s) return NULL;
    /* No preface comes from the server: its first frame is SETTINGS (RFC 9113 §3.4). */
    s->phase = PHASE_SETTINGS;
    s->next_stream_id = 1;
    s->remote.enable_push = 0; /* a server never takes pushes (§8.4): h2r_stream_push_allowed says so */
    struct http2_state *h2 = h2r_http2_state(s);
    uint8_t *preface =
        h2 && keep_origin(h2, scheme, authority) == 0 ? h2r_out_reserve(s, H2R_CLIENT_PREFACE_LEN) : NULL;
    if (!preface) {
        h2r_session_free(s);
        return NULL;
    }
    h2->client_thread = pthread_self();
    memcpy(preface, H2R_CLIENT_PREFACE, H2R_CLIENT_PREFACE_LEN);
    h2r_out_commit(s, H2R_CLIENT_PREFACE_LEN);
    if (h2r_http2_start(s, options) != 0) {
        h2r_session_free(s);
        return NULL;
    }
    return s;
}
