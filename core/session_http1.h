/*
 * A server session in HTTP/1.1 mode: the connection's state besides its
 * streams, shared by session_http1.c (reading requests, the connection's
 * life) and stream_http1.c (writing responses).
 *
 * One exchange at a time: a request head makes a stream, its body and the
 * response's go through it, and only once both are done is the next
 * request read. Input that arrives meanwhile waits in a buffer, which is
 * also where a head or trailer section cut by a read is put together; the
 * buffer, the field arrays and the stream table are reused from one
 * request to the next, so a keep-alive connection allocates one stream
 * object per request and nothing else.
 */
#ifndef H2R_CORE_SESSION_HTTP1_H
#define H2R_CORE_SESSION_HTTP1_H

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
    uint8_t input_ready; /* an exchange ended with input buffered: the next pull reads it */
    uint8_t output_full; /* the next request waits for the output to drain (output_over_bound) */

    /* input kept between feeds, [in_start, in_len) of in */
    uint8_t *in;
    size_t in_start, in_len, in_cap;
};

/* ---- session_http1.c ---- */

/* No further request on this connection once the current exchange is done. */
void h2r_http1_no_reuse(h2r_session *session);
/* Reads the requests waiting in the buffer (an exchange ended meanwhile); 1 if any was. */
int h2r_http1_read_buffered(h2r_session *session);

/* ---- stream_http1.c, for the HTTP/1.1 server's table ---- */

size_t h2r_http1_pull(h2r_session *session, h2r_chunk *chunks, size_t max);
int h2r_http1_want_write(const h2r_session *session);
/* The HTTP/1 halves of h2r_stream_respond, additional_headers and send_trailers, after the common checks. */
int h2r_http1_respond(h2r_stream *stream, const h2r_header *headers, size_t count, unsigned flags);
int h2r_http1_interim(h2r_stream *stream, const h2r_header *headers, size_t count);
int h2r_http1_send_trailers(h2r_stream *stream, const h2r_header *headers, size_t count);

#endif
