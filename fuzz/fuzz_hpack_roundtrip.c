/*
 * libFuzzer target: header lists through one HPACK encoder and back through one
 * decoder, block after block, as between two ends of a connection.
 *
 * Input: two config bytes, then ops.
 *   byte 0     bits 0-2: the encoder's own max table size (table_sizes[]);
 *              bit 3: Huffman off at the start; bit 4: before each block, try
 *              an output buffer one byte below h2r_hpack_encode_bound()
 *   byte 1     bit 7: before the first block the decoder's side announces
 *              SETTINGS_HEADER_TABLE_SIZE table_sizes[bits 0-2]
 *   0x00-0x7f  a field: flags op & 3 (H2R_HPACK_FIELD_NEVER_INDEX, _NO_INDEX),
 *              then u8 name length, name, u8 value length, value
 *   0x80-0xbf  end of the block
 *   0xc0-0xdf  u16 big-endian SETTINGS_HEADER_TABLE_SIZE, given to the encoder
 *              as the peer's and to the decoder as acknowledged
 *   0xe0-0xff  Huffman on/off
 * The end of the input ends the last block.
 *
 * Aborts unless every block decodes to exactly the fields given, in order,
 * every NEVER_INDEX field comes back never-indexed, and the two dynamic tables
 * stay the same size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2ring/hpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 512

static const uint32_t table_sizes[8] = {4096, 0, 1, 64, 256, 1024, 16384, 65536};

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        fprintf(stderr, "fuzz_hpack_roundtrip: " __VA_ARGS__);                                               \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)

struct expect {
    const h2r_hpack_field *fields;
    size_t count;
    size_t seen;
};

/* Empty strings may come as NULL, which memcmp must not see. */
static int same(const char *a, size_t a_len, const char *b, size_t b_len)
{
    return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

static int on_field(void *ctx, const h2r_hpack_field *got)
{
    struct expect *e = ctx;
    if (e->seen == e->count) FAIL("more fields decoded than the %zu encoded", e->count);
    const h2r_hpack_field *want = &e->fields[e->seen];
    if (!same(got->name, got->name_len, want->name, want->name_len) ||
        !same(got->value, got->value_len, want->value, want->value_len))
        FAIL("field %zu: decoded \"%.*s: %.*s\", encoded \"%.*s: %.*s\"", e->seen, (int)got->name_len,
             got->name, (int)got->value_len, got->value, (int)want->name_len, want->name,
             (int)want->value_len, want->value);
    if ((want->flags & H2R_HPACK_FIELD_NEVER_INDEX) && !(got->flags & H2R_HPACK_FIELD_NEVER_INDEX))
        FAIL("field %zu: NEVER_INDEX lost", e->seen);
    e->seen++;
    return 0;
}

struct pair {
    h2r_hpack_encoder enc;
    h2r_hpack_decoder dec;
    int try_short_buffer;
};

static void announce(struct pair *p, uint32_t table_size)
{
    h2r_hpack_encoder_set_peer_max_table_size(&p->enc, table_size);
    h2r_hpack_decoder_set_max_table_size(&p->dec, table_size);
}

static void roundtrip(struct pair *p, const h2r_hpack_field *fields, size_t count)
{
    size_t bound = h2r_hpack_encode_bound(fields, count);
    uint8_t *out = malloc(bound ? bound : 1);
    if (!out) abort();

    if (p->try_short_buffer && bound > 0) {
        size_t table_size = h2r_hpack_encoder_table_size(&p->enc);
        ssize_t n = h2r_hpack_encode(&p->enc, fields, count, out, bound - 1);
        if (n != H2R_HPACK_ERR_BUFFER_TOO_SMALL) FAIL("encode into bound - 1 bytes returned %zd", n);
        if (h2r_hpack_encoder_table_size(&p->enc) != table_size) FAIL("a failed encode changed the table");
    }
    ssize_t n = h2r_hpack_encode(&p->enc, fields, count, out, bound);
    if (n < 0) FAIL("encode failed: %s", h2r_hpack_strerror((int)n));
    if ((size_t)n > bound) FAIL("encoded %zd bytes, above the bound %zu", n, bound);

    /* Decode from a buffer of exactly the block's size, so that ASan sees any over-read. */
    uint8_t *block = malloc(n ? (size_t)n : 1);
    if (!block) abort();
    memcpy(block, out, (size_t)n);
    free(out);
    struct expect e = {fields, count, 0};
    int rc = h2r_hpack_decode(&p->dec, block, (size_t)n, on_field, &e);
    free(block);
    if (rc != H2R_HPACK_OK) FAIL("decode failed: %s", h2r_hpack_strerror(rc));
    if (e.seen != count) FAIL("decoded %zu fields of %zu", e.seen, count);

    size_t enc_size = h2r_hpack_encoder_table_size(&p->enc), dec_size = h2r_hpack_decoder_table_size(&p->dec);
    if (enc_size != dec_size) FAIL("tables out of step: encoder %zu bytes, decoder %zu", enc_size, dec_size);
    if (enc_size > h2r_hpack_encoder_table_max_size(&p->enc)) FAIL("encoder table above its maximum");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    static h2r_hpack_field fields[MAX_FIELDS];
    struct pair p = {.try_short_buffer = (data[0] >> 4) & 1};
    h2r_hpack_encoder_init(&p.enc, table_sizes[data[0] & 7]);
    h2r_hpack_encoder_set_huffman(&p.enc, !(data[0] & 8));
    h2r_hpack_decoder_init(&p.dec, H2R_HPACK_DEFAULT_TABLE_SIZE, SIZE_MAX);
    int huffman = !(data[0] & 8);
    if (data[1] & 0x80) announce(&p, table_sizes[data[1] & 7]);

    size_t pos = 2, count = 0;
    while (pos < size) {
        uint8_t op = data[pos++];
        if (op < 0x80) {
            h2r_hpack_field *f = &fields[count];
            if (pos >= size) break;
            f->name_len = data[pos++];
            if (f->name_len > size - pos) break;
            f->name = (const char *)data + pos;
            pos += f->name_len;
            if (pos >= size) break;
            f->value_len = data[pos++];
            if (f->value_len > size - pos) break;
            f->value = (const char *)data + pos;
            pos += f->value_len;
            f->flags = op & (H2R_HPACK_FIELD_NEVER_INDEX | H2R_HPACK_FIELD_NO_INDEX);
            f->static_name_index = 0;
            if (++count == MAX_FIELDS) {
                roundtrip(&p, fields, count);
                count = 0;
            }
        } else if (op < 0xc0) {
            roundtrip(&p, fields, count);
            count = 0;
        } else if (op < 0xe0) {
            if (pos + 2 > size) break;
            announce(&p, (uint32_t)data[pos] << 8 | data[pos + 1]);
            pos += 2;
        } else {
            huffman = !huffman;
            h2r_hpack_encoder_set_huffman(&p.enc, huffman);
        }
    }
    roundtrip(&p, fields, count);

    h2r_hpack_encoder_dispose(&p.enc);
    h2r_hpack_decoder_dispose(&p.dec);
    return 0;
}
