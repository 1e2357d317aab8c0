/*
 * The HTTP/1.1 kinds of session, server and client: what their files
 * share. They call down, in this order, and into the machinery every kind
 * shares (session_internal.h):
 *
 *   http1_server.c    the server's protocol table and constructors, pull
 *   http1_client.c    the client's table and constructor, requests, the
 *                     exchange's end, graceful close, pull
 *   http1_read.c      the server's input: request heads into streams, a
 *                     request that cannot be read answered and refused
 *   http1_response.c  the client's input: response heads, 1xx, the end of
 *                     a response, a response that cannot be read
 *   http1_input.c     both roles' input: the buffer, the read loop, bodies
 *                     and trailers, fields as the application gets them
 *   http1_write.c     output: the server's heads and 1xx, and both roles'
 *                     bodies, the last chunk and trailers
 *   http1_session.c   the connection's course: when reading stops, when it
 *                     goes on, and the session's calls that change it
 *
 * One exchange at a time: a request head makes a stream, its body and the
 * response's go through it, and only once both are done is the next
 * request read (or, for the client, made). Input that arrives meanwhile
 * waits in a buffer, which is also where a head or trailer section cut by
 * a read is put together; the buffer, the field arrays and the stream table
 * are reused from one request to the next, so a keep-alive connection
 * allocates one stream object per request and nothing else. Where the
 * roles differ in reading and writing a message, the shared files call
 * the role's hooks (struct http1_role).
 */
#ifndef H2R_CORE_HTTP1_H
#define H2R_CORE_HTTP1_H

#include "http1_parser.h"
#include "session_internal.h"

/* A header field from a name literal and a value with its length. */
#define FIELD(n, v, vlen)                                                                                    \
    ((h2r_header){.name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = (vlen)})

/* Where the connection is in reading messages: requests (server) or responses (client). */
enum h1_read_state {
    H1_READ_HEAD,     /* a head (the client: only while a response is awaited) */
    H1_READ_LENGTH,   /* body_left more bytes of a Content-Length body */
    H1_READ_CHUNKED,  /* a chunked body */
    H1_READ_TRAILERS, /* the trailer section after the last chunk */
    /* every byte is body as long as the exchange lasts: CONNECT, or a response without a length */
    H1_READ_TUNNEL,
    H1_READ_WAIT, /* the server's: the request is read, its response is not done: input waits */
    H1_READ_DONE, /* no further message on this connection: input is ignored */
};

/* What the two roles do their own way where the shared files read and write messages. */
struct http1_role {
    /* Reads a head at the start of p: its length once it started the message, or 0 (more, or failed). */
    size_t (*read_head)(h2r_session *session, const uint8_t *p, size_t len);
    /* The message being read is all in (its stream, referenced by the caller). */
    void (*message_read)(h2r_session *session, h2r_stream *stream);
    /* The input cannot be read: an H2R_HTTP1_ERR_* code or H2R_ERR_NOMEM; why, if not NULL, says more. */
    void (*fail)(h2r_session *session, int err, const char *why);
    /* After a feed was read, with what is left of it in the buffer. Optional. */
    void (*input_kept)(h2r_session *session);
    /* The message we write is queued to its end. */
    void (*message_sent)(h2r_stream *stream);
};

/* How the current response's body is delimited (RFC 9112 §6.3). */
enum h1_framing {
    H1_FRAMING_NONE,    /* no body: HEAD, 204, 304 */
    H1_FRAMING_LENGTH,  /* content-length: response_left bytes to go */
    H1_FRAMING_CHUNKED, /* transfer-encoding: chunked */
    H1_FRAMING_CLOSE,   /* the connection's end: HTTP/1.0 without a length, a CONNECT tunnel */
};

/* The HTTP/1.1 session's own state (session->h1). */
struct http1_state {
    const struct http1_role *role;
    const char *scheme; /* "http" or "https": every request's :scheme */
    enum h1_read_state read_state;

    /* the exchange in progress, from its request head until its stream closes */
    h2r_stream *current;
    uint64_t body_left; /* H1_READ_LENGTH */
    h2r_http1_chunked chunked;
    uint8_t keep_alive;      /* the connection may carry another request after this one */
    uint8_t tunnel;          /* a CONNECT */
    uint8_t expect_continue; /* "expect: 100-continue", not answered and no body byte yet */

    /* the message we write: the server's response, the client's request */
    enum h1_framing framing;
    uint64_t response_left; /* H1_FRAMING_LENGTH: body bytes still owed */
    uint8_t crlf_owed;      /* chunked: the CRLF after the last chunk's data is not written yet */

    uint8_t reading;     /* requests are being read: what ends an exchange must not start reading again */
    uint8_t input_ready; /* reading may go on with input buffered (an exchange ended, a body resumed): the
                            next pull reads it */
    uint8_t output_full; /* the next request waits for the output to drain (output_over_bound) */

    /* input kept between feeds, [in_start, in_len) of in */
    uint8_t *in;
    size_t in_start, in_len, in_cap;

    /* the client's */
    uint32_t next_stream_id; /* the next request's (1, 3, 5...) */
    uint8_t awaiting;        /* a request is made whose final response is not read yet */
    uint8_t no_content;      /* its response has no body whatever it says: HEAD */
    uint8_t connect;         /* it is a CONNECT: a 2xx makes the connection a tunnel */
    uint8_t input_ended;     /* h2r_session_eof came while a paused body held input: taken once it is read */
    size_t authority_len;    /* the session's :authority, every request's Host unless it gives its own */
    char authority[];
};

/* Input kept between feeds, not yet read. */
static inline size_t h2r_http1_buffered(const struct http1_state *h1)
{
    return h1->in_len - h1->in_start;
}

/*
 * Responses without a body (HEAD, 204, 304, an error the application
 * answers at once) end their exchange as soon as they are queued, so a
 * client that pipelines requests and reads nothing could make the output
 * grow without end. The next request is therefore not read while the
 * output not yet written is over max_control_queue_bytes: the session's own
 * bound on bytes queued for a peer that does not read. Input meanwhile waits
 * in the buffer as it does behind a response (http1_max_buffered_input),
 * and h2r_session_sent lets reading go on once the output is under it.
 */
static inline int h2r_http1_output_over_bound(const h2r_session *session)
{
    return h2r_out_backlog(session) > session->config->opt.max_control_queue_bytes;
}

/* ---- http1_read.c: the server's input ---- */

extern const struct http1_role h2r_http1_server_role;
/* The client will send nothing more (h2r_session_eof): a tunnel's request ends. */
int h2r_http1_server_eof(h2r_session *session);

/* ---- http1_response.c: the client's input (the hooks of its role, in http1_client.c) ---- */

size_t h2r_http1_read_response_head(h2r_session *session, const uint8_t *p, size_t len);
void h2r_http1_response_read(h2r_session *session, h2r_stream *stream);
void h2r_http1_client_fail(h2r_session *session, int err, const char *why);
/* The server will send nothing more (h2r_session_eof): a response the connection's end delimits is complete.
 */
int h2r_http1_client_eof(h2r_session *session);

/* ---- http1_input.c: both roles' input ---- */

ssize_t h2r_http1_feed(h2r_session *session, const uint8_t *data, size_t len);
/* Reads the messages waiting in the buffer (an exchange ended meanwhile); 1 if any was. */
int h2r_http1_read_buffered(h2r_session *session);
/*
 * Lowercases the field lines at lines[0..count) into the scratch (which
 * has room for their names) and moves the ones kept to out[0..), in order,
 * leaving out the connection-specific ones and host; out is at or before
 * lines. Returns how many were kept.
 */
size_t h2r_http1_keep_fields(h2r_session *session, h2r_header *out, const h2r_header *lines, size_t count);
/* The size HTTP/2 gives a header list (RFC 9113 §6.5.2), for settings.max_header_list_size. */
size_t h2r_http1_list_size(const h2r_header *fields, size_t count);

/* ---- http1_write.c: the stream calls, after the checks every kind makes ---- */

int h2r_http1_respond(h2r_stream *stream, const h2r_header *headers, size_t count, unsigned flags);
int h2r_http1_interim(h2r_stream *stream, const h2r_header *headers, size_t count);
int h2r_http1_send_trailers(h2r_stream *stream, const h2r_header *headers, size_t count);
/* The server's response is queued to its end (its role's message_sent). */
void h2r_http1_response_sent(h2r_stream *stream);
/* Is there a part of the message we write to put out: body bytes, its end, or the trailers' turn? */
int h2r_http1_message_ready(const h2r_stream *stream);
/* Puts out the next part of a message that is ready, within room chunks; 1 if it did, 0 if it could not. */
int h2r_http1_write_next(h2r_session *session, h2r_stream *stream, size_t room);
/*
 * Queues a head: a response's status line, or with request the request
 * line (its headers, Host, lead the fields); then fields, then extra (the
 * session's). H2R_ERR_HEADERS_TOO_LARGE over max_send_header_block_length,
 * H2R_ERR_INVALID_HEADER for what the writer refuses, H2R_ERR_NOMEM.
 */
int h2r_http1_queue_head(h2r_session *session, unsigned status, const h2r_http1_request *request,
                         const h2r_header *fields, size_t count, const h2r_header *extra, size_t extra_count);
/* Ends the body: the last chunk and trailers when chunked (any other framing has no room for trailers). */
int h2r_http1_end_body(h2r_session *session, h2r_stream *stream, const h2r_header *trailers, size_t count);

/* ---- http1_session.c ---- */

/* Our own literal for "http" or "https" (the caller's string need not outlive the session), else NULL. */
const char *h2r_http1_scheme(const char *scheme);
/* Both roles' table entries: free, want_read, want_write. */
void h2r_http1_free(h2r_session *session);
int h2r_http1_want_read(const h2r_session *session);
int h2r_http1_want_write(const h2r_session *session);

/*
 * The connection cannot go on (a message that cannot be read, no memory):
 * no more reading, on_session_error(code, reason), the current exchange
 * aborted with code; done once the output is written.
 */
void h2r_http1_abort(h2r_session *session, uint32_t code, const char *reason);

/* No further request: input is ignored from now on, and the session is done once the exchange is. */
void h2r_http1_stop_reading(h2r_session *session);
/* No further request on this connection once the current exchange is done. */
void h2r_http1_no_reuse(h2r_session *session);
/* The exchange's stream closed: the next request, or the connection's end. */
void h2r_http1_stream_closed(h2r_stream *stream);
/* Output was written: reading goes on if it waited for the output to drain. */
void h2r_http1_output_drained(h2r_session *session);
/* Is the input kept for a paused request body at its bound (h2r_session_input_paused)? */
int h2r_http1_input_paused(const h2r_session *session);
/* h2r_stream_resume: the body kept in the buffer is read at the next pull. */
int h2r_http1_resume(h2r_stream *stream);
void h2r_http1_close(h2r_session *session);
int h2r_http1_file_failed(h2r_session *session, size_t index);

#endif
