/*
 * HTTP/1.1 response heads and chunked framing, writing side (RFC 9112 §4,
 * §7.1): see http1_parser.h. Everything the application gives is checked
 * before a byte is written, so that no value can end a line of its own.
 */
#include "http1_parser.h"

#include <string.h>

#include "http1_chars.h"

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

size_t h2r_http1_response_head_size(unsigned status, const char *reason, const h2r_header *headers,
                                    size_t count)
{
    size_t size = sizeof("HTTP/1.1 200 \r\n") - 1 + strlen(reason ? reason : h2r_http1_status_reason(status));
    for (size_t i = 0; i != count; ++i) size += headers[i].name_len + 2 + headers[i].value_len + 2;
    return size + 2;
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
