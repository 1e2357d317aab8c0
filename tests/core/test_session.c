/*
 * The engine end to end against the test peer: a request, a response with a
 * body, and what comes back on the wire.
 */
#include <pthread.h>
#include <stdlib.h>

#include "check.h"
#include "peer.h"
#include "session_internal.h"

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

/* ---- timeouts (Node's setTimeout), driven by h2r_session_tick ---- */

struct timeouts {
    h2r_stream *stream;
    int stream_timeouts, session_timeouts;
};

static void on_stream_hold(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                           int flags)
{
    (void)headers;
    (void)count;
    (void)flags;
    struct timeouts *t = h2r_session_user_data(session);
    t->stream = stream;
    h2r_stream_set_timeout(stream, 1000);
}

static void on_stream_timeout(h2r_stream *stream)
{
    struct timeouts *t = h2r_session_user_data(h2r_stream_session(stream));
    ++t->stream_timeouts;
    h2r_stream_close(stream, H2R_CANCEL);
}

static void on_session_timeout(h2r_session *session)
{
    struct timeouts *t = h2r_session_user_data(session);
    ++t->session_timeouts;
}

static void test_timeouts(void)
{
    struct timeouts t = {0};
    h2r_session_callbacks cb = {.on_stream = on_stream_hold,
                                .on_stream_timeout = on_stream_timeout,
                                .on_session_timeout = on_session_timeout};
    struct peer p;
    peer_init(&p, NULL, &cb, &t);
    h2r_session_tick(p.session, 10000);
    h2r_session_set_timeout(p.session, 5000);
    peer_preface(&p, NULL, 0);
    peer_get(&p, 1, "/slow", 0); /* the request body never comes */
    peer_flush(&p);
    h2r_session_tick(p.session, 10900);
    CHECK_MSG(t.stream && t.stream_timeouts == 0, "no stream timeout before its time");
    static const uint8_t chunk[4] = "abcd";
    peer_frame(&p, H2R_FRAME_DATA, 0, 1, chunk, 4); /* activity at 10900 */
    h2r_session_tick(p.session, 11500);
    CHECK_MSG(t.stream_timeouts == 0, "a DATA frame starts the stream's timeout again");
    h2r_session_tick(p.session, 11950);
    CHECK_MSG(t.stream_timeouts == 1, "on_stream_timeout once the stream is idle for its timeout");
    peer_flush(&p);
    CHECK_MSG(peer_got_rst(&p, 1, H2R_CANCEL), "the application's answer (close) goes out");
    h2r_session_tick(p.session, 13000);
    CHECK_MSG(t.stream_timeouts == 1, "a closed stream does not time out again");
    CHECK_MSG(t.session_timeouts == 0, "the session was active recently");
    /* The last frame was our RST_STREAM, written at 11950. */
    h2r_session_tick(p.session, 16900);
    CHECK_MSG(t.session_timeouts == 0, "no session timeout 4.95 s after the last frame");
    h2r_session_tick(p.session, 17000);
    CHECK_MSG(t.session_timeouts == 1, "on_session_timeout after 5 s without a frame");
    h2r_session_tick(p.session, 17500);
    CHECK_MSG(t.session_timeouts == 1, "and not again before another period");
    h2r_session_tick(p.session, 22000);
    CHECK_MSG(t.session_timeouts == 2, "then again after it");
    peer_free(&p);
}

/* Everything the session sends until it has nothing more: for comparing two sessions' output. */
static size_t drain(h2r_session *session, uint8_t *out, size_t cap)
{
    size_t len = 0;
    h2r_chunk chunks[16];
    size_t n;
    while ((n = h2r_session_pull(session, chunks, 16)) != 0) {
        size_t bytes = 0;
        for (size_t i = 0; i != n; ++i) {
            if (len + chunks[i].len <= cap) memcpy(out + len, chunks[i].base, chunks[i].len);
            len += chunks[i].len;
            bytes += chunks[i].len;
        }
        h2r_session_sent(session, bytes);
    }
    return len;
}

/*
 * Sessions made from one profile share its options and callbacks: they
 * behave as sessions given their own copies, and the profile's caller may
 * drop its structs at once.
 */
static void test_profile(void)
{
    h2r_session_options bad;
    h2r_session_options_init(&bad);
    bad.connection_window_size = 1000; /* below the protocol's 65535 */
    h2r_session_callbacks cb = {.on_stream = on_stream};
    CHECK_MSG(h2r_session_profile_new(&bad, &cb) == NULL, "invalid options make no profile");

    h2r_session_options options;
    h2r_session_options_init(&options);
    options.settings.max_concurrent_streams = 7;
    options.connection_window_size = 1u << 22;
    h2r_session_profile *profile = h2r_session_profile_new(&options, &cb);
    CHECK(profile != NULL);
    memset(&options, 0xff, sizeof(options)); /* copied: the caller's structs may go */
    memset(&cb, 0, sizeof(cb));

    /* The same server preface as a session given the options itself. */
    h2r_session_options own;
    h2r_session_options_init(&own);
    own.settings.max_concurrent_streams = 7;
    own.connection_window_size = 1u << 22;
    h2r_session *copied = h2r_session_server_new(&own, NULL, NULL);
    h2r_session *shared = h2r_session_server_new_with_profile(profile, NULL);
    CHECK(copied && shared);
    uint8_t expected[256], got[256];
    size_t expected_len = drain(copied, expected, sizeof(expected));
    size_t got_len = drain(shared, got, sizeof(got));
    CHECK_MSG(got_len == expected_len && got_len <= sizeof(got) && memcmp(got, expected, got_len) == 0,
              "the profile's SETTINGS and WINDOW_UPDATE, byte for byte");
    h2r_session_free(copied);
    h2r_session_free(shared);

    /* Two sessions on one profile, each serving a request with the profile's callbacks. */
    struct peer a, b;
    for (struct peer *p = &a; p; p = p == &a ? &b : NULL) {
        peer_init(p, NULL, NULL, NULL);
        h2r_session_free(p->session);
        p->session = h2r_session_server_new_with_profile(profile, NULL);
        peer_preface(p, NULL, 0);
        peer_get(p, 1, "/hello", 1);
        peer_flush(p);
        int ended;
        CHECK_MSG(peer_data_bytes(p, 1, &ended) == 13 && ended, "each session answers with on_stream");
        const struct peer_frame *settings = peer_find(p, H2R_FRAME_SETTINGS, 0);
        int announced = 0;
        for (size_t i = 0; settings && i + 6 <= settings->h.length; i += 6) {
            const uint8_t *entry = settings->payload + i;
            announced |= entry[1] == H2R_SETTINGS_MAX_CONCURRENT_STREAMS && entry[5] == 7 && !entry[2] &&
                         !entry[3] && !entry[4];
        }
        CHECK_MSG(announced, "and announces the profile's SETTINGS_MAX_CONCURRENT_STREAMS");
    }
    peer_free(&a);
    peer_free(&b);

    h2r_session *http1 = h2r_session_http1_server_new_with_profile(profile, NULL, "https");
    CHECK_MSG(http1 && h2r_session_is_http1(http1), "HTTP/1.1 sessions too");
    h2r_session_free(http1);
    CHECK_MSG(h2r_session_http1_server_new_with_profile(profile, NULL, "ftp") == NULL, "with a known scheme");
    h2r_session_profile_free(profile);

    h2r_session_profile *defaults = h2r_session_profile_new(NULL, NULL);
    h2r_session *plain = defaults ? h2r_session_server_new_with_profile(defaults, NULL) : NULL;
    CHECK_MSG(plain != NULL, "a profile of the defaults, without callbacks");
    h2r_session_free(plain);
    h2r_session_profile_free(defaults);
}

/* 500 writes of 7 bytes each, distinct: more items than one pull has chunks for. */
#define SMALL_WRITES 500
static uint8_t small_bytes[SMALL_WRITES * 7];

static void on_stream_small_writes(h2r_session *session, h2r_stream *stream, const h2r_header *headers,
                                   size_t count, int flags)
{
    (void)session;
    (void)headers;
    (void)count;
    (void)flags;
    h2r_stream_respond(stream, NULL, 0, 0);
    for (size_t i = 0; i != SMALL_WRITES; ++i) h2r_stream_write(stream, small_bytes + 7 * i, 7, NULL, NULL);
    h2r_stream_end(stream);
}

/*
 * A DATA frame takes a slice of each queued item, as many as the pull has
 * chunks for, and reserves in-flight room for just those: the body comes
 * out whole and in order, padded or not, written all at once or a few
 * bytes at a time.
 */
static void test_many_small_writes(void)
{
    for (size_t i = 0; i != sizeof(small_bytes); ++i) small_bytes[i] = (uint8_t)(i * 31 + i / 251);
    static const enum h2r_padding_strategy paddings[] = {H2R_PADDING_NONE, H2R_PADDING_MAX};
    static const size_t max_writes[] = {0, 5};
    for (size_t pi = 0; pi != 2; ++pi) {
        for (size_t wi = 0; wi != 2 + 78; ++wi) {
            h2r_session_options options;
            h2r_session_options_init(&options);
            options.padding_strategy = paddings[pi];
            h2r_session_callbacks cb = {.on_stream = on_stream_small_writes};
            struct peer p;
            peer_init(&p, &options, &cb, NULL);
            /* Then pulls of every size from 3 chunks (the least a DATA frame needs) to 80. */
            size_t pull_max = wi < 2 ? 64 : wi + 1;
            p.max_write = wi < 2 ? max_writes[wi] : 0;
            peer_preface(&p, NULL, 0);
            peer_get(&p, 1, "/", 1);
            p.max_chunks = pull_max;
            peer_flush(&p);
            int ended;
            peer_data_bytes(&p, 1, &ended);
            uint8_t got[sizeof(small_bytes)];
            size_t len = 0, frames = 0;
            int in_order = 1;
            for (size_t i = 0; i != p.frame_count; ++i) {
                const struct peer_frame *f = &p.frames[i];
                if (f->h.type != H2R_FRAME_DATA || f->h.stream_id != 1) continue;
                size_t skip = (f->h.flags & H2R_FLAG_PADDED) ? 1 : 0;
                size_t n = f->h.length - skip - (skip ? f->payload[0] : 0);
                if (len + n > sizeof(got)) {
                    in_order = 0;
                    break;
                }
                memcpy(got + len, f->payload + skip, n);
                len += n;
                ++frames;
            }
            CHECK_MSG(
                ended && in_order && len == sizeof(small_bytes) && memcmp(got, small_bytes, sizeof(got)) == 0,
                "%s, pulls of %zu chunks%s: the 500 writes arrive whole and in order, in %zu DATA frames",
                pi ? "padded" : "not padded", pull_max, wi == 1 ? ", 5 bytes a write" : "", frames);
            peer_free(&p);
        }
    }
}

/* Between responses the session keeps its emptied output buffers; a tick frees them, never those in use. */
static void test_idle_output_memory(void)
{
    h2r_session_callbacks cb = {.on_stream = on_stream};
    struct peer p;
    peer_init(&p, NULL, &cb, NULL);
    h2r_session *s = p.session;
    peer_preface(&p, NULL, 0);
    peer_get(&p, 1, "/hello", 1);
    peer_flush(&p);
    const struct out_block *kept = s->out_head;
    CHECK_MSG(kept && kept == s->out_tail && kept->len == 0 && s->inflight && s->inflight_end == 0,
              "all written: one empty control block and the in-flight array are kept");

    int ended;
    peer_clear(&p);
    peer_get(&p, 3, "/hello", 1);
    peer_flush(&p);
    CHECK_MSG(peer_data_bytes(&p, 3, &ended) == 13 && ended && s->out_head == kept,
              "the next response is written from the block kept");

    h2r_session_tick(s, 1000);
    CHECK_MSG(!s->out_head && !s->out_tail && !s->inflight && s->inflight_cap == 0,
              "a tick frees both once idle");
    peer_clear(&p);
    peer_get(&p, 5, "/hello", 1);
    peer_flush(&p);
    CHECK_MSG(peer_data_bytes(&p, 5, &ended) == 13 && ended, "a response after the tick");

    peer_get(&p, 7, "/hello", 1);
    h2r_chunk chunks[PEER_MAX_CHUNKS];
    size_t n = h2r_session_pull(s, chunks, PEER_MAX_CHUNKS), bytes = 0;
    for (size_t i = 0; i != n; ++i) bytes += chunks[i].len;
    h2r_session_tick(s, 2000);
    CHECK_MSG(n && s->inflight_end - s->inflight_start == n && s->out_head && s->out_head->len,
              "a tick keeps what is in flight");
    h2r_session_sent(s, bytes);
    h2r_session_tick(s, 3000);
    CHECK_MSG(!s->out_head && !s->inflight, "and frees it once written and idle");
    peer_free(&p);
}

/* A stream's calls come from the thread that runs its session: from another one they are refused. */
static h2r_stream *held_stream;

static void on_stream_hold_ref(h2r_session *session, h2r_stream *stream, const h2r_header *headers,
                               size_t count, int flags)
{
    (void)session, (void)headers, (void)count, (void)flags;
    h2r_stream_ref(stream);
    held_stream = stream;
}

static void *respond_elsewhere(void *arg)
{
    int *result = arg;
    h2r_header status = {.name = ":status", .name_len = 7, .value = "200", .value_len = 3};
    result[0] = h2r_stream_respond(held_stream, &status, 1, H2R_RESPOND_END_STREAM);
    result[1] = h2r_stream_close(held_stream, H2R_CANCEL);
    result[2] = h2r_stream_pause(held_stream);
    return NULL;
}

static void test_wrong_thread(void)
{
    h2r_session_callbacks cb = {.on_stream = on_stream_hold_ref};
    struct peer p;
    peer_init(&p, NULL, &cb, NULL);
    peer_preface(&p, NULL, 0);
    peer_get(&p, 1, "/", 1);
    peer_flush(&p);
    int results[3] = {0, 0, 0};
    pthread_t thread;
    if (!CHECK_MSG(held_stream && pthread_create(&thread, NULL, respond_elsewhere, results) == 0,
                   "a stream, and a thread to call it from"))
        return;
    pthread_join(thread, NULL);
    CHECK_MSG(results[0] == H2R_ERR_WRONG_THREAD && results[1] == H2R_ERR_WRONG_THREAD &&
                  results[2] == H2R_ERR_WRONG_THREAD,
              "respond, close and pause from another thread: H2R_ERR_WRONG_THREAD (%d, %d, %d)", results[0],
              results[1], results[2]);
    peer_flush(&p);
    CHECK_MSG(!peer_find(&p, H2R_FRAME_HEADERS, 1) && !peer_find(&p, H2R_FRAME_RST_STREAM, 1),
              "and nothing was sent for them");
    h2r_header status = {.name = ":status", .name_len = 7, .value = "200", .value_len = 3};
    CHECK_MSG(h2r_stream_respond(held_stream, &status, 1, H2R_RESPOND_END_STREAM) == 0,
              "the session's own thread may respond");
    peer_flush(&p);
    const struct peer_frame *headers = peer_find(&p, H2R_FRAME_HEADERS, 1);
    CHECK_MSG(headers && (headers->h.flags & H2R_FLAG_END_STREAM), "and its response goes out");
    h2r_stream_unref(held_stream);
    held_stream = NULL;
    peer_free(&p);
}

int main(void)
{
    test_hello();
    test_idle_output_memory();
    test_wrong_thread();
    test_profile();
    test_many_small_writes();
    test_idle_stream_placeholders();
    test_timeouts();
    return check_done();
}
