/*
 * libFuzzer target: the HTTP/1.1 parser (core/http1/): request heads,
 * chunked bodies, trailer sections and detect().
 *
 * Input: 2 config bytes, then the bytes a client sends.
 *   byte 0  bit 0: the bytes are a chunked body (decoder and trailers only)
 *                  rather than a connection's worth of pipelined requests;
 *           bits 1-2: the limits: the defaults, or small, tiny, or the
 *                  defaults with a body limit of 1000;
 *           bits 3-7: how many fields the caller's arrays hold (0..31).
 *   byte 1  where each piece of input is split in two (its length times
 *           byte 1 / 256).
 * The requests are parsed one after another: a head, then its body by
 * Content-Length or chunked (with its trailer section), then the next head,
 * up to 8. Every part of a split is copied into a buffer of exactly its
 * length, so that ASan catches a read past it (libFuzzer's own input is
 * such a buffer already).
 *
 * Aborts when the answer for the first part of a split is neither 0 nor the
 * answer for the whole (the promise stateless re-parsing rests on); when a
 * parsed head breaks an invariant (its length past the input or not ending
 * in CRLF CRLF, a slice outside the head, a name that is not a token, a
 * value with a control character or untrimmed whitespace, more fields than
 * the array holds, content_length under -1, chunked with a Content-Length,
 * an HTTP version other than 1.0/1.1); when the chunked decoder gives other
 * data, another length or another error for the body in two pieces than in
 * one, hands out a slice outside its input, makes no progress, or goes over
 * the body limit; when the response writer does not take parsed fields, or
 * writes other than the size it announces, or lines that do not parse back
 * to the same fields; when an error code has no message or its status is not
 * one of the expected; or when detect() says H2 without the preface, or
 * INVALID for bytes the parser would accept as the start of a request.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        fprintf(stderr, "fuzz_http1: " __VA_ARGS__);                                                         \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)

#define MAX_FIELDS   31
#define MAX_REQUESTS 8

struct config {
    h2r_http1_limits limits;
    size_t field_capacity;
    uint8_t split; /* a piece of n bytes is cut at n * split / 256 */
};

static size_t split_point(const struct config *cfg, size_t len)
{
    return len * cfg->split / 256;
}

static uint8_t *copy_of(const uint8_t *bytes, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    if (!p) FAIL("out of memory");
    if (len) memcpy(p, bytes, len);
    return p;
}

static int within(const void *p, size_t n, const uint8_t *start, size_t len)
{
    const uint8_t *b = p;
    return b >= start && n <= len && (size_t)(b - start) <= len - n;
}

static void check_error(int err)
{
    if (err < H2R_HTTP1_ERR_BUFFER_TOO_SMALL || err > H2R_HTTP1_ERR_EMPTY_LINES) FAIL("unknown code %d", err);
    if (strcmp(h2r_http1_strerror(err), h2r_http1_strerror(0)) == 0) FAIL("code %d has no message", err);
    int status = h2r_http1_error_status(err);
    if (status != 400 && status != 413 && status != 414 && status != 431 && status != 501 && status != 505)
        FAIL("code %d: status %d for a peer's error", err, status);
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Fields as the parser promises them: token names, trimmed values without control characters but HTAB. */
static void check_fields(const h2r_header *fields, size_t count, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i != count; ++i) {
        const h2r_header *f = &fields[i];
        if (!within(f->name, f->name_len, buf, len) || !within(f->value, f->value_len, buf, len))
            FAIL("field %zu outside the bytes parsed", i);
        if (f->name_len == 0 || memchr(f->name, ':', f->name_len) || memchr(f->name, ' ', f->name_len))
            FAIL("field %zu: name not a token", i);
        for (size_t j = 0; j != f->value_len; ++j) {
            uint8_t c = (uint8_t)f->value[j];
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                FAIL("field %zu: control character %#x in its value", i, c);
        }
        if (f->value_len && (is_ows(f->value[0]) || is_ows(f->value[f->value_len - 1])))
            FAIL("field %zu: value not trimmed", i);
    }
}

/*
 * What the parser accepts, the writer takes: the fields as a response head
 * of exactly the announced size, whose field lines parse back to themselves.
 */
static void check_written(const h2r_header *fields, size_t count)
{
    static const char status_line[] = "HTTP/1.1 200 OK\r\n";
    size_t size = h2r_http1_response_head_size(200, NULL, fields, count);
    uint8_t *out = malloc(size);
    if (!out) FAIL("out of memory");
    if (h2r_http1_write_response_head(out, size - 1, 200, NULL, fields, count) !=
        H2R_HTTP1_ERR_BUFFER_TOO_SMALL)
        FAIL("writer: %zu bytes in %zu", size, size - 1);
    ssize_t written = h2r_http1_write_response_head(out, size, 200, NULL, fields, count);
    if (written != (ssize_t)size || memcmp(out, status_line, sizeof(status_line) - 1) != 0)
        FAIL("writer: %zd bytes, %zu announced", written, size);

    h2r_http1_limits limits;
    h2r_http1_limits_default(&limits);
    limits.max_trailer_size = SIZE_MAX;
    h2r_header back[MAX_FIELDS];
    size_t back_count, lines = size - (sizeof(status_line) - 1);
    if (h2r_http1_parse_trailers(out + sizeof(status_line) - 1, lines, &limits, back, MAX_FIELDS,
                                 &back_count) != (int)lines ||
        back_count != count)
        FAIL("written field lines do not parse back");
    for (size_t i = 0; i != count; ++i)
        if (back[i].name_len != fields[i].name_len || back[i].value_len != fields[i].value_len ||
            memcmp(back[i].name, fields[i].name, back[i].name_len) != 0 ||
            (back[i].value_len && memcmp(back[i].value, fields[i].value, back[i].value_len) != 0))
            FAIL("field %zu does not parse back to itself", i);
    free(out);
}

static void check_request(const h2r_http1_request *req, const h2r_header *fields, size_t capacity,
                          const uint8_t *buf, int len)
{
    size_t n = (size_t)len;
    if (n < 16 || memcmp(buf + n - 4, "\r\n\r\n", 4) != 0)
        FAIL("head of %d bytes does not end in CRLF CRLF", len);
    if (!within(req->method, req->method_len, buf, n) || !within(req->target, req->target_len, buf, n))
        FAIL("method or target outside the head");
    if (req->method_len == 0 || req->method_len > H2R_HTTP1_MAX_METHOD_LEN || req->target_len == 0)
        FAIL("method of %zu bytes, target of %zu", req->method_len, req->target_len);
    for (size_t i = 0; i != req->target_len; ++i)
        if ((uint8_t)req->target[i] <= ' ' || req->target[i] == 0x7f)
            FAIL("whitespace or control in the target");
    if (req->minor_version != 0 && req->minor_version != 1) FAIL("HTTP/1.%d", req->minor_version);
    if (req->headers != fields || req->header_count > capacity)
        FAIL("%zu fields in %zu", req->header_count, capacity);
    check_fields(fields, req->header_count, buf, n);
    check_written(fields, req->header_count);
    if (req->content_length < -1) FAIL("content_length %lld", (long long)req->content_length);
    if (req->chunked && req->content_length != -1) FAIL("chunked with a Content-Length");
    if (req->chunked && req->minor_version == 0) FAIL("chunked in HTTP/1.0");
    if (req->host ? !within(req->host, req->host_len, buf, n) : req->minor_version == 1)
        FAIL("host outside the head, or missing in HTTP/1.1");
    if (req->keep_alive > 1 || req->expect_continue > 1 || req->upgrade > 1 || req->chunked > 1)
        FAIL("flags");
}

/*
 * Parses the head at the start of in (which ends where libFuzzer's input
 * does), whole and as its first part, copied. Returns the answer for the
 * whole; *req and fields are the whole's.
 */
static int parse_head(const struct config *cfg, const uint8_t *in, size_t len, h2r_http1_request *req,
                      h2r_header *fields)
{
    int result = h2r_http1_parse_request(in, len, &cfg->limits, req, fields, cfg->field_capacity);
    if (result > 0) {
        if ((size_t)result > len) FAIL("head of %d bytes in %zu", result, len);
        check_request(req, fields, cfg->field_capacity, in, result);
    } else if (result < 0) {
        check_error(result);
    }

    size_t cut = split_point(cfg, len);
    uint8_t *part = copy_of(in, cut);
    h2r_http1_request part_req;
    h2r_header part_fields[MAX_FIELDS];
    int part_result =
        h2r_http1_parse_request(part, cut, &cfg->limits, &part_req, part_fields, cfg->field_capacity);
    if (part_result != 0 && part_result != result)
        FAIL("%zu bytes of %zu answer %d, the whole %d", cut, len, part_result, result);
    if (part_result > 0 &&
        (part_req.header_count != req->header_count || part_req.content_length != req->content_length ||
         part_req.chunked != req->chunked || part_req.keep_alive != req->keep_alive ||
         part_req.target_len != req->target_len))
        FAIL("the same head parses differently from %zu bytes and from %zu", cut, len);
    free(part);
    return result;
}

struct decoded {
    uint8_t *data;
    size_t len;
    ssize_t result; /* bytes consumed up to the last chunk, or the error */
    int done;
};

/* Feeds in[0..len) to dec, all of it unless the last chunk comes first; slices are appended to out->data. */
static ssize_t feed(h2r_http1_chunked *dec, const h2r_http1_limits *limits, const uint8_t *in, size_t len,
                    struct decoded *out)
{
    size_t used = 0;
    while (used < len && !h2r_http1_chunked_done(dec)) {
        const uint8_t *slice;
        size_t slice_len;
        ssize_t r = h2r_http1_chunked_decode(dec, in + used, len - used, &slice, &slice_len);
        if (r < 0) {
            check_error((int)r);
            return r;
        }
        if (r == 0) FAIL("the decoder consumed nothing of %zu bytes", len - used);
        if ((size_t)r > len - used) FAIL("consumed %zd of %zu bytes", r, len - used);
        if (slice_len) {
            if (!within(slice, slice_len, in + used, (size_t)r)) FAIL("a data slice outside its input");
            memcpy(out->data + out->len, slice, slice_len);
            out->len += slice_len;
        }
        if (out->len > limits->max_body_size) FAIL("%zu body bytes over the limit", out->len);
        used += (size_t)r;
    }
    return (ssize_t)used;
}

/* Decodes body[0..len) as a chunked body, in pieces at the given cuts (at most 2), each in its own copy. */
static void decode(const struct config *cfg, const uint8_t *body, size_t len, const size_t *cuts,
                   size_t ncuts, struct decoded *out)
{
    h2r_http1_chunked dec;
    h2r_http1_chunked_init(&dec, &cfg->limits);
    out->len = 0;
    out->result = 0;
    size_t start = 0;
    for (size_t i = 0; i <= ncuts && !h2r_http1_chunked_done(&dec); ++i) {
        size_t end = i < ncuts ? cuts[i] : len;
        uint8_t *piece = copy_of(body + start, end - start);
        ssize_t r = feed(&dec, &cfg->limits, piece, end - start, out);
        free(piece);
        if (r < 0) {
            out->result = r;
            break;
        }
        out->result += r;
        start = end;
    }
    out->done = h2r_http1_chunked_done(&dec);
}

/* A trailer section at the start of in (which ends where the input does), whole and split, like a head.
 * Returns its length, 0 or an error. */
static int parse_trailers(const struct config *cfg, const uint8_t *in, size_t len)
{
    h2r_header fields[MAX_FIELDS];
    size_t count;
    int result = h2r_http1_parse_trailers(in, len, &cfg->limits, fields, cfg->field_capacity, &count);
    if (result > 0) {
        if ((size_t)result > len || memcmp(in + result - 2, "\r\n", 2) != 0)
            FAIL("trailer section of %d", result);
        if (count > cfg->field_capacity) FAIL("%zu trailer fields in %zu", count, cfg->field_capacity);
        check_fields(fields, count, in, (size_t)result);
        check_written(fields, count);
    } else if (result < 0) {
        check_error(result);
    }

    size_t cut = split_point(cfg, len);
    uint8_t *part = copy_of(in, cut);
    int part_result = h2r_http1_parse_trailers(part, cut, &cfg->limits, fields, cfg->field_capacity, &count);
    if (part_result != 0 && part_result != result)
        FAIL("trailers: %zu bytes of %zu answer %d, the whole %d", cut, len, part_result, result);
    free(part);
    return result;
}

/*
 * A chunked body and its trailers at the start of in: decoded whole, in two
 * pieces and in three, which must agree. Returns the bytes they take, or -1
 * when they are invalid or incomplete.
 */
static ssize_t chunked_body(const struct config *cfg, const uint8_t *in, size_t len)
{
    struct decoded whole = {.data = malloc(len + 1)}, halves = {.data = malloc(len + 1)},
                   thirds = {.data = malloc(len + 1)};
    if (!whole.data || !halves.data || !thirds.data) FAIL("out of memory");
    size_t half = split_point(cfg, len);
    size_t two_cuts[2] = {half / 2, half + (len - half) / 2};
    decode(cfg, in, len, NULL, 0, &whole);
    decode(cfg, in, len, &half, 1, &halves);
    decode(cfg, in, len, two_cuts, 2, &thirds);
    const struct decoded *split[2] = {&halves, &thirds};
    for (size_t i = 0; i != 2; ++i)
        if (split[i]->result != whole.result || split[i]->done != whole.done || split[i]->len != whole.len ||
            memcmp(split[i]->data, whole.data, whole.len) != 0)
            FAIL("chunked in %zu pieces: %zd (%zu bytes) against %zd (%zu bytes) whole", i + 2,
                 split[i]->result, split[i]->len, whole.result, whole.len);
    ssize_t result = whole.result;
    int done = whole.done;
    free(whole.data);
    free(halves.data);
    free(thirds.data);
    if (result < 0 || !done) return -1;

    int trailers = parse_trailers(cfg, in + result, len - (size_t)result);
    return trailers > 0 ? result + trailers : -1;
}

static void check_detect(const uint8_t *data, size_t size)
{
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    int result = h2r_detect_protocol(data, size);
    if (result == H2R_DETECT_HTTP2 && (size < 24 || memcmp(data, preface, 24) != 0))
        FAIL("H2 without the preface");
    if (result < H2R_DETECT_NEED_MORE || result > H2R_DETECT_INVALID) FAIL("detect: %d", result);
    for (size_t k = 0; k < size && k <= 64; ++k) {
        uint8_t *part = copy_of(data, k);
        int prefix = h2r_detect_protocol(part, k);
        free(part);
        if (prefix != H2R_DETECT_NEED_MORE && prefix != result)
            FAIL("detect: %zu bytes say %d, %zu say %d", k, prefix, size, result);
    }

    /* What detect() refuses, the parser refuses too (it skips empty lines first, detect() does not). */
    if (result == H2R_DETECT_INVALID && size && data[0] != '\r') {
        h2r_http1_limits limits;
        h2r_http1_limits_default(&limits);
        h2r_http1_request req;
        h2r_header fields[MAX_FIELDS];
        if (h2r_http1_parse_request(data, size, &limits, &req, fields, MAX_FIELDS) >= 0)
            FAIL("detect: INVALID, and yet the parser accepts the start of a request");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    struct config cfg = {.field_capacity = data[0] >> 3, .split = data[1]};
    h2r_http1_limits_default(&cfg.limits);
    switch ((data[0] >> 1) & 3) {
    case 1:
        cfg.limits = (h2r_http1_limits){.max_request_line = 64,
                                        .max_head_size = 256,
                                        .max_trailer_size = 64,
                                        .max_chunk_ext_size = 32,
                                        .max_body_size = 100};
        break;
    case 2:
        cfg.limits = (h2r_http1_limits){.max_request_line = 16,
                                        .max_head_size = 40,
                                        .max_trailer_size = 8,
                                        .max_chunk_ext_size = 4,
                                        .max_body_size = 10};
        break;
    case 3: cfg.limits.max_body_size = 1000; break;
    }
    int body_only = data[0] & 1;
    data += 2;
    size -= 2;

    check_detect(data, size);
    if (body_only) {
        chunked_body(&cfg, data, size);
        return 0;
    }

    size_t pos = 0;
    for (int i = 0; i != MAX_REQUESTS && pos < size; ++i) {
        h2r_http1_request req;
        h2r_header fields[MAX_FIELDS];
        int head = parse_head(&cfg, data + pos, size - pos, &req, fields);
        if (head <= 0) break;
        pos += (size_t)head;
        if (req.chunked) {
            ssize_t body = chunked_body(&cfg, data + pos, size - pos);
            if (body < 0) break;
            pos += (size_t)body;
        } else if (req.content_length > 0) {
            if ((uint64_t)req.content_length > size - pos) break;
            pos += (size_t)req.content_length;
        }
    }
    return 0;
}
