/*
 * The worker's loop, for application code that answers later: timers
 * (Node's setTimeout and setInterval), work handed back from other threads
 * (h2r_loop_post), the readiness of file descriptors the application
 * owns (a database client's socket: libpq, hiredis, c-ares), and outbound
 * TCP connections (Node's net.connect: an upstream for a proxy, later the
 * HTTP/2 client's), all on the worker's io_uring, with no thread of their
 * own.
 *
 * Each worker of the runtime (h2ring/server.h) has one loop, shared by the
 * connections it accepted: a handler finds it from its session or stream,
 * keeps a reference to the stream (h2r_stream_ref, or h2r_response_ref for
 * the compat API) and answers from a timer, a post or a watch callback.
 * What that answer queues is sent at the end of the callback's turn of the
 * loop. (A stream of one connection answered from a session callback of
 * another, say a message relayed to its listeners, goes out at the
 * runtime's next tick, within 100 ms: post the answer to the loop, from
 * its own thread too, to have it sent at once.) If the peer resets the
 * stream or the connection ends meanwhile, the application is told as
 * usual (on_aborted and on_stream_close, or the compat response's
 * on_close), and calls on the stream return H2R_ERR_STREAM_CLOSED: a
 * referenced stream outlives its session safely, until its last
 * h2r_stream_unref.
 *
 * Threads: a loop, its timers and watches, and the sessions and streams it
 * runs belong to the worker's thread. h2r_loop_post is the one call made
 * from any thread. The timer and watch calls, and the engine's calls that
 * change a stream, check the calling thread and refuse any other with
 * H2R_ERR_WRONG_THREAD (the session's own calls do not check: only the
 * runtime and the stream's callbacks reach a session): from another
 * thread, post to the loop and call them there.
 *
 * Closing the server (h2r_server_close): timers, posts and watches go on
 * during the graceful drain, so that in-flight streams can be answered.
 * Once a worker's last connection has ended, its loop stops: posts already
 * accepted still run (their streams closed), later ones are refused with
 * H2R_ERR_SESSION_CLOSED, and timers and watches still pending are dropped
 * without their callbacks; outbound TCP connections still open are closed
 * just before (their on_close runs). A loop pointer stays valid until
 * h2r_server_free.
 *
 * A program that is only a client has a loop of its own, with the same
 * calls, made and run on its thread (h2ring/client.h: h2r_loop_new,
 * h2r_loop_run, h2r_loop_free).
 */
#ifndef H2RING_LOOP_H
#define H2RING_LOOP_H

#include <stdint.h>

#include "h2ring/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A worker's loop. */
typedef struct h2r_loop h2r_loop;
typedef struct h2r_timer h2r_timer;
typedef struct h2r_watch h2r_watch;
typedef struct h2r_tcp h2r_tcp;

/**
 * The loop of the worker that runs the session; NULL for a session the
 * runtime does not run (one made with the engine alone).
 */
h2r_loop *h2r_session_loop(const h2r_session *session);

/**
 * The loop of the worker that runs the stream's session; NULL once the
 * stream is closed (its session may be gone: keep the loop from when the
 * stream was open), or for a session the runtime does not run.
 */
h2r_loop *h2r_stream_loop(const h2r_stream *stream);

/**
 * Has the runtime send, in this turn of the loop, what the application
 * queued on session from a callback of another connection's session: a
 * proxy writing a response body from its upstream's on_data, resuming a
 * stream from the other side's on_drain, ending one from the other's
 * on_stream_close. What a session's own callbacks queue, and what
 * timers, posts, watches and a client session's input queue anywhere, is
 * sent without it; what runs inside another connection's output
 * (on_drain, on_want_trailers, a close) or a server's input would wait
 * for the connection's next event otherwise. Cheap: the connection is
 * marked for the turn's flush. Returns 0; H2R_ERR_INVALID_STATE for a
 * session the runtime does not run; H2R_ERR_WRONG_THREAD from another
 * thread than the loop's.
 */
int h2r_session_flush(h2r_session *session);

/** Is the calling thread the loop's own (where its timers, watches, sessions and streams may be used)? */
int h2r_loop_in_thread(const h2r_loop *loop);

/* ---- timers ---- */

typedef void (*h2r_timer_cb)(h2r_timer *timer, void *ctx);

/**
 * Node's setTimeout (repeat_ms 0) and setInterval (repeat_ms > 0): cb runs
 * on the loop's thread delay_ms from now, then every repeat_ms until
 * stopped. The resolution is the millisecond: the loop waits on the ring
 * exactly until the earliest timer. Timers due at the same time run in the
 * order they were started; a timer started from a timer's callback runs no
 * sooner than the loop's next turn, even with delay_ms 0. An interval that
 * falls behind skips the runs it missed rather than running in a burst.
 *
 * *timer (timer may be NULL for a one-shot timer nobody stops) is valid
 * until the timer is stopped, or, for a one-shot timer, until its callback
 * returns: the runtime frees it then.
 *
 * Returns 0; H2R_ERR_INVALID_ARGUMENT without cb; H2R_ERR_WRONG_THREAD
 * when called from another thread than the loop's; H2R_ERR_SESSION_CLOSED
 * once the loop has stopped; H2R_ERR_NOMEM.
 */
int h2r_timer_start(h2r_loop *loop, uint64_t delay_ms, uint64_t repeat_ms, h2r_timer_cb cb, void *ctx,
                    h2r_timer **timer);

/**
 * Node's clearTimeout and clearInterval: the callback does not run again,
 * and the timer is freed (after its callback returns, when called from
 * it). Allowed from the timer's own callback, where it is how an interval
 * ends. Returns 0, or H2R_ERR_WRONG_THREAD from another thread (the timer
 * then goes on).
 */
int h2r_timer_stop(h2r_timer *timer);

/* ---- posts from other threads ---- */

/**
 * Hands fn(ctx) to the loop's thread, from any thread (a thread pool's
 * job done, say): it runs there in a coming turn of the loop, posts from
 * one thread in the order they were made. This is how a result computed
 * elsewhere gets back to the worker that owns the stream it answers. A
 * post is a mutex-protected queue and, when the queue was empty, a write
 * to the loop's eventfd, which the ring is reading.
 *
 * Returns 0 (fn will run exactly once); H2R_ERR_INVALID_ARGUMENT without
 * fn; H2R_ERR_NOMEM; H2R_ERR_SESSION_CLOSED once the loop has stopped
 * (after the server's close ended its connections): fn will not run, and
 * ctx is still the caller's.
 */
int h2r_loop_post(h2r_loop *loop, void (*fn)(void *ctx), void *ctx);

/* ---- file descriptors the application owns ---- */

enum {
    H2R_WATCH_READABLE = 1,
    H2R_WATCH_WRITABLE = 2,
    /** In revents only: an error or a hang-up on the descriptor, or it cannot be polled (see below). */
    H2R_WATCH_ERROR = 4,
};

typedef void (*h2r_watch_cb)(h2r_watch *watch, unsigned revents, void *ctx);

/**
 * Watches fd for readiness (events: H2R_WATCH_READABLE and/or
 * H2R_WATCH_WRITABLE; 0 starts it paused): cb runs on the loop's thread
 * with what the descriptor is ready for (revents, H2R_WATCH_ERROR
 * included). Level-triggered, like poll(2): the callback comes again on
 * the next turn of the loop while the descriptor stays ready for what is
 * watched, so it may read as little as it likes. A descriptor that cannot
 * be polled at all (closed, say) is reported once with H2R_WATCH_ERROR
 * alone, and the watch is then paused until h2r_watch_update. fd stays
 * the caller's: stop the watch before closing it.
 *
 * *watch (watch may be NULL when only the callback stops it: it gets the
 * handle) is valid until h2r_watch_stop.
 *
 * Returns 0; H2R_ERR_INVALID_ARGUMENT for a negative fd, other event bits
 * or no cb; H2R_ERR_WRONG_THREAD from another thread than the loop's;
 * H2R_ERR_SESSION_CLOSED once the loop has stopped; H2R_ERR_NOMEM.
 */
int h2r_watch_start(h2r_loop *loop, int fd, unsigned events, h2r_watch_cb cb, void *ctx, h2r_watch **watch);

/**
 * Changes what is watched (0 pauses the watch), from the next turn of the
 * loop. Returns 0; H2R_ERR_INVALID_ARGUMENT for other bits;
 * H2R_ERR_WRONG_THREAD from another thread.
 */
int h2r_watch_update(h2r_watch *watch, unsigned events);

/**
 * Stops watching: the callback does not run again, and the watch is freed
 * (once the ring has given the descriptor back; after the callback
 * returns when called from it). Returns 0, or H2R_ERR_WRONG_THREAD from
 * another thread (the watch then goes on).
 */
int h2r_watch_stop(h2r_watch *watch);

/* ---- outbound TCP connections ---- */

/**
 * What an outbound connection tells the application, on the loop's thread
 * (each may be NULL). Calls on the connection are allowed from all of them.
 */
typedef struct h2r_tcp_callbacks {
    /**
     * The connection is made (err 0), or it could not be: a negative errno
     * (-ECONNREFUSED, -ENETUNREACH...; -ETIMEDOUT when timeout_ms passed
     * first). After an error the connection closes: on_close follows.
     */
    void (*on_connect)(h2r_tcp *tcp, int err, void *ctx);
    /** Node's 'data': bytes received, valid during the call only. Not called while paused. */
    void (*on_data)(h2r_tcp *tcp, const uint8_t *data, size_t len, void *ctx);
    /**
     * Node's 'end': the peer's FIN, nothing more will be read. Writing may
     * go on; once our own FIN is out too (h2r_tcp_shutdown), the connection
     * closes by itself.
     */
    void (*on_end)(h2r_tcp *tcp, void *ctx);
    /** Node's 'error': a receive or a send failed (a negative errno: -ECONNRESET, -EPIPE...); on_close
     * follows. */
    void (*on_error)(h2r_tcp *tcp, int err, void *ctx);
    /** Node's 'drain': after h2r_tcp_write returned 0, everything queued is written. */
    void (*on_drain)(h2r_tcp *tcp, void *ctx);
    /**
     * Node's 'close': the last call. The socket is closed, every write was
     * released, and the handle is freed when this returns.
     */
    void (*on_close)(h2r_tcp *tcp, void *ctx);
} h2r_tcp_callbacks;

/**
 * Node's net.connect(port, host): a TCP connection from the worker to
 * host:port, on the loop's ring (connect, receive, send, shutdown and
 * close are all ring operations), with TCP_NODELAY. host is a numeric IPv4
 * or IPv6 address: resolving names is the application's (c-ares on a
 * watch, say). timeout_ms bounds the connect (0: the kernel's own SYN
 * retries, some two minutes), then -ETIMEDOUT. cb is copied; ctx goes to
 * every callback. The outcome comes to on_connect in a coming turn of the
 * loop, never from this call. Reading starts once connected (unless
 * paused); writes made before are queued.
 *
 * *tcp (tcp may be NULL) is valid until on_close returns.
 *
 * Returns 0 (on_close will come); H2R_ERR_INVALID_ARGUMENT without cb or
 * for a host that is not a numeric address; H2R_ERR_WRONG_THREAD from
 * another thread than the loop's; H2R_ERR_SESSION_CLOSED once the loop
 * has stopped; H2R_ERR_NOMEM; or a negative errno when no socket can be
 * made (-EMFILE...).
 */
int h2r_tcp_connect(h2r_loop *loop, const char *host, uint16_t port, uint32_t timeout_ms,
                    const h2r_tcp_callbacks *cb, void *ctx, h2r_tcp **tcp);

/**
 * Node's socket.write(chunk): queues len bytes by reference, sent in order
 * after what is queued (several writes go out in one sendmsg), and calls
 * release (NULL for static memory) once they are written or dropped at
 * the close, on the loop's thread. Allowed before the connection is made.
 *
 * Returns 1 while the bytes queued stay under 64 KiB, 0 when the caller
 * should wait for on_drain (the bytes are queued all the same), or a
 * negative error, release having then been called: H2R_ERR_WRONG_THREAD
 * from another thread; H2R_ERR_INVALID_STATE after h2r_tcp_shutdown; H2R_ERR_SESSION_CLOSED
 * once closing (after h2r_tcp_close, an error, or a failed connect);
 * H2R_ERR_NOMEM.
 */
int h2r_tcp_write(h2r_tcp *tcp, const void *data, size_t len, h2r_release_cb release, void *release_ctx);

/**
 * Node's socket.pause() and socket.resume(): no on_data while paused, and
 * nothing is read, so the peer is held back by TCP's own flow control
 * (backpressure for a proxy whose other side is slower). Bytes of a
 * receive already under way when pausing are kept, and come to on_data in
 * a turn of the loop after h2r_tcp_resume. Returns 0, H2R_ERR_WRONG_THREAD
 * from another thread, or H2R_ERR_SESSION_CLOSED once closing.
 */
int h2r_tcp_pause(h2r_tcp *tcp);
int h2r_tcp_resume(h2r_tcp *tcp);

/**
 * Node's socket.end(): our FIN once everything queued is written; reading
 * goes on until the peer's FIN (on_end), then the connection closes.
 * Returns 0 (also when called again), H2R_ERR_WRONG_THREAD from another
 * thread, or H2R_ERR_SESSION_CLOSED once closing.
 */
int h2r_tcp_shutdown(h2r_tcp *tcp);

/**
 * Node's socket.destroy(): closes now, whatever is queued or under way
 * (a connect in progress too): no callback but on_close, which comes in a
 * coming turn of the loop, once the ring has given back the connection's
 * operations. Returns 0 (also when closing already), or
 * H2R_ERR_WRONG_THREAD from another thread (the connection then goes on).
 */
int h2r_tcp_close(h2r_tcp *tcp);

#ifdef __cplusplus
}
#endif

#endif
