/*
 * The HPACK static table (RFC 7541 Appendix A). Internal to hpack/.
 */
#ifndef H2R_HPACK_STATIC_TABLE_H
#define H2R_HPACK_STATIC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define H2R_HPACK_STATIC_COUNT 61

struct h2r_hpack_static_entry {
    const char *name;
    const char *value;
    uint8_t name_len;
    uint8_t value_len;
};

/** Entries 1..61; entry 0 is empty so that the table is indexed as in the RFC. */
extern const struct h2r_hpack_static_entry h2r_hpack_static_table[H2R_HPACK_STATIC_COUNT + 1];

/**
 * Looks a field up without scanning the table. Returns the index of the first
 * entry with this name, or 0. If value is not NULL, *full_index is set to the
 * index of the entry with this exact name and value, or 0.
 */
unsigned h2r_hpack_static_find(const char *name, size_t name_len, const char *value, size_t value_len,
                               unsigned *full_index);

#endif
