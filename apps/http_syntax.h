/*
 * The few RFC 9110 syntax pieces the header parsers of apps/ share
 * (http_range.c, http_conditional.c): digits, optional whitespace, and
 * snprintf's result as a written length.
 */
#ifndef H2R_APPS_HTTP_SYNTAX_H
#define H2R_APPS_HTTP_SYNTAX_H

#include <stddef.h>

static inline int http_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* OWS (RFC 9110 §5.6.3): spaces and horizontal tabs. */
static inline int http_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static inline const char *http_skip_ows(const char *p, const char *end)
{
    while (p != end && http_is_ows(*p)) ++p;
    return p;
}

/* snprintf's result as the length written, or 0 (and an empty string) if it did not fit. */
static inline size_t http_written(char *out, size_t cap, int n)
{
    if (n >= 0 && (size_t)n < cap) return (size_t)n;
    if (cap != 0) out[0] = '\0';
    return 0;
}

#endif
