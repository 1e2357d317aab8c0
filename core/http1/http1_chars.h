/*
 * Character classes shared by the HTTP/1 parser, chunked decoder and writer
 * (core/http1/): 256-entry tables, so that a hot loop is one load per byte.
 */
#ifndef H2R_HTTP1_CHARS_H
#define H2R_HTTP1_CHARS_H

#include <stddef.h>
#include <stdint.h>

/* RFC 9110 §5.6.2 tchar: the characters of a token (methods, field names, codings). */
extern const uint8_t h2r_http1_token_chars[256];

/*
 * RFC 9110 §5.5 field-vchar, SP and HTAB: what a field value (and a reason
 * phrase, a chunk extension) may hold. obs-text is in, every other control
 * character out: CR, LF and NUL above all.
 */
extern const uint8_t h2r_http1_value_chars[256];

static inline int h2r_http1_is_token(const char *s, size_t len)
{
    unsigned ok = len != 0;
    for (size_t i = 0; i != len; ++i) ok &= h2r_http1_token_chars[(uint8_t)s[i]];
    return ok;
}

static inline int h2r_http1_is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

#endif
