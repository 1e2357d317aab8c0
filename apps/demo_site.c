/*
 * The demo site (see demo_site.h).
 */
#include <string.h>

#include "access_log.h"
#include "demo_site.h"
#include "respond.h"

struct resource {
    const char *path;
    const char *content_type;
    const char *body;
    const char *pushes[2]; /* resources pushed with this one */
};

static const struct resource resources[] = {
    {"/",
     "text/html; charset=utf-8",
     "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>h2ring</title>\n"
     "<link rel=\"stylesheet\" href=\"/style.css\">\n<script src=\"/app.js\"></script>\n</head>\n"
     "<body>\n<h1>h2ring</h1>\n<p>HTTP/2 on io_uring. The stylesheet and script of this page were "
     "pushed.</p>\n"
     "<p><a href=\"/x\">/x</a> pushes /y and /z; <a href=\"/hello\">/hello</a> says "
     "hello.</p>\n</body>\n</html>\n",
     {"/style.css", "/app.js"}},
    {"/style.css", "text/css", "body { font-family: sans-serif; margin: 2em; }\n", {NULL, NULL}},
    {"/app.js", "text/javascript", "console.log('pushed by h2ring');\n", {NULL, NULL}},
    {"/x", "text/plain", "Server X Response", {"/y", "/z"}},
    {"/y", "text/plain", "Server Y Response", {NULL, NULL}},
    {"/z", "text/plain", "Server Z Response", {NULL, NULL}},
    {"/hello", "text/plain", "Hello, World!", {NULL, NULL}},
};

static const struct resource *find(const char *path, size_t len)
{
    for (size_t i = 0; i != sizeof(resources) / sizeof(resources[0]); ++i)
        if (strlen(resources[i].path) == len && memcmp(resources[i].path, path, len) == 0)
            return &resources[i];
    return NULL;
}

static void respond_with(h2r_stream *stream, const struct resource *r)
{
    h2serve_respond(stream, 200, r->content_type, r->body, strlen(r->body), NULL, NULL, NULL, 0);
}

void h2serve_demo_handle(h2r_stream *stream, const char *path, size_t path_len, int is_get_or_head)
{
    static const char not_found[] = "not found\n", not_allowed[] = "method not allowed\n";
    /* The query is not part of the resource's name (as with --root): /hello?n=1 is /hello. */
    const char *query = memchr(path, '?', path_len);
    const struct resource *r = find(path, query ? (size_t)(query - path) : path_len);
    if (!r) {
        h2serve_respond(stream, 404, "text/plain", not_found, sizeof(not_found) - 1, NULL, NULL, NULL, 0);
        return;
    }
    if (!is_get_or_head) {
        static const h2r_header allow = {
            .name = "allow", .name_len = 5, .value = "GET, HEAD", .value_len = 9};
        h2serve_respond(stream, 405, "text/plain", not_allowed, sizeof(not_allowed) - 1, NULL, NULL, &allow,
                        1);
        return;
    }
    /* Promise first, so the client knows before it sees the references (RFC 9113 §8.4). */
    h2r_stream *pushed[2] = {NULL, NULL};
    for (int i = 0; i != 2 && r->pushes[i]; ++i) {
        h2r_header promise = {
            .name = ":path", .name_len = 5, .value = r->pushes[i], .value_len = strlen(r->pushes[i])};
        /* A client that disabled push just gets the page: the refusal is not an error. */
        if (h2r_stream_push(stream, &promise, 1, &pushed[i]) != 0) pushed[i] = NULL;
        if (pushed[i]) h2serve_access_log_request(pushed[i], &promise, 1);
    }
    respond_with(stream, r);
    for (int i = 0; i != 2; ++i)
        if (pushed[i]) respond_with(pushed[i], find(r->pushes[i], strlen(r->pushes[i])));
}
