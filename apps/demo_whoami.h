/*
 * GET /whoami of h2serve's demo site: the connection the request came on,
 * as a JSON object:
 *   {"peer_address": "127.0.0.1", "peer_port": 41234, "local_address": "127.0.0.1",
 *    "local_port": 8443, "tls": true, "alpn": "h2", "tls_version": "TLSv1.3",
 *    "tls_cipher": "TLS_AES_128_GCM_SHA256", "server_name": "localhost", "http_version": "2.0"}
 * alpn, tls_version, tls_cipher and server_name are null when there is none
 * (cleartext, no ALPN, no SNI).
 */
#ifndef H2R_APPS_DEMO_WHOAMI_H
#define H2R_APPS_DEMO_WHOAMI_H

#include "h2ring/compat.h"

void h2serve_demo_whoami(h2r_request *req, h2r_response *res);

#endif
