/*
 * Streams (Node's ServerHttp2Stream): the table of live streams, the state
 * machine of RFC 9113 §5.1 as flags, and the application's calls: respond,
 * write, end, trailers, close, push, priority. In HTTP/1.1 mode a stream is
 * one request/response exchange; what goes on the wire for it differs
 * (stream_http1.c), the state machine does not.
 */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

/* ---- the stream table ---- */

static uint32_t bucket_of(const h2r_session *s, uint32_t id)
{
    return (id * 2654435761u >> 7) & s->bucket_mask;
}

h2r_stream *h2r_stream_find(const h2r_session *s, uint32_t id)
{
    if (!s->buckets) return NULL;
    for (h2r_stream *st = s->buckets[bucket_of(s, id)]; st; st = st->hash_next)
        if (st->id == id) return st;
    return NULL;
}

static int grow_table(h2r_session *s)
{
    uint32_t old_count = s->buckets ? s->bucket_mask + 1 : 0;
    uint32_t count = old_count ? old_count * 2 : 16;
    h2r_stream **old = s->buckets;
    h2r_stream **buckets = calloc(count, sizeof(*buckets));
    if (!buckets) return H2R_ERR_NOMEM;
    s->buckets = buckets;
    s->bucket_mask = count - 1;
    for (uint32_t i = 0; i != old_count; ++i) {
        for (h2r_stream *st = old[i], *next; st; st = next) {
            next = st->hash_next;
            uint32_t b = bucket_of(s, st->id);
            st->hash_next = buckets[b];
            buckets[b] = st;
        }
    }
    free(old);
    return 0;
}

static void table_remove(h2r_session *s, h2r_stream *stream)
{
    for (h2r_stream **p = &s->buckets[bucket_of(s, stream->id)]; *p; p = &(*p)->hash_next) {
        if (*p == stream) {
            *p = stream->hash_next;
            --s->stream_count;
            return;
        }
    }
}

h2r_stream *h2r_stream_create(h2r_session *s, uint32_t id, const char *authority, size_t authority_len,
                              const char *scheme, size_t scheme_len)
{
    if ((s->stream_count >= (s->buckets ? s->bucket_mask + 1 : 0)) && grow_table(s) != 0) return NULL;
    h2r_stream *st = calloc(1, sizeof(*st) + authority_len + scheme_len);
    if (!st) return NULL;
    st->session = s;
    st->id = id;
    st->refcount = 1; /* the session's, dropped when the stream closes */
    st->active_ms = s->now_ms;
    st->local_window = s->local.initial_window_size;
    st->remote_window = s->remote.initial_window_size;
    st->authority_len = authority_len;
    st->scheme_len = scheme_len;
    if (authority_len) memcpy(st->request_info, authority, authority_len);
    if (scheme_len) memcpy(st->request_info + authority_len, scheme, scheme_len);
    h2r_sched_node_init(&st->sched, id);
    uint32_t b = bucket_of(s, id);
    st->hash_next = s->buckets[b];
    s->buckets[b] = st;
    ++s->stream_count;
    return st;
}

int h2r_stream_was_closed(const h2r_session *s, uint32_t id, int *reset_by_us)
{
    for (uint32_t i = 0; s->closed_ids && i != CLOSED_STREAM_MEMORY; ++i) {
        if ((s->closed_ids[i] & H2R_STREAM_ID_MASK) == id && id != 0) {
            *reset_by_us = (s->closed_ids[i] >> 31) != 0;
            return 1;
        }
    }
    return 0;
}

/*
 * The ring comes with the first close, not with the session: an idle
 * connection does without it. Out of line, so that every later close stays
 * a leaf call with no frame to set up.
 */
__attribute__((noinline, cold)) static uint32_t *alloc_closed_ids(h2r_session *s)
{
    return s->closed_ids = calloc(CLOSED_STREAM_MEMORY, sizeof(*s->closed_ids));
}

void h2r_stream_remember_closed(h2r_session *s, uint32_t id, int reset_by_us)
{
    uint32_t *ring = s->closed_ids ? s->closed_ids : alloc_closed_ids(s);
    /* Without memory for the ring, the stream is as one closed longer ago than the ring remembers. */
    if (ring) ring[s->closed_next++ % CLOSED_STREAM_MEMORY] = id | (reset_by_us ? 1u << 31 : 0);
}

/* ---- life cycle ---- */

void h2r_stream_ref(h2r_stream *st)
{
    ++st->refcount;
}

void h2r_stream_unref(h2r_stream *st)
{
    if (--st->refcount == 0) free(st);
}

static void unlink_conn_blocked(h2r_session *s, h2r_stream *st)
{
    if (!(st->flags & STREAM_BLOCKED_ON_CONN)) return;
    for (h2r_stream **p = &s->conn_blocked; *p; p = &(*p)->blocked_next) {
        if (*p == st) {
            *p = st->blocked_next;
            break;
        }
    }
    st->flags &= ~STREAM_BLOCKED_ON_CONN;
}

void h2r_stream_release_queued(h2r_stream *st)
{
    h2r_session *s = st->session;
    for (struct data_item *item = st->data_head, *next; item; item = next) {
        next = item->next;
        if (item->base) s->queued_memory_bytes -= item->len - item->framed;
        if (item->framed)
            h2r_release_after_inflight(s, item->last_inflight_seq, item->release, item->release_ctx,
                                       item->base, item->len);
        else if (item->release)
            item->release(item->release_ctx, item->base, item->len);
        free(item);
    }
    s->queued_data_bytes -= st->queued_bytes;
    st->queued_bytes = 0;
    st->data_head = st->data_tail = NULL;
}

void h2r_stream_close_internal(h2r_stream *st, uint32_t rst_code, int aborted)
{
    h2r_session *s = st->session;
    if (st->flags & STREAM_CLOSED) return;
    st->flags |= STREAM_CLOSED | (aborted ? STREAM_ABORTED : 0);
    if (st->timeout_ms) --s->timed_streams;
    st->rst_code = rst_code;
    table_remove(s, st);
    if (st->flags & STREAM_COUNTED_OPEN) {
        if (st->flags & STREAM_PUSHED)
            --s->open_pushed_streams;
        else
            --s->open_peer_streams;
    }
    if (h2r_sched_is_attached(&st->sched)) h2r_sched_detach(&s->sched, &st->sched);
    unlink_conn_blocked(s, st);
    h2r_stream_release_queued(st);
    /* Before the callbacks, so that they see where the connection goes from here. */
    s->proto->stream_closed(st);

    if (!s->destroyed && !(st->flags & STREAM_INTERNAL)) {
        if (aborted && s->config->cb.on_aborted) s->config->cb.on_aborted(st);
        if (s->config->cb.on_stream_close) s->config->cb.on_stream_close(st, rst_code);
    }
    h2r_stream_unref(st);
    if (!s->destroyed) h2r_session_maybe_done(s);
}

void h2r_http2_stream_closed(h2r_stream *st)
{
    h2r_session *s = st->session;
    h2r_stream_remember_closed(s, st->id, (st->flags & STREAM_RESET_BY_US) != 0);
    /*
     * A stream that ran its course earns back one unit of the reset budget
     * (see max_reset_streams); not one the session answered itself (431),
     * which cost the application nothing.
     */
    if (!(st->flags & (STREAM_ABORTED | STREAM_INTERNAL)) && st->rst_code == H2R_NO_ERROR &&
        s->reset_budget_used)
        --s->reset_budget_used;
}

void h2r_stream_reset_for_error(h2r_stream *st, uint32_t code)
{
    h2r_session *s = st->session;
    if (st->flags & STREAM_CLOSED) return;
    st->flags |= STREAM_RESET_BY_US;
    h2r_send_rst_stream(s, st->id, code);
    h2r_stream_close_internal(st, code, 1);
    /* Peer-provoked resets share the rapid-reset budget (MadeYouReset, CVE-2025-8671). */
    if (++s->reset_budget_used > s->config->opt.max_reset_streams)
        h2r_session_connection_error(s, H2R_ENHANCE_YOUR_CALM, "too many streams reset");
}

int h2r_stream_set_timeout(h2r_stream *st, uint32_t ms)
{
    if (st->flags & STREAM_CLOSED) return H2R_ERR_STREAM_CLOSED;
    if (ms && !st->timeout_ms)
        ++st->session->timed_streams;
    else if (!ms && st->timeout_ms)
        --st->session->timed_streams;
    st->timeout_ms = ms;
    h2r_stream_touch(st);
    return 0;
}

void h2r_stream_check_timeouts(h2r_session *s)
{
    uint64_t now = s->now_ms;
    for (uint32_t i = 0; i <= s->bucket_mask && s->buckets; ++i) {
        /* The bucket is walked again after each callback: it may have closed streams. */
        for (h2r_stream *st = s->buckets[i]; st;) {
            if (!st->timeout_ms || now - st->active_ms < st->timeout_ms) {
                st = st->hash_next;
                continue;
            }
            h2r_stream_touch(st); /* due again only after another period */
            h2r_stream_ref(st);
            if (s->config->cb.on_stream_timeout) s->config->cb.on_stream_timeout(st);
            h2r_stream_unref(st);
            st = s->buckets[i];
        }
    }
}

void h2r_stream_release_all(h2r_session *s)
{
    if (!s->buckets) return;
    for (uint32_t i = 0; i <= s->bucket_mask; ++i)
        while (s->buckets[i]) h2r_stream_close_internal(s->buckets[i], H2R_CANCEL, 1);
}

/* ---- readiness for the scheduler ---- */

void h2r_stream_update_ready(h2r_stream *st)
{
    h2r_session *s = st->session;
    int ready = 0;
    uint32_t f = st->flags;
    if (!(f & (STREAM_CLOSED | STREAM_END_SENT)) && (f & STREAM_HEADERS_SENT)) {
        if (st->queued_bytes) {
            if (st->remote_window > 0 && s->remote_window > 0) {
                ready = 1;
            } else if (st->remote_window > 0 && !(f & STREAM_BLOCKED_ON_CONN)) {
                /* Woken up by the connection's next WINDOW_UPDATE (see h2r_session_window_opened). */
                st->flags |= STREAM_BLOCKED_ON_CONN;
                st->blocked_next = s->conn_blocked;
                s->conn_blocked = st;
            }
        } else if ((f & STREAM_END_REQUESTED) && !(f & STREAM_TRAILERS_ASKED)) {
            ready = 1; /* an empty DATA frame with END_STREAM, or the trailers' turn */
        }
    }
    if (h2r_sched_is_attached(&st->sched)) h2r_sched_set_ready(&s->sched, &st->sched, ready);
}

void h2r_stream_data_framed(h2r_stream *st)
{
    h2r_stream_update_ready(st);
    if ((st->flags & STREAM_DRAIN_WANTED) &&
        st->queued_bytes < st->session->config->opt.stream_high_water_mark) {
        st->flags &= ~STREAM_DRAIN_WANTED;
        h2r_stream_ref(st);
        if (st->session->config->cb.on_drain) st->session->config->cb.on_drain(st);
        h2r_stream_unref(st);
    }
}

void h2r_stream_on_end_sent(h2r_stream *st)
{
    st->flags |= STREAM_END_SENT | STREAM_END_REQUESTED;
    h2r_stream_update_ready(st);
    if (st->flags & STREAM_END_RECEIVED) h2r_stream_close_internal(st, H2R_NO_ERROR, 0);
}

void h2r_stream_on_end_received(h2r_stream *st)
{
    st->flags |= STREAM_END_RECEIVED;
    h2r_session *s = st->session;
    h2r_stream_ref(st);
    if (s->config->cb.on_end) s->config->cb.on_end(st);
    if ((st->flags & (STREAM_END_SENT | STREAM_CLOSED)) == STREAM_END_SENT)
        h2r_stream_close_internal(st, H2R_NO_ERROR, 0);
    h2r_stream_unref(st);
}

/* ---- accessors ---- */

uint32_t h2r_stream_id(const h2r_stream *st)
{
    return st->id;
}

h2r_session *h2r_stream_session(const h2r_stream *st)
{
    return st->session;
}

const char *h2r_stream_http_version(const h2r_stream *st)
{
    /* From the flags alone: a referenced stream may outlive its session. */
    if (st->flags & STREAM_HTTP11) return "1.1";
    return st->flags & STREAM_HTTP10 ? "1.0" : "2.0";
}

void *h2r_stream_user_data(const h2r_stream *st)
{
    return st->user_data;
}

void h2r_stream_set_user_data(h2r_stream *st, void *user_data)
{
    st->user_data = user_data;
}

size_t h2r_stream_buffer_size(const h2r_stream *st)
{
    return st->queued_bytes;
}

uint32_t h2r_stream_rst_code(const h2r_stream *st)
{
    return st->rst_code;
}

int h2r_stream_headers_sent(const h2r_stream *st)
{
    return (st->flags & STREAM_HEADERS_SENT) != 0;
}

int h2r_stream_push_allowed(const h2r_stream *st)
{
    return !(st->flags & (STREAM_CLOSED | STREAM_PUSHED | STREAM_END_SENT)) &&
           st->session->remote.enable_push && !st->session->goaway_received;
}

int h2r_stream_closed(const h2r_stream *st)
{
    return (st->flags & STREAM_CLOSED) != 0;
}

int h2r_stream_aborted(const h2r_stream *st)
{
    return (st->flags & STREAM_ABORTED) != 0;
}

void h2r_stream_get_state(const h2r_stream *st, h2r_stream_state *out)
{
    uint32_t f = st->flags;
    out->local_window_size = st->local_window;
    out->remote_window_size = st->remote_window;
    out->weight = st->sched.weight;
    if (f & STREAM_CLOSED)
        out->state = H2R_STREAM_STATE_CLOSED;
    else if ((f & STREAM_PUSHED) && !(f & STREAM_HEADERS_SENT))
        out->state = H2R_STREAM_STATE_RESERVED_LOCAL;
    else if (f & STREAM_END_SENT)
        out->state = H2R_STREAM_STATE_HALF_CLOSED_LOCAL;
    else if (f & STREAM_END_RECEIVED)
        out->state = H2R_STREAM_STATE_HALF_CLOSED_REMOTE;
    else
        out->state = H2R_STREAM_STATE_OPEN;
}

/* ---- sending ---- */

/* Common checks for a call that sends on the stream. */
static int check_can_send(const h2r_stream *st)
{
    if (st->flags & (STREAM_CLOSED | STREAM_END_SENT)) return H2R_ERR_STREAM_CLOSED;
    if (st->session->phase == PHASE_CLOSED) return H2R_ERR_SESSION_CLOSED;
    return 0;
}

static int is_status(const h2r_header *h)
{
    return h->name_len == 7 && memcmp(h->name, ":status", 7) == 0;
}

/* Parses a 3-digit :status value; 0 if malformed. */
static unsigned status_code(const h2r_header *h)
{
    if (h->value_len != 3) return 0;
    unsigned code = 0;
    for (int i = 0; i != 3; ++i) {
        if (h->value[i] < '0' || h->value[i] > '9') return 0;
        code = code * 10 + (unsigned)(h->value[i] - '0');
    }
    return code;
}

/*
 * Encodes response headers with :status first (200 when absent). The list
 * is built on the stack for common sizes; only very long ones allocate.
 */
static int send_response_headers(h2r_stream *st, const h2r_header *headers, size_t count, int end_stream)
{
    const char *reason = h2r_message_check_outgoing(headers, count, H2R_SECTION_RESPONSE);
    if (reason) return H2R_ERR_INVALID_HEADER;
    int has_status = count && is_status(&headers[0]);
    if (has_status)
        return h2r_send_header_block(st->session, H2R_FRAME_HEADERS, st->id, 0, headers, count, end_stream);

    h2r_header local[32], *list = local;
    if (count + 1 > sizeof(local) / sizeof(local[0]) && !(list = malloc((count + 1) * sizeof(*list))))
        return H2R_ERR_NOMEM;
    list[0] = (h2r_header){.name = ":status", .name_len = 7, .value = "200", .value_len = 3};
    if (count) memcpy(list + 1, headers, count * sizeof(*list));
    int err = h2r_send_header_block(st->session, H2R_FRAME_HEADERS, st->id, 0, list, count + 1, end_stream);
    if (list != local) free(list);
    return err;
}

int h2r_stream_respond(h2r_stream *st, const h2r_header *headers, size_t count, unsigned flags)
{
    int err = check_can_send(st);
    if (err) return err;
    if (st->flags & STREAM_HEADERS_SENT) return H2R_ERR_INVALID_STATE;
    unsigned final_status = 200;
    for (size_t i = 0; i != count; ++i) {
        if (!is_status(&headers[i])) continue;
        final_status = status_code(&headers[i]);
        if (final_status < 200) return H2R_ERR_INVALID_HEADER;
    }
    /*
     * No content in a response to HEAD (RFC 9110 §9.3.2), nor in 204, 205
     * and 304 (§15.3.5, §15.3.6, §15.4.5), in either protocol: respond()
     * ends the stream with the head, and no trailers follow.
     */
    if ((st->flags & STREAM_IS_HEAD) || final_status == 204 || final_status == 205 || final_status == 304)
        flags = (flags | H2R_RESPOND_END_STREAM) & ~(unsigned)H2R_RESPOND_WAIT_FOR_TRAILERS;
    return st->session->proto->respond(st, headers, count, flags);
}

int h2r_http2_respond(h2r_stream *st, const h2r_header *headers, size_t count, unsigned flags)
{
    int end_stream = (flags & H2R_RESPOND_END_STREAM) != 0;
    int want_trailers = (flags & H2R_RESPOND_WAIT_FOR_TRAILERS) != 0;
    int err = send_response_headers(st, headers, count, end_stream && !want_trailers);
    if (err) return err;
    st->flags |= STREAM_HEADERS_SENT;
    if (want_trailers) st->flags |= STREAM_WANT_TRAILERS;
    if (end_stream) {
        st->flags |= STREAM_END_REQUESTED;
        if (!want_trailers) {
            h2r_stream_on_end_sent(st);
            return 0;
        }
    }
    h2r_stream_update_ready(st);
    return 0;
}

int h2r_stream_additional_headers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    int err = check_can_send(st);
    if (err) return err;
    if (st->flags & STREAM_HEADERS_SENT) return H2R_ERR_INVALID_STATE;
    /* 1xx only, and never 101: HTTP/2 has no Upgrade (RFC 9113 §8.6). */
    if (count == 0 || !is_status(&headers[0])) return H2R_ERR_INVALID_HEADER;
    unsigned status = status_code(&headers[0]);
    if (status < 100 || status > 199 || status == 101) return H2R_ERR_INVALID_HEADER;
    if (h2r_message_check_outgoing(headers, count, H2R_SECTION_RESPONSE)) return H2R_ERR_INVALID_HEADER;
    return st->session->proto->interim(st, headers, count);
}

int h2r_http2_interim(h2r_stream *st, const h2r_header *headers, size_t count)
{
    return h2r_send_header_block(st->session, H2R_FRAME_HEADERS, st->id, 0, headers, count, 0);
}

static int queue_item(h2r_stream *st, const void *data, int fd, int64_t offset, size_t len,
                      h2r_release_cb release, void *ctx)
{
    int err = check_can_send(st);
    if (!err && (!(st->flags & STREAM_HEADERS_SENT) || (st->flags & (STREAM_END_REQUESTED | STREAM_IS_HEAD))))
        err = H2R_ERR_INVALID_STATE;
    struct data_item *item = NULL;
    if (!err && len && !(item = calloc(1, sizeof(*item)))) err = H2R_ERR_NOMEM;
    if (err || !len) {
        if (release) release(ctx, data, len);
        return err ? err : 1;
    }
    item->base = data;
    item->fd = fd;
    item->offset = offset;
    item->len = len;
    item->release = release;
    item->release_ctx = ctx;
    if (st->data_tail)
        st->data_tail->next = item;
    else
        st->data_head = item;
    st->data_tail = item;
    st->queued_bytes += len;
    st->session->queued_data_bytes += len;
    if (data) st->session->queued_memory_bytes += len;
    h2r_stream_update_ready(st);
    if (st->queued_bytes < st->session->config->opt.stream_high_water_mark) return 1;
    st->flags |= STREAM_DRAIN_WANTED;
    return 0;
}

int h2r_stream_write(h2r_stream *st, const void *data, size_t len, h2r_release_cb release, void *ctx)
{
    if (!data && len) return H2R_ERR_INVALID_ARGUMENT;
    return queue_item(st, data, -1, 0, len, release, ctx);
}

int h2r_stream_write_file(h2r_stream *st, int fd, int64_t offset, size_t len, h2r_release_cb release,
                          void *ctx)
{
    if (fd < 0 || offset < 0) return H2R_ERR_INVALID_ARGUMENT;
    return queue_item(st, NULL, fd, offset, len, release, ctx);
}

int h2r_stream_end(h2r_stream *st)
{
    int err = check_can_send(st);
    if (err) return err;
    if (!(st->flags & STREAM_HEADERS_SENT) || (st->flags & STREAM_END_REQUESTED))
        return H2R_ERR_INVALID_STATE;
    st->flags |= STREAM_END_REQUESTED;
    h2r_stream_update_ready(st);
    return 0;
}

int h2r_stream_send_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    int err = check_can_send(st);
    if (err) return err;
    if (!(st->flags & STREAM_TRAILERS_ASKED)) return H2R_ERR_INVALID_STATE;
    if (h2r_message_check_outgoing(headers, count, H2R_SECTION_TRAILERS)) return H2R_ERR_INVALID_HEADER;
    return st->session->proto->send_trailers(st, headers, count);
}

int h2r_http2_send_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    int err = h2r_send_header_block(st->session, H2R_FRAME_HEADERS, st->id, 0, headers, count, 1);
    if (err) return err;
    h2r_stream_on_end_sent(st);
    return 0;
}

int h2r_stream_close(h2r_stream *st, uint32_t error_code)
{
    /* Like every call on a closed stream (see h2r.h); nothing is sent. */
    if (st->flags & STREAM_CLOSED) return H2R_ERR_STREAM_CLOSED;
    st->flags |= STREAM_RESET_BY_US;
    h2r_session *s = st->session;
    h2r_session_enter(s);
    int err = s->proto->reset ? s->proto->reset(st, error_code) : 0;
    h2r_stream_close_internal(st, error_code, 0);
    h2r_session_leave(s);
    return err;
}

int h2r_http2_reset(h2r_stream *st, uint32_t error_code)
{
    return h2r_send_rst_stream(st->session, st->id, error_code);
}

int h2r_stream_priority(h2r_stream *st, uint32_t parent_id, uint16_t weight, int exclusive, int silent)
{
    if (st->flags & STREAM_CLOSED) return H2R_ERR_STREAM_CLOSED;
    if (!st->session->proto->priority) return H2R_ERR_INVALID_STATE;
    return st->session->proto->priority(st, parent_id, weight, exclusive, silent);
}

int h2r_http2_priority(h2r_stream *st, uint32_t parent_id, uint16_t weight, int exclusive, int silent)
{
    if (weight < 1 || weight > 256 || parent_id == st->id) return H2R_ERR_INVALID_ARGUMENT;
    h2r_session *s = st->session;
    h2r_stream *parent = parent_id ? h2r_stream_find(s, parent_id) : NULL;
    struct h2r_sched_node *parent_node = parent ? &parent->sched : NULL;
    if (h2r_sched_is_attached(&st->sched))
        h2r_sched_reprioritize(&s->sched, &st->sched, parent_node, weight, exclusive);
    else
        h2r_sched_attach(&s->sched, &st->sched, parent_node, weight, exclusive);
    if (silent) return 0;
    uint8_t *buf = h2r_out_reserve(s, 14);
    if (!buf) return H2R_ERR_NOMEM;
    struct h2r_priority_spec spec = {
        .dependency = parent_id, .weight = weight, .exclusive = (uint8_t) !!exclusive};
    h2r_out_commit(s, h2r_frame_write_priority(buf, st->id, &spec));
    return 0;
}

const h2r_header *h2r_find_header(const h2r_header *headers, size_t count, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == len && memcmp(headers[i].name, name, len) == 0) return &headers[i];
    return NULL;
}

int h2r_stream_push(h2r_stream *st, const h2r_header *headers, size_t count, h2r_stream **pushed)
{
    *pushed = NULL;
    int err = check_can_send(st);
    if (err) return err;
    if (!st->session->proto->push) return H2R_ERR_PUSH_DISABLED;
    return st->session->proto->push(st, headers, count, pushed);
}

int h2r_http2_push(h2r_stream *st, const h2r_header *headers, size_t count, h2r_stream **pushed)
{
    h2r_session *s = st->session;
    int err = 0;
    if ((st->flags & STREAM_PUSHED) || !s->remote.enable_push || s->goaway_received)
        return H2R_ERR_PUSH_DISABLED;
    if (s->open_pushed_streams >= s->remote.max_concurrent_streams || s->next_push_id > H2R_STREAM_ID_MASK)
        return H2R_ERR_STREAM_LIMIT;
    if (s->closing) return H2R_ERR_SESSION_CLOSED;
    if (!h2r_find_header(headers, count, ":path")) return H2R_ERR_INVALID_HEADER;

    /* :method, :scheme and :authority default to GET and the parent request's values (RFC 9113 §8.4.1). */
    h2r_header defaults[3];
    size_t n_defaults = 0;
    if (!h2r_find_header(headers, count, ":method"))
        defaults[n_defaults++] =
            (h2r_header){.name = ":method", .name_len = 7, .value = "GET", .value_len = 3};
    if (!h2r_find_header(headers, count, ":scheme"))
        defaults[n_defaults++] = (h2r_header){.name = ":scheme",
                                              .name_len = 7,
                                              .value = st->request_info + st->authority_len,
                                              .value_len = st->scheme_len};
    if (!h2r_find_header(headers, count, ":authority"))
        defaults[n_defaults++] = (h2r_header){
            .name = ":authority", .name_len = 10, .value = st->request_info, .value_len = st->authority_len};
    size_t total = n_defaults + count;
    h2r_header local[32], *list = local;
    if (total > sizeof(local) / sizeof(local[0]) && !(list = malloc(total * sizeof(*list))))
        return H2R_ERR_NOMEM;
    memcpy(list, defaults, n_defaults * sizeof(*list));
    if (count) memcpy(list + n_defaults, headers, count * sizeof(*list));

    if (h2r_message_check_outgoing(list, total, H2R_SECTION_PUSH_PROMISE)) {
        err = H2R_ERR_INVALID_HEADER;
    } else {
        const h2r_header *method = h2r_find_header(list, total, ":method");
        int is_head = method->value_len == 4 && memcmp(method->value, "HEAD", 4) == 0;
        int safe = is_head || (method->value_len == 3 && memcmp(method->value, "GET", 3) == 0);
        const h2r_header *authority = h2r_find_header(list, total, ":authority");
        const h2r_header *scheme = h2r_find_header(list, total, ":scheme");
        h2r_stream *child = NULL;
        if (!safe) {
            err = H2R_ERR_INVALID_HEADER; /* §8.4: only safe, cacheable methods can be pushed */
        } else if (!(child = h2r_stream_create(s, s->next_push_id, authority->value, authority->value_len,
                                               scheme->value, scheme->value_len))) {
            err = H2R_ERR_NOMEM;
        } else if ((err = h2r_send_header_block(s, H2R_FRAME_PUSH_PROMISE, st->id, child->id, list, total,
                                                0)) != 0) {
            /* Nothing was promised: the application never hears of this stream. */
            table_remove(s, child);
            free(child);
        } else {
            s->next_push_id += 2;
            /*
             * reserved (local): the peer never sends on it (RFC 9113 §5.1).
             * Reserved streams do not count against the peer's limit
             * (§5.1.2), but the response HEADERS will open this one with no
             * further check: counting it from the promise keeps every
             * pushed stream we open within MAX_CONCURRENT_STREAMS.
             */
            child->flags |=
                STREAM_PUSHED | STREAM_END_RECEIVED | STREAM_COUNTED_OPEN | (is_head ? STREAM_IS_HEAD : 0);
            ++s->open_pushed_streams;
            /* A pushed stream depends on its associated stream (RFC 7540 §5.3.5). */
            h2r_sched_attach(&s->sched, &child->sched, h2r_sched_is_attached(&st->sched) ? &st->sched : NULL,
                             H2R_SCHED_DEFAULT_WEIGHT, 0);
            *pushed = child;
        }
    }
    if (list != local) free(list);
    return err;
}
