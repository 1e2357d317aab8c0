/*
 * A connection's send in flight: what one pull from the engine handed out,
 * written by a chain of linked ring operations, whole or not at all.
 *
 * File ranges are read before any byte of the batch goes out, so that a
 * file that cannot be read (it shrank, an I/O error) costs its stream only
 * (h2r_session_file_failed), never the connection:
 * - the copy path reads them into a bounce buffer (IORING_OP_READ), then
 *   one sendmsg writes the batch;
 * - the splice path moves them into a pipe (IORING_OP_SPLICE: page
 *   references, no copy), then writes the memory chunks with sendmsg and
 *   the pipe's contents with splice, in wire order.
 * Each operation is linked to the next, so a short read cancels the rest.
 * The splice path is taken from h2r_server_config.splice_min_bytes of file
 * data in a batch (off by default: see there why).
 * The socket is written with MSG_WAITALL: a write completes whole or fails
 * with the connection, and the engine is told once, at the end. Writes of
 * h2r_server_config.send_zc_min_bytes or more use IORING_OP_SENDMSG_ZC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "io_internal.h"

struct send_step *h2r_send_batch_add(struct send_batch *b, struct conn *c, enum step_kind kind, size_t expect,
                                     size_t chunk)
{
    struct send_step *step = &b->steps[b->step_count++];
    *step = (struct send_step){.conn = c, .kind = kind, .expect = expect, .chunk = (uint16_t)chunk};
    return step;
}

/* Adds a sendmsg of iov[first, end) to the chain. */
static void add_sendmsg(struct send_batch *b, struct conn *c, size_t first, size_t end, int more)
{
    size_t bytes = 0;
    for (size_t i = first; i != end; ++i) bytes += b->iov[i].iov_len;
    struct send_step *step = h2r_send_batch_add(b, c, STEP_SEND, bytes, 0);
    step->msg = (struct msghdr){.msg_iov = &b->iov[first], .msg_iovlen = end - first};
    step->flags = MSG_NOSIGNAL | MSG_WAITALL | (more ? MSG_MORE : 0);
}

/*
 * How many of the n chunks fit, when file ranges may take `budget` units in
 * all (cost() of each): a batch that cannot take everything ends right after
 * a file range, so that a frame header never goes out in one batch with its
 * payload left to read in the next. The first range is always taken.
 */
static size_t fit(const h2r_chunk *chunks, size_t n, size_t budget, size_t (*cost)(const h2r_chunk *, size_t),
                  size_t unit)
{
    size_t used = 0, end = 0;
    for (size_t i = 0; i != n; ++i) {
        if (!h2r_chunk_is_file(&chunks[i])) continue;
        used += cost(&chunks[i], unit);
        if (used > budget && end) return end;
        end = i + 1;
    }
    return n;
}

static size_t bytes_cost(const h2r_chunk *chunk, size_t unit)
{
    (void)unit;
    return chunk->len;
}

/* A range in a pipe takes one slot per page it touches. */
static size_t pages_cost(const h2r_chunk *chunk, size_t page_size)
{
    size_t head = (size_t)chunk->offset % page_size;
    return (head + chunk->len + page_size - 1) / page_size;
}

/* The copy path: reads into the bounce buffer, then one sendmsg. Returns the chunks used, 0 on no memory. */
static size_t plan_copy(struct send_batch *b, struct conn *c, const h2r_chunk *chunks, size_t n)
{
    size_t end = fit(chunks, n, CONN_FILE_BOUNCE, bytes_cost, 0);
    size_t need = 0;
    for (size_t i = 0; i != end; ++i)
        if (h2r_chunk_is_file(&chunks[i])) need += chunks[i].len;
    if (need > b->bounce_cap) {
        /* Only a frame larger than the usual bounce (a peer allowing big frames) grows it. */
        size_t cap = need > CONN_FILE_BOUNCE ? need : CONN_FILE_BOUNCE;
        uint8_t *grown = realloc(b->bounce, cap);
        if (!grown) return 0;
        b->bounce = grown;
        b->bounce_cap = cap;
    }
    size_t used = 0;
    for (size_t i = 0; i != end; ++i) {
        if (!h2r_chunk_is_file(&chunks[i])) {
            b->iov[i] = (struct iovec){.iov_base = (void *)chunks[i].base, .iov_len = chunks[i].len};
            continue;
        }
        struct send_step *read = h2r_send_batch_add(b, c, STEP_READ, chunks[i].len, i);
        read->fd = chunks[i].fd;
        read->offset = chunks[i].offset;
        read->buf = b->bounce + used;
        b->iov[i] = (struct iovec){.iov_base = b->bounce + used, .iov_len = chunks[i].len};
        used += chunks[i].len;
    }
    add_sendmsg(b, c, 0, end, 0);
    return end;
}

/* The splice path: every range into the pipe first, then the wire in order. Returns the chunks used. */
static size_t plan_splice(struct send_batch *b, struct conn *c, const h2r_chunk *chunks, size_t n)
{
    struct h2r_pipe *pipe = b->pipe;
    /* fit() always takes the first range: one that alone overfills the pipe would block it for good. */
    for (size_t i = 0; i != n; ++i) {
        if (!h2r_chunk_is_file(&chunks[i])) continue;
        if (pages_cost(&chunks[i], pipe->page_size) > pipe->pages) return 0;
        break;
    }
    size_t end = fit(chunks, n, pipe->pages, pages_cost, pipe->page_size);
    for (size_t i = 0; i != end; ++i) {
        if (!h2r_chunk_is_file(&chunks[i])) continue;
        struct send_step *in = h2r_send_batch_add(b, c, STEP_SPLICE_IN, chunks[i].len, i);
        in->fd = chunks[i].fd;
        in->offset = chunks[i].offset;
    }
    size_t run = 0; /* the first memory chunk not yet in a sendmsg */
    for (size_t i = 0; i != end; ++i) {
        if (!h2r_chunk_is_file(&chunks[i])) {
            b->iov[i] = (struct iovec){.iov_base = (void *)chunks[i].base, .iov_len = chunks[i].len};
            continue;
        }
        if (run != i) add_sendmsg(b, c, run, i, 1);
        run = i + 1;
        h2r_send_batch_add(b, c, STEP_SPLICE_OUT, chunks[i].len, i)->flags = i + 1 != end ? SPLICE_F_MORE : 0;
    }
    if (run != end) add_sendmsg(b, c, run, end, 0);
    return end;
}

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
    io_uring_sqe_set_data64(sqe, op_data(step, OP_SEND));
}

/*
 * A first batch has room for a few chunks; one that needs more grows to
 * what it needs. Most connections send a few frames at a time, and a batch
 * with room for a whole pull is 30 KiB: for a thousand connections opening
 * at once, 30 MB taken and given back, and jemalloc's bookkeeping of it
 * kept (bench idle1000).
 */
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
    c->pending_ops += b->step_count;
    c->send_in_flight = 1;
    c->last_send_ms = w->now_ms;
}

int h2r_send_batch_start(struct conn *c)
{
    if (c->tls) return h2r_tls_send_start(c);
    if (!c->session) return 0;
    h2r_chunk chunks[SEND_BATCH_CHUNKS];
    size_t n = h2r_session_pull(c->session, chunks, SEND_BATCH_CHUNKS);
    if (n == 0) return 0;
    /* On failure the chunks stay with the engine, which offers them again on the next pull. */
    struct send_batch *b = h2r_send_batch_prepare(c, n);
    if (!b) return 0;

    size_t file_bytes = 0, total = 0;
    for (size_t i = 0; i != n; ++i) {
        total += chunks[i].len;
        if (h2r_chunk_is_file(&chunks[i])) file_bytes += chunks[i].len;
    }
    if (total == 0) {
        /* Only payloads dropped by h2r_session_file_failed: nothing to write, they just go. */
        h2r_session_sent(c->session, 0);
        h2r_conn_mark_dirty(c);
        return 0;
    }
    size_t used = 0;
    size_t splice_min = c->worker->config->splice_min_bytes;
    if (splice_min && file_bytes >= splice_min && (b->pipe || (b->pipe = h2r_pipe_get(c->worker)))) {
        used = plan_splice(b, c, chunks, n);
        if (!used) {
            h2r_pipe_put(c->worker, b->pipe);
            b->pipe = NULL;
            b->step_count = 0;
        }
    }
    if (!used && !(used = plan_copy(b, c, chunks, n))) return 0;
    h2r_send_batch_submit(c);
    return 1;
}

/* Every step is back: tell the engine what was written, or what could not be read. */
static void batch_done(struct conn *c)
{
    if (c->tls) {
        h2r_tls_batch_done(c);
        return;
    }
    struct send_batch *b = c->batch;
    c->send_in_flight = 0;
    struct send_step *failed = NULL;
    size_t written = 0;
    for (unsigned i = 0; i != b->step_count && !failed; ++i) {
        struct send_step *step = &b->steps[i];
        if (step->res < 0 || (size_t)step->res != step->expect)
            failed = step;
        else if (step->kind == STEP_SEND || step->kind == STEP_SPLICE_OUT)
            written += step->expect;
    }
    if (b->pipe) {
        /* Empty again after a whole batch; otherwise it may still hold some of it. */
        if (failed)
            h2r_pipe_discard(b->pipe);
        else
            h2r_pipe_put(c->worker, b->pipe);
        b->pipe = NULL;
    }
    if (c->state == CONN_CLOSING) return;
    if (!failed) {
        h2r_session_sent(c->session, written);
    } else if (failed->kind == STEP_READ || failed->kind == STEP_SPLICE_IN) {
        /* Reads come before every write of the batch: nothing went out, and the frame can be cut. */
        if (h2r_session_file_failed(c->session, failed->chunk) == H2R_ERR_INVALID_STATE) {
            h2r_conn_close(c);
            return;
        }
    } else {
        /* MSG_WAITALL: a write ends short only when the connection failed. */
        h2r_conn_close(c);
        return;
    }
    h2r_conn_mark_dirty(c);
}

void h2r_send_batch_on_step(struct send_step *step, const struct io_uring_cqe *cqe)
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
        return;
    }
    if (!step->zero_copy) step->res = cqe->res;
    if (++c->batch->steps_done == c->batch->step_count) batch_done(c);
    h2r_conn_op_done(c);
}

void h2r_send_batch_release(struct conn *c)
{
    h2r_tls_release_buffers(c);
    struct send_batch *b = c->batch;
    if (!b) return;
    /* A pipe is only held while a batch is in flight, and then the batch is not released. */
    free(b->bounce);
    free(b);
    c->batch = NULL;
}
