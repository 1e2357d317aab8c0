/*
 * The access log (see access_log.h). The request's method and path are kept
 * in a small per-stream record hung on the stream's user data.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access_log.h"
#include "respond.h"

static int log_fd = -1;

int h2serve_access_log_open(const char *path)
{
    if (!path) return 0;
    if (strcmp(path, "-") == 0) {
        log_fd = STDOUT_FILENO;
        return 0;
    }
    log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return log_fd < 0 ? -1 : 0;
}

struct request_line {
    char method[16];
    char path[240];
};

void h2serve_access_log_forget(h2r_stream *stream)
{
    free(h2r_stream_user_data(stream));
    h2r_stream_set_user_data(stream, NULL);
}

void h2serve_access_log_request(h2r_stream *stream, const h2r_header *headers, size_t count)
{
    if (log_fd < 0) return;
    struct request_line *line = calloc(1, sizeof(*line));
    if (!line) return;
    size_t len;
    /* A missing header has len 0, which must not cut its stand-in: a promise (no :method) logs as PUSH. */
    const char *method = h2serve_header(headers, count, ":method", &len);
    snprintf(line->method, sizeof(line->method), "%.*s", method ? (int)len : 4, method ? method : "PUSH");
    const char *path = h2serve_header(headers, count, ":path", &len);
    snprintf(line->path, sizeof(line->path), "%.*s", path ? (int)len : 1, path ? path : "-");
    h2r_stream_set_user_data(stream, line);
}

void h2serve_access_log(h2r_stream *stream, unsigned status, size_t body_len)
{
    if (log_fd < 0) return;
    struct request_line *line = h2r_stream_user_data(stream);
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "[%s] stream %u \"%s %s HTTP/2\" %u %zu\n", h2serve_http_date(),
                     h2r_stream_id(stream), line ? line->method : "PUSH", line ? line->path : "-", status,
                     body_len);
    if (n > 0) {
        /* A full disk must not stop the server: a line that cannot be written is lost. */
        ssize_t written = write(log_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
        (void)written;
    }
    free(line);
    h2r_stream_set_user_data(stream, NULL);
}
