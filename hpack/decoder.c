/*
 * The HPACK decoder (RFC 7541 §3, §6).
 *
 * One pass over a complete header block. Strings are not copied unless they
 * have to be: raw literals point into the block, table entries point into
 * the table, and only Huffman-coded literals (and a table name about to be
 * re-inserted) go through the scratch buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "huffman.h"
#include "integer.h"
#include "static_table.h"
#include "table.h"

void h2r_hpack_decoder_init(h2r_hpack_decoder *dec, uint32_t max_table_size, size_t max_header_list_size)
{
    memset(dec, 0, sizeof(*dec));
    h2r_hpack_table_init(&dec->table, max_table_size);
    dec->settings_max_table_size = max_table_size;
    dec->max_header_list_size = max_header_list_size;
}

void h2r_hpack_decoder_dispose(h2r_hpack_decoder *dec)
{
    h2r_hpack_table_dispose(&dec->table);
    free(dec->scratch);
    memset(dec, 0, sizeof(*dec));
}

void h2r_hpack_decoder_set_max_table_size(h2r_hpack_decoder *dec, uint32_t max_table_size)
{
    dec->settings_max_table_size = max_table_size;
    /*
     * RFC 7541 §4.2 asks the encoder to signal a change, but a table that
     * already fits the new limit cannot break anything, so (like the
     * deployed decoders) only a lowered limit makes the update mandatory.
     */
    if (max_table_size < dec->table.max_size) {
        if (!dec->update_required || max_table_size < dec->lowest_unsignalled_max)
            dec->lowest_unsignalled_max = max_table_size;
        dec->update_required = 1;
    }
}

void h2r_hpack_decoder_set_max_header_list_size(h2r_hpack_decoder *dec, size_t max_header_list_size)
{
    dec->max_header_list_size = max_header_list_size;
}

size_t h2r_hpack_decoder_table_size(const h2r_hpack_decoder *dec)
{
    return dec->table.size;
}

size_t h2r_hpack_decoder_table_max_size(const h2r_hpack_decoder *dec)
{
    return dec->table.max_size;
}

/* A string of the field being decoded: in the block, a table, or the scratch buffer (by offset, as it may
 * grow). */
struct decoded_string {
    const char *ptr; /* NULL when in scratch */
    size_t scratch_offset;
    size_t len;
};

static const char *string_bytes(const h2r_hpack_decoder *dec, const struct decoded_string *s)
{
    return s->ptr ? s->ptr : dec->scratch + s->scratch_offset;
}

static int reserve_scratch(h2r_hpack_decoder *dec, size_t len)
{
    /* Allocated even for 0 bytes: offsets into it are taken, and NULL + 0 is undefined. */
    if (dec->scratch && len <= dec->scratch_cap) return 0;
    size_t cap = dec->scratch_cap ? dec->scratch_cap : 256;
    while (cap < len) cap *= 2;
    char *scratch = realloc(dec->scratch, cap);
    if (!scratch) return H2R_HPACK_ERR_NOMEM;
    dec->scratch = scratch;
    dec->scratch_cap = cap;
    return 0;
}

/* Reads a string literal (RFC 7541 §5.2); *scratch_used is where Huffman output may go. */
static int read_string(h2r_hpack_decoder *dec, const uint8_t **p, const uint8_t *end, size_t *scratch_used,
                       struct decoded_string *out)
{
    if (*p == end) return H2R_HPACK_ERR_TRUNCATED;
    int huffman = **p & 0x80;
    uint32_t len;
    int err = h2r_hpack_decode_integer(p, end, 7, &len);
    if (err) return err;
    if (len > (size_t)(end - *p)) return H2R_HPACK_ERR_TRUNCATED;

    if (!huffman) {
        out->ptr = (const char *)*p;
        out->len = len;
    } else {
        if ((err = reserve_scratch(dec, *scratch_used + H2R_HPACK_HUFFMAN_DECODED_MAX(len))) != 0) return err;
        ssize_t decoded = h2r_hpack_huffman_decode((uint8_t *)dec->scratch + *scratch_used, *p, len);
        if (decoded < 0) return (int)decoded;
        out->ptr = NULL;
        out->scratch_offset = *scratch_used;
        out->len = (size_t)decoded;
        *scratch_used += (size_t)decoded;
    }
    *p += len;
    return 0;
}

/* The static table index of the first entry with the same name as entry `index`. */
static uint8_t static_first_index_of_name(unsigned index)
{
    const struct h2r_hpack_static_entry *st = h2r_hpack_static_table;
    while (index > 1 && st[index - 1].name_len == st[index].name_len &&
           memcmp(st[index - 1].name, st[index].name, st[index].name_len) == 0)
        --index;
    return (uint8_t)index;
}

/* Resolves an index (RFC 7541 §2.3.3) into a field's name, and its value when want_value is set. */
static int lookup_index(const h2r_hpack_decoder *dec, uint32_t index, int want_value, h2r_hpack_field *field)
{
    if (index == 0) return H2R_HPACK_ERR_INDEX;
    if (index <= H2R_HPACK_STATIC_COUNT) {
        const struct h2r_hpack_static_entry *st = &h2r_hpack_static_table[index];
        field->name = st->name;
        field->name_len = st->name_len;
        if (want_value) {
            field->value = st->value;
            field->value_len = st->value_len;
        }
        field->static_name_index = static_first_index_of_name(index);
        return 0;
    }
    uint32_t dynamic_index = index - H2R_HPACK_STATIC_COUNT - 1;
    if (dynamic_index >= h2r_hpack_table_count(&dec->table)) return H2R_HPACK_ERR_INDEX;
    const struct h2r_hpack_entry *entry = h2r_hpack_table_at(&dec->table, dynamic_index);
    field->name = h2r_hpack_entry_name(&dec->table, entry);
    field->name_len = entry->name_len;
    if (want_value) {
        field->value = field->name + entry->name_len;
        field->value_len = entry->value_len;
    }
    field->static_name_index = entry->static_name_index;
    return 0;
}

/* A dynamic table size update (RFC 7541 §6.3); only the block's leading ones are allowed. */
static int apply_size_update(h2r_hpack_decoder *dec, const uint8_t **p, const uint8_t *end, int *update_seen)
{
    uint32_t size;
    int err = h2r_hpack_decode_integer(p, end, 5, &size);
    if (err) return err;
    if (size > dec->settings_max_table_size) return H2R_HPACK_ERR_SIZE_UPDATE_TOO_LARGE;
    if (dec->update_required && size <= dec->lowest_unsignalled_max) *update_seen = 1;
    h2r_hpack_table_set_max_size(&dec->table, size);
    return 0;
}

/* Decodes a literal field (RFC 7541 §6.2) whose first byte is at *p, adding it to the table if asked. */
static int read_literal(h2r_hpack_decoder *dec, const uint8_t **p, const uint8_t *end, unsigned prefix_bits,
                        int add_to_table, h2r_hpack_field *field)
{
    uint32_t name_index;
    int err = h2r_hpack_decode_integer(p, end, prefix_bits, &name_index);
    if (err) return err;

    size_t scratch_used = 0;
    struct decoded_string name = {0}, value;
    if (name_index != 0) {
        if ((err = lookup_index(dec, name_index, 0, field)) != 0) return err;
        name.ptr = field->name;
        name.len = field->name_len;
        if (add_to_table && name_index > H2R_HPACK_STATIC_COUNT) {
            /* Adding the entry may evict or move the one the name comes from (RFC 7541 §4.4): copy it. */
            if ((err = reserve_scratch(dec, name.len)) != 0) return err;
            if (name.len) memcpy(dec->scratch, name.ptr, name.len);
            name.ptr = NULL;
            name.scratch_offset = 0;
            scratch_used = name.len;
        }
    } else {
        if ((err = read_string(dec, p, end, &scratch_used, &name)) != 0) return err;
    }
    if ((err = read_string(dec, p, end, &scratch_used, &value)) != 0) return err;

    field->name = string_bytes(dec, &name);
    field->name_len = name.len;
    field->value = string_bytes(dec, &value);
    field->value_len = value.len;
    if (name_index == 0)
        field->static_name_index =
            (uint8_t)h2r_hpack_static_find(field->name, field->name_len, NULL, 0, NULL);

    if (add_to_table) {
        err = h2r_hpack_table_add(&dec->table, field->name, field->name_len, field->value, field->value_len,
                                  field->static_name_index, 0, 0);
        if (err) return err;
    }
    return 0;
}

/* Called once the block's leading size updates are behind: were the required ones there? */
static int end_of_size_updates(h2r_hpack_decoder *dec, int update_seen)
{
    if (dec->update_required && !update_seen) return H2R_HPACK_ERR_SIZE_UPDATE_MISSING;
    dec->update_required = 0;
    return 0;
}

int h2r_hpack_decode(h2r_hpack_decoder *dec, const uint8_t *block, size_t len, h2r_hpack_on_field on_field,
                     void *ctx)
{
    const uint8_t *p = block, *end = block + len;
    int update_seen = 0, field_seen = 0, too_large = 0, err;
    size_t list_size = 0;

    while (p != end) {
        h2r_hpack_field field;
        uint8_t first = *p;
        field.flags = 0;

        if (first & 0x80) { /* indexed field, §6.1 */
            uint32_t index;
            if ((err = h2r_hpack_decode_integer(&p, end, 7, &index)) != 0 ||
                (err = lookup_index(dec, index, 1, &field)) != 0)
                return err;
        } else if (first & 0x40) { /* literal with incremental indexing, §6.2.1 */
            if ((err = read_literal(dec, &p, end, 6, 1, &field)) != 0) return err;
        } else if (first & 0x20) { /* dynamic table size update, §6.3 */
            if (field_seen) return H2R_HPACK_ERR_SIZE_UPDATE_MISPLACED;
            if ((err = apply_size_update(dec, &p, end, &update_seen)) != 0) return err;
            continue;
        } else { /* literal without indexing (0000) or never indexed (0001), §6.2.2-3 */
            if (first & 0x10) field.flags = H2R_HPACK_FIELD_NEVER_INDEX;
            if ((err = read_literal(dec, &p, end, 4, 0, &field)) != 0) return err;
        }

        if (!field_seen) {
            field_seen = 1;
            if ((err = end_of_size_updates(dec, update_seen)) != 0) return err;
        }
        /* Past the limit the rest is still decoded, to keep the table in step, but nothing is reported. */
        if (too_large) continue;
        list_size += field.name_len + field.value_len + H2R_HPACK_ENTRY_OVERHEAD;
        if (list_size > dec->max_header_list_size) {
            too_large = 1;
            continue;
        }
        if ((err = on_field(ctx, &field)) != 0) return err;
    }

    if (!field_seen && (err = end_of_size_updates(dec, update_seen)) != 0) return err;
    return too_large ? H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE : H2R_HPACK_OK;
}
