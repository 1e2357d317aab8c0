/*
 * HTTP/1.1 (RFC 9112) for both roles: request and response head parsers, a
 * chunked body decoder, a detector for cleartext ports that also serve
 * prior-knowledge HTTP/2, and response and request head writers. Sans-IO
 * like the rest of core/: bytes in, slices and codes out, no allocation, no
 * syscall.
 *
 * Parsing is strict where leniency has let requests be smuggled past a proxy
 * that reads them differently: lines end in CRLF only, no whitespace before a
 * field's colon, no obs-fold, Content-Length digits only, Transfer-Encoding
 * with Content-Length refused, chunked the final coding and only once.
 *
 * Heads are parsed statelessly, the way picohttpparser does: the caller keeps
 * the bytes received so far and calls again with more until the head is
 * complete. Every call reads at most limits->max_head_size bytes, so a slow
 * sender costs at most that much work per read. Parsed names, values, method
 * and target point into the caller's buffer and are valid as long as it is.
 *
 * Functions return a length or 0 (need more bytes), or a negative
 * H2R_HTTP1_ERR_* code; h2r_http1_error_status() gives the status to answer
 * it with, and the connection is then closed: after a malformed head the
 * framing of what follows cannot be trusted.
 */
#ifndef H2R_HTTP1_PARSER_H
#define H2R_HTTP1_PARSER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "h2ring/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---- */

/* Each code's status is in its comment; h2r_http1_error_status() maps them. */
enum {
    /** 400: more than H2R_HTTP1_MAX_EMPTY_LINES empty lines before the request line. */
    H2R_HTTP1_ERR_EMPTY_LINES = -601,
    /** 400: the method is not a token (RFC 9110 §9.1). */
    H2R_HTTP1_ERR_METHOD = -602,
    /** 501: the method is longer than H2R_HTTP1_MAX_METHOD_LEN, so no server implements it (RFC 9112 §3). */
    H2R_HTTP1_ERR_METHOD_TOO_LONG = -603,
    /** 400: method, target and version are not separated by exactly one SP each. */
    H2R_HTTP1_ERR_REQUEST_LINE = -604,
    /** 400: the target has whitespace or a control character, or its form does not fit the method (§3.2). */
    H2R_HTTP1_ERR_TARGET = -605,
    /** 414: the request line is longer than limits->max_request_line. */
    H2R_HTTP1_ERR_URI_TOO_LONG = -606,
    /** 400: the version is not "HTTP/" DIGIT "." DIGIT. */
    H2R_HTTP1_ERR_VERSION = -607,
    /** 505: a well-formed version other than HTTP/1.0 and HTTP/1.1. */
    H2R_HTTP1_ERR_VERSION_UNSUPPORTED = -608,
    /** 400: a bare CR, or a bare LF (see h2r_http1_parse_request). */
    H2R_HTTP1_ERR_LINE_ENDING = -609,
    /** 400: a field line starts with whitespace: obs-fold, refused as §5.2 allows. */
    H2R_HTTP1_ERR_OBS_FOLD = -610,
    /** 400: a field name is empty or not a token, or the line has no colon. */
    H2R_HTTP1_ERR_FIELD_NAME = -611,
    /** 400: whitespace between a field name and its colon (§5.1 requires the 400). */
    H2R_HTTP1_ERR_SPACE_BEFORE_COLON = -612,
    /** 400: a control character other than HTAB (NUL, DEL, ...) in a field value. */
    H2R_HTTP1_ERR_FIELD_VALUE = -613,
    /** 431: more field lines than the caller's array holds. */
    H2R_HTTP1_ERR_TOO_MANY_FIELDS = -614,
    /** 431: the head does not end within limits->max_head_size bytes. */
    H2R_HTTP1_ERR_HEAD_TOO_LARGE = -615,
    /** 400: Content-Length is not digits only, overflows, or repeats with different values. */
    H2R_HTTP1_ERR_CONTENT_LENGTH = -616,
    /** 400: Transfer-Encoding and Content-Length together (§6.3 item 3: a smuggling attempt). */
    H2R_HTTP1_ERR_TE_WITH_CONTENT_LENGTH = -617,
    /** 400: Transfer-Encoding in an HTTP/1.0 request, whose framing is then faulty (§6.1). */
    H2R_HTTP1_ERR_TE_IN_HTTP10 = -618,
    /** 400: Transfer-Encoding whose final coding is not chunked, or with chunked twice (§6.3 item 4, §6.1).
     */
    H2R_HTTP1_ERR_TRANSFER_ENCODING = -619,
    /** 501: a transfer coding other than chunked (§6.1: one the server does not understand). */
    H2R_HTTP1_ERR_TE_UNSUPPORTED = -620,
    /** 400: an HTTP/1.1 request without Host (§3.2). */
    H2R_HTTP1_ERR_MISSING_HOST = -621,
    /** 400: more than one Host field line (§3.2). */
    H2R_HTTP1_ERR_DUPLICATE_HOST = -622,
    /** 400: a Host value that is not uri-host [":" port] (§3.2). */
    H2R_HTTP1_ERR_INVALID_HOST = -623,
    /** 400: a chunk size of no hex digit or over 16, or not followed by an extension or CRLF (§7.1). */
    H2R_HTTP1_ERR_CHUNK_SIZE = -624,
    /** 400: a chunk extension with a control character, or whitespace not followed by ';' (§7.1.1). */
    H2R_HTTP1_ERR_CHUNK_EXTENSION = -625,
    /** 413: more chunk extension bytes in one body than limits->max_chunk_ext_size. */
    H2R_HTTP1_ERR_CHUNK_EXTENSIONS_TOO_LARGE = -626,
    /** 400: chunk data not followed by CRLF. */
    H2R_HTTP1_ERR_CHUNK_DATA_END = -627,
    /** 431: the trailer section does not end within limits->max_trailer_size bytes. */
    H2R_HTTP1_ERR_TRAILER_TOO_LARGE = -628,
    /** 413: Content-Length, or the chunks so far, over limits->max_body_size. */
    H2R_HTTP1_ERR_BODY_TOO_LARGE = -629,
    /** 500 (ours, not the peer's): a status outside 100..599, or a reason, name or value that would break the
     * response's framing (CR, LF, other controls; a name that is not a token). */
    H2R_HTTP1_ERR_INVALID_RESPONSE = -630,
    /** 500 (ours): the output buffer is too small; nothing useful was written. */
    H2R_HTTP1_ERR_BUFFER_TOO_SMALL = -631,
    /** A response's status line is not HTTP-version SP 3DIGIT [SP reason] CRLF, or its status is outside
     * 100..599 (RFC 9112 §4). */
    H2R_HTTP1_ERR_STATUS_LINE = -632,
    /** 500 (ours): a method that is not a token, a target with whitespace or a control character, or a
     * field that would break the request's framing. */
    H2R_HTTP1_ERR_INVALID_REQUEST = -633,
};

/** The status code to answer an H2R_HTTP1_ERR_* code with: 400, 413, 414, 431, 501, 505, or 500 for ours. */
int h2r_http1_error_status(int err);

/** A readable reason for an H2R_HTTP1_ERR_* code, for a log line and the body of the error response. */
const char *h2r_http1_strerror(int err);

/* ---- limits ---- */

/** Empty lines (CRLF) skipped before a request line (RFC 9112 §2.2 asks for at least one). */
#define H2R_HTTP1_MAX_EMPTY_LINES 4
/** The longest method accepted; registered ones are at most 17 bytes long ("UPDATEREDIRECTREF"). */
#define H2R_HTTP1_MAX_METHOD_LEN 32

/** What a peer may make the parser and decoder accept. */
typedef struct h2r_http1_limits {
    /** Bytes in the request line, CRLF excluded; longer is H2R_HTTP1_ERR_URI_TOO_LONG (default 8192). */
    size_t max_request_line;
    /** Bytes in a head, leading empty lines and the final CRLF included (default 16384, Node's). */
    size_t max_head_size;
    /** Bytes in a chunked body's trailer section, its final CRLF included (default 16384). */
    size_t max_trailer_size;
    /** Bytes of chunk extensions in one body, all chunks together (default 16384, as Node and hyper bound
     * them since CVE-2024-22019: otherwise a client streams them forever at no body size). */
    size_t max_chunk_ext_size;
    /** Body bytes, by Content-Length or decoded chunks (default UINT64_MAX: the application decides). */
    uint64_t max_body_size;
} h2r_http1_limits;

/** Sets the defaults above. */
void h2r_http1_limits_default(h2r_http1_limits *limits);

/* ---- request heads ---- */

/** The four forms of request-target (RFC 9112 §3.2). */
enum h2r_http1_target_form {
    /** "/path?query": any method but CONNECT. */
    H2R_HTTP1_TARGET_ORIGIN,
    /** "scheme://authority/path": any method but CONNECT; its authority overrides Host (§3.2.2). */
    H2R_HTTP1_TARGET_ABSOLUTE,
    /** "host:port": CONNECT only, and CONNECT only takes this one. */
    H2R_HTTP1_TARGET_AUTHORITY,
    /** "*": OPTIONS only. */
    H2R_HTTP1_TARGET_ASTERISK,
};

/**
 * A parsed request head. Every pointer is into the buffer given to
 * h2r_http1_parse_request; strings are not NUL-terminated.
 */
typedef struct h2r_http1_request {
    const char *method;
    size_t method_len;
    const char *target;
    size_t target_len;
    enum h2r_http1_target_form target_form;
    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    int minor_version;
    /**
     * The field lines in order, in the caller's array. Names keep the case
     * they were sent in, values have no leading or trailing whitespace;
     * flags and static_name_index are 0. Repeated names are not combined.
     */
    h2r_header *headers;
    size_t header_count;
    /** The body's length from Content-Length, or -1 without one (then: chunked, or no body at all). */
    int64_t content_length;
    /** The Host value (possibly empty), or NULL in an HTTP/1.0 request without one. */
    const char *host;
    size_t host_len;
    /** The body is chunked (Transfer-Encoding: chunked): decode it with h2r_http1_chunked_decode. */
    uint8_t chunked;
    /** The connection may carry another request: HTTP/1.1 without "Connection: close", or HTTP/1.0 with
     * "Connection: keep-alive". */
    uint8_t keep_alive;
    /** HTTP/1.1 with "Expect: 100-continue" (RFC 9110 §10.1.1 has HTTP/1.0 ones ignored). */
    uint8_t expect_continue;
    /** HTTP/1.1 with an Upgrade field and the "upgrade" connection option (RFC 9110 §7.8 has HTTP/1.0 ones
     * and ones not named in Connection ignored); the protocols are in the Upgrade field among headers. */
    uint8_t upgrade;
} h2r_http1_request;

/**
 * Parses the request head at the start of buf.
 *
 * headers/header_capacity: the array the field lines go into; one more line
 * is H2R_HTTP1_ERR_TOO_MANY_FIELDS (431). The HTTP/2 side's default,
 * 128, suits here too.
 *
 * Returns the length of the head, up to and including its final CRLF CRLF,
 * when it is complete and valid; 0 when the bytes so far are a valid start of
 * a head (call again with more; already 431 if len exceeds max_head_size, 414
 * if the request line exceeds max_request_line); or a negative
 * H2R_HTTP1_ERR_* code, as soon as the bytes show one. The body, if any,
 * follows the head: content_length bytes, or chunked.
 *
 * Beyond the grammar, the checks RFC 9112 and RFC 9110 ask of a server:
 * the target's form against the method, Host present once and valid in
 * HTTP/1.1, Content-Length and Transfer-Encoding as described with the
 * error codes; a Content-Length over max_body_size is 413 at once. Up to
 * H2R_HTTP1_MAX_EMPTY_LINES empty lines before the request line are skipped
 * (and counted in the head's length).
 *
 * A bare LF is an error, although RFC 9112 §2.2 lets a recipient take it for
 * a line end: a server that does, behind a proxy that does not (or the other
 * way round), reads a different request than the proxy forwarded, which is
 * how requests are smuggled. CRLF-only costs nothing with real clients.
 *
 * On 0 or an error, *req holds nothing useful.
 */
int h2r_http1_parse_request(const uint8_t *buf, size_t len, const h2r_http1_limits *limits,
                            h2r_http1_request *req, h2r_header *headers, size_t header_capacity);

/**
 * Parses the trailer section that follows a chunked body's last chunk (the
 * bytes after h2r_http1_chunked_decode reports the last chunk), the way
 * h2r_http1_parse_request parses a head's field lines: the same checks,
 * bounded by limits->max_trailer_size (H2R_HTTP1_ERR_TRAILER_TOO_LARGE).
 * Most bodies have no trailer field: the section is then the CRLF alone.
 *
 * Returns the section's length, its final CRLF included, with the fields in
 * fields[0..*field_count); 0 when incomplete; or a negative H2R_HTTP1_ERR_*
 * code. Trailer fields are handed over as they are: merging none of them
 * into the head (RFC 9110 §6.5.1) is the caller's part.
 */
int h2r_http1_parse_trailers(const uint8_t *buf, size_t len, const h2r_http1_limits *limits,
                             h2r_header *fields, size_t field_capacity, size_t *field_count);

/* ---- response heads (the client's side) ---- */

/** A parsed response head; pointers are into the buffer given to h2r_http1_parse_response. */
typedef struct h2r_http1_response {
    /** 100..599. */
    unsigned status;
    /** 0 for HTTP/1.0, 1 for HTTP/1.1 (or a later HTTP/1.x, read as 1.1: RFC 9110 §2.5). */
    int minor_version;
    /** The field lines in order, as h2r_http1_request's. */
    h2r_header *headers;
    size_t header_count;
    /** The body's length from Content-Length, or -1 without one. */
    int64_t content_length;
    /** Transfer-Encoding: chunked. */
    uint8_t chunked;
    /** The connection may carry another request: HTTP/1.1 without "Connection: close", or HTTP/1.0 with
     * "Connection: keep-alive". */
    uint8_t keep_alive;
} h2r_http1_response;

/**
 * Parses the response head at the start of buf, the way
 * h2r_http1_parse_request parses a request's: the status line
 * ("HTTP/1.1 200 OK"; the reason is checked for control characters and
 * otherwise ignored, and the SP before an empty one may be missing), field
 * lines with the same checks, Content-Length and Transfer-Encoding with the
 * same rules (one consistent Content-Length, not both, chunked the final
 * coding and the only one: a client cannot undo another, and a body read
 * until the close where a proxy reads chunks is how responses are
 * smuggled), within limits->max_head_size. No empty line is skipped before
 * the status line. Whether the response has a body at all (HEAD, 1xx, 204,
 * 304, a 2xx to CONNECT) is the caller's to know.
 *
 * Returns the head's length, 0 when incomplete, or a negative
 * H2R_HTTP1_ERR_* code (H2R_HTTP1_ERR_STATUS_LINE, _VERSION or
 * _VERSION_UNSUPPORTED for the status line).
 */
int h2r_http1_parse_response(const uint8_t *buf, size_t len, const h2r_http1_limits *limits,
                             h2r_http1_response *resp, h2r_header *headers, size_t header_capacity);

/* ---- chunked bodies ---- */

/**
 * An incremental decoder of the chunked coding (RFC 9112 §7.1): chunk sizes,
 * extensions (bounded, ignored), data, and the CRLF after each chunk. It
 * keeps no bytes: data comes back as slices of the input, with no copy and
 * no write to it (unlike picohttpparser's phr_decode_chunked, which moves
 * data down the buffer), so a body goes from a receive buffer straight to
 * the application. Fields are private.
 */
typedef struct h2r_http1_chunked {
    uint64_t chunk_left; /* data bytes of the current chunk still to come */
    uint64_t body_size;  /* data bytes so far, counting the current chunk whole */
    uint64_t max_body_size;
    size_t ext_size; /* chunk extension bytes so far */
    size_t max_ext_size;
    uint8_t state;
    uint8_t size_digits; /* hex digits of the current chunk size */
} h2r_http1_chunked;

/** Prepares a decoder for one body, with limits->max_body_size and limits->max_chunk_ext_size. */
void h2r_http1_chunked_init(h2r_http1_chunked *dec, const h2r_http1_limits *limits);

/**
 * Decodes from in[0..len): consumes framing and returns at most one slice of
 * data per call in *data and *data_len (a part of in; *data_len is 0 when
 * there is none). Returns how many bytes were consumed, data included, or a
 * negative H2R_HTTP1_ERR_* code (the decoder is then unusable). Until the
 * last chunk, a call consumes at least one byte of a non-empty input, so
 * calling again with the rest, and later with new bytes, makes progress.
 *
 * Once the last chunk's line ("0\r\n") is consumed, h2r_http1_chunked_done()
 * is true and further calls consume nothing: the trailer section follows,
 * for h2r_http1_parse_trailers.
 */
ssize_t h2r_http1_chunked_decode(h2r_http1_chunked *dec, const uint8_t *in, size_t len, const uint8_t **data,
                                 size_t *data_len);

/** Whether the last chunk has been decoded (the trailer section comes next). */
int h2r_http1_chunked_done(const h2r_http1_chunked *dec);

/* ---- responses ---- */

/**
 * The reason phrase of a status code RFC 9110 §15 defines, or RFC 8297 (103)
 * and RFC 6585 (428, 429, 431); "" for others.
 */
const char *h2r_http1_status_reason(unsigned status);

/**
 * The exact length h2r_http1_write_response_head() writes for these
 * arguments (when they are valid).
 */
size_t h2r_http1_response_head_size(unsigned status, const char *reason, const h2r_header *headers,
                                    size_t count);

/**
 * Writes "HTTP/1.1 <status> <reason>\r\n", each header as "name: value\r\n",
 * and the empty line. Always HTTP/1.1, to HTTP/1.0 clients too, as RFC 9110
 * §6.2 has servers do; choosing a body framing that client understands
 * (Content-Length or close, not chunked) is the caller's part. reason NULL
 * means h2r_http1_status_reason(status). Nothing is added: Date,
 * Content-Length, Connection are the caller's to give.
 *
 * Returns the bytes written, H2R_HTTP1_ERR_INVALID_RESPONSE when the status
 * is outside 100..599, a name is not a token, or the reason or a value has a
 * control character other than HTAB (CR and LF would let a value start a
 * header or a response of its own: response splitting), or
 * H2R_HTTP1_ERR_BUFFER_TOO_SMALL when cap is under
 * h2r_http1_response_head_size().
 */
ssize_t h2r_http1_write_response_head(uint8_t *out, size_t cap, unsigned status, const char *reason,
                                      const h2r_header *headers, size_t count);

/** The longest chunk header: 16 hex digits and CRLF. */
#define H2R_HTTP1_CHUNK_HEADER_MAX 18

/**
 * Writes the header of a chunk of size bytes (size in hex, then CRLF) and
 * returns its length; the chunk's data follows, then CRLF. For size 0 it
 * writes nothing and returns 0: an empty write must not become the last
 * chunk, which ends the body (that is h2r_http1_write_last_chunk).
 */
size_t h2r_http1_write_chunk_header(uint8_t out[H2R_HTTP1_CHUNK_HEADER_MAX], uint64_t size);

/**
 * Writes the end of a chunked body: the last chunk, the trailer fields, and
 * the final CRLF ("0\r\n\r\n" without trailers). Returns the bytes written,
 * or H2R_HTTP1_ERR_INVALID_RESPONSE / H2R_HTTP1_ERR_BUFFER_TOO_SMALL as
 * h2r_http1_write_response_head does.
 */
ssize_t h2r_http1_write_last_chunk(uint8_t *out, size_t cap, const h2r_header *trailers, size_t count);

/* ---- requests (the client's side) ---- */

/** The exact length h2r_http1_write_request_head() writes for req (when it is valid). */
size_t h2r_http1_request_head_size(const h2r_http1_request *req);

/**
 * Writes "<method> <target> HTTP/1.1\r\n", each of req's headers as
 * "name: value\r\n" (Host among them, first by convention: nothing is
 * added), and the empty line. Only req's method, target, headers and
 * header_count are read. Returns the bytes written,
 * H2R_HTTP1_ERR_INVALID_REQUEST when the method is not a token, the target
 * is empty or has whitespace or a control character, a name is not a token
 * or a value has a control character other than HTAB (request splitting);
 * or H2R_HTTP1_ERR_BUFFER_TOO_SMALL under h2r_http1_request_head_size().
 */
ssize_t h2r_http1_write_request_head(uint8_t *out, size_t cap, const h2r_http1_request *req);

#ifdef __cplusplus
}
#endif

#endif
