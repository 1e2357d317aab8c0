/*
 * push: the push example of HTTP/2's introductions: GET /x is answered with
 * "Server X Response", and /y and /z are pushed with it, as Node does it:
 *
 *   const push1 = response.push('/y'); push1.end('Server Y Response');
 *   const push2 = response.push('/z'); push2.end('Server Z Response');
 *   response.end('Server X Response');
 *
 *   cc push.c $(pkg-config --cflags --libs h2ring) -o push
 *   ./push --port 8080 &
 *   nghttp -nv http://127.0.0.1:8080/x   # PUSH_PROMISE /y and /z, then the three responses
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <h2ring/h2ring.h>

/* Promises path (GET, with the request's scheme and authority) and answers it with body. */
static void push(h2r_response *res, const char *path, const char *body)
{
    h2r_header promise = {.name = ":path", .name_len = 5, .value = path, .value_len = strlen(path)};
    h2r_response *pushed;
    /* Refused when the client disabled push: it then asks for /y and /z itself if it wants them. */
    if (h2r_response_create_push_response(res, &promise, 1, &pushed) == 0)
        h2r_response_end(pushed, body, strlen(body), NULL, NULL);
}

static void on_request(h2r_request *req, h2r_response *res, void *user_data)
{
    const char *url = h2r_request_url(req, NULL);
    (void)user_data;

    if (!url || strcmp(url, "/x") != 0) {
        h2r_response_set_status(res, 404);
        h2r_response_end(res, NULL, 0, NULL, NULL);
        return;
    }
    push(res, "/y", "Server Y Response");
    push(res, "/z", "Server Z Response");
    h2r_response_end(res, "Server X Response", 17, NULL, NULL);
}

static h2r_compat_handlers handlers = {.on_request = on_request};

static void on_listening(const char *url, void *user_data)
{
    (void)user_data;
    printf("push listening on %s\n", url);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    h2r_server_config config;
    h2r_server_config_init(&config);
    if (argc != 1 && !(argc == 3 && strcmp(argv[1], "--port") == 0)) {
        fprintf(stderr, "usage: push [--port N]\n");
        return 2;
    }
    config.port = argc == 3 ? (uint16_t)atoi(argv[2]) : 8080;
    h2r_compat_callbacks(&config.callbacks);
    config.user_data = &handlers;
    config.on_listening = on_listening;
    return h2r_server_run(&config) == 0 ? 0 : 1;
}
