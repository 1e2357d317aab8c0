/*
 * h2serve --root DIR: files from a document root, index.html for
 * directories, and no way out of DIR ("..", symlinks leading out, encoded
 * slashes or NULs are all refused); conditional GET (ETag, Last-Modified)
 * and single byte ranges; files go out through respondWithFile.
 */
#ifndef H2R_APPS_STATIC_FILES_H
#define H2R_APPS_STATIC_FILES_H

#include "h2ring/compat.h"

/* Opens the document root; returns 0 or -1 with errno. */
int h2serve_static_open_root(const char *dir);

/* Answers a request (which has a :path) from the document root. */
void h2serve_static_handle(h2r_request *req, h2r_response *res);

#endif
