/*
 * The request/response pair's life and memory: one malloc holds the pair,
 * the copies of its fields and whatever the handler allocates from it,
 * until the request or the response needs more than the inline bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "compat_internal.h"

static size_t round16(size_t size)
{
    return (size + 15) & ~(size_t)15;
}

/* The bytes a copy of these fields takes: the array, then each name and value with a NUL. */
static size_t fields_size(const h2r_header *fields, size_t count)
{
    size_t bytes = count * sizeof(h2r_header);
    for (size_t i = 0; i != count; ++i) bytes += fields[i].name_len + fields[i].value_len + 2;
    return round16(bytes);
}

/* Copies the fields into copy, which has fields_size bytes. */
static int copy_into(h2r_header *copy, const h2r_header *fields, size_t count, int outgoing)
{
    char *text = (char *)(copy + count);
    for (size_t i = 0; i != count; ++i) {
        const h2r_header *f = &fields[i];
        copy[i] = *f;
        copy[i].name = text;
        if (!outgoing) {
            memcpy(text, f->name, f->name_len);
            text[f->name_len] = '\0';
        } else if (h2r_compat_lower_name(text, f->name, f->name_len) != 0) {
            return H2R_ERR_INVALID_HEADER;
        }
        text += f->name_len + 1;
        copy[i].value = text;
        memcpy(text, f->value, f->value_len);
        text[f->value_len] = '\0';
        text += f->value_len + 1;
    }
    return 0;
}

/*
 * size rounded up to jemalloc's size class: multiples of 16 up to 128, then
 * four classes a doubling. The pair asks for the class in full, so that the
 * bytes it would be given anyway are its own with any allocator.
 */
static size_t size_class(size_t size)
{
    size_t step = 16;
    while (size > step * 8) step *= 2;
    return (size + step - 1) & ~(step - 1);
}

struct h2r_compat_pair *h2r_compat_pair_new(h2r_stream *stream, const h2r_header *request, size_t count)
{
    size_t request_bytes = fields_size(request, count), bytes = request_bytes + H2R_COMPAT_SPARE_BYTES;
    if (request_bytes > H2R_COMPAT_SMALL_REQUEST_BYTES)
        bytes = size_class(sizeof(struct h2r_compat_pair) + request_bytes + H2R_COMPAT_MIN_SPARE_BYTES) -
                sizeof(struct h2r_compat_pair);
    /* Not calloc: zeroing the spare bytes would cost more than the rest of the pair's setup. */
    struct h2r_compat_pair *pair = malloc(sizeof(*pair) + bytes);
    if (!pair) return NULL;
    memset(pair, 0, sizeof(*pair));
    pair->stream = stream;
    pair->refs = 1;
    pair->res.status = 200;
    /* The request's copy comes first, in the inline bytes sized for it. */
    h2r_header *copy = (h2r_header *)pair->inline_bytes;
    copy_into(copy, request, count, 0);
    pair->req.fields = copy;
    pair->req.count = count;
    pair->next = pair->inline_bytes + request_bytes;
    pair->end = pair->inline_bytes + bytes;
    h2r_stream_ref(stream);
    h2r_stream_set_user_data(stream, pair);
    return pair;
}

void h2r_compat_pair_ref(struct h2r_compat_pair *pair)
{
    ++pair->refs;
}

void h2r_compat_pair_unref(struct h2r_compat_pair *pair)
{
    /* The stream's reference goes last, when it closes: by then it points here no more. */
    if (--pair->refs) return;
    for (struct h2r_compat_chunk *c = pair->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    h2r_stream_unref(pair->stream);
    free(pair);
}

void *h2r_compat_alloc(struct h2r_compat_pair *pair, size_t size)
{
    size = round16(size);
    if ((size_t)(pair->end - pair->next) < size) {
        /* Small allocations share a new 4 KiB chunk; a large one gets a chunk of its own. */
        size_t room = size > 2048 ? size : 4096;
        struct h2r_compat_chunk *c = malloc(sizeof(*c) + room);
        if (!c) return NULL;
        c->next = pair->chunks;
        pair->chunks = c;
        pair->next = c->bytes;
        pair->end = c->bytes + room;
    }
    void *p = pair->next;
    pair->next += size;
    return p;
}

int h2r_compat_copy_fields(struct h2r_compat_pair *pair, const h2r_header *fields, size_t count, int outgoing,
                           h2r_header **out)
{
    *out = NULL;
    if (!count) return 0;
    h2r_header *copy = h2r_compat_alloc(pair, fields_size(fields, count));
    if (!copy) return H2R_ERR_NOMEM;
    /* On an error the bytes stay in the pair until it goes, unused. */
    int err = copy_into(copy, fields, count, outgoing);
    if (!err) *out = copy;
    return err;
}
