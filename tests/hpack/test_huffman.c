/*
 * The Huffman code and the static table: RFC 7541 Appendix C strings, round
 * trips, every decoding error, and a comparison of the table-driven decoder
 * with a bit-at-a-time one on valid, damaged and random input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "h2ring/hpack.h"
#include "huffman.h"
#include "huffman_table.h"
#include "static_table.h"

/* Inputs and outputs live in buffers of their exact size, so that AddressSanitizer sees any overrun. */
static uint8_t *dup_exact(const void *p, size_t len)
{
    uint8_t *q = malloc(len ? len : 1);
    memcpy(q, p, len);
    return q;
}

static ssize_t decode_exact(const uint8_t *src, size_t len, uint8_t **out)
{
    uint8_t *in = dup_exact(src, len);
    *out = malloc(H2R_HPACK_HUFFMAN_DECODED_MAX(len));
    ssize_t n = h2r_hpack_huffman_decode(*out, in, len);
    free(in);
    return n;
}

static size_t encode_exact(const uint8_t *src, size_t len, uint8_t **out)
{
    uint8_t *in = dup_exact(src, len);
    size_t cap = h2r_hpack_huffman_encoded_len(in, len);
    *out = malloc(cap ? cap : 1);
    size_t n = h2r_hpack_huffman_encode(*out, in, len);
    free(in);
    return n == cap ? n : (size_t)-1;
}

static size_t unhex(uint8_t *dst, const char *hex)
{
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned byte;
        sscanf(hex, "%2x", &byte);
        dst[n++] = (uint8_t)byte;
    }
    return n;
}

static void test_rfc_examples(void)
{
    /* The Huffman-coded literals of Appendix C.4 and C.6. */
    static const struct {
        const char *text, *hex;
    } examples[] = {
        {"www.example.com", "f1e3c2e5f23a6ba0ab90f4ff"},
        {"no-cache", "a8eb10649cbf"},
        {"custom-key", "25a849e95ba97d7f"},
        {"custom-value", "25a849e95bb8e8b4bf"},
        {"302", "6402"},
        {"307", "640eff"},
        {"private", "aec3771a4b"},
        {"Mon, 21 Oct 2013 20:13:21 GMT", "d07abe941054d444a8200595040b8166e082a62d1bff"},
        {"Mon, 21 Oct 2013 20:13:22 GMT", "d07abe941054d444a8200595040b8166e084a62d1bff"},
        {"https://www.example.com", "9d29ad171863c78f0b97c8e9ae82ae43d3"},
        {"gzip", "9bd9ab"},
        {"foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
         "94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007"},
    };

    for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); ++i) {
        const uint8_t *text = (const uint8_t *)examples[i].text;
        size_t text_len = strlen(examples[i].text);
        uint8_t code[64], *out;
        size_t code_len = unhex(code, examples[i].hex);

        CHECK_MSG(h2r_hpack_huffman_encoded_len(text, text_len) == code_len, "encoded_len(\"%s\") is %zu",
                  examples[i].text, code_len);
        size_t n = encode_exact(text, text_len, &out);
        CHECK_MSG(n == code_len && memcmp(out, code, n) == 0, "encode(\"%s\") is %s", examples[i].text,
                  examples[i].hex);
        free(out);
        ssize_t m = decode_exact(code, code_len, &out);
        CHECK_MSG(m == (ssize_t)text_len && memcmp(out, text, text_len) == 0, "decode(%s) is \"%s\"",
                  examples[i].hex, examples[i].text);
        free(out);
    }
}

static void test_empty(void)
{
    uint8_t buf[1] = {0xaa}, *out;

    CHECK(h2r_hpack_huffman_encoded_len(buf, 0) == 0);
    CHECK(h2r_hpack_huffman_encode(buf, buf, 0) == 0 && buf[0] == 0xaa);
    CHECK(decode_exact(buf, 0, &out) == 0);
    free(out);
}

/* A round trip that also checks encoded_len; returns 0 on success. */
static int round_trip(const uint8_t *src, size_t len)
{
    uint8_t *code, *out;
    size_t n = encode_exact(src, len, &code);
    if (n == (size_t)-1) {
        free(code);
        return -1;
    }
    ssize_t m = decode_exact(code, n, &out);
    int ok = m == (ssize_t)len && memcmp(out, src, len) == 0;
    free(code);
    free(out);
    return ok ? 0 : -1;
}

static void test_all_bytes(void)
{
    uint8_t all[256], one;
    int failed = 0;

    for (unsigned i = 0; i < 256; ++i) {
        one = (uint8_t)i;
        all[i] = (uint8_t)i;
        size_t expect = (h2r_huff_codes[i].len + 7u) / 8;
        failed += h2r_hpack_huffman_encoded_len(&one, 1) != expect || round_trip(&one, 1) != 0;
    }
    CHECK_MSG(failed == 0, "each byte alone round-trips, with the right encoded_len (%d failed)", failed);
    CHECK_MSG(round_trip(all, 256) == 0, "all 256 byte values in order round-trip");
    for (unsigned i = 0; i < 256; ++i) all[i] = (uint8_t)(255 - i);
    CHECK_MSG(round_trip(all, 256) == 0, "all 256 byte values in reverse round-trip");
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

/* xorshift64*: a fixed seed, so that a failure can be reproduced. */
static uint32_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void random_text(uint8_t *buf, size_t len, int kind)
{
    static const char header_chars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:;=?&%, ";
    for (size_t i = 0; i < len; ++i) {
        switch (kind) {
        case 0: buf[i] = (uint8_t)rnd(); break;
        case 1: buf[i] = (uint8_t)header_chars[rnd() % (sizeof(header_chars) - 1)]; break;
        case 2: buf[i] = "012aceiost"[rnd() % 10]; break; /* only 5-bit codes: the most output per input */
        default: buf[i] = (uint8_t)(rnd() % 3 == 0 ? 128 + rnd() % 128 : 'a' + rnd() % 26); break;
        }
    }
}

static void test_random_round_trips(void)
{
    static uint8_t buf[5000];
    int failed = 0;

    for (int kind = 0; kind < 4; ++kind) {
        for (size_t len = 0; len <= 300; ++len) {
            for (int rep = 0; rep < 4; ++rep) {
                random_text(buf, len, kind);
                failed += round_trip(buf, len) != 0;
            }
        }
        for (size_t len = 301; len <= sizeof(buf); len += 97) {
            random_text(buf, len, kind);
            failed += round_trip(buf, len) != 0;
        }
    }
    CHECK_MSG(failed == 0, "random strings of 0 to 5000 bytes round-trip (%d failed)", failed);
}

/* Builds bit strings from codes, for hand-made valid and invalid input. */
struct bit_writer {
    uint8_t buf[64];
    size_t bits;
};

static void put_bits(struct bit_writer *w, uint32_t code, unsigned len)
{
    while (len--) {
        if (code >> len & 1) w->buf[w->bits / 8] |= (uint8_t)(0x80 >> w->bits % 8);
        ++w->bits;
    }
}

static void put_sym(struct bit_writer *w, unsigned sym)
{
    put_bits(w, h2r_huff_codes[sym].code, h2r_huff_codes[sym].len);
}

static size_t pad_ones(struct bit_writer *w)
{
    while (w->bits % 8) put_bits(w, 1, 1);
    return w->bits / 8;
}

static int decodes_to_error(const uint8_t *src, size_t len)
{
    uint8_t *out;
    ssize_t n = decode_exact(src, len, &out);
    free(out);
    return n == H2R_HPACK_ERR_HUFFMAN;
}

static void test_errors(void)
{
    struct bit_writer w;
    uint8_t code[64];
    size_t n;

    /* EOS, alone or among other symbols, whatever follows it. */
    memset(&w, 0, sizeof(w));
    put_sym(&w, H2R_HUFF_EOS);
    CHECK_MSG(decodes_to_error(w.buf, pad_ones(&w)), "EOS alone is an error");
    memset(&w, 0, sizeof(w));
    put_sym(&w, 'a');
    put_sym(&w, H2R_HUFF_EOS);
    CHECK_MSG(decodes_to_error(w.buf, pad_ones(&w)), "EOS after a symbol is an error");
    memset(&w, 0, sizeof(w));
    for (int i = 0; i < 12; ++i) put_sym(&w, 'e'); /* EOS past the unchecked fast path */
    put_sym(&w, H2R_HUFF_EOS);
    put_sym(&w, '0');
    put_sym(&w, 'a');
    CHECK_MSG(decodes_to_error(w.buf, pad_ones(&w)), "EOS between symbols is an error");

    /* Padding of 8 bits or more, even all ones. */
    CHECK_MSG(decodes_to_error((const uint8_t *)"\xff", 1), "one byte of ones is an error");
    CHECK_MSG(decodes_to_error((const uint8_t *)"\xff\xff\xff", 3), "three bytes of ones are an error");
    CHECK_MSG(decodes_to_error((const uint8_t *)"\x1f\xff", 2), "'a' and 11 bits of ones is an error");
    n = unhex(code, "f1e3c2e5f23a6ba0ab90f4ff");
    code[n++] = 0xff;
    CHECK_MSG(decodes_to_error(code, n), "an extra byte of ones is an error");
    memset(&w, 0, sizeof(w));
    for (int i = 0; i < 5; ++i) put_sym(&w, 'a');
    put_bits(&w, 0x7f, 7);
    CHECK_MSG(w.bits == 32 && !decodes_to_error(w.buf, 4), "five 5-bit codes and 7 bits of ones is fine");
    memset(&w, 0, sizeof(w));
    for (int i = 0; i < 8; ++i) put_sym(&w, 'a');
    put_bits(&w, 0xff, 8);
    CHECK_MSG(w.bits == 48 && decodes_to_error(w.buf, 6), "eight 5-bit codes and 8 bits of ones is an error");

    /* Padding with a zero bit in it. */
    CHECK_MSG(decodes_to_error((const uint8_t *)"\x1e", 1), "'a' then padding 110 is an error");
    CHECK_MSG(decodes_to_error((const uint8_t *)"\x18", 1), "'a' then padding 000 is an error");
    int bad = 0;
    for (unsigned sym = 0; sym < 256; ++sym) {
        memset(&w, 0, sizeof(w));
        put_sym(&w, sym);
        if (w.bits % 8 == 0) put_sym(&w, 'a'); /* make room for padding */
        n = pad_ones(&w);
        w.buf[n - 1] &= 0xfe; /* 1..10, 1..110, 1..1110: never a code */
        bad += !decodes_to_error(w.buf, n);
    }
    CHECK_MSG(bad == 0, "a zero last padding bit is an error after any symbol (%d accepted)", bad);

    /* A long code cut short: what is left is either too long or not all ones. */
    memset(&w, 0, sizeof(w));
    put_sym(&w, 2); /* 0xfffffe2, 28 bits */
    CHECK_MSG(decodes_to_error(w.buf, 3), "28-bit code cut to 24 bits is an error");
    memset(&w, 0, sizeof(w));
    put_sym(&w, '0');
    put_sym(&w, '0');
    put_sym(&w, '0');
    put_sym(&w, 0); /* 0x1ff8, 13 bits */
    CHECK_MSG(decodes_to_error(w.buf, 3), "13-bit code cut to 9 bits is an error");
    CHECK_MSG(!decodes_to_error(w.buf, 2), "13-bit code cut to its first bit is valid padding");
    n = unhex(code, "d07abe941054d444a8200595040b8166e082a62d1bff");
    CHECK_MSG(decodes_to_error(code, n - 1), "truncated Appendix C date is an error");
}

/*
 * The reference: a walk down the code tree, one bit at a time, applying
 * RFC 7541 §5.2 literally.
 */
static int16_t tree[512][2]; /* child node, or -1 - symbol for a leaf; 0 = none */
static int tree_nodes = 1;

static void build_tree(void)
{
    for (unsigned sym = 0; sym <= H2R_HUFF_EOS; ++sym) {
        int node = 0;
        for (unsigned i = h2r_huff_codes[sym].len; i-- > 0;) {
            int bit = h2r_huff_codes[sym].code >> i & 1;
            if (i == 0) {
                tree[node][bit] = (int16_t)(-1 - (int)sym);
            } else {
                if (tree[node][bit] == 0) tree[node][bit] = (int16_t)tree_nodes++;
                node = tree[node][bit];
            }
        }
    }
}

static ssize_t reference_decode(uint8_t *dst, const uint8_t *src, size_t len)
{
    size_t out = 0;
    int node = 0, depth = 0, all_ones = 1;

    for (size_t i = 0; i < len * 8; ++i) {
        int bit = src[i / 8] >> (7 - i % 8) & 1, next = tree[node][bit];
        all_ones &= bit;
        ++depth;
        if (next >= 0) {
            node = next;
            continue;
        }
        if (-1 - next == H2R_HUFF_EOS) return H2R_HPACK_ERR_HUFFMAN;
        dst[out++] = (uint8_t)(-1 - next);
        node = depth = 0;
        all_ones = 1;
    }
    return depth > 7 || !all_ones ? H2R_HPACK_ERR_HUFFMAN : (ssize_t)out;
}

static int same_as_reference(const uint8_t *src, size_t len)
{
    static uint8_t expect[H2R_HPACK_HUFFMAN_DECODED_MAX(256)];
    uint8_t *out;
    ssize_t want = reference_decode(expect, src, len), got = decode_exact(src, len, &out);
    int same = got == want && (got < 0 || memcmp(out, expect, (size_t)got) == 0);
    free(out);
    return same;
}

static void test_against_reference(void)
{
    uint8_t text[160], code[256];
    int mismatches = 0, errors = 0, valid = 0;

    build_tree();
    CHECK_MSG(tree_nodes == 256, "the code tree has 256 inner nodes (%d)", tree_nodes);

    /* Random bytes: mostly errors, from every part of the decoder. */
    for (int i = 0; i < 100000; ++i) {
        size_t len = rnd() % 40;
        for (size_t j = 0; j < len; ++j) code[j] = (uint8_t)rnd();
        if (rnd() % 2) {
            /* Ones at the end make long codes, EOS and valid padding likelier. */
            for (size_t j = len - len / 3; j < len; ++j) code[j] |= (uint8_t)rnd() | 0xf0;
        }
        mismatches += !same_as_reference(code, len);
    }
    CHECK_MSG(mismatches == 0, "random bytes decode as the reference does (%d mismatches)", mismatches);

    /* Valid strings, then damaged: a bit flipped, cut short, or bytes added. */
    mismatches = 0;
    for (int i = 0; i < 100000; ++i) {
        size_t len = rnd() % sizeof(text);
        random_text(text, len, i % 4);
        size_t n = h2r_hpack_huffman_encoded_len(text, len);
        if (n > sizeof(code) - 2) continue;
        h2r_hpack_huffman_encode(code, text, len);
        switch (i % 5) {
        case 0: break;
        case 1:
            if (n) code[rnd() % n] ^= (uint8_t)(1u << rnd() % 8);
            break;
        case 2: n -= n ? rnd() % n : 0; break;
        case 3: code[n++] = (uint8_t)rnd(); break;
        default:
            code[n++] = 0xff;
            code[n++] = (uint8_t)(rnd() | 0xfe);
            break;
        }
        int same = same_as_reference(code, n);
        mismatches += !same;
        if (same) {
            uint8_t scratch[H2R_HPACK_HUFFMAN_DECODED_MAX(256)];
            if (reference_decode(scratch, code, n) < 0)
                ++errors;
            else
                ++valid;
        }
    }
    CHECK_MSG(mismatches == 0, "damaged strings decode as the reference does (%d mismatches)", mismatches);
    CHECK_MSG(errors > 10000 && valid > 10000, "both outcomes were exercised (%d errors, %d valid)", errors,
              valid);
}

static void test_static_table(void)
{
    int bad_name = 0, bad_full = 0, bad_lens = 0;

    for (unsigned i = 1; i <= H2R_HPACK_STATIC_COUNT; ++i) {
        const struct h2r_hpack_static_entry *e = &h2r_hpack_static_table[i];
        unsigned first = i, full = 99;
        while (first > 1 && strcmp(h2r_hpack_static_table[first - 1].name, e->name) == 0) --first;
        bad_lens += strlen(e->name) != e->name_len || strlen(e->value) != e->value_len;
        bad_name += h2r_hpack_static_find(e->name, e->name_len, NULL, 0, NULL) != first;
        bad_name += h2r_hpack_static_find(e->name, e->name_len, e->value, e->value_len, &full) != first;
        bad_full += full != i;
    }
    CHECK_MSG(bad_lens == 0, "static entries' lengths match their strings");
    CHECK_MSG(bad_name == 0, "each static name is found at its first index (%d wrong)", bad_name);
    CHECK_MSG(bad_full == 0, "each static name and value is found at its index (%d wrong)", bad_full);
    CHECK(strcmp(h2r_hpack_static_table[1].name, ":authority") == 0);
    CHECK(strcmp(h2r_hpack_static_table[61].name, "www-authenticate") == 0);

    unsigned full = 99;
    CHECK(h2r_hpack_static_find(":method", 7, "PUT", 3, &full) == 2 && full == 0);
    CHECK(h2r_hpack_static_find(":method", 7, "POST", 4, &full) == 2 && full == 3);
    CHECK(h2r_hpack_static_find(":status", 7, "500", 3, &full) == 8 && full == 14);
    CHECK(h2r_hpack_static_find(":status", 7, "50", 2, &full) == 8 && full == 0);
    CHECK(h2r_hpack_static_find("accept-encoding", 15, "gzip, deflate", 13, &full) == 16 && full == 16);
    CHECK(h2r_hpack_static_find("accept-encoding", 15, "gzip", 4, &full) == 16 && full == 0);
    CHECK(h2r_hpack_static_find("content-type", 12, "", 0, &full) == 31 && full == 31);
    CHECK(h2r_hpack_static_find("content-type", 12, "text/html", 9, &full) == 31 && full == 0);
    full = 99;
    CHECK_MSG(h2r_hpack_static_find(":path", 5, NULL, 0, &full) == 4 && full == 99,
              "full_index is left alone without a value");

    /* Names that are not in the table, some very close to ones that are. */
    static const char *const unknown[] = {
        "x",
        "x-forwarded-for",
        ":authorit",
        ":authorityx",
        ":authoritz",
        "Host",
        "hosT",
        "accep",
        "acceptx",
        "expecT",
        "ex",
        "viaa",
        "vi",
        "content-typf",
        "www-authenticatf",
        "access-control-allow-origin-x",
    };
    int found = 0;
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); ++i) {
        full = 99;
        found += h2r_hpack_static_find(unknown[i], strlen(unknown[i]), "", 0, &full) != 0 || full != 0;
    }
    CHECK_MSG(found == 0, "near-miss names are not found (%d were)", found);
    full = 99;
    CHECK(h2r_hpack_static_find("", 0, "", 0, &full) == 0 && full == 0);

    /* Every static name, one byte shorter, one longer, and with its last byte changed. */
    char buf[300];
    found = 0;
    for (unsigned i = 1; i <= H2R_HPACK_STATIC_COUNT; ++i) {
        const struct h2r_hpack_static_entry *e = &h2r_hpack_static_table[i];
        memcpy(buf, e->name, e->name_len);
        buf[e->name_len] = buf[e->name_len - 1];
        found += h2r_hpack_static_find(buf, e->name_len - 1, NULL, 0, NULL) != 0;
        found += h2r_hpack_static_find(buf, e->name_len + 1, NULL, 0, NULL) != 0;
        buf[e->name_len - 1] ^= 1;
        found += h2r_hpack_static_find(buf, e->name_len, NULL, 0, NULL) != 0;
    }
    CHECK_MSG(found == 0, "names differing in length or last byte are not found (%d were)", found);
    memset(buf, 'a', sizeof(buf));
    CHECK(h2r_hpack_static_find(buf, sizeof(buf), NULL, 0, NULL) == 0);
}

int main(void)
{
    test_rfc_examples();
    test_empty();
    test_all_bytes();
    test_random_round_trips();
    test_errors();
    test_against_reference();
    test_static_table();
    return check_done();
}
