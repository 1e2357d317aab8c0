/*
 * 103 Early Hints in place of push: browsers take no pushes any more
 * (SETTINGS_ENABLE_PUSH = 0), and what replaced it is a 103 carrying the
 * response's preload links (RFC 8297), which the browser fetches while the
 * server makes the response.
 */
#include <string.h>
#include <strings.h>

#include "compat_internal.h"

#define MAX_HINTS 16

/* HTTP's optional whitespace (RFC 9110 §5.6.3). */
static int ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Does this link-param ("rel=preload", "rel=\"preload modulepreload\"") name preload among its relations? */
static int rel_is_preload(const char *p, size_t len)
{
    while (len && ows(*p)) ++p, --len;
    if (len < 4 || strncasecmp(p, "rel", 3) != 0) return 0;
    p += 3, len -= 3;
    while (len && ows(*p)) ++p, --len;
    if (!len || *p != '=') return 0;
    ++p, --len;
    while (len && (ows(*p) || *p == '"')) ++p, --len;
    /* RFC 8288 §3.3: a space-separated list of relation types. */
    while (len) {
        size_t n = 0;
        while (n != len && !ows(p[n]) && p[n] != '"') ++n;
        if (n == 7 && strncasecmp(p, "preload", 7) == 0) return 1;
        while (n != len && (ows(p[n]) || p[n] == '"')) ++n;
        p += n, len -= n;
    }
    return 0;
}

/* Does a link field value (one or more link-values, RFC 8288 §3) have a preload one? */
static int has_preload(const char *v, size_t len)
{
    int quoted = 0, in_uri = 0;
    size_t param = 0; /* where the current parameter starts, 0 while in the URI reference */
    for (size_t i = 0; i <= len; ++i) {
        char c = i == len ? ';' : v[i];
        if (c == '"' && !in_uri) quoted = !quoted;
        if (!quoted && (c == '<' || c == '>')) in_uri = c == '<';
        if (quoted || in_uri || (c != ';' && c != ',')) continue;
        if (param && rel_is_preload(v + param, i - param)) return 1;
        param = c == ';' ? i + 1 : 0;
    }
    return 0;
}

int h2r_response_write_preload_hints(h2r_response *res)
{
    struct h2r_compat_pair *pair = h2r_compat_pair_of_res(res);
    if (pair->flags & PAIR_CLOSED) return H2R_ERR_STREAM_CLOSED;
    if (h2r_response_headers_sent(res)) return H2R_ERR_INVALID_STATE;
    /* A client that takes pushes gets them instead; HTTP/1.0 has no 1xx (RFC 9110 §15.2). */
    if (h2r_stream_push_allowed(pair->stream) || strcmp(h2r_stream_http_version(pair->stream), "1.0") == 0)
        return 0;
    h2r_header hints[MAX_HINTS];
    size_t count = 0;
    for (const h2r_header *link = h2r_response_next_header(res, "link", NULL); link && count != MAX_HINTS;
         link = h2r_response_next_header(res, "link", link))
        if (has_preload(link->value, link->value_len)) hints[count++] = *link;
    if (!count) return 0;
    int err = h2r_response_write_early_hints(res, hints, count);
    return err ? err : 1;
}
