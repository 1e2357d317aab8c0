/*
 * The runtime's private layout (see h2ring/server.h): the server, workers
 * and their loops, connections, the transports that carry a connection's
 * bytes, send batches, files.
 */
#ifndef H2R_IO_INTERNAL_H
#define H2R_IO_INTERNAL_H

#include <linux/openat2.h>
#include <liburing.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "h2ring/file.h"
#include "h2ring/loop.h"
#include "h2ring/server.h"

/* What a completion is for: the low bits of its user_data (objects are 8-byte aligned). */
enum op_tag {
    OP_CALL =
        0, /* an operation whose object starts with its own handler (struct ring_call: tcp.c, client.c) */
    OP_ACCEPT = 1,
    OP_RECV = 2,
    OP_SEND = 3,
    OP_CANCEL = 4, /* results of our cancellations, and the loop's timeouts: nothing to do */
    OP_WATCH = 5,  /* a poll for an application's descriptor (loop.c) */
    OP_WAKE = 6,   /* the loop's eventfd: posts, or the server's close */
    OP_FILE = 7,   /* opening, stat or reading a file for a response (file_cache.c) */
};
#define OP_TAG_MASK 7u

/* The user_data of a submission: the object it is for, and what for. */
static inline uint64_t op_user_data(void *object, enum op_tag tag)
{
    return (uint64_t)(uintptr_t)object | tag;
}

/* The object of an OP_CALL operation, first in its owner: the completion goes to done. */
struct ring_call {
    void (*done)(struct ring_call *call, const struct io_uring_cqe *cqe);
};

/* Whether a chunk the engine handed out is a file range (h2r_chunk: memory has a base). */
static inline int h2r_chunk_is_file(const h2r_chunk *chunk)
{
    return chunk->base == NULL;
}

/* Chunks one send batch takes at most: with 16 KiB frames, 64 DATA frames and their headers. */
#define SEND_BATCH_CHUNKS 128
/* Bytes of file ranges read per batch on the copy path: four 16 KiB DATA frames, within the L2 cache. */
#define CONN_FILE_BOUNCE (64 * 1024)

/*
 * Makes *buf hold at least need bytes, its capacity *cap doubled from first
 * until it does: 0, or -1 when out of memory (then *buf and *cap are kept).
 */
static inline int h2r_bytes_reserve(uint8_t **buf, size_t *cap, size_t need, size_t first)
{
    if (need <= *cap) return 0;
    size_t grown = *cap ? *cap : first;
    while (grown < need) grown *= 2;
    uint8_t *p = realloc(*buf, grown);
    if (!p) return -1;
    *buf = p;
    *cap = grown;
    return 0;
}

struct worker;
struct conn;
struct conn_side;
struct client_conn;
struct pool_origin;
struct tls_conn;
struct transport;
struct h2r_tls_server;

/* A pipe for the splice path, from the worker's pool (pipe_pool.c). */
struct h2r_pipe {
    struct h2r_pipe *next; /* in the pool */
    int read_fd, write_fd;
    size_t pages; /* slots: each range spliced in takes one per page it touches */
    size_t page_size;
};

enum step_kind {
    STEP_READ,       /* file range -> bounce buffer */
    STEP_SPLICE_IN,  /* file range -> pipe */
    STEP_SEND,       /* memory chunks -> socket (sendmsg) */
    STEP_SPLICE_OUT, /* pipe -> socket */
};

/* One linked operation of a send batch; its address is the completion's user_data. */
struct send_step {
    struct conn *conn;
    enum step_kind kind;
    int32_t res;
    size_t expect;  /* bytes it must move: anything else breaks the batch */
    uint16_t chunk; /* READ and SPLICE_IN: the chunk's index in the pull */
    int fd;
    int flags;         /* MSG_* for a send, SPLICE_F_* for a splice */
    uint8_t zero_copy; /* a SENDMSG_ZC: done at its notification */
    int64_t offset;
    void *buf;
    struct msghdr msg;
};

/* What a connection has in flight (send_batch.c); kept while it sends, freed when it is idle. */
struct send_batch {
    unsigned step_count, steps_done;
    unsigned capacity; /* chunks it has room for: iov[capacity], steps[2 * capacity] */
    struct iovec *iov; /* after the steps, in the same allocation */
    uint8_t *bounce;
    size_t bounce_cap;
    struct h2r_pipe *pipe; /* the splice path's, while in flight */
    /* Once every step is back: the first that did not do all it should (or NULL), and the bytes written. */
    struct send_step *failed;
    size_t written;
    struct send_step steps[];
};

/*
 * Where a connection is in its life (h2r_conn_flush is a switch over it):
 *   STARTING -> OPEN            the transport told the protocol, the session is made
 *   STARTING -> REFUSED         TLS turned the client away (handshake failed, no protocol in common)
 *   OPEN -> PEER_FINISHED       an HTTP/1.1 client's FIN
 *   OPEN, PEER_FINISHED, REFUSED -> LINGERING
 *                               all is sent (and TLS's close_notify), the session done: our FIN
 *   any -> CLOSING              the peer's FIN or a socket error, a failed write, a deadline
 * A connection starts OPEN when the protocol is known at once (cleartext HTTP/2 alone).
 */
enum conn_state {
    /* No session yet: the TLS handshake, or the first bytes that tell the protocol. */
    CONN_STARTING,
    /* The session reads and writes. */
    CONN_OPEN,
    /* An HTTP/1.1 client's FIN: nothing more is read; its responses go out, then the end. */
    CONN_PEER_FINISHED,
    /* Turned away before a session: input is dropped; what is queued (an alert) goes out, then the end. */
    CONN_REFUSED,
    /* All is sent and so is our FIN: input is dropped until the peer's FIN. */
    CONN_LINGERING,
    /* No more I/O: freed once its operations are back. */
    CONN_CLOSING,
};

struct conn {
    struct worker *worker;
    const struct conn_side *side; /* the server's, or the client's own; with the transport */
    h2r_session *session;         /* NULL until the transport tells the protocol */
    union {                       /* the transport's own */
        struct tls_conn *tls;
        struct {
            uint8_t *bytes; /* cleartext with allow_http1: the first bytes, until the session has them */
            size_t len;
        } detect;
    };
    struct conn *prev, *next; /* the worker's connections */
    struct conn *dirty_next;  /* the worker's list to flush after this batch */
    enum conn_state state;
    int fd;
    unsigned pending_ops; /* submitted operations whose last completion has not come */
    uint8_t dirty;
    uint8_t recv_armed; /* a multishot recv is pending */
    uint8_t send_in_flight;
    uint8_t waiting; /* on the worker's list of connections waiting for the application (conn.c) */
    /* When the deadlines run from: the opening (STARTING, REFUSED), the client's FIN, our FIN (LINGERING). */
    uint64_t state_since_ms;
    uint64_t settings_pending_since_ms; /* our SETTINGS unacknowledged since then, or 0 */
    uint64_t last_activity_ms;
    uint64_t last_send_ms;
    struct send_batch *batch; /* while the connection sends, and a moment after; idle ones hold none */
    void *app_data;           /* h2r_session_set_app_data */
};

/* Bytes someone else owns. */
struct byte_span {
    const uint8_t *data;
    size_t len;
};

/* The largest plaintext one TLS record holds: the buffer a transport's read may decrypt into. */
#define TRANSPORT_PLAINTEXT_MAX 16384

/* What a transport's open or read tells the connection. */
enum transport_event {
    TRANSPORT_WAIT,      /* the input is used up */
    TRANSPORT_WAIT_SEND, /* the same, and the transport has bytes of its own to send (handshake, alert...) */
    TRANSPORT_PLAINTEXT, /* bytes for the session; read again */
    TRANSPORT_PLAINTEXT_LAST, /* bytes for the session, and the input is used up */
    TRANSPORT_HTTP2,          /* the protocol is known: the session starts; read again */
    TRANSPORT_HTTP1,
    TRANSPORT_REFUSED, /* the client is turned away: what is queued goes out, then the connection ends */
    TRANSPORT_FAILED,  /* the connection ends now */
};

/* What a transport's send_start or send_done tells the connection. */
enum transport_send {
    SEND_IDLE,      /* nothing to send, or no memory to send it (the engine keeps its chunks) */
    SEND_IN_FLIGHT, /* c->batch is submitted */
    SEND_AGAIN,     /* flush again: the engine may have more */
    SEND_FAILED,    /* the connection cannot go on */
};

/*
 * What carries a connection's bytes: cleartext (cleartext.c) or TLS
 * (tls.c). conn.c drives it; a transport calls down only (the engine,
 * send_batch.c) and tells the connection what happened by its results.
 */
struct transport {
    const char *scheme; /* of the requests it carries: "http" or "https" */
    /* The connection opens: WAIT, HTTP2 when the protocol is known at once, FAILED when out of memory. */
    enum transport_event (*open)(struct conn *c);
    /*
     * Takes the received bytes in (leaving in->len 0) and tells what they
     * hold, one event a call, until WAIT, WAIT_SEND, PLAINTEXT_LAST,
     * REFUSED or FAILED. The plaintext is in *plain (in buf, or in the
     * input) until the next call.
     */
    enum transport_event (*read)(struct conn *c, struct byte_span *in, uint8_t *buf, struct byte_span *plain);
    /* Nothing is in flight: pulls from the session (if any) and submits c->batch. */
    enum transport_send (*send_start)(struct conn *c);
    /* Every step of c->batch is back (c->batch->failed): IN_FLIGHT when it submitted another. */
    enum transport_send (*send_done)(struct conn *c);
    /* All is sent, the connection ends: 1 if a last message (TLS's close_notify) goes before our FIN. */
    int (*close)(struct conn *c);
    /* STARTING lasted past handshake_timeout_ms: says so where it must; the connection then closes. */
    void (*handshake_timeout)(struct conn *c);
    /* Nothing is in flight and nothing was sent for a while: frees what the transport keeps for sending. */
    void (*release_buffers)(struct conn *c);
    /* Fills the transport's part of what the application learns of the connection (tls, alpn...); NULL:
     * nothing to add. */
    void (*info)(const struct conn *c, h2r_conn_info *info);
    void (*free)(struct conn *c);
};
extern const struct transport h2r_cleartext_transport;
extern const struct transport h2r_tls_transport;

/* What a TLS client connection asks of its handshake (client.c fills it in, tls.c reads it). */
struct tls_client_params {
    void *context;    /* the WOLFSSL_CTX of the trust asked for (h2r_tls_client_context) */
    const char *host; /* the name (or address) the certificate must hold */
    const char *alpn; /* what ALPN offers, in order: "h2,http/1.1", "h2" or "http/1.1" */
    uint8_t sni;      /* host is a name: SNI carries it (RFC 6066 §3: no addresses) */
    uint8_t verify;   /* the certificate is checked, chain and host */
};

/*
 * What differs between the connections a worker accepts and the ones the
 * application opens: the transport, how the session is made, who hears of
 * its start or of a failure before it, and the deadlines. A worker has one
 * for all it accepts (worker.c, from its h2r_server_config); an outbound
 * connection has its own (client.c). The transport's table is a copy in
 * here so that a connection reaches both through one pointer, as cheaply
 * as it reached its transport alone.
 */
struct conn_side {
    struct transport transport;
    /* The protocol is known: the session, NULL when out of memory. */
    h2r_session *(*new_session)(struct conn *c, int http1);
    /* The session is made and runs on the connection: the application hears of it. */
    void (*opened)(struct conn *c);
    /* The connection ends before a session, for err (a negative errno or H2R_ERR_*): NULL, nobody to tell. */
    void (*failed)(struct conn *c, int err);
    /* The callback a session cut by the runtime gets (the engine never finds it done). */
    void (*on_session_close)(h2r_session *session);
    const struct tls_client_params *tls_client; /* TLS: a client's handshake (NULL: a server's) */
    /* What a cleartext connection opens with: TRANSPORT_WAIT to detect the protocol, HTTP2 or HTTP1. */
    enum transport_event cleartext_start;
    unsigned handshake_timeout_ms, idle_timeout_ms, settings_timeout_ms, shutdown_timeout_ms; /* 0: none */
    size_t splice_min_bytes;
    /* Outbound: the application may use the session at any time, so that its flush after a timer, post or
     * watch comes whether streams are open or not. */
    uint8_t client;
};

/* A post waiting for its loop's thread (h2r_loop_post). */
struct loop_post {
    struct loop_post *next;
    void (*fn)(void *ctx);
    void *ctx;
};

struct h2r_timer {
    struct h2r_loop *loop;
    uint64_t due_ns;
    uint64_t seq; /* when it was queued: timers due at once run in that order */
    uint64_t repeat_ns;
    h2r_timer_cb cb;
    void *ctx;
    uint32_t slot;   /* its place in the heap; TIMER_RUNNING while its callback runs */
    uint8_t stopped; /* stopped from its own callback: freed when that returns */
};
#define TIMER_RUNNING UINT32_MAX

struct h2r_watch {
    struct h2r_loop *loop;
    struct h2r_watch *prev, *next; /* the loop's watches */
    h2r_watch_cb cb;
    void *ctx;
    int fd;
    unsigned events; /* what the application watches for */
    uint8_t armed;   /* a poll is in the ring: its completion is still to come */
    uint8_t running; /* its callback runs */
    uint8_t stopped; /* freed once neither of the above */
    uint8_t paused;  /* its descriptor could not be polled: not armed again until h2r_watch_update */
};

/*
 * A worker's loop (h2ring/loop.h): the application's timers in a binary
 * heap driven by the ring's wait (one timeout: the earliest), posts from
 * other threads through a queue and an eventfd the ring reads, and polls
 * for the application's descriptors. The runtime's own tick is one of its
 * timers.
 */
struct h2r_loop {
    struct worker *worker;
    pthread_t thread;
    uint64_t now_ns;   /* CLOCK_MONOTONIC when the turn's completions came */
    uint64_t armed_ns; /* the due time of the ring timeout last armed (h2r_loop_wait) */
    struct __kernel_timespec armed_ts;
    struct h2r_timer **heap; /* ordered by (due_ns, seq) */
    uint32_t timer_count, heap_cap;
    uint64_t next_seq;
    struct h2r_watch *watches;
    struct h2r_tcp *tcps; /* outbound connections, until their on_close */
    int wake_fd;          /* eventfd: a post, or the server's close */
    uint64_t wake_value;
    uint8_t app_ran; /* an application callback ran this turn: connections waiting for it are flushed */
    uint8_t stopped; /* no more timers, watches or posts (written under post_lock) */
    pthread_mutex_t post_lock;
    struct loop_post *posts, *posts_tail;
};

/*
 * A loop and what runs on it: the ring, its receive buffers, the
 * connections. A server's worker has a listener too (listen_fd, accept);
 * a loop of the application's own (h2r_loop_new, own_loop.c) has none,
 * only the connections the application opens.
 */
struct worker {
    unsigned index;
    struct h2r_server *server;          /* NULL for a loop of the application's own */
    const h2r_server_config *config;    /* the server's; a loop of its own has the defaults */
    const h2r_session_profile *profile; /* config's session options and callbacks, shared by all workers */
    struct h2r_tls_server *tls;         /* the certificates, shared by all workers; NULL in cleartext */
    struct conn_side side;              /* of the connections it accepts */
    pthread_t thread;
    struct io_uring ring;
    struct h2r_loop loop;
    int listen_fd;                          /* -1: no listener */
    _Atomic uint8_t close_requested;        /* h2r_server_close, told through the loop's wake */
    _Atomic uint8_t stop_requested;         /* h2r_loop_stop, the same way */
    struct client_conn *connects;           /* outbound connections not made yet (client.c) */
    struct pool_origin *pool;               /* the connections of h2r_client_request (pool.c) */
    struct tls_client_context *tls_clients; /* the trusts outbound TLS connections asked for (tls.c) */
    uint8_t accept_armed;
    uint8_t accept_paused; /* out of file descriptors: retried on the next tick */
    uint8_t shutting_down;
    uint64_t shutdown_deadline_ms;
    uint64_t now_ms;
    size_t send_zc_min; /* config's send_zc_min_bytes, or 0 if the kernel has no SENDMSG_ZC */

    /* provided buffers for multishot recv */
    struct io_uring_buf_ring *buf_ring;
    uint8_t *buffers;
    unsigned buf_count, buf_size;
    uint32_t *buf_used; /* incremental consumption: bytes of each buffer already handed out; else NULL */

    struct h2r_pipe *free_pipes;
    unsigned free_pipe_count;

    /* the open-file cache (file_cache.c) */
    struct file_entry **file_buckets;
    unsigned file_count;

    /* Connections, on one of two lists: [1] those waiting for the application (conn.c), [0] the others. */
    struct conn *conns[2];
    struct conn *dirty;
    unsigned conn_count;
    int exit_status;
    int setup_error;    /* a negative errno if the worker could not start */
    uint8_t ring_ready; /* the ring exists and must be torn down */
    pthread_barrier_t *started;
};

/* What h2r_server_start made (server.c); workers read it, and the last one to stop calls done. */
struct h2r_server {
    h2r_server_config config; /* the caller's, copied */
    h2r_session_profile *profile;
    struct h2r_tls_server *tls;
    struct worker *workers;
    unsigned count;       /* workers */
    unsigned started;     /* their threads started */
    pthread_mutex_t lock; /* for what follows */
    unsigned running;     /* workers whose loop has not ended */
    uint8_t closing;      /* h2r_server_close was called */
    uint8_t joined;       /* h2r_server_wait is done */
    uint8_t signal_thread_started;
    void (*done)(h2r_server *server, void *ctx);
    void *done_ctx;
    pthread_t signal_thread;
    int status;
    char url[80]; /* on_listening's */
};

/* worker.c */
void h2r_worker_prepare(struct worker *w, unsigned index, struct h2r_server *server, int listen_fd,
                        pthread_barrier_t *started);
void *h2r_worker_main(void *arg);
/* The loop and the ring, on the thread that will run them: 0, or a negative errno. */
int h2r_worker_setup(struct worker *w);
/*
 * One turn: flushes what changed, submits and waits, hands out the
 * completions, runs the timers due and flushes for the application.
 * 0, or a negative errno when the ring failed.
 */
int h2r_worker_turn(struct worker *w);
/* The tick and the loop's wake, before the first turn: 0, or -1 when out of memory. */
int h2r_worker_start_loop(struct worker *w);
/* Cuts every connection now (on_session_close for each); the listener's, or the application's at its free. */
void h2r_worker_close_conns(struct worker *w);

/* loop.c */
/* Before the worker's thread starts. */
void h2r_loop_prepare(struct h2r_loop *loop, struct worker *w);
/* Is anything of the application's still waiting in the loop: a timer but the tick, or a watch? */
int h2r_loop_has_pending(const struct h2r_loop *loop);
/* On the worker's thread, before anything runs on it: 0, or a negative errno. */
int h2r_loop_init(struct h2r_loop *loop);
/* The ring reads the loop's eventfd. */
void h2r_loop_arm_wake(struct h2r_loop *loop);
/* From any thread: the loop's next turn looks at its posts and the server's close. */
void h2r_loop_wake(struct h2r_loop *loop);
/* Submits, then waits for a completion, the earliest timer's at the latest (the tick, at least); sets now_ns.
 * As io_uring_submit_and_wait, for errors. */
int h2r_loop_wait(struct h2r_loop *loop);
/* The eventfd's read came back: runs the posts, reads again. */
void h2r_loop_on_wake(struct h2r_loop *loop);
void h2r_loop_on_watch(struct h2r_watch *watch, const struct io_uring_cqe *cqe);
/* h2r_loop_run_timers when the earliest is due. */
void h2r_loop_run_due_timers(struct h2r_loop *loop);
/* Runs the timers that are due. Inline: most turns have none. */
static inline void h2r_loop_run_timers(struct h2r_loop *loop)
{
    if (loop->timer_count && loop->heap[0]->due_ns <= loop->now_ns) h2r_loop_run_due_timers(loop);
}
/*
 * The worker's last connection ended: posts refused from now on, those accepted run; timers and watches go.
 */
void h2r_loop_finish(struct h2r_loop *loop);
/* After the worker's thread ended. */
void h2r_loop_destroy(struct h2r_loop *loop);

/* tcp.c */
/* The worker's last connection ended: every outbound connection closes (on_close comes later). */
void h2r_tcp_close_all(struct h2r_loop *loop);
/* After the ring is gone (a worker that failed): connections still there are freed, without on_close. */
void h2r_tcp_free_all(struct h2r_loop *loop);

/* ring.c */
/* The worker's ring and receive buffers, on the worker's thread: 0, or a negative errno. */
int h2r_ring_setup(struct worker *w);
/* After the worker's thread ended. */
void h2r_ring_free(struct worker *w);
/* A submission slot: when the queue is full, what it holds goes to the kernel first. */
struct io_uring_sqe *h2r_ring_sqe(struct worker *w);
/*
 * A connect to addr (kept by the caller until its completion), and the ring
 * timeout linked to it (timeout_ms 0: none; *timeout holds it meanwhile):
 * both slots taken together, so that the link holds. The connect completes
 * with -ECANCELED when the timeout passed first.
 */
void h2r_ring_connect(struct worker *w, int fd, const struct sockaddr *addr, socklen_t addr_len,
                      uint32_t timeout_ms, struct __kernel_timespec *timeout, uint64_t user_data);
/* Where the bytes of a recv completion with a provided buffer are. */
const uint8_t *h2r_ring_recv_data(const struct worker *w, const struct io_uring_cqe *cqe);
/* The completion's bytes are consumed: its buffer goes back to the ring once the kernel is done with it. */
void h2r_ring_recv_consumed(struct worker *w, const struct io_uring_cqe *cqe);

/* conn.c */
/* c (zeroed, freed with free() by the connection) starts on fd, as side says: 0, or -1 (c is the caller's
 * again). */
int h2r_conn_start(struct conn *c, struct worker *w, int fd, const struct conn_side *side);
void h2r_conn_on_recv(struct conn *c, const struct io_uring_cqe *cqe);
void h2r_conn_mark_dirty(struct conn *c);
void h2r_conn_flush(struct conn *c);
void h2r_conn_close(struct conn *c);
void h2r_conn_op_done(struct conn *c);
/* A completion of a send_step (worker.c dispatches them by tag). */
void h2r_conn_on_send_step(struct send_step *step, const struct io_uring_cqe *cqe);
/* The worker's tick: the connection's timers, then a flush for what they queued. */
void h2r_conn_on_tick(struct conn *c);
/* The server shuts down: a connection without a session closes, a session says GOAWAY and finishes. */
void h2r_conn_shutdown(struct conn *c);
/* An application callback ran: connections waiting for it flush what it may have queued for them. */
void h2r_conn_wake_waiting(struct worker *w);

/* client.c */
/* Connects not made yet end now: their on_connect gets -ECANCELED in a coming turn. */
void h2r_client_cancel_connects(struct worker *w);

/* conn_info.c */
/* What the application learns of the connection (on_session_open, h2r_session_conn_info): 0, or -1 when the
 * socket's addresses cannot be had. */
int h2r_conn_get_info(const struct conn *c, h2r_conn_info *info);

/* send_batch.c: what the transports build their sends with */
/* The connection's batch, emptied, with room for that many chunks; NULL when out of memory. */
struct send_batch *h2r_send_batch_prepare(struct conn *c, size_t chunks);
/* Inline, as the two below: a send adds a step per file range and write. */
static inline struct send_step *h2r_send_batch_add(struct send_batch *b, struct conn *c, enum step_kind kind,
                                                   size_t expect, size_t chunk)
{
    struct send_step *step = &b->steps[b->step_count++];
    *step = (struct send_step){.conn = c, .kind = kind, .expect = expect, .chunk = (uint16_t)chunk};
    return step;
}
/* Adds a sendmsg of iov[first, end); more: MSG_MORE, another write of the batch follows. */
static inline void h2r_send_batch_add_sendmsg(struct send_batch *b, struct conn *c, size_t first, size_t end,
                                              int more)
{
    size_t bytes = 0;
    for (size_t i = first; i != end; ++i) bytes += b->iov[i].iov_len;
    struct send_step *step = h2r_send_batch_add(b, c, STEP_SEND, bytes, 0);
    step->msg = (struct msghdr){.msg_iov = &b->iov[first], .msg_iovlen = end - first};
    step->flags = MSG_NOSIGNAL | MSG_WAITALL | (more ? MSG_MORE : 0);
}
/* The steps go to the ring, linked; the connection counts them as pending. */
void h2r_send_batch_submit(struct conn *c);
enum step_completion {
    STEP_PENDING, /* a zero-copy send's result: its notification is still to come */
    STEP_DONE,    /* the step is back */
    STEP_LAST,    /* the step is back, and it was the batch's last: b->failed and b->written are set */
};
enum step_completion h2r_send_batch_on_step(struct send_step *step, const struct io_uring_cqe *cqe);
/* Frees an idle connection's batch. */
void h2r_send_batch_release(struct conn *c);

/* tls.c */
/* The certificates' contexts (NULL when config has none, or with a message on stderr when one fails). */
struct h2r_tls_server *h2r_tls_server_new(const h2r_server_config *config);
void h2r_tls_server_free(struct h2r_tls_server *tls);
/*
 * The worker's client context (a WOLFSSL_CTX) that trusts ca_file (NULL: the
 * system's store), or trusts anything (verify 0); made on first use and kept.
 * NULL with *err: H2R_ERR_TLS_CA_FILE when the file holds no certificate,
 * H2R_ERR_NOMEM.
 */
void *h2r_tls_client_context(struct worker *w, const char *ca_file, int verify, int *err);
void h2r_tls_client_contexts_free(struct worker *w);

/* file_response.c: a respondWithFD/respondWithFile waiting for its file */
struct h2r_file_response {
    h2r_header *headers; /* names and values allocated */
    size_t count, cap;
    int64_t offset, length;
};
struct file_entry;
/* What waits for a file's entry (file_cache.c): told through ready once it is open and stat'ed, or failed. */
struct file_waiter {
    struct file_waiter *next; /* the entry's waiters */
    void (*ready)(struct file_waiter *waiter, struct file_entry *entry);
};
struct file_request {
    struct file_waiter waiter; /* first: a request is the waiter its entry tells */
    struct conn *conn;         /* kept alive by a pending operation */
    h2r_stream *stream;        /* referenced */
    h2r_file_options options;
    struct h2r_file_response response;
};

/* file_cache.c: a worker's open files, shared by its responses */
struct file_entry {
    struct file_entry *hash_next;
    struct worker *worker;
    struct file_waiter *waiters, *waiters_tail; /* responses waiting for the open and stat */
    char *path;                                 /* NULL for a respondWithFD entry (never cached) */
    int dir_fd, beneath;
    uint32_t hash;
    int fd, owns_fd;
    int error; /* a negative errno once opening or stat failed */
    enum { FILE_OPENING, FILE_STATING, FILE_READING, FILE_READY } stage;
    unsigned refs;
    uint8_t cached;    /* in the table */
    uint8_t temporary; /* never in the table: freed once its waiters and responses are done */
    uint64_t expires_ms;
    struct open_how how;
    struct statx stx;
    struct stat st;
    uint8_t *data; /* a small file's contents */
};
/* Hands the entry for path to the waiter, now or once it is open and stat'ed. */
void h2r_file_cache_open(struct worker *w, int dir_fd, int beneath, const char *path,
                         struct file_waiter *waiter);
/* The same for an fd the application owns (respondWithFD): stat'ed through the ring, never cached. */
void h2r_file_cache_stat_fd(struct worker *w, int fd, struct file_waiter *waiter);
void h2r_file_entry_on_cqe(struct file_entry *entry, const struct io_uring_cqe *cqe);
/* A response's reference, given back when the engine is done with the body (an h2r_release_cb). */
void h2r_file_entry_release(void *entry, const void *data, size_t len);
/* Closes what expired (from the tick), or everything (at exit). */
void h2r_file_cache_sweep(struct worker *w);
void h2r_file_cache_free(struct worker *w);

/* pipe_pool.c */
/* An empty pipe, from the pool or new; NULL if none can be made. */
struct h2r_pipe *h2r_pipe_get(struct worker *w);
void h2r_pipe_put(struct worker *w, struct h2r_pipe *pipe);
/* Closes a pipe that may hold bytes. */
void h2r_pipe_discard(struct h2r_pipe *pipe);
void h2r_pipe_pool_free(struct worker *w);

#endif
