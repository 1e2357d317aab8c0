/*
 * Statuses and messages for the H2R_HTTP1_ERR_* codes.
 */
#include "http1_parser.h"

int h2r_http1_error_status(int err)
{
    switch (err) {
    case H2R_HTTP1_ERR_METHOD_TOO_LONG:
    case H2R_HTTP1_ERR_TE_UNSUPPORTED: return 501;
    case H2R_HTTP1_ERR_URI_TOO_LONG: return 414;
    case H2R_HTTP1_ERR_VERSION_UNSUPPORTED: return 505;
    case H2R_HTTP1_ERR_TOO_MANY_FIELDS:
    case H2R_HTTP1_ERR_HEAD_TOO_LARGE:
    case H2R_HTTP1_ERR_TRAILER_TOO_LARGE: return 431;
    case H2R_HTTP1_ERR_CHUNK_EXTENSIONS_TOO_LARGE:
    case H2R_HTTP1_ERR_BODY_TOO_LARGE: return 413;
    case H2R_HTTP1_ERR_INVALID_RESPONSE:
    case H2R_HTTP1_ERR_BUFFER_TOO_SMALL:
    case H2R_HTTP1_ERR_INVALID_REQUEST: return 500;
    default: return 400;
    }
}

const char *h2r_http1_strerror(int err)
{
    switch (err) {
    case H2R_HTTP1_ERR_EMPTY_LINES: return "too many empty lines before the request line";
    case H2R_HTTP1_ERR_METHOD: return "invalid method";
    case H2R_HTTP1_ERR_METHOD_TOO_LONG: return "method too long";
    case H2R_HTTP1_ERR_REQUEST_LINE:
        return "malformed request line (method, target and version need exactly one space between them)";
    case H2R_HTTP1_ERR_TARGET: return "invalid request target, or a form of it the method does not take";
    case H2R_HTTP1_ERR_URI_TOO_LONG: return "request line too long";
    case H2R_HTTP1_ERR_VERSION: return "malformed HTTP version";
    case H2R_HTTP1_ERR_VERSION_UNSUPPORTED: return "HTTP version not supported (HTTP/1.0 and HTTP/1.1 are)";
    case H2R_HTTP1_ERR_LINE_ENDING: return "line not ended by CRLF (bare CR or bare LF)";
    case H2R_HTTP1_ERR_OBS_FOLD: return "field line starting with whitespace (obs-fold)";
    case H2R_HTTP1_ERR_FIELD_NAME: return "invalid field name, or a field line without a colon";
    case H2R_HTTP1_ERR_SPACE_BEFORE_COLON: return "whitespace between a field name and its colon";
    case H2R_HTTP1_ERR_FIELD_VALUE: return "control character in a field value";
    case H2R_HTTP1_ERR_TOO_MANY_FIELDS: return "too many header fields";
    case H2R_HTTP1_ERR_HEAD_TOO_LARGE: return "head too large";
    case H2R_HTTP1_ERR_CONTENT_LENGTH: return "invalid Content-Length, or several that differ";
    case H2R_HTTP1_ERR_TE_WITH_CONTENT_LENGTH: return "both Transfer-Encoding and Content-Length";
    case H2R_HTTP1_ERR_TE_IN_HTTP10: return "Transfer-Encoding in an HTTP/1.0 request";
    case H2R_HTTP1_ERR_TRANSFER_ENCODING:
        return "invalid Transfer-Encoding (chunked must be the final coding, and appear once)";
    case H2R_HTTP1_ERR_TE_UNSUPPORTED: return "transfer coding not supported (only chunked is)";
    case H2R_HTTP1_ERR_MISSING_HOST: return "HTTP/1.1 request without Host";
    case H2R_HTTP1_ERR_DUPLICATE_HOST: return "more than one Host";
    case H2R_HTTP1_ERR_INVALID_HOST: return "invalid Host";
    case H2R_HTTP1_ERR_CHUNK_SIZE: return "invalid chunk size";
    case H2R_HTTP1_ERR_CHUNK_EXTENSION: return "invalid chunk extension";
    case H2R_HTTP1_ERR_CHUNK_EXTENSIONS_TOO_LARGE: return "too many chunk extension bytes";
    case H2R_HTTP1_ERR_CHUNK_DATA_END: return "chunk data not followed by CRLF";
    case H2R_HTTP1_ERR_TRAILER_TOO_LARGE: return "trailer section too large";
    case H2R_HTTP1_ERR_BODY_TOO_LARGE: return "body too large";
    case H2R_HTTP1_ERR_INVALID_RESPONSE: return "response with an invalid status, reason or field";
    case H2R_HTTP1_ERR_BUFFER_TOO_SMALL: return "output buffer too small";
    case H2R_HTTP1_ERR_STATUS_LINE: return "malformed status line, or a status outside 100..599";
    case H2R_HTTP1_ERR_INVALID_REQUEST: return "request with an invalid method, target or field";
    default: return "unknown HTTP/1 error";
    }
}
