/*
 * deferred: answers made later, on the worker's loop (h2ring/loop.h), with
 * the request/response API, over HTTP/2 (h2c) and HTTP/1.1:
 *
 *   GET /delay/N   "waited N ms", after a timer of N ms (Node's setTimeout),
 *                  stopped if the client goes away first (clearTimeout on 'close')
 *   GET /pool/N    how many primes are below N, counted by a thread of the
 *                  application's pool, which posts the answer back to the loop
 *                  (h2r_loop_post): work that would stall every connection of
 *                  the worker if it ran there
 *
 * A pool job cannot be stopped, so it keeps the response (h2r_response_ref)
 * until its answer is made; if the client went away meanwhile, the answer
 * finds the stream closed (H2R_ERR_STREAM_CLOSED) and is dropped with the
 * reference.
 *
 *   cc deferred.c $(pkg-config --cflags --libs h2ring) -o deferred
 *   ./deferred --port 8080 &
 *   curl --http2-prior-knowledge http://127.0.0.1:8080/delay/500
 *   curl --http1.1 http://127.0.0.1:8080/pool/1000000
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <h2ring/h2ring.h>

#define POOL_THREADS 2

static void release_copy(void *ctx, const void *data, size_t len)
{
    (void)data, (void)len;
    free(ctx);
}

/*
 * Ends the response with a copy of text: the body goes by reference, and text may be on the caller's stack.
 */
static int end_with_copy(h2r_response *res, const char *text)
{
    size_t len = strlen(text);
    char *copy = malloc(len);
    if (!copy) {
        h2r_stream_close(h2r_response_stream(res), H2R_INTERNAL_ERROR);
        return H2R_ERR_NOMEM;
    }
    memcpy(copy, text, len);
    return h2r_response_end(res, copy, len, release_copy, copy); /* copy is released even when this fails */
}

static void end_with_status(h2r_response *res, unsigned status, const char *text)
{
    h2r_response_set_status(res, status);
    h2r_response_end(res, text, strlen(text), NULL, NULL); /* static text: nothing to release */
}

/* ---- /delay/N: a timer ---- */

/* Lives in the request's memory (h2r_request_alloc), which is the timer's until it fires or is stopped. */
struct delay {
    h2r_response *res;
    h2r_timer *timer; /* NULL once fired */
    unsigned long ms;
};

static void delay_fired(h2r_timer *timer, void *ctx)
{
    struct delay *delay = ctx;
    char text[40];
    (void)timer;
    delay->timer = NULL; /* a one-shot timer is freed when this returns */
    snprintf(text, sizeof(text), "waited %lu ms\n", delay->ms);
    end_with_copy(delay->res, text);
}

/* The response's 'close', which comes before the pair is freed: stop a timer that has not fired. */
static void delay_closed(h2r_response *res, void *ctx)
{
    struct delay *delay = ctx;
    (void)res;
    if (!delay->timer) return;
    h2r_timer_stop(delay->timer);
    fprintf(stderr, "deferred: /delay/%lu: the client went away, the timer is stopped\n", delay->ms);
}

static void start_delay(h2r_request *req, h2r_response *res, unsigned long ms)
{
    static const h2r_response_events events = {.on_close = delay_closed};
    struct delay *delay = h2r_request_alloc(req, sizeof(*delay));
    if (!delay) {
        end_with_status(res, 503, "no memory\n");
        return;
    }
    *delay = (struct delay){.res = res, .ms = ms};
    if (h2r_timer_start(h2r_stream_loop(h2r_request_stream(req)), ms, 0, delay_fired, delay, &delay->timer) !=
        0) {
        end_with_status(res, 503, "no timer\n");
        return;
    }
    h2r_response_on(res, &events, delay);
}

/* ---- /pool/N: a job for the pool's threads ---- */

struct job {
    struct job *next;
    h2r_loop *loop;    /* where the answer is made */
    h2r_response *res; /* referenced until then */
    unsigned long below, primes;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wakeup = PTHREAD_COND_INITIALIZER;
static struct job *jobs, **jobs_tail = &jobs;
static int pool_quit;

static unsigned long count_primes(unsigned long below)
{
    unsigned long count = 0;
    for (unsigned long n = 2; n < below; ++n) {
        unsigned long d = 2;
        while (d * d <= n && n % d != 0) ++d;
        count += d * d > n;
    }
    return count;
}

/* Back on the loop's thread, the only one where the response may be used. */
static void job_done(void *ctx)
{
    struct job *job = ctx;
    char text[64];
    snprintf(text, sizeof(text), "%lu primes below %lu\n", job->primes, job->below);
    if (end_with_copy(job->res, text) == H2R_ERR_STREAM_CLOSED)
        fprintf(stderr, "deferred: /pool/%lu: the client went away, the answer is dropped\n", job->below);
    h2r_response_unref(job->res);
    free(job);
}

static void *pool_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pool_lock);
    for (;;) {
        while (!jobs && !pool_quit) pthread_cond_wait(&pool_wakeup, &pool_lock);
        struct job *job = jobs;
        if (!job) break;
        if (!(jobs = job->next)) jobs_tail = &jobs;
        pthread_mutex_unlock(&pool_lock);

        job->primes = count_primes(job->below);
        /* Refused once the loop has stopped (the server closed; its connections and their streams are
         * gone): no thread uses the response any more, so it is let go here. */
        if (h2r_loop_post(job->loop, job_done, job) != 0) {
            h2r_response_unref(job->res);
            free(job);
        }
        pthread_mutex_lock(&pool_lock);
    }
    pthread_mutex_unlock(&pool_lock);
    return NULL;
}

static void start_job(h2r_request *req, h2r_response *res, unsigned long below)
{
    struct job *job = malloc(sizeof(*job));
    if (!job) {
        end_with_status(res, 503, "no memory\n");
        return;
    }
    *job = (struct job){.loop = h2r_stream_loop(h2r_request_stream(req)), .res = res, .below = below};
    h2r_response_ref(res); /* the pair stays valid, even if its stream closes, until job_done */
    pthread_mutex_lock(&pool_lock);
    *jobs_tail = job;
    jobs_tail = &job->next;
    pthread_cond_signal(&pool_wakeup);
    pthread_mutex_unlock(&pool_lock);
}

/* ---- requests ---- */

/* If url is "PREFIX" and a number up to max, *n gets the number. */
static int number_after(const char *url, const char *prefix, unsigned long max, unsigned long *n)
{
    size_t len = strlen(prefix);
    char *end;
    if (!url || strncmp(url, prefix, len) != 0 || !isdigit((unsigned char)url[len])) return 0;
    *n = strtoul(url + len, &end, 10);
    return *end == '\0' && *n <= max;
}

static void on_request(h2r_request *req, h2r_response *res, void *user_data)
{
    const char *url = h2r_request_url(req, NULL);
    unsigned long n;
    (void)user_data;

    h2r_response_set_header(res, "content-type", "text/plain");
    if (number_after(url, "/delay/", 60000, &n))
        start_delay(req, res, n);
    else if (number_after(url, "/pool/", 10000000, &n))
        start_job(req, res, n);
    else
        end_with_status(res, 404, "not found: try /delay/500 or /pool/1000000\n");
}

static h2r_compat_handlers handlers = {.on_request = on_request};

static void on_listening(const char *url, void *user_data)
{
    (void)user_data;
    printf("deferred listening on %s\n", url);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    pthread_t pool[POOL_THREADS];
    int threads = 0, status = 1;
    h2r_server_config config;
    h2r_server_config_init(&config);
    if (argc != 1 && !(argc == 3 && strcmp(argv[1], "--port") == 0)) {
        fprintf(stderr, "usage: deferred [--port N]\n");
        return 2;
    }
    config.port = argc == 3 ? (uint16_t)atoi(argv[2]) : 8080;
    config.allow_http1 = 1;
    h2r_compat_callbacks(&config.callbacks);
    config.user_data = &handlers;
    config.on_listening = on_listening;

    /* h2r_server_run in steps, so that the pool lives exactly as long as the loops it posts to. */
    h2r_server *server = h2r_server_start(&config);
    if (server && h2r_server_close_on_signals(server) == 0) {
        /*
         * Made after the signals are blocked: the pool's threads inherit that and leave them to the server.
         */
        while (threads != POOL_THREADS && pthread_create(&pool[threads], NULL, pool_thread, NULL) == 0)
            ++threads;
        if (threads == 0) h2r_server_close(server, NULL, NULL);
        status = h2r_server_wait(server) == 0 && threads != 0 ? 0 : 1;
    }
    /* The loops have stopped: jobs still queued are refused by h2r_loop_post, and let go. */
    pthread_mutex_lock(&pool_lock);
    pool_quit = 1;
    pthread_cond_broadcast(&pool_wakeup);
    pthread_mutex_unlock(&pool_lock);
    while (threads) pthread_join(pool[--threads], NULL);
    h2r_server_free(server);
    return status;
}
