/*
 * HTTP message rules for HTTP/2 (RFC 9113 §8; extended CONNECT, RFC 8441 §4):
 * which header sections are well-formed. Pure functions over decoded fields,
 * called once per field as the HPACK decoder hands them out, then once at the
 * end of the section.
 *
 * A malformed section is a stream error of type PROTOCOL_ERROR (§8.1.1); the
 * checker only says so, with a short reason for logs and the API.
 */
#ifndef H2R_CORE_MESSAGE_H
#define H2R_CORE_MESSAGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "h2ring/hpack.h"

/* What kind of header section is being checked. */
enum h2r_section_kind {
    H2R_SECTION_REQUEST,      /* request headers, received by a server */
    H2R_SECTION_RESPONSE,     /* response headers (final or 1xx), received by a client */
    H2R_SECTION_TRAILERS,     /* trailers, either direction: no pseudo-header at all */
    H2R_SECTION_PUSH_PROMISE, /* a promised request, received by a client: must be safe and cacheable
                                 (GET/HEAD) */
};

/* Pseudo-headers seen, as bits. */
enum {
    H2R_PSEUDO_METHOD = 1u << 0,
    H2R_PSEUDO_SCHEME = 1u << 1,
    H2R_PSEUDO_AUTHORITY = 1u << 2,
    H2R_PSEUDO_PATH = 1u << 3,
    H2R_PSEUDO_PROTOCOL = 1u << 4,
    H2R_PSEUDO_STATUS = 1u << 5,
};

/* Running state of one section's check, and what it learnt. Zero-initialise with h2r_message_check_init. */
struct h2r_message_check {
    enum h2r_section_kind kind;
    uint8_t connect_protocol_enabled; /* we sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 */
    uint8_t regular_seen;             /* a regular field was seen: pseudo-headers must come first */
    uint32_t pseudo_seen;             /* H2R_PSEUDO_* bits */
    uint8_t is_connect;               /* :method is CONNECT */
    uint8_t is_head;                  /* :method is HEAD (the response has no body) */
    uint8_t has_content_length;
    uint64_t content_length;
    uint16_t status;   /* responses: :status */
    const char *error; /* the first violation, or NULL */

    /* Private to message.c: what the section-wide and host checks remember. */
    uint8_t flags;           /* :path is '*', :method is OPTIONS, :scheme is http or https */
    int32_t authority_port;  /* the port in :authority, or -1 when it has none */
    uint64_t authority_hash; /* hash of the host in :authority, case-folded */
};

void h2r_message_check_init(struct h2r_message_check *check, enum h2r_section_kind kind,
                            int connect_protocol_enabled);

/**
 * Checks one field (RFC 9113 §8.2.1 characters and case, §8.2.2
 * connection-specific fields and TE, §8.3 pseudo-headers: known names for
 * the section kind, no duplicates, none after a regular field, none in
 * trailers, valid values (:method a token, :scheme, :authority host[:port]
 * without userinfo, :path '/'-rooted or '*', :status 3 digits and not 101);
 * content-length syntax and repeated values that disagree; in requests, a
 * host that differs from :authority, §8.3.1). Content-length and host are
 * ordinary fields in trailers. A non-zero static_name_index is trusted: the
 * name is taken to be that static table entry's. Returns 0, or -1 after
 * setting check->error; later calls keep the first error.
 */
int h2r_message_check_field(struct h2r_message_check *check, const h2r_hpack_field *field);

/**
 * Checks the section as a whole once every field is in (required
 * pseudo-headers: :method, :scheme and a non-empty :path for requests, with
 * :path '*' for OPTIONS only; or CONNECT's :authority with a port, without
 * :scheme and :path; or extended CONNECT's :protocol with all four; :status
 * for responses; a promised request also needs :authority and no content,
 * §8.4). Returns 0 or -1 with check->error set.
 */
int h2r_message_check_end(struct h2r_message_check *check);

/**
 * Checks outgoing headers given by the application (respond, push, trailers,
 * 1xx): the same character rules, no connection-specific fields, pseudo-
 * headers allowed for the kind only, with valid values. Runs the per-field
 * checks only: pseudo-headers the session fills in (:status, :method, ...)
 * may be missing. :protocol is allowed in a request; whether the peer enabled
 * it is the session's to check. Returns NULL or a reason.
 */
const char *h2r_message_check_outgoing(const h2r_hpack_field *fields, size_t count,
                                       enum h2r_section_kind kind);

/* ---- header lists ---- */

/* The first field named name (exact bytes), or NULL. */
const h2r_hpack_field *h2r_find_header(const h2r_hpack_field *fields, size_t count, const char *name);
/* Is the field :status? */
static inline int h2r_header_is_status(const h2r_hpack_field *field)
{
    return field->name_len == 7 && memcmp(field->name, ":status", 7) == 0;
}

/* The value of a :status field as a number; 0 unless it is 3 digits. */
static inline unsigned h2r_status_code(const h2r_hpack_field *status)
{
    if (status->value_len != 3) return 0;
    unsigned code = 0;
    for (int i = 0; i != 3; ++i) {
        if (status->value[i] < '0' || status->value[i] > '9') return 0;
        code = code * 10 + (unsigned)(status->value[i] - '0');
    }
    return code;
}

#endif
