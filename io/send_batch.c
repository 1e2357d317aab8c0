/*
 * A connection's send in flight: a chain of ring operations that a
 * transport planned (cleartext.c, tls.c), submitted in one go and linked,
 * so that a step that does not do all it should cancels the rest. The
 * socket is written with MSG_WAITALL: a write completes whole or fails with
 * the connection. Writes of h2r_server_config.send_zc_min_bytes or more use
 * IORING_OP_SENDMSG_ZC.
 */
#include <stdlib.h>

#include "io_internal.h"

static void prep_step(struct conn *c, struct send_step *step, struct io_uring_sqe *sqe)
{
    struct h2r_pipe *pipe = c->batch->pipe;
    switch (step->kind) {
    case STEP_READ:
        io_uring_prep_read(sqe, step->fd, step->buf, (unsigned)step->expect, (uint64_t)step->offset);
        break;
    case STEP_SPLICE_IN:
        io_uring_prep_splice(sqe, step->fd, step->offset, pipe->write_fd, -1, (unsigned)step->expect, 0);
        break;
    case STEP_SPLICE_OUT:
        io_uring_prep_splice(sqe, pipe->read_fd, -1, c->fd, -1, (unsigned)step->expect,
                             (unsigned)step->flags);
        break;
    case STEP_SEND:
        step->zero_copy = c->worker->send_zc_min && step->expect >= c->worker->send_zc_min;
        if (step->zero_copy)
            io_uring_prep_sendmsg_zc(sqe, c->fd, &step->msg, (unsigned)step->flags);
        else
            io_uring_prep_sendmsg(sqe, c->fd, &step->msg, (unsigned)step->flags);
        break;
    }
    io_uring_sqe_set_data64(sqe, op_user_data(step, OP_SEND));
}

/* A first batch has room for a few chunks, as most sends are a few frames; one that needs more grows. */
#define SEND_BATCH_FIRST_CHUNKS 8

struct send_batch *h2r_send_batch_prepare(struct conn *c, size_t chunks)
{
    struct send_batch *b = c->batch;
    if (!b || b->capacity < chunks) {
        size_t capacity = b ? b->capacity : SEND_BATCH_FIRST_CHUNKS;
        while (capacity < chunks) capacity *= 2;
        /* Not calloc: zeroing the step array on every send was most of a small response's cost. */
        b = realloc(b, sizeof(*b) + 2 * capacity * sizeof(b->steps[0]) + capacity * sizeof(struct iovec));
        if (!b) return NULL;
        if (!c->batch) {
            b->bounce = NULL;
            b->bounce_cap = 0;
            b->pipe = NULL;
        }
        b->capacity = (unsigned)capacity;
        b->iov = (struct iovec *)&b->steps[2 * capacity];
        c->batch = b;
    }
    b->step_count = b->steps_done = 0;
    return b;
}

void h2r_send_batch_submit(struct conn *c)
{
    struct send_batch *b = c->batch;
    /* A chain must reach the kernel in one submission: make room for all of it first. */
    struct worker *w = c->worker;
    if (io_uring_sq_space_left(&w->ring) < b->step_count) io_uring_submit(&w->ring);
    for (unsigned i = 0; i != b->step_count; ++i) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
        prep_step(c, &b->steps[i], sqe);
        if (i + 1 != b->step_count) sqe->flags |= IOSQE_IO_LINK;
    }
}

/* Every step is back: which one failed, if any, what was written, and the pipe goes back to the pool. */
static void batch_done(struct send_batch *b, struct worker *w)
{
    b->failed = NULL;
    b->written = 0;
    for (unsigned i = 0; i != b->step_count && !b->failed; ++i) {
        struct send_step *step = &b->steps[i];
        if (step->res < 0 || (size_t)step->res != step->expect)
            b->failed = step;
        else if (step->kind == STEP_SEND || step->kind == STEP_SPLICE_OUT)
            b->written += step->expect;
    }
    if (b->pipe) {
        /* Empty again after a whole batch; otherwise it may still hold some of it. */
        if (b->failed)
            h2r_pipe_discard(b->pipe);
        else
            h2r_pipe_put(w, b->pipe);
        b->pipe = NULL;
    }
}

enum step_completion h2r_send_batch_on_step(struct send_step *step, const struct io_uring_cqe *cqe)
{
    struct conn *c = step->conn;
    /*
     * A zero-copy send completes twice: its result, then a notification
     * once the kernel no longer reads the pages; only then may the engine
     * release the memory and the bounce be filled again. The notification
     * comes even when the result is not flagged MORE: a send cancelled by
     * its failed link gets one too (Linux 6.18).
     */
    if (step->zero_copy && !(cqe->flags & IORING_CQE_F_NOTIF)) {
        step->res = cqe->res;
        return STEP_PENDING;
    }
    if (!step->zero_copy) step->res = cqe->res;
    if (++c->batch->steps_done != c->batch->step_count) return STEP_DONE;
    batch_done(c->batch, c->worker);
    return STEP_LAST;
}

void h2r_send_batch_release(struct conn *c)
{
    struct send_batch *b = c->batch;
    if (!b) return;
    /* A pipe is only held while a batch is in flight, and then the batch is not released. */
    free(b->bounce);
    free(b);
    c->batch = NULL;
}
