/*
 * h2ring's client runtime: outbound HTTP/2 and HTTP/1.1 connections on a
 * loop's io_uring, after Node's http2.connect(authority, options,
 * listener), and a loop of the application's own for programs that are
 * only clients.
 *
 * A connection is made to a URL's origin: http://host[:port] speaks HTTP/2
 * with prior knowledge (h2c), or HTTP/1.1 when asked; https://host[:port]
 * speaks TLS (wolfSSL, TLS 1.2 and 1.3) with SNI, ALPN offering h2 then
 * http/1.1, and the server's certificate checked against the system's CA
 * store (Debian's ca-certificates) and the host name. Once the session is
 * made, on_connect gets it, and the application uses the engine's client
 * API (h2ring/engine.h): h2r_session_request, h2r_stream_write and
 * h2r_stream_end, and the session's callbacks for the responses. What
 * they queue is sent at the end of the loop's turn, as for a server's
 * connections, whichever callback (a session's, a timer's, a post's or a
 * watch's) made the call.
 *
 * A connection ends with h2r_session_close (graceful: the open requests
 * finish) or h2r_session_destroy, or when the server closes it; its
 * session's on_session_close is the last word, and the runtime frees the
 * session and the connection after it.
 *
 * Threads: a connection, its session and its streams belong to the loop's
 * thread, as a server's do (h2ring/loop.h).
 */
#ifndef H2RING_CLIENT_H
#define H2RING_CLIENT_H

#include <stdint.h>

#include "h2ring/engine.h"
#include "h2ring/loop.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors (besides the engine's H2R_ERR_* and negative errno values) ---- */

enum {
    /** The host name could not be resolved (getaddrinfo found no address). */
    H2R_ERR_RESOLVE = -601,
    /** The server's certificate is not trusted: no chain to a trusted CA, expired, or not for the host name.
     */
    H2R_ERR_TLS_VERIFY = -602,
    /** The TLS handshake failed otherwise: no parameters in common, an alert from the server, not TLS. */
    H2R_ERR_TLS_HANDSHAKE = -603,
    /** The server chose no protocol the client offered by ALPN (or none, where only h2 was offered). */
    H2R_ERR_ALPN = -604,
    /** No complete handshake within handshake_timeout_ms. */
    H2R_ERR_HANDSHAKE_TIMEOUT = -605,
    /** The CA file given (h2r_client_options.ca_file, or the system's store) holds no usable certificate. */
    H2R_ERR_TLS_CA_FILE = -606,
};

/**
 * A readable message for any error this runtime reports: the codes above,
 * a negative errno ("Connection refused"), or an engine's H2R_ERR_* code
 * (h2r_strerror).
 */
const char *h2r_client_strerror(int err);

/* ---- a loop of the application's own ---- */

/**
 * Makes a loop, with its own io_uring, that belongs to the calling thread
 * (where h2r_loop_run, the timers, watches and connections are used): the
 * loop of a program that is only a client. A server's workers have their
 * own loops (h2r_session_loop); this one runs no listener. Returns 0 and
 * *loop; H2R_ERR_NOMEM; or a negative errno when io_uring cannot be set up
 * (-ENOSYS, -EPERM where it is disabled).
 */
int h2r_loop_new(h2r_loop **loop);

/**
 * Runs the loop on the calling thread (its own) until h2r_loop_stop, or
 * until nothing is left to do: no connection open or being made (this
 * API's or h2r_tcp_connect's), no timer and no watch. Posts from other
 * threads (h2r_loop_post) run while it runs, but do not keep it running:
 * a thread that will post keeps a timer or a watch for that. May be
 * called again after it returned. Returns 0; H2R_ERR_WRONG_THREAD from
 * another thread than the loop's; H2R_ERR_INVALID_STATE for a server's
 * loop (its worker runs it); a negative errno if the ring failed.
 */
int h2r_loop_run(h2r_loop *loop);

/**
 * Makes h2r_loop_run return after its current turn, from any thread (a
 * callback of the loop's, a signal's thread...). What is open stays open
 * (h2r_loop_run may go on with it later). Returns 0, or
 * H2R_ERR_INVALID_STATE for a server's loop (h2r_server_close stops
 * those).
 */
int h2r_loop_stop(h2r_loop *loop);

/**
 * Frees a loop made by h2r_loop_new, on its thread, once h2r_loop_run has
 * returned: connections still open are cut (their streams aborted, their
 * session's on_session_close called), those not made yet end (their
 * on_connect gets NULL and -ECANCELED, or -ECONNRESET in the TLS
 * handshake), outbound TCP connections close (their on_close called),
 * then posts already accepted run and the timers and watches still there
 * are dropped without their callbacks. NULL is allowed. A server's loop
 * is not freed this way (nothing is done).
 */
void h2r_loop_free(h2r_loop *loop);

/* ---- connections ---- */

/** Which protocols a connection may speak (h2r_client_options.protocols). */
enum {
    H2R_CLIENT_HTTP2 = 1,
    H2R_CLIENT_HTTP1 = 2,
};

typedef struct h2r_client_options {
    /** The session's options (NULL: the defaults); h2r_session_options.settings are the SETTINGS we send. */
    const h2r_session_options *session_options;
    /**
     * H2R_CLIENT_HTTP2 and/or H2R_CLIENT_HTTP1 (default both). Over TLS,
     * what ALPN offers (h2 first): the server's choice makes the session.
     * In cleartext, HTTP/2 with prior knowledge unless it is HTTP/1.1 alone
     * (there is no upgrade from HTTP/1.1).
     */
    unsigned protocols;
    /** The bound of each address's connect, then -ETIMEDOUT (default 10 s; 0: the kernel's, some two
     * minutes).
     */
    uint32_t connect_timeout_ms;
    /** The bound of the TLS handshake, from the connect, then H2R_ERR_HANDSHAKE_TIMEOUT (default 10 s; 0:
     * none).
     */
    uint32_t handshake_timeout_ms;
    /** Our SETTINGS unacknowledged for this long: GOAWAY SETTINGS_TIMEOUT (default 10 s; 0: none). */
    uint32_t settings_timeout_ms;
    /** A session with no open stream and no traffic for this long is closed gracefully (default 0: never). */
    uint32_t idle_timeout_ms;
    /**
     * The CA certificates (PEM) that the server's certificate must chain to;
     * NULL (the default): the system's, /etc/ssl/certs/ca-certificates.crt
     * (Debian's ca-certificates). Read once per loop and kept.
     */
    const char *ca_file;
    /**
     * 1: the server's certificate is not checked at all (curl's --insecure):
     * anyone on the path can read and change the traffic. For tests.
     */
    int insecure;
} h2r_client_options;

/** Fills options with the defaults above. */
void h2r_client_options_init(h2r_client_options *options);

/**
 * What h2r_connect tells: session, ready for h2r_session_request (err 0),
 * or NULL and why the connection could not be made: a negative errno for
 * TCP (-ECONNREFUSED, -ETIMEDOUT after connect_timeout_ms, -ECONNRESET when
 * the server closed the connection before the session, -ENETUNREACH...),
 * or H2R_ERR_RESOLVE, H2R_ERR_TLS_VERIFY, H2R_ERR_TLS_HANDSHAKE,
 * H2R_ERR_ALPN, H2R_ERR_HANDSHAKE_TIMEOUT, H2R_ERR_TLS_CA_FILE,
 * H2R_ERR_NOMEM (h2r_client_strerror says them). After an error nothing
 * more comes; after success the session's callbacks carry on, until its
 * on_session_close.
 */
typedef void (*h2r_connect_cb)(h2r_session *session, int err, void *ctx);

/**
 * Node's http2.connect(authority, options, listener): connects to the
 * origin of url, "http://host[:port]" or "https://host[:port]" (a path, if
 * any, is ignored; the default ports are 80 and 443; an IPv6 address goes
 * in brackets, "http://[::1]:8080"), on the loop's ring. The session made
 * once the protocol is known (over TLS, by ALPN: h2 makes an HTTP/2
 * session, http/1.1 an HTTP/1.1 one) gets callbacks and user_data
 * (h2r_session_user_data), the URL's scheme and authority as its
 * requests' defaults, and options->session_options; then on_connect runs,
 * on the loop's thread, in a coming turn of the loop (never from this
 * call). A session that ends without its own on_session_close (the
 * connection cut, say) gets one from the runtime, as a server's does.
 *
 * The host name is resolved with getaddrinfo, which blocks the loop while
 * it runs (no wait for a numeric address or localhost; a DNS server may
 * take seconds): the addresses are then tried in turn, each within
 * connect_timeout_ms. Over TLS, SNI and the certificate's name are the
 * host; a numeric address sends no SNI, and is matched against the
 * certificate's names as a name: this wolfSSL build reads no IP addresses
 * from certificates, so the check fails (H2R_ERR_TLS_VERIFY) unless a DNS
 * name of the certificate is that address. Connect by name, or with
 * insecure.
 *
 * Returns 0 (on_connect will come); H2R_ERR_INVALID_ARGUMENT for a URL
 * that is not http:// or https:// with a host, a port out of range,
 * options with no protocol, or no on_connect; H2R_ERR_WRONG_THREAD from
 * another thread than the loop's; H2R_ERR_SESSION_CLOSED once the loop
 * has stopped (a server's, after its close); H2R_ERR_NOMEM.
 */
int h2r_connect(h2r_loop *loop, const char *url, const h2r_client_options *options,
                const h2r_session_callbacks *callbacks, void *user_data, h2r_connect_cb on_connect,
                void *ctx);

/* ---- requests through the loop's pool of connections ---- */

/** What a request made through the pool tells, on the loop's thread (each may be NULL); ctx is the request's.
 */
typedef struct h2r_request_callbacks {
    /** The final response's headers (:status first); flags: H2R_END_STREAM when there is no body. */
    void (*on_response)(h2r_stream *stream, const h2r_header *headers, size_t count, int flags, void *ctx);
    /** A piece of the response's body, valid during the call. */
    void (*on_data)(h2r_stream *stream, const uint8_t *data, size_t len, void *ctx);
    void (*on_trailers)(h2r_stream *stream, const h2r_header *headers, size_t count, void *ctx);
    /** The response is complete. */
    void (*on_end)(h2r_stream *stream, void *ctx);
    /**
     * The last call: err 0 once the response is complete; else on_connect's
     * error when the connection could not be made, H2R_ERR_STREAM_CLOSED
     * when the stream was reset (rst_code says how: H2R_REFUSED_STREAM when
     * the server refused the request twice, see h2r_client_request), or
     * H2R_ERR_SESSION_CLOSED when the connection ended first.
     */
    void (*on_close)(int err, uint32_t rst_code, void *ctx);
    /**
     * The request's stream, once made (its headers queued), before its
     * response: valid until on_close (longer with h2r_stream_ref). The
     * application may pause the response's body (h2r_stream_pause), reset
     * the request (h2r_stream_close: on_close follows, with
     * H2R_ERR_STREAM_CLOSED), and write the body of a request made with
     * H2R_CLIENT_BODY_STREAMED (h2r_stream_write, h2r_stream_end). May
     * run inside h2r_client_request, when the connection takes the request
     * at once.
     */
    void (*on_stream)(h2r_stream *stream, void *ctx);
    /** An informational 1xx response (a 103 Early Hints, say), before on_response. */
    void (*on_informational)(h2r_stream *stream, const h2r_header *headers, size_t count, void *ctx);
    /** The request body's writes fell below the high-water mark after an h2r_stream_write returned 0. */
    void (*on_drain)(h2r_stream *stream, void *ctx);
} h2r_request_callbacks;

/**
 * h2r_client_request's body when the application writes it itself, from
 * on_stream on (h2r_stream_write, then h2r_stream_end): a body of unknown
 * length, or one that comes from elsewhere as it goes (a proxy's upload).
 * Its framing over HTTP/1.1 comes from the request's content-length, or is
 * chunked.
 */
#define H2R_CLIENT_BODY_STREAMED ((const void *)-1)

/**
 * Node's session.request() without holding the session: a request for url
 * ("https://host[:port]/path?query") on the loop's connection to its
 * origin, made by h2r_connect with options (NULL: the defaults) when
 * there is none yet, and shared by every request to the same origin
 * (scheme and authority as the URL writes them). HTTP/2 takes them all at
 * once, up to the server's SETTINGS_MAX_CONCURRENT_STREAMS; an origin
 * that speaks HTTP/1.1 takes one at a time, in order; the others wait for
 * their turn. A connection whose last request is done closes after
 * options->idle_timeout_ms (2 s when 0), so that h2r_loop_run ends.
 *
 * headers are the request's (:method defaults to GET, :path to the
 * URL's), copied. body (len bytes, by reference: kept valid until
 * on_close) is the request's body, none when NULL, or
 * H2R_CLIENT_BODY_STREAMED (len ignored): the application writes it from
 * on_stream on.
 *
 * A request the server did not process (RFC 9113 §8.7: reset with
 * REFUSED_STREAM, or above the last stream id of its GOAWAY) is made once
 * more, on a new connection to the origin, unless its response had begun
 * (on_response came) or its body is H2R_CLIENT_BODY_STREAMED (the
 * application wrote it, and the pool holds none of it): the pool holds a
 * given body until on_close, so a request with one is sent again whole, as
 * one without is. A second refusal ends it (on_close with
 * H2R_ERR_STREAM_CLOSED and H2R_REFUSED_STREAM). The refusing connection
 * takes no new requests (its open ones finish), and those waiting for it go
 * to the new one; so do those waiting when a GOAWAY comes. Requests still
 * waiting when their connection ends get H2R_ERR_SESSION_CLOSED (they may
 * be made again).
 *
 * Returns 0 (on_close will come, never from this call unless on_stream
 * closed the stream), or an error, and nothing more comes:
 * H2R_ERR_INVALID_ARGUMENT for a URL
 * h2r_connect refuses; H2R_ERR_WRONG_THREAD; H2R_ERR_SESSION_CLOSED once
 * the loop has stopped; H2R_ERR_NOMEM; and when the origin's connection
 * is open and takes the request at once, h2r_session_request's errors
 * (H2R_ERR_INVALID_HEADER, H2R_ERR_HEADERS_TOO_LARGE...).
 */
int h2r_client_request(h2r_loop *loop, const char *url, const h2r_header *headers, size_t count,
                       const void *body, size_t len, const h2r_client_options *options,
                       const h2r_request_callbacks *callbacks, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
