/*
 * A worker: one thread, one io_uring, one pool of provided receive
 * buffers, its connections and the loop that runs the application's
 * timers, posts and watches (loop.c); a server's has a listening socket
 * too, and makes the connections it accepts. Each turn waits for
 * completions (or the earliest timer), handles the batch, runs the timers
 * due, then flushes every connection that has output, once: one sendmsg
 * per connection per turn. A loop of the application's own (own_loop.c)
 * runs the same turns, without a listener.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io_internal.h"

/* The connections' deadlines are looked at this often (h2r_conn_on_tick). */
#define TICK_MS 100

static void arm_accept(struct worker *w)
{
    struct io_uring_sqe *sqe = h2r_ring_sqe(w);
    io_uring_prep_multishot_accept(sqe, w->listen_fd, NULL, NULL, 0);
    io_uring_sqe_set_data64(sqe, op_user_data(w, OP_ACCEPT));
    w->accept_armed = 1;
}

/* The protocol of an accepted connection is known: the server's session, from the server's profile. */
static h2r_session *server_session(struct conn *c, int http1)
{
    const struct worker *w = c->worker;
    return http1 ? h2r_session_http1_server_new_with_profile(w->profile, w->config->user_data,
                                                             c->side->transport.scheme)
                 : h2r_session_server_new_with_profile(w->profile, w->config->user_data);
}

static void server_session_opened(struct conn *c)
{
    const h2r_server_config *cfg = c->worker->config;
    /* Node's origins, over TLS only; checked at start, so only memory can fail it, and the session goes on.
     */
    if (cfg->origin_count && c->worker->tls && !h2r_session_is_http1(c->session))
        h2r_session_origin(c->session, cfg->origins, cfg->origin_count);
    if (!cfg->on_session_open) return;
    h2r_conn_info info;
    h2r_conn_get_info(c, &info);
    cfg->on_session_open(c->session, &info, cfg->user_data);
}

/* Node's server 'timeout': the application's to act on (typically h2r_session_close). */
static void server_session_idle(struct conn *c)
{
    const h2r_server_config *cfg = c->worker->config;
    cfg->on_timeout(c->session, cfg->user_data);
}

void h2r_worker_prepare(struct worker *w, unsigned index, struct h2r_server *server, int listen_fd,
                        pthread_barrier_t *started)
{
    memset(w, 0, sizeof(*w));
    w->index = index;
    w->server = server;
    w->config = &server->config;
    w->profile = server->profile;
    w->tls = server->tls;
    w->listen_fd = listen_fd;
    w->started = started;
    const h2r_server_config *cfg = w->config;
    w->side = (struct conn_side){
        .transport = w->tls ? h2r_tls_transport : h2r_cleartext_transport,
        .new_session = server_session,
        .opened = server_session_opened,
        .on_session_close = cfg->callbacks.on_session_close,
        .on_idle = cfg->on_timeout ? server_session_idle : NULL,
        /* Cleartext HTTP/2 alone knows its protocol at once: the server preface goes out without waiting. */
        .cleartext_start = cfg->allow_http1 ? TRANSPORT_WAIT : TRANSPORT_HTTP2,
        .handshake_timeout_ms = cfg->handshake_timeout_ms,
        .idle_timeout_ms = cfg->idle_timeout_ms,
        .settings_timeout_ms = cfg->settings_timeout_ms,
        .shutdown_timeout_ms = cfg->shutdown_timeout_ms,
        .splice_min_bytes = cfg->splice_min_bytes,
    };
    h2r_loop_prepare(&w->loop, w);
}

/* On the thread that runs the worker: with SINGLE_ISSUER, the ring belongs to the thread that creates it. */
int h2r_worker_setup(struct worker *w)
{
    int err = h2r_loop_init(&w->loop);
    return err ? err : h2r_ring_setup(w);
}

/* An accepted socket: a connection of the server's side. */
static void accept_conn(struct worker *w, int fd)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c || h2r_conn_start(c, w, fd, &w->side) != 0) {
        free(c);
        close(fd);
    }
}

static void on_accept(struct worker *w, const struct io_uring_cqe *cqe)
{
    if (!(cqe->flags & IORING_CQE_F_MORE)) w->accept_armed = 0;
    if (cqe->res >= 0) {
        if (w->shutting_down)
            close(cqe->res);
        else
            accept_conn(w, cqe->res);
    } else if (cqe->res == -EMFILE || cqe->res == -ENFILE || cqe->res == -ENOBUFS || cqe->res == -ENOMEM) {
        /* Out of descriptors or memory: stop accepting until the next tick rather than spin. */
        w->accept_paused = 1;
    }
    if (!w->accept_armed && !w->accept_paused && !w->shutting_down) arm_accept(w);
}

/* Calls fn on every connection, which it may close (and free). */
static void each_conn(struct worker *w, void (*fn)(struct conn *c))
{
    for (int list = 0; list != 2; ++list) {
        for (struct conn *c = w->conns[list], *next; c; c = next) {
            next = c->next;
            fn(c);
        }
    }
}

void h2r_worker_close_conns(struct worker *w)
{
    each_conn(w, h2r_conn_close);
}

/* Starts a graceful shutdown: no new connections, GOAWAY on every session, a deadline. */
static void begin_shutdown(struct worker *w)
{
    if (w->shutting_down) return;
    w->shutting_down = 1;
    w->shutdown_deadline_ms = w->now_ms + w->config->shutdown_timeout_ms;
    /*
     * Stop listening now, not at exit: a client is refused at once (and one
     * still in the backlog is reset) instead of connecting to a server that
     * will never answer. This also ends the pending accept.
     */
    if (w->listen_fd >= 0) shutdown(w->listen_fd, SHUT_RDWR);
    each_conn(w, h2r_conn_shutdown);
}

/* jemalloc's options (why: h2ring/server.h, bench/README.md); weak, so that an application's own wins. */
__attribute__((weak)) const char *malloc_conf =
    "background_thread:true,max_background_threads:1,dirty_decay_ms:250,muzzy_decay_ms:0,tcache_max:4096";

/* The tick: a timer of the loop's, every TICK_MS. */
static void on_tick(h2r_timer *timer, void *ctx)
{
    struct worker *w = ctx;
    (void)timer;
    if (w->accept_paused && !w->shutting_down) {
        w->accept_paused = 0;
        if (!w->accept_armed) arm_accept(w);
    }
    /* Past the deadline, close: a GOAWAY could wait forever behind a send the peer does not read. */
    if (w->shutting_down && w->now_ms >= w->shutdown_deadline_ms) {
        h2r_worker_close_conns(w);
    } else {
        each_conn(w, h2r_conn_on_tick);
        h2r_worker_enforce_memory_budget(w);
    }
    h2r_file_cache_sweep(w);
}

/* The loop's eventfd: the server's close, h2r_loop_stop, posts, or all of them. */
static void on_wake(struct worker *w)
{
    if (atomic_load(&w->close_requested)) begin_shutdown(w);
    h2r_loop_on_wake(&w->loop);
}

static void handle_cqe(struct worker *w, const struct io_uring_cqe *cqe)
{
    void *object = (void *)(uintptr_t)(cqe->user_data & ~(uint64_t)OP_TAG_MASK);
    switch ((enum op_tag)(cqe->user_data & OP_TAG_MASK)) {
    case OP_ACCEPT: on_accept(w, cqe); break;
    case OP_RECV: h2r_conn_on_recv(object, cqe); break;
    case OP_SEND: h2r_conn_on_send_step(object, cqe); break;
    case OP_WATCH: h2r_loop_on_watch(object, cqe); break;
    case OP_WAKE: on_wake(w); break;
    case OP_FILE: h2r_file_entry_on_cqe(object, cqe); break;
    case OP_CALL: {
        struct ring_call *call = object;
        call->done(call, cqe);
        break;
    }
    case OP_CANCEL: break;
    }
}

static void flush_dirty(struct worker *w)
{
    while (w->dirty) {
        struct conn *c = w->dirty;
        w->dirty = c->dirty_next;
        h2r_conn_flush(c);
    }
}

/* The worker's loop ended (or never started): the last worker to stop tells the application. */
static void worker_stopped(struct worker *w)
{
    struct h2r_server *server = w->server;
    pthread_mutex_lock(&server->lock);
    int last = --server->running == 0;
    void (*done)(h2r_server *, void *) = last && server->closing ? server->done : NULL;
    pthread_mutex_unlock(&server->lock);
    if (done) done(server, server->done_ctx);
}

int h2r_worker_turn(struct worker *w)
{
    flush_dirty(w);
    int err = h2r_loop_wait(&w->loop);
    if (err < 0 && err != -EINTR && err != -EAGAIN && err != -EBUSY) return err;
    w->now_ms = w->loop.now_ns / 1000000;
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&w->ring, head, cqe)
    {
        handle_cqe(w, cqe);
        ++seen;
    }
    io_uring_cq_advance(&w->ring, seen);
    h2r_loop_run_timers(&w->loop);
    if (w->loop.app_ran) {
        /* The application may have answered streams of connections that wait for it: send that now. */
        w->loop.app_ran = 0;
        h2r_conn_wake_waiting(w);
    }
    return 0;
}

/* The tick and the loop's eventfd: what every worker's loop has before its first turn. 0, or -1. */
int h2r_worker_start_loop(struct worker *w)
{
    w->now_ms = w->loop.now_ns / 1000000;
    if (h2r_timer_start(&w->loop, TICK_MS, TICK_MS, on_tick, w, NULL) != 0) return -1;
    h2r_loop_arm_wake(&w->loop);
    return 0;
}

static void worker_run(struct worker *w)
{
    if (h2r_worker_start_loop(w) != 0) {
        fprintf(stderr, "h2ring: worker %u: out of memory\n", w->index);
        w->exit_status = -1;
        return;
    }
    arm_accept(w);
    while (!(w->shutting_down && w->conn_count == 0 && !w->loop.tcps && !w->connects)) {
        /* The last connection has ended: the outbound ones close too (their on_close comes), then the loop
         * stops. */
        if (w->shutting_down && w->conn_count == 0) {
            h2r_tcp_close_all(&w->loop);
            h2r_client_cancel_connects(w);
        }
        int err = h2r_worker_turn(w);
        if (err) {
            fprintf(stderr, "h2ring: worker %u: io_uring_submit_and_wait: %s\n", w->index, strerror(-err));
            w->exit_status = -1;
            return;
        }
    }
}

void *h2r_worker_main(void *arg)
{
    struct worker *w = arg;
    w->setup_error = h2r_worker_setup(w);
    /* Everyone reports in before the main thread decides whether the server runs. */
    pthread_barrier_wait(w->started);
    if (!w->setup_error) {
        worker_run(w);
        h2r_loop_finish(&w->loop);
        h2r_file_cache_free(w);
    }
    worker_stopped(w);
    return NULL;
}
