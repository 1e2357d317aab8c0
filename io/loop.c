/*
 * A worker's loop for the application (h2ring/loop.h): timers, posts from
 * other threads, watched descriptors. Timers sit in a binary heap; one
 * ring timeout (absolute, CLOCK_MONOTONIC) wakes the loop for the
 * earliest, so they fire to the millisecond.
 * Posts go through a mutex-protected queue, and wake the ring through an
 * eventfd it reads only when the queue was empty. Watches are one-shot
 * polls re-armed after each callback: a multishot poll reports wakeups,
 * not readiness, so level-triggered behaviour needs that check anyway.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "io_internal.h"

#define NS_PER_MS 1000000u
/* Delays beyond this (some 290 years) wait this long: due times stay far from overflowing. */
#define MAX_DELAY_MS (UINT64_MAX / 2 / NS_PER_MS)

uint64_t h2r_loop_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int on_loop_thread(const struct h2r_loop *loop)
{
    return pthread_equal(pthread_self(), loop->thread);
}

int h2r_loop_in_thread(const h2r_loop *loop)
{
    return on_loop_thread(loop);
}

void h2r_loop_prepare(struct h2r_loop *loop, struct worker *w)
{
    loop->worker = w;
    loop->wake_fd = -1;
    pthread_mutex_init(&loop->post_lock, NULL);
}

int h2r_loop_init(struct h2r_loop *loop)
{
    loop->thread = pthread_self();
    loop->now_ns = h2r_loop_clock_ns();
    loop->wake_fd = eventfd(0, EFD_CLOEXEC);
    return loop->wake_fd < 0 ? -errno : 0;
}

void h2r_loop_arm_wake(struct h2r_loop *loop)
{
    struct io_uring_sqe *sqe = h2r_ring_sqe(loop->worker);
    io_uring_prep_read(sqe, loop->wake_fd, &loop->wake_value, sizeof(loop->wake_value), 0);
    io_uring_sqe_set_data64(sqe, op_user_data(loop, OP_WAKE));
}

void h2r_loop_wake(struct h2r_loop *loop)
{
    uint64_t one = 1;
    if (write(loop->wake_fd, &one, sizeof(one)) < 0) perror("h2ring: eventfd write");
}

int h2r_loop_wait(struct h2r_loop *loop)
{
    /*
     * One ring timeout at the earliest timer's due time (there is always
     * one: the runtime's tick). Armed again only once the last one has
     * passed, or for a timer due sooner; one it overtakes still fires, and
     * only wakes the loop once.
     */
    uint64_t due = loop->heap[0]->due_ns;
    if (loop->armed_ns <= loop->now_ns || due < loop->armed_ns) {
        loop->armed_ts = (struct __kernel_timespec){.tv_sec = (long long)(due / 1000000000u),
                                                    .tv_nsec = (long long)(due % 1000000000u)};
        struct io_uring_sqe *sqe = h2r_ring_sqe(loop->worker);
        io_uring_prep_timeout(sqe, &loop->armed_ts, 0, IORING_TIMEOUT_ABS);
        io_uring_sqe_set_data64(sqe, op_user_data(loop, OP_CANCEL));
        loop->armed_ns = due;
    }
    int err = io_uring_submit_and_wait(&loop->worker->ring, 1);
    loop->now_ns = h2r_loop_clock_ns();
    return err < 0 ? err : 0;
}

/* ---- timers: a binary heap on (due_ns, seq) ---- */

static int timer_before(const struct h2r_timer *a, const struct h2r_timer *b)
{
    return a->due_ns != b->due_ns ? a->due_ns < b->due_ns : a->seq < b->seq;
}

static void heap_place(struct h2r_loop *loop, struct h2r_timer *t, uint32_t slot)
{
    loop->heap[slot] = t;
    t->slot = slot;
}

/* Moves the timer at slot up or down to where it belongs. */
static void heap_fix(struct h2r_loop *loop, uint32_t slot)
{
    struct h2r_timer *t = loop->heap[slot];
    while (slot && timer_before(t, loop->heap[(slot - 1) / 2])) {
        heap_place(loop, loop->heap[(slot - 1) / 2], slot);
        slot = (slot - 1) / 2;
    }
    for (uint32_t child; (child = 2 * slot + 1) < loop->timer_count; slot = child) {
        if (child + 1 < loop->timer_count && timer_before(loop->heap[child + 1], loop->heap[child])) ++child;
        if (!timer_before(loop->heap[child], t)) break;
        heap_place(loop, loop->heap[child], slot);
    }
    heap_place(loop, t, slot);
}

static void heap_remove(struct h2r_loop *loop, struct h2r_timer *t)
{
    struct h2r_timer *last = loop->heap[--loop->timer_count];
    if (last == t) return;
    heap_place(loop, last, t->slot);
    heap_fix(loop, last->slot);
}

/* Queues t to run delay_ms from now: after the timers queued before it that are due at the same time. */
static void timer_queue(struct h2r_loop *loop, struct h2r_timer *t, uint64_t now, uint64_t delay_ms)
{
    t->due_ns = now + (delay_ms < MAX_DELAY_MS ? delay_ms : MAX_DELAY_MS) * NS_PER_MS;
    t->seq = loop->next_seq++;
    heap_place(loop, t, loop->timer_count++);
    heap_fix(loop, t->slot);
}

int h2r_timer_start(h2r_loop *loop, uint64_t delay_ms, uint64_t repeat_ms, h2r_timer_cb cb, void *ctx,
                    h2r_timer **timer)
{
    if (timer) *timer = NULL;
    if (!cb) return H2R_ERR_INVALID_ARGUMENT;
    if (!on_loop_thread(loop)) return H2R_ERR_WRONG_THREAD;
    if (loop->stopped) return H2R_ERR_SESSION_CLOSED;
    if (loop->timer_count == loop->heap_cap) {
        uint32_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
        struct h2r_timer **heap = realloc(loop->heap, cap * sizeof(*heap));
        if (!heap) return H2R_ERR_NOMEM;
        loop->heap = heap;
        loop->heap_cap = cap;
    }
    struct h2r_timer *t = malloc(sizeof(*t));
    if (!t) return H2R_ERR_NOMEM;
    *t = (struct h2r_timer){.loop = loop,
                            .repeat_ns = (repeat_ms < MAX_DELAY_MS ? repeat_ms : MAX_DELAY_MS) * NS_PER_MS,
                            .cb = cb,
                            .ctx = ctx};
    /* The clock now, not the turn's start: a timer started late in a long turn must not fire early. */
    timer_queue(loop, t, h2r_loop_clock_ns(), delay_ms);
    if (timer) *timer = t;
    return 0;
}

int h2r_timer_stop(h2r_timer *t)
{
    if (!on_loop_thread(t->loop)) return H2R_ERR_WRONG_THREAD;
    /* A one-shot timer whose callback runs is out of the heap already, and freed when it returns. */
    if (t->slot == TIMER_RUNNING) return 0;
    heap_remove(t->loop, t);
    free(t);
    return 0;
}

void h2r_loop_run_due_timers(struct h2r_loop *loop)
{
    uint64_t now = loop->now_ns;
    /* Timers queued from the callbacks (next_seq and beyond) wait for the next turn, even if due. */
    uint64_t queued_before = loop->next_seq;
    while (loop->timer_count && loop->heap[0]->due_ns <= now && loop->heap[0]->seq < queued_before) {
        struct h2r_timer *t = loop->heap[0];
        loop->app_ran = 1;
        if (t->repeat_ns) {
            /* Queued again before its callback, which may stop (and free) it; missed runs are skipped. */
            uint64_t next = t->due_ns + t->repeat_ns;
            t->due_ns = next > now ? next : now + t->repeat_ns;
            t->seq = loop->next_seq++;
            heap_fix(loop, 0);
            t->cb(t, t->ctx);
        } else {
            heap_remove(loop, t);
            t->slot = TIMER_RUNNING;
            t->cb(t, t->ctx);
            free(t);
        }
    }
}

/* ---- posts ---- */

int h2r_loop_post(h2r_loop *loop, void (*fn)(void *ctx), void *ctx)
{
    if (!fn) return H2R_ERR_INVALID_ARGUMENT;
    struct loop_post *post = malloc(sizeof(*post));
    if (!post) return H2R_ERR_NOMEM;
    *post = (struct loop_post){.fn = fn, .ctx = ctx};
    pthread_mutex_lock(&loop->post_lock);
    int stopped = loop->stopped, first = !loop->posts;
    if (!stopped) {
        if (loop->posts_tail)
            loop->posts_tail->next = post;
        else
            loop->posts = post;
        loop->posts_tail = post;
    }
    pthread_mutex_unlock(&loop->post_lock);
    if (stopped) {
        free(post);
        return H2R_ERR_SESSION_CLOSED;
    }
    /* A queue that was not empty has its wake on the way: the loop takes the whole queue at once. */
    if (first) h2r_loop_wake(loop);
    return 0;
}

/* Runs the posts queued so far; with stop, refuses those to come. */
static void run_posts(struct h2r_loop *loop, int stop)
{
    pthread_mutex_lock(&loop->post_lock);
    struct loop_post *post = loop->posts;
    loop->posts = loop->posts_tail = NULL;
    if (stop) loop->stopped = 1;
    pthread_mutex_unlock(&loop->post_lock);
    if (post) loop->app_ran = 1;
    while (post) {
        struct loop_post *next = post->next;
        post->fn(post->ctx);
        free(post);
        post = next;
    }
}

void h2r_loop_on_wake(struct h2r_loop *loop)
{
    run_posts(loop, 0);
    h2r_loop_arm_wake(loop);
}

/* ---- watches ---- */

static void watch_arm(struct h2r_watch *watch)
{
    struct io_uring_sqe *sqe = h2r_ring_sqe(watch->loop->worker);
    unsigned mask = (watch->events & H2R_WATCH_READABLE ? POLLIN : 0) |
                    (watch->events & H2R_WATCH_WRITABLE ? POLLOUT : 0);
    io_uring_prep_poll_add(sqe, watch->fd, mask);
    io_uring_sqe_set_data64(sqe, op_user_data(watch, OP_WATCH));
    watch->armed = 1;
}

/* Takes the watch's poll back: its completion comes with -ECANCELED (or with what it saw, if first). */
static void watch_disarm(struct h2r_watch *watch)
{
    struct io_uring_sqe *sqe = h2r_ring_sqe(watch->loop->worker);
    io_uring_prep_poll_remove(sqe, op_user_data(watch, OP_WATCH));
    io_uring_sqe_set_data64(sqe, op_user_data(watch, OP_CANCEL));
}

static void watch_free(struct h2r_watch *watch)
{
    if (watch->prev)
        watch->prev->next = watch->next;
    else
        watch->loop->watches = watch->next;
    if (watch->next) watch->next->prev = watch->prev;
    free(watch);
}

static int events_valid(unsigned events)
{
    return !(events & ~(unsigned)(H2R_WATCH_READABLE | H2R_WATCH_WRITABLE));
}

int h2r_watch_start(h2r_loop *loop, int fd, unsigned events, h2r_watch_cb cb, void *ctx, h2r_watch **watch)
{
    if (watch) *watch = NULL;
    if (fd < 0 || !events_valid(events) || !cb) return H2R_ERR_INVALID_ARGUMENT;
    if (!on_loop_thread(loop)) return H2R_ERR_WRONG_THREAD;
    if (loop->stopped) return H2R_ERR_SESSION_CLOSED;
    struct h2r_watch *w = malloc(sizeof(*w));
    if (!w) return H2R_ERR_NOMEM;
    *w = (struct h2r_watch){
        .loop = loop, .next = loop->watches, .cb = cb, .ctx = ctx, .fd = fd, .events = events};
    if (loop->watches) loop->watches->prev = w;
    loop->watches = w;
    if (events) watch_arm(w);
    if (watch) *watch = w;
    return 0;
}

int h2r_watch_update(h2r_watch *watch, unsigned events)
{
    if (!events_valid(events)) return H2R_ERR_INVALID_ARGUMENT;
    if (!on_loop_thread(watch->loop)) return H2R_ERR_WRONG_THREAD;
    if (events == watch->events && !watch->paused) return 0;
    watch->events = events;
    watch->paused = 0;
    /* From the callback, the poll is armed again when it returns; an armed one comes back to be re-armed. */
    if (watch->running) return 0;
    if (watch->armed)
        watch_disarm(watch);
    else if (events)
        watch_arm(watch);
    return 0;
}

int h2r_watch_stop(h2r_watch *watch)
{
    if (!on_loop_thread(watch->loop)) return H2R_ERR_WRONG_THREAD;
    if (watch->stopped) return 0;
    watch->stopped = 1;
    if (watch->armed)
        watch_disarm(watch);
    else if (!watch->running)
        watch_free(watch);
    return 0;
}

/* What the application hears of a poll's result: an error or a hang-up also readies what it watches. */
static unsigned watch_revents(const struct h2r_watch *watch, int res)
{
    if (res < 0) return H2R_WATCH_ERROR;
    unsigned revents = (res & POLLIN ? H2R_WATCH_READABLE : 0) | (res & POLLOUT ? H2R_WATCH_WRITABLE : 0);
    if (res & (POLLERR | POLLHUP | POLLNVAL)) revents |= H2R_WATCH_ERROR | watch->events;
    return revents & (watch->events | H2R_WATCH_ERROR);
}

void h2r_loop_on_watch(struct h2r_watch *watch, const struct io_uring_cqe *cqe)
{
    watch->armed = 0;
    if (watch->stopped) {
        if (!watch->running) watch_free(watch);
        return;
    }
    /* Taken back by h2r_watch_update: armed again below for what is watched now. */
    unsigned revents = cqe->res == -ECANCELED ? 0 : watch_revents(watch, cqe->res);
    if (revents) {
        /* A descriptor that cannot be polled would fail every poll: the watch waits for an update. */
        if (cqe->res < 0) watch->paused = 1;
        watch->loop->app_ran = 1;
        watch->running = 1;
        watch->cb(watch, revents, watch->ctx);
        watch->running = 0;
        if (watch->stopped) {
            watch_free(watch);
            return;
        }
    }
    if (watch->events && !watch->paused && !watch->armed) watch_arm(watch);
}

/* ---- the end ---- */

int h2r_loop_has_pending(const struct h2r_loop *loop)
{
    return loop->timer_count > 1 || loop->watches; /* the runtime's tick is one of the timers */
}

void h2r_loop_finish(struct h2r_loop *loop)
{
    run_posts(loop, 1);
    for (uint32_t i = 0; i != loop->timer_count; ++i) free(loop->heap[i]);
    loop->timer_count = 0;
    /* Their polls are cancelled with the ring, whose completions nobody reads any more. */
    while (loop->watches) watch_free(loop->watches);
}

void h2r_loop_destroy(struct h2r_loop *loop)
{
    h2r_tcp_free_all(loop);
    if (loop->wake_fd >= 0) close(loop->wake_fd);
    free(loop->heap);
    pthread_mutex_destroy(&loop->post_lock);
}
