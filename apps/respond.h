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

#endif
