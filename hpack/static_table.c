/*
 * The HPACK static table (RFC 7541 Appendix A) and its lookup.
 *
 * The encoder looks every field up here, so the lookup never scans: a perfect
 * hash of the name (found by gen_tables.py for the 52 distinct names) picks
 * the one entry that can match, and a memcmp confirms it. Entries that share
 * a name are consecutive, so a value is looked for among at most 7 of them.
 */
#include <string.h>

#include "static_table.h"
#include "static_table_data.h"

/*
 * Three bytes of key (length, first and last byte) are enough to tell the
 * static names apart, and cost nothing to read. Must match static_hash() in
 * gen_tables.py.
 */
static inline unsigned static_hash(const char *name, size_t len)
{
    uint32_t key = (uint32_t)len | (uint32_t)(uint8_t)name[0] << 8 | (uint32_t)(uint8_t)name[len - 1] << 16;

    return (uint32_t)(key * H2R_HPACK_STATIC_HASH_MUL) >> (32 - H2R_HPACK_STATIC_HASH_BITS);
}

unsigned h2r_hpack_static_find(const char *name, size_t name_len, const char *value, size_t value_len,
                               unsigned *full_index)
{
    unsigned index = 0;

    /* The length test keeps out the empty name and lengths the key would truncate. */
    if (name_len != 0 && name_len <= H2R_HPACK_STATIC_NAME_MAX) {
        unsigned i = h2r_hpack_static_slots[static_hash(name, name_len)];
        const struct h2r_hpack_static_entry *e = &h2r_hpack_static_table[i];
        if (i != 0 && e->name_len == name_len && memcmp(e->name, name, name_len) == 0) index = i;
    }

    if (value != NULL && full_index != NULL) {
        *full_index = 0;
        for (unsigned i = index, n = h2r_hpack_static_name_count[index]; n != 0; ++i, --n) {
            const struct h2r_hpack_static_entry *e = &h2r_hpack_static_table[i];
            if (e->value_len == value_len && memcmp(e->value, value, value_len) == 0) {
                *full_index = i;
                break;
            }
        }
    }
    return index;
}
