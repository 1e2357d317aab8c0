/*
 * hello_compat: "Hello, World!" on / with the request/response API (Node's
 * server.on('request', (req, res) => ...)), over HTTP/2 and HTTP/1.1 on one
 * port: h2c with prior knowledge, or HTTP/1.1 when the connection opens with
 * a request line (Node's allowHTTP1).
 *
 *   cc hello_compat.c $(pkg-config --cflags --libs h2ring) -o hello_compat
 *   ./hello_compat --port 8080 &
 *   curl --http1.1 http://127.0.0.1:8080/
 *   curl --http2-prior-knowledge http://127.0.0.1:8080/
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <h2ring/h2ring.h>

static void on_request(h2r_request *req, h2r_response *res, void *user_data)
{
    const char *url = h2r_request_url(req, NULL); /* NUL-terminated; NULL for CONNECT */
    (void)user_data;

    h2r_response_set_header(res, "content-type", "text/plain");
    if (url && strcmp(url, "/") == 0) {
        h2r_response_end(res, "Hello, World!", 13, NULL, NULL); /* status 200, content-length 13 */
    } else {
        h2r_response_set_status(res, 404);
        h2r_response_end(res, "not found\n", 10, NULL, NULL);
    }
}

/* Found by every session as its user_data. */
static h2r_compat_handlers handlers = {.on_request = on_request};

static void on_listening(const char *url, void *user_data)
{
    (void)user_data;
    printf("hello_compat listening on %s\n", url);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    h2r_server_config config;
    h2r_server_config_init(&config);
    if (argc != 1 && !(argc == 3 && strcmp(argv[1], "--port") == 0)) {
        fprintf(stderr, "usage: hello_compat [--port N]\n");
        return 2;
    }
    config.port = argc == 3 ? (uint16_t)atoi(argv[2]) : 8080;
    config.allow_http1 = 1;
    h2r_compat_callbacks(&config.callbacks);
    config.user_data = &handlers;
    config.on_listening = on_listening;
    return h2r_server_run(&config) == 0 ? 0 : 1;
}
