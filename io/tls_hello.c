/*
 * ClientHello scanning (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): every length
 * is checked against what encloses it before anything is read.
 */
#include <string.h>

#include "tls_hello.h"

#define RECORD_HANDSHAKE       22
#define HANDSHAKE_CLIENT_HELLO 1
#define EXT_SERVER_NAME        0
#define EXT_ALPN               16
#define SNI_HOST_NAME          0

/* A bounded reader: every take fails once past the end, and so does everything after it. */
struct reader {
    const uint8_t *p, *end;
};

static int take(struct reader *r, size_t n, const uint8_t **out)
{
    if ((size_t)(r->end - r->p) < n) return -1;
    if (out) *out = r->p;
    r->p += n;
    return 0;
}

static int take_u8(struct reader *r, size_t *v)
{
    const uint8_t *b;
    if (take(r, 1, &b)) return -1;
    *v = b[0];
    return 0;
}

static int take_u16(struct reader *r, size_t *v)
{
    const uint8_t *b;
    if (take(r, 2, &b)) return -1;
    *v = (size_t)b[0] << 8 | b[1];
    return 0;
}

/* A sub-reader over the next vector whose length takes width bytes. */
static int take_vector(struct reader *r, int width, struct reader *sub)
{
    size_t len;
    if ((width == 1 ? take_u8(r, &len) : take_u16(r, &len)) != 0) return -1;
    const uint8_t *start;
    if (take(r, len, &start)) return -1;
    *sub = (struct reader){start, start + len};
    return 0;
}

static int scan_server_name(struct reader ext, struct h2r_tls_hello *hello)
{
    struct reader list;
    if (take_vector(&ext, 2, &list)) return -1;
    while (list.p != list.end) {
        size_t type;
        struct reader name;
        if (take_u8(&list, &type) || take_vector(&list, 2, &name)) return -1;
        if (type == SNI_HOST_NAME && !hello->server_name && name.p != name.end) {
            hello->server_name = name.p;
            hello->server_name_len = (size_t)(name.end - name.p);
        }
    }
    return 0;
}

static int scan_alpn(struct reader ext, struct h2r_tls_hello *hello)
{
    struct reader list;
    if (take_vector(&ext, 2, &list)) return -1;
    hello->offers_alpn = 1;
    while (list.p != list.end) {
        struct reader name;
        if (take_vector(&list, 1, &name)) return -1;
        size_t len = (size_t)(name.end - name.p);
        if (len == 2 && memcmp(name.p, "h2", 2) == 0) hello->offers_h2 = 1;
        if (len == 8 && memcmp(name.p, "http/1.1", 8) == 0) hello->offers_http1 = 1;
    }
    return 0;
}

static int scan_body(struct reader body, struct h2r_tls_hello *hello)
{
    struct reader skip, extensions;
    /* legacy_version, random, legacy_session_id, cipher_suites, legacy_compression_methods */
    if (take(&body, 2 + 32, NULL) || take_vector(&body, 1, &skip) || take_vector(&body, 2, &skip) ||
        take_vector(&body, 1, &skip))
        return -1;
    if (body.p == body.end) return 0; /* no extensions: an old client, neither SNI nor ALPN */
    if (take_vector(&body, 2, &extensions)) return -1;
    while (extensions.p != extensions.end) {
        size_t type;
        struct reader ext;
        if (take_u16(&extensions, &type) || take_vector(&extensions, 2, &ext)) return -1;
        if (type == EXT_SERVER_NAME && scan_server_name(ext, hello)) return -1;
        if (type == EXT_ALPN && scan_alpn(ext, hello)) return -1;
    }
    return 0;
}

enum h2r_tls_hello_result h2r_tls_scan_hello(const uint8_t *data, size_t len, struct h2r_tls_hello *hello)
{
    memset(hello, 0, sizeof(*hello));
    /* A record starts with its type and a 3.x version: anything else is no TLS client. */
    if (len >= 1 && data[0] != RECORD_HANDSHAKE) return H2R_TLS_HELLO_NOT_TLS;
    if (len >= 2 && data[1] != 3) return H2R_TLS_HELLO_NOT_TLS;
    if (len < 5) return H2R_TLS_HELLO_NEED_MORE;
    size_t record_len = (size_t)data[3] << 8 | data[4];
    if (record_len == 0 || record_len > 16384) return H2R_TLS_HELLO_NOT_TLS;
    if (len < 5 + record_len) return H2R_TLS_HELLO_NEED_MORE;

    struct reader record = {data + 5, data + 5 + record_len};
    size_t type, hi, lo;
    if (take_u8(&record, &type) || type != HANDSHAKE_CLIENT_HELLO || take_u8(&record, &hi) ||
        take_u16(&record, &lo))
        return H2R_TLS_HELLO_UNREADABLE;
    size_t body_len = hi << 16 | lo;
    const uint8_t *body;
    if (take(&record, body_len, &body)) return H2R_TLS_HELLO_UNREADABLE; /* continues in another record */
    if (scan_body((struct reader){body, body + body_len}, hello) != 0) {
        memset(hello, 0, sizeof(*hello));
        return H2R_TLS_HELLO_UNREADABLE;
    }
    return H2R_TLS_HELLO_OK;
}
