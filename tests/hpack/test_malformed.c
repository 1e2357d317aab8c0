/*
 * Every decoder error path: each malformed block gets its specific error,
 * never a crash or an over-read (this runs under ASan in CI, and each block
 * is copied into an exactly sized heap buffer so that an over-read shows).
 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "h2ring/hpack.h"

struct outcome {
    int rc;
    size_t fields;
};

static int count_field(void *ctx, const h2r_hpack_field *f)
{
    (void)f;
    ++*(size_t *)ctx;
    return 0;
}

static size_t from_hex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i != n; ++i) sscanf(hex + 2 * i, "%2hhx", &out[i]);
    return n;
}

/* Decodes hex with a fresh decoder (table max 4096, list limit list_max). */
static struct outcome decode_hex_on(h2r_hpack_decoder *dec, const char *hex)
{
    size_t cap = strlen(hex) / 2;
    uint8_t *block = malloc(cap ? cap : 1);
    size_t len = from_hex(hex, block);
    struct outcome out = {0, 0};
    out.rc = h2r_hpack_decode(dec, block, len, count_field, &out.fields);
    free(block);
    return out;
}

static struct outcome decode_hex(const char *hex, size_t list_max)
{
    h2r_hpack_decoder dec;
    h2r_hpack_decoder_init(&dec, 4096, list_max);
    struct outcome out = decode_hex_on(&dec, hex);
    h2r_hpack_decoder_dispose(&dec);
    return out;
}

static void expect(const char *what, const char *hex, int rc)
{
    struct outcome out = decode_hex(hex, SIZE_MAX);
    CHECK_MSG(out.rc == rc, "%s: %s (got %d: %s)", what, h2r_hpack_strerror(rc), out.rc,
              h2r_hpack_strerror(out.rc));
}

static void test_integers(void)
{
    expect("indexed field with a prefix of ones and nothing after", "ff", H2R_HPACK_ERR_TRUNCATED);
    expect("integer ends inside its continuation bytes", "ff80", H2R_HPACK_ERR_TRUNCATED);
    expect("integer larger than 2^32-1", "ffffffffff0f", H2R_HPACK_ERR_INTEGER_OVERFLOW);
    expect("integer with too many continuation bytes", "ff808080808000", H2R_HPACK_ERR_INTEGER_OVERFLOW);
    expect("string length overflows", "407fffffffff7f", H2R_HPACK_ERR_INTEGER_OVERFLOW);
    /* 2^32-1 itself is a valid integer, just not a valid index. */
    expect("index 2^32-1", "ff80ffffff0f", H2R_HPACK_ERR_INDEX);
}

static void test_indices(void)
{
    expect("index 0", "80", H2R_HPACK_ERR_INDEX);
    expect("index 62 with an empty dynamic table", "be", H2R_HPACK_ERR_INDEX);
    expect("literal whose name index is past the tables", "7f0001", H2R_HPACK_ERR_INDEX);
    expect("never-indexed literal with name index 62", "1f2f0161", H2R_HPACK_ERR_INDEX);
    /* One entry added, so 62 is valid and 63 is not. */
    expect("index 63 with one dynamic entry", "400161016282bf", H2R_HPACK_ERR_INDEX);
    struct outcome ok = decode_hex("400161016282be", SIZE_MAX);
    CHECK_MSG(ok.rc == 0 && ok.fields == 3, "index 62 with one dynamic entry is that entry");
}

static void test_strings(void)
{
    expect("literal name longer than the block", "4005616263", H2R_HPACK_ERR_TRUNCATED);
    expect("literal value longer than the block", "040a2f61", H2R_HPACK_ERR_TRUNCATED);
    expect("literal with a name index but no value", "04", H2R_HPACK_ERR_TRUNCATED);
    expect("literal with a new name but nothing after the first byte", "40", H2R_HPACK_ERR_TRUNCATED);
    expect("literal missing its value after the name", "000161", H2R_HPACK_ERR_TRUNCATED);
    expect("declared length of 2^31 with 1 byte present", "047f81ffffff070a", H2R_HPACK_ERR_TRUNCATED);
}

static void test_huffman(void)
{
    /* "a" is 00011 (5 bits); padding must be the 3 high bits of EOS: 111. */
    struct outcome ok = decode_hex("04811f", SIZE_MAX);
    CHECK_MSG(ok.rc == 0 && ok.fields == 1, "Huffman 'a' with correct padding decodes");
    expect("Huffman padding with a zero bit", "048118", H2R_HPACK_ERR_HUFFMAN);
    expect("Huffman padding of a whole byte of ones", "04821fff", H2R_HPACK_ERR_HUFFMAN);
    expect("Huffman-coded EOS (30 ones)", "0484ffffffff", H2R_HPACK_ERR_HUFFMAN);
    expect("Huffman name with bad padding", "00811801", H2R_HPACK_ERR_HUFFMAN);
}

static void test_size_updates(void)
{
    expect("size update above SETTINGS_HEADER_TABLE_SIZE", "3fe21f", H2R_HPACK_ERR_SIZE_UPDATE_TOO_LARGE);
    expect("size update after a field", "823f00", H2R_HPACK_ERR_SIZE_UPDATE_MISPLACED);
    expect("size update after a field, small form", "8220", H2R_HPACK_ERR_SIZE_UPDATE_MISPLACED);
    expect("size update truncated", "3f", H2R_HPACK_ERR_TRUNCATED);
    struct outcome ok = decode_hex("203fe11f82", SIZE_MAX);
    CHECK_MSG(ok.rc == 0 && ok.fields == 1, "two leading size updates are allowed");

    h2r_hpack_decoder dec;
    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    h2r_hpack_decoder_set_max_table_size(&dec, 1024);
    struct outcome out = decode_hex_on(&dec, "82");
    CHECK_MSG(out.rc == H2R_HPACK_ERR_SIZE_UPDATE_MISSING, "a lowered limit without an update is an error");
    h2r_hpack_decoder_dispose(&dec);

    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    h2r_hpack_decoder_set_max_table_size(&dec, 1024);
    out = decode_hex_on(&dec, "");
    CHECK_MSG(out.rc == H2R_HPACK_ERR_SIZE_UPDATE_MISSING,
              "an empty block does not excuse the missing update");
    h2r_hpack_decoder_dispose(&dec);

    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    h2r_hpack_decoder_set_max_table_size(&dec, 100);
    h2r_hpack_decoder_set_max_table_size(&dec, 2048);
    out = decode_hex_on(&dec, "3fe10f82"); /* 2048 only: the low point 100 was never signalled */
    CHECK_MSG(out.rc == H2R_HPACK_ERR_SIZE_UPDATE_MISSING, "the lowest setting in between must be signalled");
    h2r_hpack_decoder_dispose(&dec);

    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    h2r_hpack_decoder_set_max_table_size(&dec, 100);
    h2r_hpack_decoder_set_max_table_size(&dec, 2048);
    out = decode_hex_on(&dec, "3f453fe10f82"); /* 100, then 2048 */
    CHECK_MSG(out.rc == 0 && out.fields == 1 && h2r_hpack_decoder_table_max_size(&dec) == 2048,
              "lowest then final size accepted");
    out = decode_hex_on(&dec, "82");
    CHECK_MSG(out.rc == 0, "later blocks need no update");
    h2r_hpack_decoder_dispose(&dec);

    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    h2r_hpack_decoder_set_max_table_size(&dec, 8192);
    out = decode_hex_on(&dec, "82");
    CHECK_MSG(out.rc == 0, "a raised limit needs no update");
    out = decode_hex_on(&dec, "3fe13f82");
    CHECK_MSG(out.rc == 0 && h2r_hpack_decoder_table_max_size(&dec) == 8192, "and allows one up to it");
    h2r_hpack_decoder_dispose(&dec);
}

static void test_header_list_limit(void)
{
    /* ":method GET" counts 7 + 3 + 32 = 42. */
    struct outcome out = decode_hex("8282", 84);
    CHECK_MSG(out.rc == 0 && out.fields == 2, "a list exactly at the limit passes");
    out = decode_hex("828282", 84);
    CHECK_MSG(out.rc == H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE && out.fields == 2,
              "past the limit: error after the whole block, extra fields not reported");

    /*
     * The block keeps being decoded past the limit, so the table stays in
     * step: here the entry added after the limit is usable by the next block.
     */
    h2r_hpack_decoder dec;
    h2r_hpack_decoder_init(&dec, 4096, 50);
    out = decode_hex_on(&dec, "82400178017a");
    CHECK_MSG(out.rc == H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE && h2r_hpack_decoder_table_size(&dec) == 34,
              "an oversized list still updates the table");
    out = decode_hex_on(&dec, "be");
    CHECK_MSG(out.rc == 0 && out.fields == 1, "and the connection goes on");
    h2r_hpack_decoder_dispose(&dec);

    /*
     * HPACK bomb: a 4000-byte entry, then thousands of one-byte references
     * to it. The limit stops it after two fields; nothing is copied.
     */
    size_t refs = 4000;
    size_t len = 4 + 4000 + refs;
    uint8_t *bomb = malloc(len);
    bomb[0] = 0x40; /* literal with indexing, new name */
    bomb[1] = 0x01;
    bomb[2] = 'x';
    bomb[3] = 0x7f; /* value length 4000 = 127 + 3873 */
    bomb[4] = (uint8_t)(0x80 | ((4000 - 127) & 0x7f));
    bomb[5] = (uint8_t)((4000 - 127) >> 7);
    memset(bomb + 6, 'A', 4000);
    memset(bomb + 6 + 4000, 0xbe, refs - 2);
    h2r_hpack_decoder_init(&dec, 4096, 16384);
    size_t fields = 0;
    int rc = h2r_hpack_decode(&dec, bomb, 6 + 4000 + refs - 2, count_field, &fields);
    CHECK_MSG(rc == H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE && fields == 4,
              "HPACK bomb stops at the list limit (%zu fields reported)", fields);
    h2r_hpack_decoder_dispose(&dec);
    free(bomb);
}

static int stop_at_second(void *ctx, const h2r_hpack_field *f)
{
    (void)f;
    return ++*(size_t *)ctx == 2 ? 42 : 0;
}

static void test_callback_stop(void)
{
    uint8_t block[] = {0x82, 0x84, 0x86};
    h2r_hpack_decoder dec;
    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    size_t n = 0;
    CHECK(h2r_hpack_decode(&dec, block, sizeof(block), stop_at_second, &n) == 42 && n == 2);
    h2r_hpack_decoder_dispose(&dec);
}

static void test_strerror(void)
{
    for (int code = H2R_HPACK_ERR_BUFFER_TOO_SMALL; code <= 0; ++code)
        CHECK_MSG(strcmp(h2r_hpack_strerror(code), "unknown HPACK error") != 0, "code %d has a message",
                  code);
    CHECK(strcmp(h2r_hpack_strerror(-1000), "unknown HPACK error") == 0);
}

int main(void)
{
    test_integers();
    test_indices();
    test_strings();
    test_huffman();
    test_size_updates();
    test_header_list_limit();
    test_callback_stop();
    test_strerror();
    return check_done();
}
