/*
 * h2serve --root DIR: files from a document root, index.html for
 * directories, and no way out of DIR ("..", symlinks leading out, encoded
 * slashes or NULs are all refused). Files are sent by reference from an
 * open-file cache; the I/O layer reads them as it sends.
 */
#ifndef H2R_APPS_STATIC_FILES_H
#define H2R_APPS_STATIC_FILES_H

#include "h2r.h"

void h2serve_static_handle(h2r_stream *stream, const char *path, size_t path_len, int is_get_or_head);

#endif
