/*
 * hello: "Hello, World!" on / over HTTP/2 (h2c), with the stream API
 * (Node's server.on('stream')).
 *
 *   cc hello.c $(pkg-config --cflags --libs h2ring) -o hello
 *   ./hello --port 8080 &
 *   curl --http2-prior-knowledge http://127.0.0.1:8080/
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <h2ring/h2ring.h>

#define HEADER(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})

/* Names and values are byte strings with a length, not NUL-terminated. */
static int equals(const char *bytes, size_t len, const char *text)
{
    return len == strlen(text) && memcmp(bytes, text, len) == 0;
}

/* A new request; its headers are valid during this call only. */
static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags)
{
    static const char hello[] = "Hello, World!";
    int root = 0;
    for (size_t i = 0; i != count; ++i)
        if (equals(headers[i].name, headers[i].name_len, ":path"))
            root = equals(headers[i].value, headers[i].value_len, "/");
    (void)session, (void)flags;

    if (!root) {
        h2r_header not_found[] = {HEADER(":status", "404")};
        h2r_stream_respond(stream, not_found, 1, H2R_RESPOND_END_STREAM);
        return;
    }
    h2r_header ok[] = {HEADER(":status", "200"), HEADER("content-type", "text/plain"),
                       HEADER("content-length", "13")};
    /* The body goes by reference: static memory needs no release callback. */
    if (h2r_stream_respond(stream, ok, 3, 0) != 0 || h2r_stream_write(stream, hello, 13, NULL, NULL) < 0 ||
        h2r_stream_end(stream) != 0)
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
}

static void on_listening(const char *url, void *user_data)
{
    (void)user_data;
    printf("hello listening on %s\n", url);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    h2r_server_config config;
    h2r_server_config_init(&config); /* 127.0.0.1, a worker thread per CPU */
    if (argc != 1 && !(argc == 3 && strcmp(argv[1], "--port") == 0)) {
        fprintf(stderr, "usage: hello [--port N]\n");
        return 2;
    }
    config.port = argc == 3 ? (uint16_t)atoi(argv[2]) : 8080;
    config.callbacks.on_stream = on_stream;
    config.on_listening = on_listening;
    /* Serves until SIGINT or SIGTERM, then shuts down gracefully. */
    return h2r_server_run(&config) == 0 ? 0 : 1;
}
