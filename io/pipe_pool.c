/*
 * A worker's pipes for the splice path (see send_batch.c): file pages go
 * into a pipe and from there to the socket without a copy. A pipe is only
 * busy while a batch is in flight, so a handful per worker serve every
 * connection; one that may still hold bytes (a batch that failed half-way)
 * is closed rather than reused.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "io_internal.h"

/* What we ask for: a batch's file ranges fit at once (the default 64 KiB would cut batches to 16 pages). */
#define PIPE_WANTED_BYTES (1024 * 1024)
/* Idle pipes kept per worker; more are closed when given back. */
#define PIPE_POOL_KEEP 16

struct h2r_pipe *h2r_pipe_get(struct worker *w)
{
    struct h2r_pipe *p = w->free_pipes;
    if (p) {
        w->free_pipes = p->next;
        --w->free_pipe_count;
        return p;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return NULL;
    p = malloc(sizeof(*p));
    if (!p) {
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    p->read_fd = fds[0];
    p->write_fd = fds[1];
    /* Unprivileged users may be held to less (fs.pipe-max-size, pipe-user-pages-soft): take what we get. */
    for (int size = PIPE_WANTED_BYTES; size > 65536; size /= 4)
        if (fcntl(p->write_fd, F_SETPIPE_SZ, size) >= 0) break;
    int size = fcntl(p->write_fd, F_GETPIPE_SZ);
    p->page_size = (size_t)sysconf(_SC_PAGESIZE);
    p->pages = (size_t)(size > 0 ? size : 65536) / p->page_size;
    return p;
}

void h2r_pipe_put(struct worker *w, struct h2r_pipe *p)
{
    if (w->free_pipe_count == PIPE_POOL_KEEP) {
        h2r_pipe_discard(p);
        return;
    }
    p->next = w->free_pipes;
    w->free_pipes = p;
    ++w->free_pipe_count;
}

void h2r_pipe_discard(struct h2r_pipe *p)
{
    close(p->read_fd);
    close(p->write_fd);
    free(p);
}

void h2r_pipe_pool_free(struct worker *w)
{
    while (w->free_pipes) {
        struct h2r_pipe *p = w->free_pipes;
        w->free_pipes = p->next;
        h2r_pipe_discard(p);
    }
    w->free_pipe_count = 0;
}
