/*
 * The cleartext transport: received bytes are the session's as they are,
 * after the first ones told the protocol (when HTTP/1.1 is allowed), and
 * a send is what one pull from the engine handed out, written whole or
 * not at all.
 *
 * File ranges are read before any byte of the batch goes out, so that a
 * file that cannot be read (it shrank, an I/O error) costs its stream only
 * (h2r_session_file_failed), never the connection:
 * - the copy path reads them into a bounce buffer (IORING_OP_READ), then
 *   one sendmsg writes the batch;
 * - the splice path moves them into a pipe (IORING_OP_SPLICE: page
 *   references, no copy), then writes the memory chunks with sendmsg and
 *   the pipe's contents with splice, in wire order.
 * The splice path is taken from h2r_server_config.splice_min_bytes of file
 * data in a batch (off by default: see there why).
 */
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

static enum transport_event cleartext_open(struct conn *c)
{
    /* A server detects the protocol unless it serves HTTP/2 alone; a client knows what it speaks. */
    return c->side->cleartext_start;
}

/*
 * With allow_http1, the first bytes say which protocol this is: the HTTP/2
 * preface or an HTTP/1 request line. Anything else is an invalid HTTP/2
 * preface, which the HTTP/2 session answers with GOAWAY PROTOCOL_ERROR
 * (RFC 9113 §3.4). The bytes are gathered until then, and the session gets
 * them all once it is made.
 */
static enum transport_event detect_protocol(struct conn *c, struct byte_span *in, struct byte_span *plain)
{
    if (c->session) {
        /* Decided: the session gets everything gathered, the last bytes included; then they go. */
        if (c->detect.len) {
            *plain = (struct byte_span){.data = c->detect.bytes, .len = c->detect.len};
            c->detect.len = 0;
            return TRANSPORT_PLAINTEXT;
        }
        free(c->detect.bytes);
        c->detect.bytes = NULL;
        return TRANSPORT_WAIT;
    }
    uint8_t *grown = realloc(c->detect.bytes, c->detect.len + in->len);
    if (!grown) return TRANSPORT_FAILED;
    c->detect.bytes = grown;
    memcpy(c->detect.bytes + c->detect.len, in->data, in->len);
    c->detect.len += in->len;
    in->len = 0;
    enum h2r_detected_protocol kind = h2r_detect_protocol(c->detect.bytes, c->detect.len);
    if (kind == H2R_DETECT_NEED_MORE) return TRANSPORT_WAIT;
    return kind == H2R_DETECT_HTTP1 ? TRANSPORT_HTTP1 : TRANSPORT_HTTP2;
}

static enum transport_event cleartext_read(struct conn *c, struct byte_span *in, uint8_t *buf,
                                           struct byte_span *plain)
{
    (void)buf;
    if (!c->session || c->detect.bytes) return detect_protocol(c, in, plain);
    *plain = *in;
    in->len = 0;
    return TRANSPORT_PLAINTEXT_LAST;
}

/*
 * How many of the n chunks fit, when file ranges may take `budget` units in
 * all (cost() of each): a batch that cannot take everything ends right after
 * a file range, so that a frame header never goes out in one batch with its
 * payload left to read in the next. The first range is always taken.
 */
static size_t chunks_within(const h2r_chunk *chunks, size_t n, size_t budget,
                            size_t (*cost)(const h2r_chunk *, size_t), size_t unit)
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
    size_t end = chunks_within(chunks, n, CONN_FILE_BOUNCE, bytes_cost, 0);
    size_t need = 0;
    for (size_t i = 0; i != end; ++i)
        if (h2r_chunk_is_file(&chunks[i])) need += chunks[i].len;
    /* Only a frame larger than the usual bounce (a peer allowing big frames) grows it further. */
    if (h2r_bytes_reserve(&b->bounce, &b->bounce_cap, need, CONN_FILE_BOUNCE)) return 0;
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
    h2r_send_batch_add_sendmsg(b, c, 0, end, 0);
    return end;
}

/* The splice path: every range into the pipe first, then the wire in order. Returns the chunks used. */
static size_t plan_splice(struct send_batch *b, struct conn *c, const h2r_chunk *chunks, size_t n)
{
    struct h2r_pipe *pipe = b->pipe;
    /* chunks_within() always takes the first range: one that alone overfills the pipe would block it. */
    for (size_t i = 0; i != n; ++i) {
        if (!h2r_chunk_is_file(&chunks[i])) continue;
        if (pages_cost(&chunks[i], pipe->page_size) > pipe->pages) return 0;
        break;
    }
    size_t end = chunks_within(chunks, n, pipe->pages, pages_cost, pipe->page_size);
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
        if (run != i) h2r_send_batch_add_sendmsg(b, c, run, i, 1);
        run = i + 1;
        h2r_send_batch_add(b, c, STEP_SPLICE_OUT, chunks[i].len, i)->flags = i + 1 != end ? SPLICE_F_MORE : 0;
    }
    if (run != end) h2r_send_batch_add_sendmsg(b, c, run, end, 0);
    return end;
}

static enum transport_send cleartext_send_start(struct conn *c)
{
    if (!c->session) return SEND_IDLE;
    h2r_chunk chunks[SEND_BATCH_CHUNKS];
    size_t n = h2r_session_pull(c->session, chunks, SEND_BATCH_CHUNKS);
    if (n == 0) return SEND_IDLE;
    /* On failure the chunks stay with the engine, which offers them again on the next pull. */
    struct send_batch *b = h2r_send_batch_prepare(c, n);
    if (!b) return SEND_IDLE;

    size_t file_bytes = 0, total = 0;
    for (size_t i = 0; i != n; ++i) {
        total += chunks[i].len;
        if (h2r_chunk_is_file(&chunks[i])) file_bytes += chunks[i].len;
    }
    if (total == 0) {
        /* Only payloads dropped by h2r_session_file_failed: nothing to write, they just go. */
        h2r_session_sent(c->session, 0);
        return SEND_AGAIN;
    }
    size_t used = 0;
    size_t splice_min = c->side->splice_min_bytes;
    if (splice_min && file_bytes >= splice_min && (b->pipe || (b->pipe = h2r_pipe_get(c->worker)))) {
        used = plan_splice(b, c, chunks, n);
        if (!used) {
            h2r_pipe_put(c->worker, b->pipe);
            b->pipe = NULL;
            b->step_count = 0;
        }
    }
    if (!used && !(used = plan_copy(b, c, chunks, n))) return SEND_IDLE;
    h2r_send_batch_submit(c);
    return SEND_IN_FLIGHT;
}

/* Tells the engine what was written, or what could not be read. */
static enum transport_send cleartext_send_done(struct conn *c)
{
    const struct send_step *failed = c->batch->failed;
    if (!failed) {
        h2r_session_sent(c->session, c->batch->written);
        return SEND_AGAIN;
    }
    if (failed->kind == STEP_READ || failed->kind == STEP_SPLICE_IN) {
        /* Reads come before every write of the batch: nothing went out, and the frame can be cut. */
        return h2r_session_file_failed(c->session, failed->chunk) == H2R_ERR_INVALID_STATE ? SEND_FAILED
                                                                                           : SEND_AGAIN;
    }
    /* MSG_WAITALL: a write ends short only when the connection failed. */
    return SEND_FAILED;
}

static int cleartext_close(struct conn *c)
{
    (void)c;
    return 0;
}

static void cleartext_nothing(struct conn *c)
{
    (void)c;
}

static void cleartext_free(struct conn *c)
{
    free(c->detect.bytes);
}

const struct transport h2r_cleartext_transport = {
    .scheme = "http",
    .open = cleartext_open,
    .read = cleartext_read,
    .send_start = cleartext_send_start,
    .send_done = cleartext_send_done,
    .close = cleartext_close,
    .handshake_timeout = cleartext_nothing,
    .release_buffers = cleartext_nothing,
    .free = cleartext_free,
};
