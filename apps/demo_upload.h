/*
 * The request bodies of h2serve's demo site, taken as they come and never
 * gathered whole:
 *   POST /sha256  200 with the body's SHA-256 in hex (64 digits and a newline)
 *   POST /echo    200 with the body itself, streamed back as it arrives; the
 *                 request is paused while the response is over its
 *                 high-water mark, so a client that sends and does not read
 *                 is held by flow control (HTTP/2) or TCP (HTTP/1.1)
 */
#ifndef H2R_APPS_DEMO_UPLOAD_H
#define H2R_APPS_DEMO_UPLOAD_H

#include "h2ring/compat.h"

/* Makes wolfSSL choose its SHA-256 code now: it does so on first use, in globals without a lock. Call
 * before the workers start. */
void h2serve_demo_upload_init(void);

/* Answers req (a POST) with the SHA-256 of its body, once the body is in. */
void h2serve_demo_sha256(h2r_request *req, h2r_response *res);

/* Answers req (a POST) with its body. */
void h2serve_demo_echo(h2r_request *req, h2r_response *res);

#endif
