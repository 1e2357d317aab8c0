/*
 * tls: HTTPS with TLS 1.3 or 1.2, speaking HTTP/2 or HTTP/1.1 as the
 * client's ALPN asks (h2 whenever offered; http/1.1, or no ALPN at all), with
 * the request/response API (Node's http2.createSecureServer with allowHTTP1).
 * Every path answers which protocol the handshake chose.
 *
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
 *       -subj /CN=localhost -keyout key.pem -out cert.pem
 *   cc tls.c $(pkg-config --cflags --libs h2ring) -o tls
 *   ./tls --port 8080 cert.pem key.pem &
 *   curl -k https://127.0.0.1:8080/            # Hello over h2
 *   curl -k --http1.1 https://127.0.0.1:8080/  # Hello over http/1.1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <h2ring/h2ring.h>

static void on_request(h2r_request *req, h2r_response *res, void *user_data)
{
    /* The body goes by reference: it must outlive the call, as string literals do. */
    const char *body =
        strcmp(h2r_request_http_version(req), "2.0") == 0 ? "Hello over h2\n" : "Hello over http/1.1\n";
    (void)user_data;

    h2r_response_set_header(res, "content-type", "text/plain");
    h2r_response_end(res, body, strlen(body), NULL, NULL);
}

static h2r_compat_handlers handlers = {.on_request = on_request};

static void on_listening(const char *url, void *user_data)
{
    (void)user_data;
    printf("tls listening on %s\n", url);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    h2r_server_config config;
    h2r_server_config_init(&config);
    int arg = argc > 2 && strcmp(argv[1], "--port") == 0 ? 3 : 1; /* argv[arg]: the certificate */
    if (argc != arg + 2) {
        fprintf(stderr, "usage: tls [--port N] CERT.pem KEY.pem\n");
        return 2;
    }
    config.port = arg == 3 ? (uint16_t)atoi(argv[2]) : 8080;
    /* The certificate chain (leaf first) and its key, read once at start; more for SNI can follow. */
    h2r_tls_certificate certificate = {.cert_file = argv[arg], .key_file = argv[arg + 1]};
    config.tls_certificates = &certificate;
    config.tls_certificate_count = 1;
    config.allow_http1 = 1;
    h2r_compat_callbacks(&config.callbacks);
    config.user_data = &handlers;
    config.on_listening = on_listening;
    return h2r_server_run(&config) == 0 ? 0 : 1;
}
