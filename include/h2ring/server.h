/*
 * h2ring's server runtime: shared-nothing workers on io_uring driving the
 * sans-IO engine (h2ring/engine.h) over cleartext HTTP/2 (prior knowledge, "h2c") or
 * TLS with ALPN (io/tls.c, wolfSSL), and HTTP/1.1 on the same port when
 * allowed.
 *
 * Each worker is a thread with its own ring, its own SO_REUSEPORT listening
 * socket, its own provided-buffer ring and its own connections: a
 * connection lives and dies on the worker that accepted it, with no locks
 * on the way. The main thread only starts the workers and, on SIGTERM or
 * SIGINT, tells them to shut down gracefully (stop listening, GOAWAY, let
 * in-flight streams finish, exit); a second signal ends the process at once.
 *
 * Memory comes from jemalloc. The runtime sets its malloc_conf (a weak
 * symbol: an application may define its own) so that freed pages go back
 * to the kernel within a quarter second, purged by jemalloc's background
 * thread even when the server is quiet: idle connections hold only their
 * own state.
 */
#ifndef H2RING_SERVER_H
#define H2RING_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "h2ring/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A certificate and its key for TLS (PEM files), and the server name it is for. */
typedef struct h2r_tls_certificate {
    /** The name (SNI) this certificate answers for; NULL for the default, used when a client asks for a
     * name no other certificate has, or for none. The first certificate is the default if none has NULL. */
    const char *server_name;
    /** The certificate chain (leaf first) and the private key, PEM. */
    const char *cert_file;
    const char *key_file;
} h2r_tls_certificate;

/** Why a TLS client was turned away (h2r_server_config.on_tls_refused). */
typedef enum h2r_tls_refusal {
    /** The first bytes are no TLS handshake (plain text sent to a TLS port?). */
    H2R_TLS_NOT_TLS,
    /** The handshake failed: bad or unsupported parameters, an alert from the client... */
    H2R_TLS_HANDSHAKE_FAILED,
    /** No complete handshake within handshake_timeout_ms. */
    H2R_TLS_HANDSHAKE_TIMEOUT,
    /** Node's 'unknownProtocol': ALPN offered neither h2 nor (when allowed) http/1.1, or the client offered
     * no ALPN while allow_http1 is off. */
    H2R_TLS_UNKNOWN_PROTOCOL,
} h2r_tls_refusal;

typedef struct h2r_server_config {
    /** Address to listen on (IPv4 or IPv6 literal, or a host name); default "127.0.0.1". */
    const char *host;
    /** TCP port; 0 picks a free one (reported through on_listening). */
    uint16_t port;
    /** Worker threads; 0 means one per online CPU. */
    unsigned workers;
    /** Engine options for every session (NULL: defaults). */
    const h2r_session_options *session_options;
    /** Engine callbacks for every session; h2r_session_user_data() returns user_data. */
    h2r_session_callbacks callbacks;
    void *user_data;
    /** A session with no open stream and no traffic for this long is closed gracefully (default 120 s; 0
     * disables). */
    unsigned idle_timeout_ms;
    /** Our SETTINGS unacknowledged for this long: GOAWAY SETTINGS_TIMEOUT (default 10 s). */
    unsigned settings_timeout_ms;
    /** Longest graceful shutdown before the remaining connections are cut (default 10 s). */
    unsigned shutdown_timeout_ms;
    /**
     * File bytes in one send from which file ranges go to the socket by
     * io_uring splice through a pipe (no copy in user space) instead of
     * being read into a buffer; 0 (the default) never splices. On the
     * virtual machines this project is measured on, splice costs more CPU
     * per byte than the copy (bench/README.md has the numbers); on bare
     * metal it may not.
     */
    size_t splice_min_bytes;
    /**
     * Socket writes of at least this many bytes use io_uring's zero-copy
     * send (IORING_OP_SENDMSG_ZC: the NIC reads the pages, whose memory is
     * released only once the kernel's notification says so); 0 (the
     * default) never. Loopback and virtual NICs copy anyway, and the
     * notifications cost more than they save there (bench/README.md).
     */
    size_t send_zc_min_bytes;
    /**
     * TLS: with certificates, the port speaks TLS 1.3 and 1.2 only (AEAD
     * ciphers with ephemeral keys, RFC 9113 §9.2), h2 by ALPN, and
     * http/1.1 when allow_http1 is set. Files are read once, at start.
     */
    const h2r_tls_certificate *tls_certificates;
    size_t tls_certificate_count;
    /**
     * Node's allowHTTP1: serve HTTP/1.1 too (default off, as in Node). On
     * TLS, for ALPN http/1.1 or no ALPN; in cleartext, for a connection
     * that opens with an HTTP/1.x request line instead of the HTTP/2
     * preface. Needs session_options' HTTP/1 limits (see h2ring/engine.h).
     */
    int allow_http1;
    /** A TLS handshake (or, in cleartext with allow_http1, the first request line) must be complete within
     * this (default 10 s). */
    unsigned handshake_timeout_ms;
    /**
     * Called on the worker's thread when a TLS client is turned away, with
     * the peer's address ("192.0.2.1:5000") and a readable reason; the
     * connection is then closed. NULL: one line on stderr.
     */
    void (*on_tls_refused)(h2r_tls_refusal why, const char *peer, const char *reason, void *user_data);
    /** Called once, from the main thread, when every worker listens; url is like "http://127.0.0.1:8080/". */
    void (*on_listening)(const char *url, void *user_data);
} h2r_server_config;

/** Fills config with the defaults above. */
void h2r_server_config_init(h2r_server_config *config);

/**
 * Runs the server until SIGTERM or SIGINT, then shuts down gracefully.
 * Returns 0 after a graceful shutdown, or -1 with a message on stderr if it
 * could not start (the address is in use, io_uring is unavailable, the
 * session options are invalid...).
 */
int h2r_server_run(const h2r_server_config *config);

#ifdef __cplusplus
}
#endif

#endif
