/*
 * A worker's open files (see h2ring/file.h): opened, stat'ed and (when small)
 * read through the ring, then shared by every response of the worker that
 * asks for the same path within a second. Responses that arrive while the
 * file is being opened wait on the entry; an entry stays alive while a
 * response still sends from it, even after it left the table.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "io_internal.h"

/* How long an open file is trusted: a changed or deleted file is seen within this time. */
#define FILE_TTL_MS 1000
/* Files up to this size are read once and served from memory (no read per response). */
#define FILE_SMALL_MAX (64 * 1024)
#define FILE_BUCKETS   256 /* a power of two */
/* Beyond this many entries, new files are opened for one response and not kept. */
#define FILE_CACHE_MAX 1024

/* What a request gets when no entry could be made for it. */
static struct file_entry out_of_memory = {.stage = FILE_READY, .error = -ENOMEM, .fd = -1};

static uint32_t hash_key(int dir_fd, int beneath, const char *path)
{
    uint32_t h = 2166136261u ^ (uint32_t)dir_fd ^ ((uint32_t)beneath << 31); /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)path; *p; ++p) h = (h ^ *p) * 16777619u;
    return h;
}

static void entry_unref(struct file_entry *e)
{
    if (--e->refs) return;
    if (e->owns_fd && e->fd >= 0) close(e->fd);
    free(e->data);
    free(e->path);
    free(e);
}

void h2r_file_entry_release(void *entry, const void *data, size_t len)
{
    (void)data, (void)len;
    entry_unref(entry);
}

/* Takes the entry out of the table; responses still sending from it keep it alive. */
static void uncache(struct file_entry *e)
{
    struct worker *w = e->worker;
    struct file_entry **link = &w->file_buckets[e->hash & (FILE_BUCKETS - 1)];
    while (*link != e) link = &(*link)->hash_next;
    *link = e->hash_next;
    e->cached = 0;
    --w->file_count;
    entry_unref(e);
}

static void submit(struct file_entry *e, struct io_uring_sqe *sqe)
{
    io_uring_sqe_set_data64(sqe, op_user_data(e, OP_FILE));
}

static void start_stat(struct file_entry *e)
{
    e->stage = FILE_STATING;
    struct io_uring_sqe *sqe = h2r_ring_sqe(e->worker);
    io_uring_prep_statx(sqe, e->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &e->stx);
    submit(e, sqe);
}

/* Open, stat (and read) are done, or one failed: every waiting response goes on. */
static void finish(struct file_entry *e)
{
    e->stage = FILE_READY;
    e->expires_ms = e->worker->now_ms + FILE_TTL_MS;
    ++e->refs; /* the waiters' callbacks may drop the table's reference */
    /* Failures are not kept: the next request tries again. */
    if (e->error && e->cached) uncache(e);
    while (e->waiters) {
        struct file_waiter *waiter = e->waiters;
        e->waiters = waiter->next;
        waiter->ready(waiter, e);
    }
    e->waiters_tail = NULL;
    if (e->temporary) {
        /* Its opening's reference: now only the responses sending from it hold it. */
        e->temporary = 0;
        --e->refs;
    }
    entry_unref(e);
}

static void stat_done(struct file_entry *e)
{
    const struct statx *x = &e->stx;
    e->st = (struct stat){
        .st_dev = makedev(x->stx_dev_major, x->stx_dev_minor),
        .st_ino = x->stx_ino,
        .st_mode = x->stx_mode,
        .st_nlink = x->stx_nlink,
        .st_uid = x->stx_uid,
        .st_gid = x->stx_gid,
        .st_size = (off_t)x->stx_size,
        .st_blksize = x->stx_blksize,
        .st_blocks = (blkcnt_t)x->stx_blocks,
        .st_atim = {x->stx_atime.tv_sec, x->stx_atime.tv_nsec},
        .st_mtim = {x->stx_mtime.tv_sec, x->stx_mtime.tv_nsec},
        .st_ctim = {x->stx_ctime.tv_sec, x->stx_ctime.tv_nsec},
    };
    /* Kept in memory only when it belongs to the cache: an application's fd may change under us. */
    if (e->path && S_ISREG(e->st.st_mode) && e->st.st_size > 0 && e->st.st_size <= FILE_SMALL_MAX &&
        (e->data = malloc((size_t)e->st.st_size))) {
        e->stage = FILE_READING;
        struct io_uring_sqe *sqe = h2r_ring_sqe(e->worker);
        io_uring_prep_read(sqe, e->fd, e->data, (unsigned)e->st.st_size, 0);
        submit(e, sqe);
        return;
    }
    finish(e);
}

void h2r_file_entry_on_cqe(struct file_entry *e, const struct io_uring_cqe *cqe)
{
    switch (e->stage) {
    case FILE_OPENING:
        if (cqe->res < 0) {
            e->error = cqe->res;
            finish(e);
        } else {
            e->fd = cqe->res;
            e->owns_fd = 1;
            start_stat(e);
        }
        break;
    case FILE_STATING:
        if (cqe->res < 0) {
            e->error = cqe->res;
            finish(e);
        } else {
            stat_done(e);
        }
        break;
    case FILE_READING:
        if (cqe->res < 0) {
            /* Served from the file instead, where the error will show if it lasts. */
            free(e->data);
            e->data = NULL;
        } else if (cqe->res < e->st.st_size) {
            e->st.st_size = cqe->res; /* it shrank since the stat: send what was there */
        }
        finish(e);
        break;
    case FILE_READY: break;
    }
}

static struct file_entry *entry_new(struct worker *w, int fd)
{
    struct file_entry *e = calloc(1, sizeof(*e));
    if (!e) return NULL;
    e->worker = w;
    e->fd = fd;
    e->refs = 1; /* the table's, or the opening's for a temporary one */
    return e;
}

static void wait_for(struct file_entry *e, struct file_waiter *waiter)
{
    waiter->next = NULL;
    if (e->waiters_tail)
        e->waiters_tail->next = waiter;
    else
        e->waiters = waiter;
    e->waiters_tail = waiter;
}

void h2r_file_cache_open(struct worker *w, int dir_fd, int beneath, const char *path,
                         struct file_waiter *waiter)
{
    if (!w->file_buckets && !(w->file_buckets = calloc(FILE_BUCKETS, sizeof(*w->file_buckets)))) {
        waiter->ready(waiter, &out_of_memory);
        return;
    }
    uint32_t hash = hash_key(dir_fd, beneath, path);
    struct file_entry *e = w->file_buckets[hash & (FILE_BUCKETS - 1)];
    while (e &&
           !(e->hash == hash && e->dir_fd == dir_fd && e->beneath == beneath && strcmp(e->path, path) == 0))
        e = e->hash_next;
    if (e && e->stage == FILE_READY && w->now_ms >= e->expires_ms) {
        uncache(e);
        e = NULL;
    }
    if (e && e->stage == FILE_READY) {
        ++e->refs; /* the callback may be the one to expire it */
        waiter->ready(waiter, e);
        entry_unref(e);
        return;
    }
    if (e) {
        wait_for(e, waiter);
        return;
    }

    if (!(e = entry_new(w, -1)) || !(e->path = strdup(path))) {
        if (e) entry_unref(e);
        waiter->ready(waiter, &out_of_memory);
        return;
    }
    e->dir_fd = dir_fd;
    e->beneath = beneath;
    e->hash = hash;
    if (w->file_count < FILE_CACHE_MAX) {
        e->cached = 1;
        e->hash_next = w->file_buckets[hash & (FILE_BUCKETS - 1)];
        w->file_buckets[hash & (FILE_BUCKETS - 1)] = e;
        ++w->file_count;
    } else {
        e->temporary = 1;
    }
    wait_for(e, waiter);
    e->how = (struct open_how){.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
                               .resolve = beneath ? RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS : 0};
    struct io_uring_sqe *sqe = h2r_ring_sqe(w);
    io_uring_prep_openat2(sqe, dir_fd, e->path, &e->how);
    submit(e, sqe);
}

void h2r_file_cache_stat_fd(struct worker *w, int fd, struct file_waiter *waiter)
{
    /*
     * A descriptor of our own: the stream closes, and the application may
     * close its fd, as soon as the last frame is queued, before the range
     * that frame carries has been read.
     */
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0) {
        struct file_entry failed = {.stage = FILE_READY, .error = -errno, .fd = -1};
        waiter->ready(waiter, &failed);
        return;
    }
    struct file_entry *e = entry_new(w, own);
    if (!e) {
        close(own);
        waiter->ready(waiter, &out_of_memory);
        return;
    }
    e->owns_fd = 1;
    e->temporary = 1;
    wait_for(e, waiter);
    start_stat(e);
}

void h2r_file_cache_sweep(struct worker *w)
{
    if (!w->file_buckets) return;
    for (unsigned i = 0; i != FILE_BUCKETS; ++i) {
        for (struct file_entry *e = w->file_buckets[i], *next; e; e = next) {
            next = e->hash_next;
            if (e->stage == FILE_READY && w->now_ms >= e->expires_ms) uncache(e);
        }
    }
}

void h2r_file_cache_free(struct worker *w)
{
    if (!w->file_buckets) return;
    for (unsigned i = 0; i != FILE_BUCKETS; ++i)
        while (w->file_buckets[i]) uncache(w->file_buckets[i]);
    free(w->file_buckets);
    w->file_buckets = NULL;
}
