/*
 * HTTP/1.1's writing side (RFC 9112 §3, §4, §7.1): response heads, request
 * heads and chunked framing; see http1_parser.h. Everything the
 * application gives is checked before a byte is written, so that no value
 * can end a line of its own.
 */
#include "http1_parser.h"

#include <string.h>

#include "char_table.h"

#include "http1_chars.h"

/* A request-target: visible characters, as the parser takes them (RFC 9112 §3.2). */
static const uint8_t target_chars[256] = {H2R_CHAR_TABLE(H2R_CHAR_VISIBLE)};

const char *h2r_http1_status_reason(unsigned status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "";
    }
}

/* Whether every byte may stand in a field value or a reason phrase. */
static int is_text(const char *s, size_t len)
{
    unsigned ok = 1;
    for (size_t i = 0; i != len; ++i) ok &= h2r_http1_value_chars[(uint8_t)s[i]];
    return ok;
}

static int fields_valid(const h2r_header *fields, size_t count)
{
    for (size_t i = 0; i != count; ++i)
        if (!h2r_http1_is_token(fields[i].name, fields[i].name_len) ||
            !is_text(fields[i].value, fields[i].value_len))
            return 0;
    return 1;
}

/* Appends to a fixed buffer; once something does not fit, nothing more is written. */
struct writer {
    uint8_t *out;
    size_t cap, len;
    int overflow;
};

static void put(struct writer *w, const void *bytes, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = 1;
        return;
    }
    if (n) memcpy(w->out + w->len, bytes, n);
    w->len += n;
}

static void put_fields(struct writer *w, const h2r_header *fields, size_t count)
{
    for (size_t i = 0; i != count; ++i) {
        put(w, fields[i].name, fields[i].name_len);
        put(w, ": ", 2);
        put(w, fields[i].value, fields[i].value_len);
        put(w, "\r\n", 2);
    }
}

static ssize_t written(const struct writer *w)
{
    return w->overflow ? H2R_HTTP1_ERR_BUFFER_TOO_SMALL : (ssize_t)w->len;
}

/* The field lines and the empty line after them. */
static size_t fields_size(const h2r_header *fields, size_t count)
{
    size_t size = 2;
    for (size_t i = 0; i != count; ++i) size += fields[i].name_len + 2 + fields[i].value_len + 2;
    return size;
}

size_t h2r_http1_response_head_size(unsigned status, const char *reason, const h2r_header *headers,
                                    size_t count)
{
    size_t size = sizeof("HTTP/1.1 200 \r\n") - 1 + strlen(reason ? reason : h2r_http1_status_reason(status));
    return size + fields_size(headers, count);
}

ssize_t h2r_http1_write_response_head(uint8_t *out, size_t cap, unsigned status, const char *reason,
                                      const h2r_header *headers, size_t count)
{
    if (!reason) reason = h2r_http1_status_reason(status);
    size_t reason_len = strlen(reason);
    /* RFC 9110 §15: status codes are 100..599; the rest have no meaning a client could rely on. */
    if (status < 100 || status > 599 || !is_text(reason, reason_len) || !fields_valid(headers, count))
        return H2R_HTTP1_ERR_INVALID_RESPONSE;

    char status_line[] = "HTTP/1.1 000 ";
    status_line[9] = (char)('0' + status / 100);
    status_line[10] = (char)('0' + status / 10 % 10);
    status_line[11] = (char)('0' + status % 10);
    struct writer w = {.out = out, .cap = cap};
    put(&w, status_line, sizeof(status_line) - 1);
    put(&w, reason, reason_len);
    put(&w, "\r\n", 2);
    put_fields(&w, headers, count);
    put(&w, "\r\n", 2);
    return written(&w);
}

size_t h2r_http1_write_chunk_header(uint8_t out[H2R_HTTP1_CHUNK_HEADER_MAX], uint64_t size)
{
    static const char hex[] = "0123456789abcdef";
    if (size == 0) return 0;
    size_t digits = 1;
    while (digits < 16 && size >> (4 * digits)) ++digits;
    for (size_t i = 0; i != digits; ++i) out[i] = (uint8_t)hex[size >> (4 * (digits - 1 - i)) & 0xf];
    out[digits] = '\r';
    out[digits + 1] = '\n';
    return digits + 2;
}

ssize_t h2r_http1_write_last_chunk(uint8_t *out, size_t cap, const h2r_header *trailers, size_t count)
{
    if (!fields_valid(trailers, count)) return H2R_HTTP1_ERR_INVALID_RESPONSE;
    struct writer w = {.out = out, .cap = cap};
    put(&w, "0\r\n", 3);
    put_fields(&w, trailers, count);
    put(&w, "\r\n", 2);
    return written(&w);
}

size_t h2r_http1_request_head_size(const h2r_http1_request *req)
{
    size_t line = req->method_len + 1 + req->target_len + sizeof(" HTTP/1.1\r\n") - 1;
    return line + fields_size(req->headers, req->header_count);
}

ssize_t h2r_http1_write_request_head(uint8_t *out, size_t cap, const h2r_http1_request *req)
{
    unsigned target_ok = req->target_len != 0;
    for (size_t i = 0; i != req->target_len; ++i) target_ok &= target_chars[(uint8_t)req->target[i]];
    if (!h2r_http1_is_token(req->method, req->method_len) || !target_ok ||
        !fields_valid(req->headers, req->header_count))
        return H2R_HTTP1_ERR_INVALID_REQUEST;
    struct writer w = {.out = out, .cap = cap};
    put(&w, req->method, req->method_len);
    put(&w, " ", 1);
    put(&w, req->target, req->target_len);
    put(&w, " HTTP/1.1\r\n", 11);
    put_fields(&w, req->headers, req->header_count);
    put(&w, "\r\n", 2);
    return written(&w);
}
