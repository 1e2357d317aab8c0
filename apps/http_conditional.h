/*
 * Validators and conditional requests (RFC 9110 §8.8, §13) for h2serve's
 * files: the ETag of a file, HTTP-dates both ways, the preconditions of a
 * GET or HEAD in the order of §13.2.2, and If-Range.
 *
 * Pure functions: no I/O, no clock, no locale, no state. Values are taken
 * as the engine hands them over (HTTP/2 field values carry no leading or
 * trailing whitespace, RFC 9113 §8.2.1); a list field sent in several field
 * lines (If-Match, If-None-Match) must be joined with ", " first (§5.3).
 *
 * A GET or HEAD for a file that exists goes:
 *   1. h2serve_evaluate_preconditions(): 412 or 304 ends it. Only for a
 *      request that would be answered 2xx without the conditions (§13.2.1):
 *      a 404 stays a 404.
 *   2. For a GET with a Range field (§14.2): h2serve_if_range_allows(), and if
 *      it allows, h2serve_range_parse() (http_range.h); otherwise 200.
 * 200 and 206 carry ETag and Last-Modified; a 304 carries ETag and Date,
 * and may leave Last-Modified out since ETag is there (§15.4.5).
 *
 * Last-Modified is the file's mtime in whole seconds, but never later than
 * the response's Date (§8.8.2.1: a file stamped in the future gets the
 * current time); the caller passes that same value as last_modified below.
 * A date has second resolution: if the file changes again within the
 * second a client fetched it in, that client's If-Modified-Since still
 * matches, and it is told 304 for as long as the file stays unchanged. The
 * ETag includes the nanoseconds and does not share that blind spot; clients
 * that have one send If-None-Match, which makes If-Modified-Since ignored.
 */
#ifndef H2R_APPS_HTTP_CONDITIONAL_H
#define H2R_APPS_HTTP_CONDITIONAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Room for the longest ETag h2serve_etag writes, with its NUL. */
#define H2SERVE_ETAG_MAX sizeof("\"ffffffffffffffff.3b9ac9ff-ffffffffffffffff\"")

/*
 * Writes the strong ETag field value (§8.8.3) of a file, quotes included and
 * NUL-terminated: "<mtime seconds>.<mtime nanoseconds>-<size>", each in
 * lower-case hex (seconds before 1970 as their 64-bit two's complement).
 * Returns its length without the NUL, or 0 if it does not fit in cap.
 *
 * h2o and nginx use "<mtime seconds>-<size>". A strong validator must change
 * whenever the content does (§8.8.1), and with seconds alone two versions of
 * the same length written within one second (an asset rebuilt and
 * redeployed at once, a log rotated) share a tag, so If-Range or If-Match
 * would splice bytes of both. Nanosecond mtimes (ext4, xfs, btrfs, tmpfs)
 * shrink that window to the file system's timestamp granularity (one kernel
 * tick on Linux). The inode is left out, as Apache's default did from 2.4:
 * the same file restored, copied or deployed by rename, or served by two
 * machines, would get different tags for the same bytes and lose its
 * cached copies, while the mtime already changes on every such write.
 */
size_t h2serve_etag(char *out, size_t cap, const struct timespec *mtime, uint64_t size);

/* Room for an IMF-fixdate, with its NUL. */
#define H2SERVE_HTTP_DATE_MAX sizeof("Sun, 06 Nov 1994 08:49:37 GMT")

/*
 * Writes t as an IMF-fixdate (§5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT",
 * NUL-terminated, with English names whatever the locale. Returns its length
 * (29), or 0 if it does not fit in cap or t's year is not within 0-9999.
 * (h2ring/compat.h's h2r_http_date() is the current time, cached per second,
 * for the Date field.)
 */
size_t h2serve_http_date_format(char *out, size_t cap, time_t t);

/*
 * Reads an HTTP-date (§5.6.7) in any of its three formats, which recipients
 * must all accept: the IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", and the
 * obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime
 * "Sun Nov  6 08:49:37 1994". Returns 0 with *t set, or -1 if s is not one.
 *
 * Names are case-sensitive as the grammar says; the day name must be one,
 * but is not checked against the date (the date is what carries meaning,
 * and a sender that got the weekday wrong still meant that date). Day,
 * month and time are checked ("31 Feb", "24:00:00" are refused); second
 * 60, which the grammar allows for leap seconds, is read as the next one.
 *
 * RFC 850's two-digit years are read as 1970-2069, the classic Unix
 * window, rather than by §5.6.7's sliding "not more than 50 years in the
 * future" rule: that needs a clock, the two differ only for years that no
 * file served by an RFC 850 era server can carry, and 1970 is a year files
 * do carry (reproducible builds and Nix stamp theirs with 1970-01-01).
 */
int h2serve_http_date_parse(const char *s, size_t len, time_t *t);

/*
 * The precondition fields of a request (§13.1), as received; a NULL value
 * means the field is absent. If-Range is not among them: it concerns the
 * Range field, see h2serve_if_range_allows().
 */
struct h2serve_request_conditions {
    const char *if_match;
    size_t if_match_len;
    const char *if_unmodified_since;
    size_t if_unmodified_since_len;
    const char *if_none_match;
    size_t if_none_match_len;
    const char *if_modified_since;
    size_t if_modified_since_len;
};

enum h2serve_precondition {
    H2SERVE_PRECONDITION_PROCEED,      /* go on with the request */
    H2SERVE_PRECONDITION_NOT_MODIFIED, /* answer 304 (Not Modified) */
    H2SERVE_PRECONDITION_FAILED,       /* answer 412 (Precondition Failed) */
};

/*
 * Evaluates the preconditions of a GET or HEAD for a representation that
 * exists, with ETag field value etag (quotes included; NULL if it has none)
 * and Last-Modified last_modified, in the order of §13.2.2:
 *
 *   1. If-Match: false if no listed entity-tag matches by the strong
 *      comparison (§8.8.3.2); "*" matches → 412.
 *   2. else If-Unmodified-Since, if a valid HTTP-date: false if
 *      last_modified is later → 412.
 *   3. If-None-Match: true unless a listed entity-tag matches by the weak
 *      comparison (W/"x" matches "x"); "*" matches → 304.
 *   4. else If-Modified-Since, if a valid HTTP-date: false if last_modified
 *      is not later → 304.
 *
 * A field that is neither "*" nor a valid list of entity-tags matches
 * nothing (so a malformed If-Match fails, a malformed If-None-Match lets the
 * request through: both the safe way). Dates that are not valid HTTP-dates,
 * lists of dates included, are ignored, as §13.1.3 and §13.1.4 require.
 */
enum h2serve_precondition h2serve_evaluate_preconditions(const struct h2serve_request_conditions *c,
                                                         const char *etag, size_t etag_len,
                                                         time_t last_modified);

/*
 * Whether an If-Range field value (§13.1.5) lets the Range field of a GET
 * apply: true if value is NULL (no If-Range), if it is an entity-tag equal
 * to etag by the strong comparison (a weak one, ours or theirs, never is),
 * or if it is an HTTP-date equal to last_modified. Otherwise, an unknown or
 * malformed value included, the whole representation is sent (200).
 *
 * §13.1.5 wants the date to be a strong validator (§8.8.2.2). The server
 * cannot know when the client got it; the client can, and must not send a
 * date that was not at least a second older than its response's Date, so
 * an exact match is taken as the strong one it must be.
 */
int h2serve_if_range_allows(const char *value, size_t len, const char *etag, size_t etag_len,
                            time_t last_modified);

#endif
