/*
 * Response helpers for h2serve (see respond.h).
 */
#include "respond.h"
#include "access_log.h"

static int respond_with(h2r_response *res, unsigned status, const char *content_type, const void *body,
                        size_t len, h2r_release_cb release)
{
    h2serve_access_log(h2r_response_req(res), status, len);
    h2r_response_set_status(res, status);
    if (content_type) h2r_response_set_header(res, "content-type", content_type);
    /* content-length and date come with end(): the whole body is known. */
    return h2r_response_end(res, body, len, release, res);
}

int h2serve_respond(h2r_response *res, unsigned status, const char *content_type, const void *body,
                    size_t len)
{
    return respond_with(res, status, content_type, body, len, NULL);
}

/* The body is out (or dropped): the pair, and the body with it, may go. */
static void unref_pair(void *ctx, const void *data, size_t len)
{
    (void)data, (void)len;
    h2r_response_unref(ctx);
}

int h2serve_respond_owned(h2r_response *res, unsigned status, const char *content_type, const void *body,
                          size_t len)
{
    /* A stream that closes once the body is queued frees its pair; the bytes may still be in flight. */
    h2r_response_ref(res);
    return respond_with(res, status, content_type, body, len, unref_pair);
}

int h2serve_respond_no_memory(h2r_response *res)
{
    static const char text[] = "no memory\n";
    return h2serve_respond(res, 503, "text/plain", text, sizeof(text) - 1);
}
