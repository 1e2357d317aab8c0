/*
 * h2serve's open-file cache: files under the document root, opened once and
 * shared by the responses that send them, per worker thread (no locks).
 *
 * A popular small file then costs no open, stat or close per request. An
 * entry is trusted for a second, so a changed file is seen within that time.
 * Names are resolved with openat2(RESOLVE_BENEATH): the kernel refuses
 * anything that would leave the root ("..", symlinks leading out).
 */
#ifndef H2R_APPS_FILE_CACHE_H
#define H2R_APPS_FILE_CACHE_H

#include <stddef.h>

struct cached_file {
    int fd;
    size_t size;
    /* The contents, for small files: served from memory without a read per response (else NULL). */
    char *data;
    char *name; /* as resolved: "dir/index.html" for "dir" */
    /* private */
    char *key;
    unsigned refs;
    unsigned cached; /* still in the table (else closed on the last release) */
    unsigned long long expires_ms;
};

/* Opens the document root; returns 0 or -1 with errno. */
int h2serve_file_cache_open_root(const char *dir);

/*
 * The regular file for name (relative to the root, "" for the root itself;
 * a directory gives its index.html), with a reference the caller gives back
 * with h2serve_file_release. NULL if there is no such regular file.
 */
struct cached_file *h2serve_file_get(const char *name);

/* Gives a reference back; shaped as an h2r_release_cb so a response can release it when sent. */
void h2serve_file_release(void *file, const void *data, size_t len);

#endif
