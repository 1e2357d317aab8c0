/*
 * Response helpers for h2serve (see respond.h).
 */
#include "respond.h"
#include "access_log.h"

int h2serve_respond(h2r_response *res, unsigned status, const char *content_type, const void *body,
                    size_t len)
{
    h2serve_access_log(h2r_response_req(res), status, len);
    h2r_response_set_status(res, status);
    if (content_type) h2r_response_set_header(res, "content-type", content_type);
    /* content-length and date come with end(): the whole body is known. */
    return h2r_response_end(res, body, len, NULL, NULL);
}
