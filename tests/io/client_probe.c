/*
 * A client on the public API only (h2ring/client.h), for
 * tests/io/client_test.py: a loop of its own (h2r_loop_new), one
 * connection (h2r_connect) and a request for each URL on it, made when it
 * is connected or from a timer; each response's body is written to a file
 * for the test to hash, and what happened is printed, one line each:
 *
 *   connected PROTOCOL ALPN       HTTP version ("2.0", "1.1") and ALPN ("-" in cleartext)
 *   connect-error ERR MESSAGE     on_connect's error and h2r_client_strerror's words; exit status 1
 *   response N STATUS BYTES       request N (from 0) answered: its status and body bytes (in OUT_DIR/N)
 *   reset N CODE                  request N closed before its end, with the stream's rst_code
 *   push PATH                     the server promised a push of PATH (refused: RST_STREAM CANCEL)
 *   session-closed                on_session_close
 *   stopped                       h2r_loop_run returned after h2r_loop_stop (--stop-after), before the loop's
 * free
 *
 * The session is closed (h2r_session_close) once every request is done,
 * and the loop then runs out of things to do: h2r_loop_run returns.
 *
 * With --refusals, each URL is one h2r_connect must refuse at once
 * ("refused N ERR"); then another thread calls h2r_connect and
 * h2r_loop_run ("foreign-connect ERR", "foreign-run ERR") and, while the
 * loop waits for a 60 s timer, h2r_loop_stop: "stopped" once it returned.
 *
 * With --pool, each URL (of any origin) is a request through the loop's
 * pool (h2r_client_request) instead, made at once (with --request-after,
 * the first at once and each next one that long after the one before);
 * the lines are the same but "connected" (and "request-error N ERR
 * MESSAGE" for one whose on_close tells an error); the pool's connections
 * close when idle.
 *
 * Usage: client_probe [--cacert FILE] [--insecure] [--http1.1] [--h2-only]
 *                     [--connect-timeout MS] [--handshake-timeout MS]
 *                     [--request-after MS] [--stop-after MS] [--data FILE] [--out-dir DIR] [--pool]
 *                     URL [URL...]
 *   URL...            the same origin; the first one's is connected to
 *   --request-after   the requests are made from a timer that long after the connect
 *   --data            each request is a POST with FILE's bytes as its body
 *   --stop-after      h2r_loop_stop from a timer that long after the start: what is open is cut by
 * h2r_loop_free
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2ring/client.h"
#include "h2ring/engine.h"
#include "h2ring/loop.h"
#include "h2ring/server.h"

#define HEADER(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})

struct request {
    const char *path;
    FILE *out;
    unsigned long bytes;
    int status;
    int ended;
};

static struct {
    h2r_loop *loop;
    h2r_session *session;
    struct request *requests;
    size_t count, made, done;
    uint8_t *data; /* a request body for each request, or NULL */
    size_t data_len;
    const char *out_dir;
    int failed;
} probe;

/* The path of a URL: what follows its authority, "/" if nothing does. */
static const char *url_path(const char *url)
{
    const char *authority = strstr(url, "://");
    const char *path = authority ? strchr(authority + 3, '/') : NULL;
    return path ? path : "/";
}

static struct request *request_of(h2r_stream *stream)
{
    return h2r_stream_user_data(stream);
}

static void make_requests(void);

static void request_done(void)
{
    if (++probe.done == probe.count)
        h2r_session_close(probe.session);
    else
        make_requests();
}

/* What a response brings, whether through the session's callbacks or the pool's. */
static void got_response(struct request *r, const h2r_header *headers, size_t count)
{
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == 7 && memcmp(headers[i].name, ":status", 7) == 0)
            r->status = atoi((const char *)headers[i].value);
}

static void got_data(struct request *r, const uint8_t *data, size_t len)
{
    r->bytes += len;
    if (r->out && fwrite(data, 1, len, r->out) != len) probe.failed = 1;
}

static void got_end(struct request *r)
{
    r->ended = 1;
    printf("response %zu %d %lu\n", (size_t)(r - probe.requests), r->status, r->bytes);
}

/* A push the server promised: said, and refused. */
static void on_push(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                    int flags)
{
    (void)session, (void)flags;
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == 5 && memcmp(headers[i].name, ":path", 5) == 0)
            printf("push %.*s\n", (int)headers[i].value_len, headers[i].value);
    h2r_stream_close(stream, H2R_CANCEL);
}

/* The callbacks of the session's streams: the requests', pushes (no user data) left out. */
static void on_response(h2r_stream *stream, const h2r_header *headers, size_t count, int flags)
{
    (void)flags;
    if (request_of(stream)) got_response(request_of(stream), headers, count);
}

static void on_data(h2r_stream *stream, const uint8_t *data, size_t len)
{
    if (request_of(stream)) got_data(request_of(stream), data, len);
}

static void on_end(h2r_stream *stream)
{
    if (request_of(stream)) got_end(request_of(stream));
}

static void on_stream_close(h2r_stream *stream, uint32_t rst_code)
{
    struct request *r = request_of(stream);
    if (!r) return;
    if (!r->ended) printf("reset %zu %u\n", (size_t)(r - probe.requests), rst_code);
    if (r->out) fclose(r->out);
    r->out = NULL;
    request_done();
}

static void on_session_close(h2r_session *session)
{
    (void)session;
    printf("session-closed\n");
}

/*
 * Makes the requests not made yet, as many as the session takes at once
 * (HTTP/1.1: one; the next when it closes). One that cannot be made
 * counts as done, with a line saying why.
 */
static void make_requests(void)
{
    while (probe.made != probe.count) {
        struct request *r = &probe.requests[probe.made];
        h2r_header headers[] = {HEADER(":method", probe.data ? "POST" : "GET"), HEADER(":path", r->path)};
        h2r_stream *stream;
        int err =
            h2r_session_request(probe.session, headers, 2, probe.data ? 0 : H2R_REQUEST_END_STREAM, &stream);
        if (err == H2R_ERR_STREAM_LIMIT && probe.made != probe.done) return;
        ++probe.made;
        if (err) {
            printf("request-error %zu %d %s\n", probe.made - 1, err, h2r_client_strerror(err));
            probe.failed = 1;
            request_done();
            continue;
        }
        h2r_stream_set_user_data(stream, r);
        if (probe.data) {
            h2r_stream_write(stream, probe.data, probe.data_len, NULL, NULL);
            h2r_stream_end(stream);
        }
    }
}

static void on_timer(h2r_timer *timer, void *ctx)
{
    (void)timer;
    (void)ctx;
    make_requests();
}

static unsigned long request_after_ms;

static void on_stop_timer(h2r_timer *timer, void *ctx)
{
    (void)timer, (void)ctx;
    h2r_loop_stop(probe.loop);
}

/* ---- through the pool ---- */

static void pool_on_response(h2r_stream *stream, const h2r_header *headers, size_t count, int flags,
                             void *ctx)
{
    (void)stream, (void)flags;
    got_response(ctx, headers, count);
}

static void pool_on_data(h2r_stream *stream, const uint8_t *data, size_t len, void *ctx)
{
    (void)stream;
    got_data(ctx, data, len);
}

static void pool_on_end(h2r_stream *stream, void *ctx)
{
    (void)stream;
    got_end(ctx);
}

static void pool_on_close(int err, uint32_t rst_code, void *ctx)
{
    struct request *r = ctx;
    size_t n = (size_t)(r - probe.requests);
    if (err == H2R_ERR_STREAM_CLOSED)
        printf("reset %zu %u\n", n, rst_code);
    else if (err)
        printf("request-error %zu %d %s\n", n, err, h2r_client_strerror(err));
    if (err) probe.failed = 1;
    if (r->out) fclose(r->out);
    r->out = NULL;
}

/* ---- calls refused at once ---- */

static void never(h2r_session *session, int err, void *ctx)
{
    (void)session, (void)err, (void)ctx;
    printf("on_connect-called\n"); /* a refused call has no on_connect */
}

static void on_long_timer(h2r_timer *timer, void *ctx)
{
    (void)timer, (void)ctx;
    printf("timer-ran\n"); /* the loop should have stopped long before */
}

/* Another thread: what it may not call, then what it may. */
static void *foreign(void *arg)
{
    const char *url = arg;
    printf("foreign-connect %d\n", h2r_connect(probe.loop, url, NULL, NULL, NULL, never, NULL));
    printf("foreign-run %d\n", h2r_loop_run(probe.loop));
    struct timespec pause = {.tv_nsec = 200 * 1000000};
    nanosleep(&pause, NULL);
    h2r_loop_stop(probe.loop);
    return NULL;
}

static void refusals(char **urls)
{
    for (size_t i = 0; i != probe.count; ++i)
        printf("refused %zu %d\n", i, h2r_connect(probe.loop, urls[i], NULL, NULL, NULL, never, NULL));
    h2r_timer *timer;
    h2r_timer_start(probe.loop, 60000, 0, on_long_timer, NULL, &timer);
    pthread_t thread;
    pthread_create(&thread, NULL, foreign, "http://127.0.0.1:1/");
    h2r_loop_run(probe.loop);
    printf("stopped\n");
    pthread_join(thread, NULL);
}

static struct {
    char **urls;
    const h2r_client_options *options;
    size_t next; /* the next URL's index */
} pooled;

/* The next URL through the pool: the connections are the pool's to make, share and close. */
static void pool_request_next(void)
{
    static const h2r_request_callbacks callbacks = {.on_response = pool_on_response,
                                                    .on_data = pool_on_data,
                                                    .on_end = pool_on_end,
                                                    .on_close = pool_on_close};
    size_t i = pooled.next++;
    h2r_header method = HEADER(":method", probe.data ? "POST" : "GET");
    int err = h2r_client_request(probe.loop, pooled.urls[i], &method, 1, probe.data, probe.data_len,
                                 pooled.options, &callbacks, &probe.requests[i]);
    if (err) {
        printf("request-error %zu %d %s\n", i, err, h2r_client_strerror(err));
        probe.failed = 1;
    }
}

static void on_pool_timer(h2r_timer *timer, void *ctx)
{
    (void)ctx;
    pool_request_next();
    if (pooled.next == probe.count) h2r_timer_stop(timer);
}

/* Every URL through the pool: at once, or with --request-after, the first at once and each next one later. */
static void pool_requests(char **urls, const h2r_client_options *options)
{
    pooled.urls = urls;
    pooled.options = options;
    pool_request_next();
    if (!request_after_ms) {
        while (pooled.next != probe.count) pool_request_next();
    } else if (pooled.next != probe.count) {
        h2r_timer_start(probe.loop, request_after_ms, request_after_ms, on_pool_timer, NULL, NULL);
    }
}

static void on_connect(h2r_session *session, int err, void *ctx)
{
    (void)ctx;
    if (!session) {
        printf("connect-error %d %s\n", err, h2r_client_strerror(err));
        probe.failed = 1;
        return;
    }
    probe.session = session;
    h2r_conn_info info;
    h2r_session_conn_info(session, &info);
    printf("connected %s %s\n", h2r_session_is_http1(session) ? "1.1" : "2.0", info.alpn ? info.alpn : "-");
    if (request_after_ms)
        h2r_timer_start(probe.loop, request_after_ms, 0, on_timer, NULL, NULL);
    else
        make_requests();
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc(size > 0 ? (size_t)size : 1);
    *len = data ? fread(data, 1, (size_t)size, f) : 0;
    fclose(f);
    return data;
}

int main(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"cacert", required_argument, NULL, 'c'},
        {"insecure", no_argument, NULL, 'k'},
        {"http1.1", no_argument, NULL, '1'},
        {"h2-only", no_argument, NULL, '2'},
        {"connect-timeout", required_argument, NULL, 't'},
        {"handshake-timeout", required_argument, NULL, 'T'},
        {"request-after", required_argument, NULL, 'a'},
        {"data", required_argument, NULL, 'd'},
        {"out-dir", required_argument, NULL, 'o'},
        {"pool", no_argument, NULL, 'P'},
        {"refusals", no_argument, NULL, 'R'},
        {"stop-after", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    int pool = 0, refuse = 0;
    unsigned long stop_after_ms = 0;
    h2r_client_options options;
    h2r_client_options_init(&options);
    for (int opt; (opt = getopt_long(argc, argv, "", long_options, NULL)) != -1;) {
        switch (opt) {
        case 'c': options.ca_file = optarg; break;
        case 'k': options.insecure = 1; break;
        case '1': options.protocols = H2R_CLIENT_HTTP1; break;
        case '2': options.protocols = H2R_CLIENT_HTTP2; break;
        case 't': options.connect_timeout_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'T': options.handshake_timeout_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'a': request_after_ms = strtoul(optarg, NULL, 10); break;
        case 'd':
            if (!(probe.data = read_file(optarg, &probe.data_len))) {
                perror(optarg);
                return 2;
            }
            break;
        case 'o': probe.out_dir = optarg; break;
        case 'P': pool = 1; break;
        case 'R': refuse = 1; break;
        case 's': stop_after_ms = strtoul(optarg, NULL, 10); break;
        default: return 2;
        }
    }
    if (optind == argc) {
        fprintf(stderr, "usage: client_probe [options] URL...\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    probe.count = (size_t)(argc - optind);
    probe.requests = calloc(probe.count, sizeof(*probe.requests));
    for (size_t i = 0; i != probe.count; ++i) {
        probe.requests[i].path = url_path(argv[optind + (int)i]);
        if (probe.out_dir) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/%zu", probe.out_dir, i);
            probe.requests[i].out = fopen(path, "wb");
        }
    }
    h2r_session_callbacks callbacks = {.on_stream = on_push,
                                       .on_response = on_response,
                                       .on_data = on_data,
                                       .on_end = on_end,
                                       .on_stream_close = on_stream_close,
                                       .on_session_close = on_session_close};
    int err = h2r_loop_new(&probe.loop);
    if (err) {
        fprintf(stderr, "h2r_loop_new: %s\n", h2r_client_strerror(err));
        return 2;
    }
    if (refuse) {
        refusals(argv + optind);
        h2r_loop_free(probe.loop);
        return 0;
    }
    if (pool)
        pool_requests(argv + optind, &options);
    else
        err = h2r_connect(probe.loop, argv[optind], &options, &callbacks, NULL, on_connect, NULL);
    if (err) {
        printf("connect-error %d %s\n", err, h2r_client_strerror(err));
        probe.failed = 1;
    }
    if (stop_after_ms) h2r_timer_start(probe.loop, stop_after_ms, 0, on_stop_timer, NULL, NULL);
    err = h2r_loop_run(probe.loop);
    if (err) printf("loop-error %d %s\n", err, h2r_client_strerror(err));
    if (stop_after_ms) printf("stopped\n");
    h2r_loop_free(probe.loop);
    for (size_t i = 0; i != probe.count; ++i)
        if (probe.requests[i].out) fclose(probe.requests[i].out);
    free(probe.requests);
    free(probe.data);
    return probe.failed || err ? 1 : 0;
}
