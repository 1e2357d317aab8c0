/*
 * What the application finds from a session the runtime runs: its worker's
 * loop (h2ring/loop.h) and its flush, who the peer is and how it came (h2r_conn_info),
 * and its own pointer for the session. A session is the runtime's when its
 * transport pointer is a connection (conn.c sets it when it makes the
 * session, as file_response.c relies on too).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "io_internal.h"

static struct conn *conn_of(const h2r_session *session)
{
    return h2r_session_transport(session);
}

h2r_loop *h2r_session_loop(const h2r_session *session)
{
    struct conn *c = conn_of(session);
    return c ? &c->worker->loop : NULL;
}

h2r_loop *h2r_stream_loop(const h2r_stream *stream)
{
    /* A closed stream's session may be freed already: only the stream's own flags are read. */
    return h2r_stream_closed(stream) ? NULL : h2r_session_loop(h2r_stream_session(stream));
}

int h2r_session_flush(h2r_session *session)
{
    struct conn *c = conn_of(session);
    if (!c) return H2R_ERR_INVALID_STATE;
    if (!h2r_loop_in_thread(&c->worker->loop)) return H2R_ERR_WRONG_THREAD;
    h2r_conn_mark_dirty(c);
    return 0;
}

int h2r_session_set_app_data(h2r_session *session, void *app_data)
{
    struct conn *c = conn_of(session);
    if (!c) return H2R_ERR_INVALID_STATE;
    c->app_data = app_data;
    return 0;
}

void *h2r_session_app_data(const h2r_session *session)
{
    struct conn *c = conn_of(session);
    return c ? c->app_data : NULL;
}

/* An address as text and its port; 0, or -1 for another family. */
static int format_address(const struct sockaddr_storage *addr, char text[46], uint16_t *port)
{
    const void *bytes;
    if (addr->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
        bytes = &a->sin6_addr;
        *port = ntohs(a->sin6_port);
    } else if (addr->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
        bytes = &a->sin_addr;
        *port = ntohs(a->sin_port);
    } else {
        return -1;
    }
    return inet_ntop(addr->ss_family, bytes, text, 46) ? 0 : -1;
}

int h2r_conn_get_info(const struct conn *c, h2r_conn_info *info)
{
    memset(info, 0, sizeof(*info));
    if (c->side->transport.info) c->side->transport.info(c, info);
    struct sockaddr_storage peer, local;
    socklen_t peer_len = sizeof(peer), local_len = sizeof(local);
    if (getpeername(c->fd, (struct sockaddr *)&peer, &peer_len) == 0 &&
        getsockname(c->fd, (struct sockaddr *)&local, &local_len) == 0 &&
        format_address(&peer, info->peer_address, &info->peer_port) == 0 &&
        format_address(&local, info->local_address, &info->local_port) == 0)
        return 0;
    info->peer_address[0] = info->local_address[0] = '\0';
    info->peer_port = info->local_port = 0;
    return -1;
}

int h2r_session_conn_info(const h2r_session *session, h2r_conn_info *info)
{
    const struct conn *c = conn_of(session);
    if (!c) {
        memset(info, 0, sizeof(*info));
        return H2R_ERR_INVALID_STATE;
    }
    return h2r_conn_get_info(c, info) == 0 ? 0 : H2R_ERR_SESSION_CLOSED;
}
