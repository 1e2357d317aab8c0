/*
 * HTTP/1.1 request and response heads and trailer sections (RFC 9112
 * §2-§6), and telling a request line from the HTTP/2 preface: see
 * http1_parser.h.
 *
 * A head is read in two passes. The first checks the grammar byte by byte,
 * fills the caller's field array, and stops at the first error or where the
 * bytes end, so that garbage is refused before a head is complete. The
 * second runs once the head is complete, over the fields only: the rules that
 * need the whole head (framing, Host, connection options).
 *
 * Every scanner reads bytes in order and decides on the bytes read so far
 * only, and the limits cut the input at fixed offsets. So a longer input
 * never changes an answer other than 0, which is what makes re-parsing from
 * the start on every read sound (and what the fuzzer checks by splitting).
 */
#include "http1_parser.h"

#include <limits.h>
#include <string.h>

#include "char_table.h"

#include "http1_chars.h"

/* ---- Character classes (char_table.h) ---- */

/* A request-target: no whitespace or control character (RFC 9112 §3.2); obs-text tolerated, as in :path. */
static const uint8_t target_chars[256] = {H2R_CHAR_TABLE(H2R_CHAR_VISIBLE)};

/* RFC 3986 §3.1 scheme, after its first letter. */
static const uint8_t scheme_chars[256] = {H2R_CHAR_TABLE(H2R_CHAR_SCHEME)};

/* RFC 3986 §3.2.2 reg-name and IPv4address: unreserved, pct-encoded, sub-delims. */
#define REG_NAME_CHAR(c) (H2R_CHAR_AUTHORITY(c) && (c) != ':' && (c) != '[' && (c) != ']')
static const uint8_t reg_name_chars[256] = {H2R_CHAR_TABLE(REG_NAME_CHAR)};
/* Inside the brackets of an IP-literal: IPv6 and IPvFuture add ':'. */
#define IP_LITERAL_CHAR(c) (REG_NAME_CHAR(c) || (c) == ':')
static const uint8_t ip_literal_chars[256] = {H2R_CHAR_TABLE(IP_LITERAL_CHAR)};

static int is_digit(uint8_t c)
{
    return (unsigned)(c - '0') < 10;
}

static uint8_t to_lower(uint8_t c)
{
    return (unsigned)(c - 'A') < 26 ? c + ('a' - 'A') : c;
}

/* Whether s equals lower, a lowercase literal of the same length, ignoring ASCII case. */
static int equals_lower(const char *s, const char *lower, size_t len)
{
    for (size_t i = 0; i != len; ++i)
        if (to_lower((uint8_t)s[i]) != (uint8_t)lower[i]) return 0;
    return 1;
}

#define EQUALS_LOWER(s, len, literal) ((len) == sizeof(literal) - 1 && equals_lower((s), literal, (len)))

void h2r_http1_limits_default(h2r_http1_limits *limits)
{
    *limits = (h2r_http1_limits){
        .max_request_line = 8192,
        .max_head_size = 16384,
        .max_trailer_size = 16384,
        .max_chunk_ext_size = 16384,
        .max_body_size = UINT64_MAX,
    };
}

/* A limit applied to lengths returned as int. */
static size_t int_limit(size_t limit)
{
    return limit < INT_MAX ? limit : INT_MAX;
}

/* ---- The request line (§3) ---- */

struct request_line {
    const uint8_t *method, *target;
    size_t method_len, target_len;
    int major, minor;
};

/*
 * Scans method SP request-target SP HTTP-version CRLF at [start, end).
 * Returns its length with the CRLF, 0 if every byte up to end can start one,
 * or an error. The version is only checked for its shape here.
 */
static int scan_request_line(const uint8_t *start, const uint8_t *end, struct request_line *line)
{
    const uint8_t *p = start;

    while (p != end && h2r_http1_token_chars[*p]) {
        if (p - start == H2R_HTTP1_MAX_METHOD_LEN) return H2R_HTTP1_ERR_METHOD_TOO_LONG;
        ++p;
    }
    if (p == end) return 0;
    if (p == start || (*p != ' ' && *p != '\t')) return H2R_HTTP1_ERR_METHOD;
    if (*p != ' ') return H2R_HTTP1_ERR_REQUEST_LINE;
    line->method = start;
    line->method_len = (size_t)(p - start);

    line->target = ++p;
    while (p != end && target_chars[*p]) ++p;
    if (p == end) return 0;
    line->target_len = (size_t)(p - line->target);
    if (*p != ' ' || line->target_len == 0) {
        /* A second SP, an HTAB, or a line that ends before its version (HTTP/0.9 style). */
        int separator = *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n';
        return separator ? H2R_HTTP1_ERR_REQUEST_LINE : H2R_HTTP1_ERR_TARGET;
    }

    /* "HTTP/" DIGIT "." DIGIT, case-sensitive (§2.3); '#' stands for a digit. */
    static const char version_shape[] = "HTTP/#.#";
    const uint8_t *version = ++p;
    for (size_t i = 0; version_shape[i]; ++i, ++p) {
        if (p == end) return 0;
        int ok = version_shape[i] == '#' ? is_digit(*p) : *p == (uint8_t)version_shape[i];
        if (!ok) return i == 0 && h2r_http1_is_ows(*p) ? H2R_HTTP1_ERR_REQUEST_LINE : H2R_HTTP1_ERR_VERSION;
    }
    if (p == end) return 0;
    if (*p != '\r') {
        if (*p == '\n') return H2R_HTTP1_ERR_LINE_ENDING;
        return h2r_http1_is_ows(*p) ? H2R_HTTP1_ERR_REQUEST_LINE : H2R_HTTP1_ERR_VERSION;
    }
    if (++p == end) return 0;
    if (*p != '\n') return H2R_HTTP1_ERR_LINE_ENDING;
    line->major = version[5] - '0';
    line->minor = version[7] - '0';
    return (int)(p + 1 - start);
}

/*
 * uri-host [":" port] (RFC 3986 §3.2.2, §3.2.3): a reg-name or IPv4 address,
 * or an IP-literal in brackets, then a port of digits. Characters are
 * checked, not the finer IP syntax. An empty host is refused: the one empty
 * Host allowed is an empty value, which the caller lets through.
 */
static int is_authority(const char *s, size_t len, int port_required)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    if (p != end && *p == '[') {
        ++p;
        while (p != end && ip_literal_chars[*p]) ++p;
        if (p == end || *p != ']' || p == (const uint8_t *)s + 1) return 0;
        ++p;
    } else {
        while (p != end && reg_name_chars[*p]) ++p;
        if (p == (const uint8_t *)s) return 0;
    }
    if (p == end) return !port_required;
    if (*p != ':') return 0;
    const uint8_t *port = ++p;
    while (p != end && is_digit(*p)) ++p;
    return p == end && (p != port || !port_required);
}

/* RFC 3986 §4.3 absolute-URI, as far as its scheme: the rest is target characters, already checked. */
static int is_absolute_uri(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    if ((unsigned)(to_lower(*p) - 'a') >= 26) return 0;
    while (++p != end && scheme_chars[*p]) {
    }
    return p != end && *p == ':';
}

/* Which form the target has, and whether the method allows it (RFC 9112 §3.2). */
static int classify_target(h2r_http1_request *req)
{
    const char *t = req->target;
    size_t len = req->target_len;
    /* Methods are case-sensitive (RFC 9110 §9.1): "connect" is some other method. */
    if (req->method_len == 7 && memcmp(req->method, "CONNECT", 7) == 0) {
        req->target_form = H2R_HTTP1_TARGET_AUTHORITY;
        return is_authority(t, len, 1) ? 0 : H2R_HTTP1_ERR_TARGET;
    }
    if (t[0] == '/') {
        req->target_form = H2R_HTTP1_TARGET_ORIGIN;
        return 0;
    }
    if (len == 1 && t[0] == '*') {
        req->target_form = H2R_HTTP1_TARGET_ASTERISK;
        return req->method_len == 7 && memcmp(req->method, "OPTIONS", 7) == 0 ? 0 : H2R_HTTP1_ERR_TARGET;
    }
    req->target_form = H2R_HTTP1_TARGET_ABSOLUTE;
    return is_absolute_uri(t, len) ? 0 : H2R_HTTP1_ERR_TARGET;
}

/* ---- The status line (§4) ---- */

struct status_line {
    int major, minor;
    unsigned status;
};

/*
 * Scans HTTP-version SP status-code [SP reason-phrase] CRLF at [start,
 * end), the way scan_request_line scans a request line. RFC 9112 §4 has the
 * SP before an empty reason; some servers leave it out, and since nothing
 * else can come there, taking "200\r\n" reads nothing differently.
 */
static int scan_status_line(const uint8_t *start, const uint8_t *end, struct status_line *line)
{
    /* '#' stands for a digit; the version is case-sensitive (§2.3). */
    static const char shape[] = "HTTP/#.# ###";
    const uint8_t *p = start;
    for (size_t i = 0; shape[i]; ++i, ++p) {
        if (p == end) return 0;
        int ok = shape[i] == '#' ? is_digit(*p) : *p == (uint8_t)shape[i];
        if (!ok) return i < 8 ? H2R_HTTP1_ERR_VERSION : H2R_HTTP1_ERR_STATUS_LINE;
    }
    if (p == end) return 0;
    if (*p == ' ') {
        while (++p != end && h2r_http1_value_chars[*p]) {
        }
        if (p == end) return 0;
    }
    if (*p != '\r') return *p == '\n' ? H2R_HTTP1_ERR_LINE_ENDING : H2R_HTTP1_ERR_STATUS_LINE;
    if (++p == end) return 0;
    if (*p != '\n') return H2R_HTTP1_ERR_LINE_ENDING;
    line->major = start[5] - '0';
    line->minor = start[7] - '0';
    line->status = (unsigned)((start[9] - '0') * 100 + (start[10] - '0') * 10 + (start[11] - '0'));
    /* RFC 9110 §15: the first digit is the class, and there are five. */
    if (line->status < 100 || line->status > 599) return H2R_HTTP1_ERR_STATUS_LINE;
    return (int)(p + 1 - start);
}

/* ---- Field lines (§5), for heads and trailer sections ---- */

/*
 * Scans field lines from *pos up to the empty line that ends them, into
 * fields. Returns 1 with *pos past the empty line and *count set, 0 when the
 * bytes end first, or an error.
 */
static int scan_fields(const uint8_t **pos, const uint8_t *end, h2r_header *fields, size_t capacity,
                       size_t *count)
{
    const uint8_t *p = *pos;
    size_t n = 0;
    for (;;) {
        if (p == end) return 0;
        if (*p == '\r') {
            if (++p == end) return 0;
            if (*p != '\n') return H2R_HTTP1_ERR_LINE_ENDING;
            *pos = p + 1;
            *count = n;
            return 1;
        }
        if (*p == '\n') return H2R_HTTP1_ERR_LINE_ENDING;
        /* obs-fold, or whitespace before the first field (§2.2): refusing both is the safe reading. */
        if (h2r_http1_is_ows(*p)) return H2R_HTTP1_ERR_OBS_FOLD;
        if (n == capacity) return H2R_HTTP1_ERR_TOO_MANY_FIELDS;

        const uint8_t *name = p;
        while (p != end && h2r_http1_token_chars[*p]) ++p;
        if (p == end) return 0;
        if (*p != ':')
            return p != name && h2r_http1_is_ows(*p) ? H2R_HTTP1_ERR_SPACE_BEFORE_COLON
                                                     : H2R_HTTP1_ERR_FIELD_NAME;
        if (p == name) return H2R_HTTP1_ERR_FIELD_NAME;
        const uint8_t *name_end = p++;

        while (p != end && h2r_http1_is_ows(*p)) ++p;
        const uint8_t *value = p;
        while (p != end && h2r_http1_value_chars[*p]) ++p;
        if (p == end) return 0;
        if (*p != '\r') return *p == '\n' ? H2R_HTTP1_ERR_LINE_ENDING : H2R_HTTP1_ERR_FIELD_VALUE;
        const uint8_t *value_end = p;
        if (++p == end) return 0;
        if (*p != '\n') return H2R_HTTP1_ERR_LINE_ENDING;
        ++p;
        while (value_end != value && h2r_http1_is_ows(value_end[-1])) --value_end;

        fields[n++] = (h2r_header){
            .name = (const char *)name,
            .name_len = (size_t)(name_end - name),
            .value = (const char *)value,
            .value_len = (size_t)(value_end - value),
        };
    }
}

/* ---- What the fields of a head mean ---- */

/* Walks a comma-separated list (RFC 9110 §5.6.1), element by element, without OWS. */
struct list_walk {
    const char *next; /* where the next element starts, or NULL after the last one */
    const char *end;
};

static struct list_walk walk_list(const h2r_header *field)
{
    return (struct list_walk){.next = field->value, .end = field->value + field->value_len};
}

/* The next element (possibly empty: "a,,b" has three), or 0 at the end of the list. */
static int list_next(struct list_walk *walk, const char **element, size_t *len)
{
    if (!walk->next) return 0;
    const char *start = walk->next;
    const char *comma = memchr(start, ',', (size_t)(walk->end - start));
    const char *stop = comma ? comma : walk->end;
    walk->next = comma ? comma + 1 : NULL;
    while (start != stop && h2r_http1_is_ows((uint8_t)*start)) ++start;
    while (stop != start && h2r_http1_is_ows((uint8_t)stop[-1])) --stop;
    *element = start;
    *len = (size_t)(stop - start);
    return 1;
}

/* What the second pass gathers over the fields of a head. */
struct head_semantics {
    uint8_t http10;         /* an HTTP/1.0 head, which has no Transfer-Encoding */
    uint8_t response;       /* a response head, where Host means nothing */
    int64_t content_length; /* -1 until a Content-Length */
    const char *host;       /* requests: the Host value, NULL without one */
    size_t host_len;
    unsigned host_count;
    unsigned chunked_count;                    /* "chunked" in Transfer-Encoding, over all its lines */
    uint8_t final_chunked;                     /* the last coding was chunked */
    uint8_t unsupported_coding;                /* a coding other than chunked was named */
    uint8_t transfer_encoding;                 /* a Transfer-Encoding line was seen */
    uint8_t close, keep_alive, upgrade_option; /* Connection options */
    uint8_t upgrade_field, expect_continue;
};

/*
 * Content-Length (RFC 9110 §8.6): 1*DIGIT, or a list of identical values
 * that some senders make by merging lines. Repeated lines must agree too.
 */
static int apply_content_length(struct head_semantics *sem, const h2r_header *field)
{
    struct list_walk walk = walk_list(field);
    const char *element;
    size_t len;
    while (list_next(&walk, &element, &len)) {
        if (len == 0) return H2R_HTTP1_ERR_CONTENT_LENGTH;
        int64_t value = 0;
        for (size_t i = 0; i != len; ++i) {
            uint8_t c = (uint8_t)element[i];
            if (!is_digit(c) || value > (INT64_MAX - (c - '0')) / 10) return H2R_HTTP1_ERR_CONTENT_LENGTH;
            value = value * 10 + (c - '0');
        }
        if (sem->content_length >= 0 && value != sem->content_length) return H2R_HTTP1_ERR_CONTENT_LENGTH;
        sem->content_length = value;
    }
    return 0;
}

/*
 * Transfer-Encoding (RFC 9112 §6.1): transfer-coding = token *( OWS ";" OWS
 * transfer-parameter ), and for a request only "chunked", last, once, is
 * workable. Empty elements are refused, although RFC 9110 §5.6.1 has
 * recipients skip them: in "chunked" then an empty Transfer-Encoding line,
 * chunked is the final coding to us and none at all to a proxy that reads
 * the last line only.
 */
static int apply_transfer_encoding(struct head_semantics *sem, const h2r_header *field)
{
    sem->transfer_encoding = 1;
    struct list_walk walk = walk_list(field);
    const char *element;
    size_t len;
    while (list_next(&walk, &element, &len)) {
        size_t name_len = 0;
        while (name_len != len && h2r_http1_token_chars[(uint8_t)element[name_len]]) ++name_len;
        size_t rest = name_len;
        while (rest != len && h2r_http1_is_ows((uint8_t)element[rest])) ++rest;
        int has_parameters = rest != len;
        if (name_len == 0 || (has_parameters && element[rest] != ';')) return H2R_HTTP1_ERR_TRANSFER_ENCODING;

        sem->final_chunked = EQUALS_LOWER(element, name_len, "chunked");
        if (sem->final_chunked) {
            /* chunked takes no parameter: "chunked;x=y" is no coding we know the framing of. */
            if (has_parameters) return H2R_HTTP1_ERR_TRANSFER_ENCODING;
            ++sem->chunked_count;
        } else {
            sem->unsupported_coding = 1;
        }
    }
    return 0;
}

/* Connection options (RFC 9110 §7.6.1): tokens, case-insensitive, over any number of lines. */
static void apply_connection(struct head_semantics *sem, const h2r_header *field)
{
    struct list_walk walk = walk_list(field);
    const char *option;
    size_t len;
    while (list_next(&walk, &option, &len)) {
        if (EQUALS_LOWER(option, len, "close"))
            sem->close = 1;
        else if (EQUALS_LOWER(option, len, "keep-alive"))
            sem->keep_alive = 1;
        else if (EQUALS_LOWER(option, len, "upgrade"))
            sem->upgrade_option = 1;
    }
}

static void apply_expect(struct head_semantics *sem, const h2r_header *field)
{
    struct list_walk walk = walk_list(field);
    const char *expectation;
    size_t len;
    while (list_next(&walk, &expectation, &len))
        if (EQUALS_LOWER(expectation, len, "100-continue")) sem->expect_continue = 1;
}

static int apply_field(struct head_semantics *sem, const h2r_header *field)
{
    const char *name = field->name;
    switch (field->name_len) {
    case 4:
        if (!equals_lower(name, "host", 4) || sem->response) break;
        if (++sem->host_count > 1) return H2R_HTTP1_ERR_DUPLICATE_HOST;
        if (field->value_len != 0 && !is_authority(field->value, field->value_len, 0))
            return H2R_HTTP1_ERR_INVALID_HOST;
        sem->host = field->value;
        sem->host_len = field->value_len;
        break;
    case 6:
        if (equals_lower(name, "expect", 6)) apply_expect(sem, field);
        break;
    case 7:
        if (equals_lower(name, "upgrade", 7)) sem->upgrade_field = 1;
        break;
    case 10:
        if (equals_lower(name, "connection", 10)) apply_connection(sem, field);
        break;
    case 14:
        if (equals_lower(name, "content-length", 14)) return apply_content_length(sem, field);
        break;
    case 17:
        if (!equals_lower(name, "transfer-encoding", 17)) break;
        if (sem->http10) return H2R_HTTP1_ERR_TE_IN_HTTP10;
        return apply_transfer_encoding(sem, field);
    }
    return 0;
}

/* The fields of a head, request or response, then the framing they make (RFC 9112 §6.3). */
static int apply_fields(struct head_semantics *sem, const h2r_header *fields, size_t count)
{
    for (size_t i = 0; i != count; ++i) {
        int err = apply_field(sem, &fields[i]);
        if (err) return err;
    }
    if (sem->transfer_encoding) {
        if (sem->content_length >= 0) return H2R_HTTP1_ERR_TE_WITH_CONTENT_LENGTH;
        if (!sem->final_chunked || sem->chunked_count != 1) return H2R_HTTP1_ERR_TRANSFER_ENCODING;
        if (sem->unsupported_coding) return H2R_HTTP1_ERR_TE_UNSUPPORTED;
    }
    return 0;
}

static int over_body_limit(const struct head_semantics *sem, const h2r_http1_limits *limits)
{
    return sem->content_length >= 0 && (uint64_t)sem->content_length > limits->max_body_size;
}

/* The second pass over a request: framing, Host (§3.2), connection options. */
static int apply_request_fields(h2r_http1_request *req, const h2r_http1_limits *limits)
{
    struct head_semantics sem = {.content_length = -1, .http10 = req->minor_version == 0};
    int err = apply_fields(&sem, req->headers, req->header_count);
    if (err) return err;
    if (req->minor_version == 1 && sem.host_count == 0) return H2R_HTTP1_ERR_MISSING_HOST;
    if (over_body_limit(&sem, limits)) return H2R_HTTP1_ERR_BODY_TOO_LARGE;

    int http11 = req->minor_version == 1;
    req->host = sem.host;
    req->host_len = sem.host_len;
    req->content_length = sem.content_length;
    req->chunked = sem.transfer_encoding;
    req->keep_alive = !sem.close && (http11 || sem.keep_alive);
    req->expect_continue = http11 && sem.expect_continue;
    req->upgrade = http11 && sem.upgrade_field && sem.upgrade_option;
    return 0;
}

/* ---- Entry points ---- */

/* The head within [buf, end), end being where max_head_size cuts it: the length, 0, or an error. */
static int parse_head(const uint8_t *buf, const uint8_t *end, const h2r_http1_limits *limits,
                      h2r_http1_request *req, h2r_header *headers, size_t header_capacity)
{
    const uint8_t *p = buf;
    for (int empty_lines = 0;; ++empty_lines) {
        if (p == end) return 0;
        if (*p == '\n') return H2R_HTTP1_ERR_LINE_ENDING;
        if (*p != '\r') break;
        if (empty_lines == H2R_HTTP1_MAX_EMPTY_LINES) return H2R_HTTP1_ERR_EMPTY_LINES;
        if (++p == end) return 0;
        if (*p != '\n') return H2R_HTTP1_ERR_LINE_ENDING;
        ++p;
    }

    /* Reading the line no further than its limit allows (with its CRLF) tells 414 from "need more". */
    size_t available = (size_t)(end - p);
    size_t line_cap = limits->max_request_line < SIZE_MAX - 2 ? limits->max_request_line + 2 : SIZE_MAX;
    struct request_line line;
    int line_len = scan_request_line(p, available > line_cap ? p + line_cap : end, &line);
    if (line_len == 0) return available >= line_cap ? H2R_HTTP1_ERR_URI_TOO_LONG : 0;
    if (line_len < 0) return line_len;
    if (line.major != 1 || line.minor > 1) return H2R_HTTP1_ERR_VERSION_UNSUPPORTED;
    p += line_len;

    req->method = (const char *)line.method;
    req->method_len = line.method_len;
    req->target = (const char *)line.target;
    req->target_len = line.target_len;
    req->minor_version = line.minor;
    int err = classify_target(req);
    if (err) return err;

    int status = scan_fields(&p, end, headers, header_capacity, &req->header_count);
    if (status <= 0) return status;
    req->headers = headers;
    err = apply_request_fields(req, limits);
    return err ? err : (int)(p - buf);
}

int h2r_http1_parse_request(const uint8_t *buf, size_t len, const h2r_http1_limits *limits,
                            h2r_http1_request *req, h2r_header *headers, size_t header_capacity)
{
    if (len == 0) return 0;
    size_t max_head = int_limit(limits->max_head_size);
    int result =
        parse_head(buf, buf + (len < max_head ? len : max_head), limits, req, headers, header_capacity);
    return result == 0 && len > max_head ? H2R_HTTP1_ERR_HEAD_TOO_LARGE : result;
}

/* The response head within [buf, end), as parse_head reads a request's. */
static int parse_response_head(const uint8_t *buf, const uint8_t *end, const h2r_http1_limits *limits,
                               h2r_http1_response *resp, h2r_header *headers, size_t header_capacity)
{
    struct status_line line;
    int line_len = scan_status_line(buf, end, &line);
    if (line_len <= 0) return line_len;
    if (line.major != 1) return H2R_HTTP1_ERR_VERSION_UNSUPPORTED;
    const uint8_t *p = buf + line_len;
    int status = scan_fields(&p, end, headers, header_capacity, &resp->header_count);
    if (status <= 0) return status;

    struct head_semantics sem = {.content_length = -1, .http10 = line.minor == 0, .response = 1};
    int err = apply_fields(&sem, headers, resp->header_count);
    if (err) return err;
    if (over_body_limit(&sem, limits)) return H2R_HTTP1_ERR_BODY_TOO_LARGE;
    resp->status = line.status;
    resp->minor_version = line.minor != 0;
    resp->headers = headers;
    resp->content_length = sem.content_length;
    resp->chunked = sem.transfer_encoding;
    resp->keep_alive = !sem.close && (line.minor != 0 || sem.keep_alive);
    return (int)(p - buf);
}

int h2r_http1_parse_response(const uint8_t *buf, size_t len, const h2r_http1_limits *limits,
                             h2r_http1_response *resp, h2r_header *headers, size_t header_capacity)
{
    if (len == 0) return 0;
    size_t max_head = int_limit(limits->max_head_size);
    int result = parse_response_head(buf, buf + (len < max_head ? len : max_head), limits, resp, headers,
                                     header_capacity);
    return result == 0 && len > max_head ? H2R_HTTP1_ERR_HEAD_TOO_LARGE : result;
}

int h2r_http1_parse_trailers(const uint8_t *buf, size_t len, const h2r_http1_limits *limits,
                             h2r_header *fields, size_t field_capacity, size_t *field_count)
{
    if (len == 0) return 0;
    size_t max_trailer = int_limit(limits->max_trailer_size);
    const uint8_t *p = buf;
    int status =
        scan_fields(&p, buf + (len < max_trailer ? len : max_trailer), fields, field_capacity, field_count);
    if (status == 0) return len > max_trailer ? H2R_HTTP1_ERR_TRAILER_TOO_LARGE : 0;
    return status < 0 ? status : (int)(p - buf);
}

enum h2r_detected_protocol h2r_detect_protocol(const uint8_t *buf, size_t len)
{
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    const size_t preface_len = sizeof(preface) - 1;
    if (len == 0) return H2R_DETECT_NEED_MORE;
    if (memcmp(buf, preface, len < preface_len ? len : preface_len) == 0)
        return len >= preface_len ? H2R_DETECT_HTTP2 : H2R_DETECT_NEED_MORE;

    const size_t line_cap = H2R_DETECT_MAX_LINE + 2;
    struct request_line line;
    int line_len = scan_request_line(buf, buf + (len < line_cap ? len : line_cap), &line);
    if (line_len > 0) return line.major == 1 ? H2R_DETECT_HTTP1 : H2R_DETECT_INVALID;
    if (line_len < 0) return H2R_DETECT_INVALID;
    return len >= line_cap ? H2R_DETECT_HTTP1 : H2R_DETECT_NEED_MORE;
}
