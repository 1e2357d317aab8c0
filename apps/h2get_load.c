/*
 * h2get -n N -c C -m M: load, as h2load does it. C connections share the N
 * requests (the URLs in turn): each keeps up to M in flight (HTTP/1.1:
 * one), and takes the next as one closes, so a faster connection does
 * more. Bodies are counted and dropped. The summary has h2load's own
 * "requests:" and "status codes:" lines, word for word, so that what reads
 * h2load's output (bench/run) reads this too:
 *
 *   finished in 1.02s, 9803.92 req/s, 1.20MB/s    (responses per second, body bytes per second)
 *   requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout
 *   status codes: N 2xx, N 3xx, N 4xx, N 5xx
 *   latency: p50 1.01ms, p90 2.02ms, p99 3.03ms, max 4.04ms
 *
 * As in h2load: done counts the requests that ended either way; succeeded
 * those answered with 2xx or 3xx; failed the others, errored (included
 * in failed) those that got no whole response (a reset, a lost or
 * refused connection, never sent); latency runs from the request made to
 * the stream's close, for those answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "h2get.h"

struct load_connection {
    h2r_session *session;
    unsigned long in_flight;
};

/* A request's slot, its stream's user_data. */
struct load_request {
    uint64_t started_ns;
    int status;
    int answered; /* the whole response came */
};

static struct {
    const struct h2get_options *o;
    struct load_request *requests;
    unsigned long started, done, succeeded, failed, errored;
    unsigned long status_classes[6]; /* by the status's first digit */
    double *latency_ms;
    size_t latencies;
    uint64_t body_bytes;
} load;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void count_error(void)
{
    ++load.failed;
    ++load.errored;
}

/* Keeps the connection's requests in flight while some are left; closes it once all are made and answered. */
static void make_requests(struct load_connection *c)
{
    while (c->in_flight < load.o->streams && load.started < load.o->requests) {
        struct load_request *r = &load.requests[load.started];
        const char *url = load.o->urls[load.started % load.o->url_count];
        r->started_ns = now_ns();
        h2r_stream *stream;
        int err = h2get_request(c->session, load.o, url, r, &stream);
        /* Closing (the server's GOAWAY, or the connection lost): the others take the rest. */
        if ((err == H2R_ERR_STREAM_LIMIT && c->in_flight) || err == H2R_ERR_SESSION_CLOSED) break;
        ++load.started;
        if (err) {
            ++load.done;
            count_error();
            continue;
        }
        ++c->in_flight;
    }
    if (c->in_flight == 0 && load.started == load.o->requests) h2r_session_close(c->session);
}

static void on_connect(h2r_session *session, int err, void *ctx)
{
    struct load_connection *c = ctx;
    if (!session) {
        fprintf(stderr, "h2get: %s: %s\n", load.o->urls[0], h2r_client_strerror(err));
        return;
    }
    c->session = session;
    make_requests(c);
}

static void on_response(h2r_stream *stream, const h2r_header *headers, size_t count, int flags)
{
    struct load_request *r = h2r_stream_user_data(stream);
    (void)flags;
    r->status = h2get_status(headers, count);
}

static void on_data(h2r_stream *stream, const uint8_t *data, size_t len)
{
    (void)stream, (void)data;
    load.body_bytes += len;
}

static void on_end(h2r_stream *stream)
{
    ((struct load_request *)h2r_stream_user_data(stream))->answered = 1;
}

/* Pushes are refused: a load asks for what it counts. */
static void on_push(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                    int flags)
{
    (void)session, (void)headers, (void)count, (void)flags;
    h2r_stream_close(stream, H2R_CANCEL);
}

static void on_stream_close(h2r_stream *stream, uint32_t rst_code)
{
    struct load_request *r = h2r_stream_user_data(stream);
    (void)rst_code;
    if (!r) return; /* a push */
    struct load_connection *c = h2r_session_user_data(h2r_stream_session(stream));
    --c->in_flight;
    ++load.done;
    if (r->answered) {
        load.latency_ms[load.latencies++] = (double)(now_ns() - r->started_ns) / 1e6;
        ++load.status_classes[r->status / 100 % 6];
        if (r->status >= 200 && r->status < 400)
            ++load.succeeded;
        else
            ++load.failed;
    } else {
        count_error();
    }
    if (c->session) make_requests(c);
}

static void on_session_close(h2r_session *session)
{
    ((struct load_connection *)h2r_session_user_data(session))->session = NULL;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The latency under which a share p of the answered requests came. */
static double percentile(double p)
{
    if (!load.latencies) return 0;
    size_t i = (size_t)(p * (double)load.latencies);
    return load.latency_ms[i < load.latencies ? i : load.latencies - 1];
}

static void print_summary(double seconds)
{
    printf("finished in %.2fs, %.2f req/s, %.2fMB/s\n", seconds, (double)load.latencies / seconds,
           (double)load.body_bytes / seconds / (1024 * 1024));
    printf("requests: %lu total, %lu started, %lu done, %lu succeeded, %lu failed, %lu errored, 0 timeout\n",
           load.o->requests, load.started, load.done, load.succeeded, load.failed, load.errored);
    printf("status codes: %lu 2xx, %lu 3xx, %lu 4xx, %lu 5xx\n", load.status_classes[2],
           load.status_classes[3], load.status_classes[4], load.status_classes[5]);
    qsort(load.latency_ms, load.latencies, sizeof(double), compare_double);
    printf("latency: p50 %.2fms, p90 %.2fms, p99 %.2fms, max %.2fms\n", percentile(0.5), percentile(0.9),
           percentile(0.99), percentile(1));
}

/* The connections made and run until every request is done or nothing is left; the exit status. */
static int run(h2r_loop *loop, const struct h2get_options *o, struct load_connection *connections)
{
    h2r_client_options client;
    h2r_session_options session_options;
    h2get_client_options(o, &client, &session_options);
    session_options.settings.enable_push = 0;
    /* h2load's windows (its -w 30 -W 30): a large body is not held to 64 KiB per round trip. */
    session_options.settings.initial_window_size = (1u << 30) - 1;
    session_options.connection_window_size = (1u << 30) - 1;
    const h2r_session_callbacks callbacks = {
        .on_stream = on_push,
        .on_data = on_data,
        .on_end = on_end,
        .on_stream_close = on_stream_close,
        .on_session_close = on_session_close,
        .on_response = on_response,
    };
    uint64_t started = now_ns();
    for (unsigned long i = 0; i != o->connections; ++i) {
        int err =
            h2r_connect(loop, o->urls[0], &client, &callbacks, &connections[i], on_connect, &connections[i]);
        if (err) fprintf(stderr, "h2get: %s: %s\n", o->urls[0], h2r_client_strerror(err));
    }
    int err = h2r_loop_run(loop);
    if (err) fprintf(stderr, "h2get: the loop: %s\n", h2r_client_strerror(err));
    /* What no connection could make fails too, never started. */
    load.failed += o->requests - load.started;
    load.errored += o->requests - load.started;
    print_summary((double)(now_ns() - started) / 1e9);
    return load.succeeded == o->requests ? H2GET_OK : H2GET_FAILED;
}

int h2get_load(h2r_loop *loop, const struct h2get_options *o)
{
    load.o = o;
    load.requests = calloc(o->requests, sizeof(*load.requests));
    load.latency_ms = calloc(o->requests, sizeof(double));
    struct load_connection *connections = calloc(o->connections, sizeof(*connections));
    int status = H2GET_FAILED;
    if (load.requests && load.latency_ms && connections)
        status = run(loop, o, connections);
    else
        fprintf(stderr, "h2get: out of memory for %lu requests\n", o->requests);
    free(connections);
    free(load.latency_ms);
    free(load.requests);
    return status;
}
