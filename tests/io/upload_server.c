/*
 * An upload server on the public API only (h2ring/server.h, h2ring/engine.h),
 * for tests/io/upload_test.py: one worker, one request body held paused
 * (h2r_stream_pause) until a second request resumes it, and what the engine
 * says meanwhile.
 *
 *   PUT or POST /hold   the body is paused as the request arrives; answered
 *                       at its end: 200, x-bytes: the bytes received
 *   PUT or POST /count  the same, never paused
 *   GET /state          204 with the held request's x-bytes (delivered so
 *                       far), x-paused, x-window (its HTTP/2 stream window),
 *                       x-inbound (its session's input kept unread)
 *   GET /resume         h2r_stream_resume on the held request: 204
 *
 * Usage: upload_server --host HOST --port PORT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2ring/engine.h"
#include "h2ring/server.h"
#include "test_server.h"

#define HEADER(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})

/* The request held: one worker, so one thread sees it. */
static h2r_stream *held;

/* A body being counted: the stream's user data. */
struct upload {
    unsigned long long bytes;
};

static int is(const h2r_header *header, const char *value)
{
    return header && header->value_len == strlen(value) &&
           memcmp(header->value, value, header->value_len) == 0;
}

static const h2r_header *find(const h2r_header *headers, size_t count, const char *name)
{
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == strlen(name) && memcmp(headers[i].name, name, headers[i].name_len) == 0)
            return &headers[i];
    return NULL;
}

static void respond(h2r_stream *stream, const char *status, const h2r_header *more, size_t count)
{
    h2r_header headers[6] = {HEADER(":status", status), HEADER("content-length", "0")};
    for (size_t i = 0; i != count; ++i) headers[2 + i] = more[i];
    if (h2r_stream_respond(stream, headers, 2 + count, H2R_RESPOND_END_STREAM) != 0)
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
}

static void report_state(h2r_stream *stream)
{
    char bytes[24] = "-", paused[4] = "-", window[24] = "-", inbound[24] = "-";
    if (held && !h2r_stream_closed(held)) {
        h2r_stream_state st;
        h2r_session_state ss;
        h2r_stream_get_state(held, &st);
        h2r_session_get_state(h2r_stream_session(held), &ss);
        snprintf(bytes, sizeof(bytes), "%llu", ((struct upload *)h2r_stream_user_data(held))->bytes);
        snprintf(paused, sizeof(paused), "%d", h2r_stream_is_paused(held));
        snprintf(window, sizeof(window), "%lld", (long long)st.local_window_size);
        snprintf(inbound, sizeof(inbound), "%zu", ss.inbound_queue_size);
    }
    h2r_header headers[] = {HEADER("x-bytes", bytes), HEADER("x-paused", paused), HEADER("x-window", window),
                            HEADER("x-inbound", inbound)};
    respond(stream, "204", headers, 4);
}

static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags)
{
    const h2r_header *method = find(headers, count, ":method"), *path = find(headers, count, ":path");
    (void)session, (void)flags;
    if (is(method, "GET") && is(path, "/state")) {
        report_state(stream);
    } else if (is(method, "GET") && is(path, "/resume")) {
        respond(stream, held && h2r_stream_resume(held) == 0 ? "204" : "409", NULL, 0);
    } else if ((is(method, "PUT") || is(method, "POST")) && (is(path, "/hold") || is(path, "/count"))) {
        struct upload *upload = calloc(1, sizeof(*upload));
        if (!upload) {
            h2r_stream_close(stream, H2R_INTERNAL_ERROR);
            return;
        }
        h2r_stream_set_user_data(stream, upload);
        if (is(path, "/hold")) {
            if (held) h2r_stream_unref(held);
            held = stream;
            h2r_stream_ref(held);
            h2r_stream_pause(stream);
        }
    } else {
        respond(stream, "404", NULL, 0);
    }
}

static void on_data(h2r_stream *stream, const uint8_t *data, size_t len)
{
    struct upload *upload = h2r_stream_user_data(stream);
    (void)data;
    if (upload) upload->bytes += len;
}

static void on_end(h2r_stream *stream)
{
    struct upload *upload = h2r_stream_user_data(stream);
    char bytes[24];
    if (!upload) return;
    snprintf(bytes, sizeof(bytes), "%llu", upload->bytes);
    h2r_header header = HEADER("x-bytes", bytes);
    respond(stream, "200", &header, 1);
}

static void on_stream_close(h2r_stream *stream, uint32_t rst_code)
{
    (void)rst_code;
    free(h2r_stream_user_data(stream));
    h2r_stream_set_user_data(stream, NULL);
    if (stream == held) {
        h2r_stream_unref(held);
        held = NULL;
    }
}

int main(int argc, char **argv)
{
    h2r_server_config config;
    h2r_server_config_init(&config);
    if (test_server_options(argc, argv, "upload_server", &config, NULL, NULL) < 0) return 2;
    config.allow_http1 = 1;
    config.workers = 1;
    config.callbacks.on_stream = on_stream;
    config.callbacks.on_data = on_data;
    config.callbacks.on_end = on_end;
    config.callbacks.on_stream_close = on_stream_close;
    config.on_listening = test_server_listening;
    return h2r_server_run(&config) == 0 ? 0 : 1;
}
