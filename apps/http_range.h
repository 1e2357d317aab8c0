/*
 * Range requests (RFC 9110 §14): what a GET's Range header asks of a
 * representation of known size, and the Content-Range of the answer.
 *
 * Pure functions: no I/O, no allocation, no state; values are taken as the
 * engine hands them over (HTTP/2 field values carry no leading or trailing
 * whitespace, RFC 9113 §8.2.1).
 *
 * Order of evaluation (RFC 9110 §13.2.2): the preconditions first
 * (http_conditional.h), then, for a GET only (§14.2 defines Range for GET
 * alone), If-Range (h2serve_if_range_allows) and only then this parser.
 */
#ifndef H2R_APPS_HTTP_RANGE_H
#define H2R_APPS_HTTP_RANGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The most list elements (range-specs and the empty elements §5.6.1 makes
 * recipients tolerate) a Range value may hold; a longer one is ignored as a
 * whole. §14.2 lets a server ignore or reject such lists (§17.15: many small
 * or overlapping ranges are a denial-of-service vector). Ignoring rather than
 * answering 416 keeps the cost of the parse bounded, and since several ranges
 * that do not coalesce are answered with the whole representation anyway
 * (H2SERVE_RANGE_MULTIPLE), a client loses nothing it would have had.
 */
#define H2SERVE_RANGE_MAX 64

/* What to answer a Range header field with. */
enum h2serve_range_result {
    /*
     * Ignore the field, answer 200 with the whole representation: no field
     * (value NULL), a unit other than "bytes" (§14.2: must be ignored), an
     * invalid ranges-specifier (§14.1.1, §14.2: may be ignored), more than
     * H2SERVE_RANGE_MAX elements, or a zero-length representation (§14.2 lets a
     * server ignore Range for one: its only satisfiable form, a suffix-range,
     * would select no bytes, which Content-Range cannot express).
     */
    H2SERVE_RANGE_NONE,
    /* One span of bytes, [*offset, *offset + *length), with *length > 0: answer 206 with it. */
    H2SERVE_RANGE_SINGLE,
    /*
     * Satisfiable ranges that do not form one span: answer 200 with the whole
     * representation (allowed by §14.2, and simpler than multipart/byteranges).
     */
    H2SERVE_RANGE_MULTIPLE,
    /* Valid, but no range overlaps the representation: answer 416 with content-range "bytes *" "/size". */
    H2SERVE_RANGE_UNSATISFIABLE,
};

/*
 * Evaluates a Range field value (§14.1.2) against a representation of size
 * bytes. *offset and *length are set for H2SERVE_RANGE_SINGLE only.
 *
 * The unit is matched case-insensitively (§14.1); OWS may surround the
 * commas; numbers of any length are read exactly (a first-pos beyond 2^64 is
 * unsatisfiable, a last-pos or suffix-length beyond it means "to the end").
 * A last-pos at or past the end is read as size - 1, a suffix-length longer
 * than the representation as all of it; unsatisfiable ranges among
 * satisfiable ones are dropped (§14.2: the answer holds the satisfiable ones).
 *
 * Several satisfiable ranges that overlap or touch (in any order) are
 * coalesced, as §14.2 allows: "bytes=500-600,601-999" is the single span
 * 500-999. Only ranges that leave a gap make H2SERVE_RANGE_MULTIPLE.
 */
enum h2serve_range_result h2serve_range_parse(const char *value, size_t len, uint64_t size, uint64_t *offset,
                                              uint64_t *length);

/* Room for the longest Content-Range value, with its NUL. */
#define H2SERVE_CONTENT_RANGE_MAX                                                                            \
    sizeof("bytes 18446744073709551615-18446744073709551615/18446744073709551615")

/*
 * Writes the Content-Range value of a 206 (§14.4), "bytes first-last/size",
 * NUL-terminated, into out. Returns its length without the NUL, or 0 if it
 * does not fit in cap or the span is empty or reaches past size.
 */
size_t h2serve_content_range(char *out, size_t cap, uint64_t offset, uint64_t length, uint64_t size);

/*
 * Writes the Content-Range value of a 416 (§14.4, §15.5.17), "bytes *" "/size",
 * NUL-terminated, into out. Returns its length without the NUL, or 0 if it
 * does not fit in cap.
 */
size_t h2serve_content_range_unsatisfied(char *out, size_t cap, uint64_t size);

#endif
