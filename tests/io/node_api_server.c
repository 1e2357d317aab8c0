/*
 * A server on the public API only for tests/io/node_api_test.py: what of
 * Node's http2 server API a real client sees on the wire.
 *
 *   GET /ping   h2r_session_ping without a payload; answered from the ping's
 *               callback: 200, "ERR DURATION_MS PAYLOAD_HEX"
 *   GET /peer   200, "AUTHORIZED SUBJECT": the client's certificate as h2r_conn_info tells it ("-" for none)
 *   GET /       200, "hello"
 *
 * --origin ORIGIN (repeatable): the server's origins (an ORIGIN frame on
 * every HTTP/2 session over TLS). --idle-timeout MS: the server's idle
 * timeout, with an on_timeout (Node's server.setTimeout callback) that
 * prints "timeout N" (N counting the calls for the session) and closes the
 * session at its second call. --client-ca PEM: ask clients for a certificate
 * verified against these CAs (requestCert, ca), and refuse those without
 * one unless --no-reject (rejectUnauthorized: false).
 *
 * Usage: node_api_server --host HOST --port PORT [--cert PEM --key PEM [--client-ca PEM [--no-reject]]]
 *                        [--origin O]... [--idle-timeout MS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2ring/engine.h"
#include "h2ring/server.h"
#include "test_server.h"

#define HEADER(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})
#define MAX_ORIGINS  4

static h2r_tls_certificate certificate;
static const char *origins[MAX_ORIGINS];

static void release_body(void *ctx, const void *data, size_t len)
{
    (void)ctx, (void)len;
    free((void *)data);
}

/* 200 with body, a malloc'd string the stream releases. */
static void respond_text(h2r_stream *stream, char *body)
{
    h2r_header headers[] = {HEADER(":status", "200"), HEADER("content-type", "text/plain")};
    if (!body || h2r_stream_respond(stream, headers, 2, 0) != 0 ||
        h2r_stream_write(stream, body, strlen(body), release_body, NULL) < 0 || h2r_stream_end(stream) != 0)
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
}

/* The ping's answer comes back to the request that asked for it, held meanwhile. */
static void on_ping_ack(h2r_session *session, int err, double duration_ms, const uint8_t payload[8],
                        void *ctx)
{
    h2r_stream *stream = ctx;
    char *body = malloc(64);
    (void)session;
    if (body) {
        int n = snprintf(body, 64, "%d %.6f ", err, duration_ms);
        for (int i = 0; i != 8; ++i) n += snprintf(body + n, 64 - (size_t)n, "%02x", payload[i]);
    }
    if (!h2r_stream_closed(stream))
        respond_text(stream, body);
    else
        free(body);
    h2r_stream_unref(stream);
}

static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags)
{
    const h2r_header *path = test_server_find(headers, count, ":path");
    (void)flags;
    if (test_server_is(path, "/ping")) {
        h2r_stream_ref(stream);
        int err = h2r_session_ping(session, NULL, on_ping_ack, stream);
        if (err) {
            h2r_stream_unref(stream);
            h2r_stream_close(stream, H2R_INTERNAL_ERROR);
        }
        return;
    }
    if (test_server_is(path, "/peer")) {
        h2r_conn_info info;
        char *body = h2r_session_conn_info(session, &info) == 0 ? malloc(512) : NULL;
        if (body)
            snprintf(body, 512, "%d %s", info.peer_authorized, info.peer_subject ? info.peer_subject : "-");
        respond_text(stream, body);
        return;
    }
    respond_text(stream, strdup("hello"));
}

/* Node's server 'timeout': counted per session (its app data), which closes at the second. */
static void on_timeout(h2r_session *session, void *user_data)
{
    uintptr_t calls = (uintptr_t)h2r_session_app_data(session) + 1;
    (void)user_data;
    h2r_session_set_app_data(session, (void *)calls);
    printf("timeout %u\n", (unsigned)calls);
    fflush(stdout);
    if (calls == 2) h2r_session_close(session);
}

static void on_option(h2r_server_config *config, int val, const char *arg)
{
    switch (val) {
    case 'c': certificate.cert_file = arg; break;
    case 'k': certificate.key_file = arg; break;
    case 'o':
        if (config->origin_count == MAX_ORIGINS) exit(2);
        origins[config->origin_count++] = arg;
        break;
    case 'i':
        config->idle_timeout_ms = (unsigned)atoi(arg);
        config->on_timeout = on_timeout;
        break;
    case 'a':
        config->tls_request_cert = 1;
        config->tls_ca_file = arg;
        break;
    case 'n': config->tls_reject_unauthorized = 0; break;
    }
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"cert", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},
        {"origin", required_argument, NULL, 'o'},
        {"idle-timeout", required_argument, NULL, 'i'},
        {"client-ca", required_argument, NULL, 'a'},
        {"no-reject", no_argument, NULL, 'n'},
        {0},
    };
    h2r_server_config config;
    h2r_server_config_init(&config);
    config.origins = origins;
    if (test_server_options(argc, argv, "node_api_server", &config, options, on_option) < 0) return 2;
    if (certificate.cert_file) {
        config.tls_certificates = &certificate;
        config.tls_certificate_count = 1;
    }
    config.workers = 1;
    config.callbacks.on_stream = on_stream;
    config.on_listening = test_server_listening;
    return h2r_server_run(&config) == 0 ? 0 : 1;
}
