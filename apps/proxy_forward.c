/*
 * h2proxy's relay of one request (see proxy_forward.h). A relay is shared
 * by the client's stream (the server's) and the upstream request (the
 * pool's), and freed when both are done with it. Until the upstream's
 * stream is made (the pool may be connecting), the client's body is held
 * here, its stream paused: its window bounds what is held, and a request
 * whose upstream could not be reached is tried on the next upstream with
 * its body intact.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_log.h"
#include "h2ring/client.h"
#include "h2ring/loop.h"
#include "proxy_forward.h"
#include "proxy_headers.h"
#include "proxy_stream.h"
#include "proxy_upstreams.h"

struct relay {
    const struct proxy_handlers *handlers; /* first: the client's stream's user data (proxy_stream.h) */
    h2r_stream *client;                    /* the server's stream, referenced until the relay is freed */
    h2r_stream *upstream;                  /* the request's stream, from on_stream to on_close, referenced */
    h2r_loop *loop;
    h2r_timer *timer;    /* the response head's deadline, until it comes */
    h2r_header *request; /* the upstream's request head, kept for another try */
    size_t request_count;
    h2r_header *trailers; /* the upstream's, until the client's stream asks for them */
    size_t trailer_count;
    struct proxy_piece *held, **held_tail; /* the client's body, before the upstream's stream */
    size_t upstream_index;
    unsigned tries;
    unsigned status;
    size_t body_bytes;
    int refs;                /* the client's stream, and the upstream request while it runs */
    uint8_t body_streamed;   /* the client's request has a body */
    uint8_t client_ended;    /* ... and it is all in */
    uint8_t client_closed;   /* the client's stream closed */
    uint8_t answered;        /* the client has its response head: the upstream's, or our 502 or 504 */
    uint8_t relayed;         /* ... the upstream's */
    uint8_t timed_out;       /* the deadline passed before the response head */
    uint8_t upstream_paused; /* the client is slower than the upstream */
    uint8_t wants_trailers;  /* the client said "te: trailers" */
    uint8_t upstream_ended;  /* the upstream's response is complete */
    uint8_t upstream_done;   /* the upstream request's on_close came, and no other try follows */
    uint8_t logged;
    char method[16];
    char path[240];
    size_t method_len, path_len;
};

static int clients_tls;
static uint32_t response_timeout_ms;

static void send_request(struct relay *relay);

static void cancel(h2r_stream *stream, uint32_t code)
{
    h2r_session *session = h2r_stream_closed(stream) ? NULL : h2r_stream_session(stream);
    h2r_stream_close(stream, code);
    if (session) h2r_session_flush(session);
}

static void release(struct relay *relay)
{
    if (--relay->refs) return;
    if (relay->timer) h2r_timer_stop(relay->timer);
    while (relay->held) {
        struct proxy_piece *next = relay->held->next;
        free(relay->held);
        relay->held = next;
    }
    h2r_stream_unref(relay->client);
    free(relay->request);
    free(relay->trailers);
    free(relay);
}

static void log_response(struct relay *relay)
{
    if (relay->logged) return;
    relay->logged = 1;
    h2serve_access_log_line(relay->client, relay->method, relay->method_len, relay->path, relay->path_len,
                            relay->status, relay->body_bytes);
}

/* Our own answer (502, 504), with a line on stderr saying why. */
static void answer(struct relay *relay, unsigned status, const char *why)
{
    static const char *const bodies[] = {"bad gateway\n", "gateway timeout\n"};
    const char *body = bodies[status == 504];
    char text[4];
    snprintf(text, sizeof(text), "%u", status);
    h2r_header head[] = {
        {.name = ":status", .name_len = 7, .value = text, .value_len = 3},
        {.name = "content-type", .name_len = 12, .value = "text/plain", .value_len = 10},
    };
    fprintf(stderr, "h2proxy: %u for %.*s %.*s: upstream %s: %s\n", status, (int)relay->method_len,
            relay->method, (int)relay->path_len, relay->path,
            proxy_upstreams_get(relay->upstream_index)->origin, why);
    relay->answered = 1;
    relay->status = status;
    if (h2r_stream_respond(relay->client, head, 2, 0) == 0) {
        h2r_stream_write(relay->client, body, strlen(body), NULL, NULL);
        h2r_stream_end(relay->client);
    }
    relay->body_bytes = strlen(body);
    log_response(relay);
    /* What the client still sends is read and dropped, not held. */
    h2r_stream_resume(relay->client);
    proxy_flush(relay->client);
}

/* ---- the upstream request's events ---- */

static void upstream_stream(h2r_stream *stream, void *ctx)
{
    struct relay *relay = ctx;
    relay->upstream = stream;
    h2r_stream_ref(stream);
    if (relay->answered || relay->client_closed) {
        h2r_stream_close(stream, H2R_CANCEL);
        return;
    }
    if (!relay->body_streamed) {
        proxy_flush(stream);
        return;
    }
    int room = 1;
    while (relay->held) {
        struct proxy_piece *piece = relay->held;
        relay->held = piece->next;
        room = h2r_stream_write(stream, piece->data, piece->len, proxy_piece_release, piece) == 1;
    }
    relay->held_tail = &relay->held;
    if (relay->client_ended)
        h2r_stream_end(stream);
    else if (room)
        h2r_stream_resume(relay->client);
    proxy_flush(stream);
    proxy_flush(relay->client);
}

static void upstream_drain(h2r_stream *stream, void *ctx)
{
    struct relay *relay = ctx;
    (void)stream;
    h2r_stream_resume(relay->client);
    proxy_flush(relay->client);
}

static void upstream_informational(h2r_stream *stream, const h2r_header *headers, size_t count, void *ctx)
{
    struct relay *relay = ctx;
    if (relay->answered) return;
    size_t n;
    h2r_header *head = proxy_headers_response(headers, count, h2r_stream_http_version(stream), &n);
    if (head) h2r_stream_additional_headers(relay->client, head, n);
    free(head);
}

/* The status of a head (:status comes first): its three digits. */
static unsigned status_of(const h2r_header *head)
{
    unsigned status = 0;
    for (size_t i = 0; i != head->value_len && i != 3; ++i)
        status = status * 10 + (unsigned)(head->value[i] - '0');
    return status;
}

static void upstream_response(h2r_stream *stream, const h2r_header *headers, size_t count, int flags,
                              void *ctx)
{
    struct relay *relay = ctx;
    if (relay->answered) return;
    if (relay->timer) h2r_timer_stop(relay->timer);
    relay->timer = NULL;
    proxy_upstreams_answered(relay->upstream_index);
    size_t n;
    h2r_header *head = proxy_headers_response(headers, count, h2r_stream_http_version(stream), &n);
    unsigned respond_flags = flags & H2R_END_STREAM  ? H2R_RESPOND_END_STREAM
                             : relay->wants_trailers ? H2R_RESPOND_WAIT_FOR_TRAILERS
                                                     : 0;
    relay->answered = relay->relayed = 1;
    relay->upstream_ended = flags & H2R_END_STREAM;
    relay->status = status_of(&headers[0]);
    if (relay->upstream_ended) log_response(relay); /* while the client's stream is open: its peer */
    /* A response that ends the client's stream may end the relay's other owner too (on_close): held. */
    relay->refs++;
    int err = head ? h2r_stream_respond(relay->client, head, n, respond_flags) : H2R_ERR_NOMEM;
    free(head);
    if (err) {
        fprintf(stderr, "h2proxy: the response to %.*s %.*s cannot be relayed: %s\n", (int)relay->method_len,
                relay->method, (int)relay->path_len, relay->path, h2r_strerror(err));
        cancel(relay->client, H2R_INTERNAL_ERROR);
        h2r_stream_close(stream, H2R_CANCEL);
    }
    release(relay);
}

static void upstream_data(h2r_stream *stream, const uint8_t *data, size_t len, void *ctx)
{
    struct relay *relay = ctx;
    if (!relay->relayed) return;
    struct proxy_piece *piece = proxy_piece_of(data, len);
    int room = piece ? h2r_stream_write(relay->client, piece->data, len, proxy_piece_release, piece) : -1;
    relay->body_bytes += len;
    if (room == 0) {
        h2r_stream_pause(stream); /* until the client's drain */
        relay->upstream_paused = 1;
    } else if (room < 0) {
        h2r_stream_close(stream, H2R_CANCEL);
    }
}

static void upstream_trailers(h2r_stream *stream, const h2r_header *headers, size_t count, void *ctx)
{
    struct relay *relay = ctx;
    (void)stream;
    if (!relay->relayed || relay->trailers) return;
    relay->trailers = proxy_headers_trailers(headers, count, &relay->trailer_count);
}

static void upstream_end(h2r_stream *stream, void *ctx)
{
    struct relay *relay = ctx;
    (void)stream;
    if (!relay->relayed) return;
    relay->upstream_ended = 1;
    h2r_stream_end(relay->client); /* then the client's on_want_trailers, if it takes them */
    log_response(relay);
}

static void upstream_close(int err, uint32_t rst_code, void *ctx)
{
    struct relay *relay = ctx;
    int started = relay->upstream != NULL;
    if (started) h2r_stream_unref(relay->upstream);
    relay->upstream = NULL;
    /* Not reached at all (the connection could not be made, or ended before the request went). */
    int unreached = err && !started;
    if (unreached) proxy_upstreams_failed(relay->upstream_index);
    if (relay->client_closed || !err) {
        /* the client's upload, if still coming, is read and dropped */
    } else if (relay->relayed) {
        /* The body was cut: the client must not take what it got for the whole. */
        cancel(relay->client, H2R_INTERNAL_ERROR);
        log_response(relay);
    } else if (!relay->answered && relay->timed_out) {
        answer(relay, 504, "no response in time");
    } else if (!relay->answered && unreached && relay->tries < proxy_upstreams_count()) {
        fprintf(stderr, "h2proxy: upstream %s: %s; trying the next\n",
                proxy_upstreams_get(relay->upstream_index)->origin, h2r_client_strerror(err));
        send_request(relay); /* the relay's reference goes on with it */
        return;
    } else if (!relay->answered) {
        char why[128];
        snprintf(why, sizeof(why), "%s%s%s", h2r_client_strerror(err), rst_code ? ", reset with " : "",
                 rst_code ? h2r_error_code_name(rst_code) : "");
        answer(relay, err == -ETIMEDOUT ? 504 : 502, why);
    }
    relay->upstream_done = 1;
    if (!relay->client_closed) h2r_stream_resume(relay->client);
    proxy_flush(relay->client);
    release(relay);
}

static const h2r_request_callbacks upstream_callbacks = {
    .on_stream = upstream_stream,
    .on_informational = upstream_informational,
    .on_response = upstream_response,
    .on_data = upstream_data,
    .on_trailers = upstream_trailers,
    .on_end = upstream_end,
    .on_drain = upstream_drain,
    .on_close = upstream_close,
};

/* The request goes to the next upstream in turn. */
static void send_request(struct relay *relay)
{
    relay->upstream_index = proxy_upstreams_next();
    relay->tries++;
    const struct proxy_upstream *u = proxy_upstreams_get(relay->upstream_index);
    int err = h2r_client_request(relay->loop, u->origin, relay->request, relay->request_count,
                                 relay->body_streamed ? H2R_CLIENT_BODY_STREAMED : NULL, 0, &u->options,
                                 &upstream_callbacks, relay);
    if (err) {
        answer(relay, 502, h2r_client_strerror(err));
        release(relay);
    }
}

static void on_deadline(h2r_timer *timer, void *ctx)
{
    struct relay *relay = ctx;
    (void)timer;
    relay->timer = NULL; /* a one-shot timer is freed after this */
    if (relay->answered) return;
    relay->timed_out = 1;
    /* A request on its way ends with its stream (upstream_close answers); one still waiting, now. */
    if (relay->upstream)
        h2r_stream_close(relay->upstream, H2R_CANCEL);
    else
        answer(relay, 504, "no response in time");
}

/* ---- the client's stream ---- */

static struct relay *relay_of(h2r_stream *stream)
{
    return h2r_stream_user_data(stream);
}

static const struct proxy_handlers handlers;

void proxy_forward_open(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                        int flags)
{
    const h2r_header *method = proxy_find(headers, count, ":method"),
                     *path = proxy_find(headers, count, ":path");
    const h2r_header *te = proxy_find(headers, count, "te");
    struct relay *relay = path ? calloc(1, sizeof(*relay)) : NULL;
    if (!relay) {
        proxy_refuse(stream, "503");
        return;
    }
    relay->handlers = &handlers;
    relay->client = stream;
    h2r_stream_ref(stream);
    relay->refs = 1;
    relay->loop = h2r_session_loop(session);
    relay->method_len = method->value_len < sizeof(relay->method) ? method->value_len : sizeof(relay->method);
    memcpy(relay->method, method->value, relay->method_len);
    relay->path_len = path->value_len < sizeof(relay->path) ? path->value_len : sizeof(relay->path);
    memcpy(relay->path, path->value, relay->path_len);
    relay->body_streamed = !(flags & H2R_END_STREAM);
    relay->client_ended = !relay->body_streamed;
    relay->held_tail = &relay->held;
    relay->wants_trailers = te && te->value_len == 8 && memcmp(te->value, "trailers", 8) == 0;
    relay->request = proxy_headers_request(headers, count, h2r_stream_http_version(stream),
                                           h2r_session_app_data(session), clients_tls, &relay->request_count);
    if (!relay->request ||
        h2r_timer_start(relay->loop, response_timeout_ms, 0, on_deadline, relay, &relay->timer) != 0) {
        proxy_refuse(stream, "503"); /* the relay not yet the stream's: its close does not release it */
        release(relay);
        return;
    }
    h2r_stream_set_user_data(stream, relay);
    relay->refs++; /* the upstream request's */
    send_request(relay);
}

static void on_data(h2r_stream *stream, const uint8_t *data, size_t len)
{
    struct relay *relay = relay_of(stream);
    if (relay->upstream_done || (relay->answered && !relay->relayed)) return; /* nobody takes it: dropped */
    struct proxy_piece *piece = proxy_piece_of(data, len);
    if (!piece) {
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
    } else if (relay->upstream) {
        if (h2r_stream_write(relay->upstream, piece->data, len, proxy_piece_release, piece) == 0)
            h2r_stream_pause(stream); /* until the upstream's drain */
        proxy_flush(relay->upstream);
    } else {
        *relay->held_tail = piece;
        relay->held_tail = &piece->next;
        h2r_stream_pause(stream); /* until the upstream's stream is made */
    }
}

static void on_end(h2r_stream *stream)
{
    struct relay *relay = relay_of(stream);
    relay->client_ended = 1;
    if (relay->upstream) h2r_stream_end(relay->upstream);
    proxy_flush(relay->upstream);
}

static void on_drain(h2r_stream *stream)
{
    struct relay *relay = relay_of(stream);
    if (!relay->upstream_paused) return;
    relay->upstream_paused = 0;
    if (relay->upstream) h2r_stream_resume(relay->upstream);
    proxy_flush(relay->upstream);
}

static void on_want_trailers(h2r_stream *stream)
{
    struct relay *relay = relay_of(stream);
    h2r_stream_send_trailers(stream, relay->trailers, relay->trailer_count);
}

static void on_close(h2r_stream *stream)
{
    struct relay *relay = relay_of(stream);
    relay->client_closed = 1;
    log_response(relay);
    /* A client gone mid-upload or mid-download: the upstream's request is cancelled. */
    if (relay->upstream && !(relay->upstream_ended && relay->client_ended))
        cancel(relay->upstream, H2R_CANCEL);
    release(relay);
}

static const struct proxy_handlers handlers = {
    .on_data = on_data,
    .on_end = on_end,
    .on_drain = on_drain,
    .on_want_trailers = on_want_trailers,
    .on_close = on_close,
};

void proxy_forward_init(int tls, uint32_t timeout_ms)
{
    clients_tls = tls;
    response_timeout_ms = timeout_ms;
}
