/*
 * The HPACK dynamic table: an entry ring over an append-and-compact byte
 * buffer (see table.h for the layout and why).
 */
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define MIN_ENTRY_SLOTS 16
#define MIN_BYTES_CAP   256

void h2r_hpack_table_init(struct h2r_hpack_table *table, size_t max_size)
{
    memset(table, 0, sizeof(*table));
    table->max_size = max_size;
}

void h2r_hpack_table_dispose(struct h2r_hpack_table *table)
{
    free(table->entries);
    free(table->bytes);
    free(table->buckets);
    memset(table, 0, sizeof(*table));
}

static void evict_oldest(struct h2r_hpack_table *table)
{
    const struct h2r_hpack_entry *oldest = h2r_hpack_table_entry(table, table->oldest_id);
    table->size -= oldest->name_len + oldest->value_len + H2R_HPACK_ENTRY_OVERHEAD;
    ++table->oldest_id;
    if (table->oldest_id == table->next_id) {
        /* Empty: the whole buffer is free again, no compaction needed. */
        table->bytes_base = table->bytes_end;
    }
}

static void evict_to_fit(struct h2r_hpack_table *table, size_t max_size)
{
    while (table->size > max_size) evict_oldest(table);
}

void h2r_hpack_table_set_max_size(struct h2r_hpack_table *table, size_t max_size)
{
    table->max_size = max_size;
    evict_to_fit(table, max_size);
}

/* Makes room for one more entry slot, keeping every live id at id & mask. */
static int reserve_entry_slot(struct h2r_hpack_table *table)
{
    uint32_t count = h2r_hpack_table_count(table);
    uint32_t slots = table->entries ? table->entry_mask + 1 : 0;
    if (count < slots) return 0;
    uint32_t new_slots = slots ? slots * 2 : MIN_ENTRY_SLOTS;
    struct h2r_hpack_entry *entries = malloc(sizeof(*entries) * new_slots);
    if (!entries) return H2R_HPACK_ERR_NOMEM;
    for (uint32_t id = table->oldest_id; id != table->next_id; ++id)
        entries[id & (new_slots - 1)] = table->entries[id & table->entry_mask];
    free(table->entries);
    table->entries = entries;
    table->entry_mask = new_slots - 1;
    return 0;
}

/* Makes len contiguous bytes available at bytes_end. */
static int reserve_bytes(struct h2r_hpack_table *table, size_t len)
{
    if (table->bytes && table->bytes_end - table->bytes_base + len <= table->bytes_cap) return 0;

    /* Compact: move the live bytes to the front. */
    size_t live_start =
        h2r_hpack_table_count(table) ? h2r_hpack_table_entry(table, table->oldest_id)->pos : table->bytes_end;
    size_t live = table->bytes_end - live_start;
    if (live) memmove(table->bytes, table->bytes + (live_start - table->bytes_base), live);
    table->bytes_base = live_start;

    /* Keep at least as much free room as live data, so the next compaction is as far away as this one. */
    if (!table->bytes || (live + len) * 2 > table->bytes_cap) {
        size_t new_cap = (live + len) * 2;
        if (new_cap < MIN_BYTES_CAP) new_cap = MIN_BYTES_CAP;
        char *bytes = realloc(table->bytes, new_cap);
        if (!bytes) return H2R_HPACK_ERR_NOMEM;
        table->bytes = bytes;
        table->bytes_cap = new_cap;
    }
    return 0;
}

static void link_into_chain(struct h2r_hpack_table *table, uint32_t id)
{
    struct h2r_hpack_entry *entry = &table->entries[id & table->entry_mask];
    uint32_t *bucket = &table->buckets[entry->name_hash & table->bucket_mask];
    entry->chain = *bucket;
    *bucket = id + 1;
}

/*
 * Sizes the buckets for the most entries max_size allows, rebuilding the
 * chains if they grow. The encoder's recent values follow the buckets in
 * the same allocation, and move with them.
 */
static int reserve_buckets(struct h2r_hpack_table *table)
{
    size_t max_entries = table->max_size / H2R_HPACK_ENTRY_OVERHEAD;
    size_t want = MIN_ENTRY_SLOTS;
    while (want < max_entries * 2) want *= 2;
    if (table->buckets && table->bucket_mask + 1 >= want) return 0;
    uint32_t *buckets = calloc(want + H2R_HPACK_RECENT_VALUES, sizeof(*buckets));
    if (!buckets) return H2R_HPACK_ERR_NOMEM;
    if (table->buckets)
        memcpy(buckets + want, table->buckets + table->bucket_mask + 1,
               H2R_HPACK_RECENT_VALUES * sizeof(*buckets));
    free(table->buckets);
    table->buckets = buckets;
    table->bucket_mask = (uint32_t)want - 1;
    for (uint32_t id = table->oldest_id; id != table->next_id; ++id) link_into_chain(table, id);
    return 0;
}

uint32_t *h2r_hpack_table_recent_values(struct h2r_hpack_table *table)
{
    if (reserve_buckets(table) != 0) return NULL;
    return table->buckets + table->bucket_mask + 1;
}

int h2r_hpack_table_add(struct h2r_hpack_table *table, const char *name, size_t name_len, const char *value,
                        size_t value_len, uint8_t static_name_index, int with_chains, uint32_t name_hash)
{
    size_t entry_size = name_len + value_len + H2R_HPACK_ENTRY_OVERHEAD;
    if (entry_size > table->max_size) {
        evict_to_fit(table, 0);
        return 0;
    }
    evict_to_fit(table, table->max_size - entry_size);

    int err;
    if ((err = reserve_entry_slot(table)) != 0 || (err = reserve_bytes(table, name_len + value_len)) != 0 ||
        (with_chains && (err = reserve_buckets(table)) != 0))
        return err;

    char *dst = table->bytes + (table->bytes_end - table->bytes_base);
    /* An empty string may come as a NULL pointer, which memcpy must not see. */
    if (name_len) memcpy(dst, name, name_len);
    if (value_len) memcpy(dst + name_len, value, value_len);

    uint32_t id = table->next_id++;
    struct h2r_hpack_entry *entry = &table->entries[id & table->entry_mask];
    entry->pos = table->bytes_end;
    entry->name_len = (uint32_t)name_len;
    entry->value_len = (uint32_t)value_len;
    entry->static_name_index = static_name_index;
    entry->name_hash = name_hash;
    if (with_chains) link_into_chain(table, id);

    table->bytes_end += name_len + value_len;
    table->size += entry_size;
    return 0;
}
