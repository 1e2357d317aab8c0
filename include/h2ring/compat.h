/*
 * Node's compatibility API (Http2ServerRequest, Http2ServerResponse) in C:
 * one handler, on_request(req, res), per request, the way Node's
 * server.on('request') and the http module's handlers are written.
 *
 * It sits on the stream API of h2ring/engine.h and nothing else, so a handler written
 * against it serves every protocol the engine speaks: HTTP/2 streams and
 * HTTP/1.1 exchanges alike (pushes are refused where there is no push).
 *
 * Each stream gets one request/response pair, made in one allocation that
 * also holds copies of the request's fields and the response's headers
 * (sized to the request, with a few hundred bytes to spare; only unusual
 * header counts allocate more). The pair
 * lives until the stream closes: req and res stay valid until the
 * response's on_close event returns, or longer while the application holds
 * a reference (h2r_response_ref). Once the stream is closed, every call
 * that would send returns H2R_ERR_STREAM_CLOSED and the getters still work.
 *
 * Strings handed out (methods, paths, header values) are NUL-terminated
 * copies owned by the pair; their lengths come along where asked for.
 * Header names given to lookups are matched regardless of case. All calls
 * are made on the thread that runs the session, as with the stream API.
 */
#ifndef H2RING_COMPAT_H
#define H2RING_COMPAT_H

#include <stddef.h>
#include <stdint.h>

#include "h2ring/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Node's Http2ServerRequest: what the client asked. */
typedef struct h2r_request h2r_request;
/** Node's Http2ServerResponse: the answer being made. */
typedef struct h2r_response h2r_response;

/* ---- plugging it into a session ---- */

/** The server's 'request' and 'checkContinue' listeners. */
typedef struct h2r_compat_handlers {
    /** Node's server 'request' event: a new request; answer it through res, now or later. */
    void (*on_request)(h2r_request *req, h2r_response *res, void *user_data);
    /**
     * Node's 'checkContinue': a request with `expect: 100-continue` comes
     * here instead of on_request, which decides whether to accept the body
     * (h2r_response_write_continue) or to answer at once (say, 413). When
     * NULL, 100 Continue is sent by itself and on_request is called, as in
     * Node. A request expecting anything else is answered 417. An HTTP/1.0
     * client's expectation is ignored (RFC 9110 §10.1.1).
     */
    void (*on_check_continue)(h2r_request *req, h2r_response *res, void *user_data);
    /** Passed to the handlers. */
    void *user_data;
} h2r_compat_handlers;

/**
 * Fills the stream callbacks of callbacks (on_stream, on_data, on_end,
 * on_trailers, on_want_trailers, on_drain, on_aborted, on_stream_close,
 * on_stream_timeout) with the compatibility layer's; the session callbacks
 * (on_goaway, on_session_close...) are left to the caller.
 *
 * The engine's callbacks carry no context but the session's user_data, so
 * that is where the handlers are found: the session's user_data must be a
 * `const h2r_compat_handlers *` (for io's h2r_server_run, config.user_data),
 * which must outlive the session. The stream's user_data belongs to the
 * layer: streams whose user_data is NULL (pushed with h2r_stream_push
 * directly, say) are left alone.
 *
 * Destroy a session (h2r_session_destroy) before freeing it:
 * h2r_session_free makes no stream callbacks, so the pairs of streams still
 * open would never be freed.
 */
void h2r_compat_callbacks(h2r_session_callbacks *callbacks);

/* ---- the request ---- */

/** The request's events, set with h2r_request_on. Every member may be NULL. */
typedef struct h2r_request_events {
    /** Node's 'data': a piece of the body. Bytes arriving while no handler is set are dropped. */
    void (*on_data)(h2r_request *req, const uint8_t *data, size_t len, void *ctx);
    /** Node's stream 'trailers': the request's trailers are in (h2r_request_trailers), just before on_end. */
    void (*on_trailers)(h2r_request *req, void *ctx);
    /** Node's 'end': the body is complete (h2r_request_complete is now true). */
    void (*on_end)(h2r_request *req, void *ctx);
    /**
     * Node's 'aborted': the client reset the stream, or the connection
     * died, before the exchange was over.
     */
    void (*on_aborted)(h2r_request *req, void *ctx);
    /** Node's 'close': the stream closed; called before the response's on_finish and on_close. */
    void (*on_close)(h2r_request *req, void *ctx);
} h2r_request_events;

/**
 * Sets the request's event handlers (events is kept by reference: make it
 * static) and ctx, passed to them. Events that already happened are not
 * replayed: set them in on_request, before returning, not to miss the body.
 */
void h2r_request_on(h2r_request *req, const h2r_request_events *events, void *ctx);

/** Node's request.method (":method"); *len (if len is not NULL) gets its length. */
const char *h2r_request_method(const h2r_request *req, size_t *len);

/** Node's request.url: the request target (":path"), query included; NULL for CONNECT, which has none. */
const char *h2r_request_url(const h2r_request *req, size_t *len);

/** Node's request.authority (":authority", or the host field); NULL if there is neither. */
const char *h2r_request_authority(const h2r_request *req, size_t *len);

/** Node's request.scheme (":scheme"); NULL if absent (CONNECT). */
const char *h2r_request_scheme(const h2r_request *req, size_t *len);

/** Node's request.httpVersion: "2.0", or "1.1" / "1.0" for an HTTP/1 exchange. */
const char *h2r_request_http_version(const h2r_request *req);

/**
 * Node's request.headers[name]: the value of the first field called name
 * (in any case), or NULL. Fields that occur more than once are walked with
 * h2r_request_next_header.
 */
const char *h2r_request_get_header(const h2r_request *req, const char *name, size_t *len);

/**
 * The next field called name (in any case) after prev, or the first when
 * prev is NULL; NULL when there are no more. For fields given several
 * times (cookie, accept...).
 */
const h2r_header *h2r_request_next_header(const h2r_request *req, const char *name, const h2r_header *prev);

/**
 * Node's request.rawHeaders: every field in the order received,
 * pseudo-headers included (first, for HTTP/2). *count gets how many.
 */
const h2r_header *h2r_request_raw_headers(const h2r_request *req, size_t *count);

/** Node's request.rawTrailers: the trailers once received (on_trailers), else NULL and 0. */
const h2r_header *h2r_request_trailers(const h2r_request *req, size_t *count);

/** Node's request.trailers[name]: the first trailer called name (in any case), or NULL. */
const char *h2r_request_get_trailer(const h2r_request *req, const char *name, size_t *len);

/** Node's request.complete: the whole request was received. */
int h2r_request_complete(const h2r_request *req);

/** Node's request.aborted: the exchange was cut short (see on_aborted). */
int h2r_request_aborted(const h2r_request *req);

/**
 * Node's request.pause(): upload backpressure, h2r_stream_pause on the
 * request's stream. Over HTTP/2 on_data still comes for what the client was
 * already allowed to send (at most the stream's window), then the client
 * waits; over HTTP/1.1 on_data stops at once and the body waits in the
 * session. Returns 0, or H2R_ERR_STREAM_CLOSED once the stream is closed.
 */
int h2r_request_pause(h2r_request *req);

/** Node's request.resume(): h2r_stream_resume, and its results; the body flows again. */
int h2r_request_resume(h2r_request *req);

/** Node's request.isPaused(). */
int h2r_request_is_paused(const h2r_request *req);

/** Node's request.stream: the engine's stream, kept alive as long as the pair. */
h2r_stream *h2r_request_stream(const h2r_request *req);

/**
 * Memory that lives as long as the pair (h2o's request pool): for the
 * handler's own per-request state, with no allocation of its own in the
 * common case. 16-byte aligned, not zeroed. NULL when out of memory.
 */
void *h2r_request_alloc(h2r_request *req, size_t size);

/* ---- the response ---- */

/** The response's events, set with h2r_response_on. Every member may be NULL. */
typedef struct h2r_response_events {
    /** Node's 'drain': a write that returned 0 can be followed by more now. */
    void (*on_drain)(h2r_response *res, void *ctx);
    /**
     * Node's 'finish': the stream closed cleanly after the response was
     * sent (not after a reset), just before on_close.
     */
    void (*on_finish)(h2r_response *res, void *ctx);
    /** Node's 'close': the stream closed; the last event. The pair is freed after it unless referenced. */
    void (*on_close)(h2r_response *res, void *ctx);
    /**
     * Node's 'timeout' (h2r_response_set_timeout). Without a handler, the
     * stream is closed with CANCEL, as Node destroys a timed-out stream that
     * nobody listens to.
     */
    void (*on_timeout)(h2r_response *res, void *ctx);
} h2r_response_events;

/** Sets the response's event handlers (kept by reference: make them static) and ctx, passed to them. */
void h2r_response_on(h2r_response *res, const h2r_response_events *events, void *ctx);

/** Keeps the pair (request and response) alive past the stream's close, for an answer made later. */
void h2r_response_ref(h2r_response *res);

/** Drops a reference taken with h2r_response_ref; the pair is freed when the stream is closed too. */
void h2r_response_unref(h2r_response *res);

/** Node's response.req: the request this response answers (for a pushed one, the promised request). */
h2r_request *h2r_response_req(const h2r_response *res);

/** Node's response.stream: the engine's stream, e.g. for h2r_stream_respond_with_file
 * (include/h2ring/file.h). */
h2r_stream *h2r_response_stream(const h2r_response *res);

/** Node's response.statusCode (default 200). */
unsigned h2r_response_status(const h2r_response *res);

/**
 * Sets statusCode, 200 to 599 (1xx go with h2r_response_write_continue and
 * h2r_response_write_early_hints). HTTP/2 has no reason phrase: Node's
 * statusMessage has no counterpart. H2R_ERR_INVALID_ARGUMENT for another
 * code, H2R_ERR_INVALID_STATE once the head is sent.
 */
int h2r_response_set_status(h2r_response *res, unsigned status);

/**
 * Node's response.setHeader(name, value): replaces every value of name
 * (stored lowercased) with value. Both are NUL-terminated and copied.
 * H2R_ERR_INVALID_HEADER for a name that is not a token or is a
 * pseudo-header; other rules (connection-specific fields, value
 * characters) are the engine's, checked when the head is sent.
 * H2R_ERR_INVALID_STATE once the head is sent.
 */
int h2r_response_set_header(h2r_response *res, const char *name, const char *value);

/** Node's response.appendHeader(name, value) (http module): one more value for name (set-cookie, link...). */
int h2r_response_append_header(h2r_response *res, const char *name, const char *value);

/** Node's response.getHeader(name): the first value of name (any case), or NULL. */
const char *h2r_response_get_header(const h2r_response *res, const char *name, size_t *len);

/** The next header called name after prev (the first if prev is NULL), or NULL: every value of a name. */
const h2r_header *h2r_response_next_header(const h2r_response *res, const char *name, const h2r_header *prev);

/** Node's response.hasHeader(name). */
int h2r_response_has_header(const h2r_response *res, const char *name);

/** Node's response.removeHeader(name): every value of name. H2R_ERR_INVALID_STATE once the head is sent. */
int h2r_response_remove_header(h2r_response *res, const char *name);

/**
 * Node's response.getHeaderNames(): fills names with up to max distinct
 * header names (lowercase, in the order first set) and returns how many
 * there are, which may be more than max.
 */
size_t h2r_response_get_header_names(const h2r_response *res, const char **names, size_t max);

/** Node's response.getHeaders(): every header set, in order, one entry per value. */
const h2r_header *h2r_response_get_headers(const h2r_response *res, size_t *count);

/** Node's response.sendDate (default 1): add a date header, unless one is set, when the head is sent. */
void h2r_response_set_send_date(h2r_response *res, int send_date);

/**
 * Node's response.writeHead(statusCode, headers): sets the status and the
 * headers given (a name given several times keeps every value; others
 * replace what was set) and sends the head now. count may be 0.
 */
int h2r_response_write_head(h2r_response *res, unsigned status, const h2r_header *headers, size_t count);

/**
 * Node's response.write(chunk): sends the head first if it is not sent
 * (with no content-length: the length is not known), then queues len bytes
 * by reference; release (may be NULL) is called once they are sent or
 * dropped, also when this fails. Returns 1, or 0 when the caller should
 * wait for on_drain, or a negative error: H2R_ERR_INVALID_STATE after end,
 * H2R_ERR_STREAM_CLOSED. The body of a response to HEAD is dropped.
 */
int h2r_response_write(h2r_response *res, const void *data, size_t len, h2r_release_cb release, void *ctx);

/**
 * Node's response.end(data): the last bytes (len may be 0) and the end of
 * the response. When nothing was sent before, the head goes out with it,
 * with a content-length of len unless one is set (none for 204, 304, or a
 * HEAD answered without data): a complete response in one call.
 * release as for write. Returns 0 or a negative error.
 */
int h2r_response_end(h2r_response *res, const void *data, size_t len, h2r_release_cb release, void *ctx);

/**
 * Node's response.addTrailers(headers): trailers sent after the body
 * (copied, names lowercased). HTTP/2 decides whether trailers follow when
 * the head is sent: add them before it, or declare them then with a
 * `trailer` header (RFC 9110 §6.6.2, as Node's documentation does) and
 * add them any time before the body is all out. H2R_ERR_INVALID_STATE when
 * it is too late. (A head sent on h2r_response_stream directly, e.g. by
 * h2r_stream_respond_with_file, asks for trailers with its own
 * H2R_RESPOND_WAIT_FOR_TRAILERS flag; those added here are then sent.)
 */
int h2r_response_add_trailers(h2r_response *res, const h2r_header *trailers, size_t count);

/** Node's response.writeContinue(): a 100 (Continue) interim response. */
int h2r_response_write_continue(h2r_response *res);

/**
 * Node's response.writeEarlyHints(hints): a 103 (Early Hints) interim
 * response with these fields (typically link), before the head.
 */
int h2r_response_write_early_hints(h2r_response *res, const h2r_header *hints, size_t count);

/**
 * Early hints in place of push, for clients that take no pushes (browsers
 * send SETTINGS_ENABLE_PUSH = 0; HTTP/1.1 has no push): the response's
 * link headers set so far (h2r_response_set_header, _append_header) that
 * have rel=preload among their relations (RFC 8288) go out as a 103 (Early
 * Hints), before the head, as h2r_response_write_early_hints sends them
 * (at most 16 of them). Call it before pushing: where the client takes
 * pushes, push those resources instead. Returns 1 when a 103 went out; 0
 * when nothing did: the client takes pushes, is HTTP/1.0 (which has no
 * 1xx), or the response has no preload link; or a negative error:
 * H2R_ERR_INVALID_STATE once the head is sent, H2R_ERR_STREAM_CLOSED,
 * those of h2r_response_write_early_hints.
 */
int h2r_response_write_preload_hints(h2r_response *res);

/**
 * Node's response.createPushResponse(headers, callback): promises the
 * request described by headers (:path, and :method GET or HEAD, :scheme and
 * :authority, which default to GET and this request's) and gives its
 * response in *pushed, ready to answer like any other (its req is the
 * promised request). Fails with H2R_ERR_PUSH_DISABLED where there is no
 * push (an HTTP/1 exchange, a client that disabled it, a pushed response),
 * or the errors of h2r_stream_push.
 */
int h2r_response_create_push_response(h2r_response *res, const h2r_header *headers, size_t count,
                                      h2r_response **pushed);

/** Node's response.headersSent: the head went out (by this API or on the stream directly). */
int h2r_response_headers_sent(const h2r_response *res);

/** Node's response.writableEnded (and the older response.finished): end was called. */
int h2r_response_writable_ended(const h2r_response *res);

/**
 * Node's response.setTimeout(msecs) (and request.setTimeout: the same
 * stream timer): on_timeout after ms without activity on the stream; 0
 * turns it off.
 */
int h2r_response_set_timeout(h2r_response *res, uint32_t ms);

/* ---- shared ---- */

/**
 * The current time as an IMF-fixdate (RFC 9110 §5.6.7), "Sun, 06 Nov 1994
 * 08:49:37 GMT": 29 characters in a per-thread buffer, formatted once per
 * second. The date header of responses, and handy for logs.
 */
const char *h2r_http_date(void);

#ifdef __cplusplus
}
#endif

#endif
