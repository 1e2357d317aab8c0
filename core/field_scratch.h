/*
 * The session's scratch for the header fields of one received section (a
 * request head, trailers), in either protocol: the fields handed to
 * on_stream or on_trailers, valid during that callback, and bytes for what
 * the session makes of them (HPACK's decoded strings, HTTP/1's lowercased
 * names). Made with the first section, kept and reused for the next ones:
 * an idle session does without it.
 */
#ifndef H2R_CORE_FIELD_SCRATCH_H
#define H2R_CORE_FIELD_SCRATCH_H

#include "h2ring/engine.h"

struct field_scratch {
    h2r_header *fields;
    size_t fields_cap;
    char *bytes;
    size_t bytes_len, bytes_cap;
};

/* The session's scratch, emptied for a new section (made on the first call); NULL if out of memory. */
struct field_scratch *h2r_field_scratch_begin(h2r_session *session);
/* h2r_field_scratch_reserve when the scratch must grow. */
int h2r_field_scratch_grow(struct field_scratch *scratch, size_t fields, size_t bytes);

/* Makes room for fields entries and bytes bytes in all; 0, or H2R_ERR_NOMEM. Inline: it runs per field. */
static inline int h2r_field_scratch_reserve(struct field_scratch *scratch, size_t fields, size_t bytes)
{
    if (fields <= scratch->fields_cap && bytes <= scratch->bytes_cap) return 0;
    return h2r_field_scratch_grow(scratch, fields, bytes);
}
void h2r_field_scratch_free(struct field_scratch *scratch);

/* A scratch grown past this many fields or bytes is not kept once its section is handed over. */
#define FIELD_SCRATCH_KEPT_FIELDS 64
#define FIELD_SCRATCH_KEPT_BYTES  16384

/*
 * After a section: frees a scratch that one grew past what ordinary
 * sections need, since the session keeps it as long as it lives (a peer's
 * few requests of a hundred fields each, on many connections, would
 * otherwise pin several KiB on each). The next section makes it again.
 */
void h2r_field_scratch_trim(h2r_session *session);

#endif
