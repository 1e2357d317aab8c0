/*
 * The HTTP/1.1 client: its protocol table and constructor, requests
 * (h2r_session_request: the request line, Host and the body's framing),
 * the end of a request and of an exchange, graceful close, and what the
 * I/O layer asks of it its own way (pull, get_state, the input's end).
 */
#include <stdlib.h>
#include <string.h>

#include "http1.h"

/* ---- requests ---- */

/* What h2r_session_request's fields make of a request line and its framing. */
struct request_plan {
    h2r_http1_request line; /* method, target, and Host as its header unless the caller gave one */
    h2r_header host;
    size_t pseudo; /* the caller's pseudo-header fields, all first */
    int is_head, is_connect, has_content_length;
    uint64_t content_length;
};

static int is_name(const h2r_header *field, const char *name, size_t len)
{
    return field->name_len == len && memcmp(field->name, name, len) == 0;
}

/*
 * Checks the fields as HTTP/2 would (RFC 9113 §8.2, §8.3: names lowercase,
 * no CR, LF or NUL, no connection-specific field, pseudo-headers first and
 * valid), and fills in what is missing: GET, "/", the session's authority.
 */
static int plan_request(h2r_session *s, const h2r_header *headers, size_t count, struct request_plan *plan)
{
    struct http1_state *h1 = s->h1;
    struct h2r_message_check check;
    h2r_message_check_init(&check, H2R_SECTION_REQUEST, 0);
    h2r_header authority = FIELD(":authority", h1->authority, h1->authority_len);
    int has_path = 0, has_scheme = 0, has_host = 0;
    *plan = (struct request_plan){.line = {.method = "GET", .method_len = 3, .target = "/", .target_len = 1}};
    for (size_t i = 0; i != count; ++i) {
        const h2r_header *f = &headers[i];
        if (h2r_message_check_field(&check, f) != 0) return H2R_ERR_INVALID_HEADER;
        if (f->name[0] != ':') {
            has_host |= is_name(f, "host", 4);
            continue;
        }
        plan->pseudo = i + 1;
        if (is_name(f, ":method", 7)) {
            plan->line.method = f->value;
            plan->line.method_len = f->value_len;
        } else if (is_name(f, ":path", 5)) {
            has_path = 1;
            plan->line.target = f->value;
            plan->line.target_len = f->value_len;
        } else if (is_name(f, ":authority", 10)) {
            authority = *f;
        } else {
            has_scheme = 1; /* :scheme: origin-form has no room for it */
        }
    }
    plan->is_head = check.is_head;
    plan->is_connect = check.is_connect;
    plan->has_content_length = check.has_content_length;
    plan->content_length = check.content_length;
    /* RFC 9112 §3.2.4: the asterisk-form is OPTIONS's alone. */
    int asterisk = plan->line.target_len == 1 && plan->line.target[0] == '*';
    if (asterisk && !(plan->line.method_len == 7 && memcmp(plan->line.method, "OPTIONS", 7) == 0))
        return H2R_ERR_INVALID_HEADER;
    if (check.is_connect) {
        /* RFC 9112 §3.2.3: CONNECT's target is the authority, with its port; nothing else. */
        if (has_path || has_scheme || authority.value_len == 0) return H2R_ERR_INVALID_HEADER;
        plan->line.target = authority.value;
        plan->line.target_len = authority.value_len;
    }
    /* RFC 9110 §7.2: Host first, from :authority, unless the caller put its own among the fields. */
    plan->host = FIELD("host", authority.value, authority.value_len);
    plan->line.headers = &plan->host;
    plan->line.header_count = !has_host;
    return 0;
}

/* Methods whose request means something with content: an empty body says so with content-length: 0. */
static int takes_content(const h2r_http1_request *line)
{
    static const char *const methods[] = {"POST", "PUT", "PATCH"};
    for (size_t i = 0; i != sizeof(methods) / sizeof(methods[0]); ++i)
        if (line->method_len == strlen(methods[i]) && memcmp(line->method, methods[i], line->method_len) == 0)
            return 1;
    return 0;
}

static int request(h2r_session *s, const h2r_header *headers, size_t count, unsigned flags, h2r_stream **out)
{
    struct http1_state *h1 = s->h1;
    *out = NULL;
    if (s->phase == PHASE_CLOSED || s->closing || h1->read_state == H1_READ_DONE)
        return H2R_ERR_SESSION_CLOSED;
    if (h1->current || !h1->next_stream_id) return H2R_ERR_STREAM_LIMIT;
    struct request_plan plan;
    int err = plan_request(s, headers, count, &plan);
    if (err) return err;
    int end = (flags & H2R_REQUEST_END_STREAM) != 0,
        want_trailers = (flags & H2R_REQUEST_WAIT_FOR_TRAILERS) != 0;
    /* A body promised and none to come: the server would wait for it. */
    if (end && plan.has_content_length && plan.content_length) return H2R_ERR_INVALID_HEADER;

    /* The body's framing (RFC 9112 §6.3), from what the caller says of it. */
    h2r_header extra[1];
    size_t n_extra = 0;
    enum h1_framing framing = H1_FRAMING_LENGTH;
    uint64_t left = plan.content_length;
    if (plan.is_connect) {
        framing = H1_FRAMING_CLOSE; /* the tunnel's bytes, as they are */
    } else if (!plan.has_content_length && (!end || want_trailers)) {
        framing = H1_FRAMING_CHUNKED;
        extra[n_extra++] = FIELD("transfer-encoding", "chunked", 7);
    } else if (!plan.has_content_length && takes_content(&plan.line)) {
        extra[n_extra++] = FIELD("content-length", "0", 1);
    }

    uint32_t id = h1->next_stream_id;
    h2r_stream *st = h2r_stream_create(s, id, NULL, 0, NULL, 0);
    if (!st) return H2R_ERR_NOMEM;
    const h2r_header *fields = count ? headers + plan.pseudo : NULL;
    err = h2r_http1_queue_head(s, 0, &plan.line, fields, count - plan.pseudo, extra, n_extra);
    if (err) {
        h2r_stream_forget(st);
        return err;
    }
    h1->next_stream_id = id <= H2R_STREAM_ID_MASK - 2 ? id + 2 : 0;
    h1->current = st;
    h1->read_state = H1_READ_HEAD;
    h1->awaiting = 1;
    h1->no_content = (uint8_t)plan.is_head;
    h1->connect = (uint8_t)plan.is_connect;
    h1->framing = framing;
    h1->response_left = left;
    h1->crlf_owed = 0;
    st->flags |= STREAM_HEADERS_SENT | STREAM_HTTP11 | (want_trailers ? STREAM_WANT_TRAILERS : 0);
    *out = st;
    if (end) {
        st->flags |= STREAM_END_REQUESTED;
        if (!want_trailers) return h2r_http1_end_body(s, st, NULL, 0);
    }
    return 0;
}

/* The request is queued to its end (the role's message_sent). */
static void request_sent(h2r_stream *st)
{
    struct http1_state *h1 = st->session->h1;
    /* Short of its content-length the request cannot end: the server would wait for the rest. */
    if (h1->framing == H1_FRAMING_LENGTH && h1->response_left)
        h2r_stream_close_internal(st, H2R_INTERNAL_ERROR, 1);
    else
        h2r_stream_on_end_sent(st);
}

static const struct http1_role client_role = {
    .read_head = h2r_http1_read_response_head,
    .message_read = h2r_http1_response_read,
    .fail = h2r_http1_client_fail,
    .message_sent = request_sent,
};

/* ---- the exchange's course ---- */

/* The exchange's stream closed: the next request may come, or the connection ends. */
static void stream_closed(h2r_stream *st)
{
    h2r_session *s = st->session;
    struct http1_state *h1 = s->h1;
    if (st != h1->current) return;
    h1->current = NULL;
    h1->awaiting = 0;
    uint32_t both = STREAM_END_SENT | STREAM_END_RECEIVED;
    /*
     * Cut short (h2r_stream_close, an error), the exchange leaves the
     * connection in no state to go on; a graceful close waited for it.
     */
    if ((st->flags & both) != both || (st->flags & (STREAM_ABORTED | STREAM_RESET_BY_US)) || s->closing)
        h2r_http1_stop_reading(s);
}

/* Graceful: no new request; the current exchange finishes, then the session is done. */
static void close_session(h2r_session *s)
{
    s->closing = 1;
    if (!s->h1->current) h2r_http1_stop_reading(s);
    h2r_session_maybe_done(s);
}

/* A client stream's response is the server's to send. */
static int no_response(h2r_stream *st, const h2r_header *headers, size_t count)
{
    (void)st, (void)headers, (void)count;
    return H2R_ERR_INVALID_STATE;
}

static int no_final_response(h2r_stream *st, const h2r_header *headers, size_t count, unsigned flags)
{
    (void)flags;
    return no_response(st, headers, count);
}

/* ---- what the I/O layer asks ---- */

static void get_state(const h2r_session *s, h2r_session_state *st)
{
    st->inbound_queue_size = h2r_http1_buffered(s->h1);
    st->next_stream_id = s->h1->next_stream_id;
}

/* The next piece of output within room chunks (h2r_out_pull); 1 if there was any, else 0. */
static int produce(h2r_session *s, size_t room)
{
    struct http1_state *h1 = s->h1;
    if (h2r_http1_message_ready(h1->current)) return h2r_http1_write_next(s, h1->current, room);
    if (!h1->input_ready) return 0;
    /* A resumed body's input, then the end of the input if it came meanwhile. */
    int read = h2r_http1_read_buffered(s);
    if (h1->input_ended) h2r_http1_client_eof(s);
    return read;
}

static size_t pull(h2r_session *s, h2r_chunk *chunks, size_t max)
{
    return h2r_out_pull(s, chunks, max, produce);
}

static const struct h2r_protocol http1_client = {
    .feed = h2r_http1_feed,
    .pull = pull,
    .want_read = h2r_http1_want_read,
    .want_write = h2r_http1_want_write,
    .file_failed = h2r_http1_file_failed,
    .close = close_session,
    .destroy = NULL, /* nothing to tell the server: the connection just ends */
    .get_state = get_state,
    .free = h2r_http1_free,
    .input_paused = h2r_http1_input_paused,
    .eof = h2r_http1_client_eof,
    .request = request,
    .respond = no_final_response,
    .interim = no_response,
    .send_trailers = h2r_http1_send_trailers,
    .reset = NULL, /* the exchange's end ends the connection (stream_closed) */
    .resume = h2r_http1_resume,
    .stream_closed = stream_closed,
    .output_drained = NULL,
    /* HTTP/2's control calls, priorities and pushes: NULL, as for the server. */
};

h2r_session *h2r_session_http1_client_new(const h2r_session_options *options,
                                          const h2r_session_callbacks *callbacks, void *user_data,
                                          const char *scheme, const char *authority)
{
    const char *own = h2r_http1_scheme(scheme);
    if (!own || !authority) return NULL;
    /* The authority goes in every request's Host: it must be one (RFC 9113 §8.3.1's rules). */
    size_t len = strlen(authority);
    h2r_header field = FIELD(":authority", authority, len);
    if (h2r_message_check_outgoing(&field, 1, H2R_SECTION_REQUEST)) return NULL;
    h2r_session *s = h2r_session_create(&http1_client, NULL, options, callbacks, user_data);
    if (!s) return NULL;
    if (!(s->h1 = calloc(1, sizeof(*s->h1) + len))) {
        h2r_session_free(s);
        return NULL;
    }
    memcpy(s->h1->authority, authority, len);
    s->h1->authority_len = len;
    s->h1->role = &client_role;
    s->h1->scheme = own;
    s->h1->read_state = H1_READ_HEAD;
    s->h1->next_stream_id = 1;
    s->phase = PHASE_FRAMES;   /* only PHASE_CLOSED (a failed or destroyed connection) means anything here */
    s->remote.enable_push = 0; /* no pushes in HTTP/1.1 */
    return s;
}
