/*
 * Static files from a document root (see static_files.h): the request's
 * path becomes a file name, respondWithFile opens it beneath the root
 * through the ring, and statCheck answers conditional and Range requests
 * from the file's stat (RFC 9110 §13, §14) before anything is sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access_log.h"
#include "h2r_file.h"
#include "http_conditional.h"
#include "http_range.h"
#include "mime_types.h"
#include "respond.h"
#include "static_files.h"

#define MAX_PATH 1024

static int root_fd = -1;

int h2serve_static_open_root(const char *dir)
{
    root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return root_fd < 0 ? -1 : 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/*
 * Turns the :path into a relative file name: the query is dropped,
 * %XX decoded, and anything that could name something outside a plain
 * tree (an encoded '/' or NUL, a ".." segment) is refused with -1.
 */
static int decode_path(const char *path, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    if (len == 0 || path[0] != '/') return -1;
    for (size_t i = 1; i < len && path[i] != '?' && path[i] != '#'; ++i) {
        char c = path[i];
        if (c == '%') {
            int hi = i + 2 < len ? hex_value(path[i + 1]) : -1, lo = hi >= 0 ? hex_value(path[i + 2]) : -1;
            if (lo < 0) return -1;
            c = (char)(hi << 4 | lo);
            if (c == '/' || c == '\0') return -1;
            i += 2;
        }
        if (n + 1 >= cap) return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    /* Refuse ".." as a whole segment; the kernel would refuse the escape, but a clear 404 is better than a
     * 403. */
    for (const char *seg = out; *seg;) {
        const char *end = strchr(seg, '/');
        size_t seg_len = end ? (size_t)(end - seg) : strlen(seg);
        if (seg_len == 2 && seg[0] == '.' && seg[1] == '.') return -1;
        seg += seg_len + (end ? 1 : 0);
    }
    return (int)n;
}

/* What statCheck and onError need of the request, copied: they run after on_stream returned. */
struct file_request_ctx {
    unsigned refs; /* one per respondWithFile under way (an index.html retry adds one) */
    int is_head;
    int tried_index;
    char name[MAX_PATH + 16];
    char *range, *if_range; /* NUL-terminated copies, or NULL */
    struct h2serve_request_conditions conditions;
};

static char *copy_header(const h2r_header *headers, size_t count, const char *name, size_t *len)
{
    size_t n;
    const char *value = h2serve_header(headers, count, name, &n);
    char *copy = value ? strndup(value, n) : NULL;
    if (len) *len = copy ? n : 0;
    return copy;
}

static void release_ctx(void *ctx)
{
    struct file_request_ctx *r = ctx;
    if (--r->refs) return;
    free(r->range);
    free(r->if_range);
    free((char *)r->conditions.if_match);
    free((char *)r->conditions.if_unmodified_since);
    free((char *)r->conditions.if_none_match);
    free((char *)r->conditions.if_modified_since);
    free(r);
}

static void respond_error(h2r_stream *stream, unsigned status, const char *text)
{
    h2serve_respond(stream, status, "text/plain; charset=utf-8", text, strlen(text), NULL, NULL, NULL, 0);
}

#define HEADER(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})

/* statCheck: validators, then 304/412, Range (206/416) or the whole file. */
static int check_file(h2r_stream *stream, const struct stat *st, h2r_file_response *response, void *ctx)
{
    struct file_request_ctx *r = ctx;
    uint64_t size = (uint64_t)st->st_size;
    /* Last-Modified may not be later than Date (RFC 9110 §8.8.2.1). */
    time_t now = time(NULL), modified = st->st_mtim.tv_sec < now ? st->st_mtim.tv_sec : now;
    char etag[H2SERVE_ETAG_MAX], last_modified[H2SERVE_HTTP_DATE_MAX];
    size_t etag_len = h2serve_etag(etag, sizeof(etag), &st->st_mtim, size);
    h2serve_http_date_format(last_modified, sizeof(last_modified), modified);

    enum h2serve_precondition pre = h2serve_evaluate_preconditions(&r->conditions, etag, etag_len, modified);
    if (pre != H2SERVE_PRECONDITION_PROCEED) {
        h2r_header validators[] = {HEADER("etag", etag), HEADER("last-modified", last_modified)};
        if (pre == H2SERVE_PRECONDITION_NOT_MODIFIED)
            h2serve_respond(stream, 304, NULL, NULL, 0, NULL, NULL, validators, 2);
        else
            h2serve_respond(stream, 412, NULL, NULL, 0, NULL, NULL, NULL, 0);
        return 1;
    }
    h2r_file_response_set_header(response, "etag", etag);
    h2r_file_response_set_header(response, "last-modified", last_modified);
    h2r_file_response_set_header(response, "accept-ranges", "bytes");

    unsigned status = 200;
    uint64_t offset = 0, length = size;
    /* Range applies to GET only, and with If-Range only to the representation it names. */
    if (r->range && !r->is_head &&
        (!r->if_range ||
         h2serve_if_range_allows(r->if_range, strlen(r->if_range), etag, etag_len, modified))) {
        char content_range[H2SERVE_CONTENT_RANGE_MAX];
        switch (h2serve_range_parse(r->range, strlen(r->range), size, &offset, &length)) {
        case H2SERVE_RANGE_SINGLE:
            status = 206;
            h2serve_content_range(content_range, sizeof(content_range), offset, length, size);
            h2r_file_response_set_header(response, ":status", "206");
            h2r_file_response_set_header(response, "content-range", content_range);
            h2r_file_response_set_range(response, (int64_t)offset, (int64_t)length);
            break;
        case H2SERVE_RANGE_UNSATISFIABLE: {
            h2serve_content_range_unsatisfied(content_range, sizeof(content_range), size);
            h2r_header extra = HEADER("content-range", content_range);
            static const char text[] = "range not satisfiable\n";
            h2serve_respond(stream, 416, "text/plain; charset=utf-8", text, sizeof(text) - 1, NULL, NULL,
                            &extra, 1);
            return 1;
        }
        case H2SERVE_RANGE_NONE:
        case H2SERVE_RANGE_MULTIPLE: /* the whole file answers several ranges (RFC 9110 §14.2 allows it) */
            offset = 0;
            length = size;
            break;
        }
    }
    h2serve_access_log(stream, status, (size_t)length);
    return 0;
}

static void serve(h2r_stream *stream, struct file_request_ctx *r);

/* onError: a directory gets its index.html; what is missing or outside the root is a 404. */
static void file_error(h2r_stream *stream, int err, void *ctx)
{
    struct file_request_ctx *r = ctx;
    if (err == -EISDIR && !r->tried_index) {
        size_t len = strlen(r->name);
        const char *index = len == 0 || r->name[len - 1] == '/' ? "index.html" : "/index.html";
        if (len + strlen(index) < sizeof(r->name)) {
            strcpy(r->name + len, index);
            r->tried_index = 1;
            return serve(stream, r);
        }
    }
    if (err == -EACCES || err == -EPERM)
        respond_error(stream, 403, "forbidden\n");
    else if (err == -ENOMEM || err == -EMFILE || err == -ENFILE || err == -EIO)
        respond_error(stream, 500, "internal server error\n");
    else
        respond_error(stream, 404,
                      "not found\n"); /* ENOENT, ENOTDIR, EXDEV (outside the root), not regular */
}

static void serve(h2r_stream *stream, struct file_request_ctx *r)
{
    h2r_file_options options;
    h2r_file_options_init(&options);
    options.stat_check = check_file;
    options.on_error = file_error;
    options.release_ctx = release_ctx;
    options.ctx = r;
    options.dir_fd = root_fd;
    options.beneath = 1;
    const char *date = h2serve_http_date();
    h2r_header headers[] = {HEADER(":status", "200"), HEADER("content-type", h2serve_mime_type(r->name)),
                            HEADER("date", date)};
    ++r->refs;
    if (h2r_stream_respond_with_file(stream, r->name[0] ? r->name : ".", headers, 3, &options) != 0) {
        release_ctx(r);
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
    }
}

void h2serve_static_handle(h2r_stream *stream, const h2r_header *headers, size_t count)
{
    size_t method_len, path_len;
    const char *method = h2serve_header(headers, count, ":method", &method_len);
    const char *path = h2serve_header(headers, count, ":path", &path_len);
    int is_head = method_len == 4 && memcmp(method, "HEAD", 4) == 0;
    if (!is_head && !(method_len == 3 && memcmp(method, "GET", 3) == 0)) {
        static const h2r_header allow = {
            .name = "allow", .name_len = 5, .value = "GET, HEAD", .value_len = 9};
        h2serve_respond(stream, 405, "text/plain", "method not allowed\n", 19, NULL, NULL, &allow, 1);
        return;
    }
    struct file_request_ctx *r = calloc(1, sizeof(*r));
    if (!r) return (void)h2r_stream_close(stream, H2R_INTERNAL_ERROR);
    if (decode_path(path, path_len, r->name, MAX_PATH) < 0) {
        free(r);
        return respond_error(stream, 404, "not found\n");
    }
    r->refs = 1;
    r->is_head = is_head;
    r->range = copy_header(headers, count, "range", NULL);
    r->if_range = copy_header(headers, count, "if-range", NULL);
    struct h2serve_request_conditions *c = &r->conditions;
    c->if_match = copy_header(headers, count, "if-match", &c->if_match_len);
    c->if_unmodified_since = copy_header(headers, count, "if-unmodified-since", &c->if_unmodified_since_len);
    c->if_none_match = copy_header(headers, count, "if-none-match", &c->if_none_match_len);
    c->if_modified_since = copy_header(headers, count, "if-modified-since", &c->if_modified_since_len);
    serve(stream, r);
    release_ctx(r);
}
