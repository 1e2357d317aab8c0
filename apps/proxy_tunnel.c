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
#include <sys/random.h>

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
static struct target websocket_upstream; /* port 0: none */

/* A WebSocket upstream's response head, at most (its 101 has a few short fields). */
#define MAX_UPGRADE_HEAD 8192

struct tunnel {
    const struct proxy_handlers *handlers; /* first: the client's stream's user data (proxy_stream.h) */
    h2r_stream *client;                    /* referenced until the tunnel is freed */
    h2r_tcp *tcp;                          /* until its on_close */
    int refs;                              /* the client's stream, the TCP connection */
    uint8_t connected;
    uint8_t tcp_ended; /* the target's FIN came, and went on as the stream's end */
    uint8_t client_closed;
    /* A WebSocket bridge's upstream response head, until its end: the tunnel starts after it. */
    char *upgrade_head;
    size_t upgrade_len;
};

/* HOST:PORT (len bytes of item) into t: 0, or -1 if it is not one. */
static int parse_target(const char *item, size_t len, struct target *t)
{
    const char *colon = memrchr(item, ':', len);
    char *end;
    unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
    size_t host_len = colon ? (size_t)(colon - item) : 0;
    int bracketed = host_len >= 2 && item[0] == '[' && colon[-1] == ']';
    if (!colon || end != item + len || port == 0 || port > 65535 || host_len == 0 ||
        len >= sizeof(t->authority) || host_len >= sizeof(t->host))
        return -1;
    memset(t, 0, sizeof(*t));
    memcpy(t->authority, item, len);
    memcpy(t->host, item + bracketed, host_len - 2 * (size_t)bracketed);
    t->port = (uint16_t)port;
    return 0;
}

int proxy_tunnel_allow(const char *list, uint32_t timeout_ms)
{
    connect_timeout_ms = timeout_ms;
    for (const char *item = list; *item;) {
        size_t len = strcspn(item, ",");
        if (target_count == MAX_TARGETS || parse_target(item, len, &targets[target_count]) != 0) {
            fprintf(stderr,
                    "h2proxy: --connect-allow needs HOST:PORT[,HOST:PORT]... (at most %d), not '%s'\n",
                    MAX_TARGETS, list);
            return -1;
        }
        ++target_count;
        item += len + (item[len] == ',');
    }
    return 0;
}

int proxy_tunnel_websocket_upstream(const char *target, uint32_t timeout_ms)
{
    connect_timeout_ms = timeout_ms;
    if (parse_target(target, strlen(target), &websocket_upstream) == 0) return 0;
    fprintf(stderr, "h2proxy: --websocket-upstream needs HOST:PORT, not '%s'\n", target);
    return -1;
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
    free(tunnel->upgrade_head);
    free(tunnel);
}

static void opened(struct tunnel *tunnel, const h2r_header *extra, size_t extra_count)
{
    h2r_header head[2] = {{.name = ":status", .name_len = 7, .value = "200", .value_len = 3}};
    if (extra_count) head[1] = *extra;
    tunnel->connected = 1;
    h2r_stream_respond(tunnel->client, head, 1 + (extra_count != 0), 0);
    proxy_flush(tunnel->client);
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
    if (!tunnel->upgrade_head) opened(tunnel, NULL, 0); /* a WebSocket's waits for its upstream's 101 */
}

/*
 * A WebSocket upstream's response head, as it comes: once whole, a 101 opens the tunnel (its
 * sec-websocket-protocol, if any, goes to the client) and anything else is a 502. Returns how many bytes of
 * data were the head's, the rest being the tunnel's; len + 1 once the bridge failed.
 */
static size_t read_upgrade(struct tunnel *tunnel, const uint8_t *data, size_t len)
{
    size_t room = MAX_UPGRADE_HEAD - 1 - tunnel->upgrade_len, take = len < room ? len : room;
    memcpy(tunnel->upgrade_head + tunnel->upgrade_len, data, take);
    tunnel->upgrade_len += take;
    char *head = tunnel->upgrade_head;
    head[tunnel->upgrade_len] = '\0';
    char *end = memmem(head, tunnel->upgrade_len, "\r\n\r\n", 4);
    if (!end && take == len) return len;
    if (!end || tunnel->upgrade_len < 12 || memcmp(head, "HTTP/1.1 101", 12) != 0) {
        fprintf(stderr, "h2proxy: 502 for a WebSocket: the upstream %s did not switch protocols (%.*s)\n",
                websocket_upstream.authority, (int)strcspn(head, "\r\n"), head);
        proxy_refuse(tunnel->client, "502");
        return len + 1;
    }
    end[2] = '\0'; /* the head's last line keeps its CRLF, for the search below */
    size_t used = (size_t)(end + 4 - head) - (tunnel->upgrade_len - take);
    h2r_header protocol = {.name = "sec-websocket-protocol", .name_len = 22};
    for (char *line = strstr(head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n"))
        if (strncasecmp(line + 2, "sec-websocket-protocol:", 23) == 0) {
            protocol.value = line + 2 + 23 + strspn(line + 2 + 23, " \t");
            protocol.value_len = strcspn(protocol.value, "\r\n \t");
        }
    opened(tunnel, &protocol, protocol.value != NULL);
    free(tunnel->upgrade_head);
    tunnel->upgrade_head = NULL;
    return used;
}

static void tcp_data(h2r_tcp *tcp, const uint8_t *data, size_t len, void *ctx)
{
    struct tunnel *tunnel = ctx;
    if (tunnel->upgrade_head) {
        size_t used = read_upgrade(tunnel, data, len);
        if (used > len) {
            h2r_tcp_close(tcp);
            return;
        }
        data += used, len -= used;
        if (!len) return;
    }
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

/* The upgrade request for the WebSocket upstream (RFC 6455 §4.1), from the extended CONNECT's fields. */
static int write_upgrade(struct tunnel *tunnel, const h2r_header *headers, size_t count)
{
    const h2r_header *path = proxy_find(headers, count, ":path");
    const h2r_header *fields[] = {proxy_find(headers, count, "sec-websocket-protocol"),
                                  proxy_find(headers, count, "sec-websocket-extensions"),
                                  proxy_find(headers, count, "origin")};
    static const char *const names[] = {"Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Origin"};
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t nonce[16];
    char key[25];
    if (!path || getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce)) return -1;
    /* 16 bytes in base64: five groups of three, then one byte and its "==". */
    for (int i = 0; i != 5; ++i) {
        uint32_t v = (uint32_t)nonce[3 * i] << 16 | (uint32_t)nonce[3 * i + 1] << 8 | nonce[3 * i + 2];
        for (int j = 0; j != 4; ++j) key[4 * i + j] = b64[(v >> (18 - 6 * j)) & 63];
    }
    key[20] = b64[nonce[15] >> 2], key[21] = b64[(nonce[15] & 3) << 4], key[22] = key[23] = '=', key[24] = 0;
    char *request = malloc(MAX_UPGRADE_HEAD);
    tunnel->upgrade_head = malloc(MAX_UPGRADE_HEAD);
    if (!request || !tunnel->upgrade_head) {
        free(request);
        return -1;
    }
    int n = snprintf(request, MAX_UPGRADE_HEAD,
                     "GET %.*s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n",
                     (int)path->value_len, path->value, websocket_upstream.authority, key);
    for (size_t i = 0; i != 3; ++i)
        if (fields[i] && n > 0 && n < MAX_UPGRADE_HEAD)
            n += snprintf(request + n, MAX_UPGRADE_HEAD - (size_t)n, "%s: %.*s\r\n", names[i],
                          (int)fields[i]->value_len, fields[i]->value);
    if (n > 0 && n < MAX_UPGRADE_HEAD) n += snprintf(request + n, MAX_UPGRADE_HEAD - (size_t)n, "\r\n");
    if (n <= 0 || n >= MAX_UPGRADE_HEAD) {
        free(request);
        return -1;
    }
    return h2r_tcp_write(tunnel->tcp, request, (size_t)n, proxy_piece_release, request) < 0 ? -1 : 0;
}

static struct tunnel *start(h2r_session *session, h2r_stream *stream, const struct target *target);

void proxy_tunnel_open(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count)
{
    const h2r_header *authority = proxy_find(headers, count, ":authority");
    const h2r_header *protocol = proxy_find(headers, count, ":protocol");
    if (protocol) {
        /* RFC 8441: a WebSocket, the one protocol bridged. */
        int websocket = protocol->value_len == 9 && strncasecmp(protocol->value, "websocket", 9) == 0;
        struct tunnel *tunnel =
            websocket && websocket_upstream.port ? start(session, stream, &websocket_upstream) : NULL;
        if (!tunnel && !h2r_stream_headers_sent(stream)) proxy_refuse(stream, "501");
        if (tunnel && write_upgrade(tunnel, headers, count) != 0)
            h2r_stream_close(stream, H2R_INTERNAL_ERROR);
        return;
    }
    const struct target *target = authority ? allowed(authority) : NULL;
    if (!target) {
        proxy_refuse(stream, "403");
        return;
    }
    start(session, stream, target);
}

/* A tunnel to target for stream: the tunnel, or NULL once answered (503, 502). */
static struct tunnel *start(h2r_session *session, h2r_stream *stream, const struct target *target)
{
    struct tunnel *tunnel = calloc(1, sizeof(*tunnel));
    if (!tunnel) {
        proxy_refuse(stream, "503");
        return NULL;
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
        return NULL;
    }
    return tunnel;
}
