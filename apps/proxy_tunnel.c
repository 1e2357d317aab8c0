/*
 * h2proxy's CONNECT tunnels (see proxy_tunnel.h). A tunnel is shared by
 * the client's stream and the TCP connection, and freed when both are
 * done with it.
 */
#define _GNU_SOURCE /* memrchr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "h2ring/client.h"
#include "proxy_stream.h"
#include "proxy_tunnel.h"

#define MAX_TARGETS 64

/* An allowed target: the authority a CONNECT names, as written, and where it connects. */
struct target {
    char authority[64];
    char host[48];
    uint16_t port;
};

static struct target targets[MAX_TARGETS];
static size_t target_count;
static uint32_t connect_timeout_ms;

struct tunnel {
    const struct proxy_handlers *handlers; /* first: the client's stream's user data (proxy_stream.h) */
    h2r_stream *client;                    /* referenced until the tunnel is freed */
    h2r_tcp *tcp;                          /* until its on_close */
    int refs;                              /* the client's stream, the TCP connection */
    uint8_t connected;
    uint8_t tcp_ended; /* the target's FIN came, and went on as the stream's end */
    uint8_t client_closed;
};

int proxy_tunnel_allow(const char *list, uint32_t timeout_ms)
{
    connect_timeout_ms = timeout_ms;
    for (const char *item = list; *item;) {
        size_t len = strcspn(item, ",");
        struct target *t = &targets[target_count];
        const char *colon = memrchr(item, ':', len);
        char *end;
        unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
        size_t host_len = colon ? (size_t)(colon - item) : 0;
        int bracketed = host_len >= 2 && item[0] == '[' && colon[-1] == ']';
        if (target_count == MAX_TARGETS || !colon || end != item + len || port == 0 || port > 65535 ||
            host_len == 0 || len >= sizeof(t->authority) || host_len >= sizeof(t->host)) {
            fprintf(stderr,
                    "h2proxy: --connect-allow needs HOST:PORT[,HOST:PORT]... (at most %d), not '%s'\n",
                    MAX_TARGETS, list);
            return -1;
        }
        memcpy(t->authority, item, len);
        memcpy(t->host, item + bracketed, host_len - 2 * (size_t)bracketed);
        t->port = (uint16_t)port;
        ++target_count;
        item += len + (item[len] == ',');
    }
    return 0;
}

static const struct target *allowed(const h2r_header *authority)
{
    for (size_t i = 0; i != target_count; ++i)
        if (strlen(targets[i].authority) == authority->value_len &&
            strncasecmp(targets[i].authority, authority->value, authority->value_len) == 0)
            return &targets[i];
    return NULL;
}

static void release(struct tunnel *tunnel)
{
    if (--tunnel->refs) return;
    h2r_stream_unref(tunnel->client);
    free(tunnel);
}

/* ---- the target's side ---- */

static void tcp_connect(h2r_tcp *tcp, int err, void *ctx)
{
    struct tunnel *tunnel = ctx;
    (void)tcp;
    if (tunnel->client_closed) return;
    if (err) {
        fprintf(stderr, "h2proxy: 502 for CONNECT: %s\n", h2r_client_strerror(err));
        proxy_refuse(tunnel->client, "502");
        return;
    }
    tunnel->connected = 1;
    h2r_header ok = {.name = ":status", .name_len = 7, .value = "200", .value_len = 3};
    h2r_stream_respond(tunnel->client, &ok, 1, 0);
    proxy_flush(tunnel->client);
}

static void tcp_data(h2r_tcp *tcp, const uint8_t *data, size_t len, void *ctx)
{
    struct tunnel *tunnel = ctx;
    struct proxy_piece *piece = proxy_piece_of(data, len);
    int room = piece ? h2r_stream_write(tunnel->client, piece->data, len, proxy_piece_release, piece) : -1;
    if (room == 0)
        h2r_tcp_pause(tcp); /* until the stream's drain */
    else if (room < 0)
        h2r_tcp_close(tcp);
}

static void tcp_end(h2r_tcp *tcp, void *ctx)
{
    struct tunnel *tunnel = ctx;
    (void)tcp;
    tunnel->tcp_ended = 1;
    h2r_stream_end(tunnel->client);
}

static void tcp_drain(h2r_tcp *tcp, void *ctx)
{
    struct tunnel *tunnel = ctx;
    (void)tcp;
    h2r_stream_resume(tunnel->client);
}

static void tcp_close(h2r_tcp *tcp, void *ctx)
{
    struct tunnel *tunnel = ctx;
    (void)tcp;
    tunnel->tcp = NULL;
    /* Cut, not ended by the target's FIN: so is the stream (a failed connect was answered 502). */
    if (tunnel->connected && !tunnel->tcp_ended) h2r_stream_close(tunnel->client, H2R_CONNECT_ERROR);
    release(tunnel);
}

static const h2r_tcp_callbacks tcp_callbacks = {
    .on_connect = tcp_connect,
    .on_data = tcp_data,
    .on_end = tcp_end,
    .on_drain = tcp_drain,
    .on_close = tcp_close,
};

/* ---- the client's side ---- */

static struct tunnel *tunnel_of(h2r_stream *stream)
{
    return h2r_stream_user_data(stream);
}

static void on_data(h2r_stream *stream, const uint8_t *data, size_t len)
{
    struct tunnel *tunnel = tunnel_of(stream);
    struct proxy_piece *piece = tunnel->tcp ? proxy_piece_of(data, len) : NULL;
    if (!piece) return; /* the target is gone: the stream closes */
    if (h2r_tcp_write(tunnel->tcp, piece->data, len, proxy_piece_release, piece) == 0)
        h2r_stream_pause(stream); /* until the connection's drain */
}

static void on_end(h2r_stream *stream)
{
    struct tunnel *tunnel = tunnel_of(stream);
    if (tunnel->tcp) h2r_tcp_shutdown(tunnel->tcp);
}

static void on_drain(h2r_stream *stream)
{
    struct tunnel *tunnel = tunnel_of(stream);
    if (tunnel->tcp) h2r_tcp_resume(tunnel->tcp);
}

static void on_close(h2r_stream *stream)
{
    struct tunnel *tunnel = tunnel_of(stream);
    tunnel->client_closed = 1;
    if (tunnel->tcp) h2r_tcp_close(tunnel->tcp);
    release(tunnel);
}

static const struct proxy_handlers handlers = {
    .on_data = on_data,
    .on_end = on_end,
    .on_drain = on_drain,
    .on_close = on_close,
};

void proxy_tunnel_open(h2r_session *session, h2r_stream *stream, const h2r_header *authority)
{
    const struct target *target = authority ? allowed(authority) : NULL;
    if (!target) {
        proxy_refuse(stream, "403");
        return;
    }
    struct tunnel *tunnel = calloc(1, sizeof(*tunnel));
    if (!tunnel) {
        proxy_refuse(stream, "503");
        return;
    }
    tunnel->handlers = &handlers;
    tunnel->client = stream;
    tunnel->refs = 2;
    h2r_stream_ref(stream);
    h2r_stream_set_user_data(stream, tunnel);
    int err = h2r_tcp_connect(h2r_session_loop(session), target->host, target->port, connect_timeout_ms,
                              &tcp_callbacks, tunnel, &tunnel->tcp);
    if (err) {
        fprintf(stderr, "h2proxy: 502 for CONNECT %s: %s\n", target->authority, h2r_client_strerror(err));
        proxy_refuse(stream, "502");
        release(tunnel); /* no on_close will come */
    }
}
