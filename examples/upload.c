/*
 * upload: POST a body of any size, get its hash back, with upload
 * backpressure (Node's request.pause() and resume()), over HTTP/2 (h2c) and
 * HTTP/1.1. What arrives is kept until it is processed; while it is, the
 * request is paused, so that a fast client waits instead of filling memory:
 * over HTTP/2 it gets no WINDOW_UPDATE, over HTTP/1.1 the body stays in the
 * socket. Processing is a timer here, standing for slow work (a disk, a
 * service); then the request resumes.
 *
 * The hash is FNV-1a of 64 bits: short enough to write here, and no
 * cryptographic hash (h2ring's TLS library is private to it: an
 * application wanting SHA-256 brings its own).
 *
 *   cc upload.c $(pkg-config --cflags --libs h2ring) -o upload
 *   ./upload --port 8080 &
 *   head -c 10M /dev/urandom > body
 *   curl --http2-prior-knowledge --data-binary @body http://127.0.0.1:8080/
 *   curl --http1.1 --data-binary @body http://127.0.0.1:8080/
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <h2ring/h2ring.h>

/* How long processing a piece takes here: what stands for the slow work. */
#define PROCESSING_MS 1

/* FNV-1a, 64 bits (http://www.isthe.com/chongo/tech/comp/fnv/): a byte is xored in, then multiplied. */
#define FNV1A64_OFFSET_BASIS UINT64_C(0xcbf29ce484222325)
#define FNV1A64_PRIME        UINT64_C(0x100000001b3)

/* One upload, in the request's memory (h2r_request_alloc): it lives as long as the request. */
struct upload {
    h2r_request *req;
    h2r_response *res;
    h2r_timer *timer; /* processing what is pending, the request paused meanwhile */
    uint8_t *pending; /* what came and is not processed yet */
    size_t pending_len, pending_cap;
    uint64_t hash;
    unsigned pieces; /* how many times processing ran */
    int ended;       /* the whole body came */
};

static void release_text(void *ctx, const void *data, size_t len)
{
    (void)data, (void)len;
    free(ctx);
}

/* The answer: the hash, and in x-pieces how many pieces it was processed in. */
static void answer(struct upload *upload)
{
    char pieces[16], *text = malloc(18);
    if (!text) {
        h2r_stream_close(h2r_response_stream(upload->res), H2R_INTERNAL_ERROR);
        return;
    }
    snprintf(pieces, sizeof(pieces), "%u", upload->pieces);
    h2r_response_set_header(upload->res, "x-pieces", pieces);
    /* The body goes by reference: 16 hex digits and a newline, freed once sent (or dropped). */
    snprintf(text, 18, "%016" PRIx64 "\n", upload->hash);
    h2r_response_end(upload->res, text, 17, release_text, text);
}

static void process(h2r_timer *timer, void *ctx)
{
    struct upload *upload = ctx;
    (void)timer;
    upload->timer = NULL; /* a one-shot timer is freed when this returns */
    for (size_t i = 0; i != upload->pending_len; ++i)
        upload->hash = (upload->hash ^ upload->pending[i]) * FNV1A64_PRIME;
    upload->pending_len = 0;
    ++upload->pieces;
    if (upload->ended)
        answer(upload);
    else
        h2r_request_resume(upload->req);
}

static void on_data(h2r_request *req, const uint8_t *data, size_t len, void *ctx)
{
    struct upload *upload = ctx;
    if (upload->pending_len + len > upload->pending_cap) {
        size_t cap = upload->pending_cap ? upload->pending_cap : 1 << 16;
        while (cap < upload->pending_len + len) cap *= 2;
        uint8_t *grown = realloc(upload->pending, cap);
        if (!grown) {
            h2r_stream_close(h2r_request_stream(req), H2R_INTERNAL_ERROR);
            return;
        }
        upload->pending = grown, upload->pending_cap = cap;
    }
    /* data is valid during this call only. */
    memcpy(upload->pending + upload->pending_len, data, len);
    upload->pending_len += len;
    /* Over HTTP/2, what the client was allowed to send before the pause still comes: it joins the piece. */
    if (upload->timer) return;
    h2r_request_pause(req);
    if (h2r_timer_start(h2r_stream_loop(h2r_request_stream(req)), PROCESSING_MS, 0, process, upload,
                        &upload->timer) != 0)
        h2r_stream_close(h2r_request_stream(req), H2R_INTERNAL_ERROR);
}

static void on_end(h2r_request *req, void *ctx)
{
    struct upload *upload = ctx;
    (void)req;
    upload->ended = 1;
    if (!upload->timer) answer(upload); /* else once the last piece is processed */
}

/* The response's 'close' (answered, or the client went away): the last event before the pair is freed. */
static void on_close(h2r_response *res, void *ctx)
{
    struct upload *upload = ctx;
    (void)res;
    if (upload->timer) h2r_timer_stop(upload->timer);
    free(upload->pending);
}

static void on_request(h2r_request *req, h2r_response *res, void *user_data)
{
    static const h2r_request_events request_events = {.on_data = on_data, .on_end = on_end};
    static const h2r_response_events response_events = {.on_close = on_close};
    const char *method = h2r_request_method(req, NULL);
    struct upload *upload;
    (void)user_data;

    h2r_response_set_header(res, "content-type", "text/plain");
    if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0) {
        h2r_response_set_status(res, 405);
        h2r_response_set_header(res, "allow", "POST, PUT");
        static const char usage[] = "POST a body: its FNV-1a hash comes back\n";
        h2r_response_end(res, usage, sizeof(usage) - 1, NULL, NULL);
        return;
    }
    if ((upload = h2r_request_alloc(req, sizeof(*upload))) == NULL) {
        h2r_stream_close(h2r_request_stream(req), H2R_INTERNAL_ERROR);
        return;
    }
    *upload = (struct upload){.req = req, .res = res, .hash = FNV1A64_OFFSET_BASIS};
    /* Set before returning, not to miss the body. */
    h2r_request_on(req, &request_events, upload);
    h2r_response_on(res, &response_events, upload);
}

static h2r_compat_handlers handlers = {.on_request = on_request};

static void on_listening(const char *url, void *user_data)
{
    (void)user_data;
    printf("upload listening on %s\n", url);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    h2r_server_config config;
    h2r_server_config_init(&config);
    if (argc != 1 && !(argc == 3 && strcmp(argv[1], "--port") == 0)) {
        fprintf(stderr, "usage: upload [--port N]\n");
        return 2;
    }
    config.port = argc == 3 ? (uint16_t)atoi(argv[2]) : 8080;
    config.allow_http1 = 1;
    h2r_compat_callbacks(&config.callbacks);
    config.user_data = &handlers;
    config.on_listening = on_listening;
    return h2r_server_run(&config) == 0 ? 0 : 1;
}
