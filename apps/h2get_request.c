/*
 * What h2get's connections and requests are made of: the options the
 * command line asks for, a request's headers and its body.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h2get.h"

void h2get_client_options(const struct h2get_options *o, h2r_client_options *client,
                          h2r_session_options *session)
{
    h2r_session_options_init(session);
    if (o->no_push) session->settings.enable_push = 0;
    h2r_client_options_init(client);
    client->session_options = session;
    client->ca_file = o->cacert;
    client->insecure = o->insecure;
    if (o->http1) client->protocols = H2R_CLIENT_HTTP1;
}

const h2r_header *h2get_field(const h2r_header *headers, size_t count, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == len && memcmp(headers[i].name, name, len) == 0) return &headers[i];
    return NULL;
}

int h2get_status(const h2r_header *headers, size_t count)
{
    const h2r_header *status = h2get_field(headers, count, ":status");
    int value = 0;
    for (size_t i = 0; status && status->value_len == 3 && i != 3; ++i) {
        if (status->value[i] < '0' || status->value[i] > '9') return 0;
        value = value * 10 + status->value[i] - '0';
    }
    return value;
}

/* Where the authority of url starts (after "scheme://"), or url itself if it has no scheme. */
static const char *authority_of(const char *url)
{
    const char *scheme_end = strstr(url, "://");
    return scheme_end ? scheme_end + 3 : url;
}

const char *h2get_url_path(const char *url)
{
    const char *authority = authority_of(url);
    const char *path = authority + strcspn(authority, "/?#");
    return *path == '/' || *path == '?' ? path : "/";
}

/* The length of url's origin: its scheme and authority. */
static size_t origin_len(const char *url)
{
    const char *authority = authority_of(url);
    return (size_t)(authority - url) + strcspn(authority, "/?#");
}

int h2get_same_origin(const char *a, const char *b)
{
    return origin_len(a) == origin_len(b) && strncmp(a, b, origin_len(a)) == 0;
}

static void close_file(void *ctx, const void *data, size_t len)
{
    (void)data, (void)len;
    close((int)(intptr_t)ctx);
}

/* -d @FILE's body: the file's range, read by the runtime as flow control lets it go. */
static int open_body(const char *path, int *fd, size_t *size)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (*fd < 0 || fstat(*fd, &st) != 0) {
        int err = -errno;
        if (*fd >= 0) close(*fd);
        return err;
    }
    *size = (size_t)st.st_size;
    return 0;
}

#define FIELD(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})

/* Appends -H's fields that are pseudo-headers (pseudo 1) or not (0): pseudo-headers go first (RFC 9113 §8.3).
 */
static size_t add_given(const struct h2get_options *o, int pseudo, h2r_header *headers, size_t count)
{
    for (size_t i = 0; i != o->header_count; ++i)
        if ((o->headers[i].name[0] == ':') == pseudo) headers[count++] = o->headers[i];
    return count;
}

/* The request's fields: ours where -H gives none of the name, then -H's. */
static size_t request_headers(const struct h2get_options *o, const char *url, const char *length,
                              h2r_header *headers)
{
    int has_body = o->data || o->data_file;
    size_t count = 0;
    if (!h2get_field(o->headers, o->header_count, ":method"))
        headers[count++] = FIELD(":method", has_body ? "POST" : "GET");
    if (!h2get_field(o->headers, o->header_count, ":path"))
        headers[count++] = FIELD(":path", h2get_url_path(url));
    count = add_given(o, 1, headers, count);
    if (has_body && !h2get_field(o->headers, o->header_count, "content-length"))
        headers[count++] = FIELD("content-length", length);
    /* what curl's -d says too */
    if (has_body && !h2get_field(o->headers, o->header_count, "content-type"))
        headers[count++] = FIELD("content-type", "application/x-www-form-urlencoded");
    return add_given(o, 0, headers, count);
}

/* Queues the body and its end; a negative error if it could not be. */
static int send_body(h2r_stream *stream, const struct h2get_options *o, int fd, size_t len)
{
    int err = 0;
    if (fd >= 0 && len)
        err = h2r_stream_write_file(stream, fd, 0, len, close_file, (void *)(intptr_t)fd);
    else if (fd >= 0)
        close(fd);
    else if (len)
        err = h2r_stream_write(stream, o->data, len, NULL, NULL);
    return err < 0 ? err : h2r_stream_end(stream);
}

int h2get_request(h2r_session *session, const struct h2get_options *o, const char *url, void *user_data,
                  h2r_stream **stream)
{
    int fd = -1;
    size_t body_len = o->data ? strlen(o->data) : 0;
    if (o->data_file) {
        int err = open_body(o->data_file, &fd, &body_len);
        if (err) return err;
    }
    char length[24];
    snprintf(length, sizeof(length), "%zu", body_len);
    h2r_header headers[H2GET_MAX_HEADERS + 4];
    size_t count = request_headers(o, url, length, headers);
    int has_body = o->data || o->data_file;
    int err = h2r_session_request(session, headers, count, has_body ? 0 : H2R_REQUEST_END_STREAM, stream);
    if (err) {
        if (fd >= 0) close(fd);
        return err;
    }
    h2r_stream_set_user_data(*stream, user_data);
    if (o->verbose) h2get_trace_headers(1, h2r_session_is_http1(session), headers, count);
    /* The request is out already: a body that cannot follow resets it, and its stream's close tells. */
    if (has_body && send_body(*stream, o, fd, body_len) < 0) h2r_stream_close(*stream, H2R_INTERNAL_ERROR);
    return 0;
}
