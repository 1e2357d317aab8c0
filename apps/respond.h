/*
 * A complete response in one call, shared by h2serve's handlers.
 */
#ifndef H2R_APPS_RESPOND_H
#define H2R_APPS_RESPOND_H

#include <stddef.h>

#include "h2ring/compat.h"

/*
 * Answers with status, content-type (may be NULL), the headers already set
 * on res, and body (static memory: it is sent by reference); logs it.
 * Returns what h2r_response_end returned.
 */
int h2serve_respond(h2r_response *res, unsigned status, const char *content_type, const void *body,
                    size_t len);

/*
 * h2serve_respond for a body made in the pair's own memory (h2r_request_alloc),
 * which goes with the pair: the pair is kept (h2r_response_ref) until the body
 * is sent or dropped.
 */
int h2serve_respond_owned(h2r_response *res, unsigned status, const char *content_type, const void *body,
                          size_t len);

/* 503 "no memory": what a handler answers when it could not allocate what the answer takes. */
int h2serve_respond_no_memory(h2r_response *res);

#endif
