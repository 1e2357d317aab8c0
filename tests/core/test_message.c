/*
 * HTTP/2 message rules (core/message.c): RFC 9113 §8.1-§8.5, RFC 8441 §4.
 *
 * Every section runs twice: with static_name_index set as the HPACK decoder
 * sets it, and with it cleared, as in fields built by an application. Both
 * must give the same answer.
 */
#include "message.h"

#include "check.h"

#include <stdint.h>
#include <string.h>

/* RFC 7541 Appendix A names, by index. */
static const char *const static_names[62] = {
    "",
    ":authority",
    ":method",
    ":method",
    ":path",
    ":path",
    ":scheme",
    ":scheme",
    ":status",
    ":status",
    ":status",
    ":status",
    ":status",
    ":status",
    ":status",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "accept",
    "access-control-allow-origin",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-range",
    "content-type",
    "cookie",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "link",
    "location",
    "max-forwards",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "refresh",
    "retry-after",
    "server",
    "set-cookie",
    "strict-transport-security",
    "transfer-encoding",
    "user-agent",
    "vary",
    "via",
    "www-authenticate",
};

/* What the decoder reports: the first entry with the name, or 0. */
static uint8_t static_index(const char *name, size_t len)
{
    for (uint8_t i = 1; i < 62; ++i)
        if (strlen(static_names[i]) == len && memcmp(static_names[i], name, len) == 0) return i;
    return 0;
}

#define F(n, v)                                                                                              \
    {                                                                                                        \
        .name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = sizeof(v) - 1                     \
    }
#define FIELDS(...)                                                                                          \
    (const h2r_hpack_field[]){__VA_ARGS__},                                                                  \
        sizeof((const h2r_hpack_field[]){__VA_ARGS__}) / sizeof(h2r_hpack_field)

static const char *run_once(struct h2r_message_check *check, enum h2r_section_kind kind, int connect_protocol,
                            const h2r_hpack_field *fields, size_t count, int with_index)
{
    h2r_message_check_init(check, kind, connect_protocol);
    for (size_t i = 0; i != count; ++i) {
        h2r_hpack_field f = fields[i];
        f.static_name_index = with_index ? static_index(f.name, f.name_len) : 0;
        if (h2r_message_check_field(check, &f) != 0) return check->error;
    }
    return h2r_message_check_end(check) != 0 ? check->error : NULL;
}

/* One section, both ways; the decoder's way is left in *check. */
static const char *run(struct h2r_message_check *check, enum h2r_section_kind kind, int connect_protocol,
                       const h2r_hpack_field *fields, size_t count)
{
    struct h2r_message_check plain;
    const char *without = run_once(&plain, kind, connect_protocol, fields, count, 0);
    const char *with = run_once(check, kind, connect_protocol, fields, count, 1);
    if (with != without && (with == NULL || without == NULL || strcmp(with, without) != 0))
        return "(static_name_index changes the answer)";
    return with;
}

/* reason NULL: accepted. */
static void expect(enum h2r_section_kind kind, int connect_protocol, const char *what, const char *reason,
                   const h2r_hpack_field *fields, size_t count)
{
    struct h2r_message_check check;
    const char *got = run(&check, kind, connect_protocol, fields, count);
    if (reason == NULL)
        CHECK_MSG(got == NULL, "%s: accepted%s%s", what, got ? ", but got " : "", got ? got : "");
    else
        CHECK_MSG(got != NULL && strcmp(got, reason) == 0, "%s: '%s' (got '%s')", what, reason,
                  got ? got : "accepted");
}

#define OK(kind, what, ...)          expect(kind, 0, what, NULL, FIELDS(__VA_ARGS__))
#define BAD(kind, what, reason, ...) expect(kind, 0, what, reason, FIELDS(__VA_ARGS__))
#define XOK(what, ...)               expect(H2R_SECTION_REQUEST, 1, what, NULL, FIELDS(__VA_ARGS__))
#define XBAD(what, reason, ...)      expect(H2R_SECTION_REQUEST, 1, what, reason, FIELDS(__VA_ARGS__))

#define REQ  H2R_SECTION_REQUEST
#define RESP H2R_SECTION_RESPONSE
#define TRL  H2R_SECTION_TRAILERS
#define PUSH H2R_SECTION_PUSH_PROMISE

#define GET_BASE F(":method", "GET"), F(":scheme", "https"), F(":authority", "example.com"), F(":path", "/")

static void test_names(void)
{
    BAD(REQ, "empty name", "empty field name", GET_BASE, F("", "x"));
    BAD(REQ, "uppercase name", "uppercase character in field name", GET_BASE, F("Accept", "*/*"));
    BAD(RESP, "uppercase name in a response", "uppercase character in field name", F(":status", "200"),
        F("X-Foo", "1"));
    BAD(TRL, "uppercase name in trailers", "uppercase character in field name", F("grpc-Status", "0"));
    BAD(REQ, "uppercase pseudo-header", "uppercase character in field name", F(":Method", "GET"),
        F(":scheme", "https"), F(":path", "/"));
    BAD(REQ, "space in name", "invalid character in field name", GET_BASE, F("x foo", "1"));
    BAD(REQ, "colon inside a name", "invalid character in field name", GET_BASE, F("x:foo", "1"));
    BAD(REQ, "double colon", "invalid character in field name", F("::path", "/"), GET_BASE);
    BAD(REQ, "NUL in name", "invalid character in field name", GET_BASE, F("x\0y", "1"));
    BAD(REQ, "DEL in name", "invalid character in field name", GET_BASE, F("x\x7f", "1"));
    BAD(REQ, "obs-text in name", "invalid character in field name", GET_BASE, F("x\xe9", "1"));
    BAD(REQ, "separator in name", "invalid character in field name", GET_BASE, F("x(y)", "1"));
    OK(REQ, "every tchar in a name", GET_BASE, F("!#$%&'*+-.^_`|~09az", "1"));

    /* Every byte, against RFC 9110 §5.6.2 tchar without uppercase (RFC 9113 §8.2.1). */
    const char *tchar = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz";
    int agree = 1;
    for (int c = 0; c < 256; ++c) {
        char name[2] = {'x', (char)c};
        h2r_hpack_field f = {.name = name, .name_len = 2, .value = "1", .value_len = 1};
        struct h2r_message_check check;
        h2r_message_check_init(&check, H2R_SECTION_RESPONSE, 0);
        int valid = c != 0 && strchr(tchar, c) != NULL;
        agree &= (h2r_message_check_field(&check, &f) == 0) == valid;
    }
    CHECK_MSG(agree, "a name byte is valid exactly when it is a lowercase tchar");
}

static void test_values(void)
{
    OK(REQ, "empty value", GET_BASE, F("x-empty", ""));
    OK(REQ, "spaces inside a value", GET_BASE, F("user-agent", "a b  c"));
    OK(REQ, "tab inside a value", GET_BASE, F("x-tab", "a\tb"));
    OK(REQ, "obs-text in a value", GET_BASE, F("x-latin", "caf\xe9 \x80\xff"));
    OK(REQ, "other controls in a value (only the minimal rules apply)", GET_BASE, F("x-ctl", "a\x01\x7f"));
    BAD(REQ, "NUL in a value", "NUL, CR or LF in field value", GET_BASE, F("x-a", "a\0b"));
    BAD(REQ, "CR in a value", "NUL, CR or LF in field value", GET_BASE, F("x-a", "a\rb"));
    BAD(REQ, "LF in a value", "NUL, CR or LF in field value", GET_BASE, F("x-a", "a\nb"));
    BAD(RESP, "CRLF in a response value", "NUL, CR or LF in field value", F(":status", "200"),
        F("location", "/\r\nset-cookie: x"));
    BAD(TRL, "LF in a trailer value", "NUL, CR or LF in field value", F("grpc-message", "a\nb"));
    BAD(REQ, "leading SP", "leading or trailing whitespace in field value", GET_BASE, F("x-a", " a"));
    BAD(REQ, "trailing SP", "leading or trailing whitespace in field value", GET_BASE, F("x-a", "a "));
    BAD(REQ, "leading HTAB", "leading or trailing whitespace in field value", GET_BASE, F("x-a", "\ta"));
    BAD(REQ, "trailing HTAB", "leading or trailing whitespace in field value", GET_BASE, F("x-a", "a\t"));
    BAD(REQ, "a value of one space", "leading or trailing whitespace in field value", GET_BASE,
        F("x-a", " "));
    BAD(REQ, "CR in a pseudo-header value", "NUL, CR or LF in field value", F(":method", "GET"),
        F(":scheme", "https"), F(":path", "/\r\n"));
    BAD(REQ, "CR in a static-table name's value", "NUL, CR or LF in field value", GET_BASE,
        F("cookie", "a=b\r"));

    int agree = 1;
    for (int c = 0; c < 256; ++c) {
        char value[3] = {'a', (char)c, 'b'};
        h2r_hpack_field f = {.name = "x", .name_len = 1, .value = value, .value_len = 3};
        struct h2r_message_check check;
        h2r_message_check_init(&check, H2R_SECTION_RESPONSE, 0);
        agree &= (h2r_message_check_field(&check, &f) == 0) == (c != 0 && c != '\r' && c != '\n');
    }
    CHECK_MSG(agree, "a value byte inside is valid exactly when it is not NUL, CR or LF");

    /* Long values are scanned by words: every byte at every offset, over backgrounds that provoke borrows. */
    static const char fills[] = {'a', 0x01, (char)0xff, 0x0b, (char)0x80};
    agree = 1;
    for (size_t k = 0; k != sizeof(fills); ++k) {
        for (size_t at = 0; at != 40; ++at) {
            for (int c = 0; c < 256; ++c) {
                char value[40];
                memset(value, fills[k], sizeof(value));
                value[at] = (char)c;
                h2r_hpack_field f = {.name = "x", .name_len = 1, .value = value, .value_len = sizeof(value)};
                struct h2r_message_check check;
                h2r_message_check_init(&check, H2R_SECTION_RESPONSE, 0);
                int edge_ws = (at == 0 || at == 39) && (c == ' ' || c == '\t');
                int valid = c != 0 && c != '\r' && c != '\n' && !edge_ws;
                agree &= (h2r_message_check_field(&check, &f) == 0) == valid;
            }
        }
    }
    CHECK_MSG(agree, "a 40-byte value is valid exactly when no byte is NUL, CR or LF, at any offset");
}

static void test_connection_specific(void)
{
    static const enum h2r_section_kind kinds[] = {REQ, RESP, TRL, PUSH};
    for (size_t k = 0; k != sizeof(kinds) / sizeof(kinds[0]); ++k) {
        enum h2r_section_kind kind = kinds[k];
        const char *what[] = {"request", "response", "trailers", "push promise"};
        /* One field at a time: the per-field rule alone, whatever the section would need besides. */
        h2r_hpack_field f[] = {F("connection", "close"), F("proxy-connection", "keep-alive"),
                               F("keep-alive", "timeout=5"), F("transfer-encoding", "chunked"),
                               F("upgrade", "h2c")};
        const char *reason[] = {
            "connection-specific field 'connection'", "connection-specific field 'proxy-connection'",
            "connection-specific field 'keep-alive'", "connection-specific field 'transfer-encoding'",
            "connection-specific field 'upgrade'",
        };
        for (size_t i = 0; i != sizeof(f) / sizeof(f[0]); ++i) {
            struct h2r_message_check check;
            h2r_message_check_init(&check, kind, 0);
            f[i].static_name_index = static_index(f[i].name, f[i].name_len);
            int rc = h2r_message_check_field(&check, &f[i]);
            CHECK_MSG(rc == -1 && strcmp(check.error, reason[i]) == 0, "%s: %s", what[k], reason[i]);
        }
    }
    OK(REQ, "te: trailers", GET_BASE, F("te", "trailers"));
    OK(REQ, "te: Trailers (case-insensitive)", GET_BASE, F("te", "Trailers"));
    OK(PUSH, "te: trailers in a promised request", GET_BASE, F("te", "trailers"));
    BAD(REQ, "te: gzip", "te other than 'trailers'", GET_BASE, F("te", "gzip"));
    BAD(REQ, "te: trailers, deflate", "te other than 'trailers'", GET_BASE, F("te", "trailers, deflate"));
    BAD(REQ, "te: empty", "te other than 'trailers'", GET_BASE, F("te", ""));
    BAD(REQ, "connection in a full request", "connection-specific field 'connection'", GET_BASE,
        F("connection", "keep-alive"));
    OK(REQ, "names that only start like connection-specific ones", GET_BASE, F("connection-x", "1"),
       F("upgrade-insecure-requests", "1"), F("tee", "x"), F("keep-alive-x", "1"));
}

static void test_request_pseudo(void)
{
    struct h2r_message_check check;
    CHECK_MSG(run(&check, REQ, 0, FIELDS(GET_BASE, F("accept", "*/*"))) == NULL && !check.is_head &&
                  !check.is_connect &&
                  check.pseudo_seen ==
                      (H2R_PSEUDO_METHOD | H2R_PSEUDO_SCHEME | H2R_PSEUDO_AUTHORITY | H2R_PSEUDO_PATH),
              "GET: accepted, pseudo-headers recorded");
    CHECK_MSG(run(&check, REQ, 0,
                  FIELDS(F(":method", "HEAD"), F(":scheme", "https"), F(":authority", "a"),
                         F(":path", "/"))) == NULL &&
                  check.is_head,
              "HEAD: is_head");
    OK(REQ, "pseudo-headers in any order", F(":path", "/a?b=c"), F(":authority", "a"), F(":scheme", "http"),
       F(":method", "POST"));
    OK(REQ, "no :authority (host instead)", F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
       F("host", "example.com"));
    OK(REQ, "no :authority and no host", F(":method", "GET"), F(":scheme", "https"), F(":path", "/"));
    OK(REQ, "an extension method", F(":method", "PROPFIND"), F(":scheme", "https"), F(":path", "/"));
    OK(REQ, "a non-http scheme", F(":method", "GET"), F(":scheme", "coap+tcp"), F(":path", "/"));
    OK(REQ, "OPTIONS *", F(":method", "OPTIONS"), F(":scheme", "https"), F(":authority", "a"),
       F(":path", "*"));

    BAD(REQ, "missing :method", "missing :method", F(":scheme", "https"), F(":path", "/"));
    BAD(REQ, "missing :scheme", "missing :scheme", F(":method", "GET"), F(":path", "/"));
    BAD(REQ, "missing :path", "missing :path", F(":method", "GET"), F(":scheme", "https"));
    BAD(REQ, "no field at all", "missing :method", F("x", "y"));
    BAD(REQ, "empty :path", "empty :path", F(":method", "GET"), F(":scheme", "https"), F(":path", ""));
    BAD(REQ, ":path not rooted", "invalid :path", F(":method", "GET"), F(":scheme", "https"),
        F(":path", "a/b"));
    BAD(REQ, ":path absolute-form", "invalid :path", F(":method", "GET"), F(":scheme", "https"),
        F(":path", "https://a/"));
    BAD(REQ, ":path with a space", "invalid :path", F(":method", "GET"), F(":scheme", "https"),
        F(":path", "/a b"));
    BAD(REQ, ":path '**'", "invalid :path", F(":method", "OPTIONS"), F(":scheme", "https"), F(":path", "**"));
    BAD(REQ, ":path '*' with GET", ":path '*' without OPTIONS", F(":path", "*"), F(":method", "GET"),
        F(":scheme", "https"));
    BAD(REQ, "empty :method", "invalid :method", F(":method", ""), F(":scheme", "https"), F(":path", "/"));
    BAD(REQ, ":method not a token", "invalid :method", F(":method", "GE T"), F(":scheme", "https"),
        F(":path", "/"));
    BAD(REQ, "empty :scheme", "invalid :scheme", F(":method", "GET"), F(":scheme", ""), F(":path", "/"));
    BAD(REQ, ":scheme starting with a digit", "invalid :scheme", F(":method", "GET"), F(":scheme", "1http"),
        F(":path", "/"));
    BAD(REQ, ":scheme with '/'", "invalid :scheme", F(":method", "GET"), F(":scheme", "http/"),
        F(":path", "/"));
    BAD(REQ, "empty :authority", "invalid :authority", F(":method", "GET"), F(":scheme", "https"),
        F(":authority", ""), F(":path", "/"));
    BAD(REQ, "userinfo in :authority", "invalid :authority", F(":method", "GET"), F(":scheme", "https"),
        F(":authority", "user@example.com"), F(":path", "/"));
    BAD(REQ, "space in :authority", "invalid :authority", F(":method", "GET"), F(":scheme", "https"),
        F(":authority", "a b"), F(":path", "/"));
    BAD(REQ, "'/' in :authority", "invalid :authority", F(":method", "GET"), F(":scheme", "https"),
        F(":authority", "a/b"), F(":path", "/"));
    OK(REQ, "IPv6 literal :authority", F(":method", "GET"), F(":scheme", "https"),
       F(":authority", "[::1]:8443"), F(":path", "/"));

    BAD(REQ, "duplicate :method", "duplicate :method", F(":method", "GET"), F(":method", "GET"),
        F(":scheme", "https"), F(":path", "/"));
    BAD(REQ, "duplicate :scheme", "duplicate :scheme", F(":method", "GET"), F(":scheme", "https"),
        F(":scheme", "https"), F(":path", "/"));
    BAD(REQ, "duplicate :authority", "duplicate :authority", GET_BASE, F(":authority", "example.com"));
    BAD(REQ, "duplicate :path", "duplicate :path", GET_BASE, F(":path", "/"));
    BAD(REQ, "pseudo-header after a regular field", "pseudo-header after regular field", F(":method", "GET"),
        F(":scheme", "https"), F("accept", "*/*"), F(":path", "/"));
    BAD(REQ, "unknown pseudo-header", "unknown pseudo-header", GET_BASE, F(":foo", "bar"));
    BAD(REQ, "a lone colon", "unknown pseudo-header", F(":", "x"), GET_BASE);
    BAD(REQ, ":status in a request", ":status in a request", GET_BASE, F(":status", "200"));
    BAD(REQ, ":protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL",
        ":protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL", F(":method", "CONNECT"),
        F(":protocol", "websocket"), F(":scheme", "https"), F(":authority", "a"), F(":path", "/chat"));
}

static void test_connect(void)
{
    struct h2r_message_check check;
    CHECK_MSG(run(&check, REQ, 0, FIELDS(F(":method", "CONNECT"), F(":authority", "example.com:443"))) ==
                      NULL &&
                  check.is_connect && !check.is_head,
              "CONNECT host:port: accepted, is_connect");
    OK(REQ, "CONNECT to an IPv6 literal", F(":method", "CONNECT"), F(":authority", "[2001:db8::1]:22"));
    BAD(REQ, "CONNECT without :authority", "CONNECT without :authority", F(":method", "CONNECT"));
    BAD(REQ, "CONNECT with :scheme", "CONNECT with :scheme or :path", F(":method", "CONNECT"),
        F(":scheme", "https"), F(":authority", "a:443"));
    BAD(REQ, "CONNECT with :path", "CONNECT with :scheme or :path", F(":method", "CONNECT"),
        F(":authority", "a:443"), F(":path", "/"));
    BAD(REQ, "CONNECT without a port", "CONNECT without a valid port", F(":method", "CONNECT"),
        F(":authority", "example.com"));
    BAD(REQ, "CONNECT with an empty port", "CONNECT without a valid port", F(":method", "CONNECT"),
        F(":authority", "example.com:"));
    BAD(REQ, "CONNECT to port 0", "CONNECT without a valid port", F(":method", "CONNECT"),
        F(":authority", "example.com:0"));
    BAD(REQ, "CONNECT to port 65536", "CONNECT without a valid port", F(":method", "CONNECT"),
        F(":authority", "example.com:65536"));
    OK(REQ, "CONNECT to port 65535", F(":method", "CONNECT"), F(":authority", "example.com:65535"));
    BAD(REQ, "CONNECT to an IPv6 literal without a port", "CONNECT without a valid port",
        F(":method", "CONNECT"), F(":authority", "[::1]"));
    BAD(REQ, "connect is not CONNECT (methods are case-sensitive)", "missing :scheme",
        F(":method", "connect"), F(":authority", "a:443"));

    /* RFC 8441 §4, with SETTINGS_ENABLE_CONNECT_PROTOCOL sent. */
    CHECK_MSG(run(&check, REQ, 1,
                  FIELDS(F(":method", "CONNECT"), F(":protocol", "websocket"), F(":scheme", "https"),
                         F(":authority", "example.com"), F(":path", "/chat"))) == NULL &&
                  check.is_connect && (check.pseudo_seen & H2R_PSEUDO_PROTOCOL),
              "extended CONNECT: accepted, :protocol recorded");
    XOK("extended CONNECT, :protocol last", F(":path", "/chat"), F(":authority", "a"), F(":scheme", "http"),
        F(":method", "CONNECT"), F(":protocol", "websocket"));
    XOK("plain CONNECT still works with the setting", F(":method", "CONNECT"), F(":authority", "a:443"));
    XOK("GET still works with the setting", GET_BASE);
    XBAD("extended CONNECT without :path", "missing :path", F(":method", "CONNECT"),
         F(":protocol", "websocket"), F(":scheme", "https"), F(":authority", "a"));
    XBAD("extended CONNECT without :scheme", "missing :scheme", F(":method", "CONNECT"),
         F(":protocol", "websocket"), F(":authority", "a"), F(":path", "/"));
    XBAD("extended CONNECT without :authority", "extended CONNECT without :authority",
         F(":method", "CONNECT"), F(":protocol", "websocket"), F(":scheme", "https"), F(":path", "/"));
    XBAD(":protocol with GET", ":protocol without CONNECT", GET_BASE, F(":protocol", "websocket"));
    XBAD(":protocol without :method", ":protocol without CONNECT", F(":protocol", "websocket"),
         F(":scheme", "https"), F(":authority", "a"), F(":path", "/"));
    XBAD("duplicate :protocol", "duplicate :protocol", F(":method", "CONNECT"), F(":protocol", "websocket"),
         F(":protocol", "websocket"), F(":scheme", "https"), F(":authority", "a"), F(":path", "/"));
    XBAD("empty :protocol", "invalid :protocol", F(":method", "CONNECT"), F(":protocol", ""),
         F(":scheme", "https"), F(":authority", "a"), F(":path", "/"));
    XBAD("extended CONNECT with :path '*'", ":path '*' without OPTIONS", F(":method", "CONNECT"),
         F(":protocol", "websocket"), F(":scheme", "https"), F(":authority", "a"), F(":path", "*"));
}

static void test_push_promise(void)
{
    struct h2r_message_check check;
    OK(PUSH, "promised GET", GET_BASE);
    CHECK_MSG(run(&check, PUSH, 0,
                  FIELDS(F(":method", "HEAD"), F(":scheme", "https"), F(":authority", "a"),
                         F(":path", "/x"))) == NULL &&
                  check.is_head,
              "promised HEAD: accepted, is_head");
    OK(PUSH, "promised GET with content-length 0", GET_BASE, F("content-length", "0"));
    BAD(PUSH, "promised POST", "promised request method is not GET or HEAD", F(":method", "POST"),
        F(":scheme", "https"), F(":authority", "a"), F(":path", "/"));
    BAD(PUSH, "promised OPTIONS (safe but not cacheable)", "promised request method is not GET or HEAD",
        F(":method", "OPTIONS"), F(":scheme", "https"), F(":authority", "a"), F(":path", "/"));
    BAD(PUSH, "promised CONNECT", "promised request method is not GET or HEAD", F(":method", "CONNECT"),
        F(":authority", "a:443"));
    BAD(PUSH, "promised request without :authority", "promised request without :authority",
        F(":method", "GET"), F(":scheme", "https"), F(":path", "/"), F("host", "a"));
    BAD(PUSH, "promised request with content", "promised request with content", GET_BASE,
        F("content-length", "10"));
    BAD(PUSH, "promised request without :path", "missing :path", F(":method", "GET"), F(":scheme", "https"),
        F(":authority", "a"));
    BAD(PUSH, ":status in a promised request", ":status in a request", GET_BASE, F(":status", "200"));
    BAD(PUSH, "duplicate :method in a promised request", "duplicate :method", GET_BASE, F(":method", "GET"));
}

static void test_response_pseudo(void)
{
    struct h2r_message_check check;
    CHECK_MSG(run(&check, RESP, 0, FIELDS(F(":status", "200"), F("content-type", "text/plain"))) == NULL &&
                  check.status == 200 && check.pseudo_seen == H2R_PSEUDO_STATUS,
              "200: accepted, status recorded");
    CHECK_MSG(run(&check, RESP, 0, FIELDS(F(":status", "103"), F("link", "</a>; rel=preload"))) == NULL &&
                  check.status == 103,
              "103 interim response");
    OK(RESP, ":status 100", F(":status", "100"));
    OK(RESP, ":status 999", F(":status", "999"));
    OK(RESP, ":status 599", F(":status", "599"));
    BAD(RESP, ":status 101", ":status 101 is not allowed in HTTP/2", F(":status", "101"));
    BAD(RESP, ":status 099", "invalid :status", F(":status", "099"));
    BAD(RESP, ":status 1000", "invalid :status", F(":status", "1000"));
    BAD(RESP, ":status 20", "invalid :status", F(":status", "20"));
    BAD(RESP, ":status 2x0", "invalid :status", F(":status", "2x0"));
    BAD(RESP, ":status empty", "invalid :status", F(":status", ""));
    BAD(RESP, ":status +20", "invalid :status", F(":status", "+20"));
    BAD(RESP, "missing :status", "missing :status", F("content-type", "text/plain"));
    /* No FIELDS() for an empty section: ISO C has no empty initializer. */
    expect(RESP, 0, "empty response", "missing :status", NULL, 0);
    BAD(RESP, "duplicate :status", "duplicate :status", F(":status", "200"), F(":status", "200"));
    BAD(RESP, ":status after a regular field", "pseudo-header after regular field", F("server", "x"),
        F(":status", "200"));
    BAD(RESP, ":path in a response", ":path in a response", F(":status", "200"), F(":path", "/"));
    BAD(RESP, ":method in a response", ":method in a response", F(":method", "GET"), F(":status", "200"));
    BAD(RESP, ":scheme in a response", ":scheme in a response", F(":status", "200"), F(":scheme", "https"));
    BAD(RESP, ":authority in a response", ":authority in a response", F(":status", "200"),
        F(":authority", "a"));
    BAD(RESP, ":protocol in a response", ":protocol in a response", F(":status", "200"),
        F(":protocol", "websocket"));
    BAD(RESP, "unknown pseudo-header in a response", "unknown pseudo-header", F(":status", "200"),
        F(":x", "1"));
    OK(RESP, "te: trailers in a response", F(":status", "200"), F("te", "trailers"));
    OK(RESP, "host in a response is just a field", F(":status", "200"), F("host", "anything"));
}

static void test_trailers(void)
{
    struct h2r_message_check check;
    OK(TRL, "regular trailers", F("grpc-status", "0"), F("grpc-message", ""));
    expect(TRL, 0, "empty trailers", NULL, NULL, 0);
    BAD(TRL, ":status in trailers", "pseudo-header in trailers", F(":status", "200"));
    BAD(TRL, ":path in trailers", "pseudo-header in trailers", F(":path", "/"));
    BAD(TRL, "pseudo-header after a trailer", "pseudo-header in trailers", F("x", "1"), F(":method", "GET"));
    BAD(TRL, "unknown pseudo-header in trailers", "pseudo-header in trailers", F(":x", "1"));
    CHECK_MSG(run(&check, TRL, 0, FIELDS(F("content-length", "5"), F("content-length", "6"))) == NULL &&
                  !check.has_content_length,
              "content-length in trailers is not taken as framing");
}

static void test_content_length(void)
{
    struct h2r_message_check check;
    CHECK_MSG(run(&check, REQ, 0, FIELDS(GET_BASE, F("content-length", "0"))) == NULL &&
                  check.has_content_length && check.content_length == 0,
              "content-length 0");
    CHECK_MSG(run(&check, REQ, 0, FIELDS(GET_BASE)) == NULL && !check.has_content_length,
              "no content-length: has_content_length 0");
    CHECK_MSG(run(&check, REQ, 0, FIELDS(GET_BASE, F("content-length", "18446744073709551615"))) == NULL &&
                  check.content_length == UINT64_MAX,
              "content-length 18446744073709551615 (UINT64_MAX)");
    CHECK_MSG(run(&check, RESP, 0, FIELDS(F(":status", "200"), F("content-length", "1234"))) == NULL &&
                  check.has_content_length && check.content_length == 1234,
              "content-length in a response");
    CHECK_MSG(run(&check, REQ, 0, FIELDS(GET_BASE, F("content-length", "007"))) == NULL &&
                  check.content_length == 7,
              "content-length with leading zeros");
    BAD(REQ, "content-length 18446744073709551616", "content-length overflow", GET_BASE,
        F("content-length", "18446744073709551616"));
    BAD(REQ, "content-length 99999999999999999999", "content-length overflow", GET_BASE,
        F("content-length", "99999999999999999999"));
    CHECK_MSG(run(&check, REQ, 0, FIELDS(GET_BASE, F("content-length", "1,1"))) == NULL &&
                  check.content_length == 1,
              "content-length 1,1");
    OK(REQ, "content-length 1, 1", GET_BASE, F("content-length", "1, 1"));
    OK(REQ, "content-length 1 ,\t1,1", GET_BASE, F("content-length", "1 ,\t1,1"));
    OK(REQ, "content-length 1, 01 (the same value)", GET_BASE, F("content-length", "1, 01"));
    CHECK_MSG(run(&check, REQ, 0, FIELDS(GET_BASE, F("content-length", "42"), F("content-length", "42"))) ==
                      NULL &&
                  check.content_length == 42,
              "two identical content-length fields");
    OK(RESP, "content-length 5 then 5, 5", F(":status", "200"), F("content-length", "5"),
       F("content-length", "5, 5"));
    BAD(REQ, "content-length 1,2", "conflicting content-length values", GET_BASE, F("content-length", "1,2"));
    BAD(REQ, "content-length 2, 2, 3", "conflicting content-length values", GET_BASE,
        F("content-length", "2, 2, 3"));
    BAD(REQ, "two differing content-length fields", "conflicting content-length values", GET_BASE,
        F("content-length", "1"), F("content-length", "2"));
    BAD(RESP, "differing content-length in a response", "conflicting content-length values",
        F(":status", "200"), F("content-length", "10"), F("content-length", "1"));
    BAD(REQ, "content-length empty", "invalid content-length", GET_BASE, F("content-length", ""));
    BAD(REQ, "content-length abc", "invalid content-length", GET_BASE, F("content-length", "abc"));
    BAD(REQ, "content-length -1", "invalid content-length", GET_BASE, F("content-length", "-1"));
    BAD(REQ, "content-length +1", "invalid content-length", GET_BASE, F("content-length", "+1"));
    BAD(REQ, "content-length 1x", "invalid content-length", GET_BASE, F("content-length", "1x"));
    BAD(REQ, "content-length 1 1", "invalid content-length", GET_BASE, F("content-length", "1 1"));
    BAD(REQ, "content-length 1,", "invalid content-length", GET_BASE, F("content-length", "1,"));
    BAD(REQ, "content-length ,1", "invalid content-length", GET_BASE, F("content-length", ",1"));
    BAD(REQ, "content-length 1,,1", "invalid content-length", GET_BASE, F("content-length", "1,,1"));
    BAD(REQ, "content-length 0x10", "invalid content-length", GET_BASE, F("content-length", "0x10"));
}

static void test_host(void)
{
    OK(REQ, "host equal to :authority", GET_BASE, F("host", "example.com"));
    OK(REQ, "host differing in case only", GET_BASE, F("host", "Example.COM"));
    OK(REQ, "host with the https default port", GET_BASE, F("host", "example.com:443"));
    OK(REQ, "host with an empty port", GET_BASE, F("host", "example.com:"));
    OK(REQ, "host with the http default port", F(":method", "GET"), F(":scheme", "http"),
       F(":authority", "example.com:80"), F(":path", "/"), F("host", "example.com"));
    OK(REQ, "host and :authority with the same explicit port", F(":method", "GET"), F(":scheme", "https"),
       F(":authority", "example.com:8443"), F(":path", "/"), F("host", "example.com:08443"));
    OK(REQ, "IPv6 host", F(":method", "GET"), F(":scheme", "https"), F(":authority", "[::1]"),
       F(":path", "/"), F("host", "[::1]:443"));
    OK(REQ, ":scheme after :authority still sets the default port", F(":method", "GET"),
       F(":authority", "example.com"), F(":scheme", "https"), F(":path", "/"), F("host", "example.com:443"));
    BAD(REQ, "host naming another host", "host differs from :authority", GET_BASE, F("host", "evil.example"));
    BAD(REQ, "host with another port", "host differs from :authority", GET_BASE,
        F("host", "example.com:8443"));
    BAD(REQ, "host with the http port on https", "host differs from :authority", GET_BASE,
        F("host", "example.com:80"));
    BAD(REQ, "host with a trailing dot", "host differs from :authority", GET_BASE, F("host", "example.com."));
    BAD(REQ, "empty host", "host differs from :authority", GET_BASE, F("host", ""));
    BAD(REQ, "a second host that differs", "host differs from :authority", GET_BASE, F("host", "example.com"),
        F("host", "other.example"));
    BAD(REQ, "no default port for an unknown scheme", "host differs from :authority", F(":method", "GET"),
        F(":scheme", "foo"), F(":authority", "a:80"), F(":path", "/"), F("host", "a"));
    BAD(PUSH, "host differing in a promised request", "host differs from :authority", GET_BASE,
        F("host", "b"));
    BAD(REQ, "CONNECT with a host that differs", "host differs from :authority", F(":method", "CONNECT"),
        F(":authority", "a:443"), F("host", "b:443"));
}

static void test_first_error_kept(void)
{
    struct h2r_message_check check;
    h2r_message_check_init(&check, REQ, 0);
    h2r_hpack_field bad = F("Bad", "x"), fine = F("accept", "*/*"), dup = F(":path", "/");
    CHECK(h2r_message_check_field(&check, &dup) == 0);
    CHECK(h2r_message_check_field(&check, &bad) == -1);
    const char *first = check.error;
    CHECK(h2r_message_check_field(&check, &fine) == -1);
    CHECK(h2r_message_check_field(&check, &dup) == -1 && check.error == first);
    CHECK(h2r_message_check_end(&check) == -1 && check.error == first);

    h2r_message_check_init(&check, RESP, 0);
    CHECK_MSG(check.error == NULL && check.pseudo_seen == 0 && !check.regular_seen &&
                  !check.has_content_length && check.kind == RESP,
              "init clears the state");
}

static void test_static_index(void)
{
    /* As the decoder reports them: the first static table entry with the name. */
    h2r_hpack_field f[] = {F(":method", "GET"),  F(":scheme", "https"),     F(":path", "/index.html"),
                           F(":authority", "a"), F("content-length", "12"), F("x-custom", "1")};
    f[0].static_name_index = 2;
    f[1].static_name_index = 6;
    f[2].static_name_index = 4;
    f[3].static_name_index = 1;
    f[4].static_name_index = 28;
    struct h2r_message_check check;
    h2r_message_check_init(&check, REQ, 0);
    int rc = 0;
    for (size_t i = 0; i != sizeof(f) / sizeof(f[0]); ++i) rc |= h2r_message_check_field(&check, &f[i]);
    CHECK_MSG(rc == 0 && h2r_message_check_end(&check) == 0 && check.content_length == 12,
              "fields carrying their static table index");

    h2r_hpack_field status = F(":status", "404");
    status.static_name_index = 8;
    h2r_message_check_init(&check, RESP, 0);
    CHECK_MSG(h2r_message_check_field(&check, &status) == 0 && check.status == 404,
              ":status with a literal value, name from entry 8");

    h2r_hpack_field te = F("transfer-encoding", "chunked");
    te.static_name_index = 57;
    h2r_message_check_init(&check, RESP, 0);
    CHECK_MSG(h2r_message_check_field(&check, &te) == -1, "transfer-encoding from entry 57");
}

/* reason NULL: accepted. */
static void expect_out(enum h2r_section_kind kind, const char *what, const char *reason,
                       const h2r_hpack_field *fields, size_t count)
{
    const char *got = h2r_message_check_outgoing(fields, count, kind);
    if (reason == NULL)
        CHECK_MSG(got == NULL, "outgoing %s: accepted%s%s", what, got ? ", but got " : "", got ? got : "");
    else
        CHECK_MSG(got != NULL && strcmp(got, reason) == 0, "outgoing %s: '%s' (got '%s')", what, reason,
                  got ? got : "accepted");
}

#define OUT_OK(kind, what, ...)          expect_out(kind, what, NULL, FIELDS(__VA_ARGS__))
#define OUT_BAD(kind, what, reason, ...) expect_out(kind, what, reason, FIELDS(__VA_ARGS__))

static void test_outgoing(void)
{
    OUT_OK(RESP, "response", F(":status", "200"), F("content-type", "text/html"), F("content-length", "5"));
    OUT_OK(RESP, "response without :status (the session adds it)", F("content-type", "text/html"));
    CHECK_MSG(h2r_message_check_outgoing(NULL, 0, RESP) == NULL, "outgoing: no field at all");
    OUT_OK(RESP, "103", F(":status", "103"), F("link", "</style.css>; rel=preload"));
    OUT_OK(TRL, "trailers", F("grpc-status", "0"));
    OUT_OK(PUSH, "push with :path only", F(":path", "/style.css"));
    OUT_OK(PUSH, "push", GET_BASE, F("accept", "text/css"));
    OUT_OK(REQ, "request with te: trailers", GET_BASE, F("te", "trailers"));
    OUT_OK(REQ, "extended CONNECT request", F(":method", "CONNECT"), F(":protocol", "websocket"));

    OUT_BAD(RESP, ":status 2000", "invalid :status", F(":status", "2000"));
    OUT_BAD(RESP, ":status 101", ":status 101 is not allowed in HTTP/2", F(":status", "101"));
    OUT_BAD(RESP, "duplicate :status", "duplicate :status", F(":status", "200"), F(":status", "200"));
    OUT_BAD(RESP, ":path in a response", ":path in a response", F(":status", "200"), F(":path", "/"));
    OUT_BAD(RESP, ":status last", "pseudo-header after regular field", F("server", "h2ring"),
            F(":status", "200"));
    OUT_BAD(RESP, "uppercase name", "uppercase character in field name", F(":status", "200"),
            F("Content-Type", "text/html"));
    OUT_BAD(RESP, "connection", "connection-specific field 'connection'", F(":status", "200"),
            F("connection", "close"));
    OUT_BAD(RESP, "transfer-encoding", "connection-specific field 'transfer-encoding'", F(":status", "200"),
            F("transfer-encoding", "chunked"));
    OUT_BAD(RESP, "header injection", "NUL, CR or LF in field value", F(":status", "200"),
            F("x-a", "1\r\nx-b: 2"));
    OUT_BAD(RESP, "trailing SP", "leading or trailing whitespace in field value", F(":status", "200"),
            F("x-a", "1 "));
    OUT_BAD(RESP, "content-length 1,2", "conflicting content-length values", F(":status", "200"),
            F("content-length", "1,2"));
    OUT_BAD(TRL, ":status in trailers", "pseudo-header in trailers", F(":status", "200"));
    OUT_BAD(TRL, "keep-alive in trailers", "connection-specific field 'keep-alive'", F("keep-alive", "1"));
    OUT_BAD(PUSH, "promised POST", "promised request method is not GET or HEAD", F(":method", "POST"),
            F(":path", "/"));
    OUT_BAD(PUSH, ":status in a push", ":status in a request", F(":status", "200"));
    OUT_BAD(PUSH, "push :path not rooted", "invalid :path", F(":path", "style.css"));
    OUT_BAD(REQ, "unknown pseudo-header", "unknown pseudo-header", F(":method", "GET"), F(":foo", "x"));
    OUT_BAD(REQ, "host mismatch", "host differs from :authority", GET_BASE, F("host", "other.example"));
}

int main(void)
{
    test_names();
    test_values();
    test_connection_specific();
    test_request_pseudo();
    test_connect();
    test_push_promise();
    test_response_pseudo();
    test_trailers();
    test_content_length();
    test_host();
    test_first_error_kept();
    test_static_index();
    test_outgoing();
    return check_done();
}
