/*
 * /whoami (see demo_whoami.h).
 */
#include <stdio.h>
#include <string.h>

#include "demo_whoami.h"
#include "h2ring/server.h"
#include "respond.h"

/* Room for the longest field as a JSON string: an SNI name (at most 255 bytes) with every byte escaped. */
#define JSON_FIELD_MAX (2 + 6 * 255 + 1)

/*
 * text as a JSON string, or null, into buf (JSON_FIELD_MAX bytes). Bytes that
 * are not printable ASCII are escaped one by one (\u00XX): a server name
 * comes from the client, and need not be UTF-8.
 */
static const char *json_string(char *buf, const char *text)
{
    if (!text) return "null";
    char *out = buf;
    *out++ = '"';
    /* Room left for one more escape, the closing quote and the NUL. */
    for (const unsigned char *p = (const unsigned char *)text; *p && out + 8 <= buf + JSON_FIELD_MAX; ++p) {
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
            *out++ = (char)*p;
        else
            out += sprintf(out, "\\u%04x", *p);
    }
    *out++ = '"';
    *out = '\0';
    return buf;
}

void h2serve_demo_whoami(h2r_request *req, h2r_response *res)
{
    static const char unknown[] = "the connection is gone\n";
    static const char format[] = "{\"peer_address\": \"%s\", \"peer_port\": %u, \"local_address\": \"%s\", "
                                 "\"local_port\": %u, \"tls\": %s, \"alpn\": %s, \"tls_version\": %s, "
                                 "\"tls_cipher\": %s, \"server_name\": %s, \"http_version\": \"%s\"}\n";
    enum { BODY_MAX = sizeof(format) + 2 * 46 + 2 * 5 + 4 * JSON_FIELD_MAX + 3 };
    h2r_conn_info info;
    if (h2r_session_conn_info(h2r_stream_session(h2r_request_stream(req)), &info) != 0) {
        h2serve_respond(res, 503, "text/plain", unknown, sizeof(unknown) - 1);
        return;
    }
    char alpn[JSON_FIELD_MAX], version[JSON_FIELD_MAX], cipher[JSON_FIELD_MAX], name[JSON_FIELD_MAX];
    char text[BODY_MAX];
    int len = snprintf(text, sizeof(text), format, info.peer_address, info.peer_port, info.local_address,
                       info.local_port, info.tls ? "true" : "false", json_string(alpn, info.alpn),
                       json_string(version, info.tls_version), json_string(cipher, info.tls_cipher),
                       json_string(name, info.server_name), h2r_request_http_version(req));
    /* The body goes with the pair, not the stack: it is sent later. */
    char *body = h2r_request_alloc(req, (size_t)len);
    if (!body) {
        h2serve_respond_no_memory(res);
        return;
    }
    memcpy(body, text, (size_t)len);
    h2serve_respond_owned(res, 200, "application/json", body, (size_t)len);
}
