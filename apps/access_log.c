/*
 * The access log (see access_log.h). The request line comes from the
 * request itself, which lives as long as its response; the client's
 * address from its session, which keeps it from when it opens.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The peer as "192.0.2.1:5000" or "[2001:db8::1]:5000"; without memory for it, the log says "-". */
static void on_session_open(h2r_session *session, const h2r_conn_info *info, void *user_data)
{
    char peer[64];
    (void)user_data;
    snprintf(peer, sizeof(peer), strchr(info->peer_address, ':') ? "[%s]:%u" : "%s:%u", info->peer_address,
             info->peer_port);
    h2r_session_set_app_data(session, strdup(peer));
}

static void on_session_close(h2r_session *session)
{
    free(h2r_session_app_data(session));
    h2r_session_set_app_data(session, NULL);
}

void h2serve_access_log_track_peers(h2r_server_config *config)
{
    config->on_session_open = on_session_open;
    config->callbacks.on_session_close = on_session_close;
}

void h2serve_access_log_line(h2r_stream *stream, const char *method, size_t method_len, const char *path,
                             size_t path_len, unsigned status, size_t body_len)
{
    if (log_fd < 0) return;
    /* A closed stream's session may be gone. */
    const char *peer = h2r_stream_closed(stream) ? NULL : h2r_session_app_data(h2r_stream_session(stream));
    const char *version = h2r_stream_http_version(stream);
    char buf[600];
    int n = snprintf(buf, sizeof(buf), "%s [%s] stream %u \"%.*s %.*s HTTP/%s\" %u %zu\n", peer ? peer : "-",
                     h2r_http_date(), h2r_stream_id(stream), (int)(method_len < 16 ? method_len : 16), method,
                     (int)(path_len < 240 ? path_len : 240), path,
                     strcmp(version, "2.0") == 0 ? "2" : version, status, body_len);
    if (n > 0) {
        /* A full disk must not stop the server: a line that cannot be written is lost. */
        ssize_t written = write(log_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
        (void)written;
    }
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
    if (pushed || !method) method = "PUSH", method_len = 4;
    if (!path) path = "-", path_len = 1;
    h2serve_access_log_line(stream, method, method_len, path, path_len, status, body_len);
}
