/*
 * The engine end to end against the test peer: a request, a response with a
 * body, and what comes back on the wire.
 */
#include <stdlib.h>

#include "check.h"
#include "peer.h"

static const char body[] = "Hello, World!";

static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags)
{
    (void)session;
    (void)headers;
    (void)count;
    (void)flags;
    h2r_header response[] = {
        {.name = "content-type", .name_len = 12, .value = "text/plain", .value_len = 10}};
    h2r_stream_respond(stream, response, 1, 0);
    h2r_stream_write(stream, body, 13, NULL, NULL);
    h2r_stream_end(stream);
}

static void test_hello(void)
{
    h2r_session_callbacks cb = {.on_stream = on_stream};
    struct peer p;
    peer_init(&p, NULL, &cb, NULL);
    peer_preface(&p, NULL, 0);
    peer_get(&p, 1, "/hello", 1);
    peer_flush(&p);
    CHECK_MSG(p.last_feed > 0, "the session took the preface and the request");
    const struct peer_frame *settings = peer_find(&p, H2R_FRAME_SETTINGS, 0);
    CHECK_MSG(settings && !(settings->h.flags & H2R_FLAG_ACK), "the server preface starts with SETTINGS");
    const struct peer_frame *headers = peer_find(&p, H2R_FRAME_HEADERS, 1);
    CHECK(headers && headers->hpack_error == 0);
    const char *status = peer_field(headers, ":status");
    CHECK_MSG(status && strcmp(status, "200") == 0, ":status 200");
    const char *type = peer_field(headers, "content-type");
    CHECK_MSG(type && strcmp(type, "text/plain") == 0, "content-type as given");
    int ended;
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 13 && ended, "13 bytes of body, then END_STREAM");
    const struct peer_frame *data = peer_find(&p, H2R_FRAME_DATA, 1);
    CHECK(data && memcmp(data->payload, body, 13) == 0);
    peer_free(&p);
}

static uint8_t big_body[256 * 1024];

static void on_stream_big(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                          int flags)
{
    (void)session;
    (void)headers;
    (void)count;
    (void)flags;
    h2r_stream_respond(stream, NULL, 0, 0);
    h2r_stream_write(stream, big_body, sizeof(big_body), NULL, NULL);
    h2r_stream_end(stream);
}

/* HEADERS with RFC 7540 priority fields: dependency and weight. */
static void headers_with_priority(struct peer *p, uint32_t id, uint32_t dependency, uint16_t weight)
{
    h2r_header fields[] = {{.name = ":method", .name_len = 7, .value = "GET", .value_len = 3},
                           {.name = ":scheme", .name_len = 7, .value = "http", .value_len = 4},
                           {.name = ":authority", .name_len = 10, .value = "localhost", .value_len = 9},
                           {.name = ":path", .name_len = 5, .value = "/", .value_len = 1}};
    uint8_t payload[256];
    payload[0] = (uint8_t)(dependency >> 24);
    payload[1] = (uint8_t)(dependency >> 16);
    payload[2] = (uint8_t)(dependency >> 8);
    payload[3] = (uint8_t)dependency;
    payload[4] = (uint8_t)(weight - 1);
    size_t n = peer_encode(p, fields, 4, payload + 5, sizeof(payload) - 5);
    peer_frame(p, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM | H2R_FLAG_PRIORITY, id,
               payload, 5 + n);
}

/*
 * nghttp2 and Firefox make idle streams (PRIORITY frames only) the parents of
 * their requests: the weights of those placeholders must count.
 */
static void test_idle_stream_placeholders(void)
{
    h2r_session_callbacks cb = {.on_stream = on_stream_big};
    struct peer p;
    peer_init(&p, NULL, &cb, NULL);
    struct h2r_setting window = {H2R_SETTINGS_INITIAL_WINDOW_SIZE, 1u << 30};
    peer_preface(&p, &window, 1);
    peer_window_update(&p, 0, 1u << 30);
    peer_priority(&p, 3, 0, 201, 0);
    peer_priority(&p, 5, 0, 1, 0);
    headers_with_priority(&p, 13, 5, 16); /* the light group asks first */
    headers_with_priority(&p, 15, 3, 16);
    peer_flush(&p);
    size_t heavy = 0;
    for (size_t i = 0; i != 8; ++i) {
        const struct peer_frame *f = peer_nth(&p, H2R_FRAME_DATA, -1, i);
        if (f && f->h.stream_id == 15) ++heavy;
    }
    CHECK_MSG(heavy >= 7, "a request under the weight-201 placeholder gets most early DATA (%zu of 8)",
              heavy);
    int ended13, ended15;
    CHECK(peer_data_bytes(&p, 13, &ended13) == sizeof(big_body) && ended13);
    CHECK(peer_data_bytes(&p, 15, &ended15) == sizeof(big_body) && ended15);
    peer_free(&p);
}

int main(void)
{
    test_hello();
    test_idle_stream_placeholders();
    return check_done();
}
