/*
 * The runtime's private layout: workers and connections (see h2r_server.h).
 */
#ifndef H2R_IO_INTERNAL_H
#define H2R_IO_INTERNAL_H

#include <liburing.h>
#include <pthread.h>
#include <sys/uio.h>

#include "h2r_server.h"

/* What a completion is for: the low bits of its user_data (objects are 8-byte aligned). */
enum op_tag {
    OP_ACCEPT = 1,
    OP_RECV = 2,
    OP_SEND = 3,
    OP_CANCEL = 4, /* results of our cancellations: nothing to do */
    OP_TICK = 5,
    OP_WAKE = 6,
};
#define OP_TAG_MASK 7u

static inline uint64_t op_data(void *object, enum op_tag tag)
{
    return (uint64_t)(uintptr_t)object | tag;
}

/* How many chunks one sendmsg takes at most. */
#define CONN_IOV_MAX 64
/* Bytes of file ranges read per send on this (buffered) path: several DATA frames' worth. */
#define CONN_FILE_BOUNCE (256 * 1024)

struct worker;

struct conn {
    struct worker *worker;
    int fd;
    h2r_session *session;
    struct conn *prev, *next; /* the worker's connections */
    struct conn *dirty_next;  /* the worker's list to flush after this batch */
    uint8_t dirty;
    uint8_t recv_armed; /* a multishot recv is pending */
    uint8_t send_in_flight;
    uint8_t closing;      /* no more I/O: freed once its operations are back */
    uint8_t read_closed;  /* the peer closed or the socket failed: nothing more to read or send */
    uint8_t lingering;    /* the session is done and our FIN sent: input is dropped until the peer's FIN */
    unsigned pending_ops; /* submitted operations whose last completion has not come */
    uint64_t last_activity_ms;
    uint64_t linger_since_ms;
    uint64_t settings_pending_since_ms;
    struct msghdr msg;
    struct iovec *iov; /* CONN_IOV_MAX of them while the connection sends; idle ones hold none */
    uint8_t *bounce;   /* file bytes for the current send (buffered file path) */
};

struct worker {
    unsigned index;
    const h2r_server_config *config;
    pthread_t thread;
    struct io_uring ring;
    int listen_fd;
    int wake_fd; /* eventfd: the main thread's "shut down" */
    uint64_t wake_value;
    uint8_t accept_armed;
    uint8_t accept_paused; /* out of file descriptors: retried on the next tick */
    uint8_t shutting_down;
    uint8_t stopped;
    uint64_t shutdown_deadline_ms;
    uint64_t now_ms;
    struct __kernel_timespec tick;

    /* provided buffers for multishot recv */
    struct io_uring_buf_ring *buf_ring;
    uint8_t *buffers;
    unsigned buf_count, buf_size;

    struct conn *conns;
    struct conn *dirty;
    unsigned conn_count;
    int exit_status;
    int setup_error;    /* a negative errno if the worker could not start */
    uint8_t ring_ready; /* the ring exists and must be torn down */
    pthread_barrier_t *started;
};

/* worker.c */
void h2r_worker_prepare(struct worker *w, unsigned index, const h2r_server_config *config, int listen_fd,
                        pthread_barrier_t *started);
void *h2r_worker_main(void *arg);
void h2r_worker_return_buffer(struct worker *w, unsigned bid);
struct io_uring_sqe *h2r_worker_sqe(struct worker *w);

/* conn.c */
struct conn *h2r_conn_open(struct worker *w, int fd);
void h2r_conn_on_recv(struct conn *c, const struct io_uring_cqe *cqe);
void h2r_conn_on_send(struct conn *c, const struct io_uring_cqe *cqe);
void h2r_conn_mark_dirty(struct conn *c);
void h2r_conn_flush(struct conn *c);
void h2r_conn_close(struct conn *c);
void h2r_conn_op_done(struct conn *c);
void h2r_conn_arm_recv(struct conn *c);
void h2r_conn_check_timers(struct conn *c);

#endif
