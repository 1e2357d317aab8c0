/*
 * respondWithFD / respondWithFile (h2ring/file.h): a request waits for its
 * file's open and stat (file_cache.c), then statCheck, the response
 * headers with content-length, and the body by reference: memory for a
 * small cached file, a file range for anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

void h2r_file_options_init(h2r_file_options *o)
{
    *o = (h2r_file_options){.offset = 0, .length = -1, .dir_fd = AT_FDCWD};
}

static int is_named(const h2r_header *h, const char *name)
{
    return h->name_len == strlen(name) && memcmp(h->name, name, h->name_len) == 0;
}

static int add_header(struct h2r_file_response *r, const char *name, size_t name_len, const char *value,
                      size_t value_len)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        h2r_header *grown = realloc(r->headers, cap * sizeof(*grown));
        if (!grown) return H2R_ERR_NOMEM;
        r->headers = grown;
        r->cap = cap;
    }
    char *copy = malloc(name_len + value_len + 2);
    if (!copy) return H2R_ERR_NOMEM;
    memcpy(copy, name, name_len);
    copy[name_len] = '\0';
    memcpy(copy + name_len + 1, value, value_len);
    copy[name_len + 1 + value_len] = '\0';
    r->headers[r->count++] = (h2r_header){
        .name = copy, .name_len = name_len, .value = copy + name_len + 1, .value_len = value_len};
    return 0;
}

int h2r_file_response_set_header(h2r_file_response *r, const char *name, const char *value)
{
    size_t i = 0;
    while (i != r->count && !is_named(&r->headers[i], name)) ++i;
    int err = add_header(r, name, strlen(name), value, strlen(value));
    if (err || i == r->count - 1) return err;
    /* Replaced in place: pseudo-headers such as :status must stay first. */
    free((char *)r->headers[i].name);
    r->headers[i] = r->headers[--r->count];
    return 0;
}

void h2r_file_response_set_range(h2r_file_response *r, int64_t offset, int64_t length)
{
    r->offset = offset;
    r->length = length;
}

static void request_free(struct file_request *req)
{
    if (req->options.release_ctx) req->options.release_ctx(req->options.ctx);
    for (size_t i = 0; i != req->response.count; ++i) free((char *)req->response.headers[i].name);
    free(req->response.headers);
    h2r_stream_unref(req->stream);
    free(req);
}

static void fail(struct file_request *req, int err)
{
    if (req->options.on_error)
        req->options.on_error(req->stream, err, req->options.ctx);
    else
        h2r_stream_close(req->stream, H2R_INTERNAL_ERROR);
}

/* statCheck, then the headers with content-length, then the body by reference. */
static void respond(struct file_request *req, struct file_entry *entry)
{
    h2r_stream *stream = req->stream;
    struct stat st = entry->st;
    struct h2r_file_response *r = &req->response;
    if (req->options.stat_check && req->options.stat_check(stream, &st, r, req->options.ctx)) return;

    int64_t size = entry->st.st_size;
    int64_t offset = r->offset < 0 ? 0 : r->offset > size ? size : r->offset;
    int64_t length = r->length < 0 || r->length > size - offset ? size - offset : r->length;
    char content_length[24];
    snprintf(content_length, sizeof(content_length), "%" PRId64, length);
    unsigned trailers = req->options.flags & H2R_RESPOND_WAIT_FOR_TRAILERS;
    int err = h2r_file_response_set_header(r, "content-length", content_length);
    if (!err)
        err = h2r_stream_respond(stream, r->headers, r->count,
                                 length == 0 && !trailers ? H2R_RESPOND_END_STREAM : trailers);
    if (err) {
        /* Headers the protocol refuses (connection-specific ones...) are the application's error. */
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
        return;
    }
    if (length == 0 || h2r_stream_closed(stream)) return;
    /* A response to HEAD ended with its headers: the write is refused, and the reference given back. */
    ++entry->refs;
    if (entry->data)
        h2r_stream_write(stream, entry->data + offset, (size_t)length, h2r_file_entry_release, entry);
    else
        h2r_stream_write_file(stream, entry->fd, offset, (size_t)length, h2r_file_entry_release, entry);
    h2r_stream_end(stream);
}

/* The file is there (or failed: entry->error): the response goes on, unless its stream or connection went. */
static void request_ready(struct file_waiter *waiter, struct file_entry *entry)
{
    struct file_request *req = (struct file_request *)waiter;
    struct conn *c = req->conn;
    /* The stream (or the whole connection) may have gone while the file was opened. */
    if (c->state != CONN_CLOSING && !h2r_stream_closed(req->stream)) {
        if (entry->error)
            fail(req, entry->error);
        else if (!S_ISREG(entry->st.st_mode))
            fail(req, S_ISDIR(entry->st.st_mode) ? -EISDIR : -EINVAL);
        else
            respond(req, entry);
        h2r_conn_mark_dirty(c);
    }
    request_free(req);
    h2r_conn_op_done(c);
}

static struct file_request *request_new(h2r_stream *stream, const h2r_header *headers, size_t count,
                                        const h2r_file_options *options, int *err)
{
    /* A closed stream may have outlived its session (h2r_stream_session is then NULL): asked first. */
    *err = h2r_stream_closed(stream) ? H2R_ERR_STREAM_CLOSED : 0;
    if (*err) return NULL;
    struct conn *c = h2r_session_transport(h2r_stream_session(stream));
    *err = h2r_stream_headers_sent(stream) || !c ? H2R_ERR_INVALID_STATE : 0;
    if (*err) return NULL;
    struct file_request *req = calloc(1, sizeof(*req));
    if (!req) goto no_memory;
    h2r_stream_ref(stream);
    req->stream = stream;
    req->conn = c;
    req->waiter.ready = request_ready;
    if (options)
        req->options = *options;
    else
        h2r_file_options_init(&req->options);
    req->response.offset = req->options.offset;
    req->response.length = req->options.length;
    for (size_t i = 0; i != count; ++i) {
        if (add_header(&req->response, headers[i].name, headers[i].name_len, headers[i].value,
                       headers[i].value_len) != 0) {
            req->options.release_ctx = NULL; /* the caller still owns ctx when the call fails */
            request_free(req);
            goto no_memory;
        }
    }
    ++c->pending_ops; /* the connection stays until the file is there */
    return req;
no_memory:
    *err = H2R_ERR_NOMEM;
    return NULL;
}

int h2r_stream_respond_with_file(h2r_stream *stream, const char *path, const h2r_header *headers,
                                 size_t count, const h2r_file_options *options)
{
    int err;
    struct file_request *req = request_new(stream, headers, count, options, &err);
    if (!req) return err;
    h2r_file_cache_open(req->conn->worker, req->options.dir_fd, req->options.beneath, path, &req->waiter);
    return 0;
}

int h2r_stream_respond_with_fd(h2r_stream *stream, int fd, const h2r_header *headers, size_t count,
                               const h2r_file_options *options)
{
    if (fd < 0) return H2R_ERR_INVALID_ARGUMENT;
    int err;
    struct file_request *req = request_new(stream, headers, count, options, &err);
    if (!req) return err;
    h2r_file_cache_stat_fd(req->conn->worker, fd, &req->waiter);
    return 0;
}
