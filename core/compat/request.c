/*
 * Node's Http2ServerRequest: the request's fields, copied out of the
 * engine's scratch when the stream opens, and what the handler asks of
 * them; pause and resume on its stream.
 */
#include <string.h>

#include "compat_internal.h"

enum known_name { NAME_OTHER, NAME_METHOD, NAME_PATH, NAME_SCHEME, NAME_AUTHORITY, NAME_HOST, NAME_EXPECT };

/*
 * The names the request keeps track of. HPACK tells which static table
 * entry a name is (RFC 7541 Appendix A), sparing the comparisons; other
 * fields (HTTP/1.1's, literal names) are compared. Pseudo-headers are
 * lowercase in both protocols.
 */
static enum known_name name_of(const h2r_header *f)
{
    switch (f->static_name_index) {
    case 1: return NAME_AUTHORITY;
    case 2: return NAME_METHOD;
    case 4: return NAME_PATH;
    case 6: return NAME_SCHEME;
    case 35: return NAME_EXPECT;
    case 38: return NAME_HOST;
    case 0: break;
    default: return NAME_OTHER;
    }
    switch (f->name_len) {
    case 4: return h2r_compat_name_eq(f, "host", 4) ? NAME_HOST : NAME_OTHER;
    case 5: return memcmp(f->name, ":path", 5) == 0 ? NAME_PATH : NAME_OTHER;
    case 6: return h2r_compat_name_eq(f, "expect", 6) ? NAME_EXPECT : NAME_OTHER;
    case 7:
        if (memcmp(f->name, ":method", 7) == 0) return NAME_METHOD;
        return memcmp(f->name, ":scheme", 7) == 0 ? NAME_SCHEME : NAME_OTHER;
    case 10: return memcmp(f->name, ":authority", 10) == 0 ? NAME_AUTHORITY : NAME_OTHER;
    default: return NAME_OTHER;
    }
}

struct h2r_compat_pair *h2r_compat_request_new(h2r_stream *stream, const h2r_header *fields, size_t count)
{
    struct h2r_compat_pair *pair = h2r_compat_pair_new(stream, fields, count);
    if (!pair) return NULL;
    struct h2r_request *req = &pair->req;
    const h2r_header *host = NULL;
    for (size_t i = 0; i != req->count; ++i) {
        const h2r_header *f = &req->fields[i];
        switch (name_of(f)) {
        case NAME_METHOD: req->method = f; break;
        case NAME_PATH: req->path = f; break;
        case NAME_SCHEME: req->scheme = f; break;
        case NAME_AUTHORITY: req->authority = f; break;
        case NAME_HOST:
            if (!host) host = f;
            break;
        case NAME_EXPECT:
            if (!req->expect) req->expect = f;
            break;
        default: break;
        }
    }
    /* Node's request.authority falls back to the host field (RFC 9113 §8.3.1). */
    if (!req->authority) req->authority = host;
    if (req->method && req->method->value_len == 4 && memcmp(req->method->value, "HEAD", 4) == 0)
        pair->flags |= REQ_IS_HEAD;
    return pair;
}

void h2r_request_on(h2r_request *req, const h2r_request_events *events, void *ctx)
{
    req->events = events;
    req->ctx = ctx;
}

static const char *value_of(const h2r_header *field, size_t *len)
{
    if (len) *len = field ? field->value_len : 0;
    return field ? field->value : NULL;
}

const char *h2r_request_method(const h2r_request *req, size_t *len)
{
    return value_of(req->method, len);
}

const char *h2r_request_url(const h2r_request *req, size_t *len)
{
    return value_of(req->path, len);
}

const char *h2r_request_authority(const h2r_request *req, size_t *len)
{
    return value_of(req->authority, len);
}

const char *h2r_request_scheme(const h2r_request *req, size_t *len)
{
    return value_of(req->scheme, len);
}

const char *h2r_request_http_version(const h2r_request *req)
{
    return h2r_stream_http_version(h2r_compat_pair_of_req(req)->stream);
}

const char *h2r_request_get_header(const h2r_request *req, const char *name, size_t *len)
{
    return value_of(h2r_compat_find(req->fields, req->count, name, NULL), len);
}

const h2r_header *h2r_request_next_header(const h2r_request *req, const char *name, const h2r_header *prev)
{
    return h2r_compat_find(req->fields, req->count, name, prev);
}

const h2r_header *h2r_request_raw_headers(const h2r_request *req, size_t *count)
{
    *count = req->count;
    return req->fields;
}

const h2r_header *h2r_request_trailers(const h2r_request *req, size_t *count)
{
    *count = req->trailer_count;
    return req->trailers;
}

const char *h2r_request_get_trailer(const h2r_request *req, const char *name, size_t *len)
{
    return value_of(h2r_compat_find(req->trailers, req->trailer_count, name, NULL), len);
}

int h2r_request_complete(const h2r_request *req)
{
    return (h2r_compat_pair_of_req(req)->flags & REQ_COMPLETE) != 0;
}

int h2r_request_aborted(const h2r_request *req)
{
    return (h2r_compat_pair_of_req(req)->flags & REQ_ABORTED) != 0;
}

int h2r_request_pause(h2r_request *req)
{
    return h2r_stream_pause(h2r_compat_pair_of_req(req)->stream);
}

int h2r_request_resume(h2r_request *req)
{
    return h2r_stream_resume(h2r_compat_pair_of_req(req)->stream);
}

int h2r_request_is_paused(const h2r_request *req)
{
    return h2r_stream_is_paused(h2r_compat_pair_of_req(req)->stream);
}

h2r_stream *h2r_request_stream(const h2r_request *req)
{
    return h2r_compat_pair_of_req(req)->stream;
}

void *h2r_request_alloc(h2r_request *req, size_t size)
{
    return h2r_compat_alloc(h2r_compat_pair_of_req(req), size);
}
