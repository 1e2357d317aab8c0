/*
 * h2serve --root DIR: files from a document root, index.html for
 * directories, and no way out of DIR ("..", symlinks leading out, encoded
 * slashes or NULs are all refused). This is the simple buffered path: the
 * file is read whole into memory; the sendfile-style path replaces it.
 */
#ifndef H2R_APPS_STATIC_FILES_H
#define H2R_APPS_STATIC_FILES_H

#include "h2r.h"

/* Opens the document root; returns 0 or -1 with errno. */
int h2serve_static_open_root(const char *dir);

void h2serve_static_handle(h2r_stream *stream, const char *path, size_t path_len, int is_get_or_head);

#endif
