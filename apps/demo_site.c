/*
 * The demo site (see demo_site.h).
 */
#include <string.h>

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

static void respond_with(h2r_response *res, const struct resource *r)
{
    h2serve_respond(res, 200, r->content_type, r->body, strlen(r->body));
}

void h2serve_demo_handle(h2r_request *req, h2r_response *res)
{
    static const char not_found[] = "not found\n", not_allowed[] = "method not allowed\n";
    size_t path_len, method_len;
    const char *path = h2r_request_url(req, &path_len), *method = h2r_request_method(req, &method_len);
    /* The query is not part of the resource's name (as with --root): /hello?n=1 is /hello. */
    const char *query = memchr(path, '?', path_len);
    const struct resource *r = find(path, query ? (size_t)(query - path) : path_len);
    if (!r) {
        h2serve_respond(res, 404, "text/plain", not_found, sizeof(not_found) - 1);
        return;
    }
    if (!(method_len == 3 && memcmp(method, "GET", 3) == 0) &&
        !(method_len == 4 && memcmp(method, "HEAD", 4) == 0)) {
        h2r_response_set_header(res, "allow", "GET, HEAD");
        h2serve_respond(res, 405, "text/plain", not_allowed, sizeof(not_allowed) - 1);
        return;
    }
    /* Promise first, so the client knows before it sees the references (RFC 9113 §8.4). */
    h2r_response *pushed[2] = {NULL, NULL};
    for (int i = 0; i != 2 && r->pushes[i]; ++i) {
        h2r_header promise = {
            .name = ":path", .name_len = 5, .value = r->pushes[i], .value_len = strlen(r->pushes[i])};
        /* A client that disabled push (or HTTP/1.1) just gets the page: the refusal is not an error. */
        if (h2r_response_create_push_response(res, &promise, 1, &pushed[i]) != 0) pushed[i] = NULL;
    }
    respond_with(res, r);
    for (int i = 0; i != 2; ++i)
        if (pushed[i]) respond_with(pushed[i], find(r->pushes[i], strlen(r->pushes[i])));
}
