/*
 * h2ring HPACK (RFC 7541): header compression for HTTP/2.
 *
 * A standalone library: it depends on nothing else in h2ring and makes no
 * syscalls. One decoder and one encoder per HTTP/2 connection; both may be
 * embedded by value in a larger struct (their layouts are public for that
 * reason only: touch their members through the functions below).
 *
 * Decoding hands each field to a callback with pointers that stay valid only
 * for that call, so the common case (a field taken from a table) is never
 * copied. Encoding writes one header block into a caller-supplied buffer sized
 * with h2r_hpack_encode_bound().
 */
#ifndef H2RING_HPACK_H
#define H2RING_HPACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes, all negative. Every one but H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE,
 * H2R_HPACK_ERR_NOMEM and H2R_HPACK_ERR_BUFFER_TOO_SMALL is a COMPRESSION_ERROR
 * for the HTTP/2 connection (RFC 9113 §4.3). */
enum {
    H2R_HPACK_OK = 0,
    /** The block ends inside a representation. */
    H2R_HPACK_ERR_TRUNCATED = -1,
    /** An integer does not fit in 32 bits or uses too many continuation bytes. */
    H2R_HPACK_ERR_INTEGER_OVERFLOW = -2,
    /** Invalid Huffman data: the EOS symbol, or padding longer than 7 bits or not all ones. */
    H2R_HPACK_ERR_HUFFMAN = -3,
    /** Index 0, or an index past the end of the static and dynamic tables. */
    H2R_HPACK_ERR_INDEX = -4,
    /** A dynamic table size update above the limit set with SETTINGS_HEADER_TABLE_SIZE. */
    H2R_HPACK_ERR_SIZE_UPDATE_TOO_LARGE = -5,
    /** A dynamic table size update after the first field of a block. */
    H2R_HPACK_ERR_SIZE_UPDATE_MISPLACED = -6,
    /** The limit was lowered below the table's size and the block did not start with an update. */
    H2R_HPACK_ERR_SIZE_UPDATE_MISSING = -7,
    /**
     * The decoded header list exceeds the max header list size. Not a
     * compression error: the whole block was still decoded, so the dynamic
     * table is in sync and the connection can go on; the stream cannot.
     */
    H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE = -8,
    /** Memory allocation failed; the decoder or encoder state is unusable. */
    H2R_HPACK_ERR_NOMEM = -9,
    /** The output buffer is smaller than h2r_hpack_encode_bound(); nothing was written. */
    H2R_HPACK_ERR_BUFFER_TOO_SMALL = -10,
};

/** A readable message for one of the codes above. */
const char *h2r_hpack_strerror(int err);

/** Field flags. */
enum {
    /**
     * Never index (RFC 7541 §6.2.3): the field is sensitive and an
     * intermediary must forward it the same way. Set by the decoder on
     * fields received as never-indexed; honoured by the encoder.
     */
    H2R_HPACK_FIELD_NEVER_INDEX = 1u << 0,
    /** Encoder: do not add this field to the dynamic table (it may still reference it). */
    H2R_HPACK_FIELD_NO_INDEX = 1u << 1,
    /**
     * Encoder: add this field to the dynamic table if it fits, overriding the
     * policy that keeps out set-cookie, and fields which change often
     * (paths, lengths, validators, locations) until a value comes again
     * soon after. Sensitive fields stay out.
     */
    H2R_HPACK_FIELD_INDEX = 1u << 2,
};

/** One header field. Names and values are byte strings, not NUL-terminated. */
typedef struct h2r_hpack_field {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
    /** H2R_HPACK_FIELD_* bits. */
    uint8_t flags;
    /**
     * Decoder output only: the index (1..61) of the first static table entry
     * with this name, or 0 if the name is not in the static table. Lets the
     * caller recognise pseudo-headers and common fields without comparing
     * strings. The encoder ignores it.
     */
    uint8_t static_name_index;
} h2r_hpack_field;

/** The default SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2). */
#define H2R_HPACK_DEFAULT_TABLE_SIZE 4096u
/** RFC 7541 §4.1: each entry's size is its name and value lengths plus 32. */
#define H2R_HPACK_ENTRY_OVERHEAD 32u

/* ---- The dynamic table (private layout, shared by decoder and encoder) ---- */

struct h2r_hpack_entry {
    size_t pos; /* absolute position of the name's first byte; the value follows */
    uint32_t name_len;
    uint32_t value_len;
    uint32_t name_hash; /* encoder only: hash of the name */
    uint32_t chain;     /* encoder only: id of the previous entry in the same bucket */
    uint8_t static_name_index;
};

struct h2r_hpack_table {
    struct h2r_hpack_entry *entries; /* ring of entries, slot = id & entry_mask */
    uint32_t entry_mask;             /* capacity - 1 (capacity a power of two), or 0 when empty */
    uint32_t oldest_id;              /* live entries are ids [oldest_id, next_id) */
    uint32_t next_id;
    uint32_t bucket_mask; /* encoder only (buckets); here, where it fills what would be padding */
    char *bytes;          /* names and values, appended; compacted when the end is reached */
    size_t bytes_cap;
    size_t bytes_base; /* absolute position of bytes[0] */
    size_t bytes_end;  /* absolute position just past the newest entry */
    size_t size;       /* RFC 7541 size: sum of name + value + 32 over live entries */
    size_t max_size;   /* current maximum size, as set by the last size update */
    uint32_t *buckets; /* encoder only: newest entry id + 1 per name-hash bucket, 0 = none */
};

/* ---- Decoder ---- */

typedef struct h2r_hpack_decoder {
    struct h2r_hpack_table table;
    uint32_t settings_max_table_size; /* our SETTINGS_HEADER_TABLE_SIZE, as acknowledged */
    uint32_t lowest_unsignalled_max;  /* lowest setting since the last block, for the §4.2 check */
    uint8_t update_required;          /* the next block must start with a size update */
    size_t max_header_list_size;
    char *scratch; /* Huffman output and names copied out of the table */
    size_t scratch_cap;
} h2r_hpack_decoder;

/**
 * Called once per decoded field, in order. The field's strings are valid only
 * until the callback returns. Return 0 to go on; any other value stops the
 * decoding and h2r_hpack_decode() returns it. Stopping early leaves the
 * dynamic table out of step with the peer's encoder: the caller must treat it
 * as a connection error.
 */
typedef int (*h2r_hpack_on_field)(void *ctx, const h2r_hpack_field *field);

/**
 * Prepares a decoder. max_table_size is the table size limit already in
 * effect: H2R_HPACK_DEFAULT_TABLE_SIZE on a new HTTP/2 connection, whatever
 * we advertise, until the peer acknowledges our SETTINGS (then call
 * h2r_hpack_decoder_set_max_table_size). max_header_list_size bounds the decoded list
 * (RFC 9113 §6.5.2, counting 32 bytes per field) and so bounds the work of an
 * "HPACK bomb"; SIZE_MAX means no limit. Allocates nothing until it is used.
 */
void h2r_hpack_decoder_init(h2r_hpack_decoder *dec, uint32_t max_table_size, size_t max_header_list_size);

/** Frees what the decoder holds. The decoder may be initialised again. */
void h2r_hpack_decoder_dispose(h2r_hpack_decoder *dec);

/**
 * Applies a new SETTINGS_HEADER_TABLE_SIZE of ours once the peer has
 * acknowledged it. If it is below the table's current maximum, the next block
 * must start with a size update no larger than the lowest such setting (RFC
 * 7541 §4.2).
 */
void h2r_hpack_decoder_set_max_table_size(h2r_hpack_decoder *dec, uint32_t max_table_size);

/** Changes the max header list size (our SETTINGS_MAX_HEADER_LIST_SIZE). */
void h2r_hpack_decoder_set_max_header_list_size(h2r_hpack_decoder *dec, size_t max_header_list_size);

/**
 * Decodes one complete header block (all CONTINUATION fragments joined).
 * Returns H2R_HPACK_OK, a negative H2R_HPACK_ERR_* code, or the non-zero value
 * of a callback that stopped early. On H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE the
 * block was fully decoded but fields past the limit were not reported.
 */
int h2r_hpack_decode(h2r_hpack_decoder *dec, const uint8_t *block, size_t len, h2r_hpack_on_field on_field,
                     void *ctx);

/** The decoder's dynamic table size (RFC 7541 §4.1) and its current maximum. */
size_t h2r_hpack_decoder_table_size(const h2r_hpack_decoder *dec);
size_t h2r_hpack_decoder_table_max_size(const h2r_hpack_decoder *dec);

/* ---- Encoder ---- */

typedef struct h2r_hpack_encoder {
    struct h2r_hpack_table table;
    uint32_t own_max_table_size;  /* our cap (Node's maxDeflateDynamicTableSize) */
    uint32_t peer_max_table_size; /* the peer's SETTINGS_HEADER_TABLE_SIZE */
    uint32_t pending_min_size;    /* smallest size to signal before the next block */
    uint8_t update_pending;       /* a size update must start the next block */
    uint8_t huffman;              /* use Huffman coding when it is shorter (default on) */
} h2r_hpack_encoder;

/**
 * Prepares an encoder whose dynamic table never exceeds max_table_size
 * (Node's maxDeflateDynamicTableSize; 4096 is a good default). The table
 * starts at min(max_table_size, 4096), the size the peer allows until its
 * SETTINGS arrive. Allocates nothing until it is used.
 */
void h2r_hpack_encoder_init(h2r_hpack_encoder *enc, uint32_t max_table_size);

/** Frees what the encoder holds. The encoder may be initialised again. */
void h2r_hpack_encoder_dispose(h2r_hpack_encoder *enc);

/**
 * Applies the peer's SETTINGS_HEADER_TABLE_SIZE. The table size becomes
 * min(peer's value, our cap) and the next block starts with the size
 * update(s) RFC 7541 §4.2 asks for.
 */
void h2r_hpack_encoder_set_peer_max_table_size(h2r_hpack_encoder *enc, uint32_t peer_max_table_size);

/** Turns Huffman coding of string literals on (default) or off. */
void h2r_hpack_encoder_set_huffman(h2r_hpack_encoder *enc, int enabled);

/** An upper bound on the bytes h2r_hpack_encode() writes for these fields. */
size_t h2r_hpack_encode_bound(const h2r_hpack_field *fields, size_t count);

/**
 * Encodes one header block into out. Fields are taken as given (names must
 * already be lowercase). Strings are Huffman-coded when that is not longer;
 * authorization, proxy-authorization, short cookies
 * and fields flagged H2R_HPACK_FIELD_NEVER_INDEX are sent never-indexed.
 * Returns the number of bytes written, H2R_HPACK_ERR_BUFFER_TOO_SMALL if
 * out_cap < h2r_hpack_encode_bound() (nothing written, state untouched).
 * Never fails otherwise: a field the table has no memory for is sent
 * without indexing.
 */
ssize_t h2r_hpack_encode(h2r_hpack_encoder *enc, const h2r_hpack_field *fields, size_t count, uint8_t *out,
                         size_t out_cap);

/** The encoder's dynamic table size (RFC 7541 §4.1) and its current maximum. */
size_t h2r_hpack_encoder_table_size(const h2r_hpack_encoder *enc);
size_t h2r_hpack_encoder_table_max_size(const h2r_hpack_encoder *enc);

#ifdef __cplusplus
}
#endif

#endif
