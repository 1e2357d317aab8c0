/*
 * What the session fuzzers share (fuzz_session for HTTP/2,
 * fuzz_client_session for an HTTP/2 client, fuzz_http1_session for
 * HTTP/1.1): the random choices drawn from the
 * input's seed, the application's bookkeeping (buffers handed to the
 * session and their releases, bodies written from memory or from a file,
 * streams left to answer later, references kept past close) and the I/O
 * layer that pulls the output in odd sizes into a buffer for the target's
 * client to read; request bodies paused and resumed; and
 * LLVMFuzzerInitialize. Each target keeps what is its
 * own: how its application answers a request, what it does to the session
 * between two pieces of input, how its client checks the output, and its
 * LLVMFuzzerTestOneInput.
 */
#ifndef H2R_FUZZ_APP_H
#define H2R_FUZZ_APP_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "h2ring/engine.h"

/* Prints the target's name and the message, and aborts: libFuzzer keeps the input as a finding. */
void fuzz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
#define FAIL(...) fuzz_fail(__VA_ARGS__)

/* A header field from two string literals. */
#define FIELD(n, v)                                                                                          \
    {                                                                                                        \
        .name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = sizeof(v) - 1                     \
    }

#define FUZZ_MAX_TRACKED 64    /* streams pending, and references kept, at most */
#define FUZZ_FILE_SIZE   65536 /* the file bodies are ranges of */
/* Response bytes the application writes per input, at most: keeps each run short. */
#define FUZZ_BODY_BUDGET (256 * 1024)

enum pending_kind {
    PENDING_RESPOND,  /* not answered yet */
    PENDING_END,      /* answered, body not ended */
    PENDING_TRAILERS, /* on_want_trailers came, trailers not sent */
};

struct pending {
    h2r_stream *stream;
    enum pending_kind kind;
};

/* The application and I/O layer's state, reset for every input. */
struct fuzz_app {
    h2r_session *session; /* made by the target */
    uint64_t rng;
    long live_buffers; /* handed to the session and not released */
    size_t body_budget;
    struct pending pending[FUZZ_MAX_TRACKED];
    size_t pending_count;
    h2r_stream *refs[FUZZ_MAX_TRACKED]; /* streams the application keeps a reference on */
    size_t ref_count;
    h2r_stream *paused[FUZZ_MAX_TRACKED]; /* streams whose body is paused, referenced until resumed */
    size_t paused_count;
    /* what the session wrote and the target's client has not read yet */
    uint8_t *out;
    size_t out_len, out_cap;
};

extern struct fuzz_app app;

/* The next random number (xorshift64*): every choice comes from the input's seed. */
static inline uint32_t rnd(void)
{
    app.rng ^= app.rng >> 12;
    app.rng ^= app.rng << 25;
    app.rng ^= app.rng >> 27;
    return (uint32_t)((app.rng * 2685821657736338717ull) >> 32);
}

static inline int chance(uint32_t one_in)
{
    return rnd() % one_in == 0;
}

/* What each target's application does its own way, for the shared code to call. */
struct fuzz_target {
    const char *name; /* in FAIL's messages */
    /* Answers a stream that was left pending (PENDING_RESPOND). */
    void (*respond)(h2r_stream *st);
    /* Writes a body of up to max bytes, with body_length, write_memory and write_file_range. */
    void (*write_body)(h2r_stream *st, size_t max);
    /* Reads what it can of app.out as the client, checks it, and removes what it read; checks the session. */
    void (*read_output)(void);
};

/* Each target defines its own; fuzz_app.c's LLVMFuzzerInitialize names it in FAIL's messages. */
extern const struct fuzz_target target;

/* Resets the state for an input and seeds the choices with its first 4 bytes. */
void fuzz_start_input(const uint8_t seed[4]);
/*
 * Frees app.session, then checks that the streams kept are closed and refuse
 * every call, and that every buffer handed to the session was released
 * exactly once.
 */
void fuzz_finish_input(void);

/* A body length of up to max bytes, at most the file's size, taken from what is left of the budget. */
size_t body_length(size_t max);
/* Writes len bytes from a fresh buffer that the release frees (reading it after that is a use after free). */
void write_memory(h2r_stream *st, size_t len);
/* Writes len bytes of the file from offset (the caller keeps the range inside it). */
void write_file_range(h2r_stream *st, size_t offset, size_t len);

/* Puts st on the pending list, or changes what it waits for; closes it if the list is full. */
void add_pending(h2r_stream *st, enum pending_kind kind);
void remove_pending(h2r_stream *st);
/*
 * For on_end: if st waits for its response, takes it off the list one time
 * in two and returns 1, and the caller responds.
 */
int take_pending_response(h2r_stream *st);
/* Keeps a reference on st, checked once it is closed (if fewer than FUZZ_MAX_TRACKED are kept). */
void keep_ref(h2r_stream *st);
/* Pauses st's request body (h2r_stream_pause), to be resumed by advance_streams, unless too many are. */
void pause_body(h2r_stream *st);
/*
 * Between two pieces of input: answers some pending streams, ends the bodies
 * or sends the trailers of others; resumes some paused bodies; checks the
 * streams kept that have closed, and drops their references.
 */
void advance_streams(void);

/* Reads every byte the session hands over (on_data), so that ASan checks they are readable. */
void read_bytes(const uint8_t *data, size_t len);
/* on_want_trailers: trailers now or later, or a close. */
void on_want_trailers(h2r_stream *st);
/* on_stream_close: forgets the stream. */
void on_stream_close(h2r_stream *st, uint32_t code);

/*
 * Pulls the output and writes it to app.out: everything if all, else a few
 * rounds; chunks per pull 1..64, bytes per write 1..all. The target's
 * read_output runs after each write.
 */
void fuzz_io_round(int all);

/* ---- what the two HTTP/2 targets share ---- */

/*
 * The options byte 1 of an input picks: bit 0 a high-water mark of 1000,
 * bit 1 a receive window of 1000 (SETTINGS), bit 2 at most 3 concurrent
 * streams, bit 3 a connection window of 65535, bit 4 a dynamic table of 0
 * for both HPACK directions, bit 5 small abuse budgets (resets, invalid
 * frames, rejected streams).
 */
void fuzz_http2_options(h2r_session_options *options, uint8_t bits);
/*
 * What the application does to the session between two pieces of input,
 * by choice: 0 a PING (one of four payloads, so that the fuzzer can learn
 * to acknowledge them), 2 GOAWAY, 3 close, 4 sometimes destroy, 7 PRIORITY
 * on a pending stream; any other, nothing (1, 5 and 6 are the target's).
 */
void fuzz_http2_control(h2r_session *session, uint32_t choice);
/*
 * Feeds the input to app.session in pieces of random sizes until it takes
 * no more, with between() and an I/O round after each; then a last round
 * with all pulled, and sometimes one of a destroyed connection (nothing
 * more written) before fuzz_finish_input.
 */
void fuzz_feed_http2(const uint8_t *data, size_t size, void (*between)(void));
/* Checks a PRIORITY, RST_STREAM, PING, GOAWAY or WINDOW_UPDATE frame, either role's; 0 for another type. */
int fuzz_check_control_frame(const struct h2r_frame_header *header, const uint8_t *payload);
/*
 * Reads the whole frames in app.out (none over max_frame_size) with check,
 * removes them, and checks that the connection's send window is not
 * negative.
 */
void fuzz_read_frames(uint32_t max_frame_size,
                      void (*check)(const struct h2r_frame_header *header, const uint8_t *payload));

#endif
