/*
 * The access log (see access_log.h). The request line comes from the
 * request itself, which lives as long as its response.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "access_log.h"

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

void h2serve_access_log(const h2r_request *req, unsigned status, size_t body_len)
{
    if (log_fd < 0) return;
    h2r_stream *stream = h2r_request_stream(req);
    /* Streams we open (pushes) have even ids. */
    int pushed = h2r_stream_id(stream) % 2 == 0;
    size_t method_len, path_len;
    const char *method = pushed ? NULL : h2r_request_method(req, &method_len);
    const char *path = h2r_request_url(req, &path_len);
    const char *version = h2r_request_http_version(req);
    if (pushed || !method) method = "PUSH", method_len = 4;
    if (!path) path = "-", path_len = 1;
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "[%s] stream %u \"%.*s %.*s HTTP/%s\" %u %zu\n", h2r_http_date(),
                     h2r_stream_id(stream), (int)(method_len < 16 ? method_len : 16), method,
                     (int)(path_len < 240 ? path_len : 240), path,
                     strcmp(version, "2.0") == 0 ? "2" : version, status, body_len);
    if (n > 0) {
        /* A full disk must not stop the server: a line that cannot be written is lost. */
        ssize_t written = write(log_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
        (void)written;
    }
}
