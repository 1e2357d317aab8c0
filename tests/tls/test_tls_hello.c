/*
 * The ClientHello scan (io/tls_hello.c) on hellos built here field by field:
 * server name and ALPN found, every prefix a wait for more, other bytes
 * refused, and lengths that do not add up never read past what encloses
 * them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_hello.h"

struct buf {
    uint8_t data[H2R_TLS_HELLO_MAX + 64];
    size_t len;
};

static void put(struct buf *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_u8(struct buf *b, unsigned v)
{
    b->data[b->len++] = (uint8_t)v;
}

static void put_u16(struct buf *b, unsigned v)
{
    put_u8(b, v >> 8);
    put_u8(b, v & 0xff);
}

/* Writes the 16-bit length of what was put since `at` (where two bytes were reserved). */
static void patch_u16(struct buf *b, size_t at)
{
    size_t n = b->len - at - 2;
    b->data[at] = (uint8_t)(n >> 8);
    b->data[at + 1] = (uint8_t)n;
}

/*
 * A ClientHello record: SNI host_name `sni` (NULL: no extension), ALPN
 * names `alpn` as "h2,http/1.1" (NULL: no extension), and `pad` bytes of
 * an unknown extension first.
 */
static void hello(struct buf *b, const char *sni, const char *alpn, size_t pad)
{
    b->len = 0;
    put_u8(b, 22); /* handshake */
    put_u16(b, 0x0301);
    size_t record = b->len;
    put_u16(b, 0);
    put_u8(b, 1); /* ClientHello */
    size_t handshake = b->len;
    put_u8(b, 0);
    put_u16(b, 0);
    put_u16(b, 0x0303);
    for (int i = 0; i != 32; ++i) put_u8(b, (unsigned)i);
    put_u8(b, 32);
    for (int i = 0; i != 32; ++i) put_u8(b, 0xAA);
    put_u16(b, 4);
    put_u16(b, 0x1301);
    put_u16(b, 0xC02B);
    put_u8(b, 1);
    put_u8(b, 0);
    size_t extensions = b->len;
    put_u16(b, 0);
    if (pad) {
        put_u16(b, 0x7A7A);
        put_u16(b, (unsigned)pad);
        for (size_t i = 0; i != pad; ++i) put_u8(b, 0);
    }
    if (sni) {
        put_u16(b, 0);
        size_t ext = b->len;
        put_u16(b, 0);
        size_t list = b->len;
        put_u16(b, 0);
        put_u8(b, 0);
        put_u16(b, (unsigned)strlen(sni));
        put(b, sni, strlen(sni));
        patch_u16(b, list);
        patch_u16(b, ext);
    }
    if (alpn) {
        put_u16(b, 16);
        size_t ext = b->len;
        put_u16(b, 0);
        size_t list = b->len;
        put_u16(b, 0);
        for (const char *p = alpn; *p;) {
            const char *end = strchr(p, ',');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            put_u8(b, (unsigned)n);
            put(b, p, n);
            p += n + (end ? 1 : 0);
        }
        patch_u16(b, list);
        patch_u16(b, ext);
    }
    patch_u16(b, extensions);
    size_t body = b->len - handshake - 3;
    b->data[handshake] = (uint8_t)(body >> 16);
    b->data[handshake + 1] = (uint8_t)(body >> 8);
    b->data[handshake + 2] = (uint8_t)body;
    patch_u16(b, record);
}

/*
 * Scans a copy of exactly n bytes, so that ASan catches a read past them;
 * *name_inside: any server name found lies within them.
 */
static enum h2r_tls_hello_result scan_exact(const uint8_t *data, size_t n, struct h2r_tls_hello *h,
                                            int *name_inside)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy) abort();
    memcpy(copy, data, n);
    enum h2r_tls_hello_result r = h2r_tls_scan_hello(copy, n, h);
    *name_inside =
        !h->server_name || (h->server_name >= copy && h->server_name + h->server_name_len <= copy + n);
    free(copy);
    return r;
}

static void test_fields(void)
{
    struct buf b;
    struct h2r_tls_hello h;
    hello(&b, "example.test", "http/1.1,h2", 0);
    CHECK(h2r_tls_scan_hello(b.data, b.len, &h) == H2R_TLS_HELLO_OK);
    CHECK(h.server_name && h.server_name_len == 12 && memcmp(h.server_name, "example.test", 12) == 0);
    CHECK(h.server_name >= b.data && h.server_name + h.server_name_len <= b.data + b.len);
    CHECK(h.offers_alpn && h.offers_h2 && h.offers_http1);

    hello(&b, NULL, "spdy/3,foo", 300);
    CHECK(h2r_tls_scan_hello(b.data, b.len, &h) == H2R_TLS_HELLO_OK);
    CHECK(!h.server_name && h.offers_alpn && !h.offers_h2 && !h.offers_http1);

    hello(&b, "a", NULL, 0);
    CHECK(h2r_tls_scan_hello(b.data, b.len, &h) == H2R_TLS_HELLO_OK);
    CHECK(h.server_name_len == 1 && !h.offers_alpn);

    /* "h2c" and "http/1.10" are other protocols, not prefixes of ours. */
    hello(&b, NULL, "h2c,http/1.10,h", 0);
    CHECK(h2r_tls_scan_hello(b.data, b.len, &h) == H2R_TLS_HELLO_OK);
    CHECK(h.offers_alpn && !h.offers_h2 && !h.offers_http1);

    /* Bytes after the record (the client's next flight) change nothing. */
    hello(&b, "x.test", "h2", 0);
    size_t len = b.len;
    put(&b, "\x14\x03\x03\x00\x01\x01", 6);
    CHECK(h2r_tls_scan_hello(b.data, b.len, &h) == H2R_TLS_HELLO_OK && h.offers_h2);
    CHECK(h2r_tls_scan_hello(b.data, len, &h) == H2R_TLS_HELLO_OK);
}

static void test_prefixes(void)
{
    struct buf b;
    struct h2r_tls_hello h;
    hello(&b, "example.test", "h2,http/1.1", 1000);
    int all_wait = 1;
    int inside;
    for (size_t n = 0; n != b.len; ++n)
        all_wait &= scan_exact(b.data, n, &h, &inside) == H2R_TLS_HELLO_NEED_MORE;
    CHECK_MSG(all_wait, "every one of the %zu prefixes waits for more", b.len);
}

static void test_not_tls(void)
{
    struct h2r_tls_hello h;
    const char *texts[] = {"GET / HTTP/1.1\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "\x16\x02",
                           "\x17\x03\x03"};
    for (size_t i = 0; i != sizeof(texts) / sizeof(texts[0]); ++i)
        CHECK_MSG(h2r_tls_scan_hello((const uint8_t *)texts[i], strlen(texts[i]), &h) ==
                      H2R_TLS_HELLO_NOT_TLS,
                  "not TLS: text %zu", i);
    /* A record of no bytes, or longer than TLS allows. */
    CHECK(h2r_tls_scan_hello((const uint8_t *)"\x16\x03\x01\x00\x00", 5, &h) == H2R_TLS_HELLO_NOT_TLS);
    CHECK(h2r_tls_scan_hello((const uint8_t *)"\x16\x03\x01\x40\x01", 5, &h) == H2R_TLS_HELLO_NOT_TLS);
}

static void test_unreadable(void)
{
    struct buf b;
    struct h2r_tls_hello h;
    /* A handshake message longer than its record: it continues in the next one. */
    hello(&b, "example.test", "h2", 0);
    b.data[6] = 0x01;
    CHECK(h2r_tls_scan_hello(b.data, b.len, &h) == H2R_TLS_HELLO_UNREADABLE && !h.server_name);
    /* Not a ClientHello. */
    hello(&b, NULL, NULL, 0);
    b.data[5] = 2;
    CHECK(h2r_tls_scan_hello(b.data, b.len, &h) == H2R_TLS_HELLO_UNREADABLE);

    /* Every length byte of the hello made larger by one: never read past the record, never OK with a name
     * outside it. */
    hello(&b, "example.test", "h2,http/1.1", 0);
    int bounded = 1;
    for (size_t i = 5; i != b.len; ++i) {
        struct buf m = b;
        m.data[i] = (uint8_t)(m.data[i] + 1);
        int inside;
        enum h2r_tls_hello_result r = scan_exact(m.data, m.len, &h, &inside);
        bounded &= inside && (r == H2R_TLS_HELLO_OK || r == H2R_TLS_HELLO_UNREADABLE);
    }
    CHECK_MSG(bounded, "every byte of the hello changed: OK within bounds, or unreadable");
}

int main(void)
{
    test_fields();
    test_prefixes();
    test_not_tls();
    test_unreadable();
    return check_done();
}
