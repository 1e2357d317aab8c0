/*
 * TLS on the ring: wolfSSL never touches the socket. Its I/O callbacks read
 * ciphertext from the receive buffer a completion handed us (no copy, no
 * syscall) and append the records it writes to a connection buffer, which
 * the connection sends like anything else. So the handshake, decryption
 * and encryption are plain computation on the worker's thread.
 *
 * Before the handshake, the ClientHello is read here (tls_hello.c) to pick
 * the certificate by server name and the protocol by ALPN, h2 first.
 *
 * A client's connection (client.c's, with tls_client params on its side)
 * is the same but for its handshake: SNI, ALPN offering h2 then http/1.1,
 * the server's certificate checked against a CA store and the host name,
 * and any failure told to the connection's side rather than logged.
 *
 * Sending: a batch pulls the engine's chunks, copies the memory ones into a
 * plaintext staging buffer and has the ring read file ranges straight into
 * their place in it; once every read is back, the staging buffer is
 * encrypted into records (one TCP segment each while the connection is
 * cold, then 16 KiB) and sent with one send.
 */
#include <wolfssl/options.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "h2ring/client.h"
#include "io_internal.h"
#include "tls_hello.h"

/*
 * TLS 1.3's suites, then TLS 1.2's with ephemeral keys and AEAD only, as
 * RFC 9113 §9.2.2 requires for h2; AES-GCM first, which AES-NI makes the
 * fastest here.
 */
static const char cipher_list[] = "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:"
                                  "TLS13-CHACHA20-POLY1305-SHA256:"
                                  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/* Plaintext bytes one batch stages at most (more only when a single frame is larger): the copy path's. */
#define TLS_STAGING_BUDGET CONN_FILE_BOUNCE
/*
 * Record sizes: plaintext that fits a 1448-byte TCP segment with TLS's
 * record overhead, for the first TLS_WARM_BYTES of a connection or after it
 * was quiet for TLS_COLD_AFTER_MS (see send_records); then 16 KiB records.
 */
#define TLS_SEGMENT_RECORD 1400
#define TLS_WARM_BYTES     (64 * 1024)
#define TLS_COLD_AFTER_MS  1000

struct h2r_tls_server {
    size_t count;
    size_t default_index;
    struct tls_site {
        WOLFSSL_CTX *ctx;
        char *server_name; /* a copy (the server outlives its config); NULL for the default */
    } sites[];
};

struct tls_conn {
    WOLFSSL *ssl;
    char *server_name; /* what the client asked for (SNI), for h2r_conn_info; NULL if nothing */
    uint8_t *hello;    /* what came before the handshake could start: the ClientHello, whole */
    size_t hello_len, hello_cap;
    const uint8_t *in; /* ciphertext wolfSSL is reading, not ours: valid during one on_recv */
    size_t in_len;
    uint8_t *out; /* records wolfSSL wrote, waiting for the next send */
    size_t out_len, out_cap;
    uint8_t *wire; /* the records being sent */
    size_t wire_cap;
    uint8_t *staging; /* the plaintext of the batch */
    size_t staging_cap;
    size_t batch_plain; /* plaintext bytes the batch in flight carries for the engine */
    size_t warm_bytes;  /* plaintext sent since the connection started or was last quiet */
    uint64_t last_send_ms;
    uint8_t established;
    uint8_t encrypting; /* the batch's reads are done: its send is in flight */
    uint8_t notify_sent;
};

/* What a TLS buffer starts at: a ClientHello, a record of a few frames. */
#define TLS_BUFFER_FIRST 4096

/* ---- wolfSSL's I/O: memory in, memory out ---- */

static int tls_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    struct tls_conn *t = ctx;
    if (t->in_len == 0) return WOLFSSL_CBIO_ERR_WANT_READ;
    size_t n = (size_t)sz < t->in_len ? (size_t)sz : t->in_len;
    memcpy(buf, t->in, n);
    t->in += n;
    t->in_len -= n;
    return (int)n;
}

static int tls_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    struct tls_conn *t = ctx;
    if (h2r_bytes_reserve(&t->out, &t->out_cap, t->out_len + (size_t)sz, TLS_BUFFER_FIRST))
        return WOLFSSL_CBIO_ERR_GENERAL;
    memcpy(t->out + t->out_len, buf, (size_t)sz);
    t->out_len += (size_t)sz;
    return sz;
}

/* ---- the server's certificates ---- */

static const char *error_text(int err, char buf[WOLFSSL_MAX_ERROR_SZ])
{
    return wolfSSL_ERR_error_string((unsigned long)err, buf);
}

/* Whether path can be read, with the reason on stderr if not: wolfSSL's load errors do not say. */
static int readable(const char *what, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f) {
        fclose(f);
        return 1;
    }
    fprintf(stderr, "h2ring: TLS: cannot read the %s %s: %s\n", what, path, strerror(errno));
    return 0;
}

static WOLFSSL_CTX *new_context(const h2r_tls_certificate *cert)
{
    if (!readable("certificate", cert->cert_file) || !readable("private key", cert->key_file)) return NULL;
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
    if (!ctx) {
        fprintf(stderr, "h2ring: TLS: out of memory\n");
        return NULL;
    }
    if (wolfSSL_CTX_use_certificate_chain_file(ctx, cert->cert_file) != WOLFSSL_SUCCESS) {
        fprintf(stderr, "h2ring: TLS: %s holds no PEM certificate this server can use\n", cert->cert_file);
    } else if (wolfSSL_CTX_use_PrivateKey_file(ctx, cert->key_file, WOLFSSL_FILETYPE_PEM) !=
               WOLFSSL_SUCCESS) {
        fprintf(stderr, "h2ring: TLS: %s holds no PEM private key this server can use (RSA, ECDSA)\n",
                cert->key_file);
    } else if (wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS) {
        fprintf(stderr, "h2ring: TLS: the key %s does not belong to the certificate %s\n", cert->key_file,
                cert->cert_file);
    } else if (wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS ||
               wolfSSL_CTX_set_cipher_list(ctx, cipher_list) != WOLFSSL_SUCCESS) {
        fprintf(stderr, "h2ring: TLS: cannot set the protocol versions and ciphers\n");
    } else {
        wolfSSL_CTX_SetIORecv(ctx, tls_recv);
        wolfSSL_CTX_SetIOSend(ctx, tls_send);
        /* The server's flight in as few records and sends as it fits in. */
        wolfSSL_CTX_set_group_messages(ctx);
        return ctx;
    }
    wolfSSL_CTX_free(ctx);
    return NULL;
}

struct h2r_tls_server *h2r_tls_server_new(const h2r_server_config *config)
{
    if (config->tls_certificate_count == 0) return NULL;
    wolfSSL_Init();
    size_t count = config->tls_certificate_count;
    struct h2r_tls_server *tls = calloc(1, sizeof(*tls) + count * sizeof(tls->sites[0]));
    if (!tls) return NULL;
    for (size_t i = 0; i != count; ++i) {
        const h2r_tls_certificate *cert = &config->tls_certificates[i];
        /* One context per certificate, shared by every worker: session tickets from one are good on all. */
        if (!(tls->sites[i].ctx = new_context(cert))) {
            h2r_tls_server_free(tls);
            return NULL;
        }
        ++tls->count;
        if (cert->server_name && !(tls->sites[i].server_name = strdup(cert->server_name))) {
            fprintf(stderr, "h2ring: TLS: out of memory\n");
            h2r_tls_server_free(tls);
            return NULL;
        }
        if (!cert->server_name) tls->default_index = i;
    }
    return tls;
}

void h2r_tls_server_free(struct h2r_tls_server *tls)
{
    if (!tls) return;
    for (size_t i = 0; i != tls->count; ++i) {
        wolfSSL_CTX_free(tls->sites[i].ctx);
        free(tls->sites[i].server_name);
    }
    free(tls);
    wolfSSL_Cleanup();
}

static WOLFSSL_CTX *context_for(const struct h2r_tls_server *tls, const struct h2r_tls_hello *hello)
{
    for (size_t i = 0; hello->server_name && i != tls->count; ++i) {
        const char *name = tls->sites[i].server_name;
        /* Host names compare without regard to case (RFC 6066 §3, RFC 4343). */
        if (name && strlen(name) == hello->server_name_len &&
            strncasecmp(name, (const char *)hello->server_name, hello->server_name_len) == 0)
            return tls->sites[i].ctx;
    }
    return tls->sites[tls->default_index].ctx;
}

/* ---- connections ---- */

/* A server's connection waits for the ClientHello. */
static enum transport_event server_open(struct conn *c)
{
    c->tls = calloc(1, sizeof(*c->tls));
    return c->tls ? TRANSPORT_WAIT : TRANSPORT_FAILED;
}

static void tls_free(struct conn *c)
{
    struct tls_conn *t = c->tls;
    if (!t) return;
    wolfSSL_free(t->ssl);
    free(t->server_name);
    free(t->hello);
    free(t->out);
    free(t->wire);
    free(t->staging);
    free(t);
    c->tls = NULL;
}

static void tls_release_buffers(struct conn *c)
{
    struct tls_conn *t = c->tls;
    free(t->wire);
    free(t->staging);
    t->wire = t->staging = NULL;
    t->wire_cap = t->staging_cap = 0;
    if (t->out_len == 0) {
        free(t->out);
        t->out = NULL;
        t->out_cap = 0;
    }
}

/*
 * Says why a client is turned away: a log line, or the application's hook.
 * The connection then ends, after an alert wolfSSL wrote (handshake_failure,
 * no_application_protocol...) when there is one.
 */
static void report_refusal(struct conn *c, h2r_tls_refusal why, const char *reason)
{
    const h2r_server_config *cfg = c->worker->config;
    char peer[INET6_ADDRSTRLEN + 8] = "?";
    struct sockaddr_storage addr;
    socklen_t len = sizeof(addr);
    if (getpeername(c->fd, (struct sockaddr *)&addr, &len) == 0) {
        char host[INET6_ADDRSTRLEN];
        int v6 = addr.ss_family == AF_INET6;
        const void *a = v6 ? (const void *)&((struct sockaddr_in6 *)&addr)->sin6_addr
                           : (const void *)&((struct sockaddr_in *)&addr)->sin_addr;
        uint16_t port =
            ntohs(v6 ? ((struct sockaddr_in6 *)&addr)->sin6_port : ((struct sockaddr_in *)&addr)->sin_port);
        if (inet_ntop(addr.ss_family, a, host, sizeof(host)))
            snprintf(peer, sizeof(peer), v6 ? "[%s]:%u" : "%s:%u", host, port);
    }
    if (cfg->on_tls_refused)
        cfg->on_tls_refused(why, peer, reason, cfg->user_data);
    else
        fprintf(stderr, "h2ring: TLS client %s turned away: %s\n", peer, reason);
}

/* A client too slow to finish the handshake is not waited for to read an alert: the connection closes. */
static void server_handshake_timeout(struct conn *c)
{
    report_refusal(c, H2R_TLS_HANDSHAKE_TIMEOUT, "no complete handshake in time");
}

/*
 * Which protocols to accept by ALPN: h2 whenever offered, whatever the
 * client's order (wolfSSL would take the client's first); http/1.1 when
 * allowed. NULL: no ALPN extension, decided after the handshake.
 */
static const char *alpn_accept(const struct h2r_tls_hello *hello, enum h2r_tls_hello_result scan,
                               int allow_http1)
{
    if (scan == H2R_TLS_HELLO_UNREADABLE) return allow_http1 ? "h2,http/1.1" : "h2";
    if (!hello->offers_alpn) return NULL;
    if (hello->offers_h2) return "h2";
    if (allow_http1 && hello->offers_http1) return "http/1.1";
    /* Nothing we speak: wolfSSL answers no_application_protocol (RFC 7301 §3.2). */
    return allow_http1 ? "h2,http/1.1" : "h2";
}

/* The ClientHello is in t->hello: pick the certificate and the protocols, and start the handshake. */
static int start_handshake(struct conn *c, const struct h2r_tls_hello *hello, enum h2r_tls_hello_result scan)
{
    struct tls_conn *t = c->tls;
    int allow_http1 = c->worker->config->allow_http1;
    if (!(t->ssl = wolfSSL_new(context_for(c->worker->tls, hello)))) return -1;
    if (hello->server_name &&
        !(t->server_name = strndup((const char *)hello->server_name, hello->server_name_len)))
        return -1;
    wolfSSL_SetIOReadCtx(t->ssl, t);
    wolfSSL_SetIOWriteCtx(t->ssl, t);
    const char *alpn = alpn_accept(hello, scan, allow_http1);
    if (alpn && wolfSSL_UseALPN(t->ssl, (char *)alpn, (unsigned)strlen(alpn),
                                WOLFSSL_ALPN_FAILED_ON_MISMATCH) != WOLFSSL_SUCCESS)
        return -1;
    return 0;
}

/*
 * Before the handshake: gathers the ClientHello (a record of at most
 * H2R_TLS_HELLO_MAX bytes), then starts the handshake on it. 1 once it can
 * go on with t->in, 0 while the hello is incomplete, -1 when the
 * connection must end.
 */
static int take_hello(struct conn *c, struct byte_span *in)
{
    struct tls_conn *t = c->tls;
    if (h2r_bytes_reserve(&t->hello, &t->hello_cap, t->hello_len + in->len, TLS_BUFFER_FIRST)) return -1;
    memcpy(t->hello + t->hello_len, in->data, in->len);
    t->hello_len += in->len;
    in->len = 0;
    struct h2r_tls_hello hello;
    enum h2r_tls_hello_result scan = h2r_tls_scan_hello(t->hello, t->hello_len, &hello);
    if (scan == H2R_TLS_HELLO_NEED_MORE) return 0;
    if (scan == H2R_TLS_HELLO_NOT_TLS) {
        report_refusal(c, H2R_TLS_NOT_TLS, "not a TLS handshake (plain text sent to a TLS port?)");
        return -1;
    }
    if (start_handshake(c, &hello, scan) != 0) return -1;
    t->in = t->hello;
    t->in_len = t->hello_len;
    return 1;
}

/* The reading stops: nothing points into the receive buffer (or the hello) any more. */
static enum transport_event stop_reading(struct tls_conn *t, enum transport_event event)
{
    t->in_len = 0;
    if (t->hello) {
        free(t->hello);
        t->hello = NULL;
        t->hello_len = t->hello_cap = 0;
    }
    return event == TRANSPORT_WAIT && t->out_len ? TRANSPORT_WAIT_SEND : event;
}

/* The handshake is done: the protocol ALPN chose decides the session. */
static enum transport_event on_established(struct conn *c)
{
    struct tls_conn *t = c->tls;
    t->established = 1;
    char *proto = NULL;
    unsigned short len = 0;
    if (wolfSSL_ALPN_GetProtocol(t->ssl, &proto, &len) == WOLFSSL_SUCCESS && proto)
        return len == 2 && memcmp(proto, "h2", 2) == 0 ? TRANSPORT_HTTP2 : TRANSPORT_HTTP1;
    if (c->worker->config->allow_http1) return TRANSPORT_HTTP1; /* a client without ALPN speaks HTTP/1.1 */
    report_refusal(c, H2R_TLS_UNKNOWN_PROTOCOL, "no ALPN, and HTTP/1.1 is not allowed");
    return stop_reading(t, TRANSPORT_REFUSED);
}

/* After the handshake: a record's plaintext, one call each, until the input is used up. */
static enum transport_event decrypt(struct tls_conn *t, uint8_t *buf, struct byte_span *plain)
{
    int n = wolfSSL_read(t->ssl, buf, TRANSPORT_PLAINTEXT_MAX);
    if (n > 0) {
        *plain = (struct byte_span){.data = buf, .len = (size_t)n};
        return TRANSPORT_PLAINTEXT;
    }
    int err = wolfSSL_get_error(t->ssl, n);
    /* After close_notify the peer sends no more; its FIN follows and ends the connection. */
    if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_ZERO_RETURN)
        return stop_reading(t, TRANSPORT_WAIT);
    /* A record that does not decrypt, or an alert: nothing more can be trusted. */
    return stop_reading(t, TRANSPORT_FAILED);
}

/* Runs the handshake, then decrypts, on the ciphertext in t->in: every byte of it is consumed. */
/* The server's handshake, on the ciphertext in t->in (or, before wolfSSL has it, the hello's bytes in in). */
static enum transport_event server_handshake(struct conn *c, struct byte_span *in)
{
    struct tls_conn *t = c->tls;
    if (in->len) {
        int ready = take_hello(c, in);
        if (ready <= 0) return ready ? stop_reading(t, TRANSPORT_FAILED) : TRANSPORT_WAIT;
    }
    int r = wolfSSL_accept(t->ssl);
    if (r == WOLFSSL_SUCCESS) return on_established(c);
    int err = wolfSSL_get_error(t->ssl, r);
    if (err == WOLFSSL_ERROR_WANT_READ) return stop_reading(t, TRANSPORT_WAIT);
    if (err == UNKNOWN_ALPN_PROTOCOL_NAME_E) {
        report_refusal(c, H2R_TLS_UNKNOWN_PROTOCOL, "ALPN offers no protocol this server speaks");
    } else {
        char why[WOLFSSL_MAX_ERROR_SZ], reason[WOLFSSL_MAX_ERROR_SZ + 32];
        snprintf(reason, sizeof(reason), "handshake failed: %s", error_text(err, why));
        report_refusal(c, H2R_TLS_HANDSHAKE_FAILED, reason);
    }
    return stop_reading(t, TRANSPORT_REFUSED);
}

static int tls_close(struct conn *c)
{
    struct tls_conn *t = c->tls;
    if (!t->established || t->notify_sent) return 0;
    t->notify_sent = 1;
    /* Returns "not done" as it does not wait for the peer's close_notify; the alert is in t->out. */
    wolfSSL_shutdown(t->ssl);
    return t->out_len != 0;
}

/* ---- sending ---- */

/*
 * How many chunks one batch stages: up to TLS_STAGING_BUDGET bytes, but
 * never ending between a frame header and the file range that follows it,
 * which could then fail to be read after its header went out.
 */
static size_t chunks_to_stage(const h2r_chunk *chunks, size_t n)
{
    size_t used = 0, end = 0;
    for (size_t i = 0; i != n; ++i) {
        used += chunks[i].len;
        if (used > TLS_STAGING_BUDGET && end) return end;
        if (i + 1 == n || !h2r_chunk_is_file(&chunks[i + 1])) end = i + 1;
    }
    return n;
}

/* Encrypts the staged plaintext and sends it with whatever else wolfSSL wrote. */
static enum transport_send send_records(struct conn *c)
{
    struct tls_conn *t = c->tls;
    uint64_t now = c->worker->now_ms;
    if (now - t->last_send_ms > TLS_COLD_AFTER_MS) t->warm_bytes = 0;
    t->last_send_ms = now;
    size_t done = 0;
    while (done != t->batch_plain) {
        /*
         * A connection that starts (again) sends records that fit in one TCP
         * segment: the peer can decrypt each as it comes, instead of waiting
         * for the round trips a 16 KiB record takes within a small initial
         * congestion window. Then records are as large as TLS allows.
         */
        size_t n = t->batch_plain - done;
        if (t->warm_bytes < TLS_WARM_BYTES && n > TLS_SEGMENT_RECORD) n = TLS_SEGMENT_RECORD;
        /* Only memory can fail here (our send callback never blocks). */
        if (wolfSSL_write(t->ssl, t->staging + done, (int)n) != (int)n) return SEND_FAILED;
        done += n;
        t->warm_bytes += n;
    }
    if (t->out_len == 0) return SEND_IDLE;
    /* The records go to the wire buffer; wolfSSL may write more into out (alerts) while they are sent. */
    uint8_t *wire = t->wire;
    size_t wire_cap = t->wire_cap;
    t->wire = t->out;
    t->wire_cap = t->out_cap;
    t->out = wire;
    t->out_cap = wire_cap;
    size_t len = t->out_len;
    t->out_len = 0;

    /* The batch of the reads, or the one send_start prepared: emptied, with room enough already. */
    struct send_batch *b = h2r_send_batch_prepare(c, 1);
    b->iov[0] = (struct iovec){.iov_base = t->wire, .iov_len = len};
    h2r_send_batch_add_sendmsg(b, c, 0, 1, 0);
    t->encrypting = 1;
    h2r_send_batch_submit(c);
    return SEND_IN_FLIGHT;
}

/*
 * Pulls the engine's chunks, copies the memory ones into the staging
 * buffer and has the ring read file ranges straight into their place in
 * it; the records are made once every read is back (or at once without
 * file ranges).
 */
static enum transport_send tls_send_start(struct conn *c)
{
    struct tls_conn *t = c->tls;
    h2r_chunk chunks[SEND_BATCH_CHUNKS];
    size_t n = 0;
    if (t->established && c->session) n = h2r_session_pull(c->session, chunks, SEND_BATCH_CHUNKS);
    if (n == 0 && t->out_len == 0) return SEND_IDLE;
    struct send_batch *b = h2r_send_batch_prepare(c, n);
    if (!b) return SEND_IDLE;

    size_t end = chunks_to_stage(chunks, n), total = 0;
    for (size_t i = 0; i != end; ++i) total += chunks[i].len;
    if (h2r_bytes_reserve(&t->staging, &t->staging_cap, total, TLS_BUFFER_FIRST)) return SEND_IDLE;
    size_t pos = 0;
    for (size_t i = 0; i != end; ++i) {
        if (h2r_chunk_is_file(&chunks[i])) {
            struct send_step *read = h2r_send_batch_add(b, c, STEP_READ, chunks[i].len, i);
            read->fd = chunks[i].fd;
            read->offset = chunks[i].offset;
            read->buf = t->staging + pos;
        } else {
            memcpy(t->staging + pos, chunks[i].base, chunks[i].len);
        }
        pos += chunks[i].len;
    }
    t->batch_plain = total;
    t->encrypting = 0;
    if (!b->step_count) return send_records(c);
    h2r_send_batch_submit(c);
    return SEND_IN_FLIGHT;
}

static enum transport_send tls_send_done(struct conn *c)
{
    struct tls_conn *t = c->tls;
    const struct send_step *failed = c->batch->failed;
    if (!t->encrypting) {
        /* The file reads are back; when one failed, nothing went out and the engine cuts the frame. */
        if (failed)
            return h2r_session_file_failed(c->session, failed->chunk) == H2R_ERR_INVALID_STATE ? SEND_FAILED
                                                                                               : SEND_AGAIN;
        enum transport_send sent = send_records(c);
        return sent == SEND_IDLE ? SEND_AGAIN : sent;
    }
    /* MSG_WAITALL: a write ends short only when the connection failed. */
    if (failed) return SEND_FAILED;
    if (t->batch_plain) h2r_session_sent(c->session, t->batch_plain);
    t->batch_plain = 0;
    return SEND_AGAIN;
}

static void tls_info(const struct conn *c, h2r_conn_info *info)
{
    const struct tls_conn *t = c->tls;
    info->tls = 1;
    info->server_name = t->server_name;
    if (!t->established) return;
    info->tls_version = wolfSSL_get_version(t->ssl);
    int suite = wolfSSL_get_current_cipher_suite(t->ssl);
    info->tls_cipher =
        wolfSSL_get_cipher_name_iana_from_suite((unsigned char)(suite >> 8), (unsigned char)suite);
    char *proto = NULL;
    unsigned short len = 0;
    /* Static strings for the protocols we accept (on_established): wolfSSL's own is not terminated. */
    if (wolfSSL_ALPN_GetProtocol(t->ssl, &proto, &len) == WOLFSSL_SUCCESS && proto)
        info->alpn = len == 2 && memcmp(proto, "h2", 2) == 0 ? "h2" : "http/1.1";
}

/* ---- the client side ---- */

/* A client context of a worker's, for one trust. */
struct tls_client_context {
    struct tls_client_context *next;
    char *ca_file; /* NULL: the system's store */
    int verify;
    WOLFSSL_CTX *ctx;
};

/* Debian's ca-certificates: every CA the system trusts, in one PEM file. */
#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

static int same_file(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* A client context that trusts ca_file (verify), or anything; NULL with *err. */
static WOLFSSL_CTX *new_client_context(const char *ca_file, int verify, int *err)
{
    *err = H2R_ERR_NOMEM;
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
    if (!ctx) return NULL;
    if (wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS ||
        wolfSSL_CTX_set_cipher_list(ctx, cipher_list) != WOLFSSL_SUCCESS) {
        wolfSSL_CTX_free(ctx);
        return NULL;
    }
    wolfSSL_CTX_set_verify(ctx, verify ? WOLFSSL_VERIFY_PEER : WOLFSSL_VERIFY_NONE, NULL);
    if (verify &&
        wolfSSL_CTX_load_verify_locations(ctx, ca_file ? ca_file : SYSTEM_CA_FILE, NULL) != WOLFSSL_SUCCESS) {
        *err = H2R_ERR_TLS_CA_FILE;
        wolfSSL_CTX_free(ctx);
        return NULL;
    }
    wolfSSL_CTX_SetIORecv(ctx, tls_recv);
    wolfSSL_CTX_SetIOSend(ctx, tls_send);
    return ctx;
}

void *h2r_tls_client_context(struct worker *w, const char *ca_file, int verify, int *err)
{
    if (!verify) ca_file = NULL;
    for (struct tls_client_context *k = w->tls_clients; k; k = k->next)
        if (k->verify == verify && same_file(k->ca_file, ca_file)) return k->ctx;
    struct tls_client_context *k = calloc(1, sizeof(*k));
    *err = H2R_ERR_NOMEM;
    if (!k || (ca_file && !(k->ca_file = strdup(ca_file)))) {
        free(k);
        return NULL;
    }
    wolfSSL_Init(); /* counted: h2r_tls_client_contexts_free's wolfSSL_Cleanup matches it */
    if (!(k->ctx = new_client_context(ca_file, verify, err))) {
        wolfSSL_Cleanup();
        free(k->ca_file);
        free(k);
        return NULL;
    }
    k->verify = verify;
    k->next = w->tls_clients;
    w->tls_clients = k;
    return k->ctx;
}

void h2r_tls_client_contexts_free(struct worker *w)
{
    while (w->tls_clients) {
        struct tls_client_context *k = w->tls_clients;
        w->tls_clients = k->next;
        wolfSSL_CTX_free(k->ctx);
        free(k->ca_file);
        free(k);
        wolfSSL_Cleanup();
    }
}

/* The client's hello: SNI, ALPN and the name to check are set, and the handshake's first flight written. */
static enum transport_event client_open(struct conn *c)
{
    const struct tls_client_params *p = c->side->tls_client;
    struct tls_conn *t = c->tls = calloc(1, sizeof(*c->tls));
    if (!t || !(t->ssl = wolfSSL_new(p->context))) return TRANSPORT_FAILED;
    wolfSSL_SetIOReadCtx(t->ssl, t);
    wolfSSL_SetIOWriteCtx(t->ssl, t);
    if (p->sni && (!(t->server_name = strdup(p->host)) ||
                   wolfSSL_UseSNI(t->ssl, WOLFSSL_SNI_HOST_NAME, p->host, (unsigned short)strlen(p->host)) !=
                       WOLFSSL_SUCCESS))
        return TRANSPORT_FAILED;
    /* An address is matched as a name too: this wolfSSL has no IP SANs, so it fails unless a DNS name is it.
     */
    if (p->verify && wolfSSL_check_domain_name(t->ssl, p->host) != WOLFSSL_SUCCESS) return TRANSPORT_FAILED;
    if (wolfSSL_UseALPN(t->ssl, (char *)p->alpn, (unsigned)strlen(p->alpn),
                        WOLFSSL_ALPN_FAILED_ON_MISMATCH) != WOLFSSL_SUCCESS)
        return TRANSPORT_FAILED;
    int r = wolfSSL_connect(t->ssl);
    if (r != WOLFSSL_SUCCESS && wolfSSL_get_error(t->ssl, r) != WOLFSSL_ERROR_WANT_READ)
        return TRANSPORT_FAILED;
    return TRANSPORT_WAIT_SEND;
}

/* Whether a handshake error says the server's certificate is not to be trusted. */
static int is_verify_error(int err)
{
    switch (err) {
    case ASN_NO_SIGNER_E:
    case ASN_SELF_SIGNED_E:
    case ASN_BEFORE_DATE_E:
    case ASN_AFTER_DATE_E:
    case ASN_SIG_OID_E:
    case ASN_SIG_CONFIRM_E:
    case ASN_SIG_KEY_E:
    case ASN_NAME_INVALID_E:
    case ASN_PATHLEN_SIZE_E:
    case ASN_PATHLEN_INV_E:
    case DOMAIN_NAME_MISMATCH:
    case IPADDR_MISMATCH:
    case VERIFY_CERT_ERROR:
    case CRL_CERT_REVOKED: return 1;
    default: return 0;
    }
}

/* The client's handshake is done: the protocol the server chose by ALPN makes the session. */
static enum transport_event on_client_established(struct conn *c)
{
    struct tls_conn *t = c->tls;
    t->established = 1;
    const char *offered = c->side->tls_client->alpn;
    char *proto = NULL;
    unsigned short len = 0;
    if (wolfSSL_ALPN_GetProtocol(t->ssl, &proto, &len) != WOLFSSL_SUCCESS || !proto) {
        /* A server without ALPN speaks HTTP/1.1; h2 over TLS needs ALPN (RFC 9113 §3.2). */
        if (strstr(offered, "http/1.1")) return TRANSPORT_HTTP1;
    } else if (len == 2 && memcmp(proto, "h2", 2) == 0 && strncmp(offered, "h2", 2) == 0) {
        return TRANSPORT_HTTP2;
    } else if (len == 8 && memcmp(proto, "http/1.1", 8) == 0 && strstr(offered, "http/1.1")) {
        return TRANSPORT_HTTP1;
    }
    c->side->failed(c, H2R_ERR_ALPN);
    return stop_reading(t, TRANSPORT_FAILED);
}

/* The client's handshake, on the ciphertext in t->in. */
static enum transport_event client_handshake(struct conn *c)
{
    struct tls_conn *t = c->tls;
    int r = wolfSSL_connect(t->ssl);
    if (r == WOLFSSL_SUCCESS) return on_client_established(c);
    int err = wolfSSL_get_error(t->ssl, r);
    if (err == WOLFSSL_ERROR_WANT_READ) return stop_reading(t, TRANSPORT_WAIT);
    c->side->failed(c, is_verify_error(err)                  ? H2R_ERR_TLS_VERIFY
                       : err == UNKNOWN_ALPN_PROTOCOL_NAME_E ? H2R_ERR_ALPN
                                                             : H2R_ERR_TLS_HANDSHAKE);
    /* The alert wolfSSL wrote, if any, goes out before the connection ends. */
    return stop_reading(t, TRANSPORT_REFUSED);
}

/* ---- both sides ---- */

static enum transport_event tls_open(struct conn *c)
{
    return c->side->tls_client ? client_open(c) : server_open(c);
}

/* Runs the handshake, then decrypts, on the ciphertext received: every byte of it is consumed. */
static enum transport_event tls_read(struct conn *c, struct byte_span *in, uint8_t *buf,
                                     struct byte_span *plain)
{
    struct tls_conn *t = c->tls;
    /* A server's wolfSSL is made once the whole ClientHello is in: until then, its bytes are gathered. */
    if (in->len && t->ssl) {
        t->in = in->data;
        t->in_len = in->len;
        in->len = 0;
    }
    if (t->established) return decrypt(t, buf, plain);
    return c->side->tls_client ? client_handshake(c) : server_handshake(c, in);
}

static void tls_handshake_timeout(struct conn *c)
{
    if (c->side->tls_client)
        c->side->failed(c, H2R_ERR_HANDSHAKE_TIMEOUT);
    else
        server_handshake_timeout(c);
}

const struct transport h2r_tls_transport = {
    .scheme = "https",
    .open = tls_open,
    .read = tls_read,
    .send_start = tls_send_start,
    .send_done = tls_send_done,
    .close = tls_close,
    .handshake_timeout = tls_handshake_timeout,
    .release_buffers = tls_release_buffers,
    .info = tls_info,
    .free = tls_free,
};
