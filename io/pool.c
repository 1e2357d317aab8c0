/*
 * A loop's pool of client connections (h2ring/client.h: h2r_client_request):
 * one connection per origin, made by h2r_connect on the first request and
 * shared by the next ones; requests wait in the origin's queue while it
 * connects, and while the session takes no more (an HTTP/1.1 exchange, or
 * HTTP/2's stream limit). The session's callbacks are the pool's, which
 * hand each stream's events to its request's own. A connection that
 * refuses a request (REFUSED_STREAM, or a GOAWAY below it) is retired: the
 * request goes once more, with those still waiting, on a new one.
 */
#include <stdlib.h>
#include <string.h>

#include "h2ring/client.h"
#include "io_internal.h"

/* How long a pooled connection without requests stays, unless the options say. */
#define POOL_IDLE_MS 2000

struct pool_request {
    struct pool_request *next; /* in its origin's queue */
    h2r_header *headers;       /* copied, the strings after them in the same allocation */
    size_t count;
    const void *body;
    size_t body_len;
    h2r_request_callbacks cb;
    void *ctx;
    uint8_t responded; /* on_response came: made again, it would be answered twice */
    uint8_t ended;     /* on_end came */
    uint8_t retried;   /* refused once already */
};

/* An origin's connection, from its connect to its session's close. */
struct pool_origin {
    struct pool_origin *next; /* the worker's */
    struct worker *worker;
    h2r_session *session;                    /* NULL while connecting */
    struct pool_request *queue, *queue_tail; /* not made yet */
    h2r_client_options options;              /* its connection's, for the one that takes over from it */
    h2r_session_options session_options;     /* options.session_options points here when it was given */
    uint8_t retired; /* takes no new request (its session said GOAWAY, or refused one) */
    char origin[];   /* "https://host:port" as the URL wrote it, then options.ca_file's copy */
};

static void request_closed(struct pool_request *r, int err, uint32_t rst_code)
{
    if (r->cb.on_close) r->cb.on_close(err, rst_code, r->ctx);
    free(r->headers);
    free(r);
}

static void fail_queue(struct pool_origin *o, int err)
{
    while (o->queue) {
        struct pool_request *r = o->queue;
        o->queue = r->next;
        request_closed(r, err, 0);
    }
    o->queue_tail = NULL;
}

static void unlink_origin(struct pool_origin *o)
{
    struct pool_origin **p = &o->worker->pool;
    while (*p && *p != o) p = &(*p)->next;
    if (*p) *p = o->next;
}

/* ---- the session's callbacks: each stream's to its request ---- */

static struct pool_request *request_of(h2r_stream *stream)
{
    return h2r_stream_user_data(stream);
}

static void on_response(h2r_stream *stream, const h2r_header *headers, size_t count, int flags)
{
    struct pool_request *r = request_of(stream);
    r->responded = 1;
    if (r->cb.on_response) r->cb.on_response(stream, headers, count, flags, r->ctx);
}

static void on_data(h2r_stream *stream, const uint8_t *data, size_t len)
{
    struct pool_request *r = request_of(stream);
    if (r->cb.on_data) r->cb.on_data(stream, data, len, r->ctx);
}

static void on_trailers(h2r_stream *stream, const h2r_header *headers, size_t count)
{
    struct pool_request *r = request_of(stream);
    if (r->cb.on_trailers) r->cb.on_trailers(stream, headers, count, r->ctx);
}

static void on_informational(h2r_stream *stream, const h2r_header *headers, size_t count)
{
    struct pool_request *r = request_of(stream);
    if (r && r->cb.on_informational) r->cb.on_informational(stream, headers, count, r->ctx);
}

static void on_drain(h2r_stream *stream)
{
    struct pool_request *r = request_of(stream);
    if (r && r->cb.on_drain) r->cb.on_drain(stream, r->ctx);
}

static void on_end(h2r_stream *stream)
{
    struct pool_request *r = request_of(stream);
    r->ended = 1;
    if (r->cb.on_end) r->cb.on_end(stream, r->ctx);
}

static void dispatch(struct pool_origin *o);

static void on_stream_close(h2r_stream *stream, uint32_t rst_code)
{
    struct pool_request *r = request_of(stream);
    struct pool_origin *o = h2r_session_user_data(h2r_stream_session(stream));
    /* A pushed stream the server promised has no request of ours: refused by on_stream, nothing to tell. */
    if (!r) return;
    if (rst_code == H2R_REFUSED_STREAM && !r->responded && !r->retried &&
        r->body != H2R_CLIENT_BODY_STREAMED) {
        /* Not processed (RFC 9113 §8.7): made once more, first in the queue that a new connection takes. */
        r->retried = 1;
        r->next = o->queue;
        o->queue = r;
        if (!o->queue_tail) o->queue_tail = r;
        o->retired = 1;
    } else {
        request_closed(r, r->ended ? 0 : H2R_ERR_STREAM_CLOSED, rst_code);
    }
    dispatch(o); /* a place was made for the next, or the queue moves on */
}

static void on_push(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                    int flags)
{
    (void)session, (void)headers, (void)count, (void)flags;
    h2r_stream_close(stream, H2R_CANCEL); /* nobody asked for it */
}

static void on_goaway(h2r_session *session, uint32_t code, uint32_t last_stream_id, const uint8_t *data,
                      size_t len)
{
    (void)code, (void)last_stream_id, (void)data, (void)len;
    struct pool_origin *o = h2r_session_user_data(session);
    o->retired = 1; /* new requests go to a new connection, and so do those waiting */
    dispatch(o);
}

static void on_session_close(h2r_session *session)
{
    struct pool_origin *o = h2r_session_user_data(session);
    unlink_origin(o);
    fail_queue(o, H2R_ERR_SESSION_CLOSED);
    free(o);
}

static const h2r_session_callbacks pool_callbacks = {
    .on_stream = on_push,
    .on_response = on_response,
    .on_informational = on_informational,
    .on_drain = on_drain,
    .on_data = on_data,
    .on_trailers = on_trailers,
    .on_end = on_end,
    .on_stream_close = on_stream_close,
    .on_goaway = on_goaway,
    .on_session_close = on_session_close,
};

/* ---- requests ---- */

/*
 * Makes one request on the session: 0, or h2r_session_request's error (the request is still the caller's).
 * The caller tells on_stream (started) once it is done with the request's place in the queue: on_stream may
 * close the stream, and the request with it.
 */
static int make(struct pool_origin *o, struct pool_request *r, h2r_stream **stream)
{
    unsigned flags = r->body ? 0 : H2R_REQUEST_END_STREAM;
    int err = h2r_session_request(o->session, r->headers, r->count, flags, stream);
    if (err) return err;
    h2r_stream_set_user_data(*stream, r);
    if (r->body && r->body != H2R_CLIENT_BODY_STREAMED) {
        h2r_stream_write(*stream, r->body, r->body_len, NULL, NULL);
        h2r_stream_end(*stream);
    }
    return 0;
}

static struct pool_origin *origin_for(struct worker *w, const char *url, size_t len,
                                      const h2r_client_options *options, int *err);

/* A retired connection's queue goes to the origin's next connection (made with the same options). */
static void move_queue(struct pool_origin *o)
{
    int err;
    struct pool_origin *next = origin_for(o->worker, o->origin, strlen(o->origin), &o->options, &err);
    if (!next) {
        fail_queue(o, err);
        return;
    }
    if (next->queue_tail)
        next->queue_tail->next = o->queue;
    else
        next->queue = o->queue;
    next->queue_tail = o->queue_tail;
    o->queue = o->queue_tail = NULL;
    dispatch(next);
}

static void started(struct pool_request *r, h2r_stream *stream)
{
    if (r->cb.on_stream) r->cb.on_stream(stream, r->ctx);
}

/* Makes the queued requests, as many as the session takes now. */
static void dispatch(struct pool_origin *o)
{
    while (o->session && o->queue) {
        if (o->retired) {
            move_queue(o);
            return;
        }
        struct pool_request *r = o->queue;
        h2r_stream *stream;
        int err = make(o, r, &stream);
        if (err == H2R_ERR_STREAM_LIMIT) return; /* at the next stream's close */
        o->queue = r->next;
        if (!o->queue) o->queue_tail = NULL;
        if (err)
            request_closed(r, err, 0);
        else
            started(r, stream);
    }
}

static void on_connect(h2r_session *session, int err, void *ctx)
{
    struct pool_origin *o = ctx;
    if (!session) {
        unlink_origin(o);
        fail_queue(o, err);
        free(o);
        return;
    }
    o->session = session;
    dispatch(o);
}

/* The origin of url ("https://host:port" as written), and where its path starts: its length, 0 if none. */
static size_t origin_len(const char *url)
{
    const char *authority = strstr(url, "://");
    return authority ? (size_t)(authority + 3 - url) + strcspn(authority + 3, "/?#") : 0;
}

/* A copy of headers, with :path from the URL unless they have one: NULL when out of memory. */
static h2r_header *copy_headers(const h2r_header *headers, size_t count, const char *path, size_t path_len,
                                size_t *copied)
{
    int has_path = 0;
    size_t bytes = 0;
    for (size_t i = 0; i != count; ++i) {
        bytes += headers[i].name_len + headers[i].value_len;
        has_path |= headers[i].name_len == 5 && memcmp(headers[i].name, ":path", 5) == 0;
    }
    size_t n = count + !has_path;
    h2r_header *copy = malloc(n * sizeof(*copy) + bytes);
    if (!copy) return NULL;
    char *text = (char *)(copy + n);
    for (size_t i = 0; i != count; ++i) {
        copy[i] = headers[i];
        copy[i].name = memcpy(text, headers[i].name, headers[i].name_len);
        text += headers[i].name_len;
        copy[i].value = memcpy(text, headers[i].value, headers[i].value_len);
        text += headers[i].value_len;
    }
    if (!has_path)
        copy[count] = (h2r_header){.name = ":path", .name_len = 5, .value = path, .value_len = path_len};
    *copied = n;
    return copy;
}

/* The origin's open (or opening) connection, or a new one. NULL with *err. */
static struct pool_origin *origin_for(struct worker *w, const char *url, size_t len,
                                      const h2r_client_options *options, int *err)
{
    for (struct pool_origin *o = w->pool; o; o = o->next)
        if (!o->retired && strlen(o->origin) == len && memcmp(o->origin, url, len) == 0) return o;
    size_t ca_size = options && options->ca_file ? strlen(options->ca_file) + 1 : 0;
    struct pool_origin *o = calloc(1, sizeof(*o) + len + 1 + ca_size);
    *err = H2R_ERR_NOMEM;
    if (!o) return NULL;
    memcpy(o->origin, url, len);
    o->worker = w;
    if (options)
        o->options = *options;
    else
        h2r_client_options_init(&o->options);
    if (!o->options.idle_timeout_ms) o->options.idle_timeout_ms = POOL_IDLE_MS;
    if (o->options.session_options) {
        o->session_options = *o->options.session_options;
        o->options.session_options = &o->session_options;
    }
    if (ca_size) o->options.ca_file = memcpy(o->origin + len + 1, options->ca_file, ca_size);
    if ((*err = h2r_connect(&w->loop, o->origin, &o->options, &pool_callbacks, o, on_connect, o)) != 0) {
        free(o);
        return NULL;
    }
    o->next = w->pool;
    w->pool = o;
    return o;
}

int h2r_client_request(h2r_loop *loop, const char *url, const h2r_header *headers, size_t count,
                       const void *body, size_t len, const h2r_client_options *options,
                       const h2r_request_callbacks *callbacks, void *ctx)
{
    size_t origin = url ? origin_len(url) : 0;
    if (!origin || (count && !headers)) return H2R_ERR_INVALID_ARGUMENT;
    if (!h2r_loop_in_thread(loop)) return H2R_ERR_WRONG_THREAD;
    const char *path = url[origin] == '/' ? url + origin : "/";
    size_t path_len = strcspn(path, "#");
    struct pool_request *r = calloc(1, sizeof(*r) + path_len + 1);
    if (!r) return H2R_ERR_NOMEM;
    char *path_copy = memcpy((char *)(r + 1), path, path_len);
    r->headers = copy_headers(headers, count, path_copy, path_len, &r->count);
    if (!r->headers) {
        free(r);
        return H2R_ERR_NOMEM;
    }
    r->body = body;
    r->body_len = len;
    if (callbacks) r->cb = *callbacks;
    r->ctx = ctx;
    int err;
    struct pool_origin *o = origin_for(loop->worker, url, origin, options, &err);
    if (o && o->session && !o->queue) {
        /* Made at once, if the session takes it: its errors are this call's. */
        h2r_stream *stream;
        err = make(o, r, &stream);
        if (!err) {
            started(r, stream);
            return 0;
        }
        if (err == H2R_ERR_SESSION_CLOSED) {
            o->retired = 1; /* closing: a new connection takes this request and the next */
            o = origin_for(loop->worker, url, origin, options, &err);
        } else if (err != H2R_ERR_STREAM_LIMIT) {
            o = NULL;
        }
    }
    if (!o) {
        free(r->headers);
        free(r);
        return err;
    }
    if (o->queue_tail)
        o->queue_tail->next = r;
    else
        o->queue = r;
    o->queue_tail = r;
    dispatch(o);
    return 0;
}
