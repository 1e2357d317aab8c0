/*
 * RFC 7541 Appendix C: every example decoded, and encoded byte for byte.
 */
#include <stdlib.h>

#include "check.h"
#include "h2ring/hpack.h"
#include "integer.h"

#define MAX_FIELDS 8

struct example {
    const char *section;
    const char *hex;
    const char *fields[MAX_FIELDS][2];
    size_t table_size_after;
};

struct sequence {
    const char *title;
    uint32_t table_size; /* SETTINGS_HEADER_TABLE_SIZE in effect */
    int huffman;
    uint8_t encode_flags; /* what the RFC's encoder did that our policy would not */
    struct example examples[3];
};

static const struct sequence sequences[] = {
    {"C.2.1 literal with indexing",
     4096,
     0,
     0,
     {{"C.2.1",
       "400a637573746f6d2d6b65790d637573746f6d2d686561646572",
       {{"custom-key", "custom-header"}},
       55}}},
    {"C.2.2 literal without indexing",
     4096,
     0,
     0,
     {{"C.2.2", "040c2f73616d706c652f70617468", {{":path", "/sample/path"}}, 0}}},
    {"C.2.3 literal never indexed",
     4096,
     0,
     H2R_HPACK_FIELD_NEVER_INDEX,
     {{"C.2.3", "100870617373776f726406736563726574", {{"password", "secret"}}, 0}}},
    {"C.2.4 indexed", 4096, 0, 0, {{"C.2.4", "82", {{":method", "GET"}}, 0}}},
    {"C.3 requests without Huffman",
     4096,
     0,
     0,
     {{"C.3.1",
       "828684410f7777772e6578616d706c652e636f6d",
       {{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "www.example.com"}},
       57},
      {"C.3.2",
       "828684be58086e6f2d6361636865",
       {{":method", "GET"},
        {":scheme", "http"},
        {":path", "/"},
        {":authority", "www.example.com"},
        {"cache-control", "no-cache"}},
       110},
      {"C.3.3",
       "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
       {{":method", "GET"},
        {":scheme", "https"},
        {":path", "/index.html"},
        {":authority", "www.example.com"},
        {"custom-key", "custom-value"}},
       164}}},
    {"C.4 requests with Huffman",
     4096,
     1,
     0,
     {{"C.4.1",
       "828684418cf1e3c2e5f23a6ba0ab90f4ff",
       {{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "www.example.com"}},
       57},
      {"C.4.2",
       "828684be5886a8eb10649cbf",
       {{":method", "GET"},
        {":scheme", "http"},
        {":path", "/"},
        {":authority", "www.example.com"},
        {"cache-control", "no-cache"}},
       110},
      {"C.4.3",
       "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
       {{":method", "GET"},
        {":scheme", "https"},
        {":path", "/index.html"},
        {":authority", "www.example.com"},
        {"custom-key", "custom-value"}},
       164}}},
    {"C.5 responses without Huffman",
     256,
     0,
     H2R_HPACK_FIELD_INDEX,
     {{"C.5.1",
       "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e176874747"
       "0733a2f"
       "2f7777772e6578616d706c652e636f6d",
       {{":status", "302"},
        {"cache-control", "private"},
        {"date", "Mon, 21 Oct 2013 20:13:21 GMT"},
        {"location", "https://www.example.com"}},
       222},
      {"C.5.2",
       "4803333037c1c0bf",
       {{":status", "307"},
        {"cache-control", "private"},
        {"date", "Mon, 21 Oct 2013 20:13:21 GMT"},
        {"location", "https://www.example.com"}},
       222},
      {"C.5.3",
       "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4"
       "b48514b"
       "425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
       {{":status", "200"},
        {"cache-control", "private"},
        {"date", "Mon, 21 Oct 2013 20:13:22 GMT"},
        {"location", "https://www.example.com"},
        {"content-encoding", "gzip"},
        {"set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"}},
       215}}},
    {"C.6 responses with Huffman",
     256,
     1,
     H2R_HPACK_FIELD_INDEX,
     {{"C.6.1",
       "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae8"
       "2ae43"
       "d3",
       {{":status", "302"},
        {"cache-control", "private"},
        {"date", "Mon, 21 Oct 2013 20:13:21 GMT"},
        {"location", "https://www.example.com"}},
       222},
      {"C.6.2",
       "4883640effc1c0bf",
       {{":status", "307"},
        {"cache-control", "private"},
        {"date", "Mon, 21 Oct 2013 20:13:21 GMT"},
        {"location", "https://www.example.com"}},
       222},
      {"C.6.3",
       "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d"
       "5af2708"
       "7f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
       {{":status", "200"},
        {"cache-control", "private"},
        {"date", "Mon, 21 Oct 2013 20:13:22 GMT"},
        {"location", "https://www.example.com"},
        {"content-encoding", "gzip"},
        {"set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"}},
       215}}},
};

static size_t from_hex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i != n; ++i) sscanf(hex + 2 * i, "%2hhx", &out[i]);
    return n;
}

static size_t field_count(const struct example *ex)
{
    size_t n = 0;
    while (n != MAX_FIELDS && ex->fields[n][0]) ++n;
    return n;
}

struct collected {
    const struct example *expected;
    size_t count;
    int mismatch;
    uint8_t flags[MAX_FIELDS];
};

static int collect(void *ctx, const h2r_hpack_field *f)
{
    struct collected *c = ctx;
    if (c->count == MAX_FIELDS) return -100;
    const char *name = c->expected->fields[c->count][0], *value = c->expected->fields[c->count][1];
    if (!name || f->name_len != strlen(name) || memcmp(f->name, name, f->name_len) != 0 ||
        f->value_len != strlen(value) || memcmp(f->value, value, f->value_len) != 0)
        c->mismatch = 1;
    c->flags[c->count++] = f->flags;
    return 0;
}

static void test_decoding(const struct sequence *seq)
{
    h2r_hpack_decoder dec;
    h2r_hpack_decoder_init(&dec, seq->table_size, SIZE_MAX);
    for (size_t i = 0; i != 3 && seq->examples[i].section; ++i) {
        const struct example *ex = &seq->examples[i];
        uint8_t wire[512];
        size_t len = from_hex(ex->hex, wire);
        struct collected c = {.expected = ex};
        int rc = h2r_hpack_decode(&dec, wire, len, collect, &c);
        CHECK_MSG(rc == 0 && !c.mismatch && c.count == field_count(ex), "%s decodes to the RFC's header list",
                  ex->section);
        CHECK_MSG(h2r_hpack_decoder_table_size(&dec) == ex->table_size_after,
                  "%s table size %zu after decoding", ex->section, ex->table_size_after);
        if (seq->encode_flags & H2R_HPACK_FIELD_NEVER_INDEX)
            CHECK_MSG(c.flags[0] & H2R_HPACK_FIELD_NEVER_INDEX, "%s field keeps its never-indexed flag",
                      ex->section);
    }
    h2r_hpack_decoder_dispose(&dec);
}

static void test_encoding(const struct sequence *seq)
{
    h2r_hpack_encoder enc;
    h2r_hpack_encoder_init(&enc, seq->table_size);
    h2r_hpack_encoder_set_huffman(&enc, seq->huffman);
    for (size_t i = 0; i != 3 && seq->examples[i].section; ++i) {
        const struct example *ex = &seq->examples[i];
        h2r_hpack_field fields[MAX_FIELDS];
        size_t n = field_count(ex);
        for (size_t j = 0; j != n; ++j) {
            fields[j] = (h2r_hpack_field){.name = ex->fields[j][0],
                                          .name_len = strlen(ex->fields[j][0]),
                                          .value = ex->fields[j][1],
                                          .value_len = strlen(ex->fields[j][1]),
                                          .flags = seq->encode_flags};
        }
        uint8_t expected[512], out[1024];
        size_t expected_len = 0;
        /*
         * A table smaller than the default must be announced: the RFC's
         * examples assume the setting was already signalled, so our first
         * block carries the size update (0x3fe101 = 256) in front.
         */
        if (i == 0 && seq->table_size < H2R_HPACK_DEFAULT_TABLE_SIZE)
            expected_len = (size_t)(h2r_hpack_encode_integer(expected, 0x20, 5, seq->table_size) - expected);
        expected_len += from_hex(ex->hex, expected + expected_len);
        ssize_t len = h2r_hpack_encode(&enc, fields, n, out, sizeof(out));
        CHECK_MSG(len >= 0 && (size_t)len == expected_len && memcmp(out, expected, expected_len) == 0,
                  "%s encodes byte for byte", ex->section);
        CHECK_MSG(h2r_hpack_encoder_table_size(&enc) == ex->table_size_after, "%s encoder table size %zu",
                  ex->section, ex->table_size_after);
    }
    h2r_hpack_encoder_dispose(&enc);
}

/* C.1: integers, through the same helpers the decoder and encoder use. */
static void test_integers(void)
{
    static const struct {
        uint32_t value;
        unsigned prefix;
        const char *hex;
    } cases[] = {{10, 5, "0a"}, {1337, 5, "1f9a0a"}, {42, 8, "2a"}};
    for (size_t i = 0; i != sizeof(cases) / sizeof(cases[0]); ++i) {
        uint8_t buf[H2R_HPACK_INTEGER_MAX_LEN], expected[8];
        size_t expected_len = from_hex(cases[i].hex, expected);
        uint8_t *end = h2r_hpack_encode_integer(buf, 0, cases[i].prefix, cases[i].value);
        CHECK_MSG((size_t)(end - buf) == expected_len && memcmp(buf, expected, expected_len) == 0,
                  "C.1 %u with a %u-bit prefix encodes as %s", cases[i].value, cases[i].prefix, cases[i].hex);
        const uint8_t *p = expected;
        uint32_t value = 0;
        int rc = h2r_hpack_decode_integer(&p, expected + expected_len, cases[i].prefix, &value);
        CHECK_MSG(rc == 0 && value == cases[i].value && p == expected + expected_len, "C.1 %s decodes to %u",
                  cases[i].hex, cases[i].value);
    }
}

int main(void)
{
    test_integers();
    for (size_t i = 0; i != sizeof(sequences) / sizeof(sequences[0]); ++i) {
        test_decoding(&sequences[i]);
        test_encoding(&sequences[i]);
    }
    return check_done();
}
