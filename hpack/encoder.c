/*
 * The HPACK encoder (RFC 7541 §6): table lookups by hash, an indexing
 * policy, Huffman when it is shorter, never-indexed for sensitive fields.
 */
#include <string.h>

#include "huffman.h"
#include "integer.h"
#include "static_table.h"
#include "table.h"

/* Static table indices of the names the policy below singles out (RFC 7541 Appendix A). */
enum {
    STATIC_PATH = 4,
    STATIC_AGE = 21,
    STATIC_AUTHORIZATION = 23,
    STATIC_CONTENT_LENGTH = 28,
    STATIC_COOKIE = 32,
    STATIC_ETAG = 34,
    STATIC_IF_MODIFIED_SINCE = 40,
    STATIC_IF_NONE_MATCH = 41,
    STATIC_LOCATION = 46,
    STATIC_PROXY_AUTHORIZATION = 49,
    STATIC_SET_COOKIE = 55,
};

/* Cookies shorter than this are guessable by brute force through the table (RFC 7541 §7.1.3). */
#define SHORT_COOKIE_LEN 20
/* A chain walk longer than this gives up: a missed match costs bytes, not correctness. */
#define MAX_CHAIN_STEPS 32

void h2r_hpack_encoder_init(h2r_hpack_encoder *enc, uint32_t max_table_size)
{
    memset(enc, 0, sizeof(*enc));
    enc->own_max_table_size = max_table_size;
    enc->peer_max_table_size = H2R_HPACK_DEFAULT_TABLE_SIZE;
    enc->huffman = 1;
    uint32_t initial =
        max_table_size < H2R_HPACK_DEFAULT_TABLE_SIZE ? max_table_size : H2R_HPACK_DEFAULT_TABLE_SIZE;
    h2r_hpack_table_init(&enc->table, initial);
    /* The peer's decoder starts at the default size: a smaller cap must be announced. */
    if (initial < H2R_HPACK_DEFAULT_TABLE_SIZE) {
        enc->update_pending = 1;
        enc->pending_min_size = initial;
    }
}

void h2r_hpack_encoder_dispose(h2r_hpack_encoder *enc)
{
    h2r_hpack_table_dispose(&enc->table);
    memset(enc, 0, sizeof(*enc));
}

void h2r_hpack_encoder_set_peer_max_table_size(h2r_hpack_encoder *enc, uint32_t peer_max_table_size)
{
    if (peer_max_table_size == enc->peer_max_table_size) return;
    enc->peer_max_table_size = peer_max_table_size;
    uint32_t size =
        peer_max_table_size < enc->own_max_table_size ? peer_max_table_size : enc->own_max_table_size;
    /*
     * Signal every change of the peer's setting, even one that leaves our
     * size alone: RFC 7541 §4.2 is read both ways, and a few bytes once buy
     * interoperability with the strictest decoders. A shrink followed by a
     * growth before the next block signals the smallest size first.
     */
    if (!enc->update_pending || size < enc->pending_min_size) enc->pending_min_size = size;
    enc->update_pending = 1;
    h2r_hpack_table_set_max_size(&enc->table, size);
}

void h2r_hpack_encoder_set_huffman(h2r_hpack_encoder *enc, int enabled)
{
    enc->huffman = enabled != 0;
}

size_t h2r_hpack_encoder_table_size(const h2r_hpack_encoder *enc)
{
    return enc->table.size;
}

size_t h2r_hpack_encoder_table_max_size(const h2r_hpack_encoder *enc)
{
    return enc->table.max_size;
}

size_t h2r_hpack_encode_bound(const h2r_hpack_field *fields, size_t count)
{
    /* Two size updates, then per field: the index or name length, the name, the value length and the value.
     */
    size_t bound = 2 * H2R_HPACK_INTEGER_MAX_LEN;
    for (size_t i = 0; i != count; ++i)
        bound += 3 * H2R_HPACK_INTEGER_MAX_LEN + fields[i].name_len + fields[i].value_len;
    return bound;
}

/* FNV-1a over bytes, from seed (2166136261 to start). */
static uint32_t hash_bytes(uint32_t seed, const char *bytes, size_t len)
{
    uint32_t hash = seed;
    for (size_t i = 0; i != len; ++i) hash = (hash ^ (uint8_t)bytes[i]) * 16777619u;
    return hash;
}

static int bytes_equal(const char *a, const char *b, size_t len)
{
    return len == 0 || memcmp(a, b, len) == 0;
}

/*
 * Looks the field up in the dynamic table. Returns the HPACK index of an
 * entry with the same name and value, or 0; *name_index gets the index of the
 * newest entry with the same name, or 0.
 */
static uint32_t find_in_table(const struct h2r_hpack_table *table, uint32_t hash,
                              const h2r_hpack_field *field, uint32_t *name_index)
{
    *name_index = 0;
    if (!table->buckets) return 0;
    uint32_t link = table->buckets[hash & table->bucket_mask];
    for (unsigned steps = 0; link != 0 && steps != MAX_CHAIN_STEPS; ++steps) {
        uint32_t id = link - 1;
        /* Chains run from newer to older entries: past the first evicted one, all are gone. */
        if (!h2r_hpack_table_is_live(table, id)) break;
        const struct h2r_hpack_entry *entry = h2r_hpack_table_entry(table, id);
        const char *name = h2r_hpack_entry_name(table, entry);
        if (entry->name_hash == hash && entry->name_len == field->name_len &&
            bytes_equal(name, field->name, field->name_len)) {
            uint32_t index = H2R_HPACK_STATIC_COUNT + 1 + (table->next_id - 1 - id);
            if (entry->value_len == field->value_len &&
                bytes_equal(name + entry->name_len, field->value, field->value_len))
                return index;
            if (!*name_index) *name_index = index;
        }
        link = entry->chain;
    }
    return 0;
}

static int is_sensitive(const h2r_hpack_field *field, unsigned static_name)
{
    if (field->flags & H2R_HPACK_FIELD_NEVER_INDEX) return 1;
    switch (static_name) {
    case STATIC_AUTHORIZATION:
    case STATIC_PROXY_AUTHORIZATION: return 1;
    case STATIC_COOKIE: return field->value_len < SHORT_COOKIE_LEN;
    default: return 0;
    }
}

/*
 * Is this field (by the hash of its name and value) among the last few
 * changeable ones seen? Remembers it, newest first, if not.
 */
static int seen_recently(h2r_hpack_encoder *enc, uint32_t name_hash, const h2r_hpack_field *field)
{
    uint32_t *recent = h2r_hpack_table_recent_values(&enc->table);
    if (!recent) return 0;
    uint32_t hash = hash_bytes(name_hash, field->value, field->value_len);
    for (unsigned i = 0; i != H2R_HPACK_RECENT_VALUES; ++i)
        if (recent[i] == hash) return 1;
    memmove(recent + 1, recent, (H2R_HPACK_RECENT_VALUES - 1) * sizeof(*recent));
    recent[0] = hash;
    return 0;
}

/*
 * Worth a table entry (unless the caller said)? Not entries so big they
 * would flush most of the table. Values that change with most messages
 * (paths, lengths, validators, dates of age) only once seen again: a
 * repeated response (one file's etag and length) then costs a byte a field,
 * and a run of unique values takes no room from the fields that do repeat.
 */
static int should_index(h2r_hpack_encoder *enc, const h2r_hpack_field *field, unsigned static_name,
                        uint32_t name_hash)
{
    if (field->flags & H2R_HPACK_FIELD_NO_INDEX) return 0;
    if (field->flags & H2R_HPACK_FIELD_INDEX) return 1;
    if (field->name_len + field->value_len + H2R_HPACK_ENTRY_OVERHEAD > enc->table.max_size * 3 / 4) return 0;
    switch (static_name) {
    case STATIC_SET_COOKIE: return 0;
    case STATIC_PATH:
    case STATIC_AGE:
    case STATIC_CONTENT_LENGTH:
    case STATIC_ETAG:
    case STATIC_IF_MODIFIED_SINCE:
    case STATIC_IF_NONE_MATCH:
    case STATIC_LOCATION: return seen_recently(enc, name_hash, field);
    default: return 1;
    }
}

static uint8_t *write_string(const h2r_hpack_encoder *enc, uint8_t *dst, const char *str, size_t len)
{
    if (enc->huffman && len != 0) {
        size_t huffman_len = h2r_hpack_huffman_encoded_len((const uint8_t *)str, len);
        /* Not longer rather than shorter: what RFC 7541's examples do, at no cost in size. */
        if (huffman_len <= len) {
            dst = h2r_hpack_encode_integer(dst, 0x80, 7, huffman_len);
            return dst + h2r_hpack_huffman_encode(dst, (const uint8_t *)str, len);
        }
    }
    dst = h2r_hpack_encode_integer(dst, 0x00, 7, len);
    if (len) memcpy(dst, str, len);
    return dst + len;
}

static uint8_t *encode_field(h2r_hpack_encoder *enc, const h2r_hpack_field *field, uint8_t *dst)
{
    unsigned static_full;
    unsigned static_name =
        h2r_hpack_static_find(field->name, field->name_len, field->value, field->value_len, &static_full);
    int sensitive = is_sensitive(field, static_name);
    if (static_full && !sensitive) return h2r_hpack_encode_integer(dst, 0x80, 7, static_full);

    uint32_t hash = hash_bytes(2166136261u, field->name, field->name_len), dynamic_name;
    uint32_t dynamic_full = find_in_table(&enc->table, hash, field, &dynamic_name);
    uint32_t name_index = static_name ? static_name : dynamic_name;

    if (sensitive) {
        /* Never-indexed even when the table has it, so that intermediaries keep it out of theirs (§7.1.3). */
        dst = h2r_hpack_encode_integer(dst, 0x10, 4, name_index);
    } else if (dynamic_full) {
        return h2r_hpack_encode_integer(dst, 0x80, 7, dynamic_full);
    } else if (should_index(enc, field, static_name, hash) &&
               h2r_hpack_table_add(&enc->table, field->name, field->name_len, field->value, field->value_len,
                                   (uint8_t)static_name, 1, hash) == 0) {
        /* name_index was taken before the insertion, as the decoder resolves it (§4.4). */
        dst = h2r_hpack_encode_integer(dst, 0x40, 6, name_index);
    } else {
        dst = h2r_hpack_encode_integer(dst, 0x00, 4, name_index);
    }
    if (name_index == 0) dst = write_string(enc, dst, field->name, field->name_len);
    return write_string(enc, dst, field->value, field->value_len);
}

ssize_t h2r_hpack_encode(h2r_hpack_encoder *enc, const h2r_hpack_field *fields, size_t count, uint8_t *out,
                         size_t out_cap)
{
    if (out_cap < h2r_hpack_encode_bound(fields, count)) return H2R_HPACK_ERR_BUFFER_TOO_SMALL;
    uint8_t *dst = out;
    if (enc->update_pending) {
        if (enc->pending_min_size < enc->table.max_size)
            dst = h2r_hpack_encode_integer(dst, 0x20, 5, enc->pending_min_size);
        dst = h2r_hpack_encode_integer(dst, 0x20, 5, enc->table.max_size);
        enc->update_pending = 0;
    }
    for (size_t i = 0; i != count; ++i) dst = encode_field(enc, &fields[i], dst);
    return dst - out;
}
