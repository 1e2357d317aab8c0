/*
 * h2ring's HTTP/2 engine: the public API, shaped after Node.js's http2
 * module (Http2Session, ServerHttp2Stream), in C. A server session can also
 * speak HTTP/1.1 (h2r_session_http1_server_new), behind the same API, as
 * Node's http2 server does with allowHTTP1.
 *
 * The engine is sans-IO. The I/O layer feeds it received bytes with
 * h2r_session_feed() and asks what to send with h2r_session_pull(), which
 * hands out chunks by reference: frame headers and header blocks in the
 * session's own buffers, DATA payloads in the application's buffers or as
 * file ranges. After writing, the I/O layer reports how much went out with
 * h2r_session_sent(); only then are buffers released.
 *
 * Events reach the application through callbacks (h2r_session_callbacks).
 * A stream pointer stays valid until its on_stream_close callback returns,
 * or longer while the application holds a reference (h2r_stream_ref), even
 * past h2r_session_free; calls on a closed stream return
 * H2R_ERR_STREAM_CLOSED and touch nothing freed. A stream's calls come
 * from the thread that runs its session (the one that fed the request,
 * or that made the client session): those that change it return
 * H2R_ERR_WRONG_THREAD from any other, as does a client's
 * h2r_session_request.
 *
 * Functions return 0 or a negative H2R_ERR_* code; nothing aborts the
 * process on peer input. A peer that breaks the protocol gets the RFC's
 * error on the wire (RST_STREAM or GOAWAY with the right code).
 */
#ifndef H2RING_ENGINE_H
#define H2RING_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "h2ring/constants.h"
#include "h2ring/hpack.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct h2r_session h2r_session;
typedef struct h2r_stream h2r_stream;

/** A header field: name, value, and H2R_HPACK_FIELD_* flags (e.g. never-index). */
typedef h2r_hpack_field h2r_header;

/* ---- errors ---- */

enum {
    H2R_OK = 0,
    H2R_ERR_INVALID_ARGUMENT = -501,
    H2R_ERR_NOMEM = -502,
    H2R_ERR_STREAM_CLOSED = -503,     /* the stream is closed (or closing): nothing more can be sent */
    H2R_ERR_SESSION_CLOSED = -504,    /* the session is going away or gone */
    H2R_ERR_INVALID_STATE = -505,     /* e.g. respond() twice, write() before respond() */
    H2R_ERR_HEADERS_TOO_LARGE = -506, /* over maxSendHeaderBlockLength */
    H2R_ERR_INVALID_HEADER = -507,    /* a header the RFC forbids (see h2r_last_error_detail) */
    H2R_ERR_PUSH_DISABLED = -508,     /* the peer disabled push, or this is a pushed stream */
    H2R_ERR_STREAM_LIMIT = -509,      /* the peer's MAX_CONCURRENT_STREAMS, or stream ids exhausted */
    H2R_ERR_TOO_MANY_PINGS = -510,    /* over maxOutstandingPings */
    H2R_ERR_PROTOCOL = -511,          /* the peer broke the protocol; the session sent GOAWAY */
    H2R_ERR_WRONG_THREAD = -512,      /* called from another thread than the one that runs the session */
    /* Node's ERR_HTTP2_INVALID_SETTING_VALUE: a setting out of its range (h2r_get_packed_settings) */
    H2R_ERR_INVALID_SETTING_VALUE = -520,
    /* Node's ERR_HTTP2_INVALID_PACKED_SETTINGS_LENGTH: packed settings not a multiple of 6 bytes */
    H2R_ERR_INVALID_PACKED_SETTINGS_LENGTH = -521,
};

/** A readable message for an H2R_ERR_* code (or an HPACK code). */
const char *h2r_strerror(int err);

/* HTTP/2 error codes (RFC 9113 §7). */
enum h2r_error_code {
    H2R_NO_ERROR = 0x0,
    H2R_PROTOCOL_ERROR = 0x1,
    H2R_INTERNAL_ERROR = 0x2,
    H2R_FLOW_CONTROL_ERROR = 0x3,
    H2R_SETTINGS_TIMEOUT = 0x4,
    H2R_STREAM_CLOSED = 0x5,
    H2R_FRAME_SIZE_ERROR = 0x6,
    H2R_REFUSED_STREAM = 0x7,
    H2R_CANCEL = 0x8,
    H2R_COMPRESSION_ERROR = 0x9,
    H2R_CONNECT_ERROR = 0xa,
    H2R_ENHANCE_YOUR_CALM = 0xb,
    H2R_INADEQUATE_SECURITY = 0xc,
    H2R_HTTP_1_1_REQUIRED = 0xd,
};

/** The name of an HTTP/2 error code ("PROTOCOL_ERROR"), or "UNKNOWN_ERROR". */
const char *h2r_error_code_name(uint32_t code);

/* ---- settings (RFC 9113 §6.5.2, RFC 8441, RFC 9218) ---- */

typedef struct h2r_settings {
    uint32_t header_table_size;
    uint32_t enable_push;
    uint32_t max_concurrent_streams;
    uint32_t initial_window_size;
    uint32_t max_frame_size;
    uint32_t max_header_list_size;
    uint32_t enable_connect_protocol;
    uint32_t no_rfc7540_priorities;
} h2r_settings;

/** The protocol's defaults (what a peer has until its SETTINGS arrive): 4096, 1, unlimited, 65535, 16384,
 * unlimited, 0, 0. */
void h2r_settings_default(h2r_settings *settings);

/** A setting's bit in a set of them (h2r_get_packed_settings' which): id is an enum h2r_setting_id. */
#define H2R_SETTING_BIT(id) (1u << (id))
/** Every setting h2r_settings holds. */
#define H2R_SETTINGS_ALL                                                                                     \
    (H2R_SETTING_BIT(H2R_SETTINGS_HEADER_TABLE_SIZE) | H2R_SETTING_BIT(H2R_SETTINGS_ENABLE_PUSH) |           \
     H2R_SETTING_BIT(H2R_SETTINGS_MAX_CONCURRENT_STREAMS) |                                                  \
     H2R_SETTING_BIT(H2R_SETTINGS_INITIAL_WINDOW_SIZE) | H2R_SETTING_BIT(H2R_SETTINGS_MAX_FRAME_SIZE) |      \
     H2R_SETTING_BIT(H2R_SETTINGS_MAX_HEADER_LIST_SIZE) |                                                    \
     H2R_SETTING_BIT(H2R_SETTINGS_ENABLE_CONNECT_PROTOCOL) |                                                 \
     H2R_SETTING_BIT(H2R_SETTINGS_NO_RFC7540_PRIORITIES))

/**
 * Node's http2.getPackedSettings(settings): the settings of `which`
 * (H2R_SETTING_BIT of each, or H2R_SETTINGS_ALL), in the order of their
 * ids, as a SETTINGS payload (6 bytes each, RFC 9113 §6.5.1): what the
 * HTTP2-Settings header carries, base64url-encoded. Node packs the
 * properties its object has; `which` says which those are. Writes into buf
 * of cap bytes (48 hold them all) and returns the length, or
 * H2R_ERR_INVALID_SETTING_VALUE for a value out of its range (enable_push,
 * enable_connect_protocol and no_rfc7540_priorities 0 or 1,
 * initial_window_size up to 2^31 - 1, max_frame_size 2^14 to 2^24 - 1),
 * H2R_ERR_INVALID_ARGUMENT when which has another bit or buf is too small.
 */
ssize_t h2r_get_packed_settings(const h2r_settings *settings, uint32_t which, uint8_t *buf, size_t cap);

/**
 * Node's http2.getUnpackedSettings(buf, {validate}): reads the settings of a
 * SETTINGS payload into *settings; those it does not hold are left as they
 * were (start from h2r_settings_default for a whole set), and *which (may be
 * NULL) gets the bits of those it held. Settings h2r_settings has no field
 * for are skipped, as a peer's are (RFC 9113 §6.5.2). Returns 0,
 * H2R_ERR_INVALID_PACKED_SETTINGS_LENGTH when len is not a multiple of 6,
 * or, with validate, H2R_ERR_INVALID_SETTING_VALUE for a value out of
 * range (nothing is then read into *settings).
 */
int h2r_get_unpacked_settings(const uint8_t *buf, size_t len, int validate, h2r_settings *settings,
                              uint32_t *which);

/* ---- output chunks handed to the I/O layer ---- */

/**
 * A slice of what to send: memory when base is not NULL, otherwise len bytes
 * of file fd from offset (sent with splice or read by the I/O layer).
 */
typedef struct h2r_chunk {
    const void *base;
    size_t len;
    int fd;
    int64_t offset;
} h2r_chunk;

/* ---- callbacks (Node's events) ---- */

/** Flags passed with received headers (Node's `flags`). */
enum { H2R_END_STREAM = 1 };

typedef struct h2r_session_callbacks {
    /**
     * Node's session 'stream' event: a new request (a client's: a push, see
     * below). headers are valid during the call only. end_stream: the
     * request has no body.
     */
    void (*on_stream)(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags);
    /** A piece of the request body (a client's: the response body). */
    void (*on_data)(h2r_stream *stream, const uint8_t *data, size_t len);
    /** The request body is complete (END_STREAM received), after trailers if any. */
    void (*on_end)(h2r_stream *stream);
    /** Node's 'trailers': trailing headers, before on_end. */
    void (*on_trailers)(h2r_stream *stream, const h2r_header *headers, size_t count);
    /** Node's 'wantTrailers': the last DATA is out; call h2r_stream_send_trailers now. */
    void (*on_want_trailers)(h2r_stream *stream);
    /** Node's 'drain': buffered output fell below the high-water mark after a write returned 0. */
    void (*on_drain)(h2r_stream *stream);
    /**
     * Node's 'aborted': the peer reset the stream (or the session died) while
     * it could still send or receive. Called before on_stream_close.
     */
    void (*on_aborted)(h2r_stream *stream);
    /** Node's stream 'close': last call for this stream; rst_code is its rstCode (NO_ERROR if none). */
    void (*on_stream_close)(h2r_stream *stream, uint32_t rst_code);
    /** Node's 'goaway': the peer sent GOAWAY. */
    void (*on_goaway)(h2r_session *session, uint32_t error_code, uint32_t last_stream_id, const uint8_t *data,
                      size_t len);
    /** Node's 'remoteSettings': the peer's SETTINGS were applied (and acknowledged). */
    void (*on_remote_settings)(h2r_session *session, const h2r_settings *settings);
    /** Node's 'localSettings': the peer acknowledged our SETTINGS. */
    void (*on_local_settings)(h2r_session *session, const h2r_settings *settings);
    /** Node's 'ping': the peer sent a PING (the ACK is sent automatically). */
    void (*on_ping)(h2r_session *session, const uint8_t payload[8]);
    /**
     * Node's 'error' for the session: the peer broke the protocol (code is
     * the HTTP/2 error code sent in GOAWAY) or a limit was hit; reason is
     * readable. The session is closing. In HTTP/1 mode code is
     * H2R_PROTOCOL_ERROR for a malformed request, H2R_ENHANCE_YOUR_CALM for
     * one over a limit (reason then starts with the status answered, e.g.
     * "431 ..."), H2R_INTERNAL_ERROR for a file that could not be read.
     */
    void (*on_session_error)(h2r_session *session, uint32_t code, const char *reason);
    /**
     * Node's session 'close': nothing more will happen on this session; it
     * may now be freed, in this callback too. When the session ends inside
     * an engine call (h2r_session_feed, pull, sent, tick, close, destroy,
     * file_failed, h2r_stream_close), including one the application made
     * from another callback, this callback waits until the outermost of
     * those calls is about to return, so the engine never touches a freed
     * session.
     */
    void (*on_session_close)(h2r_session *session);
    /** Node's session 'timeout': no frame either way for the time set with h2r_session_set_timeout. */
    void (*on_session_timeout)(h2r_session *session);
    /** Node's stream 'timeout': no activity on the stream for the time set with h2r_stream_set_timeout. */
    void (*on_stream_timeout)(h2r_stream *stream);
    /**
     * A monotonic clock in nanoseconds, for what the engine times itself: a
     * ping's round trip (h2r_ping_cb's duration). Read only when a PING of
     * ours is queued and when its ACK arrives, never on a request's way.
     * Optional: without it the engine, which makes no syscall, takes the
     * time of the last h2r_session_tick, whole milliseconds at the tick's
     * granularity. The runtime (server.h) gives CLOCK_MONOTONIC when the
     * application gives none.
     */
    uint64_t (*clock_ns)(void);
    /**
     * Node's 'frameError': a frame already queued could not be sent. A
     * frame refused when it is queued is not one: the call that queues it
     * returns an H2R_ERR_* code. Today this is a DATA frame whose file
     * range could not be read (h2r_session_file_failed): type
     * H2R_FRAME_DATA (also in HTTP/1 mode, for a piece of the body), code
     * the HTTP/2 error code the stream is then reset with
     * (H2R_INTERNAL_ERROR), stream_id its stream. As in Node, the stream
     * closes right after (on_aborted, on_stream_close), or, where the
     * stream's end cannot be taken back, the session does: leave both to
     * the engine in this callback.
     */
    void (*on_frame_error)(h2r_session *session, uint8_t type, uint32_t code, uint32_t stream_id);
    /**
     * Node's stream.sentHeaders, sentInfoHeaders and sentTrailers: the
     * engine keeps no copy of what it sent (every response would pay for
     * it), and tells instead. Called when a head, a 1xx or trailers are
     * queued (kind: H2R_SENT_HEADERS, for a client its request's, H2R_SENT_INFO_HEADERS,
     * H2R_SENT_TRAILERS), with the fields as the application gave them (a
     * head without :status is a 200), valid during the call; before the
     * stream may close. Not for what is not sent: a 1xx to an HTTP/1.0
     * client, trailers a response framed by its length has no room for.
     */
    void (*on_headers_sent)(h2r_stream *stream, int kind, const h2r_header *headers, size_t count);

    /*
     * Client sessions (h2r_session_client_new, h2r_session_http1_client_new)
     * use the callbacks above with the roles turned round: on_data,
     * on_trailers and on_end carry the response body; on_want_trailers and
     * on_drain are about the request body; on_stream is Node's client
     * 'stream' event, a push promised by the server (headers: the promised
     * request, which has no body; h2r_stream_close(stream, H2R_CANCEL)
     * refuses it). A request
     * the server did not process (REFUSED_STREAM, or above the last stream
     * id of its GOAWAY) ends with on_stream_close(stream, H2R_REFUSED_STREAM):
     * it may be retried on another connection (RFC 9113 §8.7).
     */
    /**
     * Node's stream 'response': the final response headers (:status 200-599)
     * of a request, or Node's 'push': those of a pushed stream. headers are
     * valid during the call only. flags: H2R_END_STREAM when there is no body.
     */
    void (*on_response)(h2r_stream *stream, const h2r_header *headers, size_t count, int flags);
    /** Node's stream 'headers' (and 'continue' for a 100): an informational 1xx response, before on_response.
     */
    void (*on_informational)(h2r_stream *stream, const h2r_header *headers, size_t count);
    /**
     * Node's client 'altsvc': the server sent an ALTSVC frame (RFC 7838):
     * alt is its Alt-Svc field value, for the origin given (on stream 0)
     * or, with origin_len 0 as in Node, for the origin of the request on
     * stream_id. Invalid frames are ignored, as the RFC says, and so are
     * all a server session receives. Valid during the call.
     */
    void (*on_altsvc)(h2r_session *session, uint32_t stream_id, const char *origin, size_t origin_len,
                      const char *alt, size_t alt_len);
    /**
     * Node's client 'origin': an ORIGIN frame (RFC 8336) on a session whose
     * scheme is https (Node tells it over TLS only), once for each of its
     * origins, in order; the application keeps its originSet from these
     * and the session's own origin. A frame with a malformed entry, or on
     * a stream, is ignored whole. Valid during the call.
     */
    void (*on_origin)(h2r_session *session, const char *origin, size_t len);

    /**
     * A trace of the HTTP/2 frames, for tools (h2get -v) and debugging;
     * NULL (the default) costs one test per frame. Called for every frame
     * received, once it is whole and before it is acted on, and for every
     * frame sent, when it is queued: control frames and header blocks as
     * they are written, a DATA frame when a pull frames it. direction is
     * H2R_FRAME_RECEIVED or H2R_FRAME_SENT; type (h2r_frame_type_name),
     * flags, stream id and payload length are the frame header's. The
     * connection preface is not a frame, and HTTP/1.1 sessions have none:
     * they never call it. It is called from the middle of the engine's
     * work: it may look (h2r_session_user_data, print, count) but must not
     * call the engine.
     */
    void (*on_frame)(h2r_session *session, int direction, uint8_t type, uint8_t flags, uint32_t stream_id,
                     uint32_t length);
} h2r_session_callbacks;

/** What on_headers_sent reports. */
enum { H2R_SENT_HEADERS, H2R_SENT_INFO_HEADERS, H2R_SENT_TRAILERS };

/** on_frame's direction. */
enum { H2R_FRAME_RECEIVED = 0, H2R_FRAME_SENT = 1 };

/** The name of an HTTP/2 frame type ("HEADERS", RFC 9113 §6; "ALTSVC", "ORIGIN", "PRIORITY_UPDATE"), or
 * "UNKNOWN". */
const char *h2r_frame_type_name(uint8_t type);

/* ---- options (Node's createServer options) ---- */

enum h2r_padding_strategy {
    H2R_PADDING_NONE,    /* Node's PADDING_STRATEGY_NONE */
    H2R_PADDING_MAX,     /* pad every HEADERS and DATA frame to 256 bytes more (the most padding allows) */
    H2R_PADDING_ALIGNED, /* pad frames to a multiple of 8 bytes, header included */
};

typedef struct h2r_session_options {
    /** The SETTINGS we send first. Defaults: table 4096, push 1, 100 streams, window 65535, frame 16384, list
     * 65536. */
    h2r_settings settings;
    /** Node's maxHeaderListPairs: fields per received header section (default 128). */
    uint32_t max_header_list_pairs;
    /**
     * Node's maxSessionMemory, in bytes (default 10 MiB): what the session
     * holds for the peer (queued control bytes, written memory not yet
     * framed, and each open stream: its object and the request header
     * section handed to on_stream, fields and bytes, which the application
     * is expected to keep a copy of) beyond this refuses new streams with
     * RST_STREAM(REFUSED_STREAM), counted against
     * max_session_rejected_streams (then GOAWAY ENHANCE_YOUR_CALM). File
     * ranges hold no memory: they do not count. h2r_session_state's
     * memory_size says how much is counted.
     */
    size_t max_session_memory;
    /** Node's maxOutstandingPings (default 10). */
    uint32_t max_outstanding_pings;
    /** Node's maxSendHeaderBlockLength (default 65536): a larger block is refused locally. */
    size_t max_send_header_block_length;
    /** Node's maxSessionInvalidFrames (default 1000): then GOAWAY ENHANCE_YOUR_CALM. */
    uint32_t max_session_invalid_frames;
    /** Node's maxSessionRejectedStreams (default 100): streams refused over max_concurrent_streams or
     * max_session_memory; past it, GOAWAY ENHANCE_YOUR_CALM. */
    uint32_t max_session_rejected_streams;
    /** Node's peerMaxConcurrentStreams: what we assume until the peer's SETTINGS say otherwise (default 100).
     */
    uint32_t peer_max_concurrent_streams;
    /** Node's paddingStrategy (default none). */
    enum h2r_padding_strategy padding_strategy;
    /** Node's maxDeflateDynamicTableSize (default 4096). */
    uint32_t max_deflate_dynamic_table_size;
    /** Our connection-level receive window (default 1 MiB); stream windows come from
     * settings.initial_window_size. */
    uint32_t connection_window_size;
    /** CONTINUATION frames allowed in one header block (default 32); more is ENHANCE_YOUR_CALM
     * (CVE-2024-28182). */
    uint32_t max_continuations;
    /**
     * Streams the peer may have reset (or made us reset: MadeYouReset) before
     * they completed, beyond those that completed normally (default 200);
     * past it, GOAWAY ENHANCE_YOUR_CALM (CVE-2023-44487, CVE-2025-8671).
     */
    uint32_t max_reset_streams;
    /**
     * Application data queued or in flight that waits this long with no
     * DATA frame made (HTTP/1: no body piece) and no byte written while
     * some is in flight, because the peer opens no flow-control window or
     * reads nothing, ends the session from h2r_session_tick:
     * on_session_error with ENHANCE_YOUR_CALM, then
     * h2r_session_destroy(ENHANCE_YOUR_CALM), a GOAWAY in HTTP/2 (default
     * 60 s, like nginx's send_timeout; 0: never). A peer that stalls every
     * stream at window 0 would otherwise pin their memory for as long as it
     * likes (the HTTP/2 Bomb, CVE-2026-49975); PINGs or connection
     * WINDOW_UPDATEs move nothing. A slow reader is no stall, nor is output
     * waiting for the application (h2r_session_state's output_stalled_ms).
     */
    uint32_t output_stall_timeout_ms;
    /**
     * Control-frame bytes queued unsent (ACKs, RST_STREAMs...) before the
     * peer is cut off (default 64 KiB; CVE-2019-9512/9514/9515). In HTTP/1
     * mode, also the output not yet written (response heads, body bytes
     * queued or in flight) past which no further pipelined request is read
     * until h2r_session_sent() brings it under: a client that pipelines
     * requests whose responses have no body, and reads nothing, gets its
     * input held (http1_max_buffered_input) rather than unbounded output.
     */
    size_t max_control_queue_bytes;
    /** Per-stream buffered bytes above which h2r_stream_write returns 0 (Node's highWaterMark, default 64
     * KiB). */
    size_t stream_high_water_mark;
    /**
     * HTTP/1 mode: bytes received while a response is still being made
     * (pipelined requests, read one at a time) that the session keeps
     * (default 64 KiB). Past it the connection is closed after the current
     * response, and on_session_error says why.
     */
    size_t http1_max_buffered_input;
    /*
     * HTTP/1 mode's parser limits: past them the request is answered by
     * the session itself, and the connection closed.
     */
    /** Bytes in a request line, CRLF excluded (default 8192): 414. */
    size_t http1_max_request_line;
    /** Bytes in a request head (default 16384, Node's maxHeaderSize): 431. */
    size_t http1_max_head_size;
    /** Bytes in a chunked body's trailer section (default 16384): 431. */
    size_t http1_max_trailer_size;
    /** Bytes of chunk extensions in one body, all chunks together (default 16384): 413. */
    size_t http1_max_chunk_ext_size;
    /** Body bytes, by Content-Length or chunks (default UINT64_MAX, the application decides): 413. */
    uint64_t http1_max_body_size;
} h2r_session_options;

/** Fills options with the defaults above. */
void h2r_session_options_init(h2r_session_options *options);

/* ---- which protocol a cleartext connection speaks ---- */

/** What the first bytes of a cleartext connection are (h2r_detect_protocol). */
enum h2r_detected_protocol {
    /** A prefix of the HTTP/2 preface or of an HTTP/1 request line: wait for more. */
    H2R_DETECT_NEED_MORE,
    /** The 24-byte HTTP/2 connection preface (RFC 9113 §3.4). */
    H2R_DETECT_HTTP2,
    /** An HTTP/1 request line: method token SP target SP "HTTP/1." DIGIT CRLF. */
    H2R_DETECT_HTTP1,
    /** Neither: an HTTP/2 session fed these bytes answers GOAWAY PROTOCOL_ERROR (RFC 9113 §3.4). */
    H2R_DETECT_INVALID,
};

/** Bytes of a request line h2r_detect_protocol waits for before deciding (the default max_request_line). */
#define H2R_DETECT_MAX_LINE 8192

/**
 * Tells which protocol a cleartext connection speaks from its first len
 * bytes, for a port that serves prior-knowledge HTTP/2 and HTTP/1.1 alike;
 * the caller then makes an HTTP/2 or HTTP/1.1 session and feeds it every
 * byte, these included. The preface is matched exactly:
 * "PRI * HTTP/2.0\r\n\r\n" followed by anything but "SM\r\n\r\n" is
 * INVALID, never HTTP/1. No empty line is skipped.
 *
 * HTTP/1 is any "HTTP/1." DIGIT version, so that an HTTP/1.2 client gets
 * the HTTP/1 session's 505 rather than a GOAWAY it cannot read; for the
 * same reason a valid prefix of a request line that reaches
 * H2R_DETECT_MAX_LINE bytes is HTTP/1 (the session then answers 414 or goes
 * on, by its own limit). Pure: no state, no allocation.
 */
enum h2r_detected_protocol h2r_detect_protocol(const uint8_t *buf, size_t len);

/* ---- session ---- */

/**
 * Creates a server session. Our SETTINGS are queued at once (the server
 * preface). options (NULL: the defaults) and callbacks are copied. Returns
 * NULL for invalid options or when out of memory.
 */
h2r_session *h2r_session_server_new(const h2r_session_options *options,
                                    const h2r_session_callbacks *callbacks, void *user_data);

/**
 * Creates a server session that speaks HTTP/1.1 (RFC 9112) rather than
 * HTTP/2, behind the same API, as Node's http2 server does with allowHTTP1:
 * for a connection whose ALPN chose http/1.1, or whose first bytes are an
 * HTTP/1 request line (h2r_detect_protocol). Each request/response exchange is
 * a stream (ids 1, 3, 5...), one at a time, in order; on_stream gets the
 * request as HTTP/2 would give it (:method, :scheme, :authority, :path,
 * then the fields with lowercase names, connection-specific ones left
 * out). A request that cannot be read is answered by the session itself
 * (400, 413, 414, 431, 501 or 505, with connection: close), which is then
 * done. HTTP/2's control calls (h2r_session_settings, ping, goaway,
 * altsvc, origin, h2r_stream_priority) return H2R_ERR_INVALID_STATE;
 * pushes are disabled. How responses are framed and when the connection
 * persists: docs/DESIGN.md.
 *
 * scheme ("http" or "https") is every request's :scheme. Besides the
 * common options, http1_max_* bound what a request may hold,
 * http1_max_buffered_input the pipelined input kept while a response is
 * made, and max_control_queue_bytes the output past which no further
 * request is read. Returns NULL for another scheme, invalid options, or
 * when out of memory.
 */
h2r_session *h2r_session_http1_server_new(const h2r_session_options *options,
                                          const h2r_session_callbacks *callbacks, void *user_data,
                                          const char *scheme);

/**
 * Options and callbacks made once for many sessions, such as all of a
 * server's connections. A session made from a profile keeps a pointer to
 * it instead of its own copy of both (some 200 bytes a connection, most of
 * what an idle one costs beyond its protocol state). A profile does not
 * change once made, so sessions on different threads may share it; it must
 * outlive every session made from it.
 */
typedef struct h2r_session_profile h2r_session_profile;

/**
 * Makes a profile from options (NULL: the defaults) and callbacks (NULL:
 * none), both copied. Returns NULL for invalid options or when out of
 * memory.
 */
h2r_session_profile *h2r_session_profile_new(const h2r_session_options *options,
                                             const h2r_session_callbacks *callbacks);
void h2r_session_profile_free(h2r_session_profile *profile);

/** h2r_session_server_new() with the profile's options and callbacks. */
h2r_session *h2r_session_server_new_with_profile(const h2r_session_profile *profile, void *user_data);
/** h2r_session_http1_server_new() with the profile's options and callbacks. */
h2r_session *h2r_session_http1_server_new_with_profile(const h2r_session_profile *profile, void *user_data,
                                                       const char *scheme);

/** Is this an HTTP/1.1 session (made by h2r_session_http1_server_new or h2r_session_http1_client_new)? */
int h2r_session_is_http1(const h2r_session *session);

/* ---- client sessions (Node's ClientHttp2Session) ---- */

/**
 * Creates an HTTP/2 client session (Node's http2.connect(), less the
 * socket: the I/O layer makes the connection). The client preface and our
 * SETTINGS are queued at once. scheme ("http" or "https") and authority
 * ("host:port") are every request's :scheme and :authority unless it gives
 * its own. Our settings.enable_push says whether the server may push
 * (default 1, as in Node). options (NULL: the defaults) and callbacks are
 * copied. The server is held to the same limits and flood defences as a
 * client is on the server side. The thread that calls this is the
 * session's: its requests come from there. Returns NULL for invalid
 * arguments (a scheme or authority that cannot be a request's) or when out
 * of memory.
 */
h2r_session *h2r_session_client_new(const h2r_session_options *options,
                                    const h2r_session_callbacks *callbacks, void *user_data,
                                    const char *scheme, const char *authority);

/**
 * Creates a client session that speaks HTTP/1.1 (RFC 9112) behind the same
 * API: for a connection whose ALPN chose http/1.1, or an upstream that
 * speaks nothing else. One request at a time on the connection (a second
 * h2r_session_request before the first response is complete returns
 * H2R_ERR_STREAM_LIMIT), ids 1, 3, 5...; the request's pseudo-headers become
 * its request line and Host, the response reaches on_informational,
 * on_response, on_data, on_trailers and on_end as HTTP/2's would (:status,
 * then the fields with lowercase names, connection-specific ones left out).
 * A response that cannot be read ends the session with on_session_error
 * (H2R_PROTOCOL_ERROR, or H2R_ENHANCE_YOUR_CALM over an http1_max_* limit).
 * HTTP/2's control calls return H2R_ERR_INVALID_STATE. A response without a
 * length ends with the connection: the I/O layer tells it with
 * h2r_session_eof. authority must be a valid :authority (host[:port]); a
 * request with H2R_REQUEST_END_STREAM and a content-length other than 0
 * is refused with H2R_ERR_INVALID_HEADER. Returns NULL for invalid
 * arguments or when out of memory.
 */
h2r_session *h2r_session_http1_client_new(const h2r_session_options *options,
                                          const h2r_session_callbacks *callbacks, void *user_data,
                                          const char *scheme, const char *authority);

/** Flags for h2r_session_request(). */
enum {
    H2R_REQUEST_END_STREAM = 1,        /* Node's endStream: no request body */
    H2R_REQUEST_WAIT_FOR_TRAILERS = 2, /* Node's waitForTrailers: on_want_trailers after the last DATA */
};

/**
 * Node's clientSession.request(headers, options): opens a stream and queues
 * the request's headers. :method defaults to GET, :path to "/", :scheme and
 * :authority to the session's; headers are validated (connection-specific
 * fields are refused) and encoded at once, so the caller's memory is free
 * on return. Without H2R_REQUEST_END_STREAM the body follows with
 * h2r_stream_write and h2r_stream_end, as a response's does. *stream is
 * valid until its on_stream_close returns (or longer with h2r_stream_ref).
 *
 * Returns 0; H2R_ERR_INVALID_STATE on a server session;
 * H2R_ERR_SESSION_CLOSED once the session is closing (GOAWAY either way);
 * H2R_ERR_STREAM_LIMIT at the server's SETTINGS_MAX_CONCURRENT_STREAMS, or
 * when stream ids are exhausted (the caller waits for a stream to close, or
 * opens another connection); H2R_ERR_INVALID_HEADER or
 * H2R_ERR_HEADERS_TOO_LARGE for headers that cannot be sent; H2R_ERR_NOMEM;
 * H2R_ERR_WRONG_THREAD from another thread than the session's.
 */
int h2r_session_request(h2r_session *session, const h2r_header *headers, size_t count, unsigned flags,
                        h2r_stream **stream);

/** Is this a client session? */
int h2r_session_is_client(const h2r_session *session);

/**
 * Frees the session now (the connection is gone): streams are dropped
 * without stream callbacks, queued data is released, and outstanding ping
 * callbacks get H2R_ERR_SESSION_CLOSED. Streams the application still holds
 * (h2r_stream_ref) stay valid and closed, their calls answer
 * H2R_ERR_STREAM_CLOSED and h2r_stream_session() NULL; the last of them to
 * be dropped frees the little that is left of the session.
 */
void h2r_session_free(h2r_session *session);

void *h2r_session_user_data(const h2r_session *session);

/** The I/O layer's own pointer for the session (its connection), apart from the application's user_data. */
void h2r_session_set_transport(h2r_session *session, void *transport);
void *h2r_session_transport(const h2r_session *session);

/**
 * Takes received bytes. Returns len when all were consumed, or a negative
 * code when the connection must be closed after the output (a GOAWAY) is
 * flushed: H2R_ERR_PROTOCOL for a peer violation, H2R_ERR_SESSION_CLOSED
 * when the session is already done reading.
 */
ssize_t h2r_session_feed(h2r_session *session, const uint8_t *data, size_t len);

/**
 * The peer will send nothing more: the I/O layer's read returned 0 (its
 * FIN; for TLS, its close_notify). An HTTP/1.1 client session needs it:
 * a response without a length (HTTP/1.0, or no Content-Length nor chunked)
 * ends with the connection, and gets on_end here; a response cut short
 * ends with on_session_error(H2R_PROTOCOL_ERROR) and its stream aborted.
 * The session then reads nothing more (h2r_session_want_read is false) and
 * is done once its output is written, or at once if nothing is left of the
 * exchange. A body held by h2r_stream_pause is delivered first: the end
 * counts once the input kept for it is read. An HTTP/1.1 server session
 * needs it for a CONNECT tunnel: the client's FIN is the end of its
 * request (on_end), as END_STREAM is in HTTP/2, and the response may go
 * on; for any other request it does nothing (the I/O layer closes the
 * session gracefully). HTTP/2 sessions do nothing here (GOAWAY says more
 * than a FIN). Returns 0, or H2R_ERR_PROTOCOL when the input ended in the
 * middle of a response.
 */
int h2r_session_eof(h2r_session *session);

/**
 * Fills up to max chunks with what to send now, in order, and returns how
 * many. Chunks from an earlier pull that h2r_session_sent() has not covered
 * come first (the I/O layer may pull again after a partial write). Memory
 * stays valid until covered by h2r_session_sent().
 */
size_t h2r_session_pull(h2r_session *session, h2r_chunk *chunks, size_t max);

/** Reports that the first `bytes` of what was pulled are written; releases what they covered. */
void h2r_session_sent(h2r_session *session, size_t bytes);

/**
 * The file range of chunk `index` (counted from the first chunk of the last
 * pull) could not be read in full: the file shrank, or an I/O error. Its
 * DATA frame must not have been written at all (the I/O layer reads a
 * frame's payload before sending any of it). The frame is cut to what
 * precedes the range, the stream's later payloads are dropped, and the
 * stream is reset with INTERNAL_ERROR; the session goes on. Returns 0;
 * H2R_ERR_SESSION_CLOSED if the stream's end was already queued in a way
 * that cannot be taken back (trailers), in which case the session closes
 * with GOAWAY INTERNAL_ERROR; or H2R_ERR_INVALID_STATE if part of the frame
 * was written after all: nothing can follow on this connection, which the
 * I/O layer must close at once. Pull again afterwards: the chunks changed.
 *
 * In HTTP/1 mode a body has no frames to cut and its length is promised
 * (or the chunk's): the stream is aborted (on_aborted, on_stream_close with
 * INTERNAL_ERROR), and H2R_ERR_INVALID_STATE is returned: the I/O layer must
 * close the connection.
 */
int h2r_session_file_failed(h2r_session *session, size_t index);

/** Is there anything to pull? */
int h2r_session_want_write(const h2r_session *session);

/**
 * Does the session still read? (False once GOAWAY was sent for an error, or after destroy; in HTTP/1 mode
 * also once no further request will be read.)
 */
int h2r_session_want_read(const h2r_session *session);

/**
 * Does the session want no input for now? In HTTP/1 mode, while a request
 * body is paused (h2r_stream_pause) and the input kept for it has reached
 * http1_max_buffered_input bytes. The I/O layer then stops receiving (the
 * client is held by TCP) until this turns false again, after
 * h2r_stream_resume; bytes it had already received are still fed, and
 * kept, so a layer that asks before each feed keeps the session's input
 * under http1_max_buffered_input plus its last feed. Never in HTTP/2, whose
 * paused streams are held by their flow-control windows.
 */
int h2r_session_input_paused(const h2r_session *session);

/**
 * Is the session finished: nothing more to read or write? The I/O layer
 * then closes the connection and frees the session.
 */
int h2r_session_is_done(const h2r_session *session);

/**
 * The engine has no clock: the I/O layer tells it the time (any monotonic
 * milliseconds) every so often, and the timeouts below fire from here, at
 * that granularity. Call it once right after creating the session, so that
 * activity is stamped with real times from the start. A tick also frees the
 * output buffers an idle session keeps between responses.
 */
void h2r_session_tick(h2r_session *session, uint64_t now_ms);

/**
 * Node's session.setTimeout(msecs): on_session_timeout after ms without a
 * frame in either direction, then again after each further ms; 0 turns it off.
 */
void h2r_session_set_timeout(h2r_session *session, uint32_t ms);

/** Node's session.settings(): sends new SETTINGS; applied locally when acknowledged. */
int h2r_session_settings(h2r_session *session, const h2r_settings *settings);

/** Node's pendingSettingsAck: are SETTINGS of ours awaiting ACK? (The I/O layer times them out.) */
int h2r_session_pending_settings_ack(const h2r_session *session);

/** The I/O layer's settings-ACK timer fired: GOAWAY SETTINGS_TIMEOUT. */
void h2r_session_settings_timeout(h2r_session *session);

const h2r_settings *h2r_session_local_settings(const h2r_session *session);
const h2r_settings *h2r_session_remote_settings(const h2r_session *session);

/**
 * Node's session.ping(payload, callback): a PING with the 8 bytes of payload,
 * or with 8 bytes the session chooses when payload is NULL (distinct from
 * those of its other outstanding pings). The callback gets 0, the round
 * trip in milliseconds (Node's duration, with a fraction when the session's
 * callbacks have a clock_ns) and the echoed payload when the ACK arrives,
 * or an error and a duration of 0 if the session closes first. Returns 0,
 * H2R_ERR_TOO_MANY_PINGS over maxOutstandingPings, H2R_ERR_SESSION_CLOSED
 * after a connection error or destroy, H2R_ERR_NOMEM, or
 * H2R_ERR_INVALID_STATE in HTTP/1 mode.
 */
typedef void (*h2r_ping_cb)(h2r_session *session, int err, double duration_ms, const uint8_t payload[8],
                            void *ctx);
int h2r_session_ping(h2r_session *session, const uint8_t payload[8], h2r_ping_cb cb, void *ctx);

/**
 * Node's session.goaway(code, lastStreamID, opaqueData): sends a GOAWAY
 * without closing anything; last_stream_id < 0 means the last stream the
 * peer opened.
 */
int h2r_session_goaway(h2r_session *session, uint32_t error_code, int64_t last_stream_id, const uint8_t *data,
                       size_t len);

/**
 * Node's session.close(): graceful. GOAWAY(NO_ERROR), no new streams, the
 * open ones finish, then the session is done. A client is also done, the
 * same way, once its streams end after the server's GOAWAY.
 */
void h2r_session_close(h2r_session *session);

/** Node's session.destroy(code): GOAWAY with code, every stream closed now (aborted). */
void h2r_session_destroy(h2r_session *session, uint32_t error_code);

/**
 * Node's serverhttp2session.altsvc(alt, origin or stream): an ALTSVC frame. stream_id 0 needs an origin.
 * A server's only: H2R_ERR_INVALID_STATE on a client, or an HTTP/1.1 session.
 */
int h2r_session_altsvc(h2r_session *session, uint32_t stream_id, const char *origin, const char *alt);

/** Node's serverhttp2session.origin(...origins): an ORIGIN frame (RFC 8336); a server's only, like ALTSVC. */
int h2r_session_origin(h2r_session *session, const char *const *origins, size_t count);

/** Node's session.state. */
typedef struct h2r_session_state {
    int64_t effective_local_window_size; /* connection window we granted the peer */
    int64_t remote_window_size;          /* connection window the peer granted us */
    uint32_t next_stream_id;      /* the next id we would use (a server's pushes even, a client's odd) */
    uint32_t last_proc_stream_id; /* highest stream id the peer opened (a client's: promised) */
    uint32_t open_streams;
    size_t outbound_queue_size;          /* bytes queued to send */
    size_t deflate_dynamic_table_size;   /* HPACK encoder table size */
    size_t inflate_dynamic_table_size;   /* HPACK decoder table size */
    size_t inbound_queue_size;           /* bytes received, kept unread (HTTP/1: input waiting) */
    int64_t local_window_size;           /* Node's localWindowSize: what the peer may send before our next
                                            connection WINDOW_UPDATE */
    uint32_t effective_recv_data_length; /* Node's effectiveRecvDataLength: DATA bytes delivered since our
                                            last connection WINDOW_UPDATE */
    size_t memory_size;                  /* what counts against max_session_memory */
    uint64_t output_stalled_ms; /* data waiting, none framed or written, this long (the stall timeout) */
} h2r_session_state;
void h2r_session_get_state(const h2r_session *session, h2r_session_state *state);

/**
 * Node's session.closed: h2r_session_close was called, or the session was
 * destroyed: it takes no new stream.
 */
int h2r_session_closed(const h2r_session *session);

/**
 * Node's session.destroyed: destroyed (h2r_session_destroy, a connection
 * error) or finished (on_session_close was called): nothing more is read.
 */
int h2r_session_destroyed(const h2r_session *session);

/* ---- streams (Node's ServerHttp2Stream and ClientHttp2Stream) ---- */

uint32_t h2r_stream_id(const h2r_stream *stream);
/** The stream's session; NULL once it is freed (h2r_session_free) while the stream is still held. */
h2r_session *h2r_stream_session(const h2r_stream *stream);
/** Node's request.httpVersion: "2.0" for HTTP/2 streams, "1.1" or "1.0" for HTTP/1 exchanges. */
const char *h2r_stream_http_version(const h2r_stream *stream);
void *h2r_stream_user_data(const h2r_stream *stream);
void h2r_stream_set_user_data(h2r_stream *stream, void *user_data);

/** Keeps the stream object alive past on_stream_close (calls then fail with H2R_ERR_STREAM_CLOSED). */
void h2r_stream_ref(h2r_stream *stream);
void h2r_stream_unref(h2r_stream *stream);

/** Flags for h2r_stream_respond(). */
enum {
    H2R_RESPOND_END_STREAM = 1,        /* Node's endStream: no body */
    H2R_RESPOND_WAIT_FOR_TRAILERS = 2, /* Node's waitForTrailers: on_want_trailers after the last DATA */
};

/**
 * Node's stream.respond(headers, options). A missing :status means 200;
 * headers are validated (connection-specific fields are refused) and
 * encoded at once, so the application's memory is free on return. A
 * response to HEAD, and 204, 205 and 304, has no content (RFC 9110 §6.4.1):
 * respond() ends the stream with the head in both HTTP/2 and HTTP/1 modes,
 * whatever the flags, and writes after it fail (their data released). A
 * client's streams take none (a request's HEADERS are sent:
 * H2R_ERR_INVALID_STATE; a push: H2R_ERR_STREAM_CLOSED).
 */
int h2r_stream_respond(h2r_stream *stream, const h2r_header *headers, size_t count, unsigned flags);

/**
 * Node's stream.additionalHeaders(): a 1xx response (e.g. 103 Early Hints) before respond(). In HTTP/1 mode
 * it is an interim response ("HTTP/1.1 100 Continue"), never sent to an HTTP/1.0 client (RFC 9110 §15.2),
 * for which this does nothing. The engine sends no 100 Continue by itself: the application decides.
 */
int h2r_stream_additional_headers(h2r_stream *stream, const h2r_header *headers, size_t count);

/**
 * Called when written memory is no longer needed (sent, or the stream died).
 */
typedef void (*h2r_release_cb)(void *ctx, const void *data, size_t len);

/**
 * Node's stream.write(chunk): queues len bytes by reference. release (may be
 * NULL for static memory) is called once the bytes are sent or dropped.
 * Returns 1 while the stream's buffered bytes are under the high-water mark,
 * 0 when the caller should wait for on_drain, or a negative error (the
 * release callback has then already been called).
 */
int h2r_stream_write(h2r_stream *stream, const void *data, size_t len, h2r_release_cb release, void *ctx);

/** Queues a file range (respondWithFD's transfer path): sent as DATA within windows and priority. */
int h2r_stream_write_file(h2r_stream *stream, int fd, int64_t offset, size_t len, h2r_release_cb release,
                          void *ctx);

/** Node's stream.end(): no more data; END_STREAM (or trailers) after what is queued. */
int h2r_stream_end(h2r_stream *stream);

/** Node's stream.sendTrailers(): only from on_want_trailers (or after it was called). */
int h2r_stream_send_trailers(h2r_stream *stream, const h2r_header *headers, size_t count);

/**
 * Node's stream.close(code): RST_STREAM with code (NO_ERROR allowed); the stream closes. In HTTP/1 mode
 * the connection ends after what is already queued.
 */
int h2r_stream_close(h2r_stream *stream, uint32_t error_code);

/** Node's stream.bufferSize: bytes queued and not yet sent. */
size_t h2r_stream_buffer_size(const h2r_stream *stream);

/** Node's stream.rstCode once closed by RST_STREAM (either side), else 0. */
uint32_t h2r_stream_rst_code(const h2r_stream *stream);

/**
 * Node's stream.headersSent / pushAllowed / closed (and destroyed: a closed
 * stream is destroyed at once, only the object is left) / aborted.
 * pushAllowed is also 0 on a stream whose request came while the peer
 * refused pushes (see h2r_stream_push).
 */
int h2r_stream_headers_sent(const h2r_stream *stream);
int h2r_stream_push_allowed(const h2r_stream *stream);
int h2r_stream_closed(const h2r_stream *stream);
int h2r_stream_aborted(const h2r_stream *stream);

/**
 * Node's stream.endAfterHeaders: the peer's head ended its side (no body): the request's on a server
 * (on_stream's H2R_END_STREAM), the response's on a client (on_response's).
 */
int h2r_stream_end_after_headers(const h2r_stream *stream);

/**
 * Node's stream.priority(options): sets this stream's RFC 7540 priority
 * (parent 0 = root) locally, and sends a PRIORITY frame unless silent.
 */
int h2r_stream_priority(h2r_stream *stream, uint32_t parent, uint16_t weight, int exclusive, int silent);

/**
 * RFC 9218 from the application: the response's urgency (0, first, to 7)
 * and incremental flag, which the server knows better than the client's
 * guess (RFC 9218 §8). The session then schedules by RFC 9218 (urgency
 * first; non-incremental responses one at a time, incremental ones
 * round-robin), as it does once the client signals RFC 9218 itself; a later
 * PRIORITY_UPDATE from the client for this stream overrides it. What the
 * client asked for is in h2r_stream_get_state (urgency, incremental) and
 * its request's priority field. Returns 0, H2R_ERR_INVALID_ARGUMENT for an
 * urgency over 7, H2R_ERR_STREAM_CLOSED, H2R_ERR_WRONG_THREAD, or
 * H2R_ERR_INVALID_STATE in HTTP/1 mode (no streams to choose between).
 */
int h2r_stream_set_urgency(h2r_stream *stream, unsigned urgency, int incremental);

/**
 * Node's stream.pushStream(headers, callback): promises a request (:method
 * GET or HEAD, :path, :scheme and :authority default to the parent's) on
 * this stream and returns the new pushed stream in *pushed, ready for
 * respond(). Fails with H2R_ERR_PUSH_DISABLED if the peer disabled push
 * (or had when this stream's request came, and :scheme or :authority is to
 * default: they are kept only while the peer takes pushes), this stream is
 * itself pushed or a client's, H2R_ERR_STREAM_LIMIT if the
 * peer's concurrency limit is reached.
 */
int h2r_stream_push(h2r_stream *stream, const h2r_header *headers, size_t count, h2r_stream **pushed);

/** Node's pushStream options: the pushed stream's place in the RFC 7540 priority tree. */
typedef struct h2r_push_options {
    /** Node's parent: the stream the pushed one depends on; 0 for the stream pushed on (the default). */
    uint32_t parent;
    /** Node's exclusive: the pushed stream becomes the parent's only child, over the others (default 0). */
    int exclusive;
} h2r_push_options;

/**
 * Node's stream.pushStream(headers, {exclusive, parent}, callback):
 * h2r_stream_push, then the pushed stream is placed under options->parent
 * (NULL: the defaults), with the default weight, locally (no PRIORITY frame:
 * the client reprioritises its own streams). A parent that is not an open
 * stream stands for the root, as RFC 7540 §5.3.1 says. Returns what
 * h2r_stream_push returns.
 */
int h2r_stream_push_with_options(h2r_stream *stream, const h2r_header *headers, size_t count,
                                 const h2r_push_options *options, h2r_stream **pushed);

/** The stream's state, as Node's stream.state reports it. */
typedef struct h2r_stream_state {
    int64_t local_window_size;  /* window we granted the peer on this stream */
    int64_t remote_window_size; /* window the peer granted us */
    int state;                  /* an H2R_STREAM_STATE_* value */
    uint32_t weight;
    int local_close;                /* Node's localClose: our side has ended (END_STREAM queued) or closed */
    int remote_close;               /* Node's remoteClose: the peer's side has ended, or the stream closed */
    uint32_t sum_dependency_weight; /* Node's sumDependencyWeight: the weights of the streams that depend on
                                       this one (RFC 7540 priorities) */
    unsigned urgency;               /* RFC 9218: 0 (first) to 7, 3 unless the client's priority field, a
                                       PRIORITY_UPDATE or h2r_stream_set_urgency said otherwise */
    int incremental;                /* RFC 9218's incremental flag, likewise */
} h2r_stream_state;
enum {
    H2R_STREAM_STATE_IDLE,
    H2R_STREAM_STATE_RESERVED_LOCAL,
    H2R_STREAM_STATE_RESERVED_REMOTE,
    H2R_STREAM_STATE_OPEN,
    H2R_STREAM_STATE_HALF_CLOSED_LOCAL,
    H2R_STREAM_STATE_HALF_CLOSED_REMOTE,
    H2R_STREAM_STATE_CLOSED,
};
void h2r_stream_get_state(const h2r_stream *stream, h2r_stream_state *state);

/**
 * Node's stream.pause(): upload backpressure. The request body is held
 * where it is, so that a client sending faster than the application
 * consumes waits, and the server's memory stays bounded. A client pauses
 * a response body the same way (HTTP/2: by its window).
 *
 * HTTP/2: the stream gets no WINDOW_UPDATE while paused. on_data still
 * comes for DATA the client was already allowed to send, which is at most
 * the stream's window when it was paused (h2r_stream_get_state's
 * local_window_size, never above our SETTINGS_INITIAL_WINDOW_SIZE); the
 * session keeps none of it. The connection's window is given back as its
 * bytes are delivered, as ever, so the other streams go on: each paused
 * stream holds at most its own window of it.
 *
 * HTTP/1.1: nothing more of the body is read while paused: no on_data,
 * on_trailers or on_end until resumed. Input waits in the session's buffer
 * (h2r_session_state's inbound_queue_size) and, once that holds
 * http1_max_buffered_input bytes, h2r_session_input_paused() tells the I/O
 * layer to stop receiving. Pipelined requests after the body wait too.
 *
 * Returns 0, or H2R_ERR_STREAM_CLOSED on a closed stream. Pausing a stream
 * whose request body is complete is harmless: there is nothing to hold.
 */
int h2r_stream_pause(h2r_stream *stream);

/**
 * Node's stream.resume(): the body flows again. HTTP/2: the WINDOW_UPDATE
 * held back goes out now, one frame for every byte delivered since the last
 * one (none if less than half a window was). HTTP/1.1: the body waiting in
 * the buffer is read at the next h2r_session_pull (want_write says so), and
 * h2r_session_input_paused() is false. Returns 0 (also when not paused),
 * H2R_ERR_STREAM_CLOSED on a closed stream, or H2R_ERR_NOMEM when the
 * WINDOW_UPDATE could not be queued: the stream stays paused, and resume
 * may be called again.
 */
int h2r_stream_resume(h2r_stream *stream);

/** Node's readable.isPaused(): paused by h2r_stream_pause and not resumed since. */
int h2r_stream_is_paused(const h2r_stream *stream);

/**
 * Node's stream.setTimeout(msecs): on_stream_timeout after ms without a frame
 * received or sent on the stream (and again after each further ms); 0 turns
 * it off. The application decides what to do, typically h2r_stream_close().
 */
int h2r_stream_set_timeout(h2r_stream *stream, uint32_t ms);

#ifdef __cplusplus
}
#endif

#endif
