/*
 * h2proxy's header sections (see proxy_headers.h): each is copied into one
 * allocation, which the request's retry and the trailers, sent later, need
 * anyway.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_headers.h"

#define IS(field, text)                                                                                      \
    ((field)->name_len == sizeof(text) - 1 && memcmp((field)->name, text, sizeof(text) - 1) == 0)

/* Fields of one hop (the engine refuses most of them in HTTP/2 already; an HTTP/1.1 peer may send them). */
static int hop_by_hop(const h2r_header *f)
{
    return IS(f, "connection") || IS(f, "keep-alive") || IS(f, "proxy-connection") ||
           IS(f, "transfer-encoding") || IS(f, "upgrade") || IS(f, "http2-settings") ||
           IS(f, "proxy-authorization") || IS(f, "proxy-authenticate") ||
           /* "te: trailers" says the client takes trailers, which gRPC needs end to end. */
           (IS(f, "te") && !(f->value_len == 8 && memcmp(f->value, "trailers", 8) == 0));
}

/* The fields that pass (pass(f) true), then the extra ones, copied into one allocation. */
static h2r_header *copy(const h2r_header *fields, size_t count, int (*pass)(const h2r_header *),
                        const h2r_header *extra, size_t extra_count, size_t *out_count)
{
    size_t bytes = 0, n = extra_count;
    for (size_t i = 0; i != count; ++i)
        if (pass(&fields[i])) bytes += fields[i].name_len + fields[i].value_len, ++n;
    for (size_t i = 0; i != extra_count; ++i) bytes += extra[i].name_len + extra[i].value_len;
    h2r_header *out = malloc(n * sizeof(*out) + bytes + 1);
    if (!out) return NULL;
    char *text = (char *)(out + n);
    size_t k = 0;
    for (size_t i = 0; i != count + extra_count; ++i) {
        const h2r_header *f = i < count ? &fields[i] : &extra[i - count];
        if (i < count && !pass(f)) continue;
        out[k] = *f;
        out[k].name = memcpy(text, f->name, f->name_len);
        text += f->name_len;
        out[k].value = memcpy(text, f->value, f->value_len);
        text += f->value_len;
        ++k;
    }
    *out_count = n;
    return out;
}

static int request_passes(const h2r_header *f)
{
    return !hop_by_hop(f) && !IS(f, "host") && !IS(f, ":scheme") && !IS(f, ":authority");
}

static int response_passes(const h2r_header *f)
{
    return !hop_by_hop(f);
}

#define FIELD(n, v, len)                                                                                     \
    ((h2r_header){.name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = (len)})

/* "2" for "2.0", else the version as it is ("1.1"), for via. */
static const char *via_version(const char *version)
{
    return strcmp(version, "2.0") == 0 ? "2" : version;
}

/* An authority forwarded's host can carry as a quoted string without escapes. */
static int plain_authority(const h2r_header *f)
{
    for (size_t i = 0; i != f->value_len; ++i)
        if (f->value[i] == '"' || f->value[i] == '\\' || (unsigned char)f->value[i] < 0x21) return 0;
    return f->value_len != 0;
}

h2r_header *proxy_headers_request(const h2r_header *fields, size_t count, const char *version,
                                  const char *peer, int tls, size_t *out_count)
{
    const h2r_header *authority = NULL;
    for (size_t i = 0; i != count; ++i)
        if (IS(&fields[i], ":authority") && plain_authority(&fields[i])) authority = &fields[i];
    char forwarded[512], via[32];
    int forwarded_len = snprintf(forwarded, sizeof(forwarded), "for=\"%s\";proto=%s%s%.*s%s",
                                 peer ? peer : "_hidden", tls ? "https" : "http", authority ? ";host=\"" : "",
                                 authority ? (int)authority->value_len : 0, authority ? authority->value : "",
                                 authority ? "\"" : "");
    if (forwarded_len < 0 || (size_t)forwarded_len >= sizeof(forwarded))
        forwarded_len = snprintf(forwarded, sizeof(forwarded), "proto=%s", tls ? "https" : "http");
    int via_len = snprintf(via, sizeof(via), "%s h2proxy", via_version(version));
    h2r_header extra[] = {FIELD("forwarded", forwarded, (size_t)forwarded_len),
                          FIELD("via", via, (size_t)via_len)};
    return copy(fields, count, request_passes, extra, 2, out_count);
}

h2r_header *proxy_headers_response(const h2r_header *fields, size_t count, const char *version,
                                   size_t *out_count)
{
    char via[32];
    int via_len = snprintf(via, sizeof(via), "%s h2proxy", via_version(version));
    h2r_header extra = FIELD("via", via, (size_t)via_len);
    return copy(fields, count, response_passes, &extra, 1, out_count);
}

h2r_header *proxy_headers_trailers(const h2r_header *fields, size_t count, size_t *out_count)
{
    return copy(fields, count, response_passes, NULL, 0, out_count);
}
