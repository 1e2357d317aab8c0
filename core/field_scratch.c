/*
 * The header field scratch: see field_scratch.h.
 */
#include <stdlib.h>

#include "array.h"
#include "session_internal.h"

struct field_scratch *h2r_field_scratch_begin(h2r_session *s)
{
    if (!s->scratch && !(s->scratch = calloc(1, sizeof(*s->scratch)))) return NULL;
    s->scratch->bytes_len = 0;
    return s->scratch;
}

int h2r_field_scratch_grow(struct field_scratch *fs, size_t fields, size_t bytes)
{
    /* At least 16 fields and 128 bytes: grown field by field (HTTP/2), a small request fits at once. */
    if (h2r_array_reserve((void **)&fs->fields, &fs->fields_cap, fields, sizeof(*fs->fields), 16) != 0 ||
        h2r_array_reserve((void **)&fs->bytes, &fs->bytes_cap, bytes, 1, 128) != 0)
        return H2R_ERR_NOMEM;
    return 0;
}

void h2r_field_scratch_trim(h2r_session *s)
{
    struct field_scratch *fs = s->scratch;
    if (!fs || (fs->fields_cap <= FIELD_SCRATCH_KEPT_FIELDS && fs->bytes_cap <= FIELD_SCRATCH_KEPT_BYTES))
        return;
    h2r_field_scratch_free(fs);
    s->scratch = NULL;
}

void h2r_field_scratch_free(struct field_scratch *fs)
{
    if (!fs) return;
    free(fs->fields);
    free(fs->bytes);
    free(fs);
}
