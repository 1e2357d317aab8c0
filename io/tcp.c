/*
 * Outbound TCP connections on a worker's ring (h2ring/loop.h): connect
 * (bounded by a linked ring timeout), receive, send, shutdown and close
 * are all ring operations, and their completions come back through
 * worker.c like the others.
 *
 * Receiving is a plain recv into a buffer of the connection's own, one at
 * a time, rather than the worker's provided buffers: those feed the
 * inbound connections' multishot receives, and a paused upstream would
 * hold one of them for as long as its consumer is slow. With one recv at
 * a time, pausing is exact: the recv under way is not armed again, and
 * its bytes wait in the buffer until the resume.
 *
 * Writes queue by reference; one sendmsg at a time takes what is queued.
 * The handle is freed only from its close's completion, so it stays valid
 * through every callback whatever the application calls from it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "io_internal.h"

/* The receive buffer: a TLS record's worth, as the worker's provided buffers. */
#define TCP_RECV_SIZE 16384
/* Bytes queued past which h2r_tcp_write asks the caller to wait for on_drain. */
#define TCP_HIGH_WATER (64 * 1024)
/* Writes one sendmsg takes at most. */
#define TCP_IOV 32

enum tcp_op_kind {
    TCP_OP_CONNECT,
    TCP_OP_RECV,
    /* A nop: the bytes kept through a pause go to on_data from the loop, not from the resume. */
    TCP_OP_DELIVER,
    TCP_OP_SEND,
    TCP_OP_SHUTDOWN,
    TCP_OP_CLOSE,
    TCP_OP_COUNT,
};

/* One kind of operation of a connection: its address is the user_data of the operation's submission. */
struct tcp_op {
    struct ring_call call; /* first: completions come to on_cqe */
    struct h2r_tcp *tcp;
    enum tcp_op_kind kind;
};

/* A write, queued by reference. */
struct tcp_write {
    struct tcp_write *next;
    const uint8_t *data;
    size_t len;
    h2r_release_cb release;
    void *release_ctx;
};

enum tcp_state {
    TCP_STATE_CONNECTING,
    TCP_STATE_OPEN,
    TCP_STATE_CLOSING, /* no more callbacks but on_close: waits for its operations, then closes the socket */
};

struct h2r_tcp {
    struct h2r_loop *loop;
    struct h2r_tcp *prev, *next; /* the loop's */
    h2r_tcp_callbacks cb;
    void *ctx;
    int fd;
    enum tcp_state state;
    unsigned pending; /* a bit per enum tcp_op_kind: submitted, its completion still to come */
    uint8_t paused;
    uint8_t peer_ended;      /* the peer's FIN: nothing more is read */
    uint8_t shutdown_wanted; /* h2r_tcp_shutdown: our FIN once the queue is written */
    uint8_t shutdown_done;   /* our FIN is out */
    uint8_t drain_wanted;    /* h2r_tcp_write returned 0: on_drain once the queue is written */
    struct tcp_write *queue, *queue_tail;
    size_t queued;      /* bytes of the queue not written yet */
    size_t head_offset; /* bytes of the queue's first write already written */
    size_t held;        /* bytes received while paused, at the start of buf */
    struct tcp_op ops[TCP_OP_COUNT];
    struct sockaddr_storage addr;
    socklen_t addr_len;
    struct __kernel_timespec timeout;
    struct msghdr msg;
    struct iovec iov[TCP_IOV];
    uint8_t buf[TCP_RECV_SIZE];
};

static void on_cqe(struct ring_call *call, const struct io_uring_cqe *cqe);

/* A submission of the connection's, prepared: its completion comes back to on_cqe. */
static void op_submitted(struct h2r_tcp *tcp, struct io_uring_sqe *sqe, enum tcp_op_kind kind)
{
    io_uring_sqe_set_data64(sqe, op_user_data(&tcp->ops[kind], OP_CALL));
    tcp->pending |= 1u << kind;
}

static int is_pending(const struct h2r_tcp *tcp, enum tcp_op_kind kind)
{
    return (tcp->pending >> kind) & 1u;
}

static void submit_connect(struct h2r_tcp *tcp, uint32_t timeout_ms)
{
    h2r_ring_connect(tcp->loop->worker, tcp->fd, (struct sockaddr *)&tcp->addr, tcp->addr_len, timeout_ms,
                     &tcp->timeout, op_user_data(&tcp->ops[TCP_OP_CONNECT], OP_CALL));
    tcp->pending |= 1u << TCP_OP_CONNECT;
}

static void arm_recv(struct h2r_tcp *tcp)
{
    if (tcp->state != TCP_STATE_OPEN || tcp->paused || tcp->peer_ended || tcp->held ||
        is_pending(tcp, TCP_OP_RECV))
        return;
    struct io_uring_sqe *sqe = h2r_ring_sqe(tcp->loop->worker);
    io_uring_prep_recv(sqe, tcp->fd, tcp->buf, sizeof(tcp->buf), 0);
    op_submitted(tcp, sqe, TCP_OP_RECV);
}

/* The bytes kept through a pause go out from a nop's completion: on_data never runs inside h2r_tcp_resume. */
static void arm_deliver(struct h2r_tcp *tcp)
{
    if (tcp->state != TCP_STATE_OPEN || tcp->paused || !tcp->held || is_pending(tcp, TCP_OP_DELIVER)) return;
    struct io_uring_sqe *sqe = h2r_ring_sqe(tcp->loop->worker);
    io_uring_prep_nop(sqe);
    op_submitted(tcp, sqe, TCP_OP_DELIVER);
}

/* One sendmsg of the queue's first writes, or our FIN once the queue is written (and asked for). */
static void send_start(struct h2r_tcp *tcp)
{
    if (tcp->state != TCP_STATE_OPEN || is_pending(tcp, TCP_OP_SEND) || is_pending(tcp, TCP_OP_SHUTDOWN))
        return;
    if (!tcp->queue) {
        if (!tcp->shutdown_wanted || tcp->shutdown_done) return;
        struct io_uring_sqe *sqe = h2r_ring_sqe(tcp->loop->worker);
        io_uring_prep_shutdown(sqe, tcp->fd, SHUT_WR);
        op_submitted(tcp, sqe, TCP_OP_SHUTDOWN);
        return;
    }
    size_t count = 0, offset = tcp->head_offset;
    for (struct tcp_write *w = tcp->queue; w && count != TCP_IOV; w = w->next, offset = 0)
        tcp->iov[count++] =
            (struct iovec){.iov_base = (void *)(w->data + offset), .iov_len = w->len - offset};
    tcp->msg = (struct msghdr){.msg_iov = tcp->iov, .msg_iovlen = count};
    struct io_uring_sqe *sqe = h2r_ring_sqe(tcp->loop->worker);
    io_uring_prep_sendmsg(sqe, tcp->fd, &tcp->msg, MSG_NOSIGNAL | MSG_WAITALL);
    op_submitted(tcp, sqe, TCP_OP_SEND);
}

/* Takes the queue's first write off, and gives its memory back. */
static void release_head(struct h2r_tcp *tcp)
{
    struct tcp_write *w = tcp->queue;
    tcp->queue = w->next;
    if (!tcp->queue) tcp->queue_tail = NULL;
    tcp->head_offset = 0;
    if (w->release) w->release(w->release_ctx, w->data, w->len);
    free(w);
}

static void unlink_tcp(struct h2r_tcp *tcp)
{
    if (tcp->prev)
        tcp->prev->next = tcp->next;
    else
        tcp->loop->tcps = tcp->next;
    if (tcp->next) tcp->next->prev = tcp->prev;
}

int h2r_tcp_connect(h2r_loop *loop, const char *host, uint16_t port, uint32_t timeout_ms,
                    const h2r_tcp_callbacks *cb, void *ctx, h2r_tcp **tcp)
{
    if (tcp) *tcp = NULL;
    if (!cb || !host) return H2R_ERR_INVALID_ARGUMENT;
    if (!h2r_loop_in_thread(loop)) return H2R_ERR_WRONG_THREAD;
    if (loop->stopped) return H2R_ERR_SESSION_CLOSED;
    struct sockaddr_storage addr = {0};
    struct sockaddr_in *in4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr;
    socklen_t addr_len;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        addr_len = sizeof(*in4);
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        addr_len = sizeof(*in6);
    } else {
        return H2R_ERR_INVALID_ARGUMENT;
    }
    struct h2r_tcp *t = malloc(sizeof(*t));
    if (!t) return H2R_ERR_NOMEM;
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int err = -errno;
        free(t);
        return err;
    }
    /* A proxy's or a client's small writes go at once: what is queued in one turn leaves in one sendmsg
     * anyway. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(t, 0, offsetof(struct h2r_tcp, buf));
    t->loop = loop;
    t->cb = *cb;
    t->ctx = ctx;
    t->fd = fd;
    t->addr = addr;
    t->addr_len = addr_len;
    for (int kind = 0; kind != TCP_OP_COUNT; ++kind)
        t->ops[kind] = (struct tcp_op){.call.done = on_cqe, .tcp = t, .kind = kind};
    t->next = loop->tcps;
    if (loop->tcps) loop->tcps->prev = t;
    loop->tcps = t;
    submit_connect(t, timeout_ms);
    if (tcp) *tcp = t;
    return 0;
}

/* The checks of the calls below: 0 when the call may go on. */
static int tcp_usable(const struct h2r_tcp *tcp)
{
    if (!h2r_loop_in_thread(tcp->loop)) return H2R_ERR_WRONG_THREAD;
    return tcp->state == TCP_STATE_CLOSING ? H2R_ERR_SESSION_CLOSED : 0;
}

int h2r_tcp_write(h2r_tcp *tcp, const void *data, size_t len, h2r_release_cb release, void *release_ctx)
{
    int err = tcp_usable(tcp);
    if (!err && tcp->shutdown_wanted) err = H2R_ERR_INVALID_STATE;
    struct tcp_write *w = NULL;
    if (!err && len && !(w = malloc(sizeof(*w)))) err = H2R_ERR_NOMEM;
    if (!w) {
        /* Refused, or nothing to queue: the memory goes back at once. */
        if (release) release(release_ctx, data, len);
        return err ? err : tcp->queued < TCP_HIGH_WATER;
    }
    *w = (struct tcp_write){.data = data, .len = len, .release = release, .release_ctx = release_ctx};
    if (tcp->queue_tail)
        tcp->queue_tail->next = w;
    else
        tcp->queue = w;
    tcp->queue_tail = w;
    tcp->queued += len;
    send_start(tcp);
    if (tcp->queued < TCP_HIGH_WATER) return 1;
    tcp->drain_wanted = 1;
    return 0;
}

int h2r_tcp_pause(h2r_tcp *tcp)
{
    int err = tcp_usable(tcp);
    if (!err) tcp->paused = 1;
    return err;
}

int h2r_tcp_resume(h2r_tcp *tcp)
{
    int err = tcp_usable(tcp);
    if (err || !tcp->paused) return err;
    tcp->paused = 0;
    arm_deliver(tcp);
    arm_recv(tcp);
    return 0;
}

int h2r_tcp_shutdown(h2r_tcp *tcp)
{
    int err = tcp_usable(tcp);
    if (err) return err;
    tcp->shutdown_wanted = 1;
    send_start(tcp);
    return 0;
}

/* Once nothing of the connection is in the ring but its close: the socket goes. */
static void close_when_idle(struct h2r_tcp *tcp)
{
    if (tcp->pending) return;
    struct io_uring_sqe *sqe = h2r_ring_sqe(tcp->loop->worker);
    io_uring_prep_close(sqe, tcp->fd);
    op_submitted(tcp, sqe, TCP_OP_CLOSE);
}

int h2r_tcp_close(h2r_tcp *tcp)
{
    if (!h2r_loop_in_thread(tcp->loop)) return H2R_ERR_WRONG_THREAD;
    if (tcp->state == TCP_STATE_CLOSING) return 0;
    tcp->state = TCP_STATE_CLOSING;
    /* The ring gives back what it holds: a connect (its timeout with it), a recv, a send or a shutdown. */
    for (int kind = 0; kind != TCP_OP_COUNT; ++kind) {
        if (!is_pending(tcp, kind) || kind == TCP_OP_DELIVER) continue;
        struct io_uring_sqe *sqe = h2r_ring_sqe(tcp->loop->worker);
        io_uring_prep_cancel64(sqe, op_user_data(&tcp->ops[kind], OP_CALL), 0);
        io_uring_sqe_set_data64(sqe, op_user_data(tcp, OP_CANCEL));
    }
    close_when_idle(tcp);
    return 0;
}

/* A receive or a send failed: the application hears it, and the connection closes. */
static void fail(struct h2r_tcp *tcp, int err)
{
    if (tcp->cb.on_error) tcp->cb.on_error(tcp, err, tcp->ctx);
    h2r_tcp_close(tcp);
}

/* Both FINs are out: nothing more can happen on the connection. */
static void close_if_done(struct h2r_tcp *tcp)
{
    if (tcp->state == TCP_STATE_OPEN && tcp->peer_ended && tcp->shutdown_done) h2r_tcp_close(tcp);
}

static void on_connect(struct h2r_tcp *tcp, int res)
{
    /* A connect the linked timeout cancelled: the timeout it was given has passed. */
    int err = res == -ECANCELED ? -ETIMEDOUT : res;
    if (!err) tcp->state = TCP_STATE_OPEN;
    if (tcp->cb.on_connect) tcp->cb.on_connect(tcp, err, tcp->ctx);
    if (err) {
        h2r_tcp_close(tcp);
        return;
    }
    arm_recv(tcp);
    send_start(tcp);
}

/* Hands the received bytes (in buf) to on_data, then reads on. */
static void deliver(struct h2r_tcp *tcp, size_t len)
{
    tcp->held = 0;
    if (tcp->cb.on_data) tcp->cb.on_data(tcp, tcp->buf, len, tcp->ctx);
    arm_recv(tcp);
}

static void on_recv(struct h2r_tcp *tcp, int res)
{
    if (res > 0) {
        if (!tcp->paused) {
            deliver(tcp, (size_t)res);
            return;
        }
        tcp->held = (size_t)res;
    } else if (res == 0) {
        tcp->peer_ended = 1;
        if (tcp->cb.on_end) tcp->cb.on_end(tcp, tcp->ctx);
        close_if_done(tcp);
    } else {
        fail(tcp, res);
    }
}

static void on_send(struct h2r_tcp *tcp, int res)
{
    if (res < 0) {
        fail(tcp, res);
        return;
    }
    size_t written = (size_t)res;
    tcp->queued -= written;
    while (tcp->queue && written >= tcp->queue->len - tcp->head_offset) {
        written -= tcp->queue->len - tcp->head_offset;
        release_head(tcp);
    }
    tcp->head_offset += written;
    if (!tcp->queue && tcp->drain_wanted) {
        tcp->drain_wanted = 0;
        if (tcp->cb.on_drain) tcp->cb.on_drain(tcp, tcp->ctx);
    }
    send_start(tcp);
}

/* The close is back: what is still queued is released, the application hears the end, the handle goes. */
static void on_closed(struct h2r_tcp *tcp)
{
    while (tcp->queue) release_head(tcp);
    unlink_tcp(tcp);
    if (tcp->cb.on_close) tcp->cb.on_close(tcp, tcp->ctx);
    free(tcp);
}

static void on_cqe(struct ring_call *call, const struct io_uring_cqe *cqe)
{
    struct tcp_op *op = (struct tcp_op *)call;
    struct h2r_tcp *tcp = op->tcp;
    tcp->pending &= ~(1u << op->kind);
    if (op->kind == TCP_OP_CLOSE) {
        tcp->loop->app_ran = 1;
        on_closed(tcp);
        return;
    }
    if (tcp->state == TCP_STATE_CLOSING) {
        close_when_idle(tcp);
        return;
    }
    /* The callbacks may write to streams of connections waiting for the application: those are flushed. */
    tcp->loop->app_ran = 1;
    switch (op->kind) {
    case TCP_OP_CONNECT: on_connect(tcp, cqe->res); break;
    case TCP_OP_RECV: on_recv(tcp, cqe->res); break;
    case TCP_OP_DELIVER:
        if (!tcp->paused) deliver(tcp, tcp->held);
        break;
    case TCP_OP_SEND: on_send(tcp, cqe->res); break;
    case TCP_OP_SHUTDOWN:
        if (cqe->res < 0) {
            fail(tcp, cqe->res);
            break;
        }
        tcp->shutdown_done = 1;
        close_if_done(tcp);
        break;
    case TCP_OP_CLOSE:
    case TCP_OP_COUNT: break;
    }
}

void h2r_tcp_close_all(struct h2r_loop *loop)
{
    for (struct h2r_tcp *tcp = loop->tcps; tcp; tcp = tcp->next) h2r_tcp_close(tcp);
}

void h2r_tcp_free_all(struct h2r_loop *loop)
{
    while (loop->tcps) {
        struct h2r_tcp *tcp = loop->tcps;
        while (tcp->queue) release_head(tcp);
        if (!is_pending(tcp, TCP_OP_CLOSE)) close(tcp->fd);
        unlink_tcp(tcp);
        free(tcp);
    }
}
