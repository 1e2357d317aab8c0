/*
 * The engine's stream callbacks, turned into request/response pairs and
 * their events: on_stream makes the pair and calls the handler, the others
 * find the pair in the stream's user_data.
 */
#include <string.h>
#include <strings.h>

#include "compat_internal.h"

static struct h2r_compat_pair *pair_of(const h2r_stream *stream)
{
    return h2r_stream_user_data(stream);
}

/* Node's onServerStream: expectations (RFC 9110 §10.1.1), then the 'request' event. */
static void start(const h2r_compat_handlers *handlers, struct h2r_compat_pair *pair)
{
    h2r_request *req = &pair->req;
    h2r_response *res = &pair->res;
    const h2r_header *expect = req->expect;
    /* An HTTP/1.0 client cannot know 100-continue: its expectation is ignored. */
    if (expect && strcmp(h2r_request_http_version(req), "1.0") != 0) {
        if (expect->value_len != 12 || strncasecmp(expect->value, "100-continue", 12) != 0) {
            h2r_response_set_status(res, 417);
            h2r_response_end(res, NULL, 0, NULL, NULL);
            return;
        }
        if (handlers->on_check_continue) {
            handlers->on_check_continue(req, res, handlers->user_data);
            return;
        }
        h2r_response_write_continue(res);
    }
    handlers->on_request(req, res, handlers->user_data);
}

static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags)
{
    (void)flags; /* a request without a body gets its on_end right after */
    const h2r_compat_handlers *handlers = h2r_session_user_data(session);
    struct h2r_compat_pair *pair =
        handlers && handlers->on_request ? h2r_compat_request_new(stream, headers, count) : NULL;
    if (!pair) {
        /* Nothing was done with it: the client may try again. */
        h2r_stream_close(stream, H2R_REFUSED_STREAM);
        return;
    }
    start(handlers, pair);
}

static void on_data(h2r_stream *stream, const uint8_t *data, size_t len)
{
    struct h2r_compat_pair *pair = pair_of(stream);
    if (pair && pair->req.events && pair->req.events->on_data)
        pair->req.events->on_data(&pair->req, data, len, pair->req.ctx);
}

static void on_trailers(h2r_stream *stream, const h2r_header *headers, size_t count)
{
    struct h2r_compat_pair *pair = pair_of(stream);
    if (!pair) return;
    h2r_header *copy;
    if (h2r_compat_copy_fields(pair, headers, count, 0, &copy) != 0) {
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
        return;
    }
    pair->req.trailers = copy;
    pair->req.trailer_count = count;
    if (pair->req.events && pair->req.events->on_trailers)
        pair->req.events->on_trailers(&pair->req, pair->req.ctx);
}

static void on_end(h2r_stream *stream)
{
    struct h2r_compat_pair *pair = pair_of(stream);
    if (!pair) return;
    pair->flags |= REQ_COMPLETE;
    if (pair->req.events && pair->req.events->on_end) pair->req.events->on_end(&pair->req, pair->req.ctx);
}

static void on_want_trailers(h2r_stream *stream)
{
    struct h2r_compat_pair *pair = pair_of(stream);
    if (pair) h2r_compat_response_send_trailers(pair);
}

static void on_drain(h2r_stream *stream)
{
    struct h2r_compat_pair *pair = pair_of(stream);
    if (pair && pair->res.events && pair->res.events->on_drain)
        pair->res.events->on_drain(&pair->res, pair->res.ctx);
}

static void on_aborted(h2r_stream *stream)
{
    struct h2r_compat_pair *pair = pair_of(stream);
    if (!pair) return;
    pair->flags |= REQ_ABORTED;
    if (pair->req.events && pair->req.events->on_aborted)
        pair->req.events->on_aborted(&pair->req, pair->req.ctx);
}

/* Node's onStreamCloseRequest and onStreamCloseResponse: the request's close, then finish and close. */
static void on_stream_close(h2r_stream *stream, uint32_t rst_code)
{
    struct h2r_compat_pair *pair = pair_of(stream);
    if (!pair) return;
    pair->flags |= PAIR_CLOSED;
    h2r_stream_set_user_data(stream, NULL);
    /* The pair lives on through these calls: the stream's reference is dropped last. */
    const h2r_request_events *req_events = pair->req.events;
    if (req_events && req_events->on_close) req_events->on_close(&pair->req, pair->req.ctx);
    const h2r_response_events *res_events = pair->res.events;
    if (res_events && res_events->on_finish && rst_code == H2R_NO_ERROR && !(pair->flags & REQ_ABORTED) &&
        h2r_stream_headers_sent(stream))
        res_events->on_finish(&pair->res, pair->res.ctx);
    res_events = pair->res.events;
    if (res_events && res_events->on_close) res_events->on_close(&pair->res, pair->res.ctx);
    h2r_compat_pair_unref(pair);
}

static void on_stream_timeout(h2r_stream *stream)
{
    struct h2r_compat_pair *pair = pair_of(stream);
    if (!pair) return;
    if (pair->res.events && pair->res.events->on_timeout)
        pair->res.events->on_timeout(&pair->res, pair->res.ctx);
    else
        h2r_stream_close(stream, H2R_CANCEL);
}

void h2r_compat_callbacks(h2r_session_callbacks *callbacks)
{
    callbacks->on_stream = on_stream;
    callbacks->on_data = on_data;
    callbacks->on_trailers = on_trailers;
    callbacks->on_end = on_end;
    callbacks->on_want_trailers = on_want_trailers;
    callbacks->on_drain = on_drain;
    callbacks->on_aborted = on_aborted;
    callbacks->on_stream_close = on_stream_close;
    callbacks->on_stream_timeout = on_stream_timeout;
}
