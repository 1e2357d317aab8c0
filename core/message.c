/*
 * HTTP message rules for HTTP/2 (RFC 9113 §8, RFC 8441 §4): see message.h.
 *
 * Every field of every request goes through h2r_message_check_field, so the
 * common path is a table lookup for the name (HPACK tells us the static table
 * index), one pass over the value, and a switch.
 */
#include "message.h"

#include <string.h>

#include "char_table.h"

/* ---- Character classes (char_table.h) ---- */

/* Field names (RFC 9110 §5.1: a token) without uppercase, which RFC 9113 §8.2.1 bans, after the ':' of a
 * pseudo-header. */
#define NAME_CHAR(c) (H2R_CHAR_TCHAR_NOT_ALPHA(c) || H2R_CHAR_IN(c, 'a', 'z'))
static const uint8_t name_chars[256] = {H2R_CHAR_TABLE(NAME_CHAR)};

/* Tokens where case is allowed: :method (RFC 9110 §9.1), :protocol (RFC 8441 §4). */
static const uint8_t token_chars[256] = {H2R_CHAR_TABLE(H2R_CHAR_TCHAR)};

/* Field values: anything but NUL, CR and LF (RFC 9113 §8.2.1, the minimal validation). */
#define VALUE_CHAR(c) ((c) != 0 && (c) != '\r' && (c) != '\n')
static const uint8_t value_chars[256] = {H2R_CHAR_TABLE(VALUE_CHAR)};

/* RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
static const uint8_t scheme_chars[256] = {H2R_CHAR_TABLE(H2R_CHAR_SCHEME)};

/* RFC 9113 §8.3.1 forbids userinfo in http and https authorities, and we take no other scheme's on trust. */
static const uint8_t authority_chars[256] = {H2R_CHAR_TABLE(H2R_CHAR_AUTHORITY)};

/*
 * :path: no control character, space or DEL, which would split a request
 * line if the request is forwarded over HTTP/1.1. obs-text is tolerated.
 */
static const uint8_t path_chars[256] = {H2R_CHAR_TABLE(H2R_CHAR_VISIBLE)};

/* Whether every byte is in the class; no early exit, since valid input is the common case. */
static int all_in(const uint8_t *table, const char *s, size_t len)
{
    unsigned ok = 1;
    for (size_t i = 0; i != len; ++i) ok &= table[(uint8_t)s[i]];
    return ok;
}

static int is_digit(char c)
{
    return (unsigned)(c - '0') < 10;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static char to_lower(char c)
{
    return (unsigned)(c - 'A') < 26 ? (char)(c + ('a' - 'A')) : c;
}

static int equals(const char *s, size_t len, const char *lit)
{
    return len == strlen(lit) && memcmp(s, lit, len) == 0;
}

/* lit is lowercase. */
static int equals_nocase(const char *s, size_t len, const char *lit)
{
    if (len != strlen(lit)) return 0;
    for (size_t i = 0; i != len; ++i)
        if (to_lower(s[i]) != lit[i]) return 0;
    return 1;
}

/* ---- Names ---- */

/* The fields this file cares about; everything else is TOK_REGULAR. */
enum token {
    TOK_REGULAR,
    TOK_AUTHORITY,
    TOK_METHOD,
    TOK_PATH,
    TOK_SCHEME,
    TOK_PROTOCOL,
    TOK_STATUS,
    TOK_UNKNOWN_PSEUDO,
    TOK_CONTENT_LENGTH,
    TOK_HOST,
    TOK_TE,
    TOK_CONNECTION,
    TOK_KEEP_ALIVE,
    TOK_PROXY_CONNECTION,
    TOK_TRANSFER_ENCODING,
    TOK_UPGRADE,
};

/* By HPACK static table index (RFC 7541 Appendix A). */
static const uint8_t static_tokens[62] = {
    [1] = TOK_AUTHORITY,
    [2] = TOK_METHOD,
    [3] = TOK_METHOD,
    [4] = TOK_PATH,
    [5] = TOK_PATH,
    [6] = TOK_SCHEME,
    [7] = TOK_SCHEME,
    [8] = TOK_STATUS,
    [9] = TOK_STATUS,
    [10] = TOK_STATUS,
    [11] = TOK_STATUS,
    [12] = TOK_STATUS,
    [13] = TOK_STATUS,
    [14] = TOK_STATUS,
    [28] = TOK_CONTENT_LENGTH,
    [38] = TOK_HOST,
    [57] = TOK_TRANSFER_ENCODING,
};

#define NAME_IS(name, lit) (memcmp((name), (lit), sizeof(lit) - 1) == 0)

/* name is valid and not empty. */
static enum token lookup_name(const char *name, size_t len)
{
    switch (len) {
    case 2:
        if (NAME_IS(name, "te")) return TOK_TE;
        break;
    case 4:
        if (NAME_IS(name, "host")) return TOK_HOST;
        break;
    case 5:
        if (NAME_IS(name, ":path")) return TOK_PATH;
        break;
    case 7:
        if (NAME_IS(name, ":method")) return TOK_METHOD;
        if (NAME_IS(name, ":scheme")) return TOK_SCHEME;
        if (NAME_IS(name, ":status")) return TOK_STATUS;
        if (NAME_IS(name, "upgrade")) return TOK_UPGRADE;
        break;
    case 9:
        if (NAME_IS(name, ":protocol")) return TOK_PROTOCOL;
        break;
    case 10:
        if (NAME_IS(name, ":authority")) return TOK_AUTHORITY;
        if (NAME_IS(name, "connection")) return TOK_CONNECTION;
        if (NAME_IS(name, "keep-alive")) return TOK_KEEP_ALIVE;
        break;
    case 14:
        if (NAME_IS(name, "content-length")) return TOK_CONTENT_LENGTH;
        break;
    case 16:
        if (NAME_IS(name, "proxy-connection")) return TOK_PROXY_CONNECTION;
        break;
    case 17:
        if (NAME_IS(name, "transfer-encoding")) return TOK_TRANSFER_ENCODING;
        break;
    }
    return name[0] == ':' ? TOK_UNKNOWN_PSEUDO : TOK_REGULAR;
}

/* RFC 9113 §8.2.1: a pseudo-header's leading ':' is the only exception to token characters. */
static const char *check_name(const char *name, size_t len)
{
    if (len == 0) return "empty field name";
    size_t skip = name[0] == ':';
    if (all_in(name_chars, name + skip, len - skip)) return NULL;
    for (size_t i = 0; i != len; ++i)
        if ((unsigned)(name[i] - 'A') < 26) return "uppercase character in field name";
    return "invalid character in field name";
}

#define LANES(c) (0x0101010101010101u * (uint8_t)(c))

/* Non-zero when a byte of x is zero; exact as a yes/no answer. */
static uint64_t has_zero_byte(uint64_t x)
{
    return (x - LANES(1)) & ~x & LANES(0x80);
}

/*
 * Values are the long strings (cookies, user agents): look for NUL, CR and
 * LF eight bytes at a time, then finish with the table.
 */
static int value_bytes_ok(const char *s, size_t len)
{
    uint64_t bad = 0;
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        bad |= has_zero_byte(w) | has_zero_byte(w ^ LANES('\n')) | has_zero_byte(w ^ LANES('\r'));
    }
    return bad == 0 && all_in(value_chars, s + i, len - i);
}

/* RFC 9113 §8.2.1: no NUL, CR or LF anywhere, no SP or HTAB at either end. */
static const char *check_value(const char *value, size_t len)
{
    if (len != 0 && (is_ws(value[0]) || is_ws(value[len - 1])))
        return "leading or trailing whitespace in field value";
    if (!value_bytes_ok(value, len)) return "NUL, CR or LF in field value";
    return NULL;
}

static int fail(struct h2r_message_check *check, const char *reason)
{
    check->error = reason;
    return -1;
}

static int is_request(enum h2r_section_kind kind)
{
    return kind == H2R_SECTION_REQUEST || kind == H2R_SECTION_PUSH_PROMISE;
}

/* ---- Authorities, for matching host against :authority ---- */

enum {
    FLAG_PATH_ASTERISK = 1u << 0,
    FLAG_METHOD_OPTIONS = 1u << 1,
    FLAG_SCHEME_HTTP = 1u << 2,
    FLAG_SCHEME_HTTPS = 1u << 3,
};

struct authority_key {
    uint64_t hash; /* FNV-1a of the case-folded host */
    int32_t port;  /* -1 when absent or empty; ports past 65535 all read as 65536 */
};

/*
 * Splits host[:port] (RFC 3986 §3.2). The port is the digits after the last
 * ':', which keeps an IPv6 literal whole: "[::1]" ends with ']'.
 */
static struct authority_key authority_key(const char *s, size_t len)
{
    struct authority_key key = {14695981039346656037u, -1};
    size_t host_len = len, i = len;
    while (i != 0 && is_digit(s[i - 1])) --i;
    if (i != 0 && s[i - 1] == ':') {
        host_len = i - 1;
        if (i != len) key.port = 0;
        for (; i != len && key.port <= 65535; ++i) key.port = key.port * 10 + (s[i] - '0');
        if (key.port > 65535) key.port = 65536;
    }
    for (i = 0; i != host_len; ++i) key.hash = (key.hash ^ (uint8_t)to_lower(s[i])) * 1099511628211u;
    return key;
}

/* RFC 3986 §6.2.3: an absent or empty port means the scheme's default. */
static int32_t effective_port(const struct h2r_message_check *check, int32_t port)
{
    if (port >= 0) return port;
    if (check->flags & FLAG_SCHEME_HTTPS) return 443;
    if (check->flags & FLAG_SCHEME_HTTP) return 80;
    return -1;
}

/*
 * RFC 9113 §8.3.1: "A server SHOULD treat a request as malformed if it
 * contains a Host header field that identifies an entity that differs from
 * the entity in the ':authority' pseudo-header field", after normalising both
 * (RFC 3986 §6.2): here case, and empty or default ports. A regular field
 * comes after every pseudo-header, so :scheme is known by now.
 *
 * The host of :authority is kept as a hash, since field strings do not outlive
 * the call. Equal hosts always hash equal, so no valid request is refused; a
 * colliding host only escapes a check that a server relying on :authority, as
 * it must, does not need anyway.
 */
static int check_host(struct h2r_message_check *check, const h2r_hpack_field *field)
{
    if (!(check->pseudo_seen & H2R_PSEUDO_AUTHORITY)) return 0; /* host alone may carry it (RFC 9110 §7.2) */
    struct authority_key key = authority_key(field->value, field->value_len);
    if (key.hash != check->authority_hash ||
        effective_port(check, key.port) != effective_port(check, check->authority_port))
        return fail(check, "host differs from :authority");
    return 0;
}

/* ---- Pseudo-header values (RFC 9113 §8.3: invalid ones make the message malformed) ---- */

static const char *check_method(struct h2r_message_check *check, const char *v, size_t len)
{
    if (len == 0 || !all_in(token_chars, v, len)) return "invalid :method";
    /* Methods are case-sensitive (RFC 9110 §9.1). */
    check->is_connect = equals(v, len, "CONNECT");
    check->is_head = equals(v, len, "HEAD");
    if (equals(v, len, "OPTIONS")) check->flags |= FLAG_METHOD_OPTIONS;
    /* §8.4: safe (RFC 9110 §9.2.1) and cacheable (§9.2.3) leaves GET and HEAD. */
    if (check->kind == H2R_SECTION_PUSH_PROMISE && !check->is_head && !equals(v, len, "GET"))
        return "promised request method is not GET or HEAD";
    return NULL;
}

static const char *check_scheme(struct h2r_message_check *check, const char *v, size_t len)
{
    if (len == 0 || (unsigned)(to_lower(v[0]) - 'a') >= 26 || !all_in(scheme_chars, v, len))
        return "invalid :scheme";
    /* Schemes are case-insensitive (RFC 3986 §3.1). */
    if (equals_nocase(v, len, "http")) check->flags |= FLAG_SCHEME_HTTP;
    if (equals_nocase(v, len, "https")) check->flags |= FLAG_SCHEME_HTTPS;
    return NULL;
}

static const char *check_authority(struct h2r_message_check *check, const char *v, size_t len)
{
    /* An empty one says "no authority", which §8.3.1 expresses by leaving it out. */
    if (len == 0 || !all_in(authority_chars, v, len)) return "invalid :authority";
    struct authority_key key = authority_key(v, len);
    check->authority_hash = key.hash;
    check->authority_port = key.port;
    return NULL;
}

/* §8.3.1: the absolute-path production with an optional query, or '*' (OPTIONS only: see the end). */
static const char *check_path(struct h2r_message_check *check, const char *v, size_t len)
{
    if (len == 0) return "empty :path";
    if (!all_in(path_chars, v, len)) return "invalid :path";
    if (v[0] == '/') return NULL;
    if (len != 1 || v[0] != '*') return "invalid :path";
    check->flags |= FLAG_PATH_ASTERISK;
    return NULL;
}

/* RFC 8441 §4: a protocol name from the HTTP Upgrade Token Registry, a token. */
static const char *check_protocol(struct h2r_message_check *check, const char *v, size_t len)
{
    (void)check;
    return len != 0 && all_in(token_chars, v, len) ? NULL : "invalid :protocol";
}

/* RFC 9110 §15: three digits, 100-599 in use, up to 999 allowed. */
static const char *check_status(struct h2r_message_check *check, const char *v, size_t len)
{
    if (len != 3 || v[0] == '0' || !is_digit(v[0]) || !is_digit(v[1]) || !is_digit(v[2]))
        return "invalid :status";
    check->status = (uint16_t)((v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0'));
    /* §8.6: HTTP/2 has no 101 (Switching Protocols). */
    return check->status == 101 ? ":status 101 is not allowed in HTTP/2" : NULL;
}

static const struct pseudo_header {
    uint32_t bit;
    const char *duplicate;
    const char *misplaced; /* for the one section kind (besides trailers) where it is undefined */
    const char *(*check_value)(struct h2r_message_check *check, const char *value, size_t len);
} pseudo_headers[] = {
    [TOK_AUTHORITY] = {H2R_PSEUDO_AUTHORITY, "duplicate :authority", ":authority in a response",
                       check_authority},
    [TOK_METHOD] = {H2R_PSEUDO_METHOD, "duplicate :method", ":method in a response", check_method},
    [TOK_PATH] = {H2R_PSEUDO_PATH, "duplicate :path", ":path in a response", check_path},
    [TOK_SCHEME] = {H2R_PSEUDO_SCHEME, "duplicate :scheme", ":scheme in a response", check_scheme},
    [TOK_PROTOCOL] = {H2R_PSEUDO_PROTOCOL, "duplicate :protocol", ":protocol in a response", check_protocol},
    [TOK_STATUS] = {H2R_PSEUDO_STATUS, "duplicate :status", ":status in a request", check_status},
};

static uint32_t allowed_pseudo(const struct h2r_message_check *check)
{
    if (!is_request(check->kind)) return H2R_PSEUDO_STATUS;
    uint32_t allowed = H2R_PSEUDO_METHOD | H2R_PSEUDO_SCHEME | H2R_PSEUDO_AUTHORITY | H2R_PSEUDO_PATH;
    /* RFC 8441 §3: :protocol exists only once we have sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1. */
    return check->connect_protocol_enabled ? allowed | H2R_PSEUDO_PROTOCOL : allowed;
}

/* §8.1 (none in trailers) and §8.3 (defined for the kind, each once, all before regular fields). */
static int check_pseudo(struct h2r_message_check *check, enum token token, const h2r_hpack_field *field)
{
    if (check->kind == H2R_SECTION_TRAILERS) return fail(check, "pseudo-header in trailers");
    if (check->regular_seen) return fail(check, "pseudo-header after regular field");
    if (token == TOK_UNKNOWN_PSEUDO) return fail(check, "unknown pseudo-header");
    const struct pseudo_header *p = &pseudo_headers[token];
    if (!(allowed_pseudo(check) & p->bit))
        return fail(check, token == TOK_PROTOCOL && is_request(check->kind)
                               ? ":protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL"
                               : p->misplaced);
    if (check->pseudo_seen & p->bit) return fail(check, p->duplicate);
    check->pseudo_seen |= p->bit;
    const char *err = p->check_value(check, field->value, field->value_len);
    return err != NULL ? fail(check, err) : 0;
}

/* ---- Regular fields ---- */

/*
 * RFC 9110 §8.6: Content-Length = 1*DIGIT. A list of one value repeated
 * ("42, 42") may be taken as that value; any other list is an error.
 */
static const char *parse_content_length(const char *s, size_t len, uint64_t *out)
{
    const char *p = s, *end = s + len;
    uint64_t value = 0;
    for (size_t count = 0;; ++count) {
        const char *digits = p;
        uint64_t n = 0;
        for (; p != end && is_digit(*p); ++p) {
            unsigned d = (unsigned)(*p - '0');
            if (n > (UINT64_MAX - d) / 10) return "content-length overflow";
            n = n * 10 + d;
        }
        if (p == digits) return "invalid content-length";
        if (count != 0 && n != value) return "conflicting content-length values";
        value = n;
        while (p != end && is_ws(*p)) ++p;
        if (p == end) break;
        if (*p++ != ',') return "invalid content-length";
        while (p != end && is_ws(*p)) ++p;
    }
    *out = value;
    return NULL;
}

/* Several content-length fields are one list (RFC 9110 §5.3), so the same rule holds across them. */
static int check_content_length(struct h2r_message_check *check, const h2r_hpack_field *field)
{
    uint64_t n;
    const char *err = parse_content_length(field->value, field->value_len, &n);
    if (err != NULL) return fail(check, err);
    if (check->has_content_length && n != check->content_length)
        return fail(check, "conflicting content-length values");
    check->has_content_length = 1;
    check->content_length = n;
    return 0;
}

static int check_regular(struct h2r_message_check *check, enum token token, const h2r_hpack_field *field)
{
    check->regular_seen = 1;
    switch (token) {
    /*
     * In trailers content-length and host mean nothing: they can neither
     * frame the content nor route the request (RFC 9110 §6.5.1).
     */
    case TOK_CONTENT_LENGTH:
        return check->kind == H2R_SECTION_TRAILERS ? 0 : check_content_length(check, field);
    case TOK_HOST: return is_request(check->kind) ? check_host(check, field) : 0;
    /* §8.2.2: te is the one connection-specific field allowed, and only as "trailers" (case-insensitive). */
    case TOK_TE:
        return equals_nocase(field->value, field->value_len, "trailers")
                   ? 0
                   : fail(check, "te other than 'trailers'");
    case TOK_CONNECTION: return fail(check, "connection-specific field 'connection'");
    case TOK_KEEP_ALIVE: return fail(check, "connection-specific field 'keep-alive'");
    case TOK_PROXY_CONNECTION: return fail(check, "connection-specific field 'proxy-connection'");
    case TOK_TRANSFER_ENCODING: return fail(check, "connection-specific field 'transfer-encoding'");
    case TOK_UPGRADE: return fail(check, "connection-specific field 'upgrade'");
    default: return 0;
    }
}

/* ---- The API ---- */

void h2r_message_check_init(struct h2r_message_check *check, enum h2r_section_kind kind,
                            int connect_protocol_enabled)
{
    *check = (struct h2r_message_check){
        .kind = kind,
        .connect_protocol_enabled = connect_protocol_enabled != 0,
        .authority_port = -1,
    };
}

int h2r_message_check_field(struct h2r_message_check *check, const h2r_hpack_field *field)
{
    if (check->error != NULL) return -1;
    enum token token;
    const char *err;
    if (field->static_name_index - 1u < 61u) {
        /* An index 1..61: names from the static table are valid lowercase tokens, skip the scan. */
        token = static_tokens[field->static_name_index];
    } else {
        if ((err = check_name(field->name, field->name_len)) != NULL) return fail(check, err);
        token = lookup_name(field->name, field->name_len);
    }
    if ((err = check_value(field->value, field->value_len)) != NULL) return fail(check, err);
    if (token >= TOK_AUTHORITY && token <= TOK_UNKNOWN_PSEUDO) return check_pseudo(check, token, field);
    return check_regular(check, token, field);
}

/* §8.3.1 for every request but CONNECT: exactly one valid :method, :scheme and :path. */
static const char *check_regular_request(const struct h2r_message_check *check)
{
    if (!(check->pseudo_seen & H2R_PSEUDO_METHOD)) return "missing :method";
    if (!(check->pseudo_seen & H2R_PSEUDO_SCHEME)) return "missing :scheme";
    if (!(check->pseudo_seen & H2R_PSEUDO_PATH)) return "missing :path";
    /* §8.3.1: asterisk form is for OPTIONS (RFC 9110 §7.1). */
    if ((check->flags & FLAG_PATH_ASTERISK) && !(check->flags & FLAG_METHOD_OPTIONS))
        return ":path '*' without OPTIONS";
    return NULL;
}

/* §8.5 and RFC 9110 §9.3.6: a tunnel to the host and port in :authority, nothing else. */
static const char *check_connect(const struct h2r_message_check *check)
{
    if (!(check->pseudo_seen & H2R_PSEUDO_AUTHORITY)) return "CONNECT without :authority";
    if (check->pseudo_seen & (H2R_PSEUDO_SCHEME | H2R_PSEUDO_PATH)) return "CONNECT with :scheme or :path";
    /* RFC 9110 §9.3.6: "There is no default port"; an empty or invalid one is to be rejected. */
    if (check->authority_port <= 0 || check->authority_port > 65535) return "CONNECT without a valid port";
    return NULL;
}

static const char *check_request_end(const struct h2r_message_check *check)
{
    if (check->pseudo_seen & H2R_PSEUDO_PROTOCOL) {
        /* RFC 8441 §4: :method CONNECT, plus :scheme, :path and (as for any CONNECT) :authority. */
        if (!check->is_connect) return ":protocol without CONNECT";
        if (!(check->pseudo_seen & H2R_PSEUDO_AUTHORITY)) return "extended CONNECT without :authority";
        return check_regular_request(check);
    }
    return check->is_connect ? check_connect(check) : check_regular_request(check);
}

/* §8.4: a promised request names an authority and cannot have content (GET/HEAD is checked per field). */
static const char *check_promise_end(const struct h2r_message_check *check)
{
    if (!(check->pseudo_seen & H2R_PSEUDO_AUTHORITY)) return "promised request without :authority";
    if (check->has_content_length && check->content_length != 0) return "promised request with content";
    return NULL;
}

int h2r_message_check_end(struct h2r_message_check *check)
{
    if (check->error != NULL) return -1;
    const char *err = NULL;
    switch (check->kind) {
    case H2R_SECTION_REQUEST: err = check_request_end(check); break;
    case H2R_SECTION_PUSH_PROMISE:
        if ((err = check_request_end(check)) == NULL) err = check_promise_end(check);
        break;
    case H2R_SECTION_RESPONSE:
        if (!(check->pseudo_seen & H2R_PSEUDO_STATUS)) err = "missing :status"; /* §8.3.2 */
        break;
    case H2R_SECTION_TRAILERS: break;
    }
    return err != NULL ? fail(check, err) : 0;
}

/*
 * The per-field rules only: the session fills in pseudo-headers the
 * application may leave out (:status, :method, ...), so presence is not
 * checked. :protocol is accepted in a request; whether the peer allows it is
 * the session's to know.
 */
const char *h2r_message_check_outgoing(const h2r_hpack_field *fields, size_t count,
                                       enum h2r_section_kind kind)
{
    struct h2r_message_check check;
    h2r_message_check_init(&check, kind, kind == H2R_SECTION_REQUEST);
    for (size_t i = 0; i != count; ++i)
        if (h2r_message_check_field(&check, &fields[i]) != 0) return check.error;
    return NULL;
}

/* ---- header lists ---- */

const h2r_hpack_field *h2r_find_header(const h2r_hpack_field *headers, size_t count, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == len && memcmp(headers[i].name, name, len) == 0) return &headers[i];
    return NULL;
}
