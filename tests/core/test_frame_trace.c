/*
 * The frame trace (h2r_session_callbacks.on_frame): every frame a session
 * sends is traced as the test peer parses it off the wire, and every frame
 * the peer writes is traced as received, in order, with its type, flags,
 * stream id and length; a server and a client session alike, header
 * blocks split into CONTINUATION and bodies into several DATA frames.
 */
#include <stdlib.h>

#include "app_recorder.h"
#include "check.h"
#include "peer.h"

#define MAX_TRACED 256

struct traced {
    int direction;
    struct h2r_frame_header h;
};

static struct {
    struct traced frames[MAX_TRACED];
    size_t count;
} trace;

static void on_frame(h2r_session *session, int direction, uint8_t type, uint8_t flags, uint32_t stream_id,
                     uint32_t length)
{
    (void)session;
    if (trace.count == MAX_TRACED) return;
    trace.frames[trace.count++] =
        (struct traced){direction, {.length = length, .type = type, .flags = flags, .stream_id = stream_id}};
}

static int same_header(const struct h2r_frame_header *a, const struct h2r_frame_header *b)
{
    return a->length == b->length && a->type == b->type && a->flags == b->flags &&
           a->stream_id == b->stream_id;
}

/* Are the frames traced in this direction exactly those (count of them)? */
static int traced_are(int direction, const struct h2r_frame_header *want, size_t count)
{
    size_t n = 0;
    for (size_t i = 0; i != trace.count; ++i) {
        if (trace.frames[i].direction != direction) continue;
        if (n == count || !same_header(&trace.frames[i].h, &want[n])) return 0;
        ++n;
    }
    return n == count;
}

/* Are the frames traced as sent exactly those the peer parsed off the wire? */
static int sent_is_wire(const struct peer *p)
{
    struct h2r_frame_header wire[PEER_MAX_FRAMES];
    for (size_t i = 0; i != p->frame_count; ++i) wire[i] = p->frames[i].h;
    return p->frame_count > 0 && traced_are(H2R_FRAME_SENT, wire, p->frame_count);
}

static uint8_t body[40000];
static char long_value[20000];

/* The server answers every request with a long header (two CONTINUATIONs at most) and a 40000-byte body. */
static void on_stream(h2r_session *s, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    (void)s, (void)headers, (void)count, (void)flags;
    h2r_header long_field = {
        .name = "x-long", .name_len = 6, .value = long_value, .value_len = sizeof(long_value)};
    CHECK(h2r_stream_respond(st, &long_field, 1, 0) == 0);
    CHECK(h2r_stream_write(st, body, sizeof(body), NULL, NULL) >= 0);
    CHECK(h2r_stream_end(st) == 0);
}

static void test_server(void)
{
    h2r_session_callbacks cb = {.on_stream = on_stream, .on_frame = on_frame};
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.settings.max_header_list_size = 1 << 20;
    struct peer p;
    trace.count = 0;
    peer_init(&p, &options, &cb, NULL);
    struct h2r_setting window = {H2R_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20};
    peer_preface(&p, &window, 1);
    peer_window_update(&p, 0, 1 << 20);
    /* A request whose header block is split in two: HEADERS and a CONTINUATION. */
    h2r_header request[] = {FIELD(":method", "GET"), FIELD(":scheme", "http"),
                            FIELD(":authority", "localhost"), FIELD(":path", "/")};
    uint8_t block[256];
    size_t len = peer_encode(&p, request, 4, block, sizeof(block));
    peer_frame(&p, H2R_FRAME_HEADERS, H2R_FLAG_END_STREAM, 1, block, 5);
    peer_frame(&p, H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 1, block + 5, len - 5);
    peer_flush(&p);

    struct h2r_frame_header received[] = {
        {.length = 6, .type = H2R_FRAME_SETTINGS, .flags = 0, .stream_id = 0},
        {.length = 4, .type = H2R_FRAME_WINDOW_UPDATE, .flags = 0, .stream_id = 0},
        {.length = 5, .type = H2R_FRAME_HEADERS, .flags = H2R_FLAG_END_STREAM, .stream_id = 1},
        {.length = (uint32_t)len - 5,
         .type = H2R_FRAME_CONTINUATION,
         .flags = H2R_FLAG_END_HEADERS,
         .stream_id = 1},
    };
    CHECK(traced_are(H2R_FRAME_RECEIVED, received, 4));
    CHECK(peer_count(&p, H2R_FRAME_CONTINUATION, 1) >= 1);
    CHECK(peer_count(&p, H2R_FRAME_DATA, 1) >= 3);
    CHECK(sent_is_wire(&p));
    int ended = 0;
    CHECK(peer_data_bytes(&p, 1, &ended) == sizeof(body) && ended);
    peer_free(&p);
}

/* The client's request with a body, answered by the peer playing the server. */
static void test_client(void)
{
    h2r_session_callbacks cb = {.on_frame = on_frame};
    struct peer p;
    trace.count = 0;
    peer_init_client(&p, NULL, &cb, NULL);
    h2r_header request[] = {FIELD(":method", "POST"), FIELD(":path", "/upload")};
    h2r_stream *st = NULL;
    CHECK(h2r_session_request(p.session, request, 2, 0, &st) == 0);
    CHECK(h2r_stream_write(st, body, 20000, NULL, NULL) >= 0);
    CHECK(h2r_stream_end(st) == 0);
    peer_settings(&p, NULL, 0);
    peer_settings_ack(&p);
    peer_flush(&p);
    /* The preface is not a frame: the first traced is our SETTINGS, as on the wire. */
    CHECK(sent_is_wire(&p));
    CHECK(trace.count && trace.frames[0].direction == H2R_FRAME_SENT &&
          trace.frames[0].h.type == H2R_FRAME_SETTINGS);
    CHECK(peer_count(&p, H2R_FRAME_DATA, 1) == 2);

    h2r_header response[] = {FIELD(":status", "200")};
    peer_headers(&p, 1, H2R_FLAG_END_STREAM | H2R_FLAG_END_HEADERS, response, 1);
    peer_flush(&p);
    const struct traced *last = &trace.frames[trace.count - 1];
    CHECK(last->direction == H2R_FRAME_RECEIVED && last->h.type == H2R_FRAME_HEADERS &&
          last->h.stream_id == 1 && last->h.flags == (H2R_FLAG_END_STREAM | H2R_FLAG_END_HEADERS));
    peer_free(&p);
}

static void test_names(void)
{
    CHECK(strcmp(h2r_frame_type_name(H2R_FRAME_DATA), "DATA") == 0);
    CHECK(strcmp(h2r_frame_type_name(H2R_FRAME_PUSH_PROMISE), "PUSH_PROMISE") == 0);
    CHECK(strcmp(h2r_frame_type_name(H2R_FRAME_PRIORITY_UPDATE), "PRIORITY_UPDATE") == 0);
    CHECK(strcmp(h2r_frame_type_name(0xb), "UNKNOWN") == 0);
    CHECK(strcmp(h2r_frame_type_name(0xff), "UNKNOWN") == 0);
}

int main(void)
{
    memset(long_value, 'v', sizeof(long_value));
    test_server();
    test_client();
    test_names();
    return check_done();
}
