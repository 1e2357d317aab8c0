/*
 * A server that is a client too, on the public API only, for
 * tests/io/client_test.py: each request is relayed through the worker's
 * pool of client connections (h2ring/client.h: h2r_client_request) to an
 * upstream, and answered with the upstream's status and body as they
 * come. The client's events land on the worker's loop between the
 * server's, and what they write to the server's streams must go out
 * then.
 *
 *   GET /proxy/REST   relayed as GET UPSTREAM/REST: the upstream's status
 *                     and body; 502 with x-error (on_close's error) if no
 *                     response came; the stream reset if the body is cut
 *
 * Usage: proxy_server --host HOST --port PORT [--upstream-http1] UPSTREAM
 *   UPSTREAM          "http://host:port" or "https://host:port" (the
 *                     certificate is not checked: a test's)
 *   --upstream-http1  the upstream connection speaks HTTP/1.1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2ring/client.h"
#include "h2ring/engine.h"
#include "h2ring/server.h"
#include "test_server.h"

#define HEADER(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})

static const char *upstream;
static h2r_client_options upstream_options;

/* A relayed request: the server's stream, referenced until the upstream request's on_close. */
struct relay {
    h2r_stream *stream;
    int responded;
};

static void release_copy(void *ctx, const void *data, size_t len)
{
    (void)ctx, (void)len;
    free((void *)data);
}

static void on_upstream_response(h2r_stream *upstream_stream, const h2r_header *headers, size_t count,
                                 int flags, void *ctx)
{
    struct relay *relay = ctx;
    (void)upstream_stream;
    h2r_header status = HEADER(":status", "502");
    for (size_t i = 0; i != count; ++i) {
        if (headers[i].name_len == 7 && memcmp(headers[i].name, ":status", 7) == 0) {
            status.value = headers[i].value;
            status.value_len = headers[i].value_len;
        }
    }
    relay->responded = 1;
    h2r_stream_respond(relay->stream, &status, 1, flags & H2R_END_STREAM ? H2R_RESPOND_END_STREAM : 0);
}

static void on_upstream_data(h2r_stream *upstream_stream, const uint8_t *data, size_t len, void *ctx)
{
    struct relay *relay = ctx;
    (void)upstream_stream;
    void *copy = malloc(len);
    if (!copy) {
        h2r_stream_close(relay->stream, H2R_INTERNAL_ERROR);
        return;
    }
    memcpy(copy, data, len);
    h2r_stream_write(relay->stream, copy, len, release_copy, NULL);
}

static void on_upstream_end(h2r_stream *upstream_stream, void *ctx)
{
    struct relay *relay = ctx;
    (void)upstream_stream;
    h2r_stream_end(relay->stream);
}

static void on_upstream_close(int err, uint32_t rst_code, void *ctx)
{
    struct relay *relay = ctx;
    (void)rst_code;
    if (err && !relay->responded) {
        char text[16];
        snprintf(text, sizeof(text), "%d", err);
        h2r_header headers[] = {HEADER(":status", "502"), HEADER("x-error", text)};
        h2r_stream_respond(relay->stream, headers, 2, H2R_RESPOND_END_STREAM);
    } else if (err) {
        h2r_stream_close(relay->stream, H2R_INTERNAL_ERROR); /* the body was cut */
    }
    h2r_stream_unref(relay->stream);
    free(relay);
}

static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags)
{
    static const h2r_request_callbacks callbacks = {.on_response = on_upstream_response,
                                                    .on_data = on_upstream_data,
                                                    .on_end = on_upstream_end,
                                                    .on_close = on_upstream_close};
    static const char prefix[] = "/proxy/";
    (void)flags;
    const h2r_header *path = NULL;
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == 5 && memcmp(headers[i].name, ":path", 5) == 0) path = &headers[i];
    char url[1024];
    struct relay *relay;
    if (!path || path->value_len < sizeof(prefix) - 1 ||
        memcmp(path->value, prefix, sizeof(prefix) - 1) != 0 ||
        snprintf(url, sizeof(url), "%s/%.*s", upstream, (int)(path->value_len - (sizeof(prefix) - 1)),
                 path->value + sizeof(prefix) - 1) >= (int)sizeof(url) ||
        !(relay = calloc(1, sizeof(*relay)))) {
        h2r_header not_found = HEADER(":status", "404");
        h2r_stream_respond(stream, &not_found, 1, H2R_RESPOND_END_STREAM);
        return;
    }
    relay->stream = stream;
    h2r_stream_ref(stream);
    h2r_header method = HEADER(":method", "GET");
    int err = h2r_client_request(h2r_session_loop(session), url, &method, 1, NULL, 0, &upstream_options,
                                 &callbacks, relay);
    if (err) on_upstream_close(err, 0, relay);
}

static void on_option(h2r_server_config *config, int val, const char *arg)
{
    (void)config, (void)val, (void)arg; /* --upstream-http1, the one option */
    upstream_options.protocols = H2R_CLIENT_HTTP1;
}

int main(int argc, char **argv)
{
    static const struct option extra[] = {{"upstream-http1", no_argument, NULL, '1'}, {NULL, 0, NULL, 0}};
    h2r_server_config config;
    h2r_server_config_init(&config);
    h2r_client_options_init(&upstream_options);
    upstream_options.insecure = 1;
    int first = test_server_options(argc, argv, "proxy_server", &config, extra, on_option);
    if (first < 0 || first + 1 != argc) {
        fprintf(stderr, "usage: proxy_server --host HOST --port PORT [--upstream-http1] UPSTREAM\n");
        return 2;
    }
    upstream = argv[first];
    config.workers = 1;
    config.allow_http1 = 1;
    config.on_listening = test_server_listening;
    config.callbacks.on_stream = on_stream;
    return h2r_server_run(&config) == 0 ? 0 : 1;
}
