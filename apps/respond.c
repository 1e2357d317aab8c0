/*
 * Response helpers for h2serve.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "access_log.h"
#include "respond.h"

const char *h2serve_http_date(void)
{
    static __thread char buf[32];
    static __thread time_t cached;
    time_t now = time(NULL);
    if (now != cached) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached = now;
    }
    return buf;
}

/* Writes value in decimal at the end of buf (which has room for 20 digits); returns where it starts. */
static char *format_decimal(char *end, uint64_t value)
{
    do {
        *--end = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    return end;
}

#define HEADER(n, v, vl)                                                                                     \
    ((h2r_header){.name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = (vl)})

int h2serve_respond(h2r_stream *stream, unsigned status, const char *content_type, const void *body,
                    size_t len, h2r_release_cb release, void *ctx, const h2r_header *extra,
                    size_t extra_count)
{
    /* Formatted by hand: snprintf was a seventh of the instructions of a small response. */
    char status_text[3] = {(char)('0' + status / 100 % 10), (char)('0' + status / 10 % 10),
                           (char)('0' + status % 10)};
    char length_buf[20], *length_text = format_decimal(length_buf + sizeof(length_buf), len);
    const char *date = h2serve_http_date();
    h2r_header headers[16];
    size_t n = 0;
    headers[n++] = HEADER(":status", status_text, 3);
    if (content_type) headers[n++] = HEADER("content-type", content_type, strlen(content_type));
    headers[n++] =
        HEADER("content-length", length_text, (size_t)(length_buf + sizeof(length_buf) - length_text));
    headers[n++] = HEADER("date", date, strlen(date));
    for (size_t i = 0; i != extra_count && n != sizeof(headers) / sizeof(headers[0]); ++i)
        headers[n++] = extra[i];

    h2serve_access_log(stream, status, len);
    int err = h2r_stream_respond(stream, headers, n, len ? 0 : H2R_RESPOND_END_STREAM);
    if (err < 0 || !len) {
        if (release) release(ctx, body, len);
        return err;
    }
    /* A HEAD request ends with the headers: the engine refuses the body, and releases it. */
    err = h2r_stream_write(stream, body, len, release, ctx);
    if (err >= 0) h2r_stream_end(stream);
    return err;
}

const char *h2serve_header(const h2r_header *headers, size_t count, const char *name, size_t *len)
{
    size_t name_len = strlen(name);
    for (size_t i = 0; i != count; ++i) {
        if (headers[i].name_len == name_len && memcmp(headers[i].name, name, name_len) == 0) {
            *len = headers[i].value_len;
            return headers[i].value;
        }
    }
    *len = 0;
    return NULL;
}
