/*
 * Static files from a document root (see static_files.h): the request's
 * path becomes a file name here; file_cache.c opens it (beneath the root
 * only) and the engine sends it by reference.
 */
#include <string.h>
#include <strings.h>

#include "file_cache.h"
#include "respond.h"
#include "static_files.h"

#define MAX_PATH 1024

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

static const char *content_type_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".css", "text/css"},
        {".js", "text/javascript"},
        {".json", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".svg", "image/svg+xml"},
        {".ico", "image/x-icon"},
        {".wasm", "application/wasm"},
        {".pdf", "application/pdf"},
        {".xml", "application/xml"},
    };
    const char *dot = strrchr(name, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i != sizeof(types) / sizeof(types[0]); ++i)
            if (strcasecmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

static void respond_error(h2r_stream *stream, unsigned status, const char *text)
{
    h2serve_respond(stream, status, "text/plain; charset=utf-8", text, strlen(text), NULL, NULL, NULL, 0);
}

void h2serve_static_handle(h2r_stream *stream, const char *path, size_t path_len, int is_get_or_head)
{
    char name[MAX_PATH + 16];
    int len = decode_path(path, path_len, name, MAX_PATH);
    if (len < 0) return respond_error(stream, 404, "not found\n");
    if (!is_get_or_head) {
        static const h2r_header allow = {
            .name = "allow", .name_len = 5, .value = "GET, HEAD", .value_len = 9};
        h2serve_respond(stream, 405, "text/plain", "method not allowed\n", 19, NULL, NULL, &allow, 1);
        return;
    }
    struct cached_file *file = h2serve_file_get(name);
    if (!file) return respond_error(stream, 404, "not found\n");
    const char *type = content_type_of(file->name);
    if (file->data)
        h2serve_respond(stream, 200, type, file->data, file->size, h2serve_file_release, file, NULL, 0);
    else
        h2serve_respond_file(stream, 200, type, file->fd, file->size, h2serve_file_release, file);
}
