/*
 * An application that answers later, on the public API only (h2ring/server.h,
 * h2ring/loop.h, h2ring/engine.h), for tests/io/loop_test.py:
 *
 *   GET /hello          200 "hello\n" at once
 *   GET /delay/N        200 after a timer of N ms; x-elapsed-us says how long it took
 *   GET /pool/N         the sum of i*i for i in 1..N (mod 2^64), computed by a thread of the
 *                       application's pool and posted back to the worker (h2r_loop_post)
 *   GET /watch/N        a pool thread writes a token into a pipe after N ms; a watch on the pipe
 *                       answers with it, reading one byte per callback (level-triggered);
 *                       x-callbacks says how many callbacks it took
 *   GET /watch-bad      a watch on a descriptor that is not open: its callbacks and their revents, as JSON
 *   GET /whoami         the connection's information as JSON, with the session's own data
 *   GET /timers         timers' order, an interval stopped from its callback, a timer stopped by
 *                       another, as JSON
 *   GET /foreign        what the loop calls answer from a pool thread, as JSON
 *   GET /counters       deferred answers that found their stream closed, sessions open, as JSON
 *   GET /big/N          N MiB of bytes
 *   GET /close          h2r_server_close, twice: the server drains and exits
 *
 * Once the server has stopped, it prints "done N": how many times the close's done callback ran.
 *
 * Usage: loop_server --host HOST --port PORT [--workers N] [--cert PEM --key PEM]
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "h2ring/engine.h"
#include "h2ring/loop.h"
#include "h2ring/server.h"
#include "test_server.h"

#define HEADER(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})
#define MiB          (1u << 20)

static _Atomic(h2r_server *) the_server;
static atomic_int done_calls, closed_seen, sessions_open;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void release_free(void *ctx, const void *data, size_t len)
{
    (void)data, (void)len;
    free(ctx);
}

/*
 * Answers with status, a body (copied) and one more header (name may be NULL).
 * A stream closed meanwhile (a reset, a connection gone) is counted.
 */
static void answer(h2r_stream *stream, const char *status, const char *body, const char *name,
                   const char *value)
{
    char length[24];
    size_t len = strlen(body);
    snprintf(length, sizeof(length), "%zu", len);
    h2r_header headers[] = {HEADER(":status", status), HEADER("content-length", length),
                            name ? HEADER(name, value) : HEADER("x-answer", "1")};
    int err = h2r_stream_respond(stream, headers, 3, len ? 0 : H2R_RESPOND_END_STREAM);
    if (err == H2R_ERR_STREAM_CLOSED) {
        atomic_fetch_add(&closed_seen, 1);
        return;
    }
    if (err || !len) return;
    char *copy = malloc(len);
    if (!copy) {
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
        return;
    }
    memcpy(copy, body, len);
    h2r_stream_write(stream, copy, len, release_free, copy);
    h2r_stream_end(stream);
}

/* ---- work deferred: what is left when the loops stop is released after h2r_server_wait ---- */

struct deferred {
    struct deferred *prev, *next;
    h2r_stream *stream; /* referenced */
    void (*release)(struct deferred *d);
};
static pthread_mutex_t deferred_lock = PTHREAD_MUTEX_INITIALIZER;
static struct deferred *deferred_list;

static void defer_start(struct deferred *d, h2r_stream *stream, void (*release)(struct deferred *d))
{
    h2r_stream_ref(stream);
    d->stream = stream;
    d->release = release;
    pthread_mutex_lock(&deferred_lock);
    d->prev = NULL;
    d->next = deferred_list;
    if (deferred_list) deferred_list->prev = d;
    deferred_list = d;
    pthread_mutex_unlock(&deferred_lock);
}

/* The deferred work is done: the stream's reference goes, and d->release frees the rest. */
static void defer_end(struct deferred *d)
{
    pthread_mutex_lock(&deferred_lock);
    if (d->prev)
        d->prev->next = d->next;
    else
        deferred_list = d->next;
    if (d->next) d->next->prev = d->prev;
    pthread_mutex_unlock(&deferred_lock);
    h2r_stream_unref(d->stream);
    d->release(d);
}

/* After h2r_server_wait: timers and watches the stopped loops dropped leave their work here. */
static void release_leftovers(void)
{
    while (deferred_list) defer_end(deferred_list);
}

static void free_deferred(struct deferred *d)
{
    free(d);
}

/* ---- /delay/N ---- */

struct delayed {
    struct deferred d; /* first */
    uint64_t started_ns;
};

static void delay_fired(h2r_timer *timer, void *ctx)
{
    struct delayed *delayed = ctx;
    char elapsed[24];
    (void)timer;
    snprintf(elapsed, sizeof(elapsed), "%" PRIu64, (now_ns() - delayed->started_ns) / 1000);
    answer(delayed->d.stream, "200", "done\n", "x-elapsed-us", elapsed);
    defer_end(&delayed->d);
}

static void delay(h2r_stream *stream, unsigned long ms)
{
    struct delayed *delayed = malloc(sizeof(*delayed));
    if (!delayed) {
        answer(stream, "503", "no memory\n", NULL, NULL);
        return;
    }
    delayed->started_ns = now_ns();
    defer_start(&delayed->d, stream, free_deferred);
    if (h2r_timer_start(h2r_stream_loop(stream), ms, 0, delay_fired, delayed, NULL) != 0) {
        answer(stream, "500", "no timer\n", NULL, NULL);
        defer_end(&delayed->d);
    }
}

/* ---- the pool: threads of the application's own ---- */

enum job_kind { JOB_SUM, JOB_WRITE, JOB_FOREIGN };

struct job {
    struct job *next;
    enum job_kind kind;
    h2r_loop *loop;
    h2r_stream *stream; /* referenced; NULL for JOB_WRITE */
    uint64_t n;         /* SUM: the terms; WRITE: the delay in ms */
    uint64_t sum;
    int fd;           /* WRITE: the pipe's end to write the token to, closed then */
    char token[32];   /* WRITE */
    h2r_timer *timer; /* FOREIGN: a timer of the loop's, which the pool thread tries to stop */
    int codes[5];     /* FOREIGN: timer_start, watch_start, timer_stop, in_thread, stream_end */
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static struct job *pool_head, *pool_tail;
static int pool_quit;
#define POOL_THREADS 2
static pthread_t pool_threads[POOL_THREADS];

static void pool_push(struct job *job)
{
    pthread_mutex_lock(&pool_lock);
    job->next = NULL;
    if (pool_tail)
        pool_tail->next = job;
    else
        pool_head = job;
    pool_tail = job;
    pthread_cond_signal(&pool_cond);
    pthread_mutex_unlock(&pool_lock);
}

static void job_free(struct job *job)
{
    if (job->stream) h2r_stream_unref(job->stream);
    free(job);
}

/* Back on the worker's thread: the answer. */
static void job_done(void *ctx)
{
    struct job *job = ctx;
    char body[160];
    if (job->kind == JOB_SUM) {
        snprintf(body, sizeof(body), "%" PRIu64 "\n", job->sum);
        answer(job->stream, "200", body, "x-computed-off-loop", job->codes[3] ? "0" : "1");
    } else {
        h2r_timer_stop(job->timer);
        snprintf(body, sizeof(body),
                 "{\"timer_start\": %d, \"watch_start\": %d, \"timer_stop\": %d, \"in_thread\": %d, "
                 "\"stream_end\": %d}\n",
                 job->codes[0], job->codes[1], job->codes[2], job->codes[3], job->codes[4]);
        answer(job->stream, "200", body, "content-type", "application/json");
    }
    job_free(job);
}

static void never_fires(h2r_timer *timer, void *ctx)
{
    (void)timer, (void)ctx;
    abort();
}

static void never_ready(h2r_watch *watch, unsigned revents, void *ctx)
{
    (void)watch, (void)revents, (void)ctx;
    abort();
}

static void job_run(struct job *job)
{
    switch (job->kind) {
    case JOB_SUM:
        job->sum = 0;
        for (uint64_t i = 1; i <= job->n; ++i) job->sum += i * i;
        job->codes[3] = h2r_loop_in_thread(job->loop);
        break;
    case JOB_WRITE: {
        struct timespec pause = {.tv_sec = (time_t)(job->n / 1000),
                                 .tv_nsec = (long)(job->n % 1000) * 1000000};
        nanosleep(&pause, NULL);
        ssize_t written = write(job->fd, job->token, strlen(job->token));
        (void)written;
        close(job->fd);
        free(job);
        return;
    }
    case JOB_FOREIGN:
        /* Calls that belong to the loop's thread, made from this one: each must be refused. */
        job->codes[0] = h2r_timer_start(job->loop, 1, 0, never_fires, NULL, NULL);
        job->codes[1] = h2r_watch_start(job->loop, STDIN_FILENO, H2R_WATCH_READABLE, never_ready, NULL, NULL);
        job->codes[2] = h2r_timer_stop(job->timer);
        job->codes[3] = h2r_loop_in_thread(job->loop);
        job->codes[4] = h2r_stream_end(job->stream);
        break;
    }
    /* Refused once the loop has stopped: nothing touches the stream on that worker any more. */
    if (h2r_loop_post(job->loop, job_done, job) != 0) job_free(job);
}

static void *pool_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pool_lock);
    for (;;) {
        while (!pool_head && !pool_quit) pthread_cond_wait(&pool_cond, &pool_lock);
        struct job *job = pool_head;
        if (!job) break;
        pool_head = job->next;
        if (!pool_head) pool_tail = NULL;
        pthread_mutex_unlock(&pool_lock);
        job_run(job);
        pthread_mutex_lock(&pool_lock);
    }
    pthread_mutex_unlock(&pool_lock);
    return NULL;
}

static struct job *job_new(enum job_kind kind, h2r_stream *stream)
{
    struct job *job = calloc(1, sizeof(*job));
    if (!job) {
        answer(stream, "503", "no memory\n", NULL, NULL);
        return NULL;
    }
    job->kind = kind;
    job->loop = h2r_stream_loop(stream);
    if (kind != JOB_WRITE) {
        h2r_stream_ref(stream);
        job->stream = stream;
    }
    return job;
}

static void pool_sum(h2r_stream *stream, unsigned long n)
{
    struct job *job = job_new(JOB_SUM, stream);
    if (!job) return;
    job->n = n;
    pool_push(job);
}

static void foreign(h2r_stream *stream)
{
    struct job *job = job_new(JOB_FOREIGN, stream);
    if (!job) return;
    if (h2r_timer_start(job->loop, 3600 * 1000, 0, never_fires, NULL, &job->timer) != 0) {
        answer(stream, "500", "no timer\n", NULL, NULL);
        job_free(job);
        return;
    }
    pool_push(job);
}

/* ---- /watch/N ---- */

struct watched {
    struct deferred d; /* first */
    h2r_watch *watch;
    int fd;
    unsigned callbacks;
    size_t len;
    char got[32];
};

static void release_watched(struct deferred *d)
{
    struct watched *w = (struct watched *)d;
    close(w->fd);
    free(w);
}

/* One byte a call: the rest of the token must bring the callback back. */
static void watch_ready(h2r_watch *watch, unsigned revents, void *ctx)
{
    struct watched *w = ctx;
    char byte, callbacks[16];
    ++w->callbacks;
    ssize_t n = read(w->fd, &byte, 1);
    if (n == 1 && w->len + 1 < sizeof(w->got)) {
        w->got[w->len++] = byte;
        return;
    }
    if (n < 0 && errno == EAGAIN && !(revents & H2R_WATCH_ERROR)) return;
    h2r_watch_stop(watch);
    w->got[w->len] = '\0';
    snprintf(callbacks, sizeof(callbacks), "%u", w->callbacks);
    answer(w->d.stream, n == 0 ? "200" : "500", w->got, "x-callbacks", callbacks);
    defer_end(&w->d);
}

static void watch_pipe(h2r_stream *stream, unsigned long ms)
{
    static atomic_uint tokens;
    int fds[2];
    struct watched *w = calloc(1, sizeof(*w));
    struct job *job = w ? job_new(JOB_WRITE, stream) : NULL;
    if (!job || pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        free(w);
        free(job);
        answer(stream, "503", "no memory or pipe\n", NULL, NULL);
        return;
    }
    w->fd = fds[0];
    defer_start(&w->d, stream, release_watched);
    if (h2r_watch_start(h2r_stream_loop(stream), w->fd, H2R_WATCH_READABLE, watch_ready, w, &w->watch) != 0) {
        close(fds[1]);
        free(job);
        answer(stream, "500", "no watch\n", NULL, NULL);
        defer_end(&w->d);
        return;
    }
    /* Taken back, then armed again, before anything is ready: the watch must still come. */
    h2r_watch_update(w->watch, 0);
    h2r_watch_update(w->watch, H2R_WATCH_READABLE);
    job->fd = fds[1];
    job->n = ms;
    snprintf(job->token, sizeof(job->token), "token-%u", atomic_fetch_add(&tokens, 1));
    pool_push(job);
}

/* ---- /watch-bad: a descriptor that cannot be polled ---- */

struct bad_watch {
    struct deferred d; /* first */
    h2r_watch *watch;
    unsigned callbacks, revents;
};

static void bad_ready(h2r_watch *watch, unsigned revents, void *ctx)
{
    struct bad_watch *b = ctx;
    (void)watch;
    ++b->callbacks;
    b->revents |= revents;
}

/* Long after the error: it came once, and the watch has waited since. */
static void bad_report(h2r_timer *timer, void *ctx)
{
    struct bad_watch *b = ctx;
    char body[64];
    (void)timer;
    h2r_watch_stop(b->watch);
    snprintf(body, sizeof(body), "{\"callbacks\": %u, \"revents\": %u}\n", b->callbacks, b->revents);
    answer(b->d.stream, "200", body, "content-type", "application/json");
    defer_end(&b->d);
}

static void watch_bad(h2r_stream *stream)
{
    h2r_loop *loop = h2r_stream_loop(stream);
    struct bad_watch *b = calloc(1, sizeof(*b));
    if (!b) {
        answer(stream, "503", "no memory\n", NULL, NULL);
        return;
    }
    defer_start(&b->d, stream, free_deferred);
    /* Far beyond any descriptor open here. */
    if (h2r_watch_start(loop, 1 << 20, H2R_WATCH_READABLE, bad_ready, b, &b->watch) != 0 ||
        h2r_timer_start(loop, 50, 0, bad_report, b, NULL) != 0)
        abort();
}

/* ---- /timers ---- */

struct timer_test {
    struct deferred d; /* first */
    char order[64];
    int interval_runs, victim_fired, self_stop;
    h2r_timer *victim;
    struct timer_label {
        struct timer_test *test;
        const char *label;
    } labels[4];
};

static void labelled(h2r_timer *timer, void *ctx)
{
    struct timer_label *l = ctx;
    size_t used = strlen(l->test->order);
    snprintf(l->test->order + used, sizeof(l->test->order) - used, "%s%s", used ? "," : "", l->label);
    /* Stopping a one-shot timer from its own callback is allowed, and changes nothing. */
    if (strcmp(l->label, "30") == 0) l->test->self_stop = h2r_timer_stop(timer);
}

static void interval(h2r_timer *timer, void *ctx)
{
    struct timer_test *test = ctx;
    if (++test->interval_runs == 3) h2r_timer_stop(timer);
}

static void victim(h2r_timer *timer, void *ctx)
{
    (void)timer;
    ((struct timer_test *)ctx)->victim_fired = 1;
}

static void killer(h2r_timer *timer, void *ctx)
{
    (void)timer;
    h2r_timer_stop(((struct timer_test *)ctx)->victim);
}

static void timers_report(h2r_timer *timer, void *ctx)
{
    struct timer_test *test = ctx;
    char body[160];
    (void)timer;
    snprintf(body, sizeof(body),
             "{\"order\": \"%s\", \"interval_runs\": %d, \"victim_fired\": %d, \"self_stop\": %d}\n",
             test->order, test->interval_runs, test->victim_fired, test->self_stop);
    answer(test->d.stream, "200", body, "content-type", "application/json");
    defer_end(&test->d);
}

static void timers(h2r_stream *stream)
{
    static const struct {
        const char *label;
        unsigned ms;
    } plan[4] = {{"30", 30}, {"10a", 10}, {"20", 20}, {"10b", 10}};
    h2r_loop *loop = h2r_stream_loop(stream);
    struct timer_test *test = calloc(1, sizeof(*test));
    if (!test) {
        answer(stream, "503", "no memory\n", NULL, NULL);
        return;
    }
    defer_start(&test->d, stream, free_deferred);
    int err = 0;
    for (int i = 0; i != 4; ++i) {
        test->labels[i] = (struct timer_label){.test = test, .label = plan[i].label};
        err |= h2r_timer_start(loop, plan[i].ms, 0, labelled, &test->labels[i], NULL);
    }
    err |= h2r_timer_start(loop, 5, 5, interval, test, NULL);
    err |= h2r_timer_start(loop, 15, 0, victim, test, &test->victim);
    err |= h2r_timer_start(loop, 5, 0, killer, test, NULL);
    /* The report is the last timer: with an error above, it still ends the test (and frees it). */
    if (h2r_timer_start(loop, 60, 0, timers_report, test, NULL) != 0 || err) abort();
}

/* ---- sessions ---- */

struct session_data {
    unsigned requests;
    char peer[64];
};

static void on_session_open(h2r_session *session, const h2r_conn_info *info, void *user_data)
{
    struct session_data *data = calloc(1, sizeof(*data));
    (void)user_data;
    if (!data) return;
    snprintf(data->peer, sizeof(data->peer), "%s:%u", info->peer_address, info->peer_port);
    h2r_session_set_app_data(session, data);
    atomic_fetch_add(&sessions_open, 1);
}

static void on_session_close(h2r_session *session)
{
    struct session_data *data = h2r_session_app_data(session);
    if (!data) return;
    free(data);
    h2r_session_set_app_data(session, NULL);
    atomic_fetch_sub(&sessions_open, 1);
}

/* A JSON string, or null. */
static const char *json_string(char *buf, size_t cap, const char *s)
{
    if (!s) return "null";
    snprintf(buf, cap, "\"%s\"", s);
    return buf;
}

static void whoami(h2r_stream *stream)
{
    h2r_session *session = h2r_stream_session(stream);
    struct session_data *data = h2r_session_app_data(session);
    h2r_conn_info info;
    char body[1024], alpn[32], version[32], cipher[80], name[300];
    int err = h2r_session_conn_info(session, &info);
    if (data) ++data->requests;
    snprintf(body, sizeof(body),
             "{\"err\": %d, \"peer_address\": \"%s\", \"peer_port\": %u, \"local_address\": \"%s\", "
             "\"local_port\": %u, \"tls\": %s, \"alpn\": %s, \"tls_version\": %s, \"tls_cipher\": %s, "
             "\"server_name\": %s, \"http_version\": \"%s\", \"session_peer\": \"%s\", \"session_requests\": "
             "%u}\n",
             err, info.peer_address, info.peer_port, info.local_address, info.local_port,
             info.tls ? "true" : "false", json_string(alpn, sizeof(alpn), info.alpn),
             json_string(version, sizeof(version), info.tls_version),
             json_string(cipher, sizeof(cipher), info.tls_cipher),
             json_string(name, sizeof(name), info.server_name), h2r_stream_http_version(stream),
             data ? data->peer : "", data ? data->requests : 0);
    answer(stream, "200", body, "content-type", "application/json");
}

/* ---- the rest ---- */

/* What /big/N sends N times (made before the server starts: the workers only read it). */
static uint8_t block[MiB];

static void big(h2r_stream *stream, unsigned long mib)
{
    char length[24];
    snprintf(length, sizeof(length), "%lu", mib * MiB);
    h2r_header headers[] = {HEADER(":status", "200"), HEADER("content-length", length)};
    if (h2r_stream_respond(stream, headers, 2, 0) != 0) return;
    for (unsigned long i = 0; i != mib; ++i) h2r_stream_write(stream, block, sizeof(block), NULL, NULL);
    h2r_stream_end(stream);
}

static void on_closed(h2r_server *server, void *ctx)
{
    (void)server, (void)ctx;
    atomic_fetch_add(&done_calls, 1);
}

static void counters(h2r_stream *stream)
{
    char body[128];
    snprintf(body, sizeof(body), "{\"closed_seen\": %d, \"sessions_open\": %d}\n", atomic_load(&closed_seen),
             atomic_load(&sessions_open));
    answer(stream, "200", body, "content-type", "application/json");
}

/* "/PREFIX/N": N, or -1 if path is not one. */
static long number_after(const char *path, const char *prefix)
{
    size_t len = strlen(prefix);
    char *end;
    if (strncmp(path, prefix, len) != 0) return -1;
    long n = strtol(path + len, &end, 10);
    return *end || end == path + len || n < 0 ? -1 : n;
}

static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags)
{
    char path[256] = "";
    long n;
    (void)session, (void)flags;
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == 5 && memcmp(headers[i].name, ":path", 5) == 0 &&
            headers[i].value_len < sizeof(path))
            memcpy(path, headers[i].value, headers[i].value_len);
    if (strcmp(path, "/hello") == 0) {
        answer(stream, "200", "hello\n", NULL, NULL);
    } else if ((n = number_after(path, "/delay/")) >= 0) {
        delay(stream, (unsigned long)n);
    } else if ((n = number_after(path, "/pool/")) >= 0) {
        pool_sum(stream, (unsigned long)n);
    } else if ((n = number_after(path, "/watch/")) >= 0) {
        watch_pipe(stream, (unsigned long)n);
    } else if (strcmp(path, "/watch-bad") == 0) {
        watch_bad(stream);
    } else if (strcmp(path, "/whoami") == 0) {
        whoami(stream);
    } else if (strcmp(path, "/timers") == 0) {
        timers(stream);
    } else if (strcmp(path, "/foreign") == 0) {
        foreign(stream);
    } else if (strcmp(path, "/counters") == 0) {
        counters(stream);
    } else if ((n = number_after(path, "/big/")) >= 0) {
        big(stream, (unsigned long)n);
    } else if (strcmp(path, "/close") == 0) {
        answer(stream, "200", "closing\n", NULL, NULL);
        h2r_server_close(atomic_load(&the_server), on_closed, NULL);
        h2r_server_close(atomic_load(&the_server), on_closed, NULL); /* harmless */
    } else {
        answer(stream, "404", "not found\n", NULL, NULL);
    }
}

/* The certificate of --cert and --key: TLS if given. */
static h2r_tls_certificate certificate;

static void own_option(h2r_server_config *config, int val, const char *arg)
{
    switch (val) {
    case 'w': config->workers = (unsigned)atoi(arg); break;
    case 'c': certificate.cert_file = arg; break;
    case 'k': certificate.key_file = arg; break;
    }
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"workers", required_argument, NULL, 'w'},
        {"cert", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    h2r_server_config config;
    h2r_server_config_init(&config);
    config.workers = 1;
    config.allow_http1 = 1;
    if (test_server_options(argc, argv, "loop_server", &config, options, own_option) < 0) return 2;
    if (certificate.cert_file) {
        config.tls_certificates = &certificate;
        config.tls_certificate_count = 1;
    }
    config.callbacks.on_stream = on_stream;
    config.callbacks.on_session_close = on_session_close;
    config.on_session_open = on_session_open;

    for (size_t i = 0; i != sizeof(block); ++i) block[i] = (uint8_t)(i * 7 + i / 4096);
    h2r_server *server = h2r_server_start(&config);
    int status = server ? h2r_server_close_on_signals(server) : -1;
    /* After the signals are blocked here: the pool's threads inherit that, and leave them to the server. */
    for (int i = 0; i != POOL_THREADS; ++i) pthread_create(&pool_threads[i], NULL, pool_main, NULL);
    if (status == 0) {
        atomic_store(&the_server, server);
        test_server_listening(h2r_server_url(server), NULL);
        status = h2r_server_wait(server);
    }
    pthread_mutex_lock(&pool_lock);
    pool_quit = 1;
    pthread_cond_broadcast(&pool_cond);
    pthread_mutex_unlock(&pool_lock);
    for (int i = 0; i != POOL_THREADS; ++i) pthread_join(pool_threads[i], NULL);
    release_leftovers();
    h2r_server_free(server);
    printf("done %d\n", atomic_load(&done_calls));
    return status == 0 ? 0 : 1;
}
