/*
 * A test peer for the engine: writes raw frames into a server session (or,
 * playing the server, into a client session) and parses what the session
 * sends back, with its own HPACK state. No sockets: bytes go straight
 * through h2r_session_feed and h2r_session_pull.
 */
#ifndef H2R_TESTS_PEER_H
#define H2R_TESTS_PEER_H

#include "frame.h"
#include "h2ring/engine.h"

#define PEER_MAX_FRAMES 4096
#define PEER_MAX_CHUNKS 128

struct peer_frame {
    struct h2r_frame_header h;
    uint8_t *payload; /* owned copy */
    /* HEADERS / PUSH_PROMISE (with their CONTINUATIONs): the decoded fields */
    h2r_header *fields;
    size_t field_count;
    int hpack_error;
};

struct peer {
    h2r_session *session;
    h2r_hpack_encoder enc;
    h2r_hpack_decoder dec;
    ssize_t last_feed; /* what h2r_session_feed returned last */
    struct peer_frame frames[PEER_MAX_FRAMES];
    size_t frame_count;
    /* bytes received and not yet parsed into a frame */
    uint8_t *rx;
    size_t rx_len, rx_cap;
    uint64_t bytes_received;
    size_t open_block;   /* index of a HEADERS/PUSH_PROMISE still waiting for its END_HEADERS, or SIZE_MAX */
    size_t max_write;    /* pretend the socket takes at most this much per pull (0: all) */
    size_t max_chunks;   /* chunks taken per pull, up to PEER_MAX_CHUNKS (0: 64) */
    size_t preface_left; /* bytes of a client session's preface still to drop before its frames */
};

/* Creates the server session (options and callbacks may be NULL) and the peer's state. */
void peer_init(struct peer *p, const h2r_session_options *options, const h2r_session_callbacks *callbacks,
               void *user_data);
/* The same with a client session (scheme http, authority localhost); the peer plays the server. */
void peer_init_client(struct peer *p, const h2r_session_options *options,
                      const h2r_session_callbacks *callbacks, void *user_data);
void peer_free(struct peer *p);

/* Sends the client preface and a SETTINGS frame with these settings (may be 0 of them). */
void peer_preface(struct peer *p, const struct h2r_setting *settings, size_t count);
/* Sends raw bytes. */
void peer_send(struct peer *p, const void *bytes, size_t len);
/* Sends one frame. */
void peer_frame(struct peer *p, uint8_t type, uint8_t flags, uint32_t stream_id, const void *payload,
                size_t len);
/* Encodes fields with the peer's encoder and sends them as one HEADERS frame. */
void peer_headers(struct peer *p, uint32_t stream_id, uint8_t flags, const h2r_header *fields, size_t count);
/* Encodes a GET request for path on stream_id. */
void peer_get(struct peer *p, uint32_t stream_id, const char *path, int end_stream);
/* Encodes fields into buf with the peer's encoder; returns the length. */
size_t peer_encode(struct peer *p, const h2r_header *fields, size_t count, uint8_t *buf, size_t cap);

/* Pulls everything the session wants to send (in pieces of max_write if set), reports it written, parses
 * frames. */
void peer_flush(struct peer *p);
/* Forgets the frames received so far. */
void peer_clear(struct peer *p);

/* The first frame received of this type on this stream (any stream if stream_id < 0), or NULL. */
const struct peer_frame *peer_find(const struct peer *p, uint8_t type, int64_t stream_id);
/* Is there a GOAWAY with this error code / RST_STREAM on stream_id with this code? */
int peer_got_goaway(const struct peer *p, uint32_t code);
int peer_got_rst(const struct peer *p, uint32_t stream_id, uint32_t code);
/* The value of a field in a decoded HEADERS frame, or NULL (NUL-terminated copy in a static buffer). */
const char *peer_field(const struct peer_frame *f, const char *name);
/* Is the decoded block of f (may be NULL) exactly these fields, in this order? */
int peer_fields_are(const struct peer_frame *f, const h2r_header *want, size_t count);
/* Total DATA payload bytes (without padding) received on a stream, and whether END_STREAM came. */
size_t peer_data_bytes(const struct peer *p, uint32_t stream_id, int *ended);

/* ---- more frames from the peer, and questions about what came back ---- */

/* Sends a SETTINGS frame (not the preface) / a SETTINGS ACK. */
void peer_settings(struct peer *p, const struct h2r_setting *settings, size_t count);
void peer_settings_ack(struct peer *p);
void peer_window_update(struct peer *p, uint32_t stream_id, uint32_t increment);
void peer_rst_stream(struct peer *p, uint32_t stream_id, uint32_t code);
/* Sends a PRIORITY frame (weight 1..256). */
void peer_priority(struct peer *p, uint32_t stream_id, uint32_t dependency, uint16_t weight, int exclusive);
/* How many frames of this type came on this stream (any stream if stream_id < 0). */
size_t peer_count(const struct peer *p, uint8_t type, int64_t stream_id);
/* The n-th (from 0) frame of this type on this stream (any if stream_id < 0), or NULL. */
const struct peer_frame *peer_nth(const struct peer *p, uint8_t type, int64_t stream_id, size_t n);
/* The largest payload length among frames of this type (any type if type is 0xff). */
uint32_t peer_max_length(const struct peer *p, uint8_t type);
/* A big-endian 32-bit value. */
uint32_t peer_u32(const uint8_t *bytes);
/* Copies the DATA payloads (without padding) received on a stream into out (at most cap bytes); returns the
 * total. */
size_t peer_data_copy(const struct peer *p, uint32_t stream_id, uint8_t *out, size_t cap);

/* Answers every PING received so far (not the ACKs) with its ACK, as a client's stack would. */
void peer_ack_pings(struct peer *p);

#endif
