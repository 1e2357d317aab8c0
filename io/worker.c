/*
 * A worker: one thread, one io_uring, one listening socket, one pool of
 * provided receive buffers, and the connections it accepted. The loop
 * waits for completions, handles the batch, then flushes every connection
 * that has output, once: one sendmsg per connection per turn.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "io_internal.h"

#define TICK_MS 100

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void arm_accept(struct worker *w)
{
    struct io_uring_sqe *sqe = h2r_ring_sqe(w);
    io_uring_prep_multishot_accept(sqe, w->listen_fd, NULL, NULL, 0);
    io_uring_sqe_set_data64(sqe, op_user_data(w, OP_ACCEPT));
    w->accept_armed = 1;
}

static void arm_tick(struct worker *w)
{
    struct io_uring_sqe *sqe = h2r_ring_sqe(w);
    w->tick = (struct __kernel_timespec){.tv_sec = 0, .tv_nsec = TICK_MS * 1000000L};
    io_uring_prep_timeout(sqe, &w->tick, 0, 0);
    io_uring_sqe_set_data64(sqe, op_user_data(w, OP_TICK));
}

static void arm_wake(struct worker *w)
{
    struct io_uring_sqe *sqe = h2r_ring_sqe(w);
    io_uring_prep_read(sqe, w->wake_fd, &w->wake_value, sizeof(w->wake_value), 0);
    io_uring_sqe_set_data64(sqe, op_user_data(w, OP_WAKE));
}

void h2r_worker_prepare(struct worker *w, unsigned index, const h2r_server_config *config,
                        const h2r_session_profile *profile, struct h2r_tls_server *tls, int listen_fd,
                        pthread_barrier_t *started)
{
    memset(w, 0, sizeof(*w));
    w->index = index;
    w->config = config;
    w->profile = profile;
    w->tls = tls;
    w->listen_fd = listen_fd;
    w->wake_fd = -1;
    w->started = started;
}

/* Runs on the worker's own thread: with SINGLE_ISSUER, the ring belongs to the thread that creates it. */
static int worker_setup(struct worker *w)
{
    w->wake_fd = eventfd(0, EFD_CLOEXEC);
    if (w->wake_fd < 0) return -errno;
    return h2r_ring_setup(w);
}

static void on_accept(struct worker *w, const struct io_uring_cqe *cqe)
{
    if (!(cqe->flags & IORING_CQE_F_MORE)) w->accept_armed = 0;
    if (cqe->res >= 0) {
        if (w->shutting_down || !h2r_conn_open(w, cqe->res)) close(cqe->res);
    } else if (cqe->res == -EMFILE || cqe->res == -ENFILE || cqe->res == -ENOBUFS || cqe->res == -ENOMEM) {
        /* Out of descriptors or memory: stop accepting until the next tick rather than spin. */
        w->accept_paused = 1;
    }
    if (!w->accept_armed && !w->accept_paused && !w->shutting_down) arm_accept(w);
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
    shutdown(w->listen_fd, SHUT_RDWR);
    for (struct conn *c = w->conns, *next; c; c = next) {
        next = c->next; /* closing may free c */
        h2r_conn_shutdown(c);
    }
}

/* jemalloc's options (why: h2ring/server.h, bench/README.md); weak, so that an application's own wins. */
__attribute__((weak)) const char *malloc_conf =
    "background_thread:true,max_background_threads:1,dirty_decay_ms:250,muzzy_decay_ms:0,tcache_max:4096";

static void on_tick(struct worker *w)
{
    if (w->accept_paused && !w->shutting_down) {
        w->accept_paused = 0;
        if (!w->accept_armed) arm_accept(w);
    }
    int cut = w->shutting_down && w->now_ms >= w->shutdown_deadline_ms;
    for (struct conn *c = w->conns, *next; c; c = next) {
        next = c->next; /* closing may free c */
        /* Past the deadline, close: a GOAWAY could wait forever behind a send the peer does not read. */
        if (cut)
            h2r_conn_close(c);
        else
            h2r_conn_on_tick(c);
    }
    h2r_file_cache_sweep(w);
    arm_tick(w);
}

static void handle_cqe(struct worker *w, const struct io_uring_cqe *cqe)
{
    void *object = (void *)(uintptr_t)(cqe->user_data & ~(uint64_t)OP_TAG_MASK);
    switch ((enum op_tag)(cqe->user_data & OP_TAG_MASK)) {
    case OP_ACCEPT: on_accept(w, cqe); break;
    case OP_RECV: h2r_conn_on_recv(object, cqe); break;
    case OP_SEND: h2r_conn_on_send_step(object, cqe); break;
    case OP_TICK: on_tick(w); break;
    case OP_WAKE: begin_shutdown(w); break;
    case OP_FILE: h2r_file_entry_on_cqe(object, cqe); break;
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

void *h2r_worker_main(void *arg)
{
    struct worker *w = arg;
    w->setup_error = worker_setup(w);
    /* Everyone reports in before the main thread decides whether the server runs. */
    pthread_barrier_wait(w->started);
    if (w->setup_error) return NULL;
    w->now_ms = monotonic_ms();
    arm_accept(w);
    arm_tick(w);
    arm_wake(w);
    while (!(w->shutting_down && w->conn_count == 0)) {
        flush_dirty(w);
        int err = io_uring_submit_and_wait(&w->ring, 1);
        if (err < 0 && err != -EINTR && err != -EAGAIN && err != -EBUSY) {
            fprintf(stderr, "h2ring: worker %u: io_uring_submit_and_wait: %s\n", w->index, strerror(-err));
            w->exit_status = -1;
            break;
        }
        w->now_ms = monotonic_ms();
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&w->ring, head, cqe)
        {
            handle_cqe(w, cqe);
            ++seen;
        }
        io_uring_cq_advance(&w->ring, seen);
    }
    h2r_file_cache_free(w);
    w->stopped = 1;
    return NULL;
}
