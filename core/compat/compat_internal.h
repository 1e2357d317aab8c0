/*
 * The compatibility layer's private layout, shared by its files: the
 * request/response pair, the memory inside it, and case-blind name
 * matching.
 */
#ifndef H2R_CORE_COMPAT_INTERNAL_H
#define H2R_CORE_COMPAT_INTERNAL_H

#include <stddef.h>

#include "h2ring/compat.h"

/* A header field from a name literal and a value with its length. */
#define FIELD(n, v, vlen)                                                                                    \
    ((h2r_header){.name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = (vlen)})

/*
 * Bytes each pair has beyond its request's fields: room for a response's
 * few headers and a handler's own small state (h2r_request_alloc), so that
 * a request costs one malloc. A pair is sized to its request: a benchmark's
 * five fields make a pair of a kilobyte, a browser's twenty one of two, and
 * the fewer bytes a request spans, the fewer cache lines it misses when a
 * thousand of them are in flight. Beyond it the pair grows by chunks.
 *
 * A request whose fields take more than H2R_COMPAT_SMALL_REQUEST_BYTES has
 * at least H2R_COMPAT_MIN_SPARE_BYTES, a one-header response's head (four
 * slots and its text), and the rest of its size class: a class a quarter
 * of its size wide gives more on average, and a peer holding such requests
 * by the thousand (the HTTP/2 Bomb) does not make each pay 384 bytes
 * rounded into the next class.
 */
#define H2R_COMPAT_SPARE_BYTES         384
#define H2R_COMPAT_MIN_SPARE_BYTES     192
#define H2R_COMPAT_SMALL_REQUEST_BYTES 512

enum {
    PAIR_CLOSED = 1u << 0,       /* the stream closed: sending calls fail with H2R_ERR_STREAM_CLOSED */
    REQ_COMPLETE = 1u << 1,      /* the request was received in full */
    REQ_ABORTED = 1u << 2,       /* on_aborted came */
    REQ_IS_HEAD = 1u << 3,       /* the response has no body */
    RES_HEAD_SENT = 1u << 4,     /* h2r_stream_respond succeeded */
    RES_ENDED = 1u << 5,         /* end() was called */
    RES_NO_DATE = 1u << 6,       /* sendDate = false */
    RES_WAIT_TRAILERS = 1u << 7, /* responded with H2R_RESPOND_WAIT_FOR_TRAILERS */
    RES_TRAILERS_SENT = 1u << 8, /* on_want_trailers came and the trailers went */
};

struct h2r_request {
    const h2r_header *fields; /* every field as received, names and values NUL-terminated */
    size_t count;
    const h2r_header *trailers;
    size_t trailer_count;
    /* the pseudo-headers (or host for the authority) among fields, NULL when absent */
    const h2r_header *method, *path, *authority, *scheme;
    const h2r_header *expect; /* found while copying: every request is asked */
    const h2r_request_events *events;
    void *ctx;
};

struct h2r_response {
    /*
     * The headers set, lowercased, after a slot kept for :status so that the
     * head goes to the engine as it is; there is always room for two more
     * (date, content-length) at the end. NULL until a header is set.
     */
    h2r_header *fields;
    size_t count, cap; /* count includes the :status slot */
    h2r_header *trailers;
    size_t trailer_count;
    const h2r_response_events *events;
    void *ctx;
    unsigned status;
    char status_text[4];
};

/* A piece of memory beyond the inline bytes. */
struct h2r_compat_chunk {
    struct h2r_compat_chunk *next;
    _Alignas(16) char bytes[];
};

/* One request and its response, made in one allocation. */
struct h2r_compat_pair {
    h2r_stream *stream; /* referenced until the pair is freed */
    uint32_t refs;      /* the stream's (until it closes), the application's, and calls in progress */
    uint32_t flags;
    struct h2r_request req;
    struct h2r_response res;
    char *next, *end; /* free bytes: the inline ones, then the last chunk's */
    struct h2r_compat_chunk *chunks;
    _Alignas(16) char inline_bytes[];
};

static inline struct h2r_compat_pair *h2r_compat_pair_of_req(const h2r_request *req)
{
    return (struct h2r_compat_pair *)((char *)req - offsetof(struct h2r_compat_pair, req));
}

static inline struct h2r_compat_pair *h2r_compat_pair_of_res(const h2r_response *res)
{
    return (struct h2r_compat_pair *)((char *)res - offsetof(struct h2r_compat_pair, res));
}

/* h2r_response_headers_sent: the stream knows too if the head went out around this API (respondWithFile). */
static inline int h2r_compat_head_sent(const struct h2r_compat_pair *pair)
{
    return (pair->flags & RES_HEAD_SENT) || h2r_stream_headers_sent(pair->stream);
}

/* ---- pair.c: life cycle and memory ---- */

/*
 * A pair for stream, which it references and whose user_data it becomes,
 * with a copy of the request's fields (req.fields) and the spare bytes;
 * one reference, the stream's. NULL when out of memory.
 */
struct h2r_compat_pair *h2r_compat_pair_new(h2r_stream *stream, const h2r_header *request, size_t count);
void h2r_compat_pair_ref(struct h2r_compat_pair *pair);
/* Frees the pair with its last reference, and drops its stream reference. */
void h2r_compat_pair_unref(struct h2r_compat_pair *pair);
/* size bytes, 16-byte aligned, freed with the pair; NULL when out of memory. */
void *h2r_compat_alloc(struct h2r_compat_pair *pair, size_t size);
/*
 * Copies count fields and their bytes into the pair, each name and value
 * NUL-terminated, into *out. With outgoing set, names are lowercased and
 * must be tokens (H2R_ERR_INVALID_HEADER otherwise). Returns 0 or an error.
 */
int h2r_compat_copy_fields(struct h2r_compat_pair *pair, const h2r_header *fields, size_t count, int outgoing,
                           h2r_header **out);

/* ---- request.c ---- */

/* A pair for the request on stream (h2r_compat_pair_new), its pseudo-headers found; NULL without memory. */
struct h2r_compat_pair *h2r_compat_request_new(h2r_stream *stream, const h2r_header *fields, size_t count);

/* ---- names.c: header names regardless of case ---- */

static inline unsigned char h2r_compat_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Does the field's name equal name (name_len bytes), ignoring ASCII case? */
static inline int h2r_compat_name_eq(const h2r_header *field, const char *name, size_t name_len)
{
    if (field->name_len != name_len) return 0;
    for (size_t i = 0; i != name_len; ++i)
        if (h2r_compat_lower((unsigned char)field->name[i]) != h2r_compat_lower((unsigned char)name[i]))
            return 0;
    return 1;
}

/* The next field called name after prev (the first if prev is NULL) among count, or NULL. */
const h2r_header *h2r_compat_find(const h2r_header *fields, size_t count, const char *name,
                                  const h2r_header *prev);

/*
 * Writes name lowercased to out (len bytes, then a NUL). Returns 0, or -1 if
 * name is empty or has a byte that cannot be in a field name (RFC 9110 §5.6.2
 * token: this also keeps pseudo-headers out).
 */
int h2r_compat_lower_name(char *out, const char *name, size_t len);

/* ---- response_headers.c ---- */

/*
 * Makes sure the response has room for `more` fields beyond those set, plus
 * the two the head may add. Returns 0 or H2R_ERR_NOMEM.
 */
int h2r_compat_response_reserve(struct h2r_compat_pair *pair, size_t more);

/*
 * Sets (replace) or appends a header, name_len and value_len bytes, copied
 * with the name lowercased. Returns 0, H2R_ERR_INVALID_HEADER for a name
 * that is not a token, or H2R_ERR_NOMEM. The caller checks the head is not sent.
 */
int h2r_compat_response_set(struct h2r_compat_pair *pair, const char *name, size_t name_len,
                            const char *value, size_t value_len, int replace);

/* What the head needs to know of the headers set, found in one pass (names are stored lowercased). */
enum {
    HAS_DATE = 1u << 0,
    HAS_CONTENT_LENGTH = 1u << 1,
    HAS_TRAILER = 1u << 2, /* a trailer header announces trailers */
};
unsigned h2r_compat_response_scan(const struct h2r_response *res);

/* ---- trailers.c ---- */

/* on_want_trailers: sends the trailers added (none is an empty trailer section). */
void h2r_compat_response_send_trailers(struct h2r_compat_pair *pair);

#endif
