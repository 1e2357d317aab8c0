/*
 * POST /sha256 and POST /echo (see demo_upload.h). The hash is wolfSSL's
 * (h2serve links it for TLS anyway), through its public wolfCrypt API.
 */
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "access_log.h"
#include "demo_upload.h"
#include "respond.h"

void h2serve_demo_upload_init(void)
{
    wc_Sha256 sha;
    if (wc_InitSha256(&sha) == 0) wc_Sha256Free(&sha);
}

/* ---- /sha256 ---- */

struct sha256_upload {
    wc_Sha256 sha;
    h2r_response *res;
    int failed;
};

static void sha256_data(h2r_request *req, const uint8_t *data, size_t len, void *ctx)
{
    struct sha256_upload *upload = ctx;
    (void)req;
    /* A piece is at most a frame or a receive buffer: far below word32's range. */
    if (wc_Sha256Update(&upload->sha, data, (word32)len) != 0) upload->failed = 1;
}

static void sha256_end(h2r_request *req, void *ctx)
{
    static const char digits[] = "0123456789abcdef";
    static const char failed[] = "sha-256 failed\n";
    struct sha256_upload *upload = ctx;
    uint8_t digest[WC_SHA256_DIGEST_SIZE];
    if (upload->failed || wc_Sha256Final(&upload->sha, digest) != 0) {
        h2serve_respond(upload->res, 500, "text/plain", failed, sizeof(failed) - 1);
        return;
    }
    char *hex = h2r_request_alloc(req, 2 * sizeof(digest) + 1);
    if (!hex) {
        h2serve_respond_no_memory(upload->res);
        return;
    }
    for (size_t i = 0; i != sizeof(digest); ++i) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[2 * sizeof(digest)] = '\n';
    h2serve_respond_owned(upload->res, 200, "text/plain", hex, 2 * sizeof(digest) + 1);
}

static void sha256_close(h2r_request *req, void *ctx)
{
    struct sha256_upload *upload = ctx;
    (void)req;
    wc_Sha256Free(&upload->sha);
}

void h2serve_demo_sha256(h2r_request *req, h2r_response *res)
{
    static const h2r_request_events events = {
        .on_data = sha256_data, .on_end = sha256_end, .on_close = sha256_close};
    struct sha256_upload *upload = h2r_request_alloc(req, sizeof(*upload));
    if (!upload || wc_InitSha256(&upload->sha) != 0) {
        h2serve_respond_no_memory(res);
        return;
    }
    upload->res = res;
    upload->failed = 0;
    h2r_request_on(req, &events, upload);
}

/* ---- /echo ---- */

struct echo {
    h2r_response *res;
    size_t bytes;
};

static void free_copy(void *ctx, const void *data, size_t len)
{
    (void)data, (void)len;
    free(ctx);
}

static void echo_data(h2r_request *req, const uint8_t *data, size_t len, void *ctx)
{
    struct echo *echo = ctx;
    /* The piece is the engine's only during this call; the write keeps what it is given until sent. */
    void *copy = malloc(len);
    if (!copy) {
        h2r_stream_close(h2r_request_stream(req), H2R_INTERNAL_ERROR);
        return;
    }
    memcpy(copy, data, len);
    echo->bytes += len;
    int written = h2r_response_write(echo->res, copy, len, free_copy, copy);
    /* Over the high-water mark: no more of the body until the response drains (echo_drain). */
    if (written == 0)
        h2r_request_pause(req);
    else if (written < 0)
        h2r_stream_close(h2r_request_stream(req), H2R_INTERNAL_ERROR);
}

static void echo_drain(h2r_response *res, void *ctx)
{
    (void)ctx;
    h2r_request_resume(h2r_response_req(res));
}

static void echo_end(h2r_request *req, void *ctx)
{
    struct echo *echo = ctx;
    h2serve_access_log(req, 200, echo->bytes);
    h2r_response_end(echo->res, NULL, 0, NULL, NULL);
}

void h2serve_demo_echo(h2r_request *req, h2r_response *res)
{
    static const h2r_request_events request_events = {.on_data = echo_data, .on_end = echo_end};
    static const h2r_response_events response_events = {.on_drain = echo_drain};
    struct echo *echo = h2r_request_alloc(req, sizeof(*echo));
    if (!echo) {
        h2serve_respond_no_memory(res);
        return;
    }
    *echo = (struct echo){.res = res};
    h2r_response_set_header(res, "content-type", "application/octet-stream");
    h2r_request_on(req, &request_events, echo);
    h2r_response_on(res, &response_events, echo);
}
