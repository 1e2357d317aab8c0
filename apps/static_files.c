/*
 * Static files from a document root (see static_files.h).
 *
 * Paths are resolved with openat2(RESOLVE_BENEATH), so the kernel itself
 * refuses any resolution that would leave the root, whether through "..",
 * an absolute symlink or a symlink to a parent.
 */
#define _GNU_SOURCE /* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "respond.h"
#include "static_files.h"

#define MAX_PATH 1024

static int root_fd = -1;

int h2serve_static_open_root(const char *dir)
{
    root_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
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

static int open_beneath(const char *name)
{
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, root_fd, name[0] ? name : ".", &how, sizeof(how));
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

static void free_body(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    (void)len;
    free((void *)data);
}

static void respond_error(h2r_stream *stream, unsigned status, const char *text)
{
    h2serve_respond(stream, status, "text/plain; charset=utf-8", text, strlen(text), NULL, NULL, NULL, 0);
}

/* Opens name, or name/index.html for a directory; fills st and the name used (for its type). */
static int open_resource(char *name, size_t len, size_t cap, struct stat *st)
{
    int fd = open_beneath(name);
    if (fd < 0) return -1;
    if (fstat(fd, st) != 0) goto fail;
    if (S_ISDIR(st->st_mode)) {
        close(fd);
        const char *index = len == 0 || name[len - 1] == '/' ? "index.html" : "/index.html";
        if (len + strlen(index) + 1 > cap) return -1;
        strcpy(name + len, index);
        if ((fd = open_beneath(name)) < 0 || fstat(fd, st) != 0) goto fail;
    }
    if (S_ISREG(st->st_mode)) return fd;
fail:
    if (fd >= 0) close(fd);
    return -1;
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
    struct stat st;
    int fd = open_resource(name, (size_t)len, sizeof(name), &st);
    if (fd < 0) return respond_error(stream, 404, "not found\n");

    size_t size = (size_t)st.st_size;
    char *body = size ? malloc(size) : NULL;
    size_t got = 0;
    while (body && got < size) {
        ssize_t n = pread(fd, body + got, size - got, (off_t)got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (size && (!body || got != size)) {
        free(body);
        return respond_error(stream, 500, "cannot read the file\n");
    }
    h2serve_respond(stream, 200, content_type_of(name), body, size, free_body, NULL, NULL, 0);
}
