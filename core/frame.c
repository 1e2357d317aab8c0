/*
 * HTTP/2 frame layouts (RFC 9113 §4.1, §6) and the extension frames h2ring
 * speaks (ALTSVC RFC 7838, ORIGIN RFC 8336, PRIORITY_UPDATE RFC 9218).
 *
 * Decoders look at one frame and nothing else: they check the stream id
 * before the length, so that a frame that breaks both rules reports the
 * connection-level one (a PRIORITY frame on stream 0 with a bad length is a
 * PROTOCOL_ERROR, not a stream error on stream 0).
 */
#include <assert.h>
#include <string.h>

#include "frame.h"

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    return p + 4;
}

const char *h2r_error_code_name(uint32_t code)
{
    static const char *const names[] = {
        [H2R_NO_ERROR] = "NO_ERROR",
        [H2R_PROTOCOL_ERROR] = "PROTOCOL_ERROR",
        [H2R_INTERNAL_ERROR] = "INTERNAL_ERROR",
        [H2R_FLOW_CONTROL_ERROR] = "FLOW_CONTROL_ERROR",
        [H2R_SETTINGS_TIMEOUT] = "SETTINGS_TIMEOUT",
        [H2R_STREAM_CLOSED] = "STREAM_CLOSED",
        [H2R_FRAME_SIZE_ERROR] = "FRAME_SIZE_ERROR",
        [H2R_REFUSED_STREAM] = "REFUSED_STREAM",
        [H2R_CANCEL] = "CANCEL",
        [H2R_COMPRESSION_ERROR] = "COMPRESSION_ERROR",
        [H2R_CONNECT_ERROR] = "CONNECT_ERROR",
        [H2R_ENHANCE_YOUR_CALM] = "ENHANCE_YOUR_CALM",
        [H2R_INADEQUATE_SECURITY] = "INADEQUATE_SECURITY",
        [H2R_HTTP_1_1_REQUIRED] = "HTTP_1_1_REQUIRED",
    };
    /* §7: unknown codes are legal on the wire and carry no special meaning. */
    return code < sizeof(names) / sizeof(names[0]) ? names[code] : "UNKNOWN_ERROR";
}

const char *h2r_frame_type_name(uint8_t type)
{
    static const char *const names[] = {
        [H2R_FRAME_DATA] = "DATA",
        [H2R_FRAME_HEADERS] = "HEADERS",
        [H2R_FRAME_PRIORITY] = "PRIORITY",
        [H2R_FRAME_RST_STREAM] = "RST_STREAM",
        [H2R_FRAME_SETTINGS] = "SETTINGS",
        [H2R_FRAME_PUSH_PROMISE] = "PUSH_PROMISE",
        [H2R_FRAME_PING] = "PING",
        [H2R_FRAME_GOAWAY] = "GOAWAY",
        [H2R_FRAME_WINDOW_UPDATE] = "WINDOW_UPDATE",
        [H2R_FRAME_CONTINUATION] = "CONTINUATION",
        [H2R_FRAME_ALTSVC] = "ALTSVC",
        [H2R_FRAME_ORIGIN] = "ORIGIN",
        [H2R_FRAME_PRIORITY_UPDATE] = "PRIORITY_UPDATE",
    };
    const char *name = type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
    return name ? name : "UNKNOWN";
}

/* ---- frame header (§4.1) ---- */

void h2r_frame_header_decode(const uint8_t *p, struct h2r_frame_header *header)
{
    header->length = get24(p);
    header->type = p[3];
    header->flags = p[4];
    /* §4.1: the reserved bit MUST be ignored when receiving. */
    header->stream_id = get32(p + 5) & H2R_STREAM_ID_MASK;
}

uint8_t *h2r_frame_header_encode(uint8_t *p, uint32_t length, uint8_t type, uint8_t flags, uint32_t stream_id)
{
    /* A length that does not fit 24 bits would desynchronize the peer's framing. */
    assert(length <= H2R_FRAME_MAX_MAX_SIZE);
    p[0] = (uint8_t)(length >> 16);
    p[1] = (uint8_t)(length >> 8);
    p[2] = (uint8_t)length;
    p[3] = type;
    p[4] = flags;
    /* §4.1: the reserved bit MUST remain unset when sending. */
    return put32(p + 5, stream_id & H2R_STREAM_ID_MASK);
}

/* ---- decoders ---- */

/*
 * The part of a DATA, HEADERS or PUSH_PROMISE payload between the Pad Length
 * field and the padding, which starts with `fixed` bytes of mandatory fields.
 */
static int unpad(const struct h2r_frame_header *h, const uint8_t *payload, size_t fixed, const uint8_t **body,
                 size_t *body_len)
{
    size_t len = h->length;

    if (!(h->flags & H2R_FLAG_PADDED)) {
        /* §4.2: too small to contain mandatory frame data. */
        if (len < fixed) return H2R_FRAME_SIZE_ERROR;
        *body = payload;
        *body_len = len;
        return 0;
    }
    if (len < 1 + fixed) return H2R_FRAME_SIZE_ERROR; /* §4.2, as above */
    size_t pad = payload[0];
    /*
     * §6.1, §6.2, §6.6: padding as long as the payload or longer is a
     * PROTOCOL_ERROR; padding that would overlap the fields after Pad Length
     * is too (RFC 7540 §6.2: "exceeds the size remaining for the header
     * block fragment"). Padding that exactly fills the rest is valid.
     */
    if (pad > len - 1 - fixed) return H2R_PROTOCOL_ERROR;
    *body = payload + 1;
    *body_len = len - 1 - pad;
    return 0;
}

/* The 5-byte Exclusive, Stream Dependency and Weight fields (§6.2, §6.3). */
static void read_priority(const uint8_t *p, struct h2r_priority_spec *out)
{
    uint32_t word = get32(p);
    out->exclusive = (uint8_t)(word >> 31);
    out->dependency = word & H2R_STREAM_ID_MASK;
    out->weight = (uint16_t)(p[4] + 1);
}

int h2r_frame_decode_data(const struct h2r_frame_header *h, const uint8_t *payload,
                          struct h2r_data_frame *out)
{
    if (h->stream_id == 0) return H2R_PROTOCOL_ERROR; /* §6.1 */
    int err = unpad(h, payload, 0, &out->data, &out->len);
    if (err) return err;
    /* §6.1: the entire payload, Pad Length and Padding included, is flow controlled. */
    out->flow_controlled_len = h->length;
    return 0;
}

int h2r_frame_decode_headers(const struct h2r_frame_header *h, const uint8_t *payload,
                             struct h2r_headers_frame *out)
{
    if (h->stream_id == 0) return H2R_PROTOCOL_ERROR; /* §6.2 */
    size_t fixed = (h->flags & H2R_FLAG_PRIORITY) ? 5 : 0;
    const uint8_t *body;
    size_t body_len;
    int err = unpad(h, payload, fixed, &body, &body_len);
    if (err) return err;

    out->has_priority = fixed != 0;
    if (out->has_priority) {
        read_priority(body, &out->priority);
    } else {
        /* RFC 7540 §5.3.5: the default a stream without priority fields gets. */
        out->priority = (struct h2r_priority_spec){.dependency = 0, .weight = 16, .exclusive = 0};
    }
    out->block = body + fixed;
    out->block_len = body_len - fixed;
    return 0;
}

int h2r_frame_decode_priority(const struct h2r_frame_header *h, const uint8_t *payload,
                              struct h2r_priority_spec *out)
{
    if (h->stream_id == 0) return H2R_PROTOCOL_ERROR; /* §6.3, a connection error */
    if (h->length != 5) return H2R_FRAME_SIZE_ERROR;  /* §6.3, a stream error */
    read_priority(payload, out);
    return 0;
}

int h2r_frame_decode_rst_stream(const struct h2r_frame_header *h, const uint8_t *payload,
                                uint32_t *error_code)
{
    if (h->stream_id == 0) return H2R_PROTOCOL_ERROR; /* §6.4 */
    if (h->length != 4) return H2R_FRAME_SIZE_ERROR;  /* §6.4 */
    *error_code = get32(payload);
    return 0;
}

/* The range rules of the settings this side knows; any other id is ignored (§6.5.2). */
static int check_setting(struct h2r_setting s)
{
    switch (s.id) {
    case H2R_SETTINGS_ENABLE_PUSH:             /* §6.5.2 */
    case H2R_SETTINGS_ENABLE_CONNECT_PROTOCOL: /* RFC 8441 §3 */
    case H2R_SETTINGS_NO_RFC7540_PRIORITIES: /* RFC 9218 §2.1 */ return s.value > 1 ? H2R_PROTOCOL_ERROR : 0;
    case H2R_SETTINGS_INITIAL_WINDOW_SIZE: /* §6.5.2 */
        return s.value > H2R_MAX_WINDOW ? H2R_FLOW_CONTROL_ERROR : 0;
    case H2R_SETTINGS_MAX_FRAME_SIZE: /* §6.5.2 */
        return s.value < H2R_FRAME_MIN_MAX_SIZE || s.value > H2R_FRAME_MAX_MAX_SIZE ? H2R_PROTOCOL_ERROR : 0;
    default: return 0;
    }
}

int h2r_frame_decode_settings(const struct h2r_frame_header *h, const uint8_t *payload)
{
    if (h->stream_id != 0) return H2R_PROTOCOL_ERROR; /* §6.5 */
    /* §6.5: an ACK MUST have an empty payload. */
    if (h->flags & H2R_FLAG_ACK) return h->length == 0 ? 0 : H2R_FRAME_SIZE_ERROR;
    if (h->length % 6 != 0) return H2R_FRAME_SIZE_ERROR; /* §6.5 */
    for (size_t i = 0; i < h->length / 6; i++) {
        int err = check_setting(h2r_frame_settings_at(payload, i));
        if (err) return err;
    }
    return 0;
}

struct h2r_setting h2r_frame_settings_at(const uint8_t *payload, size_t i)
{
    const uint8_t *p = payload + 6 * i;
    return (struct h2r_setting){.id = get16(p), .value = get32(p + 2)};
}

int h2r_frame_decode_push_promise(const struct h2r_frame_header *h, const uint8_t *payload,
                                  struct h2r_push_promise_frame *out)
{
    if (h->stream_id == 0) return H2R_PROTOCOL_ERROR; /* §6.6 */
    const uint8_t *body;
    size_t body_len;
    int err = unpad(h, payload, 4, &body, &body_len);
    if (err) return err;
    out->promised_stream_id = get32(body) & H2R_STREAM_ID_MASK; /* §6.6: reserved bit ignored */
    out->block = body + 4;
    out->block_len = body_len - 4;
    return 0;
}

int h2r_frame_decode_ping(const struct h2r_frame_header *h, const uint8_t *payload, const uint8_t **opaque)
{
    if (h->stream_id != 0) return H2R_PROTOCOL_ERROR; /* §6.7 */
    if (h->length != 8) return H2R_FRAME_SIZE_ERROR;  /* §6.7 */
    *opaque = payload;
    return 0;
}

int h2r_frame_decode_goaway(const struct h2r_frame_header *h, const uint8_t *payload,
                            struct h2r_goaway_frame *out)
{
    if (h->stream_id != 0) return H2R_PROTOCOL_ERROR; /* §6.8 */
    /* §4.2: Last-Stream-ID and Error Code are mandatory. */
    if (h->length < 8) return H2R_FRAME_SIZE_ERROR;
    out->last_stream_id = get32(payload) & H2R_STREAM_ID_MASK; /* §6.8: reserved bit ignored */
    out->error_code = get32(payload + 4);
    out->debug_data = payload + 8;
    out->debug_len = h->length - 8;
    return 0;
}

int h2r_frame_decode_window_update(const struct h2r_frame_header *h, const uint8_t *payload,
                                   uint32_t *increment)
{
    /* §6.9: a connection error whatever the stream. */
    if (h->length != 4) return H2R_FRAME_SIZE_ERROR;
    *increment = get32(payload) & H2R_STREAM_ID_MASK; /* §6.9: reserved bit ignored */
    return 0;
}

int h2r_frame_decode_continuation(const struct h2r_frame_header *h)
{
    return h->stream_id == 0 ? H2R_PROTOCOL_ERROR : 0; /* §6.10 */
}

int h2r_frame_decode_altsvc(const struct h2r_frame_header *h, const uint8_t *payload,
                            struct h2r_altsvc_frame *out)
{
    /* RFC 7838 §4: invalid ALTSVC frames are ignored, not errors. */
    if (h->length < 2) return -1;
    size_t origin_len = get16(payload);
    if (origin_len > h->length - 2) return -1;
    /* RFC 7838 §4: an origin on stream 0, none on a stream (which names it). */
    if ((h->stream_id == 0) != (origin_len != 0)) return -1;
    out->origin = payload + 2;
    out->origin_len = origin_len;
    out->value = out->origin + origin_len;
    out->value_len = h->length - 2 - origin_len;
    return 0;
}

int h2r_frame_next_origin(const uint8_t **at, const uint8_t *end, const uint8_t **origin, size_t *len)
{
    if (*at == end) return 0;
    if (end - *at < 2 || (size_t)(end - *at - 2) < get16(*at)) return -1;
    *len = get16(*at);
    *origin = *at + 2;
    *at = *origin + *len;
    return 1;
}

int h2r_frame_decode_priority_update(const struct h2r_frame_header *h, const uint8_t *payload,
                                     struct h2r_priority_update_frame *out)
{
    if (h->stream_id != 0) return H2R_PROTOCOL_ERROR; /* RFC 9218 §7.1 */
    if (h->length < 4) return H2R_FRAME_SIZE_ERROR;   /* §4.2: the stream id is mandatory */
    out->prioritized_stream_id =
        get32(payload) & H2R_STREAM_ID_MASK; /* RFC 9218 §7.1: reserved bit ignored */
    /* RFC 9218 §7.1: prioritizing stream 0 is a connection error. */
    if (out->prioritized_stream_id == 0) return H2R_PROTOCOL_ERROR;
    out->field_value = payload + 4;
    out->field_value_len = h->length - 4;
    return 0;
}

/* ---- writers ---- */

/* A payload of fixed + variable bytes must fit the 24-bit Length field (§4.1). */
static uint32_t payload_length(size_t fixed, size_t variable)
{
    assert(variable <= H2R_FRAME_MAX_MAX_SIZE - fixed);
    return (uint32_t)(fixed + variable);
}

size_t h2r_frame_write_settings(uint8_t *buf, const struct h2r_setting *settings, size_t count)
{
    assert(count <= 16); /* what H2R_FRAME_SETTINGS_MAX_LEN allows for */
    uint8_t *p = h2r_frame_header_encode(buf, (uint32_t)(6 * count), H2R_FRAME_SETTINGS, 0, 0);
    for (size_t i = 0; i < count; i++) {
        p = put16(p, settings[i].id);
        p = put32(p, settings[i].value);
    }
    return (size_t)(p - buf);
}

size_t h2r_frame_write_settings_ack(uint8_t *buf)
{
    return (size_t)(h2r_frame_header_encode(buf, 0, H2R_FRAME_SETTINGS, H2R_FLAG_ACK, 0) - buf);
}

size_t h2r_frame_write_ping(uint8_t *buf, const uint8_t opaque[8], int ack)
{
    uint8_t *p = h2r_frame_header_encode(buf, 8, H2R_FRAME_PING, ack ? H2R_FLAG_ACK : 0, 0);
    memcpy(p, opaque, 8);
    return H2R_FRAME_HEADER_LEN + 8;
}

size_t h2r_frame_write_rst_stream(uint8_t *buf, uint32_t stream_id, uint32_t error_code)
{
    uint8_t *p = h2r_frame_header_encode(buf, 4, H2R_FRAME_RST_STREAM, 0, stream_id);
    return (size_t)(put32(p, error_code) - buf);
}

size_t h2r_frame_write_window_update(uint8_t *buf, uint32_t stream_id, uint32_t increment)
{
    uint8_t *p = h2r_frame_header_encode(buf, 4, H2R_FRAME_WINDOW_UPDATE, 0, stream_id);
    return (size_t)(put32(p, increment & H2R_STREAM_ID_MASK) - buf); /* §6.9: reserved bit unset */
}

size_t h2r_frame_write_priority(uint8_t *buf, uint32_t stream_id, const struct h2r_priority_spec *priority)
{
    assert(priority->weight >= 1 && priority->weight <= 256);
    uint8_t *p = h2r_frame_header_encode(buf, 5, H2R_FRAME_PRIORITY, 0, stream_id);
    uint32_t exclusive = priority->exclusive ? 0x80000000u : 0;
    p = put32(p, exclusive | (priority->dependency & H2R_STREAM_ID_MASK));
    *p++ = (uint8_t)(priority->weight - 1); /* §6.3: the wire carries weight - 1 */
    return (size_t)(p - buf);
}

size_t h2r_frame_write_goaway(uint8_t *buf, uint32_t last_stream_id, uint32_t error_code, size_t debug_len)
{
    uint8_t *p = h2r_frame_header_encode(buf, payload_length(8, debug_len), H2R_FRAME_GOAWAY, 0, 0);
    p = put32(p, last_stream_id & H2R_STREAM_ID_MASK); /* §6.8: reserved bit unset */
    return (size_t)(put32(p, error_code) - buf);
}

size_t h2r_frame_write_altsvc(uint8_t *buf, uint32_t stream_id, size_t origin_len, size_t value_len)
{
    assert(origin_len <= UINT16_MAX); /* RFC 7838 §4: Origin-Len is 16 bits */
    uint32_t length = payload_length(2, origin_len + value_len);
    uint8_t *p = h2r_frame_header_encode(buf, length, H2R_FRAME_ALTSVC, 0, stream_id);
    return (size_t)(put16(p, (uint16_t)origin_len) - buf);
}

size_t h2r_frame_write_origin_header(uint8_t *buf, size_t payload_len)
{
    /* RFC 8336 §2: ORIGIN is sent on stream 0 and defines no flags. */
    uint8_t *p = h2r_frame_header_encode(buf, payload_length(0, payload_len), H2R_FRAME_ORIGIN, 0, 0);
    return (size_t)(p - buf);
}

size_t h2r_frame_write_priority_update(uint8_t *buf, uint32_t prioritized_stream_id, size_t value_len)
{
    /* RFC 9218 §7.1: sent on stream 0, the reserved bit unset. */
    uint8_t *p = h2r_frame_header_encode(buf, payload_length(4, value_len), H2R_FRAME_PRIORITY_UPDATE, 0, 0);
    return (size_t)(put32(p, prioritized_stream_id & H2R_STREAM_ID_MASK) - buf);
}

size_t h2r_frame_write_push_promise(uint8_t *buf, uint32_t stream_id, uint8_t flags,
                                    uint32_t promised_stream_id, size_t fragment_len)
{
    /* No Pad Length is written, so END_HEADERS is the only flag that can be honoured (§6.6). */
    assert((flags & ~H2R_FLAG_END_HEADERS) == 0);
    uint32_t length = payload_length(4, fragment_len);
    uint8_t *p = h2r_frame_header_encode(buf, length, H2R_FRAME_PUSH_PROMISE, flags, stream_id);
    return (size_t)(put32(p, promised_stream_id & H2R_STREAM_ID_MASK) - buf); /* §6.6: reserved bit unset */
}
