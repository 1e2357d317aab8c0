/*
 * Range requests (see http_range.h). The grammar, RFC 9110 §14.1.1-§14.1.2
 * with the list rule of §5.6.1:
 *
 *   ranges-specifier = range-unit "=" range-set
 *   range-set        = 1#range-spec
 *   range-spec       = int-range / suffix-range / other-range
 *   int-range        = first-pos "-" [ last-pos ]
 *   suffix-range     = "-" suffix-length
 *   #element         = [ element ] *( OWS "," OWS [ element ] )
 *
 * other-range has no meaning for bytes, so one makes the field invalid, as
 * does an int-range whose last-pos is below its first-pos (§14.1.1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http_range.h"
#include "http_syntax.h"

/*
 * A decimal number as written: its value saturated at UINT64_MAX (beyond
 * any size), and its significant digits, which compare exactly at any length.
 */
struct number {
    uint64_t value;
    const char *digits;
    size_t len;
};

/* The bytes [start, end) of the representation. */
struct span {
    uint64_t start, end;
};

/* Reads 1*DIGIT at *p and moves past it; returns 0 if there is no digit. */
static int parse_number(const char **p, const char *end, struct number *n)
{
    const char *s = *p;
    if (s == end || !http_is_digit(*s)) return 0;
    while (s != end && *s == '0') ++s;
    n->digits = s;
    n->value = 0;
    for (; s != end && http_is_digit(*s); ++s) {
        unsigned digit = (unsigned)(*s - '0');
        n->value = n->value > (UINT64_MAX - digit) / 10 ? UINT64_MAX : n->value * 10 + digit;
    }
    n->len = (size_t)(s - n->digits);
    *p = s;
    return 1;
}

static int number_less(const struct number *a, const struct number *b)
{
    if (a->len != b->len) return a->len < b->len;
    return memcmp(a->digits, b->digits, a->len) < 0;
}

/*
 * Reads the range-spec at *p against a representation of size > 0 bytes.
 * Returns -1 if it is not a valid bytes range-spec, 0 if it is valid but
 * unsatisfiable, 1 if it is satisfiable, with the bytes it selects in *out.
 */
static int parse_range_spec(const char **p, const char *end, uint64_t size, struct span *out)
{
    struct number first, last;
    if (**p == '-') {
        ++*p;
        if (!parse_number(p, end, &last)) return -1;
        if (last.value == 0) return 0;
        out->start = last.value < size ? size - last.value : 0;
        out->end = size;
        return 1;
    }
    if (!parse_number(p, end, &first) || *p == end || **p != '-') return -1;
    ++*p;
    int has_last = parse_number(p, end, &last);
    if (has_last && number_less(&last, &first)) return -1;
    if (first.value >= size) return 0;
    out->start = first.value;
    out->end = has_last && last.value < size - 1 ? last.value + 1 : size;
    return 1;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

enum h2serve_range_result h2serve_range_parse(const char *value, size_t len, uint64_t size, uint64_t *offset,
                                              uint64_t *length)
{
    static const char unit[] = "bytes=";
    if (value == NULL || size == 0 || len < sizeof(unit) - 1) return H2SERVE_RANGE_NONE;
    for (size_t i = 0; i != sizeof(unit) - 1; ++i)
        if (ascii_lower(value[i]) != unit[i]) return H2SERVE_RANGE_NONE;

    struct span spans[H2SERVE_RANGE_MAX];
    size_t span_count = 0, elements = 0;
    int has_range_spec = 0;
    const char *p = value + sizeof(unit) - 1, *end = value + len;
    for (;;) {
        if (++elements > H2SERVE_RANGE_MAX) return H2SERVE_RANGE_NONE;
        /* An empty element is followed at once by OWS, a comma or the end. */
        if (p != end && *p != ',' && !http_is_ows(*p)) {
            int satisfiable = parse_range_spec(&p, end, size, &spans[span_count]);
            if (satisfiable < 0) return H2SERVE_RANGE_NONE;
            span_count += (size_t)satisfiable;
            has_range_spec = 1;
        }
        p = http_skip_ows(p, end);
        if (p == end) break;
        if (*p != ',') return H2SERVE_RANGE_NONE;
        p = http_skip_ows(p + 1, end);
    }
    if (!has_range_spec) return H2SERVE_RANGE_NONE;
    if (span_count == 0) return H2SERVE_RANGE_UNSATISFIABLE;

    /* Insertion sort by start: a handful of spans at most, and nearly always one. */
    for (size_t i = 1; i < span_count; ++i) {
        struct span s = spans[i];
        size_t j = i;
        for (; j != 0 && spans[j - 1].start > s.start; --j) spans[j] = spans[j - 1];
        spans[j] = s;
    }
    struct span merged = spans[0];
    for (size_t i = 1; i < span_count; ++i) {
        if (spans[i].start > merged.end) return H2SERVE_RANGE_MULTIPLE;
        if (spans[i].end > merged.end) merged.end = spans[i].end;
    }
    *offset = merged.start;
    *length = merged.end - merged.start;
    return H2SERVE_RANGE_SINGLE;
}

size_t h2serve_content_range(char *out, size_t cap, uint64_t offset, uint64_t length, uint64_t size)
{
    if (length == 0 || offset > size || length > size - offset) return http_written(out, cap, -1);
    return http_written(
        out, cap,
        snprintf(out, cap, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, offset, offset + length - 1, size));
}

size_t h2serve_content_range_unsatisfied(char *out, size_t cap, uint64_t size)
{
    return http_written(out, cap, snprintf(out, cap, "bytes */%" PRIu64, size));
}
