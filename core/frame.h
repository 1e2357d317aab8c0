/*
 * HTTP/2 frames (RFC 9113 §4, §6; ALTSVC RFC 7838, ORIGIN RFC 8336,
 * PRIORITY_UPDATE RFC 9218): the wire layout, and nothing else.
 *
 * Decoders check what can be checked from one frame alone (lengths, padding,
 * reserved bits, stream 0 or not) and return 0 or the HTTP/2 error code the
 * RFC names; the session decides whether that is a stream or a connection
 * error (e.g. a PRIORITY frame of the wrong length is a stream error). They
 * never read past the payload and never copy it: outputs point into it.
 *
 * Writers fill a caller buffer with a frame header and the fixed part of a
 * payload; variable parts (header blocks, DATA, debug data) are sent by
 * reference after them, which is how the session avoids copying.
 */
#ifndef H2R_CORE_FRAME_H
#define H2R_CORE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "h2ring/engine.h"

#define H2R_FRAME_HEADER_LEN 9
/* SETTINGS_MAX_FRAME_SIZE bounds (RFC 9113 §6.5.2). */
#define H2R_FRAME_MIN_MAX_SIZE 16384u
#define H2R_FRAME_MAX_MAX_SIZE 16777215u
#define H2R_MAX_WINDOW         0x7fffffffu
#define H2R_STREAM_ID_MASK     0x7fffffffu

/* Frame types and setting identifiers are public: h2ring/constants.h. */

enum h2r_frame_flag {
    H2R_FLAG_END_STREAM = 0x01,
    H2R_FLAG_ACK = 0x01,
    H2R_FLAG_END_HEADERS = 0x04,
    H2R_FLAG_PADDED = 0x08,
    H2R_FLAG_PRIORITY = 0x20,
};

struct h2r_frame_header {
    uint32_t length; /* 24 bits */
    uint8_t type;
    uint8_t flags;
    uint32_t stream_id; /* reserved bit cleared */
};

/** Reads the 9-byte frame header at p. */
void h2r_frame_header_decode(const uint8_t *p, struct h2r_frame_header *header);

/** Writes a 9-byte frame header; returns p + 9. */
uint8_t *h2r_frame_header_encode(uint8_t *p, uint32_t length, uint8_t type, uint8_t flags,
                                 uint32_t stream_id);

/* ---- payload decoders: each returns 0 or an h2r_error_code ---- */

/* RFC 7540 priority fields, as carried by HEADERS and PRIORITY. */
struct h2r_priority_spec {
    uint32_t dependency;
    uint16_t weight; /* 1..256 (the wire value + 1) */
    uint8_t exclusive;
};

struct h2r_data_frame {
    const uint8_t *data;
    size_t len;
    /* The whole payload length including padding: what flow control counts (§6.9.1). */
    size_t flow_controlled_len;
};
int h2r_frame_decode_data(const struct h2r_frame_header *h, const uint8_t *payload,
                          struct h2r_data_frame *out);

struct h2r_headers_frame {
    const uint8_t *block; /* header block fragment */
    size_t block_len;
    uint8_t has_priority;
    struct h2r_priority_spec priority;
};
int h2r_frame_decode_headers(const struct h2r_frame_header *h, const uint8_t *payload,
                             struct h2r_headers_frame *out);

/* Returns H2R_FRAME_SIZE_ERROR when the length is not 5 (a stream error for PRIORITY, §6.3). */
int h2r_frame_decode_priority(const struct h2r_frame_header *h, const uint8_t *payload,
                              struct h2r_priority_spec *out);

int h2r_frame_decode_rst_stream(const struct h2r_frame_header *h, const uint8_t *payload,
                                uint32_t *error_code);

struct h2r_setting {
    uint16_t id;
    uint32_t value;
};
/*
 * Validates a SETTINGS frame (stream 0, length a multiple of 6, ACK with an
 * empty payload) and the values of the known settings (ENABLE_PUSH 0/1,
 * INITIAL_WINDOW_SIZE <= 2^31-1 (FLOW_CONTROL_ERROR), MAX_FRAME_SIZE within
 * bounds, ENABLE_CONNECT_PROTOCOL and NO_RFC7540_PRIORITIES 0/1). Iterate
 * with h2r_frame_settings_at(payload, i) for i < h->length / 6.
 */
int h2r_frame_decode_settings(const struct h2r_frame_header *h, const uint8_t *payload);
struct h2r_setting h2r_frame_settings_at(const uint8_t *payload, size_t i);

struct h2r_push_promise_frame {
    uint32_t promised_stream_id;
    const uint8_t *block;
    size_t block_len;
};
int h2r_frame_decode_push_promise(const struct h2r_frame_header *h, const uint8_t *payload,
                                  struct h2r_push_promise_frame *out);

/* PING: stream 0, length 8; *opaque points at the 8 bytes. */
int h2r_frame_decode_ping(const struct h2r_frame_header *h, const uint8_t *payload, const uint8_t **opaque);

struct h2r_goaway_frame {
    uint32_t last_stream_id;
    uint32_t error_code;
    const uint8_t *debug_data;
    size_t debug_len;
};
int h2r_frame_decode_goaway(const struct h2r_frame_header *h, const uint8_t *payload,
                            struct h2r_goaway_frame *out);

/* WINDOW_UPDATE: length 4; the increment may be 0 (the caller decides the error's scope, §6.9). */
int h2r_frame_decode_window_update(const struct h2r_frame_header *h, const uint8_t *payload,
                                   uint32_t *increment);

/* CONTINUATION: must be on a stream; the whole payload is a block fragment. */
int h2r_frame_decode_continuation(const struct h2r_frame_header *h);

struct h2r_altsvc_frame {
    const uint8_t *origin;
    size_t origin_len;
    const uint8_t *value;
    size_t value_len;
};
/* ALTSVC (RFC 7838 §4): a malformed one is to be ignored, so this returns -1 (not an error code) for those.
 */
int h2r_frame_decode_altsvc(const struct h2r_frame_header *h, const uint8_t *payload,
                            struct h2r_altsvc_frame *out);

/*
 * ORIGIN (RFC 8336 §2): the Origin-Entry at *at, before end, each a 16-bit
 * length and that many bytes. Returns 1 with the entry (and *at past it),
 * 0 at end, -1 for an entry that runs past end.
 */
int h2r_frame_next_origin(const uint8_t **at, const uint8_t *end, const uint8_t **origin, size_t *len);

struct h2r_priority_update_frame {
    uint32_t prioritized_stream_id;
    const uint8_t *field_value; /* RFC 9218 priority field value, e.g. "u=1, i" */
    size_t field_value_len;
};
int h2r_frame_decode_priority_update(const struct h2r_frame_header *h, const uint8_t *payload,
                                     struct h2r_priority_update_frame *out);

/* ---- writers: frame header plus fixed payload fields into buf; return the bytes written ---- */

#define H2R_FRAME_SETTINGS_MAX_LEN (H2R_FRAME_HEADER_LEN + 6 * 16)

size_t h2r_frame_write_settings(uint8_t *buf, const struct h2r_setting *settings, size_t count);
size_t h2r_frame_write_settings_ack(uint8_t *buf);
size_t h2r_frame_write_ping(uint8_t *buf, const uint8_t opaque[8], int ack);
size_t h2r_frame_write_rst_stream(uint8_t *buf, uint32_t stream_id, uint32_t error_code);
size_t h2r_frame_write_window_update(uint8_t *buf, uint32_t stream_id, uint32_t increment);
size_t h2r_frame_write_priority(uint8_t *buf, uint32_t stream_id, const struct h2r_priority_spec *priority);
/* GOAWAY header and fixed fields (17 bytes); debug_len bytes of debug data follow by reference. */
size_t h2r_frame_write_goaway(uint8_t *buf, uint32_t last_stream_id, uint32_t error_code, size_t debug_len);
/* ALTSVC header and origin length (11 bytes); origin and value follow by reference. */
size_t h2r_frame_write_altsvc(uint8_t *buf, uint32_t stream_id, size_t origin_len, size_t value_len);
/* ORIGIN frame header (9 bytes) for a payload of payload_len bytes of (2-byte length, origin) entries. */
size_t h2r_frame_write_origin_header(uint8_t *buf, size_t payload_len);
/* PRIORITY_UPDATE header and prioritized stream id (13 bytes); the field value follows by reference. */
size_t h2r_frame_write_priority_update(uint8_t *buf, uint32_t prioritized_stream_id, size_t value_len);
/* PUSH_PROMISE header and promised id (13 bytes); the block fragment follows by reference. */
size_t h2r_frame_write_push_promise(uint8_t *buf, uint32_t stream_id, uint8_t flags,
                                    uint32_t promised_stream_id, size_t fragment_len);

#endif
