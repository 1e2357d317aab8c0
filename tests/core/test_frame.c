/*
 * Frame layouts (core/frame.c): every decoder on valid frames, from the
 * writer where there is one and from hand-built bytes otherwise, and every
 * error RFC 9113 §6 (and RFC 7838, RFC 9218) names, with its exact code.
 *
 * Payloads are copied into buffers of exactly their length, so that ASan
 * reports any read past the end of a payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "frame.h"

/* A payload given inline: the bytes and their count. */
#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
#define NO_BYTES   NULL, 0

/* A heap copy of exactly len bytes (never NULL, so that len 0 is a valid payload too). */
static uint8_t *copy_of(const uint8_t *bytes, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    if (!p) abort();
    if (len) memcpy(p, bytes, len);
    return p;
}

static struct h2r_frame_header header(uint8_t type, uint8_t flags, uint32_t stream_id, size_t length)
{
    return (struct h2r_frame_header){
        .length = (uint32_t)length, .type = type, .flags = flags, .stream_id = stream_id};
}

/* Runs the decoder of h->type, for the tests that only look at the result. */
static int decode(const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_data_frame data;
    struct h2r_headers_frame headers;
    struct h2r_priority_spec priority;
    struct h2r_push_promise_frame push_promise;
    struct h2r_goaway_frame goaway;
    struct h2r_altsvc_frame altsvc;
    struct h2r_priority_update_frame priority_update;
    const uint8_t *opaque;
    uint32_t u32;

    switch (h->type) {
    case H2R_FRAME_DATA: return h2r_frame_decode_data(h, payload, &data);
    case H2R_FRAME_HEADERS: return h2r_frame_decode_headers(h, payload, &headers);
    case H2R_FRAME_PRIORITY: return h2r_frame_decode_priority(h, payload, &priority);
    case H2R_FRAME_RST_STREAM: return h2r_frame_decode_rst_stream(h, payload, &u32);
    case H2R_FRAME_SETTINGS: return h2r_frame_decode_settings(h, payload);
    case H2R_FRAME_PUSH_PROMISE: return h2r_frame_decode_push_promise(h, payload, &push_promise);
    case H2R_FRAME_PING: return h2r_frame_decode_ping(h, payload, &opaque);
    case H2R_FRAME_GOAWAY: return h2r_frame_decode_goaway(h, payload, &goaway);
    case H2R_FRAME_WINDOW_UPDATE: return h2r_frame_decode_window_update(h, payload, &u32);
    case H2R_FRAME_CONTINUATION: return h2r_frame_decode_continuation(h);
    case H2R_FRAME_ALTSVC: return h2r_frame_decode_altsvc(h, payload, &altsvc);
    case H2R_FRAME_PRIORITY_UPDATE: return h2r_frame_decode_priority_update(h, payload, &priority_update);
    default: abort();
    }
}

static const char *result_name(int rc)
{
    return rc == -1 ? "ignored (-1)" : h2r_error_code_name((uint32_t)rc);
}

struct result_case {
    const char *what;
    uint8_t type, flags;
    uint32_t stream_id;
    const uint8_t *payload;
    size_t len;
    int expect; /* 0, an error code, or -1 (ALTSVC to ignore) */
};

/* Each case is one rule of RFC 9113 §4.2, §6 (or an extension's), and its exact code. */
static const struct result_case result_cases[] = {
    /* §6.1 DATA */
    {"DATA on stream 0", H2R_FRAME_DATA, 0, 0, BYTES('a'), H2R_PROTOCOL_ERROR},
    {"DATA padded on stream 0, no Pad Length", H2R_FRAME_DATA, H2R_FLAG_PADDED, 0, NO_BYTES,
     H2R_PROTOCOL_ERROR},
    {"DATA padded, no Pad Length", H2R_FRAME_DATA, H2R_FLAG_PADDED, 1, NO_BYTES, H2R_FRAME_SIZE_ERROR},
    {"DATA padding = payload length", H2R_FRAME_DATA, H2R_FLAG_PADDED, 1, BYTES(3, 'a', 0),
     H2R_PROTOCOL_ERROR},
    {"DATA padding > payload length", H2R_FRAME_DATA, H2R_FLAG_PADDED, 1, BYTES(255, 0), H2R_PROTOCOL_ERROR},
    {"DATA padding = payload - 1", H2R_FRAME_DATA, H2R_FLAG_PADDED, 1, BYTES(2, 0, 0), 0},
    {"DATA empty", H2R_FRAME_DATA, H2R_FLAG_END_STREAM, 1, NO_BYTES, 0},
    /* §6.2 HEADERS */
    {"HEADERS on stream 0", H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS, 0, BYTES(0x82), H2R_PROTOCOL_ERROR},
    {"HEADERS padded, no Pad Length", H2R_FRAME_HEADERS, H2R_FLAG_PADDED, 1, NO_BYTES, H2R_FRAME_SIZE_ERROR},
    {"HEADERS padding = payload length", H2R_FRAME_HEADERS, H2R_FLAG_PADDED, 1, BYTES(3, 0x82, 0),
     H2R_PROTOCOL_ERROR},
    {"HEADERS padding = payload - 1", H2R_FRAME_HEADERS, H2R_FLAG_PADDED, 1, BYTES(2, 0, 0), 0},
    {"HEADERS priority, 4 bytes", H2R_FRAME_HEADERS, H2R_FLAG_PRIORITY, 1, BYTES(0, 0, 0, 0),
     H2R_FRAME_SIZE_ERROR},
    {"HEADERS priority, empty", H2R_FRAME_HEADERS, H2R_FLAG_PRIORITY, 1, NO_BYTES, H2R_FRAME_SIZE_ERROR},
    {"HEADERS priority, exactly 5 bytes", H2R_FRAME_HEADERS, H2R_FLAG_PRIORITY, 1, BYTES(0, 0, 0, 0, 15), 0},
    {"HEADERS padded+priority, 5 bytes", H2R_FRAME_HEADERS, H2R_FLAG_PADDED | H2R_FLAG_PRIORITY, 1,
     BYTES(0, 0, 0, 0, 0), H2R_FRAME_SIZE_ERROR},
    {"HEADERS padded+priority, 6 bytes, no padding", H2R_FRAME_HEADERS, H2R_FLAG_PADDED | H2R_FLAG_PRIORITY,
     1, BYTES(0, 0, 0, 0, 0, 15), 0},
    {"HEADERS padded+priority, padding over the priority", H2R_FRAME_HEADERS,
     H2R_FLAG_PADDED | H2R_FLAG_PRIORITY, 1, BYTES(1, 0, 0, 0, 0, 15), H2R_PROTOCOL_ERROR},
    {"HEADERS padded+priority, padding = payload", H2R_FRAME_HEADERS, H2R_FLAG_PADDED | H2R_FLAG_PRIORITY, 1,
     BYTES(7, 0, 0, 0, 0, 15, 0), H2R_PROTOCOL_ERROR},
    {"HEADERS padded+priority, padding fills the rest", H2R_FRAME_HEADERS,
     H2R_FLAG_PADDED | H2R_FLAG_PRIORITY, 1, BYTES(2, 0, 0, 0, 0, 15, 0, 0), 0},
    /* §6.3 PRIORITY */
    {"PRIORITY on stream 0", H2R_FRAME_PRIORITY, 0, 0, BYTES(0, 0, 0, 1, 15), H2R_PROTOCOL_ERROR},
    {"PRIORITY on stream 0, bad length", H2R_FRAME_PRIORITY, 0, 0, BYTES(0, 0, 0, 1), H2R_PROTOCOL_ERROR},
    {"PRIORITY length 4", H2R_FRAME_PRIORITY, 0, 1, BYTES(0, 0, 0, 3), H2R_FRAME_SIZE_ERROR},
    {"PRIORITY length 6", H2R_FRAME_PRIORITY, 0, 1, BYTES(0, 0, 0, 3, 15, 0), H2R_FRAME_SIZE_ERROR},
    /* §6.4 RST_STREAM */
    {"RST_STREAM on stream 0", H2R_FRAME_RST_STREAM, 0, 0, BYTES(0, 0, 0, 8), H2R_PROTOCOL_ERROR},
    {"RST_STREAM length 3", H2R_FRAME_RST_STREAM, 0, 1, BYTES(0, 0, 8), H2R_FRAME_SIZE_ERROR},
    {"RST_STREAM length 5", H2R_FRAME_RST_STREAM, 0, 1, BYTES(0, 0, 0, 8, 0), H2R_FRAME_SIZE_ERROR},
    /* §6.5 SETTINGS */
    {"SETTINGS on stream 1", H2R_FRAME_SETTINGS, 0, 1, NO_BYTES, H2R_PROTOCOL_ERROR},
    {"SETTINGS ACK on stream 1", H2R_FRAME_SETTINGS, H2R_FLAG_ACK, 1, NO_BYTES, H2R_PROTOCOL_ERROR},
    {"SETTINGS empty", H2R_FRAME_SETTINGS, 0, 0, NO_BYTES, 0},
    {"SETTINGS ACK empty", H2R_FRAME_SETTINGS, H2R_FLAG_ACK, 0, NO_BYTES, 0},
    {"SETTINGS ACK with a setting", H2R_FRAME_SETTINGS, H2R_FLAG_ACK, 0, BYTES(0, 2, 0, 0, 0, 0),
     H2R_FRAME_SIZE_ERROR},
    {"SETTINGS length 5", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 2, 0, 0, 0), H2R_FRAME_SIZE_ERROR},
    {"SETTINGS length 7", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 2, 0, 0, 0, 0, 0), H2R_FRAME_SIZE_ERROR},
    {"SETTINGS_ENABLE_PUSH 0", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 2, 0, 0, 0, 0), 0},
    {"SETTINGS_ENABLE_PUSH 1", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 2, 0, 0, 0, 1), 0},
    {"SETTINGS_ENABLE_PUSH 2", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 2, 0, 0, 0, 2), H2R_PROTOCOL_ERROR},
    {"SETTINGS_ENABLE_PUSH 2^32-1", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 2, 255, 255, 255, 255),
     H2R_PROTOCOL_ERROR},
    {"SETTINGS_INITIAL_WINDOW_SIZE 2^31-1", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 4, 0x7f, 255, 255, 255), 0},
    {"SETTINGS_INITIAL_WINDOW_SIZE 2^31", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 4, 0x80, 0, 0, 0),
     H2R_FLOW_CONTROL_ERROR},
    {"SETTINGS_INITIAL_WINDOW_SIZE 0", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 4, 0, 0, 0, 0), 0},
    {"SETTINGS_MAX_FRAME_SIZE 16383", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 5, 0, 0, 0x3f, 0xff),
     H2R_PROTOCOL_ERROR},
    {"SETTINGS_MAX_FRAME_SIZE 16384", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 5, 0, 0, 0x40, 0), 0},
    {"SETTINGS_MAX_FRAME_SIZE 16777215", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 5, 0, 0xff, 0xff, 0xff), 0},
    {"SETTINGS_MAX_FRAME_SIZE 16777216", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 5, 1, 0, 0, 0),
     H2R_PROTOCOL_ERROR},
    {"SETTINGS_MAX_FRAME_SIZE 0", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 5, 0, 0, 0, 0), H2R_PROTOCOL_ERROR},
    {"SETTINGS_ENABLE_CONNECT_PROTOCOL 1", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 8, 0, 0, 0, 1), 0},
    {"SETTINGS_ENABLE_CONNECT_PROTOCOL 2", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 8, 0, 0, 0, 2),
     H2R_PROTOCOL_ERROR},
    {"SETTINGS_NO_RFC7540_PRIORITIES 1", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 9, 0, 0, 0, 1), 0},
    {"SETTINGS_NO_RFC7540_PRIORITIES 2", H2R_FRAME_SETTINGS, 0, 0, BYTES(0, 9, 0, 0, 0, 2),
     H2R_PROTOCOL_ERROR},
    {"SETTINGS any HEADER_TABLE_SIZE, MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE", H2R_FRAME_SETTINGS, 0, 0,
     BYTES(0, 1, 255, 255, 255, 255, 0, 3, 255, 255, 255, 255, 0, 6, 255, 255, 255, 255), 0},
    {"SETTINGS unknown ids ignored", H2R_FRAME_SETTINGS, 0, 0,
     BYTES(0, 0, 255, 255, 255, 255, 0, 7, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255), 0},
    {"SETTINGS bad value after a good one", H2R_FRAME_SETTINGS, 0, 0,
     BYTES(0, 2, 0, 0, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff), H2R_FLOW_CONTROL_ERROR},
    /* §6.6 PUSH_PROMISE */
    {"PUSH_PROMISE on stream 0", H2R_FRAME_PUSH_PROMISE, H2R_FLAG_END_HEADERS, 0, BYTES(0, 0, 0, 2),
     H2R_PROTOCOL_ERROR},
    {"PUSH_PROMISE length 3", H2R_FRAME_PUSH_PROMISE, H2R_FLAG_END_HEADERS, 1, BYTES(0, 0, 2),
     H2R_FRAME_SIZE_ERROR},
    {"PUSH_PROMISE padded, length 4", H2R_FRAME_PUSH_PROMISE, H2R_FLAG_PADDED, 1, BYTES(0, 0, 0, 2),
     H2R_FRAME_SIZE_ERROR},
    {"PUSH_PROMISE padding over the promised id", H2R_FRAME_PUSH_PROMISE, H2R_FLAG_PADDED, 1,
     BYTES(1, 0, 0, 0, 2), H2R_PROTOCOL_ERROR},
    {"PUSH_PROMISE padding = payload", H2R_FRAME_PUSH_PROMISE, H2R_FLAG_PADDED, 1, BYTES(6, 0, 0, 0, 2, 0),
     H2R_PROTOCOL_ERROR},
    /* §6.7 PING */
    {"PING on stream 1", H2R_FRAME_PING, 0, 1, BYTES(1, 2, 3, 4, 5, 6, 7, 8), H2R_PROTOCOL_ERROR},
    {"PING length 7", H2R_FRAME_PING, 0, 0, BYTES(1, 2, 3, 4, 5, 6, 7), H2R_FRAME_SIZE_ERROR},
    {"PING length 9", H2R_FRAME_PING, H2R_FLAG_ACK, 0, BYTES(1, 2, 3, 4, 5, 6, 7, 8, 9),
     H2R_FRAME_SIZE_ERROR},
    {"PING empty", H2R_FRAME_PING, 0, 0, NO_BYTES, H2R_FRAME_SIZE_ERROR},
    /* §6.8 GOAWAY */
    {"GOAWAY on stream 1", H2R_FRAME_GOAWAY, 0, 1, BYTES(0, 0, 0, 0, 0, 0, 0, 0), H2R_PROTOCOL_ERROR},
    {"GOAWAY length 7", H2R_FRAME_GOAWAY, 0, 0, BYTES(0, 0, 0, 0, 0, 0, 0), H2R_FRAME_SIZE_ERROR},
    {"GOAWAY length 8", H2R_FRAME_GOAWAY, 0, 0, BYTES(0, 0, 0, 0, 0, 0, 0, 0), 0},
    /* §6.9 WINDOW_UPDATE */
    {"WINDOW_UPDATE length 3", H2R_FRAME_WINDOW_UPDATE, 0, 0, BYTES(0, 0, 1), H2R_FRAME_SIZE_ERROR},
    {"WINDOW_UPDATE length 5 on a stream", H2R_FRAME_WINDOW_UPDATE, 0, 1, BYTES(0, 0, 0, 1, 0),
     H2R_FRAME_SIZE_ERROR},
    {"WINDOW_UPDATE increment 0 (the session's to judge)", H2R_FRAME_WINDOW_UPDATE, 0, 1, BYTES(0, 0, 0, 0),
     0},
    /* §6.10 CONTINUATION */
    {"CONTINUATION on stream 0", H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 0, BYTES(0x82),
     H2R_PROTOCOL_ERROR},
    {"CONTINUATION on stream 1", H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 1, BYTES(0x82), 0},
    {"CONTINUATION empty", H2R_FRAME_CONTINUATION, 0, 1, NO_BYTES, 0},
    /* RFC 7838 §4 ALTSVC: malformed ones are ignored */
    {"ALTSVC empty", H2R_FRAME_ALTSVC, 0, 0, NO_BYTES, -1},
    {"ALTSVC length 1", H2R_FRAME_ALTSVC, 0, 0, BYTES(0), -1},
    {"ALTSVC Origin-Len past the payload", H2R_FRAME_ALTSVC, 0, 0, BYTES(0, 2, 'a'), -1},
    {"ALTSVC stream 0 without origin", H2R_FRAME_ALTSVC, 0, 0, BYTES(0, 0, 'h', '2'), -1},
    {"ALTSVC stream 1 with origin", H2R_FRAME_ALTSVC, 0, 1, BYTES(0, 1, 'a', 'h', '2'), -1},
    {"ALTSVC stream 0, origin, no value", H2R_FRAME_ALTSVC, 0, 0, BYTES(0, 1, 'a'), 0},
    /* RFC 9218 §7.1 PRIORITY_UPDATE */
    {"PRIORITY_UPDATE on stream 1", H2R_FRAME_PRIORITY_UPDATE, 0, 1, BYTES(0, 0, 0, 1, 'i'),
     H2R_PROTOCOL_ERROR},
    {"PRIORITY_UPDATE length 3", H2R_FRAME_PRIORITY_UPDATE, 0, 0, BYTES(0, 0, 1), H2R_FRAME_SIZE_ERROR},
    {"PRIORITY_UPDATE empty", H2R_FRAME_PRIORITY_UPDATE, 0, 0, NO_BYTES, H2R_FRAME_SIZE_ERROR},
    {"PRIORITY_UPDATE for stream 0", H2R_FRAME_PRIORITY_UPDATE, 0, 0, BYTES(0, 0, 0, 0, 'i'),
     H2R_PROTOCOL_ERROR},
    {"PRIORITY_UPDATE for stream 0, reserved bit set", H2R_FRAME_PRIORITY_UPDATE, 0, 0, BYTES(0x80, 0, 0, 0),
     H2R_PROTOCOL_ERROR},
    {"PRIORITY_UPDATE length 4", H2R_FRAME_PRIORITY_UPDATE, 0, 0, BYTES(0, 0, 0, 1), 0},
};

static void test_result_cases(void)
{
    for (size_t i = 0; i < sizeof(result_cases) / sizeof(result_cases[0]); i++) {
        const struct result_case *c = &result_cases[i];
        struct h2r_frame_header h = header(c->type, c->flags, c->stream_id, c->len);
        uint8_t *payload = copy_of(c->payload, c->len);
        int rc = decode(&h, payload);
        CHECK_MSG(rc == c->expect, "%s: %s (want %s)", c->what, result_name(rc), result_name(c->expect));
        free(payload);
    }
}

static void test_error_code_names(void)
{
    static const char *const names[] = {
        "NO_ERROR",
        "PROTOCOL_ERROR",
        "INTERNAL_ERROR",
        "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT",
        "STREAM_CLOSED",
        "FRAME_SIZE_ERROR",
        "REFUSED_STREAM",
        "CANCEL",
        "COMPRESSION_ERROR",
        "CONNECT_ERROR",
        "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY",
        "HTTP_1_1_REQUIRED",
    };
    for (uint32_t code = 0; code < sizeof(names) / sizeof(names[0]); code++)
        CHECK_MSG(strcmp(h2r_error_code_name(code), names[code]) == 0, "error code %#x is %s", code,
                  names[code]);
    CHECK(strcmp(h2r_error_code_name(0xe), "UNKNOWN_ERROR") == 0);
    CHECK(strcmp(h2r_error_code_name(UINT32_MAX), "UNKNOWN_ERROR") == 0);
}

static void test_frame_header(void)
{
    uint8_t buf[H2R_FRAME_HEADER_LEN];
    struct h2r_frame_header h;

    /* The largest frame SETTINGS_MAX_FRAME_SIZE can allow (§4.2), reserved bit set by the caller. */
    CHECK(h2r_frame_header_encode(buf, 16777215, 0x42, 0xa5, 0xffffffff) == buf + H2R_FRAME_HEADER_LEN);
    static const uint8_t max_wire[] = {0xff, 0xff, 0xff, 0x42, 0xa5, 0x7f, 0xff, 0xff, 0xff};
    CHECK_MEM(buf, sizeof(buf), max_wire, sizeof(max_wire));
    h2r_frame_header_decode(buf, &h);
    CHECK(h.length == 16777215 && h.type == 0x42 && h.flags == 0xa5 && h.stream_id == 0x7fffffff);

    h2r_frame_header_encode(buf, 16384, H2R_FRAME_DATA, H2R_FLAG_END_STREAM, 1);
    static const uint8_t min_wire[] = {0x00, 0x40, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
    CHECK_MEM(buf, sizeof(buf), min_wire, sizeof(min_wire));

    /* §4.1: a reserved bit set by the peer is ignored. */
    static const uint8_t reserved[] = {0, 0, 0, H2R_FRAME_HEADERS, 0, 0x80, 0, 0, 3};
    h2r_frame_header_decode(reserved, &h);
    CHECK(h.length == 0 && h.type == H2R_FRAME_HEADERS && h.stream_id == 3);
    static const uint8_t reserved_only[] = {0, 0, 0, H2R_FRAME_DATA, 0, 0x80, 0, 0, 0};
    h2r_frame_header_decode(reserved_only, &h);
    CHECK_MSG(h.stream_id == 0, "stream id 0x80000000 is stream 0");
}

static void test_data(void)
{
    struct h2r_data_frame d;

    static const uint8_t plain[] = {'a', 'b', 'c'};
    uint8_t *p = copy_of(plain, sizeof(plain));
    struct h2r_frame_header h = header(H2R_FRAME_DATA, H2R_FLAG_END_STREAM, 1, sizeof(plain));
    CHECK(h2r_frame_decode_data(&h, p, &d) == 0 && d.data == p && d.len == 3 && d.flow_controlled_len == 3);
    free(p);

    p = copy_of(NULL, 0);
    h = header(H2R_FRAME_DATA, H2R_FLAG_END_STREAM, 1, 0);
    CHECK_MSG(h2r_frame_decode_data(&h, p, &d) == 0 && d.len == 0 && d.flow_controlled_len == 0,
              "empty DATA");
    free(p);

    /* §6.1: Pad Length and Padding count toward flow control. */
    static const uint8_t padded[] = {2, 'h', 'i', 0, 0};
    p = copy_of(padded, sizeof(padded));
    h = header(H2R_FRAME_DATA, H2R_FLAG_PADDED, 1, sizeof(padded));
    CHECK(h2r_frame_decode_data(&h, p, &d) == 0 && d.data == p + 1 && d.len == 2 &&
          d.flow_controlled_len == 5);
    free(p);

    static const uint8_t pad_zero[] = {0, 'h', 'i'};
    p = copy_of(pad_zero, sizeof(pad_zero));
    h = header(H2R_FRAME_DATA, H2R_FLAG_PADDED, 1, sizeof(pad_zero));
    CHECK_MSG(h2r_frame_decode_data(&h, p, &d) == 0 && d.data == p + 1 && d.len == 2 &&
                  d.flow_controlled_len == 3,
              "DATA with Pad Length 0");
    free(p);

    static const uint8_t only_pad_length[] = {0};
    p = copy_of(only_pad_length, 1);
    h = header(H2R_FRAME_DATA, H2R_FLAG_PADDED, 1, 1);
    CHECK_MSG(h2r_frame_decode_data(&h, p, &d) == 0 && d.len == 0 && d.flow_controlled_len == 1,
              "DATA of a Pad Length 0 alone");
    free(p);

    /* The most padding there can be: 255 bytes, and nothing else. */
    uint8_t all_padding[256] = {255};
    p = copy_of(all_padding, sizeof(all_padding));
    h = header(H2R_FRAME_DATA, H2R_FLAG_PADDED | H2R_FLAG_END_STREAM, 1, sizeof(all_padding));
    CHECK_MSG(h2r_frame_decode_data(&h, p, &d) == 0 && d.len == 0 && d.flow_controlled_len == 256,
              "DATA with only padding");
    free(p);
}

/* DATA payloads of the smallest and largest maximum frame sizes (§4.2). */
static void test_data_max_sizes(void)
{
    static const size_t sizes[] = {H2R_FRAME_MIN_MAX_SIZE, H2R_FRAME_MAX_MAX_SIZE};
    for (size_t i = 0; i < 2; i++) {
        size_t n = sizes[i];
        uint8_t *frame = calloc(1, H2R_FRAME_HEADER_LEN + n);
        if (!frame) abort();
        h2r_frame_header_encode(frame, (uint32_t)n, H2R_FRAME_DATA, H2R_FLAG_PADDED, 0x7fffffff);
        frame[H2R_FRAME_HEADER_LEN] = 255;

        struct h2r_frame_header h;
        struct h2r_data_frame d;
        h2r_frame_header_decode(frame, &h);
        const uint8_t *payload = frame + H2R_FRAME_HEADER_LEN;
        CHECK_MSG(h.length == n && h2r_frame_decode_data(&h, payload, &d) == 0 && d.data == payload + 1 &&
                      d.len == n - 256 && d.flow_controlled_len == n,
                  "padded DATA of %zu bytes", n);
        free(frame);
    }
}

static void test_headers(void)
{
    struct h2r_headers_frame f;

    static const uint8_t plain[] = {0x82, 0x86};
    uint8_t *p = copy_of(plain, sizeof(plain));
    struct h2r_frame_header h = header(H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS, 1, sizeof(plain));
    CHECK(h2r_frame_decode_headers(&h, p, &f) == 0 && f.block == p && f.block_len == 2 && !f.has_priority);
    CHECK_MSG(f.priority.dependency == 0 && f.priority.weight == 16 && !f.priority.exclusive,
              "HEADERS without priority gets the RFC 7540 §5.3.5 default");
    free(p);

    /* Exclusive, dependency 2^31-1, wire weight 255 (= 256). */
    static const uint8_t prio[] = {0xff, 0xff, 0xff, 0xff, 255, 0x82};
    p = copy_of(prio, sizeof(prio));
    h = header(H2R_FRAME_HEADERS, H2R_FLAG_PRIORITY | H2R_FLAG_END_HEADERS, 3, sizeof(prio));
    CHECK(h2r_frame_decode_headers(&h, p, &f) == 0 && f.has_priority && f.block == p + 5 && f.block_len == 1);
    CHECK(f.priority.exclusive == 1 && f.priority.dependency == 0x7fffffff && f.priority.weight == 256);
    free(p);

    /* Not exclusive, dependency 1, wire weight 0 (= 1), padding exactly filling the rest. */
    static const uint8_t both[] = {3, 0, 0, 0, 1, 0, 0x82, 0x84, 0, 0, 0};
    p = copy_of(both, sizeof(both));
    h = header(H2R_FRAME_HEADERS, H2R_FLAG_PADDED | H2R_FLAG_PRIORITY, 3, sizeof(both));
    CHECK(h2r_frame_decode_headers(&h, p, &f) == 0 && f.has_priority && f.block == p + 6 && f.block_len == 2);
    CHECK(f.priority.exclusive == 0 && f.priority.dependency == 1 && f.priority.weight == 1);
    free(p);

    static const uint8_t padded[] = {1, 0x82, 0};
    p = copy_of(padded, sizeof(padded));
    h = header(H2R_FRAME_HEADERS, H2R_FLAG_PADDED, 1, sizeof(padded));
    CHECK(h2r_frame_decode_headers(&h, p, &f) == 0 && f.block == p + 1 && f.block_len == 1 &&
          !f.has_priority);
    free(p);

    /* An empty block is valid framing (CONTINUATION frames may carry it all). */
    p = copy_of(NULL, 0);
    h = header(H2R_FRAME_HEADERS, 0, 1, 0);
    CHECK(h2r_frame_decode_headers(&h, p, &f) == 0 && f.block_len == 0);
    free(p);
}

static void test_priority(void)
{
    static const struct {
        struct h2r_priority_spec spec;
        uint8_t wire[5];
    } cases[] = {
        {{.dependency = 0, .weight = 1, .exclusive = 0}, {0, 0, 0, 0, 0}},
        {{.dependency = 0, .weight = 256, .exclusive = 1}, {0x80, 0, 0, 0, 255}},
        {{.dependency = 0x7fffffff, .weight = 16, .exclusive = 0}, {0x7f, 0xff, 0xff, 0xff, 15}},
        {{.dependency = 5, .weight = 201, .exclusive = 1}, {0x80, 0, 0, 5, 200}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[H2R_FRAME_HEADER_LEN + 5];
        CHECK(h2r_frame_write_priority(buf, 7, &cases[i].spec) == sizeof(buf));
        static const uint8_t head[] = {0, 0, 5, H2R_FRAME_PRIORITY, 0, 0, 0, 0, 7};
        CHECK_MEM(buf, H2R_FRAME_HEADER_LEN, head, sizeof(head));
        CHECK_MSG(memcmp(buf + H2R_FRAME_HEADER_LEN, cases[i].wire, 5) == 0, "PRIORITY weight %u on the wire",
                  cases[i].spec.weight);

        struct h2r_frame_header h;
        struct h2r_priority_spec out;
        h2r_frame_header_decode(buf, &h);
        uint8_t *p = copy_of(buf + H2R_FRAME_HEADER_LEN, h.length);
        CHECK(h2r_frame_decode_priority(&h, p, &out) == 0 && out.dependency == cases[i].spec.dependency &&
              out.weight == cases[i].spec.weight && out.exclusive == cases[i].spec.exclusive);
        free(p);
    }
}

static void test_rst_stream(void)
{
    uint8_t buf[13];
    CHECK(h2r_frame_write_rst_stream(buf, 0x7fffffff, H2R_CANCEL) == 13);
    static const uint8_t wire[] = {0, 0, 4, H2R_FRAME_RST_STREAM, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 8};
    CHECK_MEM(buf, sizeof(buf), wire, sizeof(wire));

    struct h2r_frame_header h;
    uint32_t code = 0;
    h2r_frame_header_decode(buf, &h);
    uint8_t *p = copy_of(buf + 9, h.length);
    CHECK(h2r_frame_decode_rst_stream(&h, p, &code) == 0 && code == H2R_CANCEL);
    free(p);

    /* §7: unknown codes are not an error. */
    static const uint8_t unknown[] = {0xde, 0xad, 0xbe, 0xef};
    p = copy_of(unknown, 4);
    h = header(H2R_FRAME_RST_STREAM, 0, 1, 4);
    CHECK(h2r_frame_decode_rst_stream(&h, p, &code) == 0 && code == 0xdeadbeef);
    free(p);
}

static void test_settings(void)
{
    static const struct h2r_setting sent[] = {
        {H2R_SETTINGS_HEADER_TABLE_SIZE, 0},
        {H2R_SETTINGS_ENABLE_PUSH, 0},
        {H2R_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
        {H2R_SETTINGS_INITIAL_WINDOW_SIZE, H2R_MAX_WINDOW},
        {H2R_SETTINGS_MAX_FRAME_SIZE, H2R_FRAME_MAX_MAX_SIZE},
        {H2R_SETTINGS_MAX_HEADER_LIST_SIZE, UINT32_MAX},
        {H2R_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1},
        {H2R_SETTINGS_NO_RFC7540_PRIORITIES, 1},
        {0xabcd, 0x12345678},
    };
    size_t n = sizeof(sent) / sizeof(sent[0]);
    uint8_t buf[H2R_FRAME_SETTINGS_MAX_LEN];
    CHECK(h2r_frame_write_settings(buf, sent, n) == H2R_FRAME_HEADER_LEN + 6 * n);
    static const uint8_t head[] = {0, 0, 54, H2R_FRAME_SETTINGS, 0, 0, 0, 0, 0};
    CHECK_MEM(buf, H2R_FRAME_HEADER_LEN, head, sizeof(head));
    static const uint8_t first_two[] = {0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0};
    CHECK_MEM(buf + H2R_FRAME_HEADER_LEN, sizeof(first_two), first_two, sizeof(first_two));
    static const uint8_t last[] = {0xab, 0xcd, 0x12, 0x34, 0x56, 0x78};
    CHECK_MEM(buf + H2R_FRAME_HEADER_LEN + 6 * (n - 1), 6, last, sizeof(last));

    struct h2r_frame_header h;
    h2r_frame_header_decode(buf, &h);
    uint8_t *p = copy_of(buf + H2R_FRAME_HEADER_LEN, h.length);
    CHECK(h2r_frame_decode_settings(&h, p) == 0 && h.length / 6 == n);
    for (size_t i = 0; i < n; i++) {
        struct h2r_setting s = h2r_frame_settings_at(p, i);
        CHECK_MSG(s.id == sent[i].id && s.value == sent[i].value, "setting %zu reads back", i);
    }
    free(p);

    /* Sixteen entries fill H2R_FRAME_SETTINGS_MAX_LEN exactly. */
    struct h2r_setting many[16];
    for (size_t i = 0; i < 16; i++)
        many[i] = (struct h2r_setting){.id = (uint16_t)(0x100 + i), .value = (uint32_t)i};
    CHECK(h2r_frame_write_settings(buf, many, 16) == H2R_FRAME_SETTINGS_MAX_LEN);
    h2r_frame_header_decode(buf, &h);
    CHECK(h.length == 96 && h2r_frame_decode_settings(&h, buf + H2R_FRAME_HEADER_LEN) == 0);
    CHECK(h2r_frame_settings_at(buf + H2R_FRAME_HEADER_LEN, 15).id == 0x10f);

    /* The empty SETTINGS of a connection preface (§3.4). */
    CHECK(h2r_frame_write_settings(buf, NULL, 0) == H2R_FRAME_HEADER_LEN);
    CHECK_MEM(buf, H2R_FRAME_HEADER_LEN, ((const uint8_t[]){0, 0, 0, 4, 0, 0, 0, 0, 0}), 9);

    CHECK(h2r_frame_write_settings_ack(buf) == H2R_FRAME_HEADER_LEN);
    CHECK_MEM(buf, H2R_FRAME_HEADER_LEN, ((const uint8_t[]){0, 0, 0, 4, 1, 0, 0, 0, 0}), 9);
    h2r_frame_header_decode(buf, &h);
    CHECK(h.flags == H2R_FLAG_ACK && h2r_frame_decode_settings(&h, buf + H2R_FRAME_HEADER_LEN) == 0);
}

static void test_push_promise(void)
{
    static const uint8_t block[] = {0x82, 0x87};
    uint8_t buf[13 + sizeof(block)];
    CHECK(h2r_frame_write_push_promise(buf, 1, H2R_FLAG_END_HEADERS, 0x7fffffff, sizeof(block)) == 13);
    memcpy(buf + 13, block, sizeof(block));
    static const uint8_t wire[] = {
        0,    0,    6,   H2R_FRAME_PUSH_PROMISE, H2R_FLAG_END_HEADERS, 0, 0, 0, 1, 0x7f, 0xff, 0xff,
        0xff, 0x82, 0x87};
    CHECK_MEM(buf, sizeof(buf), wire, sizeof(wire));

    struct h2r_frame_header h;
    struct h2r_push_promise_frame f;
    h2r_frame_header_decode(buf, &h);
    uint8_t *p = copy_of(buf + 9, h.length);
    CHECK(h2r_frame_decode_push_promise(&h, p, &f) == 0 && f.promised_stream_id == 0x7fffffff &&
          f.block == p + 4 && f.block_len == 2);
    free(p);

    /* Padded, the reserved bit of the promised id set (ignored), padding filling the rest. */
    static const uint8_t padded[] = {2, 0x80, 0, 0, 2, 0x82, 0, 0};
    p = copy_of(padded, sizeof(padded));
    h = header(H2R_FRAME_PUSH_PROMISE, H2R_FLAG_PADDED | H2R_FLAG_END_HEADERS, 1, sizeof(padded));
    CHECK(h2r_frame_decode_push_promise(&h, p, &f) == 0 && f.promised_stream_id == 2 && f.block == p + 5 &&
          f.block_len == 1);
    free(p);
}

static void test_ping(void)
{
    static const uint8_t opaque[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t buf[17];
    for (int ack = 0; ack <= 1; ack++) {
        CHECK(h2r_frame_write_ping(buf, opaque, ack) == 17);
        const uint8_t head[] = {0, 0, 8, H2R_FRAME_PING, ack ? H2R_FLAG_ACK : 0, 0, 0, 0, 0};
        CHECK_MEM(buf, 9, head, sizeof(head));
        CHECK_MEM(buf + 9, 8, opaque, 8);

        struct h2r_frame_header h;
        const uint8_t *out = NULL;
        h2r_frame_header_decode(buf, &h);
        uint8_t *p = copy_of(buf + 9, h.length);
        CHECK_MSG(h2r_frame_decode_ping(&h, p, &out) == 0 && out == p && (h.flags & H2R_FLAG_ACK) == ack,
                  "PING ack=%d round-trips", ack);
        free(p);
    }
}

static void test_goaway(void)
{
    static const char debug[] = "bye";
    uint8_t buf[17 + 3];
    CHECK(h2r_frame_write_goaway(buf, 0x7fffffff, H2R_ENHANCE_YOUR_CALM, 3) == 17);
    memcpy(buf + 17, debug, 3);
    static const uint8_t wire[] = {
        0, 0, 11, H2R_FRAME_GOAWAY, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0xb, 'b', 'y', 'e'};
    CHECK_MEM(buf, sizeof(buf), wire, sizeof(wire));

    struct h2r_frame_header h;
    struct h2r_goaway_frame f;
    h2r_frame_header_decode(buf, &h);
    uint8_t *p = copy_of(buf + 9, h.length);
    CHECK(h2r_frame_decode_goaway(&h, p, &f) == 0 && f.last_stream_id == 0x7fffffff &&
          f.error_code == H2R_ENHANCE_YOUR_CALM && f.debug_data == p + 8 && f.debug_len == 3);
    free(p);

    /* §6.8: the reserved bit of Last-Stream-ID is ignored; no debug data. */
    static const uint8_t reserved[] = {0x80, 0, 0, 5, 0, 0, 0, 0};
    p = copy_of(reserved, sizeof(reserved));
    h = header(H2R_FRAME_GOAWAY, 0, 0, sizeof(reserved));
    CHECK(h2r_frame_decode_goaway(&h, p, &f) == 0 && f.last_stream_id == 5 && f.error_code == 0 &&
          f.debug_len == 0);
    free(p);

    /* Debug data up to the largest frame: the length field is exact at the limit. */
    CHECK(h2r_frame_write_goaway(buf, 0, 0, H2R_FRAME_MAX_MAX_SIZE - 8) == 17);
    h2r_frame_header_decode(buf, &h);
    CHECK(h.length == H2R_FRAME_MAX_MAX_SIZE);
}

static void test_window_update(void)
{
    static const uint32_t increments[] = {1, 65535, H2R_MAX_WINDOW};
    for (size_t i = 0; i < 3; i++) {
        uint8_t buf[13];
        CHECK(h2r_frame_write_window_update(buf, 3, increments[i]) == 13);
        const uint8_t head[] = {0, 0, 4, H2R_FRAME_WINDOW_UPDATE, 0, 0, 0, 0, 3};
        const uint8_t be[] = {(uint8_t)(increments[i] >> 24), (uint8_t)(increments[i] >> 16),
                              (uint8_t)(increments[i] >> 8), (uint8_t)increments[i]};
        CHECK_MEM(buf, 9, head, sizeof(head));
        CHECK_MEM(buf + 9, 4, be, sizeof(be));

        struct h2r_frame_header h;
        uint32_t inc = 0;
        h2r_frame_header_decode(buf, &h);
        uint8_t *p = copy_of(buf + 9, h.length);
        CHECK_MSG(h2r_frame_decode_window_update(&h, p, &inc) == 0 && inc == increments[i],
                  "WINDOW_UPDATE %u round-trips", increments[i]);
        free(p);
    }

    /* §6.9: the reserved bit is ignored on receipt, on stream 0 too. */
    static const uint8_t reserved[] = {0xff, 0xff, 0xff, 0xff};
    uint8_t *p = copy_of(reserved, 4);
    struct h2r_frame_header h = header(H2R_FRAME_WINDOW_UPDATE, 0, 0, 4);
    uint32_t inc = 0;
    CHECK(h2r_frame_decode_window_update(&h, p, &inc) == 0 && inc == H2R_MAX_WINDOW);
    free(p);
}

static void test_altsvc(void)
{
    static const char origin[] = "https://example.com", value[] = "h2=\":8443\"";
    size_t olen = strlen(origin), vlen = strlen(value);
    uint8_t buf[11 + sizeof(origin) + sizeof(value)];

    CHECK(h2r_frame_write_altsvc(buf, 0, olen, vlen) == 11);
    memcpy(buf + 11, origin, olen);
    memcpy(buf + 11 + olen, value, vlen);
    const uint8_t head[] = {
        0, 0, (uint8_t)(2 + olen + vlen), H2R_FRAME_ALTSVC, 0, 0, 0, 0, 0, 0, (uint8_t)olen};
    CHECK_MEM(buf, 11, head, sizeof(head));

    struct h2r_frame_header h;
    struct h2r_altsvc_frame f;
    h2r_frame_header_decode(buf, &h);
    uint8_t *p = copy_of(buf + 9, h.length);
    CHECK(h2r_frame_decode_altsvc(&h, p, &f) == 0 && f.origin == p + 2 && f.origin_len == olen &&
          f.value == p + 2 + olen && f.value_len == vlen);
    free(p);

    /* On a stream, the origin is the stream's and the field is empty. */
    CHECK(h2r_frame_write_altsvc(buf, 5, 0, vlen) == 11);
    memcpy(buf + 11, value, vlen);
    h2r_frame_header_decode(buf, &h);
    p = copy_of(buf + 9, h.length);
    CHECK(h.stream_id == 5 && h2r_frame_decode_altsvc(&h, p, &f) == 0 && f.origin_len == 0 &&
          f.value == p + 2 && f.value_len == vlen);
    free(p);
}

static void test_origin(void)
{
    uint8_t buf[9];
    CHECK(h2r_frame_write_origin_header(buf, 2 + 19) == 9);
    CHECK_MEM(buf, 9, ((const uint8_t[]){0, 0, 21, 0xc, 0, 0, 0, 0, 0}), 9);
}

static void test_priority_update(void)
{
    static const char value[] = "u=1, i";
    size_t vlen = strlen(value);
    uint8_t buf[13 + sizeof(value)];
    CHECK(h2r_frame_write_priority_update(buf, 0x7fffffff, vlen) == 13);
    memcpy(buf + 13, value, vlen);
    static const uint8_t wire[] = {0,    0,    10,   0x10, 0,   0,   0,   0,   0,  0x7f,
                                   0xff, 0xff, 0xff, 'u',  '=', '1', ',', ' ', 'i'};
    CHECK_MEM(buf, 13 + vlen, wire, sizeof(wire));

    struct h2r_frame_header h;
    struct h2r_priority_update_frame f;
    h2r_frame_header_decode(buf, &h);
    uint8_t *p = copy_of(buf + 9, h.length);
    CHECK(h2r_frame_decode_priority_update(&h, p, &f) == 0 && f.prioritized_stream_id == 0x7fffffff &&
          f.field_value == p + 4 && f.field_value_len == vlen);
    free(p);

    /* The reserved bit of the prioritized stream id is ignored; an empty field value is framing-valid. */
    static const uint8_t reserved[] = {0x80, 0, 0, 3};
    p = copy_of(reserved, 4);
    h = header(H2R_FRAME_PRIORITY_UPDATE, 0, 0, 4);
    CHECK(h2r_frame_decode_priority_update(&h, p, &f) == 0 && f.prioritized_stream_id == 3 &&
          f.field_value_len == 0);
    free(p);
}

int main(void)
{
    test_error_code_names();
    test_frame_header();
    test_result_cases();
    test_data();
    test_data_max_sizes();
    test_headers();
    test_priority();
    test_rst_stream();
    test_settings();
    test_push_promise();
    test_ping();
    test_goaway();
    test_window_update();
    test_altsvc();
    test_origin();
    test_priority_update();
    return check_done();
}
