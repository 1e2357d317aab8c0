/*
 * HTTP/2 priorities: PRIORITY frames (RFC 7540 §5.3, the dependency tree)
 * with placeholders for the idle streams they name, PRIORITY_UPDATE and
 * the priority field (RFC 9218), and h2r_stream_priority.
 */
#include <stdlib.h>
#include <string.h>

#include "http2.h"

struct h2r_sched_node *h2r_http2_priority_parent(h2r_session *s, uint32_t id)
{
    if (id == 0) return NULL;
    h2r_stream *st = h2r_stream_find(s, id);
    if (st) return h2r_sched_is_attached(&st->sched) ? &st->sched : NULL;
    for (uint32_t i = 0; s->h2 && i != s->h2->placeholder_count; ++i)
        if (s->h2->placeholders[i].id == id) return &s->h2->placeholders[i].node;
    return NULL;
}

/*
 * The placeholder for an idle stream named by a PRIORITY frame, made if
 * needed. There are a few at most: past that the oldest is recycled (its
 * dependents move up to its parent), so a peer cannot grow the tree at will.
 */
static struct h2r_sched_node *placeholder_for(h2r_session *s, uint32_t id)
{
    struct h2r_sched_node *node = h2r_http2_priority_parent(s, id);
    if (node) return node;
    /* Most clients never send one: the few kilobytes come only with the first. */
    struct http2_state *h2 = h2r_http2_state(s);
    if (!h2 ||
        (!h2->placeholders && !(h2->placeholders = malloc(H2R_MAX_PLACEHOLDERS * sizeof(*h2->placeholders)))))
        return NULL;
    struct placeholder *p;
    if (h2->placeholder_count < H2R_MAX_PLACEHOLDERS) {
        p = &h2->placeholders[h2->placeholder_count++];
    } else {
        p = &h2->placeholders[h2->placeholder_next++ % H2R_MAX_PLACEHOLDERS];
        h2r_sched_detach(&s->sched, &p->node);
    }
    p->id = id;
    h2r_sched_node_init(&p->node, id);
    h2r_sched_attach(&s->sched, &p->node, NULL, H2R_SCHED_DEFAULT_WEIGHT, 0);
    return &p->node;
}

void h2r_http2_recv_priority(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_priority_spec spec;
    uint32_t code = (uint32_t)h2r_frame_decode_priority(h, payload, &spec);
    /* On stream 0, a connection error; of the wrong size, a stream error (RFC 9113 §6.3). */
    if (code && code != H2R_FRAME_SIZE_ERROR) {
        h2r_http2_connection_error(s, code, "PRIORITY on stream 0");
        return;
    }
    /* Depending on itself is a stream error too (RFC 7540 §5.3.1). */
    if (!code && spec.dependency == h->stream_id) code = H2R_PROTOCOL_ERROR;
    h2r_stream *st = h2r_stream_find(s, h->stream_id);
    if (code) {
        if (st) h2r_http2_stream_error(st, code);
        /* RST_STREAM MUST NOT be sent for an idle stream (§6.4): the error takes the connection (§5.4.1). */
        else if (h2r_http2_is_idle(s, h->stream_id))
            h2r_http2_connection_error(s, code, "bad PRIORITY on an idle stream");
        else
            h2r_http2_stream_error_no_object(s, h->stream_id, code);
        return;
    }
    /*
     * Open streams move in the tree; idle ones become placeholders that later
     * streams can depend on (nghttp2 and Firefox build their trees this way);
     * closed ones are gone and ignored.
     */
    struct h2r_sched_node *node = st ? &st->sched : NULL;
    if (!st && h2r_http2_is_idle(s, h->stream_id)) node = placeholder_for(s, h->stream_id);
    if (!node) return;
    struct h2r_sched_node *parent = h2r_http2_priority_parent(s, spec.dependency);
    if (spec.dependency && !parent) {
        /* A dependency outside the tree gives the default priority (RFC 7540 §5.3.1). */
        spec.weight = H2R_SCHED_DEFAULT_WEIGHT;
        spec.exclusive = 0;
    }
    h2r_sched_reprioritize(&s->sched, node, parent, spec.weight, spec.exclusive);
}

/*
 * RFC 9218 §4: the priority field is a Structured Fields dictionary; only
 * u=0..7 (urgency) and i (incremental, a boolean) matter, the rest is ignored.
 */
static void parse_priority_field(const char *v, size_t len, uint8_t *urgency, int *incremental)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) ++i;
        size_t start = i, end;
        while (i < len && v[i] != ',') ++i;
        for (end = start; end < i && v[end] != ';' && v[end] != ' ' && v[end] != '\t';) ++end;
        const char *m = v + start;
        size_t n = end - start;
        if (n == 3 && m[0] == 'u' && m[1] == '=' && m[2] >= '0' && m[2] <= '7')
            *urgency = (uint8_t)(m[2] - '0');
        else if ((n == 1 && m[0] == 'i') || (n == 4 && memcmp(m, "i=?1", 4) == 0))
            *incremental = 1;
        else if (n == 4 && memcmp(m, "i=?0", 4) == 0)
            *incremental = 0;
    }
}

void h2r_http2_apply_priority_field(h2r_session *s, h2r_stream *st, const char *value, size_t len)
{
    uint8_t urgency = st->sched.urgency;
    int incremental = st->sched.incremental;
    parse_priority_field(value, len, &urgency, &incremental);
    h2r_sched_set_urgency(&s->sched, &st->sched, urgency, incremental);
}

int h2r_http2_urgency(h2r_stream *st, unsigned urgency, int incremental)
{
    if (urgency > 7) return H2R_ERR_INVALID_ARGUMENT;
    /* The server's word (RFC 9218 §8): the session schedules by urgency from now on, as a client's signal
     * makes it. */
    h2r_sched_use_rfc9218(&st->session->sched, 1);
    h2r_sched_set_urgency(&st->session->sched, &st->sched, (uint8_t)urgency, incremental);
    return 0;
}

void h2r_http2_recv_priority_update(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_priority_update_frame f;
    uint32_t code = (uint32_t)h2r_frame_decode_priority_update(h, payload, &f);
    if (code) {
        h2r_http2_connection_error(s, code, "malformed PRIORITY_UPDATE frame");
        return;
    }
    /* RFC 9218 §7.1: a client can only reprioritise request streams. */
    if (f.prioritized_stream_id == 0 || !(f.prioritized_stream_id & 1)) {
        h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR,
                                   "PRIORITY_UPDATE for a stream the client cannot prioritise");
        return;
    }
    /* The peer speaks RFC 9218: schedule by urgency from now on. */
    h2r_sched_use_rfc9218(&s->sched, 1);
    h2r_stream *st = h2r_stream_find(s, f.prioritized_stream_id);
    if (st) h2r_http2_apply_priority_field(s, st, (const char *)f.field_value, f.field_value_len);
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
    h2r_send_commit(s, buf, h2r_frame_write_priority(buf, st->id, &spec));
    return 0;
}
