/*
 * The HTTP/1.1 kind of session: what its files share. They call down, in
 * this order, and into the machinery every kind shares (session_internal.h):
 *
 *   http1_server.c    the server's protocol table and constructors, pull
 *   http1_read.c      requests in: heads into streams, bodies, trailers;
 *                     a request that cannot be read answered and refused
 *   http1_write.c     responses out: heads, 1xx, bodies, the last chunk
 *   http1_session.c   the connection's course: when reading stops, when it
 *                     goes on, and the session's calls that change it
 *
 * One exchange at a time: a request head makes a stream, its body and the
 * response's go through it, and only once both are done is the next
 * request read. Input that arrives meanwhile waits in a buffer, which is
 * also where a head or trailer section cut by a read is put together; the
 * buffer, the field arrays and the stream table are reused from one
 * request to the next, so a keep-alive connection allocates one stream
 * object per request and nothing else.
 */
#ifndef H2R_CORE_HTTP1_H
#define H2R_CORE_HTTP1_H

#include "http1_parser.h"
#include "session_internal.h"

/* A header field from a name literal and a value with its length. */
#define FIELD(n, v, vlen)                                                                                    \
    ((h2r_header){.name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = (vlen)})

/* Where the connection is in reading requests. */
enum h1_read_state {
    H1_READ_HEAD,     /* a request head */
    H1_READ_LENGTH,   /* body_left more bytes of a Content-Length body */
    H1_READ_CHUNKED,  /* a chunked body */
    H1_READ_TRAILERS, /* the trailer section after the last chunk */
    H1_READ_TUNNEL,   /* CONNECT: every byte is request body, as long as the exchange lasts */
    H1_READ_WAIT,     /* the request is read, its response is not done: input waits in the buffer */
    H1_READ_DONE,     /* no further request on this connection: input is ignored */
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
    const char *scheme; /* "http" or "https": every request's :scheme */
    enum h1_read_state read_state;

    /* the exchange in progress, from its request head until its stream closes */
    h2r_stream *current;
    uint64_t body_left; /* H1_READ_LENGTH */
    h2r_http1_chunked chunked;
    uint8_t keep_alive;      /* the connection may carry another request after this one */
    uint8_t tunnel;          /* a CONNECT */
    uint8_t expect_continue; /* "expect: 100-continue", not answered and no body byte yet */

    /* the current response */
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

/* ---- http1_read.c ---- */

ssize_t h2r_http1_feed(h2r_session *session, const uint8_t *data, size_t len);
/* Reads the requests waiting in the buffer (an exchange ended meanwhile); 1 if any was. */
int h2r_http1_read_buffered(h2r_session *session);

/* ---- http1_write.c: the stream calls, after the checks every kind makes ---- */

int h2r_http1_respond(h2r_stream *stream, const h2r_header *headers, size_t count, unsigned flags);
int h2r_http1_interim(h2r_stream *stream, const h2r_header *headers, size_t count);
int h2r_http1_send_trailers(h2r_stream *stream, const h2r_header *headers, size_t count);
/* Is there a part of the current response to put out: body bytes, its end, or the trailers' turn? */
int h2r_http1_response_ready(const h2r_stream *stream);
/* Puts out the next part of a response that is ready, within room chunks; 1 if it did, 0 if it could not. */
int h2r_http1_write_next(h2r_session *session, h2r_stream *stream, size_t room);

/* ---- http1_session.c ---- */

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
