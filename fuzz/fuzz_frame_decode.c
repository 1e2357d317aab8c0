/*
 * libFuzzer target: arbitrary bytes as a sequence of HTTP/2 frames, each run
 * through the decoder of its type (core/frame.c).
 *
 * Input: frames back to back, each a 9-byte frame header (RFC 9113 §4.1)
 * followed by its payload. A Length past the end of the input is cut to what
 * is left, so that every input is a valid sequence; unknown types are skipped.
 * Each payload is copied into a buffer of exactly its length, so that ASan
 * catches any read past it.
 *
 * Aborts when a decoder returns a code it has no business returning, breaks
 * a stream-id rule of §6, points outside the payload, or accepts a frame
 * that the matching writer does not write back byte for byte (reserved bits
 * aside).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        fprintf(stderr, "fuzz_frame_decode: " __VA_ARGS__);                                                  \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)

struct frame {
    struct h2r_frame_header h;
    const uint8_t *payload; /* exactly h.length bytes */
};

/* [p, p + n) lies within the payload; every byte is touched so that ASan checks it is readable. */
static void check_within(const struct frame *f, const char *what, const uint8_t *p, size_t n)
{
    if (n > f->h.length || p < f->payload || (size_t)(p - f->payload) > f->h.length - n)
        FAIL("type %#x: %s (%zu bytes) outside the payload of %u", f->h.type, what, n, f->h.length);
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < n; i++) sum ^= p[i];
    (void)sum;
}

/*
 * What a writer put out for an accepted frame is the frame: its header (with
 * the flags the writer sets) and the first fixed_len bytes of its payload.
 * With reserved_bit, the payload's first bit is a reserved bit, which the
 * writer clears.
 */
static void check_written(const struct frame *f, uint8_t flags, const uint8_t *written, size_t fixed_len,
                          int reserved_bit)
{
    uint8_t head[H2R_FRAME_HEADER_LEN];
    h2r_frame_header_encode(head, f->h.length, f->h.type, flags, f->h.stream_id);
    if (memcmp(written, head, sizeof(head)) != 0) FAIL("type %#x: the writer's header differs", f->h.type);
    if (fixed_len == 0) return;
    const uint8_t *fixed = written + sizeof(head);
    uint8_t first = reserved_bit ? f->payload[0] & 0x7f : f->payload[0];
    if (fixed[0] != first || memcmp(fixed + 1, f->payload + 1, fixed_len - 1) != 0)
        FAIL("type %#x: the writer's fixed fields differ", f->h.type);
}

static void check_priority_spec(const struct h2r_priority_spec *p)
{
    if (p->weight < 1 || p->weight > 256 || p->dependency > H2R_STREAM_ID_MASK || p->exclusive > 1)
        FAIL("impossible priority (dependency %u, weight %u, exclusive %u)", p->dependency, p->weight,
             p->exclusive);
}

/* Padded frames: Pad Length, the body, then exactly Pad Length bytes of padding (§6.1). */
static void check_padding(const struct frame *f, const uint8_t *body_end)
{
    size_t pad = (f->h.flags & H2R_FLAG_PADDED) ? f->payload[0] : 0;
    if (body_end + pad != f->payload + f->h.length)
        FAIL("type %#x: body and padding do not fill the payload", f->h.type);
}

/* Each fuzz_* runs one decoder, checks what it output if it accepted the frame, and returns its result. */

static int fuzz_data(const struct frame *f)
{
    struct h2r_data_frame d;
    int rc = h2r_frame_decode_data(&f->h, f->payload, &d);
    if (rc) return rc;
    check_within(f, "data", d.data, d.len);
    if (d.data != f->payload + ((f->h.flags & H2R_FLAG_PADDED) ? 1 : 0))
        FAIL("DATA does not start after Pad Length");
    check_padding(f, d.data + d.len);
    if (d.flow_controlled_len != f->h.length) FAIL("DATA flow-controlled length %zu", d.flow_controlled_len);
    return 0;
}

static int fuzz_headers(const struct frame *f)
{
    struct h2r_headers_frame hf;
    int rc = h2r_frame_decode_headers(&f->h, f->payload, &hf);
    if (rc) return rc;
    check_within(f, "header block", hf.block, hf.block_len);
    check_padding(f, hf.block + hf.block_len);
    if (hf.has_priority != !!(f->h.flags & H2R_FLAG_PRIORITY))
        FAIL("HEADERS has_priority disagrees with the flag");
    check_priority_spec(&hf.priority);
    return 0;
}

static int fuzz_priority(const struct frame *f)
{
    struct h2r_priority_spec p;
    int rc = h2r_frame_decode_priority(&f->h, f->payload, &p);
    if (rc) return rc;
    check_priority_spec(&p);
    uint8_t out[H2R_FRAME_HEADER_LEN + 5];
    h2r_frame_write_priority(out, f->h.stream_id, &p);
    check_written(f, 0, out, 5, 0);
    return 0;
}

static int fuzz_rst_stream(const struct frame *f)
{
    uint32_t code;
    int rc = h2r_frame_decode_rst_stream(&f->h, f->payload, &code);
    if (rc) return rc;
    uint8_t out[H2R_FRAME_HEADER_LEN + 4];
    h2r_frame_write_rst_stream(out, f->h.stream_id, code);
    check_written(f, 0, out, 4, 0);
    return 0;
}

/* The value rules of §6.5.2, RFC 8441 §3 and RFC 9218 §2.1, restated. */
static int setting_valid(struct h2r_setting s)
{
    switch (s.id) {
    case H2R_SETTINGS_ENABLE_PUSH:
    case H2R_SETTINGS_ENABLE_CONNECT_PROTOCOL:
    case H2R_SETTINGS_NO_RFC7540_PRIORITIES: return s.value <= 1;
    case H2R_SETTINGS_INITIAL_WINDOW_SIZE: return s.value <= H2R_MAX_WINDOW;
    case H2R_SETTINGS_MAX_FRAME_SIZE:
        return s.value >= H2R_FRAME_MIN_MAX_SIZE && s.value <= H2R_FRAME_MAX_MAX_SIZE;
    default: return 1;
    }
}

static int fuzz_settings(const struct frame *f)
{
    int rc = h2r_frame_decode_settings(&f->h, f->payload);
    if (rc) return rc;
    if (f->h.length % 6 || ((f->h.flags & H2R_FLAG_ACK) && f->h.length))
        FAIL("SETTINGS of length %u accepted", f->h.length);
    size_t count = f->h.length / 6;
    struct h2r_setting settings[16];
    for (size_t i = 0; i < count; i++) {
        struct h2r_setting s = h2r_frame_settings_at(f->payload, i);
        if (!setting_valid(s)) FAIL("SETTINGS accepted setting %#x = %u", s.id, s.value);
        if (i < 16) settings[i] = s;
    }
    uint8_t out[H2R_FRAME_SETTINGS_MAX_LEN];
    if (f->h.flags & H2R_FLAG_ACK) {
        h2r_frame_write_settings_ack(out);
        check_written(f, H2R_FLAG_ACK, out, 0, 0);
    } else if (count <= 16) {
        h2r_frame_write_settings(out, settings, count);
        check_written(f, 0, out, f->h.length, 0);
    }
    /* getUnpackedSettings takes what a peer may send, and getPackedSettings packs it again. */
    h2r_settings unpacked;
    h2r_settings_default(&unpacked);
    uint32_t which;
    uint8_t packed[48];
    if (!(f->h.flags & H2R_FLAG_ACK) &&
        (h2r_get_unpacked_settings(f->payload, f->h.length, 1, &unpacked, &which) != 0 ||
         h2r_get_packed_settings(&unpacked, which, packed, sizeof(packed)) < 0))
        FAIL("accepted SETTINGS that getUnpackedSettings or getPackedSettings refuse");
    return 0;
}

static int fuzz_push_promise(const struct frame *f)
{
    struct h2r_push_promise_frame pp;
    int rc = h2r_frame_decode_push_promise(&f->h, f->payload, &pp);
    if (rc) return rc;
    check_within(f, "header block", pp.block, pp.block_len);
    check_padding(f, pp.block + pp.block_len);
    if (pp.promised_stream_id > H2R_STREAM_ID_MASK) FAIL("promised stream id %#x", pp.promised_stream_id);
    if (f->h.flags & H2R_FLAG_PADDED) return 0; /* the writer does not pad */
    uint8_t flags = f->h.flags & H2R_FLAG_END_HEADERS, out[H2R_FRAME_HEADER_LEN + 4];
    h2r_frame_write_push_promise(out, f->h.stream_id, flags, pp.promised_stream_id, pp.block_len);
    check_written(f, flags, out, 4, 1);
    return 0;
}

static int fuzz_ping(const struct frame *f)
{
    const uint8_t *opaque;
    int rc = h2r_frame_decode_ping(&f->h, f->payload, &opaque);
    if (rc) return rc;
    check_within(f, "opaque data", opaque, 8);
    uint8_t out[H2R_FRAME_HEADER_LEN + 8];
    h2r_frame_write_ping(out, opaque, f->h.flags & H2R_FLAG_ACK);
    check_written(f, f->h.flags & H2R_FLAG_ACK, out, 8, 0);
    return 0;
}

static int fuzz_goaway(const struct frame *f)
{
    struct h2r_goaway_frame g;
    int rc = h2r_frame_decode_goaway(&f->h, f->payload, &g);
    if (rc) return rc;
    check_within(f, "debug data", g.debug_data, g.debug_len);
    if (g.debug_data != f->payload + 8 || g.debug_len != f->h.length - 8u)
        FAIL("GOAWAY debug data misplaced");
    uint8_t out[H2R_FRAME_HEADER_LEN + 8];
    h2r_frame_write_goaway(out, g.last_stream_id, g.error_code, g.debug_len);
    check_written(f, 0, out, 8, 1);
    return 0;
}

static int fuzz_window_update(const struct frame *f)
{
    uint32_t increment;
    int rc = h2r_frame_decode_window_update(&f->h, f->payload, &increment);
    if (rc) return rc;
    uint8_t out[H2R_FRAME_HEADER_LEN + 4];
    h2r_frame_write_window_update(out, f->h.stream_id, increment);
    check_written(f, 0, out, 4, 1);
    return 0;
}

static int fuzz_continuation(const struct frame *f)
{
    return h2r_frame_decode_continuation(&f->h);
}

static int fuzz_altsvc(const struct frame *f)
{
    struct h2r_altsvc_frame a;
    int rc = h2r_frame_decode_altsvc(&f->h, f->payload, &a);
    if (rc) return rc;
    check_within(f, "origin", a.origin, a.origin_len);
    check_within(f, "value", a.value, a.value_len);
    if (a.origin != f->payload + 2 || a.value != a.origin + a.origin_len ||
        a.value + a.value_len != f->payload + f->h.length)
        FAIL("ALTSVC fields misplaced");
    if ((f->h.stream_id == 0) != (a.origin_len > 0))
        FAIL("ALTSVC origin rule broken on stream %u", f->h.stream_id);
    uint8_t out[H2R_FRAME_HEADER_LEN + 2];
    h2r_frame_write_altsvc(out, f->h.stream_id, a.origin_len, a.value_len);
    check_written(f, 0, out, 2, 0);
    return 0;
}

static int fuzz_priority_update(const struct frame *f)
{
    struct h2r_priority_update_frame pu;
    int rc = h2r_frame_decode_priority_update(&f->h, f->payload, &pu);
    if (rc) return rc;
    check_within(f, "field value", pu.field_value, pu.field_value_len);
    if (pu.field_value != f->payload + 4 || pu.field_value_len != f->h.length - 4u)
        FAIL("field value misplaced");
    if (pu.prioritized_stream_id == 0 || pu.prioritized_stream_id > H2R_STREAM_ID_MASK)
        FAIL("prioritized stream id %#x accepted", pu.prioritized_stream_id);
    uint8_t out[H2R_FRAME_HEADER_LEN + 4];
    h2r_frame_write_priority_update(out, pu.prioritized_stream_id, pu.field_value_len);
    check_written(f, 0, out, 4, 1);
    return 0;
}

static const struct decoder {
    int (*fuzz)(const struct frame *f);
    /* 1: MUST be on a stream; -1: MUST be on stream 0 (else PROTOCOL_ERROR); 0: either */
    int stream_rule;
} decoders[256] = {
    [H2R_FRAME_DATA] = {fuzz_data, 1},                        /* §6.1 */
    [H2R_FRAME_HEADERS] = {fuzz_headers, 1},                  /* §6.2 */
    [H2R_FRAME_PRIORITY] = {fuzz_priority, 1},                /* §6.3 */
    [H2R_FRAME_RST_STREAM] = {fuzz_rst_stream, 1},            /* §6.4 */
    [H2R_FRAME_SETTINGS] = {fuzz_settings, -1},               /* §6.5 */
    [H2R_FRAME_PUSH_PROMISE] = {fuzz_push_promise, 1},        /* §6.6 */
    [H2R_FRAME_PING] = {fuzz_ping, -1},                       /* §6.7 */
    [H2R_FRAME_GOAWAY] = {fuzz_goaway, -1},                   /* §6.8 */
    [H2R_FRAME_WINDOW_UPDATE] = {fuzz_window_update, 0},      /* §6.9 */
    [H2R_FRAME_CONTINUATION] = {fuzz_continuation, 1},        /* §6.10 */
    [H2R_FRAME_ALTSVC] = {fuzz_altsvc, 0},                    /* RFC 7838 §4 */
    [H2R_FRAME_PRIORITY_UPDATE] = {fuzz_priority_update, -1}, /* RFC 9218 §7.1 */
};

/* The result is one a decoder may give, and a broken stream-id rule is always the one reported. */
static void check_result(const struct frame *f, int stream_rule, int rc)
{
    int allowed;
    switch (f->h.type) {
    case H2R_FRAME_ALTSVC: allowed = rc == 0 || rc == -1; break; /* ignored, never an error */
    case H2R_FRAME_WINDOW_UPDATE: allowed = rc == 0 || rc == H2R_FRAME_SIZE_ERROR; break;
    case H2R_FRAME_SETTINGS:
        allowed =
            rc == 0 || rc == H2R_PROTOCOL_ERROR || rc == H2R_FRAME_SIZE_ERROR || rc == H2R_FLOW_CONTROL_ERROR;
        break;
    default: allowed = rc == 0 || rc == H2R_PROTOCOL_ERROR || rc == H2R_FRAME_SIZE_ERROR; break;
    }
    if (!allowed) FAIL("type %#x returned %d", f->h.type, rc);

    int misplaced = (stream_rule == 1 && f->h.stream_id == 0) || (stream_rule == -1 && f->h.stream_id != 0);
    if (misplaced && rc != H2R_PROTOCOL_ERROR)
        FAIL("type %#x on stream %u returned %d, not PROTOCOL_ERROR", f->h.type, f->h.stream_id, rc);
}

/* The header as read, re-encoded, gives the input back but for the reserved bit (§4.1). */
static void check_header(const uint8_t *wire, const struct h2r_frame_header *h)
{
    uint8_t out[H2R_FRAME_HEADER_LEN];
    if (h->stream_id > H2R_STREAM_ID_MASK) FAIL("stream id %#x keeps its reserved bit", h->stream_id);
    if (h2r_frame_header_encode(out, h->length, h->type, h->flags, h->stream_id) != out + sizeof(out))
        FAIL("frame header encode did not return p + 9");
    if (memcmp(out, wire, 5) != 0 || out[5] != (wire[5] & 0x7f) || memcmp(out + 6, wire + 6, 3) != 0)
        FAIL("frame header does not round-trip");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    while (size - pos >= H2R_FRAME_HEADER_LEN) {
        struct frame f;
        h2r_frame_header_decode(data + pos, &f.h);
        check_header(data + pos, &f.h);
        pos += H2R_FRAME_HEADER_LEN;
        if (f.h.length > size - pos) f.h.length = (uint32_t)(size - pos);

        uint8_t *payload = malloc(f.h.length ? f.h.length : 1);
        if (!payload) abort();
        memcpy(payload, data + pos, f.h.length);
        pos += f.h.length;
        f.payload = payload;
        const struct decoder *d = &decoders[f.h.type];
        if (d->fuzz) check_result(&f, d->stream_rule, d->fuzz(&f)); /* unknown types are ignored (§4.1) */
        free(payload);
    }
    return 0;
}
