/*
 * libFuzzer target: arbitrary header blocks into one HPACK decoder.
 *
 * Input: one config byte, then records, each decoded as a block in turn on the
 * same decoder (so the dynamic table carries over, as on a connection):
 *   config  bits 0-2: the decoder's initial max table size (table_sizes[])
 *           bits 3-5: its max header list size (list_sizes[])
 *   record  u16 big-endian: bit 15 = a u16 new max table size follows, applied
 *           with h2r_hpack_decoder_set_max_table_size() before this block;
 *           bits 0-14 = the block's length (cut to what is left)
 * Decoding stops at the first error, as a connection would, except
 * H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE, which leaves the table in step.
 *
 * The callback aborts on a field that could not have come from the block or the
 * tables; after each block the table must be within its limits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2ring/hpack.h"
#include "static_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t table_sizes[8] = {4096, 0, 1, 64, 256, 1024, 16384, 65536};
static const size_t list_sizes[8] = {SIZE_MAX, 0, 32, 100, 1024, 4096, 16384, 65536};

struct check {
    size_t block_len;
    size_t table_limit; /* the largest max table size the decoder was ever allowed */
    size_t list_limit;
    size_t list_size; /* this block's reported fields, counted as in RFC 9113 §6.5.2 */
};

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        fprintf(stderr, "fuzz_hpack_decode: " __VA_ARGS__);                                                  \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)

/* A string comes from the block (at most 8/5 of it after Huffman), from the
 * dynamic table (bounded by its largest size) or from the static table (short). */
static void check_string(const struct check *c, const char *what, const char *s, size_t len)
{
    if (len > 0 && s == NULL) FAIL("%s is NULL with length %zu", what, len);
    if (len > c->block_len * 8 / 5 + 1 && len > c->table_limit && len > 64)
        FAIL("%s length %zu is impossible", what, len);
    /* Touch every byte so that ASan checks the whole string is readable. */
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) sum ^= (uint8_t)s[i];
    (void)sum;
}

static int on_field(void *ctx, const h2r_hpack_field *f)
{
    struct check *c = ctx;
    check_string(c, "name", f->name, f->name_len);
    check_string(c, "value", f->value, f->value_len);
    if (f->flags & ~H2R_HPACK_FIELD_NEVER_INDEX) FAIL("unexpected flags %#x", f->flags);

    /* static_name_index is the first static entry with this name, or 0 if none has it. */
    unsigned first = 0;
    for (unsigned i = 1; i <= H2R_HPACK_STATIC_COUNT && !first; i++) {
        const struct h2r_hpack_static_entry *e = &h2r_hpack_static_table[i];
        if (e->name_len == f->name_len && memcmp(e->name, f->name, f->name_len) == 0) first = i;
    }
    if (f->static_name_index != first)
        FAIL("static_name_index %u, expected %u for \"%.*s\"", f->static_name_index, first, (int)f->name_len,
             f->name);

    c->list_size += f->name_len + f->value_len + 32;
    if (c->list_size > c->list_limit) FAIL("reported fields exceed max header list size %zu", c->list_limit);
    return 0;
}

static void check_table(const h2r_hpack_decoder *dec, uint32_t setting)
{
    size_t size = h2r_hpack_decoder_table_size(dec), max = h2r_hpack_decoder_table_max_size(dec);
    if (size > max) FAIL("table size %zu above its maximum %zu", size, max);
    if (max > setting) FAIL("table maximum %zu above the setting %u", max, setting);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint32_t setting = table_sizes[data[0] & 7];
    struct check c = {.table_limit = setting, .list_limit = list_sizes[(data[0] >> 3) & 7]};
    h2r_hpack_decoder dec;
    h2r_hpack_decoder_init(&dec, setting, c.list_limit);

    size_t pos = 1;
    while (pos + 2 <= size) {
        unsigned head = (unsigned)data[pos] << 8 | data[pos + 1];
        pos += 2;
        if (head & 0x8000) {
            if (pos + 2 > size) break;
            setting = (uint32_t)data[pos] << 8 | data[pos + 1];
            pos += 2;
            if (setting > c.table_limit) c.table_limit = setting;
            h2r_hpack_decoder_set_max_table_size(&dec, setting);
        }
        size_t len = head & 0x7fff;
        if (len > size - pos) len = size - pos;

        /* A copy of exactly the block's bytes, so that ASan catches any read past its end. */
        uint8_t *block = malloc(len ? len : 1);
        if (!block) abort();
        memcpy(block, data + pos, len);
        pos += len;
        c.block_len = len;
        c.list_size = 0;
        int rc = h2r_hpack_decode(&dec, block, len, on_field, &c);
        free(block);

        if (rc > 0) FAIL("decode returned %d, but the callback never stops it", rc);
        if (rc < 0 && h2r_hpack_strerror(rc) == NULL) FAIL("no message for error %d", rc);
        if (rc == H2R_HPACK_ERR_BUFFER_TOO_SMALL) FAIL("decode returned an encoder error");
        if (rc != H2R_HPACK_OK && rc != H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE) break;
        if (rc == H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE && c.list_limit == SIZE_MAX)
            FAIL("no limit, yet too large");
        check_table(&dec, setting);
    }
    h2r_hpack_decoder_dispose(&dec);
    return 0;
}
