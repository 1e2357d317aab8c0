/*
 * Node's Http2ServerResponse: the head (status, the headers set, date,
 * content-length when end() knows it), the body by reference, interim
 * responses, and the response's state.
 */
#include <string.h>

#include "compat_internal.h"

void h2r_response_on(h2r_response *res, const h2r_response_events *events, void *ctx)
{
    res->events = events;
    res->ctx = ctx;
}

void h2r_response_ref(h2r_response *res)
{
    h2r_compat_pair_ref(h2r_compat_pair_of_res(res));
}

void h2r_response_unref(h2r_response *res)
{
    h2r_compat_pair_unref(h2r_compat_pair_of_res(res));
}

h2r_request *h2r_response_req(const h2r_response *res)
{
    return &h2r_compat_pair_of_res(res)->req;
}

h2r_stream *h2r_response_stream(const h2r_response *res)
{
    return h2r_compat_pair_of_res(res)->stream;
}

unsigned h2r_response_status(const h2r_response *res)
{
    return res->status;
}

int h2r_response_headers_sent(const h2r_response *res)
{
    return h2r_compat_head_sent(h2r_compat_pair_of_res(res));
}

int h2r_response_writable_ended(const h2r_response *res)
{
    return (h2r_compat_pair_of_res(res)->flags & RES_ENDED) != 0;
}

static int valid_status(unsigned status)
{
    return status >= 200 && status <= 599;
}

int h2r_response_set_status(h2r_response *res, unsigned status)
{
    if (!valid_status(status)) return H2R_ERR_INVALID_ARGUMENT;
    if (h2r_response_headers_sent(res)) return H2R_ERR_INVALID_STATE;
    res->status = status;
    return 0;
}

/* Writes value in decimal before end (room for 20 digits); returns where it starts. */
static char *format_decimal(char *end, uint64_t value)
{
    do {
        *--end = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    return end;
}

/*
 * Sends the head: :status, the headers set, a date unless set or turned
 * off, and content-length (when >= 0) unless set. Trailers follow if some
 * were added or a trailer header announces them. Formatted by hand:
 * snprintf was a seventh of the instructions of a small response.
 */
static int send_head(struct h2r_compat_pair *pair, unsigned flags, int64_t content_length)
{
    struct h2r_response *res = &pair->res;
    h2r_header local[3], *list = res->fields ? res->fields : local;
    size_t n = res->fields ? res->count : 1;
    unsigned status = res->status, found = h2r_compat_response_scan(res);
    res->status_text[0] = (char)('0' + status / 100);
    res->status_text[1] = (char)('0' + status / 10 % 10);
    res->status_text[2] = (char)('0' + status % 10);
    list[0] = FIELD(":status", res->status_text, 3);
    /* h2r_compat_response_reserve keeps two slots free after the headers for these. */
    if (!(pair->flags & RES_NO_DATE) && !(found & HAS_DATE)) list[n++] = FIELD("date", h2r_http_date(), 29);
    char length_buf[20];
    int trailers = res->trailer_count || (found & HAS_TRAILER);
    /* With trailers, no length of our own (as Node): HTTP/1.1 then frames the body in chunks, which carry
     * them. */
    if (content_length >= 0 && !(found & HAS_CONTENT_LENGTH) && !trailers) {
        char *text = format_decimal(length_buf + sizeof(length_buf), (uint64_t)content_length);
        list[n++] = FIELD("content-length", text, (size_t)(length_buf + sizeof(length_buf) - text));
    }
    unsigned sent = RES_HEAD_SENT;
    if (trailers) {
        flags |= H2R_RESPOND_WAIT_FOR_TRAILERS;
        sent |= RES_WAIT_TRAILERS;
    }
    /* Set first: with END_STREAM the stream may close inside the call, and its close reads them. */
    pair->flags |= sent;
    int err = h2r_stream_respond(pair->stream, list, n, flags);
    if (err) pair->flags &= ~sent;
    return err;
}

/* No content in a response to HEAD, nor in 204, 205 and 304 (RFC 9110 §6.4.1): h2r_stream_respond ends those.
 */
static int no_content(const struct h2r_compat_pair *pair)
{
    unsigned status = pair->res.status;
    return (pair->flags & REQ_IS_HEAD) || status == 204 || status == 205 || status == 304;
}

static int check_writable(const struct h2r_compat_pair *pair)
{
    if (pair->flags & PAIR_CLOSED) return H2R_ERR_STREAM_CLOSED;
    return pair->flags & RES_ENDED ? H2R_ERR_INVALID_STATE : 0;
}

int h2r_response_write_head(h2r_response *res, unsigned status, const h2r_header *headers, size_t count)
{
    struct h2r_compat_pair *pair = h2r_compat_pair_of_res(res);
    int err = check_writable(pair);
    if (err) return err;
    if (!valid_status(status)) return H2R_ERR_INVALID_ARGUMENT;
    if (h2r_response_headers_sent(res)) return H2R_ERR_INVALID_STATE;
    for (size_t i = 0; i != count && !err; ++i) {
        /* The first of a name replaces what setHeader put there; the next ones add to it. */
        int repeated = 0;
        for (size_t j = 0; j != i && !repeated; ++j)
            repeated = h2r_compat_name_eq(&headers[j], headers[i].name, headers[i].name_len);
        err = h2r_compat_response_set(pair, headers[i].name, headers[i].name_len, headers[i].value,
                                      headers[i].value_len, !repeated);
    }
    if (err) return err;
    res->status = status;
    /* A response to HEAD ends with its head: the stream may close inside, and the caller may hold no
     * reference. */
    h2r_compat_pair_ref(pair);
    err = send_head(pair, 0, -1);
    h2r_compat_pair_unref(pair);
    return err;
}

static int release_with(int err, h2r_release_cb release, void *ctx, const void *data, size_t len)
{
    if (release) release(ctx, data, len);
    return err;
}

static int write_body(struct h2r_compat_pair *pair, const void *data, size_t len, h2r_release_cb release,
                      void *ctx)
{
    int err = check_writable(pair);
    if (err) return release_with(err, release, ctx, data, len);
    if (!h2r_response_headers_sent(&pair->res) && (err = send_head(pair, 0, -1)) != 0)
        return release_with(err, release, ctx, data, len);
    /* The head of a response without content ended the stream: the body is dropped, as Node does. */
    if (no_content(pair)) return release_with(1, release, ctx, data, len);
    return h2r_stream_write(pair->stream, data, len, release, ctx);
}

int h2r_response_write(h2r_response *res, const void *data, size_t len, h2r_release_cb release, void *ctx)
{
    struct h2r_compat_pair *pair = h2r_compat_pair_of_res(res);
    h2r_compat_pair_ref(pair);
    int err = write_body(pair, data, len, release, ctx);
    h2r_compat_pair_unref(pair);
    return err;
}

/* end() with the head not yet sent: the whole response at once, its length known. */
static int end_at_once(struct h2r_compat_pair *pair, const void *data, size_t len, h2r_release_cb release,
                       void *ctx)
{
    struct h2r_response *res = &pair->res;
    int no_body = len == 0 || no_content(pair);
    /*
     * 204 and 304 have no content-length of their own (RFC 9110 §8.6); HEAD
     * without data does not know it; 205 has none (§15.3.6): its data is dropped.
     */
    int64_t content_length = -1;
    if (res->status == 205)
        content_length = 0;
    else if (res->status != 204 && res->status != 304 && (len || !(pair->flags & REQ_IS_HEAD)))
        content_length = (int64_t)len;
    int err = send_head(pair, no_body ? H2R_RESPOND_END_STREAM : 0, content_length);
    if (err || no_body) return release_with(err, release, ctx, data, len);
    err = h2r_stream_write(pair->stream, data, len, release, ctx);
    return err < 0 ? err : h2r_stream_end(pair->stream);
}

static int end_response(struct h2r_compat_pair *pair, const void *data, size_t len, h2r_release_cb release,
                        void *ctx)
{
    int err = check_writable(pair);
    if (err) return release_with(err, release, ctx, data, len);
    /* Set first: the stream may close inside, and its events must find the response ended. */
    pair->flags |= RES_ENDED;
    if (!h2r_response_headers_sent(&pair->res)) {
        err = end_at_once(pair, data, len, release, ctx);
        /* Nothing went out: the application may try again (a header the engine refused, say). */
        if (err && !(pair->flags & RES_HEAD_SENT)) pair->flags &= ~RES_ENDED;
        return err;
    }
    if (no_content(pair)) return release_with(0, release, ctx, data, len);
    if (len && (err = h2r_stream_write(pair->stream, data, len, release, ctx)) < 0) return err;
    return h2r_stream_end(pair->stream);
}

int h2r_response_end(h2r_response *res, const void *data, size_t len, h2r_release_cb release, void *ctx)
{
    struct h2r_compat_pair *pair = h2r_compat_pair_of_res(res);
    h2r_compat_pair_ref(pair);
    int err = end_response(pair, data, len, release, ctx);
    h2r_compat_pair_unref(pair);
    return err;
}

int h2r_response_write_continue(h2r_response *res)
{
    const struct h2r_compat_pair *pair = h2r_compat_pair_of_res(res);
    if (pair->flags & PAIR_CLOSED) return H2R_ERR_STREAM_CLOSED;
    static const h2r_header status = {.name = ":status", .name_len = 7, .value = "100", .value_len = 3};
    return h2r_stream_additional_headers(pair->stream, &status, 1);
}

int h2r_response_write_early_hints(h2r_response *res, const h2r_header *hints, size_t count)
{
    struct h2r_compat_pair *pair = h2r_compat_pair_of_res(res);
    if (pair->flags & PAIR_CLOSED) return H2R_ERR_STREAM_CLOSED;
    /* Rare enough to spend pair memory on: the hints copied lowercased behind the status. */
    h2r_header *copy, *list = h2r_compat_alloc(pair, (count + 1) * sizeof(*list));
    if (!list) return H2R_ERR_NOMEM;
    int err = h2r_compat_copy_fields(pair, hints, count, 1, &copy);
    if (err) return err;
    list[0] = FIELD(":status", "103", 3);
    if (count) memcpy(list + 1, copy, count * sizeof(*list));
    return h2r_stream_additional_headers(pair->stream, list, count + 1);
}

int h2r_response_set_timeout(h2r_response *res, uint32_t ms)
{
    const struct h2r_compat_pair *pair = h2r_compat_pair_of_res(res);
    if (pair->flags & PAIR_CLOSED) return H2R_ERR_STREAM_CLOSED;
    return h2r_stream_set_timeout(pair->stream, ms);
}
