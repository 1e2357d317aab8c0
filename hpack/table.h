/*
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4). Internal to hpack/.
 *
 * Entries live in a ring indexed by a 32-bit id that grows with every
 * insertion; names and values are appended to one byte buffer that is
 * compacted (live bytes moved to the front) when its end is reached. The
 * buffer is kept at about twice the live bytes, so each byte is moved O(1)
 * times and a lookup is pointer arithmetic.
 *
 * The encoder also chains entries by name hash so that it finds a name or a
 * name+value without scanning.
 */
#ifndef H2R_HPACK_TABLE_H
#define H2R_HPACK_TABLE_H

#include "h2ring/hpack.h"

/* Prepares an empty table; nothing is allocated until the first entry. */
void h2r_hpack_table_init(struct h2r_hpack_table *table, size_t max_size);
void h2r_hpack_table_dispose(struct h2r_hpack_table *table);

/* Sets the maximum size, evicting the oldest entries that no longer fit. */
void h2r_hpack_table_set_max_size(struct h2r_hpack_table *table, size_t max_size);

/*
 * Adds an entry at index 0, evicting as needed (RFC 7541 §4.4); an entry
 * larger than the maximum size empties the table and is not added. name and
 * value must not point into the table. with_chains keeps the name-hash
 * chains the encoder searches (name_hash is ignored without it). Returns 0 or H2R_HPACK_ERR_NOMEM.
 */
int h2r_hpack_table_add(struct h2r_hpack_table *table, const char *name, size_t name_len, const char *value,
                        size_t value_len, uint8_t static_name_index, int with_chains, uint32_t name_hash);

/* How many hashes of recent field values the encoder keeps (encoder.c's indexing policy). */
#define H2R_HPACK_RECENT_VALUES 4

/*
 * Encoder only: the slots for those hashes, beside the name-hash buckets
 * (made with them if need be), zero at first. NULL when out of memory.
 */
uint32_t *h2r_hpack_table_recent_values(struct h2r_hpack_table *table);

static inline uint32_t h2r_hpack_table_count(const struct h2r_hpack_table *table)
{
    return table->next_id - table->oldest_id;
}

/* The entry with this id; the caller knows it is live. */
static inline const struct h2r_hpack_entry *h2r_hpack_table_entry(const struct h2r_hpack_table *table,
                                                                  uint32_t id)
{
    return &table->entries[id & table->entry_mask];
}

/* The entry at dynamic index i (0 = newest); the caller checks i < count. */
static inline const struct h2r_hpack_entry *h2r_hpack_table_at(const struct h2r_hpack_table *table,
                                                               uint32_t i)
{
    return h2r_hpack_table_entry(table, table->next_id - 1 - i);
}

static inline const char *h2r_hpack_entry_name(const struct h2r_hpack_table *table,
                                               const struct h2r_hpack_entry *entry)
{
    return table->bytes + (entry->pos - table->bytes_base);
}

static inline const char *h2r_hpack_entry_value(const struct h2r_hpack_table *table,
                                                const struct h2r_hpack_entry *entry)
{
    return h2r_hpack_entry_name(table, entry) + entry->name_len;
}

/* Is id a live entry? Ids wrap at 2^32, so compare distances, not values. */
static inline int h2r_hpack_table_is_live(const struct h2r_hpack_table *table, uint32_t id)
{
    return id - table->oldest_id < table->next_id - table->oldest_id;
}

#endif
