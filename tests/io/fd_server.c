/*
 * A file server on the public API only (h2ring/server.h, h2ring/file.h, h2ring/engine.h),
 * for tests/io/fd_test.py: it opens each file itself and answers with
 * h2r_stream_respond_with_fd.
 *
 *   GET or HEAD /NAME                       the file NAME of DIR, whole
 *   GET or HEAD /range/OFFSET/LENGTH/NAME   LENGTH bytes (-1: to the end) from
 *                                           OFFSET, the options' offset and length
 *   GET or HEAD /at-once/NAME               the file NAME, closed by the server as soon as
 *                                           h2r_stream_respond_with_fd returns
 *   GET /open-files                         x-open-files: how many files are open
 *
 * Otherwise a file stays open until its stream closes, and is closed then,
 * in on_stream_close: /open-files lets the test see every one closed, after
 * resets and lost connections too.
 *
 * Usage: fd_server --host HOST --port PORT DIR
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2ring/engine.h"
#include "h2ring/file.h"
#include "h2ring/server.h"
#include "test_server.h"

/* A header from two C strings. */
#define HEADER(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})
#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static int dir_fd = -1;
/* Files opened and not closed yet, over every worker. */
static atomic_int open_files;

/* A stream's user data while it sends a file. */
struct open_file {
    int fd;
};

static const h2r_header *find_header(const h2r_header *headers, size_t count, const char *name)
{
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == strlen(name) && memcmp(headers[i].name, name, headers[i].name_len) == 0)
            return &headers[i];
    return NULL;
}

static void respond_empty(h2r_stream *stream, const char *status, const char *name, const char *value)
{
    h2r_header headers[] = {HEADER(":status", status), HEADER(name, value)};

    if (h2r_stream_respond(stream, headers, COUNT(headers), H2R_RESPOND_END_STREAM) != 0)
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
}

/* A name in DIR itself: no path, no dot file (which covers "." and ".."). */
static int is_plain_name(const char *name)
{
    return name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL;
}

/*
 * Answers with the file NAME of DIR. It stays open until its stream closes,
 * or, with close_at_once, is closed as soon as the call returns (the
 * runtime reads through its own duplicate, as h2ring/file.h says).
 */
static void serve_file(h2r_stream *stream, const char *name, int64_t offset, int64_t length,
                       int close_at_once)
{
    h2r_header headers[] = {HEADER(":status", "200"), HEADER("content-type", "application/octet-stream")};
    struct open_file *file = NULL;
    h2r_file_options options;
    int fd, err;

    if (!is_plain_name(name) || (fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC)) < 0) {
        respond_empty(stream, "404", "content-length", "0");
        return;
    }
    if (!close_at_once) {
        if ((file = malloc(sizeof(*file))) == NULL) {
            close(fd);
            h2r_stream_close(stream, H2R_INTERNAL_ERROR);
            return;
        }
        file->fd = fd;
        atomic_fetch_add(&open_files, 1);
        /*
         * Set first: the stream may close inside the call (no memory), and on_stream_close closes the file.
         */
        h2r_stream_set_user_data(stream, file);
    }

    h2r_file_options_init(&options);
    options.offset = offset;
    options.length = length;
    err = h2r_stream_respond_with_fd(stream, fd, headers, COUNT(headers), &options);
    if (close_at_once) close(fd);
    if (err != 0) {
        fprintf(stderr, "fd_server: h2r_stream_respond_with_fd: %s\n", h2r_strerror(err));
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
    }
}

/* "/range/OFFSET/LENGTH/NAME": serves the range, or returns -1 if path is not one. */
static int serve_range(h2r_stream *stream, const char *path)
{
    static const char prefix[] = "/range/";
    long long offset, length;
    char *end;

    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0) return -1;
    offset = strtoll(path + sizeof(prefix) - 1, &end, 10);
    if (*end != '/') return -1;
    length = strtoll(end + 1, &end, 10);
    if (*end != '/') return -1;
    serve_file(stream, end + 1, offset, length, 0);
    return 0;
}

static int has_value(const h2r_header *header, const char *value)
{
    return header != NULL && header->value_len == strlen(value) &&
           memcmp(header->value, value, header->value_len) == 0;
}

static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags)
{
    const h2r_header *method = find_header(headers, count, ":method");
    const h2r_header *path_header = find_header(headers, count, ":path");
    char path[1024];

    (void)session, (void)flags;
    if (!has_value(method, "GET") && !has_value(method, "HEAD")) {
        respond_empty(stream, "405", "allow", "GET, HEAD");
        return;
    }
    if (path_header == NULL || path_header->value_len >= sizeof(path)) {
        respond_empty(stream, "404", "content-length", "0");
        return;
    }
    memcpy(path, path_header->value, path_header->value_len);
    path[path_header->value_len] = '\0';

    if (strcmp(path, "/open-files") == 0) {
        char text[16];
        snprintf(text, sizeof(text), "%d", atomic_load(&open_files));
        respond_empty(stream, "200", "x-open-files", text);
    } else if (strncmp(path, "/at-once/", 9) == 0) {
        serve_file(stream, path + 9, 0, -1, 1);
    } else if (serve_range(stream, path) != 0) {
        serve_file(stream, path + 1, 0, -1, 0);
    }
}

static void on_stream_close(h2r_stream *stream, uint32_t rst_code)
{
    struct open_file *file = h2r_stream_user_data(stream);

    (void)rst_code;
    if (file == NULL) return;
    close(file->fd);
    free(file);
    h2r_stream_set_user_data(stream, NULL);
    atomic_fetch_sub(&open_files, 1);
}

int main(int argc, char **argv)
{
    h2r_server_config config;
    h2r_server_config_init(&config);
    int first = test_server_options(argc, argv, "fd_server", &config, NULL, NULL);
    if (first < 0) return 2;
    if (first != argc - 1) {
        fprintf(stderr, "usage: fd_server --host HOST --port PORT DIR\n");
        return 2;
    }
    if ((dir_fd = open(argv[first], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        perror(argv[first]);
        return 2;
    }
    config.allow_http1 = 1;
    config.callbacks.on_stream = on_stream;
    config.callbacks.on_stream_close = on_stream_close;
    config.on_listening = test_server_listening;
    return h2r_server_run(&config) == 0 ? 0 : 1;
}
