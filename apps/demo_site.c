/*
 * The demo site (see demo_site.h).
 */
#include <string.h>

#include "demo_delay.h"
#include "demo_site.h"
#include "demo_upload.h"
#include "demo_whoami.h"
#include "respond.h"

struct resource {
    const char *path;
    const char *content_type;
    const char *body;
    const char *pushes[2]; /* resources pushed with this one */
    /*
     * The pushes as preload links, for a client that takes no pushes (a 103
     * Early Hints), the body then, and the body when neither can go
     * (HTTP/1.0): NULL for a resource that only pushes.
     */
    const char *preloads[2];
    const char *hinted_body, *plain_body;
};

/* The page says how its stylesheet and script came. */
#define PAGE(how)                                                                                            \
    "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>h2ring</title>\n"                     \
    "<link rel=\"stylesheet\" href=\"/style.css\">\n<script src=\"/app.js\"></script>\n</head>\n"            \
    "<body>\n<h1>h2ring</h1>\n<p>HTTP/2 on io_uring. The stylesheet and script of this page were " how       \
    ".</p>\n"                                                                                                \
    "<p><a href=\"/x\">/x</a> pushes /y and /z; <a href=\"/hello\">/hello</a> says "                         \
    "hello.</p>\n"                                                                                           \
    "<p><a href=\"/delay/1000\">/delay/1000</a> answers a second later; <a href=\"/whoami\">/whoami</a> "    \
    "tells how you came; POST a body to /sha256 for its hash, to /echo to have it back.</p>\n"               \
    "</body>\n</html>\n"

static const struct resource resources[] = {
    {"/",
     "text/html; charset=utf-8",
     PAGE("pushed"),
     {"/style.css", "/app.js"},
     {"</style.css>; rel=preload; as=style", "</app.js>; rel=preload; as=script"},
     PAGE("announced by a 103 Early Hints response, since your client takes no pushes"),
     PAGE("neither pushed nor announced: HTTP/1.0 has no push and no 103")},
    {"/style.css",
     "text/css",
     "body { font-family: sans-serif; margin: 2em; }\n",
     {NULL, NULL},
     {NULL, NULL},
     NULL,
     NULL},
    {"/app.js",
     "text/javascript",
     "console.log('pushed by h2ring');\n",
     {NULL, NULL},
     {NULL, NULL},
     NULL,
     NULL},
    {"/x", "text/plain", "Server X Response", {"/y", "/z"}, {NULL, NULL}, NULL, NULL},
    {"/y", "text/plain", "Server Y Response", {NULL, NULL}, {NULL, NULL}, NULL, NULL},
    {"/z", "text/plain", "Server Z Response", {NULL, NULL}, {NULL, NULL}, NULL, NULL},
    {"/hello", "text/plain", "Hello, World!", {NULL, NULL}, {NULL, NULL}, NULL, NULL},
};

/* Whether the len bytes at bytes (a path, a method: not NUL-terminated) are text. */
static int same(const char *bytes, size_t len, const char *text)
{
    return len == strlen(text) && memcmp(bytes, text, len) == 0;
}

static const struct resource *find(const char *path, size_t len)
{
    for (size_t i = 0; i != sizeof(resources) / sizeof(resources[0]); ++i)
        if (same(path, len, resources[i].path)) return &resources[i];
    return NULL;
}

static void respond_with(h2r_response *res, const struct resource *r, const char *body)
{
    h2serve_respond(res, 200, r->content_type, body, strlen(body));
}

/* What a path may be asked with: its allow header. */
static const char get_or_head[] = "GET, HEAD", post[] = "POST";

/* The endpoints that answer later or from the request's body, each in a file of its own. */
struct endpoint {
    const char *path;
    const char *methods; /* get_or_head or post */
    void (*handle)(h2r_request *req, h2r_response *res);
};

static const struct endpoint endpoints[] = {
    {"/whoami", get_or_head, h2serve_demo_whoami},
    {"/sha256", post, h2serve_demo_sha256},
    {"/echo", post, h2serve_demo_echo},
};

/* Whether req's method is one of methods; if not, answers 405 with them. */
static int allowed(h2r_request *req, h2r_response *res, const char *methods)
{
    static const char not_allowed[] = "method not allowed\n";
    size_t len;
    const char *method = h2r_request_method(req, &len);
    if (methods == post ? same(method, len, "POST") : same(method, len, "GET") || same(method, len, "HEAD"))
        return 1;
    h2r_response_set_header(res, "allow", methods);
    h2serve_respond(res, 405, "text/plain", not_allowed, sizeof(not_allowed) - 1);
    return 0;
}

void h2serve_demo_init(void)
{
    h2serve_demo_upload_init();
}

void h2serve_demo_handle(h2r_request *req, h2r_response *res)
{
    static const char not_found[] = "not found\n", delay[] = "/delay/";
    size_t path_len;
    const char *path = h2r_request_url(req, &path_len);
    /* The query is not part of the resource's name (as with --root): /hello?n=1 is /hello. */
    const char *query = memchr(path, '?', path_len);
    size_t name_len = query ? (size_t)(query - path) : path_len;
    if (name_len >= sizeof(delay) - 1 && memcmp(path, delay, sizeof(delay) - 1) == 0) {
        if (allowed(req, res, get_or_head))
            h2serve_demo_delay(req, res, path + sizeof(delay) - 1, name_len - (sizeof(delay) - 1));
        return;
    }
    for (size_t i = 0; i != sizeof(endpoints) / sizeof(endpoints[0]); ++i)
        if (same(path, name_len, endpoints[i].path)) {
            if (allowed(req, res, endpoints[i].methods)) endpoints[i].handle(req, res);
            return;
        }
    const struct resource *r = find(path, name_len);
    if (!r) {
        h2serve_respond(res, 404, "text/plain", not_found, sizeof(not_found) - 1);
        return;
    }
    if (!allowed(req, res, get_or_head)) return;
    /*
     * A client that takes no pushes (browsers, HTTP/1.1) hears of the page's
     * resources from a 103 carrying its preload links, which the final head
     * repeats; the others get them pushed. An HTTP/1.0 client gets neither.
     */
    for (int i = 0; i != 2 && r->preloads[i]; ++i) h2r_response_append_header(res, "link", r->preloads[i]);
    if (r->preloads[0] && h2r_response_write_preload_hints(res) == 1) {
        respond_with(res, r, r->hinted_body);
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
    respond_with(res, r, r->preloads[0] && !pushed[0] ? r->plain_body : r->body);
    for (int i = 0; i != 2; ++i) {
        const struct resource *promised = pushed[i] ? find(r->pushes[i], strlen(r->pushes[i])) : NULL;
        if (promised) respond_with(pushed[i], promised, promised->body);
    }
}
