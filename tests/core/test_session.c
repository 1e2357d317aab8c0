/*
 * The engine end to end against the test peer: a request, a response with a
 * body, and what comes back on the wire.
 */
#include <stdlib.h>

#include "check.h"
#include "peer.h"

static const char body[] = "Hello, World!";

static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count, int flags)
{
    (void)session;
    (void)headers;
    (void)count;
    (void)flags;
    h2r_header response[] = {{.name = "content-type", .name_len = 12, .value = "text/plain", .value_len = 10}};
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

int main(void)
{
    test_hello();
    return check_done();
}
