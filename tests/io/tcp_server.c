/*
 * Outbound TCP connections (h2ring/loop.h) in a server on the public API
 * only, for tests/io/tcp_test.py: a request relays bytes through a TCP
 * peer the test runs (an echo server, say) and answers with what came back.
 *
 *   GET /relay?port=P&n=N[&host=H][&timeout=MS][&body=1]
 *       connects to H (127.0.0.1) port P (timeout MS, 0: none), writes N
 *       bytes of a pattern (starting before the connect is made, on
 *       on_drain past the high-water mark), then its FIN, and reads until
 *       the peer's FIN. Answered at on_close: 200 when all N bytes came
 *       back equal to the pattern, 504 after a connect that timed out, 502
 *       otherwise (refused, an error, or short); 400 for a host that is not
 *       an address. x-bytes: bytes read back, x-match: 1 if they matched,
 *       x-error: the errno of on_connect or on_error, x-written and
 *       x-released: bytes handed to h2r_tcp_write and released by it.
 *       With body=1, the bytes read back are the response's body (200 at
 *       the connect, reset if short), the upstream paused while the
 *       response's stream is over its high-water mark, resumed on its
 *       on_drain: a proxy's backpressure.
 *   GET /detach?port=P&n=N[&host=H]
 *       the same relay, detached from the request, which is answered 204 at
 *       once: it lasts until the peer ends it or the server closes, and
 *       prints "detached relay closed" at its on_close.
 *   GET /foreign
 *       204 with x-connect: what h2r_tcp_connect returns from another thread.
 *   GET /stats
 *       204 with x-open: relays not closed yet, x-pauses: h2r_tcp_pause
 *       calls so far, x-drains: on_drain calls so far.
 *
 * A request reset or a connection cut before the answer closes its
 * upstream connection (h2r_tcp_close from on_stream_close).
 *
 * Usage: tcp_server --host HOST --port PORT
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2ring/engine.h"
#include "h2ring/loop.h"
#include "h2ring/server.h"
#include "test_server.h"

#define HEADER(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})

#define PATTERN_SIZE 65536
#define WRITE_SIZE   16384

static uint8_t pattern[PATTERN_SIZE];
/* One worker, so one thread sees these. */
static unsigned long open_relays, pauses, drains;

/* A request relaying through an upstream connection: the stream's user data, freed at the upstream's
 * on_close. */
struct relay {
    h2r_stream *stream; /* referenced until on_close; NULL for a detached relay */
    h2r_tcp *tcp;
    size_t n, written, released, received;
    int body;      /* the bytes read back are the response's body */
    int matched;   /* all bytes read back so far equal the pattern */
    int error;     /* on_connect's or on_error's */
    int timed_out; /* on_connect's was -ETIMEDOUT */
};

static const h2r_header *find(const h2r_header *headers, size_t count, const char *name)
{
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == strlen(name) && memcmp(headers[i].name, name, headers[i].name_len) == 0)
            return &headers[i];
    return NULL;
}

static int is(const h2r_header *header, const char *value)
{
    return header && header->value_len == strlen(value) &&
           memcmp(header->value, value, header->value_len) == 0;
}

/* The query's value of name (after "name="), copied into out; 0 when absent. */
static int query(const h2r_header *path, const char *name, char *out, size_t size)
{
    size_t name_len = strlen(name);
    const char *p = memchr(path->value, '?', path->value_len), *end = path->value + path->value_len;
    while (p && p < end) {
        ++p;
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > name_len && memcmp(p, name, name_len) == 0 && p[name_len] == '=') {
            size_t len = (size_t)(stop - p) - name_len - 1;
            if (len >= size) return 0;
            memcpy(out, p + name_len + 1, len);
            out[len] = 0;
            return 1;
        }
        p = amp;
    }
    return 0;
}

static unsigned long query_number(const h2r_header *path, const char *name, unsigned long otherwise)
{
    char value[24];
    return query(path, name, value, sizeof(value)) ? strtoul(value, NULL, 10) : otherwise;
}

static void respond(h2r_stream *stream, const char *status, const h2r_header *more, size_t count,
                    unsigned flags)
{
    h2r_header headers[8] = {HEADER(":status", status)};
    for (size_t i = 0; i != count; ++i) headers[1 + i] = more[i];
    if (h2r_stream_respond(stream, headers, 1 + count, flags) != 0) h2r_stream_close(stream, H2R_CANCEL);
}

static void count_released(void *ctx, const void *data, size_t len)
{
    struct relay *relay = ctx;
    (void)data;
    relay->released += len;
}

/* Writes the pattern upstream until all n bytes are queued (then the FIN), or the queue is full. */
static void pump(struct relay *relay)
{
    while (relay->written < relay->n) {
        size_t offset = relay->written % PATTERN_SIZE, len = relay->n - relay->written;
        if (len > WRITE_SIZE) len = WRITE_SIZE;
        if (len > PATTERN_SIZE - offset) len = PATTERN_SIZE - offset;
        relay->written += len;
        if (h2r_tcp_write(relay->tcp, pattern + offset, len, count_released, relay) <= 0) return;
    }
    h2r_tcp_shutdown(relay->tcp);
}

static void on_tcp_connect(h2r_tcp *tcp, int err, void *ctx)
{
    struct relay *relay = ctx;
    (void)tcp;
    relay->error = err;
    relay->timed_out = err == -ETIMEDOUT;
    if (!err && relay->body) respond(relay->stream, "200", NULL, 0, 0);
}

static void free_copy(void *ctx, const void *data, size_t len)
{
    (void)ctx, (void)len;
    free((void *)data);
}

static void on_tcp_data(h2r_tcp *tcp, const uint8_t *data, size_t len, void *ctx)
{
    struct relay *relay = ctx;
    for (size_t i = 0; i != len && relay->matched; ++i)
        relay->matched = data[i] == pattern[(relay->received + i) % PATTERN_SIZE];
    relay->received += len;
    if (!relay->body) return;
    uint8_t *copy = malloc(len);
    if (!copy) {
        h2r_tcp_close(tcp);
        return;
    }
    memcpy(copy, data, len);
    /* The response is slower than the upstream: stop reading it until the stream drains. */
    if (h2r_stream_write(relay->stream, copy, len, free_copy, NULL) == 0) {
        h2r_tcp_pause(tcp);
        ++pauses;
    }
}

static void on_tcp_error(h2r_tcp *tcp, int err, void *ctx)
{
    struct relay *relay = ctx;
    (void)tcp;
    relay->error = err;
}

static void on_tcp_drain(h2r_tcp *tcp, void *ctx)
{
    (void)tcp;
    ++drains;
    pump(ctx);
}

/* The relay's end: the request is answered (unless it is gone), and the relay freed. */
static void on_tcp_close(h2r_tcp *tcp, void *ctx)
{
    struct relay *relay = ctx;
    (void)tcp;
    int whole = !relay->error && relay->received == relay->n && relay->matched;
    if (!relay->stream) {
        printf("detached relay closed\n");
        fflush(stdout);
    } else if (relay->body) {
        if (whole)
            h2r_stream_end(relay->stream);
        else
            h2r_stream_close(relay->stream, H2R_INTERNAL_ERROR);
    } else {
        char bytes[24], match[4], error[16], written[24], released[24];
        snprintf(bytes, sizeof(bytes), "%zu", relay->received);
        snprintf(match, sizeof(match), "%d", relay->matched);
        snprintf(error, sizeof(error), "%d", -relay->error);
        snprintf(written, sizeof(written), "%zu", relay->written);
        snprintf(released, sizeof(released), "%zu", relay->released);
        h2r_header headers[] = {HEADER("content-length", "0"), HEADER("x-bytes", bytes),
                                HEADER("x-match", match),      HEADER("x-error", error),
                                HEADER("x-written", written),  HEADER("x-released", released)};
        const char *status = whole ? "200" : relay->timed_out ? "504" : "502";
        respond(relay->stream, status, headers, 6, H2R_RESPOND_END_STREAM);
    }
    if (relay->stream) {
        h2r_stream_set_user_data(relay->stream, NULL);
        h2r_stream_unref(relay->stream);
    }
    free(relay);
    --open_relays;
}

static const h2r_tcp_callbacks relay_callbacks = {
    .on_connect = on_tcp_connect,
    .on_data = on_tcp_data,
    .on_error = on_tcp_error,
    .on_drain = on_tcp_drain,
    .on_close = on_tcp_close,
};

/* A relay for the request (or detached from it, answered at once). */
static void start_relay(h2r_stream *stream, const h2r_header *path, int detached)
{
    char host[64] = "127.0.0.1";
    query(path, "host", host, sizeof(host));
    struct relay *relay = calloc(1, sizeof(*relay));
    if (!relay) {
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
        return;
    }
    relay->stream = stream;
    relay->n = query_number(path, "n", 0);
    relay->body = query_number(path, "body", 0) != 0;
    relay->matched = 1;
    int err =
        h2r_tcp_connect(h2r_stream_loop(stream), host, (uint16_t)query_number(path, "port", 0),
                        (uint32_t)query_number(path, "timeout", 0), &relay_callbacks, relay, &relay->tcp);
    if (err) {
        free(relay);
        h2r_header length = HEADER("content-length", "0");
        respond(stream, err == H2R_ERR_INVALID_ARGUMENT ? "400" : "502", &length, 1, H2R_RESPOND_END_STREAM);
        return;
    }
    ++open_relays;
    if (detached) {
        relay->stream = NULL;
        h2r_header length = HEADER("content-length", "0");
        respond(stream, "204", &length, 1, H2R_RESPOND_END_STREAM);
    } else {
        h2r_stream_ref(stream);
        h2r_stream_set_user_data(stream, relay);
    }
    /* Written before the connect is made: queued until then. */
    pump(relay);
}

static void *connect_from_thread(void *loop)
{
    static const h2r_tcp_callbacks none;
    static int result;
    result = h2r_tcp_connect(loop, "127.0.0.1", 1, 0, &none, NULL, NULL);
    return &result;
}

/* h2r_tcp_connect from a thread of its own (joined at once): refused. */
static void report_foreign(h2r_stream *stream)
{
    pthread_t thread;
    void *result = NULL;
    char connect[16] = "-";
    if (pthread_create(&thread, NULL, connect_from_thread, h2r_stream_loop(stream)) == 0 &&
        pthread_join(thread, &result) == 0)
        snprintf(connect, sizeof(connect), "%d", *(int *)result);
    h2r_header more[] = {HEADER("x-connect", connect)};
    respond(stream, "204", more, 1, H2R_RESPOND_END_STREAM);
}

static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags)
{
    const h2r_header *path = find(headers, count, ":path");
    (void)session, (void)flags;
    if (path && path->value_len >= 7 && memcmp(path->value, "/relay?", 7) == 0) {
        start_relay(stream, path, 0);
    } else if (path && path->value_len >= 8 && memcmp(path->value, "/detach?", 8) == 0) {
        start_relay(stream, path, 1);
    } else if (is(path, "/foreign")) {
        report_foreign(stream);
    } else if (is(path, "/stats")) {
        char open[24], paused[24], drained[24];
        snprintf(open, sizeof(open), "%lu", open_relays);
        snprintf(paused, sizeof(paused), "%lu", pauses);
        snprintf(drained, sizeof(drained), "%lu", drains);
        h2r_header more[] = {HEADER("x-open", open), HEADER("x-pauses", paused), HEADER("x-drains", drained)};
        respond(stream, "204", more, 3, H2R_RESPOND_END_STREAM);
    } else {
        h2r_header length = HEADER("content-length", "0");
        respond(stream, "404", &length, 1, H2R_RESPOND_END_STREAM);
    }
}

/* The response's stream drained: the upstream is read again. */
static void on_drain(h2r_stream *stream)
{
    struct relay *relay = h2r_stream_user_data(stream);
    if (relay) h2r_tcp_resume(relay->tcp);
}

/* The request is gone (reset, or its connection cut): so is its upstream. */
static void on_stream_close(h2r_stream *stream, uint32_t rst_code)
{
    struct relay *relay = h2r_stream_user_data(stream);
    (void)rst_code;
    if (relay) h2r_tcp_close(relay->tcp);
}

int main(int argc, char **argv)
{
    for (size_t i = 0; i != PATTERN_SIZE; ++i) pattern[i] = (uint8_t)(i * 31 + (i >> 8) * 7);
    h2r_server_config config;
    h2r_server_config_init(&config);
    if (test_server_options(argc, argv, "tcp_server", &config, NULL, NULL) < 0) return 2;
    config.allow_http1 = 1;
    config.workers = 1;
    config.callbacks.on_stream = on_stream;
    config.callbacks.on_drain = on_drain;
    config.callbacks.on_stream_close = on_stream_close;
    config.on_listening = test_server_listening;
    return h2r_server_run(&config) == 0 ? 0 : 1;
}
