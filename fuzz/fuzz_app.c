/* The session fuzzers' shared application and I/O layer (see fuzz_app.h). */
#include "fuzz_app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

struct fuzz_app app;

static int file_fd = -1;

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", target.name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* Once per process: the file, with known content, that bodies are ranges of. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char path[256];
    snprintf(path, sizeof(path), "/tmp/%s_XXXXXX", target.name);
    file_fd = mkstemp(path);
    if (file_fd < 0) FAIL("mkstemp");
    unlink(path);
    static uint8_t content[FUZZ_FILE_SIZE];
    for (size_t i = 0; i != FUZZ_FILE_SIZE; ++i) content[i] = (uint8_t)(i * 7 + 3);
    if (write(file_fd, content, FUZZ_FILE_SIZE) != FUZZ_FILE_SIZE) FAIL("write");
    return 0;
}

void fuzz_start_input(const uint8_t seed[4])
{
    memset(&app, 0, sizeof(app));
    uint32_t word = (uint32_t)seed[0] << 24 | (uint32_t)seed[1] << 16 | (uint32_t)seed[2] << 8 | seed[3];
    app.rng = ((uint64_t)word << 32 | word) ^ 0x9e3779b97f4a7c15ull;
    app.body_budget = FUZZ_BODY_BUDGET;
}

/* ---- buffers and bodies ---- */

static void release_buffer(void *ctx, const void *data, size_t len)
{
    (void)ctx, (void)len;
    if (app.live_buffers <= 0) FAIL("a buffer released twice (or never handed over)");
    --app.live_buffers;
    free((void *)data); /* NULL for a file range */
}

size_t body_length(size_t max)
{
    size_t len = max ? rnd() % (max + 1) : 0;
    if (len > app.body_budget) len = app.body_budget;
    if (len > FUZZ_FILE_SIZE) len = FUZZ_FILE_SIZE;
    app.body_budget -= len;
    return len;
}

void write_memory(h2r_stream *st, size_t len)
{
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) FAIL("out of memory");
    memset(buf, 'b', len);
    ++app.live_buffers;
    h2r_stream_write(st, buf, len, release_buffer, NULL);
}

void write_file_range(h2r_stream *st, size_t offset, size_t len)
{
    ++app.live_buffers;
    h2r_stream_write_file(st, file_fd, (int64_t)offset, len, release_buffer, NULL);
}

/* ---- streams left for later, and references kept ---- */

void add_pending(h2r_stream *st, enum pending_kind kind)
{
    for (size_t i = 0; i != app.pending_count; ++i) {
        if (app.pending[i].stream == st) {
            app.pending[i].kind = kind;
            return;
        }
    }
    if (app.pending_count < FUZZ_MAX_TRACKED)
        app.pending[app.pending_count++] = (struct pending){st, kind};
    else
        h2r_stream_close(st, H2R_INTERNAL_ERROR); /* the application gives up on it */
}

void remove_pending(h2r_stream *st)
{
    for (size_t i = 0; i != app.pending_count; ++i) {
        if (app.pending[i].stream == st) {
            app.pending[i] = app.pending[--app.pending_count];
            return;
        }
    }
}

int take_pending_response(h2r_stream *st)
{
    for (size_t i = 0; i != app.pending_count; ++i) {
        if (app.pending[i].stream == st && app.pending[i].kind == PENDING_RESPOND && chance(2)) {
            remove_pending(st);
            return 1;
        }
    }
    return 0;
}

void keep_ref(h2r_stream *st)
{
    if (app.ref_count == FUZZ_MAX_TRACKED) return;
    h2r_stream_ref(st);
    app.refs[app.ref_count++] = st;
}

/* Every call on a closed stream fails cleanly (checked on streams the application kept). */
static void check_closed_stream(h2r_stream *st)
{
    h2r_header status = FIELD(":status", "200");
    h2r_stream *pushed = (h2r_stream *)1;
    if (h2r_stream_respond(st, &status, 1, 0) != H2R_ERR_STREAM_CLOSED ||
        h2r_stream_end(st) != H2R_ERR_STREAM_CLOSED || h2r_stream_close(st, 0) != H2R_ERR_STREAM_CLOSED ||
        h2r_stream_send_trailers(st, NULL, 0) != H2R_ERR_STREAM_CLOSED ||
        h2r_stream_additional_headers(st, &status, 1) != H2R_ERR_STREAM_CLOSED ||
        h2r_stream_push(st, &status, 1, &pushed) != H2R_ERR_STREAM_CLOSED || pushed != NULL ||
        h2r_stream_priority(st, 0, 16, 0, 1) != H2R_ERR_STREAM_CLOSED ||
        h2r_stream_pause(st) != H2R_ERR_STREAM_CLOSED || h2r_stream_resume(st) != H2R_ERR_STREAM_CLOSED)
        FAIL("a call on closed stream %u did not return H2R_ERR_STREAM_CLOSED", h2r_stream_id(st));
    ++app.live_buffers;
    if (h2r_stream_write(st, malloc(1), 1, release_buffer, NULL) != H2R_ERR_STREAM_CLOSED)
        FAIL("write on closed stream %u", h2r_stream_id(st));
}

static void send_trailers(h2r_stream *st)
{
    h2r_header trailers[] = {FIELD("x-trailer", "done")};
    h2r_stream_send_trailers(st, trailers, rnd() % 2);
}

void pause_body(h2r_stream *st)
{
    if (app.paused_count == FUZZ_MAX_TRACKED || h2r_stream_is_paused(st)) return;
    if (h2r_stream_pause(st) != 0) FAIL("pause refused on open stream %u", h2r_stream_id(st));
    h2r_stream_ref(st);
    app.paused[app.paused_count++] = st;
}

/* Resumes some paused bodies: the withheld window goes out, or the kept input is read at the next pull. */
static void resume_bodies(void)
{
    for (size_t i = 0; i != app.paused_count;) {
        h2r_stream *st = app.paused[i];
        if (!chance(2)) {
            ++i;
            continue;
        }
        app.paused[i] = app.paused[--app.paused_count];
        int err = h2r_stream_resume(st);
        if (h2r_stream_closed(st) ? err != H2R_ERR_STREAM_CLOSED : err != 0 || h2r_stream_is_paused(st))
            FAIL("resume of stream %u returned %d", h2r_stream_id(st), err);
        h2r_stream_unref(st);
    }
}

void advance_streams(void)
{
    resume_bodies();
    for (size_t i = 0; i != app.pending_count;) {
        struct pending p = app.pending[i];
        if (!chance(3)) {
            ++i;
            continue;
        }
        /* The last entry takes its place and is looked at next; p.stream may come back at the end. */
        app.pending[i] = app.pending[--app.pending_count];
        switch (p.kind) {
        case PENDING_RESPOND: target.respond(p.stream); break;
        case PENDING_END:
            if (chance(3)) target.write_body(p.stream, 300);
            h2r_stream_end(p.stream);
            break;
        case PENDING_TRAILERS:
            if (chance(4))
                h2r_stream_close(p.stream, H2R_CANCEL);
            else
                send_trailers(p.stream);
            break;
        }
    }
    for (size_t i = 0; i != app.ref_count;) {
        if (h2r_stream_closed(app.refs[i])) {
            check_closed_stream(app.refs[i]);
            h2r_stream_unref(app.refs[i]);
            app.refs[i] = app.refs[--app.ref_count];
        } else {
            ++i;
        }
    }
}

void read_bytes(const uint8_t *data, size_t len)
{
    volatile uint8_t sum = 0;
    for (size_t i = 0; i != len; ++i) sum ^= data[i];
    (void)sum;
}

void on_want_trailers(h2r_stream *st)
{
    if (chance(4))
        add_pending(st, PENDING_TRAILERS);
    else if (chance(8))
        h2r_stream_close(st, H2R_NO_ERROR);
    else
        send_trailers(st);
}

void on_stream_close(h2r_stream *st, uint32_t code)
{
    (void)code;
    remove_pending(st);
}

/* ---- the I/O layer ---- */

static void out_append(const void *p, size_t len)
{
    if (app.out_len + len > app.out_cap) {
        app.out_cap = (app.out_len + len) * 2;
        app.out = realloc(app.out, app.out_cap);
        if (!app.out) FAIL("out of memory");
    }
    memcpy(app.out + app.out_len, p, len);
    app.out_len += len;
}

/* Appends len bytes of a file chunk to app.out, as a sendfile would send them. */
static void out_append_file(const h2r_chunk *chunk, size_t len)
{
    if (chunk->fd != file_fd || chunk->offset < 0 || chunk->offset + (int64_t)len > FUZZ_FILE_SIZE)
        FAIL("a file chunk outside the file");
    uint8_t tmp[4096];
    for (size_t done = 0; done < len;) {
        size_t part = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
        if (pread(file_fd, tmp, part, chunk->offset + (int64_t)done) != (ssize_t)part) FAIL("pread");
        out_append(tmp, part);
        done += part;
    }
}

void fuzz_io_round(int all)
{
    static const size_t maxes[] = {1, 2, 3, 4, 8, 64};
    static const size_t writes[] = {1, 7, 100, 4096, SIZE_MAX};
    size_t max = maxes[rnd() % 6], write_size = writes[rnd() % 5];
    int rounds = all ? 1000000 : (int)(rnd() % 4);
    h2r_chunk chunks[64];
    for (int r = 0; r < rounds; ++r) {
        size_t n = h2r_session_pull(app.session, chunks, max);
        if (n == 0) {
            if (h2r_session_want_write(app.session)) FAIL("want_write, but nothing to pull");
            break;
        }
        if (n > max) FAIL("pull returned more chunks than asked");
        size_t budget = write_size, written = 0;
        for (size_t i = 0; i != n && budget; ++i) {
            if (chunks[i].len == 0) FAIL("an empty chunk");
            size_t len = chunks[i].len < budget ? chunks[i].len : budget;
            if (chunks[i].base)
                out_append(chunks[i].base, len);
            else
                out_append_file(&chunks[i], len);
            written += len;
            budget -= len;
        }
        h2r_session_sent(app.session, written);
        target.read_output();
    }
}

/* ---- HTTP/2 ---- */

void fuzz_http2_options(h2r_session_options *options, uint8_t bits)
{
    if (bits & 1) options->stream_high_water_mark = 1000;
    if (bits & 2) options->settings.initial_window_size = 1000;
    if (bits & 4) options->settings.max_concurrent_streams = 3;
    if (bits & 8) options->connection_window_size = 65535;
    if (bits & 16) options->settings.header_table_size = options->max_deflate_dynamic_table_size = 0;
    if (bits & 32) {
        options->max_reset_streams = 5;
        options->max_session_invalid_frames = 10;
        options->max_session_rejected_streams = 5;
    }
}

static void on_ping_ack(h2r_session *session, int err, const uint8_t payload[8], void *ctx)
{
    (void)session, (void)payload, (void)ctx;
    if (err != 0 && err != H2R_ERR_SESSION_CLOSED) FAIL("ping callback with error %d", err);
}

void fuzz_http2_control(h2r_session *s, uint32_t choice)
{
    switch (choice) {
    case 0: {
        uint8_t payload[8] = {'p', 'i', 'n', 'g', 'p', 'o', 'n', (uint8_t)('0' + rnd() % 4)};
        h2r_session_ping(s, payload, on_ping_ack, NULL);
        break;
    }
    case 2: h2r_session_goaway(s, rnd() % 3, chance(2) ? -1 : rnd() % 100, (const uint8_t *)"bye", 3); break;
    case 3: h2r_session_close(s); break;
    case 4:
        if (chance(4)) h2r_session_destroy(s, rnd() % 14);
        break;
    case 7:
        if (app.pending_count)
            h2r_stream_priority(app.pending[0].stream, rnd() % 8, (uint16_t)(1 + rnd() % 256),
                                (int)(rnd() % 2), (int)(rnd() % 2));
        break;
    default: break;
    }
}

void fuzz_feed_http2(const uint8_t *data, size_t size, void (*between)(void))
{
    int reading = 1;
    while (size && reading) {
        size_t piece = chance(3) ? size : 1 + rnd() % (size < 64 ? size : 64);
        if (piece > size) piece = size;
        ssize_t rc = h2r_session_feed(app.session, data, piece);
        if (rc < 0)
            reading = 0;
        else if ((size_t)rc != piece)
            FAIL("feed took %zd of %zu bytes", rc, piece);
        data += piece, size -= piece;
        between();
        fuzz_io_round(chance(2));
    }
    between();
    fuzz_io_round(1);
    /* A destroyed connection: whatever is in flight or queued is released, once. */
    if (chance(2)) fuzz_io_round(0);
}

int fuzz_check_control_frame(const struct h2r_frame_header *h, const uint8_t *p)
{
    switch (h->type) {
    case H2R_FRAME_PRIORITY:
        if (h->length != 5 || !h->stream_id) FAIL("bad PRIORITY frame");
        return 1;
    case H2R_FRAME_RST_STREAM:
        if (h->length != 4 || !h->stream_id) FAIL("bad RST_STREAM frame");
        return 1;
    case H2R_FRAME_PING:
        if (h->stream_id || h->length != 8) FAIL("bad PING frame");
        return 1;
    case H2R_FRAME_GOAWAY:
        if (h->stream_id || h->length < 8) FAIL("bad GOAWAY frame");
        return 1;
    case H2R_FRAME_WINDOW_UPDATE:
        if (h->length != 4 || !((p[0] & 0x7f) | p[1] | p[2] | p[3])) FAIL("bad WINDOW_UPDATE frame");
        return 1;
    default: return 0;
    }
}

void fuzz_read_frames(uint32_t max_frame_size,
                      void (*check)(const struct h2r_frame_header *header, const uint8_t *payload))
{
    size_t at = 0;
    while (app.out_len - at >= H2R_FRAME_HEADER_LEN) {
        struct h2r_frame_header h;
        h2r_frame_header_decode(app.out + at, &h);
        if (h.length > max_frame_size) FAIL("a frame of %u bytes, over %u", h.length, max_frame_size);
        if (app.out_len - at - H2R_FRAME_HEADER_LEN < h.length) break;
        check(&h, app.out + at + H2R_FRAME_HEADER_LEN);
        at += H2R_FRAME_HEADER_LEN + h.length;
    }
    memmove(app.out, app.out + at, app.out_len - at);
    app.out_len -= at;
    h2r_session_state state;
    h2r_session_get_state(app.session, &state);
    if (state.remote_window_size < 0) FAIL("the connection send window went negative");
}

void fuzz_finish_input(void)
{
    h2r_session_free(app.session);
    for (size_t i = 0; i != app.paused_count; ++i) {
        check_closed_stream(app.paused[i]);
        h2r_stream_unref(app.paused[i]);
    }
    for (size_t i = 0; i != app.ref_count; ++i) {
        if (!h2r_stream_closed(app.refs[i])) FAIL("a stream still open after h2r_session_free");
        check_closed_stream(app.refs[i]);
        h2r_stream_unref(app.refs[i]);
    }
    if (app.live_buffers != 0) FAIL("%ld buffers never released", app.live_buffers);
    free(app.out);
}
