/*
 * A look at a TLS ClientHello before the handshake starts: which server
 * name it asks for (to pick a certificate) and which application protocols
 * it offers (to prefer h2, and to turn away clients that offer nothing we
 * speak). wolfSSL, as built without its OpenSSL layer, has no servername or
 * ALPN-select callback, so the server reads these itself from the first
 * record and then hands the same bytes to the handshake.
 */
#ifndef H2R_IO_TLS_HELLO_H
#define H2R_IO_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

/* What h2r_tls_scan_hello found. */
enum h2r_tls_hello_result {
    H2R_TLS_HELLO_NEED_MORE,  /* a valid prefix: wait for more bytes */
    H2R_TLS_HELLO_OK,         /* the fields of struct h2r_tls_hello are filled */
    H2R_TLS_HELLO_UNREADABLE, /* a handshake record this scan cannot read (e.g. a hello over several
                                 records): let the TLS library judge it, with defaults */
    H2R_TLS_HELLO_NOT_TLS,    /* not a TLS handshake at all, e.g. plain text sent to a TLS port */
};

struct h2r_tls_hello {
    const uint8_t *server_name; /* the host_name of server_name (RFC 6066 §3), into the input; NULL if none */
    size_t server_name_len;
    uint8_t offers_alpn;  /* the application_layer_protocol_negotiation extension is present (RFC 7301) */
    uint8_t offers_h2;    /* ... and lists "h2" */
    uint8_t offers_http1; /* ... and lists "http/1.1" */
};

/* A ClientHello in one record is at most this long: the record's header and its largest plaintext. */
#define H2R_TLS_HELLO_MAX (5 + 16384)

/* Scans the first len bytes a client sent. Reads at most H2R_TLS_HELLO_MAX of them. */
enum h2r_tls_hello_result h2r_tls_scan_hello(const uint8_t *data, size_t len, struct h2r_tls_hello *hello);

#endif
