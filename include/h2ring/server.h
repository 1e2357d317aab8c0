/*
 * h2ring's server runtime: shared-nothing workers on io_uring driving the
 * sans-IO engine (h2ring/engine.h) over cleartext HTTP/2 (prior knowledge, "h2c") or
 * TLS with ALPN (io/tls.c, wolfSSL), and HTTP/1.1 on the same port when
 * allowed.
 *
 * Each worker is a thread with its own ring, its own SO_REUSEPORT listening
 * socket, its own provided-buffer ring and its own connections: a
 * connection lives and dies on the worker that accepted it, with no locks
 * on the way. Each worker's loop also runs the application's timers, posts
 * from other threads and watched descriptors (h2ring/loop.h).
 *
 * h2r_server_start starts the workers and returns; h2r_server_close, from
 * any thread, shuts them down gracefully (stop listening, GOAWAY, let
 * in-flight streams finish), like Node's server.close(); h2r_server_wait
 * and h2r_server_free end it. h2r_server_close_on_signals makes the first
 * SIGTERM or SIGINT close the server, and a second one end the process at
 * once; h2r_server_run does all of that in one call.
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

/** A server started with h2r_server_start. */
typedef struct h2r_server h2r_server;

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

/** Who is at the other end of a session, and how it came (h2r_session_conn_info, on_session_open). */
typedef struct h2r_conn_info {
    /** The peer's and our address ("192.0.2.1", "2001:db8::1"), and their ports. */
    char peer_address[46];
    uint16_t peer_port;
    char local_address[46];
    uint16_t local_port;
    /** 1 over TLS, 0 in cleartext. */
    int tls;
    /**
     * The protocol ALPN chose ("h2", "http/1.1"), or NULL (cleartext, or a
     * TLS client that offered no ALPN); TLS's version ("TLSv1.3") and
     * cipher suite by its IANA name ("TLS_AES_128_GCM_SHA256"), NULL in
     * cleartext; the server name the client asked for (SNI), or NULL. These
     * strings are valid while the session lives.
     */
    const char *alpn;
    const char *tls_version;
    const char *tls_cipher;
    const char *server_name;
    /**
     * With tls_request_cert: the subject of the client's certificate
     * ("/C=FR/O=Example/CN=alice"), or NULL if it sent none, and whether
     * it was verified against tls_ca_file (Node's socket.authorized; with
     * tls_reject_unauthorized, a session exists only for a verified one).
     * Valid while the session lives.
     */
    const char *peer_subject;
    int peer_authorized;
} h2r_conn_info;

typedef struct h2r_server_config {
    /** Address to listen on (IPv4 or IPv6 literal, or a host name); default "127.0.0.1". */
    const char *host;
    /** TCP port; 0 picks a free one (reported through on_listening). */
    uint16_t port;
    /** Worker threads; 0 means one per online CPU. */
    unsigned workers;
    /** Engine options for every session (NULL: defaults). */
    const h2r_session_options *session_options;
    /**
     * Engine callbacks for every session; h2r_session_user_data() returns
     * user_data. The runtime frees its sessions itself: on_session_close
     * comes once for each, also when its connection is cut, and is where
     * the application lets go of what it keeps for the session
     * (h2r_session_set_app_data).
     */
    h2r_session_callbacks callbacks;
    void *user_data;
    /** A session with no open stream and no traffic for this long is closed gracefully, or handed to
     * on_timeout (default 120 s; 0 disables). */
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
     * What the sessions of one worker may hold together, in bytes (default
     * 64 MiB; 0: no budget): the sum of what each counts against its
     * max_session_memory (h2r_session_state's memory_size: queued output in
     * memory, open streams and their request heads). Each tick (100 ms) a
     * worker over it sheds the session holding the most among those whose
     * output has been stalled for a second (output_stalled_ms: the peer
     * opens no window, or does not read), then the next, until it is back
     * under: on_session_error(ENHANCE_YOUR_CALM), then
     * h2r_session_destroy(ENHANCE_YOUR_CALM). Sessions whose output moves
     * are never shed: a busy worker may hold more.
     */
    size_t worker_memory_budget;
    /**
     * Called on the worker's thread when a TLS client is turned away, with
     * the peer's address ("192.0.2.1:5000") and a readable reason; the
     * connection is then closed. NULL: one line on stderr.
     */
    void (*on_tls_refused)(h2r_tls_refusal why, const char *peer, const char *reason, void *user_data);
    /** Called once, from the thread that starts the server, when every worker listens; url is like
     * "http://127.0.0.1:8080/". */
    void (*on_listening)(const char *url, void *user_data);
    /**
     * Called on the worker's thread when a connection's session is made
     * (after the TLS handshake, before its first request), with who the
     * peer is (info is valid during the call only). The place to set the
     * session's own data (h2r_session_set_app_data), to be freed in the
     * engine's on_session_close. NULL: nothing is looked up.
     */
    void (*on_session_open)(h2r_session *session, const h2r_conn_info *info, void *user_data);
    /**
     * Node's server.setTimeout(msecs, callback) and the server's 'timeout'
     * event: called on the worker's thread when a session has had no open
     * stream and no traffic for idle_timeout_ms, and again after each
     * further idle_timeout_ms. As in Node, a server with this callback
     * leaves the session to it (h2r_session_close, say); without it, such a
     * session is closed gracefully. Once closed, a session that still does
     * not finish is cut off a period later, either way.
     */
    void (*on_timeout)(h2r_session *session, void *user_data);
    /**
     * Node's origins option: the origins (e.g. "https://example.com", RFC
     * 6454 serializations) of the ORIGIN frame (RFC 8336) sent on every new
     * HTTP/2 session over TLS, after the server's SETTINGS. Not in
     * cleartext, where a client may not coalesce connections. Copied at
     * start; each 1 to 65535 bytes, all in one frame of the protocol's
     * smallest maximum size (16384 bytes, 2 a piece for their lengths),
     * else the server does not start.
     */
    const char *const *origins;
    size_t origin_count;
    /**
     * Node's requestCert, ca and rejectUnauthorized: ask TLS clients for a
     * certificate, verified against the CA certificates of tls_ca_file
     * (PEM); with tls_reject_unauthorized (the default, as in Node), a
     * client without a certificate the CAs vouch for fails its handshake
     * (on_tls_refused, H2R_TLS_HANDSHAKE_FAILED); without it, it is served
     * and its session's h2r_conn_info says it is not authorized. The
     * subject reaches the application in h2r_conn_info (on_session_open,
     * h2r_session_conn_info). Sessions are then not resumed by tickets, so
     * that every connection shows its certificate.
     */
    int tls_request_cert;
    const char *tls_ca_file;
    int tls_reject_unauthorized;
} h2r_server_config;

/** Fills config with the defaults above. */
void h2r_server_config_init(h2r_server_config *config);

/**
 * Starts the server: listening sockets, certificates, one thread per
 * worker; returns once every worker listens (after on_listening), or NULL
 * with a message on stderr if it could not start (the address is in use,
 * io_uring is unavailable, the session options are invalid...). config is
 * copied; what it points to is read during the call only, but user_data.
 * The workers block every signal: signals go to the application's threads.
 */
h2r_server *h2r_server_start(const h2r_server_config *config);

/** Where the server listens, as on_listening said: "http://127.0.0.1:8080/" (the port chosen for port 0). */
const char *h2r_server_url(const h2r_server *server);

/**
 * Node's server.close(callback): from any thread (a signal handler's
 * thread, a worker's callback...), starts the graceful shutdown: no new
 * connections, GOAWAY on every session, in-flight streams finish (at most
 * shutdown_timeout_ms, then the rest are cut), and each worker's loop
 * stops once its last connection ended (h2ring/loop.h says what happens to
 * its timers, posts and watches). Then done(server, ctx) runs, once, on
 * the thread of the last worker to stop, if done is not NULL; it must not
 * call h2r_server_wait or h2r_server_free. A second call does nothing (its
 * done is not called).
 */
void h2r_server_close(h2r_server *server, void (*done)(h2r_server *server, void *ctx), void *ctx);

/**
 * Waits until every worker has stopped (after h2r_server_close, from
 * another thread or a signal) and joins their threads. Not from a worker's
 * thread. Returns 0 after a graceful shutdown, -1 if a worker failed.
 */
int h2r_server_wait(h2r_server *server);

/**
 * Frees the server; one still running is closed and waited for first. Not
 * from a worker's thread. Loops (h2ring/loop.h) are gone with it.
 */
void h2r_server_free(h2r_server *server);

/**
 * Makes the first SIGTERM or SIGINT close the server (h2r_server_close),
 * and a second one end the process at once, by that signal's default
 * action: what h2serve does. Both signals are blocked in the calling
 * thread, and a thread of the server's waits for them (sigwait): call this
 * from the main thread before starting other threads, which inherit the
 * mask (the workers block them already). Returns 0, or -1 with a message
 * on stderr if the thread cannot start.
 */
int h2r_server_close_on_signals(h2r_server *server);

/**
 * h2r_server_start, h2r_server_close_on_signals, h2r_server_wait and
 * h2r_server_free: runs the server until SIGTERM or SIGINT, then shuts down
 * gracefully. Returns 0 after a graceful shutdown, or -1 with a message on
 * stderr if it could not start.
 */
int h2r_server_run(const h2r_server_config *config);

/* ---- what the application learns of its connections ---- */

/**
 * Fills info for a session the runtime runs, on its worker's thread (the
 * addresses are asked of the kernel: two system calls). Returns 0;
 * H2R_ERR_INVALID_STATE for a session the runtime does not run;
 * H2R_ERR_SESSION_CLOSED if the socket's addresses cannot be had any more
 * (the fields are then empty strings and ports 0).
 */
int h2r_session_conn_info(const h2r_session *session, h2r_conn_info *info);

/**
 * The application's own pointer for one session (h2r_session_user_data is
 * the server's, shared by every session, which the compat API takes).
 * Returns 0, or H2R_ERR_INVALID_STATE for a session the runtime does not
 * run.
 */
int h2r_session_set_app_data(h2r_session *session, void *app_data);
/** What h2r_session_set_app_data set (NULL until then, or for a session the runtime does not run). */
void *h2r_session_app_data(const h2r_session *session);

#ifdef __cplusplus
}
#endif

#endif
