/*
 * h2get: an HTTP/2 and HTTP/1.1 client on h2ring's client API, and a load
 * generator like h2load. What its files share: the command line, the
 * requests, the exit statuses.
 *
 *   h2get.c          main: the command line, the loop, which mode runs
 *   h2get_request.c  a connection's options, a request's headers and body
 *   h2get_fetch.c    one connection, its requests in parallel, bodies to stdout, a file or -O DIR, pushes
 *   h2get_trace.c    -v: the frames and header sections, one line each, on stderr
 *   h2get_save.c     -O DIR: a path made a file name under DIR, or refused
 *   h2get_load.c     -n/-c/-m: load, and h2load's summary
 */
#ifndef H2GET_H
#define H2GET_H

#include <stddef.h>

#include "h2ring/client.h"

/* Exit statuses. */
enum {
    H2GET_OK = 0,
    H2GET_FAILED = 1,      /* no connection, TLS, a reset stream, the connection lost, a file not written */
    H2GET_USAGE = 2,       /* the command line */
    H2GET_HTTP_ERROR = 22, /* --fail and a status other than 2xx (curl's 22) */
};

#define H2GET_MAX_HEADERS 64

struct h2get_options {
    int verbose;
    const char *output_file;               /* -o */
    const char *output_dir;                /* -O */
    h2r_header headers[H2GET_MAX_HEADERS]; /* -H, split at the first ':' after the name's first byte */
    size_t header_count;
    const char *data;      /* -d DATA, or NULL */
    const char *data_file; /* -d @FILE, or NULL */
    int http1, insecure, no_push, fail;
    const char *cacert;
    unsigned long requests, connections, streams; /* -n, -c, -m: load mode when requests is set */
    char **urls;
    size_t url_count;
};

/* ---- h2get_request.c ---- */

/* The client and session options that the command line asks for. */
void h2get_client_options(const struct h2get_options *o, h2r_client_options *client,
                          h2r_session_options *session);

/* The first field of that name in headers, or NULL. */
const h2r_header *h2get_field(const h2r_header *headers, size_t count, const char *name);

/* A response's :status (0 if it has none that is three digits). */
int h2get_status(const h2r_header *headers, size_t count);

/* The path of a URL with its query: what follows the authority, "/" when nothing does. */
const char *h2get_url_path(const char *url);

/* Are the two URLs of the same origin (scheme, host and port as written)? */
int h2get_same_origin(const char *a, const char *b);

/*
 * Makes the request for url on session: GET, or POST with -d (a method
 * given with -H ':method: X' wins), the path of url, -H's fields; then its
 * body, -d DATA from memory or -d @FILE as a file range the runtime reads
 * as it sends (flow control holds it, not memory). Returns 0 and *stream,
 * whose user_data is set (a body that cannot be queued resets it: its
 * close tells); h2r_session_request's error (H2R_ERR_STREAM_LIMIT: try
 * again once a stream closed); or a negative errno for a file that cannot
 * be opened.
 */
int h2get_request(h2r_session *session, const struct h2get_options *o, const char *url, void *user_data,
                  h2r_stream **stream);

/* ---- h2get_trace.c ---- */

/* on_frame for -v: "send HEADERS frame <length=31, flags=0x05, stream_id=1>" on stderr. */
void h2get_trace_frame(h2r_session *session, int direction, uint8_t type, uint8_t flags, uint32_t stream_id,
                       uint32_t length);
/* A header section for -v, sent (sent = 1) or received: each field on a line; for HTTP/1.1 (http1 = 1) as
 * its head, "> GET / HTTP/1.1" or "< HTTP/1.1 200" and then "> name: value". */
void h2get_trace_headers(int sent, int http1, const h2r_header *headers, size_t count);

/* ---- h2get_fetch.c ---- */

/* Fetches the URLs on one connection and writes what came; returns the exit status. */
int h2get_fetch(h2r_loop *loop, const struct h2get_options *o);

/* ---- h2get_load.c ---- */

/* The load mode; prints h2load's summary; returns the exit status (0 when every request succeeded). */
int h2get_load(h2r_loop *loop, const struct h2get_options *o);

#endif
