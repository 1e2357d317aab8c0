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

static int has_field(const struct h2get_options *o, const char *name)
{
    for (size_t i = 0; i != o->header_count; ++i)
        if (o->headers[i].name_len == strlen(name) && memcmp(o->headers[i].name, name, strlen(name)) == 0)
            return 1;
    return 0;
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

int h2get_request(h2r_session *session, const struct h2get_options *o, const char *url, void *user_data,
                  h2r_stream **stream)
{
    int has_body = o->data || o->data_file;
    int fd = -1;
    size_t body_len = o->data ? strlen(o->data) : 0;
    if (o->data_file) {
        int err = open_body(o->data_file, &fd, &body_len);
        if (err) return err;
    }
    h2r_header headers[H2GET_MAX_HEADERS + 4];
    size_t count = 0;
    char length[24];
    snprintf(length, sizeof(length), "%zu", body_len);
    if (!has_field(o, ":method")) headers[count++] = FIELD(":method", has_body ? "POST" : "GET");
    if (!has_field(o, ":path")) headers[count++] = FIELD(":path", h2get_url_path(url));
    if (has_body && !has_field(o, "content-length")) headers[count++] = FIELD("content-length", length);
    /* curl's -d says the same */
    if (has_body && !has_field(o, "content-type"))
        headers[count++] = FIELD("content-type", "application/x-www-form-urlencoded");
    memcpy(headers + count, o->headers, o->header_count * sizeof(h2r_header));
    count += o->header_count;
    int err = h2r_session_request(session, headers, count, has_body ? 0 : H2R_REQUEST_END_STREAM, stream);
    if (err) {
        if (fd >= 0) close(fd);
        return err;
    }
    h2r_stream_set_user_data(*stream, user_data);
    if (o->verbose) h2get_trace_headers(1, h2r_session_is_http1(session), headers, count);
    if (!has_body) return 0;
    if (fd >= 0)
        err = body_len ? h2r_stream_write_file(*stream, fd, 0, body_len, close_file, (void *)(intptr_t)fd)
                       : (close(fd), 0);
    else if (body_len)
        err = h2r_stream_write(*stream, o->data, body_len, NULL, NULL);
    if (err >= 0) err = h2r_stream_end(*stream);
    /* The request is out already: its stream's close tells the caller. */
    if (err < 0) h2r_stream_close(*stream, H2R_INTERNAL_ERROR);
    return 0;
}
