/*
 * The session's streams, for every kind: the table of live streams, making
 * and closing them (with what the kind does when one closes), their queued
 * data, the session's shut-down, timeouts.
 */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

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
            s->memory_bytes -= stream->held_bytes;
            return;
        }
    }
}

/* A stream is held by the thousand while the peer stalls it (the HTTP/2 Bomb): one jemalloc class of 256. */
_Static_assert(sizeof(struct h2r_stream) <= 256, "a stream without its request's :authority and :scheme");

h2r_stream *h2r_stream_create(h2r_session *s, uint32_t id, const char *authority, uint16_t authority_len,
                              const char *scheme, uint16_t scheme_len)
{
    if ((s->stream_count >= (s->buckets ? s->bucket_mask + 1 : 0)) && grow_table(s) != 0) return NULL;
    h2r_stream *st = calloc(1, sizeof(*st) + authority_len + scheme_len);
    if (!st) return NULL;
    st->session = s;
    st->thread = pthread_self();
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

void h2r_stream_forget(h2r_stream *st)
{
    table_remove(st->session, st);
    free(st);
}

void h2r_stream_ref(h2r_stream *st)
{
    ++st->refcount;
}

void h2r_stream_unref(h2r_stream *st)
{
    if (--st->refcount) return;
    if (st->flags & STREAM_KEPT) {
        h2r_session *s = st->session;
        /* The last stream held past h2r_session_free takes what was left of the session with it. */
        if (--s->kept_streams == 0 && s->freed) free(s);
    }
    free(st);
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
        const uint8_t *memory = h2r_data_item_memory(item);
        if (memory) s->memory_bytes -= item->len - item->framed;
        if (item->framed)
            h2r_release_after_inflight(s, item->last_inflight_seq, item->release, item->release_ctx, memory,
                                       item->len);
        else if (item->release)
            item->release(item->release_ctx, memory, item->len);
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
        if (st->flags & STREAM_LOCAL)
            --s->open_local_streams;
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
    if (st->refcount > 1) {
        /* Still held (by the application, or a call on its way out): the session's memory lasts as long. */
        st->flags |= STREAM_KEPT;
        ++s->kept_streams;
    }
    h2r_stream_unref(st);
    if (!s->destroyed) h2r_session_maybe_done(s);
}

void h2r_stream_release_all(h2r_session *s)
{
    if (!s->buckets) return;
    for (uint32_t i = 0; i <= s->bucket_mask; ++i)
        while (s->buckets[i]) h2r_stream_close_internal(s->buckets[i], H2R_CANCEL, 1);
}

void h2r_session_shut_down(h2r_session *s)
{
    s->phase = PHASE_CLOSED;
    s->closing = 1;
    h2r_stream_release_all(s);
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
