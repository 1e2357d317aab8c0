/*
 * A worker's io_uring: setting it up (with the features this kernel has),
 * a submission slot whenever one is needed, and the provided buffers that
 * multishot receives fill.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "io_internal.h"

#define RING_ENTRIES 1024
/*
 * A power of two, as the buffer ring requires. Without incremental
 * consumption each recv touches at least a page of its own buffer, so the
 * count bounds that memory (1 MiB); running out only costs re-arming a recv.
 */
#define BUF_COUNT 256
#define BUF_SIZE  16384

struct io_uring_sqe *h2r_ring_sqe(struct worker *w)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
    if (sqe) return sqe;
    /* The submission queue is full: hand it to the kernel and take a fresh slot. */
    io_uring_submit(&w->ring);
    return io_uring_get_sqe(&w->ring);
}

void h2r_ring_connect(struct worker *w, int fd, const struct sockaddr *addr, socklen_t addr_len,
                      uint32_t timeout_ms, struct __kernel_timespec *timeout, uint64_t user_data)
{
    if (timeout_ms && io_uring_sq_space_left(&w->ring) < 2) io_uring_submit(&w->ring);
    struct io_uring_sqe *sqe = h2r_ring_sqe(w);
    io_uring_prep_connect(sqe, fd, addr, addr_len);
    io_uring_sqe_set_data64(sqe, user_data);
    if (!timeout_ms) return;
    sqe->flags |= IOSQE_IO_LINK;
    *timeout = (struct __kernel_timespec){.tv_sec = timeout_ms / 1000,
                                          .tv_nsec = (long long)(timeout_ms % 1000) * 1000000};
    sqe = h2r_ring_sqe(w);
    io_uring_prep_link_timeout(sqe, timeout, 0);
    io_uring_sqe_set_data64(sqe, op_user_data(w, OP_CANCEL));
}

/* SINGLE_ISSUER and DEFER_TASKRUN (Linux 6.1) keep completions on this thread; older kernels get a plain
 * ring. */
static int setup_queue(struct io_uring *ring)
{
    struct io_uring_params params = {.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                                              IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE,
                                     .cq_entries = RING_ENTRIES * 4};
    if (io_uring_queue_init_params(RING_ENTRIES, ring, &params) == 0) return 0;
    memset(&params, 0, sizeof(params));
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = RING_ENTRIES * 4;
    return io_uring_queue_init_params(RING_ENTRIES, ring, &params);
}

/*
 * Linux 6.12's incremental consumption. liburing 2.3's headers predate it,
 * and name the registration's flags field pad (it became flags in 6.4).
 */
#ifdef IOU_PBUF_RING_MMAP
#define BUF_REG_FLAGS flags
#else
#define BUF_REG_FLAGS pad
#endif
#ifndef IOU_PBUF_RING_INC
#define IOU_PBUF_RING_INC 2
#endif
#ifndef IORING_CQE_F_BUF_MORE
#define IORING_CQE_F_BUF_MORE (1U << 4)
#endif

static int register_buffer_ring(struct worker *w, void *ring_mem, uint16_t flags)
{
    struct io_uring_buf_reg reg = {.ring_addr = (uint64_t)(uintptr_t)ring_mem,
                                   .ring_entries = w->buf_count,
                                   .bgid = 0,
                                   .BUF_REG_FLAGS = flags};
    return io_uring_register_buf_ring(&w->ring, &reg, 0);
}

/*
 * liburing 2.3 has no io_uring_setup_buf_ring: map the ring ourselves and
 * register it. Where the kernel consumes buffers incrementally, a recv takes
 * only the bytes it needs and the next one continues in the same buffer:
 * a thousand idle clients' few bytes share a page or two instead of touching
 * a page of every buffer.
 */
static int setup_buffers(struct worker *w)
{
    w->buf_count = BUF_COUNT;
    w->buf_size = BUF_SIZE;
    size_t ring_bytes = w->buf_count * sizeof(struct io_uring_buf);
    void *ring_mem = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (ring_mem == MAP_FAILED) return -errno;
    w->buf_ring = ring_mem;
    w->buffers = malloc((size_t)w->buf_count * w->buf_size);
    if (!w->buffers) return -ENOMEM;
    io_uring_buf_ring_init(w->buf_ring);
    int err = register_buffer_ring(w, ring_mem, IOU_PBUF_RING_INC);
    if (err == 0) {
        w->buf_used = calloc(w->buf_count, sizeof(*w->buf_used));
        if (!w->buf_used) return -ENOMEM;
    } else if (err == -EINVAL) {
        err = register_buffer_ring(w, ring_mem, 0); /* before Linux 6.12: one recv, one buffer */
    }
    if (err) return err;
    for (unsigned i = 0; i != w->buf_count; ++i)
        io_uring_buf_ring_add(w->buf_ring, w->buffers + (size_t)i * w->buf_size, w->buf_size,
                              (unsigned short)i, io_uring_buf_ring_mask(w->buf_count), (int)i);
    io_uring_buf_ring_advance(w->buf_ring, (int)w->buf_count);
    return 0;
}

const uint8_t *h2r_ring_recv_data(const struct worker *w, const struct io_uring_cqe *cqe)
{
    unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    return w->buffers + (size_t)bid * w->buf_size + (w->buf_used ? w->buf_used[bid] : 0);
}

void h2r_ring_recv_consumed(struct worker *w, const struct io_uring_cqe *cqe)
{
    unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    if (w->buf_used) {
        /* No bytes taken leaves the buffer where it was, the kernel's. */
        if (cqe->res <= 0) return;
        if (cqe->flags & IORING_CQE_F_BUF_MORE) {
            /* The kernel goes on filling it: the next completion of this bid starts here. */
            w->buf_used[bid] += (uint32_t)cqe->res;
            return;
        }
        w->buf_used[bid] = 0;
    }
    io_uring_buf_ring_add(w->buf_ring, w->buffers + (size_t)bid * w->buf_size, w->buf_size,
                          (unsigned short)bid, io_uring_buf_ring_mask(w->buf_count), 0);
    io_uring_buf_ring_advance(w->buf_ring, 1);
}

/* Zero-copy sends if asked for and the kernel has them (Linux 6.1); otherwise copies, said once. */
static void setup_send_zc(struct worker *w)
{
    if (!w->config->send_zc_min_bytes) return;
    struct io_uring_probe *probe = io_uring_get_probe_ring(&w->ring);
    if (probe && io_uring_opcode_supported(probe, IORING_OP_SENDMSG_ZC))
        w->send_zc_min = w->config->send_zc_min_bytes;
    else if (w->index == 0)
        fprintf(stderr, "h2ring: this kernel has no io_uring zero-copy send: sends copy\n");
    io_uring_free_probe(probe);
}

int h2r_ring_setup(struct worker *w)
{
    int err = setup_queue(&w->ring);
    if (err) return err;
    w->ring_ready = 1;
    setup_send_zc(w);
    return setup_buffers(w);
}

void h2r_ring_free(struct worker *w)
{
    if (w->ring_ready) io_uring_queue_exit(&w->ring);
    free(w->buffers);
    free(w->buf_used);
}
