/*
 * Static files from a document root (see static_files.h): the request's
 * path becomes a file name, respondWithFile opens it beneath the root
 * through the ring, and statCheck answers conditional and Range requests
 * from the file's stat (RFC 9110 §13, §14) before anything is sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access_log.h"
#include "h2ring/file.h"
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

/*
 * What statCheck and onError need of the request, in the pair's memory: the
 * request's fields stay there, so the validators are pointers to them.
 */
struct file_request_ctx {
    h2r_response *res; /* referenced while a respondWithFile is under way */
    unsigned refs;     /* one per respondWithFile under way (an index.html retry adds one) */
    int is_head;
    int tried_index;
    const char *range, *if_range; /* NUL-terminated, or NULL */
    struct h2serve_request_conditions conditions;
    size_t name_cap;
    char name[]; /* the file's name, with room for "/index.html" */
};

static void release_ctx(void *ctx)
{
    struct file_request_ctx *r = ctx;
    if (--r->refs == 0) h2r_response_unref(r->res);
}

static void respond_error(h2r_response *res, unsigned status, const char *text)
{
    h2serve_respond(res, status, "text/plain; charset=utf-8", text, strlen(text));
}

#define HEADER(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})

/* statCheck: validators, then 304/412, Range (206/416) or the whole file. */
static int check_file(h2r_stream *stream, const struct stat *st, h2r_file_response *response, void *ctx)
{
    (void)stream;
    struct file_request_ctx *r = ctx;
    h2r_response *res = r->res;
    uint64_t size = (uint64_t)st->st_size;
    /* Last-Modified may not be later than Date (RFC 9110 §8.8.2.1). */
    time_t now = time(NULL), modified = st->st_mtim.tv_sec < now ? st->st_mtim.tv_sec : now;
    char etag[H2SERVE_ETAG_MAX], last_modified[H2SERVE_HTTP_DATE_MAX];
    size_t etag_len = h2serve_etag(etag, sizeof(etag), &st->st_mtim, size);
    h2serve_http_date_format(last_modified, sizeof(last_modified), modified);

    enum h2serve_precondition pre = h2serve_evaluate_preconditions(&r->conditions, etag, etag_len, modified);
    if (pre != H2SERVE_PRECONDITION_PROCEED) {
        if (pre == H2SERVE_PRECONDITION_NOT_MODIFIED) {
            h2r_response_set_header(res, "etag", etag);
            h2r_response_set_header(res, "last-modified", last_modified);
            h2serve_respond(res, 304, NULL, NULL, 0);
        } else {
            h2serve_respond(res, 412, NULL, NULL, 0);
        }
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
            h2r_response_set_header(res, "content-range", content_range);
            static const char text[] = "range not satisfiable\n";
            h2serve_respond(res, 416, "text/plain; charset=utf-8", text, sizeof(text) - 1);
            return 1;
        }
        case H2SERVE_RANGE_NONE:
        case H2SERVE_RANGE_MULTIPLE: /* the whole file answers several ranges (RFC 9110 §14.2 allows it) */
            offset = 0;
            length = size;
            break;
        }
    }
    h2serve_access_log(h2r_response_req(res), status, (size_t)length);
    return 0;
}

static void serve(struct file_request_ctx *r);

/* onError: a directory gets its index.html; what is missing or outside the root is a 404. */
static void file_error(h2r_stream *stream, int err, void *ctx)
{
    (void)stream;
    struct file_request_ctx *r = ctx;
    if (err == -EISDIR && !r->tried_index) {
        size_t len = strlen(r->name);
        const char *index = len == 0 || r->name[len - 1] == '/' ? "index.html" : "/index.html";
        if (len + strlen(index) < r->name_cap) {
            strcpy(r->name + len, index);
            r->tried_index = 1;
            serve(r);
            return;
        }
    }
    if (err == -EACCES || err == -EPERM)
        respond_error(r->res, 403, "forbidden\n");
    else if (err == -ENOMEM || err == -EMFILE || err == -ENFILE || err == -EIO)
        respond_error(r->res, 500, "internal server error\n");
    else /* ENOENT, ENOTDIR, EXDEV (outside the root), not regular */
        respond_error(r->res, 404, "not found\n");
}

static void serve(struct file_request_ctx *r)
{
    h2r_file_options options;
    h2r_file_options_init(&options);
    options.stat_check = check_file;
    options.on_error = file_error;
    options.release_ctx = release_ctx;
    options.ctx = r;
    options.dir_fd = root_fd;
    options.beneath = 1;
    h2r_header headers[] = {HEADER(":status", "200"), HEADER("content-type", h2serve_mime_type(r->name)),
                            HEADER("date", h2r_http_date())};
    /* The callbacks run after the handler returned: the pair must outlive the stream's close. */
    if (r->refs++ == 0) h2r_response_ref(r->res);
    h2r_stream *stream = h2r_response_stream(r->res);
    if (h2r_stream_respond_with_file(stream, r->name[0] ? r->name : ".", headers, 3, &options) != 0) {
        release_ctx(r);
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
    }
}

void h2serve_static_handle(h2r_request *req, h2r_response *res)
{
    size_t method_len, path_len;
    const char *method = h2r_request_method(req, &method_len), *path = h2r_request_url(req, &path_len);
    int is_head = method_len == 4 && memcmp(method, "HEAD", 4) == 0;
    if (!is_head && !(method_len == 3 && memcmp(method, "GET", 3) == 0)) {
        h2r_response_set_header(res, "allow", "GET, HEAD");
        h2serve_respond(res, 405, "text/plain", "method not allowed\n", 19);
        return;
    }
    char name[MAX_PATH];
    int name_len = decode_path(path, path_len, name, sizeof(name));
    if (name_len < 0) {
        respond_error(res, 404, "not found\n");
        return;
    }
    size_t name_cap = (size_t)name_len + sizeof("/index.html");
    struct file_request_ctx *r = h2r_request_alloc(req, sizeof(*r) + name_cap);
    if (!r) {
        h2r_stream_close(h2r_response_stream(res), H2R_INTERNAL_ERROR);
        return;
    }
    memset(r, 0, sizeof(*r));
    memcpy(r->name, name, (size_t)name_len + 1);
    r->name_cap = name_cap;
    r->res = res;
    r->is_head = is_head;
    /* The pair's copies of the fields are NUL-terminated, as the parsers want. */
    r->range = h2r_request_get_header(req, "range", NULL);
    r->if_range = h2r_request_get_header(req, "if-range", NULL);
    struct h2serve_request_conditions *c = &r->conditions;
    c->if_match = h2r_request_get_header(req, "if-match", &c->if_match_len);
    c->if_unmodified_since = h2r_request_get_header(req, "if-unmodified-since", &c->if_unmodified_since_len);
    c->if_none_match = h2r_request_get_header(req, "if-none-match", &c->if_none_match_len);
    c->if_modified_since = h2r_request_get_header(req, "if-modified-since", &c->if_modified_since_len);
    serve(r);
}
