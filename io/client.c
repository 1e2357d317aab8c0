/*
 * Outbound HTTP connections (h2ring/client.h): the URL read, the host
 * resolved, a connect on the ring for each address in turn (bounded by a
 * linked ring timeout), then a connection of conn.c's on the socket, with
 * a side of its own (struct conn_side): cleartext or TLS's client
 * transport, a client session of the kind the protocol calls for, and
 * on_connect told of the session or of what failed before it.
 *
 * A struct client_conn is the connection itself (its struct conn first,
 * freed by conn.c with it) and what the connect needs before that.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2ring/client.h"
#include "io_internal.h"

/* What an HTTP/1.1 session is given to finish once the server's FIN came (to write what it has left). */
#define CLIENT_FINISH_MS 10000
/* A host name's longest (RFC 1035), and an authority's: [host]:port. */
#define HOST_MAX      255
#define AUTHORITY_MAX (HOST_MAX + 8)

struct client_conn {
    struct conn conn; /* first: conn.c frees the whole with it */
    struct conn_side side;
    struct tls_client_params tls;
    struct ring_call call;    /* the connect's completion */
    struct client_conn *next; /* the worker's connects not made yet */
    struct worker *worker;
    h2r_session_callbacks callbacks;
    h2r_session_options session_options;
    const h2r_session_options *options; /* &session_options, or NULL for the defaults */
    void *user_data;
    h2r_connect_cb on_connect;
    void *ctx;
    struct addrinfo *addrs, *addr; /* what the host resolved to, and the address being tried */
    int fd;
    int error; /* the outcome to tell when the connect's completion comes (a failure found before it) */
    uint32_t connect_timeout_ms;
    struct __kernel_timespec timeout;
    uint8_t http1_only;
    uint8_t told;      /* on_connect was called */
    uint8_t cancelled; /* h2r_client_cancel_connects */
    const char *scheme;
    char host[HOST_MAX + 1]; /* without brackets */
    char authority[AUTHORITY_MAX + 1];
};

const char *h2r_client_strerror(int err)
{
    switch (err) {
    case H2R_ERR_RESOLVE: return "the host name could not be resolved";
    case H2R_ERR_TLS_VERIFY:
        return "the server's certificate could not be verified (untrusted, expired, or "
               "not for this host name)";
    case H2R_ERR_TLS_HANDSHAKE: return "the TLS handshake failed";
    case H2R_ERR_ALPN: return "the server chose no protocol the client offered by ALPN";
    case H2R_ERR_HANDSHAKE_TIMEOUT: return "no complete TLS handshake in time";
    case H2R_ERR_TLS_CA_FILE: return "the CA file holds no usable certificate";
    default: return err < 0 && err > -500 ? strerror(-err) : h2r_strerror(err); /* errno, or the engine's */
    }
}

void h2r_client_options_init(h2r_client_options *options)
{
    *options = (h2r_client_options){.protocols = H2R_CLIENT_HTTP2 | H2R_CLIENT_HTTP1,
                                    .connect_timeout_ms = 10000,
                                    .handshake_timeout_ms = 10000,
                                    .settings_timeout_ms = 10000};
}

/* ---- the URL ---- */

/*
 * Reads "http://host[:port]" or "https://host[:port]", anything from a '/'
 * on ignored, into the connection's scheme, host and authority: 0, or the
 * port (0 when the URL is not one).
 */
static uint16_t parse_url(struct client_conn *cc, const char *url)
{
    const char *rest;
    uint16_t port;
    if (strncmp(url, "http://", 7) == 0) {
        cc->scheme = "http";
        rest = url + 7;
        port = 80;
    } else if (strncmp(url, "https://", 8) == 0) {
        cc->scheme = "https";
        rest = url + 8;
        port = 443;
    } else {
        return 0;
    }
    size_t authority_len = strcspn(rest, "/?#");
    const char *host = rest, *host_end;
    if (*rest == '[') {
        ++host;
        if (!(host_end = memchr(host, ']', authority_len))) return 0;
        rest = host_end + 1;
    } else {
        host_end = host + strcspn(host, ":/?#");
        rest = host_end;
    }
    size_t host_len = (size_t)(host_end - host);
    if (host_len == 0 || host_len > HOST_MAX || authority_len > AUTHORITY_MAX) return 0;
    if (*rest == ':') {
        char *end;
        unsigned long n = strtoul(rest + 1, &end, 10);
        if (end == rest + 1 || n == 0 || n > 65535 || (*end && !strchr("/?#", *end))) return 0;
        port = (uint16_t)n;
    } else if (*rest && !strchr("/?#", *rest)) {
        return 0;
    }
    memcpy(cc->host, host, host_len);
    cc->host[host_len] = '\0';
    memcpy(cc->authority, url + strlen(cc->scheme) + 3, authority_len);
    cc->authority[authority_len] = '\0';
    return port;
}

/* ---- the side: the session, and who hears of it ---- */

static struct client_conn *client_of(struct conn *c)
{
    return (struct client_conn *)c; /* its first member */
}

static h2r_session *client_session(struct conn *c, int http1)
{
    struct client_conn *cc = client_of(c);
    return (http1 ? h2r_session_http1_client_new : h2r_session_client_new)(
        cc->options, &cc->callbacks, cc->user_data, cc->scheme, cc->authority);
}

/* on_connect, once: with the session, or with why there is none. */
static void tell(struct client_conn *cc, h2r_session *session, int err)
{
    if (cc->told) return;
    cc->told = 1;
    cc->worker->loop.app_ran = 1; /* it may make requests on other connections */
    cc->on_connect(session, err, cc->ctx);
}

static void client_session_opened(struct conn *c)
{
    tell(client_of(c), c->session, 0);
}

static void client_failed(struct conn *c, int err)
{
    tell(client_of(c), NULL, err);
}

/* The connection's side, from the options: its transport, its session and its deadlines. */
static int make_side(struct client_conn *cc, const h2r_client_options *o)
{
    int tls = strcmp(cc->scheme, "https") == 0;
    cc->side = (struct conn_side){
        .transport = tls ? h2r_tls_transport : h2r_cleartext_transport,
        .new_session = client_session,
        .opened = client_session_opened,
        .failed = client_failed,
        .on_session_close = cc->callbacks.on_session_close,
        .tls_client = tls ? &cc->tls : NULL,
        /* In cleartext there is no negotiation: HTTP/2 with prior knowledge, unless HTTP/1.1 alone. */
        .cleartext_start = o->protocols & H2R_CLIENT_HTTP2 ? TRANSPORT_HTTP2 : TRANSPORT_HTTP1,
        .handshake_timeout_ms = o->handshake_timeout_ms,
        .idle_timeout_ms = o->idle_timeout_ms,
        .settings_timeout_ms = o->settings_timeout_ms,
        .shutdown_timeout_ms = CLIENT_FINISH_MS,
        .client = 1,
    };
    if (!tls) return 0;
    struct in6_addr any;
    int numeric = inet_pton(AF_INET, cc->host, &any) == 1 || inet_pton(AF_INET6, cc->host, &any) == 1;
    cc->tls = (struct tls_client_params){
        .host = cc->host,
        .sni = !numeric,
        .alpn = o->protocols == H2R_CLIENT_HTTP2   ? "h2"
                : o->protocols == H2R_CLIENT_HTTP1 ? "http/1.1"
                                                   : "h2,http/1.1",
        .verify = !o->insecure,
    };
    int err = 0;
    cc->tls.context = h2r_tls_client_context(cc->worker, o->ca_file, cc->tls.verify, &err);
    return cc->tls.context ? 0 : err;
}

/* ---- connecting ---- */

static void unlink_connect(struct client_conn *cc)
{
    struct client_conn **p = &cc->worker->connects;
    while (*p != cc) p = &(*p)->next;
    *p = cc->next;
}

/* The connect failed for good, or never started: on_connect hears it, and the rest goes. */
static void give_up(struct client_conn *cc, int err)
{
    unlink_connect(cc);
    if (cc->fd >= 0) close(cc->fd);
    freeaddrinfo(cc->addrs);
    tell(cc, NULL, err);
    free(cc);
}

/* A socket for the next address, and its connect on the ring: 0, or a negative errno. */
static int connect_next(struct client_conn *cc)
{
    const struct addrinfo *a = cc->addr;
    cc->fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (cc->fd < 0) return -errno;
    h2r_ring_connect(cc->worker, cc->fd, a->ai_addr, a->ai_addrlen, cc->connect_timeout_ms, &cc->timeout,
                     op_user_data(&cc->call, OP_CALL));
    return 0;
}

/* The socket is connected: the connection starts on it, and conn.c owns it from now on. */
static void start_conn(struct client_conn *cc)
{
    unlink_connect(cc);
    freeaddrinfo(cc->addrs);
    cc->addrs = NULL;
    if (h2r_conn_start(&cc->conn, cc->worker, cc->fd, &cc->side) == 0) return;
    close(cc->fd);
    /* No session, or no TLS state for it: out of memory (the side may have been told a reason already). */
    tell(cc, NULL, H2R_ERR_NOMEM);
    free(cc);
}

static void on_connect_done(struct ring_call *call, const struct io_uring_cqe *cqe)
{
    struct client_conn *cc = (struct client_conn *)((char *)call - offsetof(struct client_conn, call));
    /* Cancelled by its linked timeout: the time it was given has passed. */
    int err = cc->error                ? cc->error
              : cc->cancelled          ? -ECANCELED
              : cqe->res == -ECANCELED ? -ETIMEDOUT
                                       : cqe->res;
    if (!err) {
        start_conn(cc);
        return;
    }
    if (cc->error || cc->cancelled || !cc->addr->ai_next) {
        give_up(cc, err);
        return;
    }
    /* Another address of the host's may answer (localhost as ::1 and 127.0.0.1, say). */
    close(cc->fd);
    cc->addr = cc->addr->ai_next;
    int next = connect_next(cc);
    if (next) give_up(cc, next);
}

/* A failure found before any connect: told from a nop's completion, never from h2r_connect itself. */
static void fail_soon(struct client_conn *cc, int err)
{
    cc->error = err;
    struct io_uring_sqe *sqe = h2r_ring_sqe(cc->worker);
    io_uring_prep_nop(sqe);
    io_uring_sqe_set_data64(sqe, op_user_data(&cc->call, OP_CALL));
}

/* Resolves the host (getaddrinfo: blocking, documented in h2ring/client.h): 0, or H2R_ERR_RESOLVE. */
static int resolve(struct client_conn *cc, uint16_t port)
{
    char service[8];
    snprintf(service, sizeof(service), "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    if (getaddrinfo(cc->host, service, &hints, &cc->addrs) != 0) return H2R_ERR_RESOLVE;
    cc->addr = cc->addrs;
    return 0;
}

int h2r_connect(h2r_loop *loop, const char *url, const h2r_client_options *options,
                const h2r_session_callbacks *callbacks, void *user_data, h2r_connect_cb on_connect, void *ctx)
{
    h2r_client_options defaults;
    if (!options) {
        h2r_client_options_init(&defaults);
        options = &defaults;
    }
    if (!url || !on_connect || !(options->protocols & (H2R_CLIENT_HTTP2 | H2R_CLIENT_HTTP1)) ||
        (options->protocols & ~(unsigned)(H2R_CLIENT_HTTP2 | H2R_CLIENT_HTTP1)))
        return H2R_ERR_INVALID_ARGUMENT;
    if (!h2r_loop_in_thread(loop)) return H2R_ERR_WRONG_THREAD;
    struct worker *w = loop->worker;
    /* A loop of the application's own refuses new connections while it is being freed. */
    if (loop->stopped || (w->shutting_down && !w->server)) return H2R_ERR_SESSION_CLOSED;
    struct client_conn *cc = calloc(1, sizeof(*cc));
    if (!cc) return H2R_ERR_NOMEM;
    uint16_t port = parse_url(cc, url);
    if (!port) {
        free(cc);
        return H2R_ERR_INVALID_ARGUMENT;
    }
    cc->worker = w;
    cc->fd = -1;
    if (callbacks) cc->callbacks = *callbacks;
    if (options->session_options) {
        cc->session_options = *options->session_options;
        cc->options = &cc->session_options;
    }
    cc->user_data = user_data;
    cc->on_connect = on_connect;
    cc->ctx = ctx;
    cc->connect_timeout_ms = options->connect_timeout_ms;
    cc->call.done = on_connect_done;
    cc->next = w->connects;
    w->connects = cc;
    int err = make_side(cc, options);
    if (!err) err = resolve(cc, port);
    if (!err) err = connect_next(cc);
    if (err) fail_soon(cc, err);
    return 0;
}

void h2r_client_cancel_connects(struct worker *w)
{
    for (struct client_conn *cc = w->connects; cc; cc = cc->next) {
        if (cc->cancelled || cc->error) continue;
        cc->cancelled = 1;
        struct io_uring_sqe *sqe = h2r_ring_sqe(w);
        io_uring_prep_cancel64(sqe, op_user_data(&cc->call, OP_CALL), 0);
        io_uring_sqe_set_data64(sqe, op_user_data(w, OP_CANCEL));
    }
}
