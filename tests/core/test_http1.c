/*
 * HTTP/1.1 (core/http1/): request and response heads, trailer sections,
 * detect(), the chunked decoder, and the response and request writers.
 *
 * Every input is copied into a heap buffer of exactly its length, so that
 * ASan reports a read past the bytes given. Every head, valid or not, is
 * also fed one byte more at a time: each prefix must answer 0 or the final
 * answer, never something else (what stateless re-parsing relies on).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http1_parser.h"

/* A string literal as bytes and length (literals may hold NUL). */
#define S(lit) (const uint8_t *)(lit), sizeof(lit) - 1

#define FIELD_CAPACITY 16

/* A heap copy of exactly len bytes (never NULL, so that len 0 is a valid input too). */
static uint8_t *copy_of(const uint8_t *bytes, size_t len)
{
    uint8_t *p = calloc(len ? len : 1, 1);
    if (!p) abort();
    if (len) memcpy(p, bytes, len);
    return p;
}

static h2r_http1_limits default_limits(void)
{
    h2r_http1_limits limits;
    h2r_http1_limits_default(&limits);
    return limits;
}

static int slice_is(const char *s, size_t len, const char *expected)
{
    return s != NULL && len == strlen(expected) && memcmp(s, expected, len) == 0;
}

/*
 * Parses the input whole and then every prefix of it, each from its own
 * exact-size copy. Returns the whole input's answer; *monotone tells whether
 * each prefix answered 0 or that same answer, and no non-zero answer was
 * followed by another.
 */
static int parse_all_prefixes(const uint8_t *input, size_t len, const h2r_http1_limits *limits,
                              size_t capacity, int *monotone)
{
    h2r_http1_request req;
    h2r_header fields[FIELD_CAPACITY];
    uint8_t *whole = copy_of(input, len);
    int result = h2r_http1_parse_request(whole, len, limits, &req, fields, capacity);
    free(whole);

    int seen = 0;
    *monotone = 1;
    for (size_t k = 0; k < len; ++k) {
        uint8_t *prefix = copy_of(input, k);
        int r = h2r_http1_parse_request(prefix, k, limits, &req, fields, capacity);
        free(prefix);
        if (r != 0 && r != result) *monotone = 0;
        if (seen && r != seen) *monotone = 0;
        if (r != 0) seen = r;
    }
    return result;
}

/* ---- Well-formed requests ---- */

struct valid_case {
    const char *what;
    const char *input; /* a whole head, nothing after it */
    const char *method, *target;
    enum h2r_http1_target_form form;
    int minor;
    size_t header_count;
    int64_t content_length;
    uint8_t chunked, keep_alive, expect_continue, upgrade;
    const char *host; /* NULL: none */
};

static const struct valid_case valid_cases[] = {
    {"GET", "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test\r\n\r\n", "GET",
     "/index.html?q=1", H2R_HTTP1_TARGET_ORIGIN, 1, 2, -1, 0, 1, 0, 0, "example.com"},
    {"POST with Content-Length",
     "POST /submit HTTP/1.1\r\nHost: example.com\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\n",
     "POST", "/submit", H2R_HTTP1_TARGET_ORIGIN, 1, 3, 11, 0, 1, 0, 0, "example.com"},
    {"chunked POST", "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "POST", "/up",
     H2R_HTTP1_TARGET_ORIGIN, 1, 2, -1, 1, 1, 0, 0, "a"},
    {"chunked in another case, with OWS around it",
     "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tChunked \t\r\n\r\n", "POST", "/up",
     H2R_HTTP1_TARGET_ORIGIN, 1, 2, -1, 1, 1, 0, 0, "a"},
    {"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "GET", "/",
     H2R_HTTP1_TARGET_ORIGIN, 0, 1, -1, 0, 1, 0, 0, NULL},
    {"HTTP/1.0 closes by default", "GET / HTTP/1.0\r\n\r\n", "GET", "/", H2R_HTTP1_TARGET_ORIGIN, 0, 0, -1, 0,
     0, 0, 0, NULL},
    {"HTTP/1.0 keep-alive and close: close wins", "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
     "GET", "/", H2R_HTTP1_TARGET_ORIGIN, 0, 1, -1, 0, 0, 0, 0, NULL},
    {"HTTP/1.1 close among other options, over two lines",
     "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo\r\nConnection: bar ,CLOSE\r\n\r\n", "GET", "/",
     H2R_HTTP1_TARGET_ORIGIN, 1, 3, -1, 0, 0, 0, 0, "a"},
    {"absolute-form", "GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET",
     "http://example.com/x?y", H2R_HTTP1_TARGET_ABSOLUTE, 1, 1, -1, 0, 1, 0, 0, "example.com"},
    {"CONNECT authority-form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "CONNECT",
     "example.com:443", H2R_HTTP1_TARGET_AUTHORITY, 1, 1, -1, 0, 1, 0, 0, "example.com:443"},
    {"CONNECT to an IPv6 literal", "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n", "CONNECT",
     "[::1]:8443", H2R_HTTP1_TARGET_AUTHORITY, 1, 1, -1, 0, 1, 0, 0, "[::1]:8443"},
    {"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "OPTIONS", "*", H2R_HTTP1_TARGET_ASTERISK, 1, 1,
     -1, 0, 1, 0, 0, "a"},
    {"OPTIONS with a path", "OPTIONS /x HTTP/1.1\r\nHost: a\r\n\r\n", "OPTIONS", "/x",
     H2R_HTTP1_TARGET_ORIGIN, 1, 1, -1, 0, 1, 0, 0, "a"},
    {"Expect: 100-continue",
     "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", "PUT", "/f",
     H2R_HTTP1_TARGET_ORIGIN, 1, 3, 3, 0, 1, 1, 0, "a"},
    {"Expect in HTTP/1.0 is ignored", "PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
     "PUT", "/f", H2R_HTTP1_TARGET_ORIGIN, 0, 2, 3, 0, 0, 0, 0, NULL},
    {"Upgrade with the connection option",
     "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n", "GET",
     "/chat", H2R_HTTP1_TARGET_ORIGIN, 1, 3, -1, 0, 1, 0, 1, "a"},
    {"Upgrade without the connection option is ignored", "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\n",
     "GET", "/", H2R_HTTP1_TARGET_ORIGIN, 1, 2, -1, 0, 1, 0, 0, "a"},
    {"Upgrade in HTTP/1.0 is ignored", "GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
     "GET", "/", H2R_HTTP1_TARGET_ORIGIN, 0, 2, -1, 0, 0, 0, 0, NULL},
    {"Content-Length as a list of one value", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 , 5\r\n\r\n",
     "POST", "/", H2R_HTTP1_TARGET_ORIGIN, 1, 2, 5, 0, 1, 0, 0, "a"},
    {"Content-Length twice, the same",
     "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 005\r\n\r\n", "POST", "/",
     H2R_HTTP1_TARGET_ORIGIN, 1, 3, 5, 0, 1, 0, 0, "a"},
    {"Content-Length 0", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", "POST", "/",
     H2R_HTTP1_TARGET_ORIGIN, 1, 2, 0, 0, 1, 0, 0, "a"},
    {"the largest Content-Length",
     "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n", "POST", "/",
     H2R_HTTP1_TARGET_ORIGIN, 1, 2, INT64_MAX, 0, 1, 0, 0, "a"},
    {"an empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", "GET", "/", H2R_HTTP1_TARGET_ORIGIN, 1, 1, -1, 0, 1,
     0, 0, ""},
    {"empty lines before the request line", "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHOST: a\r\n\r\n", "GET", "/",
     H2R_HTTP1_TARGET_ORIGIN, 1, 1, -1, 0, 1, 0, 0, "a"},
    {"a 32-byte method", "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_!#$% / HTTP/1.1\r\nHost: a\r\n\r\n",
     "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_!#$%", "/", H2R_HTTP1_TARGET_ORIGIN, 1, 1, -1, 0, 1, 0, 0, "a"},
    {"obs-text in the target and a value",
     "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\nX-Name: caf\xc3\xa9\r\n\r\n", "GET", "/caf\xc3\xa9",
     H2R_HTTP1_TARGET_ORIGIN, 1, 2, -1, 0, 1, 0, 0, "a"},
    {"Transfer-Encoding and Content-Length as other names",
     "POST / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: x\r\nContent-Lengths: y\r\n\r\n", "POST", "/",
     H2R_HTTP1_TARGET_ORIGIN, 1, 3, -1, 0, 1, 0, 0, "a"},
};

static void check_valid(const struct valid_case *c)
{
    h2r_http1_limits limits = default_limits();
    size_t len = strlen(c->input);
    int monotone;
    int result = parse_all_prefixes((const uint8_t *)c->input, len, &limits, FIELD_CAPACITY, &monotone);
    CHECK_MSG(result == (int)len, "%s: head of %zu bytes (got %d: %s)", c->what, len, result,
              result < 0 ? h2r_http1_strerror(result) : "");
    CHECK_MSG(monotone, "%s: every prefix needs more", c->what);

    uint8_t *buf = copy_of((const uint8_t *)c->input, len);
    h2r_http1_request req;
    h2r_header fields[FIELD_CAPACITY];
    if (h2r_http1_parse_request(buf, len, &limits, &req, fields, FIELD_CAPACITY) == (int)len) {
        int host_ok = c->host ? slice_is(req.host, req.host_len, c->host) : req.host == NULL;
        CHECK_MSG(slice_is(req.method, req.method_len, c->method) &&
                      slice_is(req.target, req.target_len, c->target) && req.target_form == c->form &&
                      req.minor_version == c->minor,
                  "%s: request line", c->what);
        CHECK_MSG(req.headers == fields && req.header_count == c->header_count && host_ok,
                  "%s: %zu fields and the host", c->what, c->header_count);
        CHECK_MSG(req.content_length == c->content_length && req.chunked == c->chunked &&
                      req.keep_alive == c->keep_alive && req.expect_continue == c->expect_continue &&
                      req.upgrade == c->upgrade,
                  "%s: framing and options (length %lld chunked %d keep-alive %d expect %d upgrade %d)",
                  c->what, (long long)req.content_length, req.chunked, req.keep_alive, req.expect_continue,
                  req.upgrade);
    }
    free(buf);
}

static void test_valid_requests(void)
{
    for (size_t i = 0; i != sizeof(valid_cases) / sizeof(valid_cases[0]); ++i) check_valid(&valid_cases[i]);
}

static void test_fields(void)
{
    static const char input[] =
        "GET / HTTP/1.1\r\nHost: a\r\nX-Trim: \t a  b \t\r\nX-Empty:\r\nX-Spaces:   \r\n"
        "x-tab:\tv\r\nX-Tchar!#$%&'*+-.^_`|~: 1\r\n\r\n";
    uint8_t *buf = copy_of(S(input));
    h2r_http1_limits limits = default_limits();
    h2r_http1_request req;
    h2r_header f[FIELD_CAPACITY];
    int r = h2r_http1_parse_request(buf, sizeof(input) - 1, &limits, &req, f, FIELD_CAPACITY);
    if (CHECK(r == (int)sizeof(input) - 1 && req.header_count == 6)) {
        CHECK(slice_is(f[0].name, f[0].name_len, "Host") && slice_is(f[0].value, f[0].value_len, "a"));
        CHECK_MSG(slice_is(f[1].value, f[1].value_len, "a  b"), "OWS trimmed at both ends, kept inside");
        CHECK(slice_is(f[2].value, f[2].value_len, "") && slice_is(f[3].value, f[3].value_len, ""));
        CHECK(slice_is(f[4].name, f[4].name_len, "x-tab") && slice_is(f[4].value, f[4].value_len, "v"));
        CHECK(slice_is(f[5].name, f[5].name_len, "X-Tchar!#$%&'*+-.^_`|~"));
        CHECK(f[0].flags == 0 && f[0].static_name_index == 0);
        CHECK_MSG((const uint8_t *)f[1].value >= buf && (const uint8_t *)f[1].value < buf + r,
                  "values point into the buffer");
    }
    free(buf);

    /* Exactly as many fields as the array holds. */
    static const char two[] = "GET / HTTP/1.1\r\nHost: a\r\nB: b\r\n\r\n";
    buf = copy_of(S(two));
    CHECK(h2r_http1_parse_request(buf, sizeof(two) - 1, &limits, &req, f, 2) == (int)sizeof(two) - 1);
    CHECK(h2r_http1_parse_request(buf, sizeof(two) - 1, &limits, &req, f, 1) ==
          H2R_HTTP1_ERR_TOO_MANY_FIELDS);
    free(buf);
}

/* ---- Malformed requests ---- */

struct invalid_case {
    const char *what;
    const uint8_t *input;
    size_t len;
    int err;
    int status;
};

#define BAD(what, input, err, status)                                                                        \
    {                                                                                                        \
        what, S(input), err, status                                                                          \
    }

static const struct invalid_case invalid_cases[] = {
    /* Line endings. */
    BAD("bare LF after the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", H2R_HTTP1_ERR_LINE_ENDING, 400),
    BAD("bare LF after a field", "GET / HTTP/1.1\r\nHost: a\n\r\n", H2R_HTTP1_ERR_LINE_ENDING, 400),
    BAD("bare LF ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n", H2R_HTTP1_ERR_LINE_ENDING, 400),
    BAD("bare LF before the request line", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_LINE_ENDING,
        400),
    BAD("bare CR after the request line", "GET / HTTP/1.1\rHost: a\r\n\r\n", H2R_HTTP1_ERR_LINE_ENDING, 400),
    BAD("bare CR inside a value", "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", H2R_HTTP1_ERR_LINE_ENDING, 400),
    BAD("bare CR ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\rX", H2R_HTTP1_ERR_LINE_ENDING, 400),
    BAD("bare CR in an empty line before the request line", "\r\rGET / HTTP/1.1\r\n\r\n",
        H2R_HTTP1_ERR_LINE_ENDING, 400),
    BAD("five empty lines before the request line", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        H2R_HTTP1_ERR_EMPTY_LINES, 400),

    /* The request line. */
    BAD("separator in the method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_METHOD, 400),
    BAD("space before the method", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_METHOD, 400),
    BAD("NUL in the method", "GE\0T / HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_METHOD, 400),
    BAD("a 33-byte method", "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_!#$%& / HTTP/1.1\r\nHost: a\r\n\r\n",
        H2R_HTTP1_ERR_METHOD_TOO_LONG, 501),
    BAD("two spaces after the method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_REQUEST_LINE, 400),
    BAD("two spaces after the target", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_REQUEST_LINE, 400),
    BAD("HTAB after the method", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_REQUEST_LINE, 400),
    BAD("HTAB after the target", "GET /\tHTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_REQUEST_LINE, 400),
    BAD("space after the version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_REQUEST_LINE, 400),
    BAD("no version (HTTP/0.9)", "GET /\r\n\r\n", H2R_HTTP1_ERR_REQUEST_LINE, 400),
    BAD("no target", "GET HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_REQUEST_LINE, 400),
    BAD("control character in the target", "GET /a\x01z HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_TARGET,
        400),
    BAD("DEL in the target", "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_TARGET, 400),
    BAD("relative target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_TARGET, 400),
    BAD("asterisk-form for GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_TARGET, 400),
    BAD("origin-form for CONNECT", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_TARGET, 400),
    BAD("absolute-form for CONNECT", "CONNECT http://a:80/ HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_TARGET,
        400),
    BAD("CONNECT without a port", "CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_TARGET,
        400),
    BAD("CONNECT with userinfo", "CONNECT u@example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n",
        H2R_HTTP1_ERR_TARGET, 400),
    BAD("lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_VERSION, 400),
    BAD("version with a letter", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_VERSION, 400),
    BAD("version with two minor digits", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_VERSION, 400),
    BAD("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_VERSION_UNSUPPORTED, 505),
    BAD("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", H2R_HTTP1_ERR_VERSION_UNSUPPORTED, 505),
    BAD("HTTP/0.9 with a version", "GET / HTTP/0.9\r\n\r\n", H2R_HTTP1_ERR_VERSION_UNSUPPORTED, 505),
    BAD("the HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", H2R_HTTP1_ERR_VERSION_UNSUPPORTED, 505),

    /* Field lines. */
    BAD("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", H2R_HTTP1_ERR_OBS_FOLD, 400),
    BAD("whitespace before the first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", H2R_HTTP1_ERR_OBS_FOLD,
        400),
    BAD("space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", H2R_HTTP1_ERR_SPACE_BEFORE_COLON,
        400),
    BAD("HTAB before the colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", H2R_HTTP1_ERR_SPACE_BEFORE_COLON,
        400),
    BAD("space inside a name", "GET / HTTP/1.1\r\nHo st: a\r\n\r\n", H2R_HTTP1_ERR_SPACE_BEFORE_COLON, 400),
    BAD("empty name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", H2R_HTTP1_ERR_FIELD_NAME, 400),
    BAD("no colon", "GET / HTTP/1.1\r\nHost: a\r\nXb\r\n\r\n", H2R_HTTP1_ERR_FIELD_NAME, 400),
    BAD("separator in a name", "GET / HTTP/1.1\r\nHost: a\r\nX(b): c\r\n\r\n", H2R_HTTP1_ERR_FIELD_NAME, 400),
    BAD("obs-text in a name", "GET / HTTP/1.1\r\nHost: a\r\nX\xe9: c\r\n\r\n", H2R_HTTP1_ERR_FIELD_NAME, 400),
    BAD("NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: b\0c\r\n\r\n", H2R_HTTP1_ERR_FIELD_VALUE, 400),
    BAD("DEL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: b\x7f\r\n\r\n", H2R_HTTP1_ERR_FIELD_VALUE, 400),
    BAD("control character in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[0m\r\n\r\n",
        H2R_HTTP1_ERR_FIELD_VALUE, 400),

    /* Content-Length. */
    BAD("Content-Length with '+'", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
        H2R_HTTP1_ERR_CONTENT_LENGTH, 400),
    BAD("negative Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
        H2R_HTTP1_ERR_CONTENT_LENGTH, 400),
    BAD("hex Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n",
        H2R_HTTP1_ERR_CONTENT_LENGTH, 400),
    BAD("empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n",
        H2R_HTTP1_ERR_CONTENT_LENGTH, 400),
    BAD("Content-Length with an inner space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n",
        H2R_HTTP1_ERR_CONTENT_LENGTH, 400),
    BAD("Content-Length list with an empty element",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n", H2R_HTTP1_ERR_CONTENT_LENGTH, 400),
    BAD("Content-Length list that differs", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n",
        H2R_HTTP1_ERR_CONTENT_LENGTH, 400),
    BAD("duplicate Content-Length that differs",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        H2R_HTTP1_ERR_CONTENT_LENGTH, 400),
    BAD("Content-Length over INT64_MAX",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n",
        H2R_HTTP1_ERR_CONTENT_LENGTH, 400),
    BAD("Content-Length over 2^64",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        H2R_HTTP1_ERR_CONTENT_LENGTH, 400),

    /* Transfer-Encoding. */
    BAD("Content-Length then Transfer-Encoding",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        H2R_HTTP1_ERR_TE_WITH_CONTENT_LENGTH, 400),
    BAD("Transfer-Encoding then Content-Length",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
        H2R_HTTP1_ERR_TE_WITH_CONTENT_LENGTH, 400),
    BAD("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        H2R_HTTP1_ERR_TE_IN_HTTP10, 400),
    BAD("Transfer-Encoding: xchunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n",
        H2R_HTTP1_ERR_TRANSFER_ENCODING, 400),
    BAD("Transfer-Encoding: chunked with a leading space on the line",
        "POST / HTTP/1.1\r\nHost: a\r\n Transfer-Encoding: chunked\r\n\r\n", H2R_HTTP1_ERR_OBS_FOLD, 400),
    BAD("Transfer-Encoding: chunked folded onto the next line",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", H2R_HTTP1_ERR_OBS_FOLD, 400),
    BAD("Transfer-Encoding with a space before the colon",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", H2R_HTTP1_ERR_SPACE_BEFORE_COLON,
        400),
    BAD("Transfer-Encoding with a vertical tab",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\x0b"
        "chunked\r\n\r\n",
        H2R_HTTP1_ERR_FIELD_VALUE, 400),
    BAD("chunked, then gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        H2R_HTTP1_ERR_TRANSFER_ENCODING, 400),
    BAD("gzip alone", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
        H2R_HTTP1_ERR_TRANSFER_ENCODING, 400),
    BAD("chunked twice in a list",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
        H2R_HTTP1_ERR_TRANSFER_ENCODING, 400),
    BAD("chunked on two lines",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        H2R_HTTP1_ERR_TRANSFER_ENCODING, 400),
    BAD("chunked, then an empty Transfer-Encoding line",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n",
        H2R_HTTP1_ERR_TRANSFER_ENCODING, 400),
    BAD("chunked with a trailing comma", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n",
        H2R_HTTP1_ERR_TRANSFER_ENCODING, 400),
    BAD("chunked with a parameter", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
        H2R_HTTP1_ERR_TRANSFER_ENCODING, 400),
    BAD("quoted chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n",
        H2R_HTTP1_ERR_TRANSFER_ENCODING, 400),
    BAD("gzip, then chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        H2R_HTTP1_ERR_TE_UNSUPPORTED, 501),
    BAD("an unknown coding with a parameter, then chunked",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo;a=1\r\nTransfer-Encoding: chunked\r\n\r\n",
        H2R_HTTP1_ERR_TE_UNSUPPORTED, 501),

    /* Host. */
    BAD("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX: a\r\n\r\n", H2R_HTTP1_ERR_MISSING_HOST, 400),
    BAD("two Host lines", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", H2R_HTTP1_ERR_DUPLICATE_HOST, 400),
    BAD("two Host lines in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
        H2R_HTTP1_ERR_DUPLICATE_HOST, 400),
    BAD("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", H2R_HTTP1_ERR_INVALID_HOST, 400),
    BAD("Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", H2R_HTTP1_ERR_INVALID_HOST, 400),
    BAD("Host with a path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", H2R_HTTP1_ERR_INVALID_HOST, 400),
    BAD("Host with a letter in the port", "GET / HTTP/1.1\r\nHost: a:8o\r\n\r\n", H2R_HTTP1_ERR_INVALID_HOST,
        400),
    BAD("Host with an unclosed IP literal", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
        H2R_HTTP1_ERR_INVALID_HOST, 400),
    BAD("Host with a port only", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", H2R_HTTP1_ERR_INVALID_HOST, 400),
};

static void test_invalid_requests(void)
{
    h2r_http1_limits limits = default_limits();
    for (size_t i = 0; i != sizeof(invalid_cases) / sizeof(invalid_cases[0]); ++i) {
        const struct invalid_case *c = &invalid_cases[i];
        int monotone;
        int r = parse_all_prefixes(c->input, c->len, &limits, FIELD_CAPACITY, &monotone);
        CHECK_MSG(r == c->err && h2r_http1_error_status(r) == c->status, "%s: %d (%s) %d (got %d: %s)",
                  c->what, c->err, h2r_http1_strerror(c->err), c->status, r,
                  r < 0 ? h2r_http1_strerror(r) : "");
        CHECK_MSG(monotone, "%s: no prefix answers otherwise", c->what);
    }
}

/* An error is known before the head is complete: garbage need not wait for CRLF CRLF. */
static void test_early_errors(void)
{
    h2r_http1_limits limits = default_limits();
    h2r_http1_request req;
    h2r_header f[FIELD_CAPACITY];
    static const uint8_t tls_hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
    CHECK(h2r_http1_parse_request(tls_hello, sizeof(tls_hello), &limits, &req, f, FIELD_CAPACITY) ==
          H2R_HTTP1_ERR_METHOD);
    CHECK(h2r_http1_parse_request(S("GET / HTTP/1.1\r\nHost: a\r\nBad\x01"), &limits, &req, f,
                                  FIELD_CAPACITY) == H2R_HTTP1_ERR_FIELD_NAME);
    CHECK(h2r_http1_parse_request(S("GET / HTTPS/1.1"), &limits, &req, f, FIELD_CAPACITY) ==
          H2R_HTTP1_ERR_VERSION);
    CHECK(h2r_http1_parse_request(S("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r"), &limits, &req, f,
                                  FIELD_CAPACITY) == 0);
    CHECK(h2r_http1_parse_request(NULL, 0, &limits, &req, f, FIELD_CAPACITY) == 0);
}

static void test_limits(void)
{
    h2r_http1_limits limits = default_limits();
    limits.max_request_line = 20;
    limits.max_head_size = 64;
    int monotone;

    /* The request line: 21 bytes is over a limit of 20, 20 is not. */
    CHECK(parse_all_prefixes(S("GET /1234567 HTTP/1.1\r\nHost: a\r\n\r\n"), &limits, 4, &monotone) ==
          H2R_HTTP1_ERR_URI_TOO_LONG);
    CHECK(parse_all_prefixes(S("GET /123456 HTTP/1.1\r\nHost: a\r\n\r\n"), &limits, 4, &monotone) == 33 &&
          monotone);
    CHECK_MSG(parse_all_prefixes(S("GET /12345678901234567890"), &limits, 4, &monotone) ==
                      H2R_HTTP1_ERR_URI_TOO_LONG &&
                  monotone,
              "an incomplete request line already over the limit is 414");
    CHECK(h2r_http1_error_status(H2R_HTTP1_ERR_URI_TOO_LONG) == 414);

    /* The head: exactly 64 bytes is fine, 65 is not, complete or not. */
    static const char head64[] = "GET / HTTP/1.1\r\nHost: a\r\nX: 01234567890123456789012345678901\r\n\r\n";
    CHECK(sizeof(head64) - 1 == 64);
    CHECK(parse_all_prefixes(S(head64), &limits, 4, &monotone) == 64 && monotone);
    static const char head65[] = "GET / HTTP/1.1\r\nHost: a\r\nX: 012345678901234567890123456789012\r\n\r\n";
    CHECK(parse_all_prefixes(S(head65), &limits, 4, &monotone) == H2R_HTTP1_ERR_HEAD_TOO_LARGE && monotone);
    CHECK_MSG(
        parse_all_prefixes(S("GET / HTTP/1.1\r\nHost: a\r\nX: 01234567890123456789012345678901234567890"),
                           &limits, 4, &monotone) == H2R_HTTP1_ERR_HEAD_TOO_LARGE &&
            monotone,
        "an incomplete head already over the limit is 431");
    CHECK(h2r_http1_error_status(H2R_HTTP1_ERR_HEAD_TOO_LARGE) == 431);

    /* Too many fields: 431 as soon as the extra line starts. */
    CHECK(parse_all_prefixes(S("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n"), &limits, 2, &monotone) ==
              H2R_HTTP1_ERR_TOO_MANY_FIELDS &&
          monotone);
    CHECK(h2r_http1_error_status(H2R_HTTP1_ERR_TOO_MANY_FIELDS) == 431);

    /* The body, by Content-Length. */
    limits = default_limits();
    limits.max_body_size = 10;
    CHECK(parse_all_prefixes(S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n"), &limits, 4,
                             &monotone) > 0);
    CHECK(parse_all_prefixes(S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"), &limits, 4,
                             &monotone) == H2R_HTTP1_ERR_BODY_TOO_LARGE);
    CHECK(h2r_http1_error_status(H2R_HTTP1_ERR_BODY_TOO_LARGE) == 413);
}

/* ---- Chunked bodies ---- */

/*
 * Decodes in[0..len) as given, in calls that each get at most piece bytes
 * of new input (0: all of it), and gathers the data. Returns the bytes
 * consumed, or the first error.
 */
static ssize_t decode_in_pieces(h2r_http1_chunked *dec, const uint8_t *in, size_t len, size_t piece,
                                uint8_t *out, size_t *out_len)
{
    size_t done = 0;
    *out_len = 0;
    while (done < len && !h2r_http1_chunked_done(dec)) {
        size_t n = piece && len - done > piece ? piece : len - done;
        uint8_t *copy = copy_of(in + done, n);
        size_t used = 0;
        while (used < n && !h2r_http1_chunked_done(dec)) {
            const uint8_t *data;
            size_t data_len;
            ssize_t r = h2r_http1_chunked_decode(dec, copy + used, n - used, &data, &data_len);
            if (r < 0) {
                free(copy);
                return r;
            }
            if (r == 0) abort(); /* no progress: the decoder's promise is broken */
            if (data_len) memcpy(out + *out_len, data, data_len);
            *out_len += data_len;
            used += (size_t)r;
        }
        free(copy);
        done += used;
    }
    return (ssize_t)done;
}

struct chunked_case {
    const char *what;
    const uint8_t *input;
    size_t len;
    ssize_t result; /* consumed (up to the end of the last chunk's line), or an error */
    const uint8_t *data;
    size_t data_len;
};

#define CHUNKED_OK(what, input, consumed, data)                                                              \
    {                                                                                                        \
        what, S(input), consumed, S(data)                                                                    \
    }
#define CHUNKED_BAD(what, input, err)                                                                        \
    {                                                                                                        \
        what, S(input), err, S("")                                                                           \
    }

static const struct chunked_case chunked_cases[] = {
    CHUNKED_OK("one chunk", "5\r\nhello\r\n0\r\n\r\n", 13, "hello"),
    CHUNKED_OK("two chunks, hex in both cases", "a\r\n0123456789\r\nB\r\nabcdefghijk\r\n0\r\n", 34,
               "0123456789abcdefghijk"),
    CHUNKED_OK("no chunk", "0\r\n\r\n", 3, ""),
    CHUNKED_OK("leading zeros", "0005\r\nhello\r\n000\r\n", 18, "hello"),
    CHUNKED_OK("extensions", "5;name=value;flag\r\nhello\r\n0;last=\"yes\"\r\n\r\n", 40, "hello"),
    CHUNKED_OK("whitespace around an extension", "5 \t; a = b\r\nhello\r\n0\r\n", 22, "hello"),
    CHUNKED_OK("data with CR, LF and NUL", "6\r\n\r\n\0\r\n\n\r\n0\r\n", 14, "\r\n\0\r\n\n"),
    CHUNKED_OK("stops after the last chunk", "1\r\nx\r\n0\r\nX-Trailer: 1\r\n\r\nnext", 9, "x"),
    CHUNKED_BAD("no digits", "\r\nhello\r\n", H2R_HTTP1_ERR_CHUNK_SIZE),
    CHUNKED_BAD("not hex", "5g\r\nhello\r\n", H2R_HTTP1_ERR_CHUNK_SIZE),
    CHUNKED_BAD("a sign", "+5\r\nhello\r\n", H2R_HTTP1_ERR_CHUNK_SIZE),
    CHUNKED_BAD("0x prefix", "0x5\r\nhello\r\n", H2R_HTTP1_ERR_CHUNK_SIZE),
    CHUNKED_BAD("17 hex digits", "10000000000000000\r\n", H2R_HTTP1_ERR_CHUNK_SIZE),
    CHUNKED_BAD("17 digits with leading zeros", "00000000000000005\r\nhello\r\n", H2R_HTTP1_ERR_CHUNK_SIZE),
    CHUNKED_BAD("a huge size that wraps around 64 bits", "fffffffffffffffff0\r\n", H2R_HTTP1_ERR_CHUNK_SIZE),
    CHUNKED_BAD("space before the size", " 5\r\nhello\r\n", H2R_HTTP1_ERR_CHUNK_SIZE),
    CHUNKED_BAD("bare LF after the size", "5\nhello\r\n", H2R_HTTP1_ERR_LINE_ENDING),
    CHUNKED_BAD("bare CR after the size", "5\rhello\r\n", H2R_HTTP1_ERR_LINE_ENDING),
    CHUNKED_BAD("bare LF after an extension", "5;a=b\nhello\r\n", H2R_HTTP1_ERR_LINE_ENDING),
    CHUNKED_BAD("whitespace without an extension", "5 \r\nhello\r\n", H2R_HTTP1_ERR_CHUNK_EXTENSION),
    CHUNKED_BAD("control character in an extension", "5;a=\x01\r\nhello\r\n", H2R_HTTP1_ERR_CHUNK_EXTENSION),
    CHUNKED_BAD("NUL in an extension", "5;a\0\r\nhello\r\n", H2R_HTTP1_ERR_CHUNK_EXTENSION),
    CHUNKED_BAD("no CRLF after the data", "5\r\nhelloX\r\n0\r\n\r\n", H2R_HTTP1_ERR_CHUNK_DATA_END),
    CHUNKED_BAD("LF alone after the data", "5\r\nhello\n0\r\n\r\n", H2R_HTTP1_ERR_CHUNK_DATA_END),
    CHUNKED_BAD("CR alone after the data", "5\r\nhello\r0\r\n\r\n", H2R_HTTP1_ERR_CHUNK_DATA_END),
    CHUNKED_BAD("data longer than its size", "3\r\nhello\r\n0\r\n\r\n", H2R_HTTP1_ERR_CHUNK_DATA_END),
};

static void test_chunked(void)
{
    h2r_http1_limits limits = default_limits();
    for (size_t i = 0; i != sizeof(chunked_cases) / sizeof(chunked_cases[0]); ++i) {
        const struct chunked_case *c = &chunked_cases[i];
        uint8_t out[64];
        size_t out_len;
        int agree = 1;
        for (size_t piece = 0; piece <= 3; ++piece) {
            h2r_http1_chunked dec;
            h2r_http1_chunked_init(&dec, &limits);
            ssize_t r = decode_in_pieces(&dec, c->input, c->len, piece, out, &out_len);
            if (r != c->result) agree = 0;
            if (r >= 0 && (!h2r_http1_chunked_done(&dec) || out_len != c->data_len ||
                           memcmp(out, c->data, out_len) != 0))
                agree = 0;
        }
        CHECK_MSG(agree, "chunked, %s: %zd, whole and in pieces of 1, 2, 3 bytes", c->what, c->result);
    }

    /* Incomplete: everything is consumed, nothing is done yet. */
    h2r_http1_chunked dec;
    h2r_http1_chunked_init(&dec, &limits);
    const uint8_t *data;
    size_t data_len;
    CHECK(h2r_http1_chunked_decode(&dec, S("5;ext"), &data, &data_len) == 5 && data_len == 0);
    CHECK(h2r_http1_chunked_decode(&dec, S("\r\nhel"), &data, &data_len) == 5 && data_len == 3 &&
          memcmp(data, "hel", 3) == 0);
    CHECK(h2r_http1_chunked_decode(&dec, S("lo\r\n0\r"), &data, &data_len) == 2 && data_len == 2);
    CHECK(h2r_http1_chunked_decode(&dec, S("\r\n0\r"), &data, &data_len) == 4 &&
          !h2r_http1_chunked_done(&dec));
    CHECK(h2r_http1_chunked_decode(&dec, S("\n\r\n"), &data, &data_len) == 1 && h2r_http1_chunked_done(&dec));
    CHECK_MSG(h2r_http1_chunked_decode(&dec, S("\r\n"), &data, &data_len) == 0,
              "done: nothing more consumed");

    /* The largest chunk size is not an overflow; the body limit then applies. */
    h2r_http1_chunked_init(&dec, &limits);
    CHECK(h2r_http1_chunked_decode(&dec, S("ffffffffffffffff\r\nab"), &data, &data_len) == 20 &&
          data_len == 2);
    limits.max_body_size = 10;
    h2r_http1_chunked_init(&dec, &limits);
    size_t out_len;
    uint8_t out[16];
    CHECK(decode_in_pieces(&dec, S("5\r\nhello\r\n5\r\nworld\r\n0\r\n"), 0, out, &out_len) == 23);
    h2r_http1_chunked_init(&dec, &limits);
    CHECK_MSG(decode_in_pieces(&dec, S("5\r\nhello\r\n6\r\n"), 0, out, &out_len) ==
                  H2R_HTTP1_ERR_BODY_TOO_LARGE,
              "over max_body_size: 413 from the size line, before the data");
    h2r_http1_chunked_init(&dec, &limits);
    CHECK(decode_in_pieces(&dec, S("ffffffffffffffff\r\n"), 0, out, &out_len) ==
          H2R_HTTP1_ERR_BODY_TOO_LARGE);

    /* Extension bytes, all chunks together. */
    limits = default_limits();
    limits.max_chunk_ext_size = 8;
    h2r_http1_chunked_init(&dec, &limits);
    CHECK(decode_in_pieces(&dec, S("1;abc\r\nx\r\n1;abc\r\ny\r\n0\r\n"), 0, out, &out_len) == 23);
    h2r_http1_chunked_init(&dec, &limits);
    CHECK(decode_in_pieces(&dec, S("1;abc\r\nx\r\n1;abcd\r\ny\r\n0\r\n"), 0, out, &out_len) ==
          H2R_HTTP1_ERR_CHUNK_EXTENSIONS_TOO_LARGE);
    CHECK(h2r_http1_error_status(H2R_HTTP1_ERR_CHUNK_EXTENSIONS_TOO_LARGE) == 413);
}

static void test_trailers(void)
{
    h2r_http1_limits limits = default_limits();
    h2r_header f[FIELD_CAPACITY];
    size_t count = 99;
    CHECK(h2r_http1_parse_trailers(S("\r\n"), &limits, f, FIELD_CAPACITY, &count) == 2 && count == 0);
    CHECK(h2r_http1_parse_trailers(S("\r\nGET"), &limits, f, FIELD_CAPACITY, &count) == 2);
    CHECK(h2r_http1_parse_trailers(S("X-Sum: 12 \r\nGrpc-Status: 0\r\n\r\n"), &limits, f, FIELD_CAPACITY,
                                   &count) == 30 &&
          count == 2 && slice_is(f[0].value, f[0].value_len, "12") &&
          slice_is(f[1].name, f[1].name_len, "Grpc-Status"));
    CHECK(h2r_http1_parse_trailers(S("X-Sum: 12\r\n"), &limits, f, FIELD_CAPACITY, &count) == 0);
    CHECK(h2r_http1_parse_trailers(S("X-Sum: 12\r\n\n"), &limits, f, FIELD_CAPACITY, &count) ==
          H2R_HTTP1_ERR_LINE_ENDING);
    CHECK(h2r_http1_parse_trailers(S("X-Sum: 12\r\n 3\r\n\r\n"), &limits, f, FIELD_CAPACITY, &count) ==
          H2R_HTTP1_ERR_OBS_FOLD);
    CHECK(h2r_http1_parse_trailers(S("X-Sum : 12\r\n\r\n"), &limits, f, FIELD_CAPACITY, &count) ==
          H2R_HTTP1_ERR_SPACE_BEFORE_COLON);
    CHECK(h2r_http1_parse_trailers(S("A: 1\r\nB: 2\r\n\r\n"), &limits, f, 1, &count) ==
          H2R_HTTP1_ERR_TOO_MANY_FIELDS);
    limits.max_trailer_size = 8;
    CHECK(h2r_http1_parse_trailers(S("A: 1\r\n\r\n"), &limits, f, FIELD_CAPACITY, &count) == 8);
    CHECK(h2r_http1_parse_trailers(S("A: 12\r\n\r\n"), &limits, f, FIELD_CAPACITY, &count) ==
          H2R_HTTP1_ERR_TRAILER_TOO_LARGE);
    CHECK(h2r_http1_parse_trailers(S("A: 123456"), &limits, f, FIELD_CAPACITY, &count) ==
          H2R_HTTP1_ERR_TRAILER_TOO_LARGE);
    CHECK(h2r_http1_error_status(H2R_HTTP1_ERR_TRAILER_TOO_LARGE) == 431);
}

/* ---- Several requests on one connection ---- */

static void test_pipelining(void)
{
    static const char stream[] = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                                 "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "3\r\nabc\r\n2;e=1\r\nde\r\n0\r\nX-Check: ok\r\n\r\n"
                                 "\r\nGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    uint8_t *buf = copy_of(S(stream));
    const uint8_t *p = buf, *end = buf + sizeof(stream) - 1;
    h2r_http1_limits limits = default_limits();
    h2r_http1_request req;
    h2r_header f[FIELD_CAPACITY];

    int n = h2r_http1_parse_request(p, (size_t)(end - p), &limits, &req, f, FIELD_CAPACITY);
    CHECK(n > 0 && slice_is(req.target, req.target_len, "/a") && req.content_length == 5);
    p += n;
    CHECK(memcmp(p, "hello", 5) == 0);
    p += req.content_length;

    n = h2r_http1_parse_request(p, (size_t)(end - p), &limits, &req, f, FIELD_CAPACITY);
    CHECK(n > 0 && slice_is(req.target, req.target_len, "/b") && req.chunked);
    p += n;
    h2r_http1_chunked dec;
    h2r_http1_chunked_init(&dec, &limits);
    uint8_t body[16];
    size_t body_len;
    ssize_t used = decode_in_pieces(&dec, p, (size_t)(end - p), 0, body, &body_len);
    CHECK(used > 0 && body_len == 5 && memcmp(body, "abcde", 5) == 0);
    p += used;
    size_t count;
    n = h2r_http1_parse_trailers(p, (size_t)(end - p), &limits, f, FIELD_CAPACITY, &count);
    CHECK(n > 0 && count == 1 && slice_is(f[0].value, f[0].value_len, "ok"));
    p += n;

    /* An extra CRLF after a body, as old clients sent: skipped. */
    n = h2r_http1_parse_request(p, (size_t)(end - p), &limits, &req, f, FIELD_CAPACITY);
    CHECK(n > 0 && slice_is(req.target, req.target_len, "/c") && !req.keep_alive);
    CHECK(p + n == end);
    free(buf);
}

/* ---- detect() ---- */

static int detect(const uint8_t *bytes, size_t len)
{
    uint8_t *copy = copy_of(bytes, len);
    int r = h2r_detect_protocol(copy, len);
    free(copy);
    return r;
}

static void test_detect(void)
{
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    CHECK(detect(S(preface)) == H2R_DETECT_HTTP2);
    CHECK(detect(S("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04")) == H2R_DETECT_HTTP2);
    int prefixes = 1;
    for (size_t k = 0; k < sizeof(preface) - 1; ++k)
        prefixes &= detect((const uint8_t *)preface, k) == H2R_DETECT_NEED_MORE;
    CHECK_MSG(prefixes, "every prefix of the preface needs more");
    CHECK(detect(S("PRI * HTTP/2.0\r\n\r\nXX")) == H2R_DETECT_INVALID);
    CHECK(detect(S("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\r")) == H2R_DETECT_INVALID);
    CHECK(detect(S("PRI * HTTP/2.0\r\nX")) == H2R_DETECT_INVALID);
    CHECK_MSG(detect(S("PRI * HTTP/1.1\r\n")) == H2R_DETECT_HTTP1, "PRI as an HTTP/1 method");

    static const char line[] = "GET /index.html HTTP/1.1\r\n";
    CHECK(detect(S(line)) == H2R_DETECT_HTTP1);
    CHECK(detect(S("GET / HTTP/1.0\r\nHost: a\r\n\r\n")) == H2R_DETECT_HTTP1);
    CHECK_MSG(detect(S("GET / HTTP/1.2\r\n")) == H2R_DETECT_HTTP1, "HTTP/1.2: the HTTP/1 parser's 505");
    prefixes = 1;
    for (size_t k = 0; k < sizeof(line) - 1; ++k)
        prefixes &= detect((const uint8_t *)line, k) == H2R_DETECT_NEED_MORE;
    CHECK_MSG(prefixes, "every prefix of a request line needs more");
    CHECK(detect(S("GET / HTTP/2.0\r\n")) == H2R_DETECT_INVALID);
    CHECK(detect(S("GET / HTTP/1.1\n")) == H2R_DETECT_INVALID);
    CHECK(detect(S("GET  / HTTP/1.1\r\n")) == H2R_DETECT_INVALID);
    CHECK(detect(S("GET / HTTP/1.1 ")) == H2R_DETECT_INVALID);
    CHECK(detect(S("\r\nGET / HTTP/1.1\r\n")) == H2R_DETECT_INVALID);
    CHECK(detect(S("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG")) == H2R_DETECT_INVALID);

    static const uint8_t tls_hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
    CHECK(detect(tls_hello, sizeof(tls_hello)) == H2R_DETECT_INVALID);
    CHECK(detect(tls_hello, 1) == H2R_DETECT_INVALID);
    static const uint8_t frame[] = {0x00, 0x00, 0x12, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00};
    CHECK_MSG(detect(frame, sizeof(frame)) == H2R_DETECT_INVALID, "a SETTINGS frame without the preface");

    /* Random bytes: never HTTP/1 or H2 (the odds of a valid line are nil), mostly INVALID at once. */
    uint32_t x = 12345;
    int never = 1;
    for (int i = 0; i < 1000; ++i) {
        uint8_t bytes[64];
        for (size_t j = 0; j < sizeof(bytes); ++j) bytes[j] = (uint8_t)((x = x * 1103515245 + 12345) >> 16);
        int r = detect(bytes, sizeof(bytes));
        never &= r == H2R_DETECT_INVALID;
    }
    CHECK_MSG(never, "1000 random 64-byte inputs are INVALID");

    CHECK(detect(NULL, 0) == H2R_DETECT_NEED_MORE);

    /* A valid start of a very long line: HTTP/1, for the parser's 414. */
    size_t long_len = H2R_DETECT_MAX_LINE + 2;
    uint8_t *long_line = malloc(long_len);
    if (!long_line) abort();
    memcpy(long_line, "GET /", 5);
    memset(long_line + 5, 'a', long_len - 5);
    CHECK(h2r_detect_protocol(long_line, long_len - 1) == H2R_DETECT_NEED_MORE);
    CHECK(h2r_detect_protocol(long_line, long_len) == H2R_DETECT_HTTP1);
    free(long_line);
}

/* ---- Writing responses ---- */

#define HDR(n, v)                                                                                            \
    {                                                                                                        \
        .name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = sizeof(v) - 1                     \
    }

static void test_response_head(void)
{
    const h2r_header headers[] = {HDR("Content-Length", "5"),
                                  HDR("content-type", "text/plain; charset=utf-8")};
    static const char expected[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-type: text/plain; charset=utf-8\r\n\r\n";
    uint8_t out[256];
    ssize_t n = h2r_http1_write_response_head(out, sizeof(out), 200, NULL, headers, 2);
    CHECK(n == (ssize_t)sizeof(expected) - 1 && memcmp(out, expected, (size_t)n) == 0);
    CHECK(h2r_http1_response_head_size(200, NULL, headers, 2) == sizeof(expected) - 1);

    CHECK(h2r_http1_write_response_head(out, sizeof(expected) - 1, 200, NULL, headers, 2) == (ssize_t)n);
    CHECK(h2r_http1_write_response_head(out, sizeof(expected) - 2, 200, NULL, headers, 2) ==
          H2R_HTTP1_ERR_BUFFER_TOO_SMALL);
    CHECK(h2r_http1_write_response_head(NULL, 0, 204, NULL, NULL, 0) == H2R_HTTP1_ERR_BUFFER_TOO_SMALL);

    n = h2r_http1_write_response_head(out, sizeof(out), 404, "Nope\tgone", NULL, 0);
    CHECK(n == 26 && memcmp(out, "HTTP/1.1 404 Nope\tgone\r\n\r\n", 26) == 0);
    n = h2r_http1_write_response_head(out, sizeof(out), 299, NULL, NULL, 0);
    CHECK_MSG(n == 17 && memcmp(out, "HTTP/1.1 299 \r\n\r\n", 17) == 0, "unknown status: empty reason");
    n = h2r_http1_write_response_head(out, sizeof(out), 100, NULL, NULL, 0);
    CHECK(n == 25 && memcmp(out, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0);
    CHECK(strcmp(h2r_http1_status_reason(413), "Content Too Large") == 0);
    CHECK(strcmp(h2r_http1_status_reason(431), "Request Header Fields Too Large") == 0);

    /* Response splitting and other breakage: refused before anything counts as written. */
    const h2r_header crlf[] = {HDR("Location", "/a\r\nSet-Cookie: x=1")};
    const h2r_header lf[] = {HDR("X", "a\nb")};
    const h2r_header nul[] = {HDR("X", "a\0b")};
    const h2r_header colon[] = {HDR("X:Y", "a")};
    const h2r_header space[] = {HDR("X Y", "a")};
    const h2r_header empty[] = {HDR("", "a")};
    const h2r_header *bad[] = {crlf, lf, nul, colon, space, empty};
    int refused = 1;
    for (size_t i = 0; i != sizeof(bad) / sizeof(bad[0]); ++i)
        refused &= h2r_http1_write_response_head(out, sizeof(out), 200, NULL, bad[i], 1) ==
                   H2R_HTTP1_ERR_INVALID_RESPONSE;
    CHECK_MSG(refused, "CR, LF or NUL in a value, and a name that is not a token, are refused");
    CHECK(h2r_http1_write_response_head(out, sizeof(out), 200, "OK\r\nX: y", NULL, 0) ==
          H2R_HTTP1_ERR_INVALID_RESPONSE);
    CHECK(h2r_http1_write_response_head(out, sizeof(out), 99, NULL, NULL, 0) ==
          H2R_HTTP1_ERR_INVALID_RESPONSE);
    CHECK(h2r_http1_write_response_head(out, sizeof(out), 600, NULL, NULL, 0) ==
          H2R_HTTP1_ERR_INVALID_RESPONSE);
    CHECK_MSG(h2r_http1_write_response_head(out, 1, 200, NULL, crlf, 1) == H2R_HTTP1_ERR_INVALID_RESPONSE,
              "invalid before too small: growing the buffer would not help");
    CHECK(h2r_http1_error_status(H2R_HTTP1_ERR_INVALID_RESPONSE) == 500);
}

static void test_chunk_writer(void)
{
    uint8_t out[H2R_HTTP1_CHUNK_HEADER_MAX];
    CHECK(h2r_http1_write_chunk_header(out, 1) == 3 && memcmp(out, "1\r\n", 3) == 0);
    CHECK(h2r_http1_write_chunk_header(out, 0x10) == 4 && memcmp(out, "10\r\n", 4) == 0);
    CHECK(h2r_http1_write_chunk_header(out, 0xabc) == 5 && memcmp(out, "abc\r\n", 5) == 0);
    CHECK(h2r_http1_write_chunk_header(out, UINT64_MAX) == 18 &&
          memcmp(out, "ffffffffffffffff\r\n", 18) == 0);
    CHECK_MSG(h2r_http1_write_chunk_header(out, 0) == 0, "an empty chunk is not the last chunk");

    uint8_t end[64];
    CHECK(h2r_http1_write_last_chunk(end, sizeof(end), NULL, 0) == 5 && memcmp(end, "0\r\n\r\n", 5) == 0);
    const h2r_header trailers[] = {HDR("X-Sum", "ab12")};
    CHECK(h2r_http1_write_last_chunk(end, sizeof(end), trailers, 1) == 18 &&
          memcmp(end, "0\r\nX-Sum: ab12\r\n\r\n", 18) == 0);
    CHECK(h2r_http1_write_last_chunk(end, 17, trailers, 1) == H2R_HTTP1_ERR_BUFFER_TOO_SMALL);
    const h2r_header bad[] = {HDR("X-Sum", "a\r\n\r\nGET / HTTP/1.1")};
    CHECK(h2r_http1_write_last_chunk(end, sizeof(end), bad, 1) == H2R_HTTP1_ERR_INVALID_RESPONSE);

    /* What the writer frames, the decoder reads back. */
    uint8_t wire[256];
    size_t len = 0;
    static const char *const pieces[] = {"a", "0123456789abcdef0", "xyz"};
    for (size_t i = 0; i != 3; ++i) {
        size_t n = strlen(pieces[i]);
        len += h2r_http1_write_chunk_header(wire + len, n);
        memcpy(wire + len, pieces[i], n);
        len += n;
        memcpy(wire + len, "\r\n", 2);
        len += 2;
    }
    size_t head = len;
    len += (size_t)h2r_http1_write_last_chunk(wire + len, sizeof(wire) - len, trailers, 1);
    h2r_http1_limits limits = default_limits();
    h2r_http1_chunked dec;
    h2r_http1_chunked_init(&dec, &limits);
    uint8_t body[64];
    size_t body_len;
    ssize_t used = decode_in_pieces(&dec, wire, len, 0, body, &body_len);
    h2r_header f[2];
    size_t count;
    CHECK(used == (ssize_t)head + 3 && body_len == 21 && memcmp(body, "a0123456789abcdef0xyz", 21) == 0);
    CHECK(h2r_http1_parse_trailers(wire + used, len - (size_t)used, &limits, f, 2, &count) ==
              (int)(len - (size_t)used) &&
          count == 1 && slice_is(f[0].value, f[0].value_len, "ab12"));
}

static void test_errors(void)
{
    int all = 1;
    for (int err = H2R_HTTP1_ERR_INVALID_REQUEST; err <= H2R_HTTP1_ERR_EMPTY_LINES; ++err) {
        int status = h2r_http1_error_status(err);
        all &= strcmp(h2r_http1_strerror(err), h2r_http1_strerror(0)) != 0;
        all &= status == 400 || status == 413 || status == 414 || status == 431 || status == 500 ||
               status == 501 || status == 505;
    }
    CHECK_MSG(all, "every code has its own message and a status");
    CHECK(strcmp(h2r_http1_strerror(0), "unknown HTTP/1 error") == 0);
}

/* Parses a response whole, and every prefix of it (each must answer 0 or the whole's answer). */
static int parse_response_prefixes(const char *text, h2r_http1_response *resp, h2r_header *fields,
                                   int *monotone)
{
    size_t len = strlen(text);
    h2r_http1_limits limits = default_limits();
    uint8_t *whole = copy_of((const uint8_t *)text, len);
    int result = h2r_http1_parse_response(whole, len, &limits, resp, fields, FIELD_CAPACITY);
    /* The fields point into whole: kept for the caller until the next call. */
    static uint8_t *kept;
    free(kept);
    kept = whole;
    *monotone = 1;
    for (size_t k = 0; k < len; ++k) {
        h2r_http1_response part;
        h2r_header part_fields[FIELD_CAPACITY];
        uint8_t *prefix = copy_of((const uint8_t *)text, k);
        int r = h2r_http1_parse_response(prefix, k, &limits, &part, part_fields, FIELD_CAPACITY);
        free(prefix);
        if (r != 0 && r != result) *monotone = 0;
    }
    return result;
}

static void test_response_parse(void)
{
    h2r_http1_response resp;
    h2r_header f[FIELD_CAPACITY];
    int monotone;
    const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello";
    int n = parse_response_prefixes(ok, &resp, f, &monotone);
    CHECK(n == (int)strlen(ok) - 5 && monotone);
    CHECK(resp.status == 200 && resp.minor_version == 1 && resp.content_length == 5 && !resp.chunked &&
          resp.keep_alive && resp.header_count == 2);
    CHECK(slice_is(f[1].name, f[1].name_len, "X-A") && slice_is(f[1].value, f[1].value_len, "b"));

    /* No reason, even without its SP; HTTP/1.0 keeps the connection only when asked. */
    n = parse_response_prefixes("HTTP/1.0 204\r\n\r\n", &resp, f, &monotone);
    CHECK(n == 16 && monotone && resp.status == 204 && resp.minor_version == 0 && !resp.keep_alive &&
          resp.content_length == -1);
    n = parse_response_prefixes("HTTP/1.0 200 \r\nConnection: Keep-Alive\r\n\r\n", &resp, f, &monotone);
    CHECK(n > 0 && monotone && resp.keep_alive);
    n = parse_response_prefixes(
        "HTTP/1.1 404 Not Found\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n", &resp, f,
        &monotone);
    CHECK(n > 0 && monotone && resp.status == 404 && !resp.keep_alive && resp.chunked);
    /* A later HTTP/1.x reads as 1.1 (RFC 9110 §2.5). */
    n = parse_response_prefixes("HTTP/1.2 103 Early Hints\r\nLink: </a>\r\n\r\n", &resp, f, &monotone);
    CHECK(n > 0 && resp.status == 103 && resp.minor_version == 1);

    static const struct {
        const char *text;
        int err;
    } bad[] = {
        {"HTTP/1.1 20 OK\r\n\r\n", H2R_HTTP1_ERR_STATUS_LINE},
        {"HTTP/1.1 2000 OK\r\n\r\n", H2R_HTTP1_ERR_STATUS_LINE},
        {"HTTP/1.1 099 x\r\n\r\n", H2R_HTTP1_ERR_STATUS_LINE},
        {"HTTP/1.1 600 x\r\n\r\n", H2R_HTTP1_ERR_STATUS_LINE},
        {"HTTP/1.1  200 OK\r\n\r\n", H2R_HTTP1_ERR_STATUS_LINE},
        {"HTTP/1.1 200 O\x01K\r\n\r\n", H2R_HTTP1_ERR_STATUS_LINE},
        {"http/1.1 200 OK\r\n\r\n", H2R_HTTP1_ERR_VERSION},
        {"HTTP/2.0 200 OK\r\n\r\n", H2R_HTTP1_ERR_VERSION_UNSUPPORTED},
        {"HTTP/1.1 200 OK\n\r\n", H2R_HTTP1_ERR_LINE_ENDING},
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", H2R_HTTP1_ERR_CONTENT_LENGTH},
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
         H2R_HTTP1_ERR_TE_WITH_CONTENT_LENGTH},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", H2R_HTTP1_ERR_TRANSFER_ENCODING},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", H2R_HTTP1_ERR_TE_UNSUPPORTED},
        {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", H2R_HTTP1_ERR_TE_IN_HTTP10},
        {"HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n", H2R_HTTP1_ERR_SPACE_BEFORE_COLON},
        {"HTTP/1.1 200 OK\r\n folded\r\n\r\n", H2R_HTTP1_ERR_OBS_FOLD},
    };
    for (size_t i = 0; i != sizeof(bad) / sizeof(bad[0]); ++i) {
        n = parse_response_prefixes(bad[i].text, &resp, f, &monotone);
        CHECK_MSG(n == bad[i].err && monotone, "response %zu: %d (want %d)", i, n, bad[i].err);
    }
    /* Host means nothing in a response: two of them are no error. */
    n = parse_response_prefixes("HTTP/1.1 200 OK\r\nHost: a\r\nHost: b\r\n\r\n", &resp, f, &monotone);
    CHECK(n > 0);

    /* Limits: the head, and a length over max_body_size. */
    h2r_http1_limits limits = default_limits();
    limits.max_head_size = 32;
    const char *big = "HTTP/1.1 200 OK\r\nX-Long: 0123456789abcdef\r\n\r\n";
    CHECK(h2r_http1_parse_response((const uint8_t *)big, strlen(big), &limits, &resp, f, FIELD_CAPACITY) ==
          H2R_HTTP1_ERR_HEAD_TOO_LARGE);
    CHECK(h2r_http1_parse_response((const uint8_t *)big, 20, &limits, &resp, f, FIELD_CAPACITY) == 0);
    limits = default_limits();
    limits.max_body_size = 4;
    CHECK(h2r_http1_parse_response((const uint8_t *)ok, strlen(ok), &limits, &resp, f, FIELD_CAPACITY) ==
          H2R_HTTP1_ERR_BODY_TOO_LARGE);
    CHECK(h2r_http1_parse_response((const uint8_t *)ok, strlen(ok), &limits, &resp, f, 1) ==
          H2R_HTTP1_ERR_TOO_MANY_FIELDS);
}

static void test_request_writer(void)
{
    h2r_header fields[] = {
        {.name = "host", .name_len = 4, .value = "a.example", .value_len = 9},
        {.name = "accept", .name_len = 6, .value = "*/*", .value_len = 3},
    };
    h2r_http1_request req = {.method = "GET",
                             .method_len = 3,
                             .target = "/x?y=1",
                             .target_len = 6,
                             .headers = fields,
                             .header_count = 2};
    static const char expected[] = "GET /x?y=1 HTTP/1.1\r\nhost: a.example\r\naccept: */*\r\n\r\n";
    uint8_t out[256];
    CHECK(h2r_http1_request_head_size(&req) == sizeof(expected) - 1);
    ssize_t n = h2r_http1_write_request_head(out, sizeof(out), &req);
    CHECK(n == (ssize_t)sizeof(expected) - 1 && memcmp(out, expected, (size_t)n) == 0);
    CHECK(h2r_http1_write_request_head(out, sizeof(expected) - 2, &req) == H2R_HTTP1_ERR_BUFFER_TOO_SMALL);

    /* What it writes parses back as the same request. */
    h2r_http1_request back;
    h2r_header back_fields[FIELD_CAPACITY];
    h2r_http1_limits limits = default_limits();
    CHECK(h2r_http1_parse_request(out, (size_t)n, &limits, &back, back_fields, FIELD_CAPACITY) == n);
    CHECK(slice_is(back.target, back.target_len, "/x?y=1") &&
          slice_is(back.host, back.host_len, "a.example"));

    /* Nothing that would split the request: a bad method, target, name or value. */
    h2r_http1_request bad = req;
    bad.method = "G T";
    CHECK(h2r_http1_write_request_head(out, sizeof(out), &bad) == H2R_HTTP1_ERR_INVALID_REQUEST);
    bad = req;
    bad.target = "/a b";
    bad.target_len = 4;
    CHECK(h2r_http1_write_request_head(out, sizeof(out), &bad) == H2R_HTTP1_ERR_INVALID_REQUEST);
    bad.target_len = 0;
    CHECK(h2r_http1_write_request_head(out, sizeof(out), &bad) == H2R_HTTP1_ERR_INVALID_REQUEST);
    h2r_header injected = {.name = "x", .name_len = 1, .value = "1\r\nEvil: 1", .value_len = 11};
    bad = req;
    bad.headers = &injected;
    bad.header_count = 1;
    CHECK(h2r_http1_write_request_head(out, sizeof(out), &bad) == H2R_HTTP1_ERR_INVALID_REQUEST);
    CHECK(h2r_http1_error_status(H2R_HTTP1_ERR_INVALID_REQUEST) == 500);
    CHECK(strcmp(h2r_http1_strerror(H2R_HTTP1_ERR_STATUS_LINE), "unknown HTTP/1 error") != 0);
}

int main(void)
{
    test_valid_requests();
    test_fields();
    test_invalid_requests();
    test_early_errors();
    test_limits();
    test_chunked();
    test_trailers();
    test_pipelining();
    test_detect();
    test_response_head();
    test_chunk_writer();
    test_errors();
    test_response_parse();
    test_request_writer();
    return check_done();
}
