/*
 * Node's http2.constants in C: header names (HTTP2_HEADER_* as
 * H2R_HEADER_*), methods (HTTP2_METHOD_* as H2R_METHOD_*), status codes
 * (HTTP_STATUS_* as H2R_STATUS_*), frame types and setting identifiers. The
 * HTTP/2 error codes (NGHTTP2_* codes) are engine.h's enum h2r_error_code.
 * Names and values are Node's own, so that a handler ported from Node finds
 * each under the same name; header names are lowercase, as HTTP/2 sends
 * them, and string literals (sizeof - 1 is their length).
 */
#ifndef H2RING_CONSTANTS_H
#define H2RING_CONSTANTS_H

/* ---- frame types (RFC 9113 §6, ALTSVC RFC 7838, ORIGIN RFC 8336, PRIORITY_UPDATE RFC 9218) ---- */

enum h2r_frame_type {
    H2R_FRAME_DATA = 0x0,
    H2R_FRAME_HEADERS = 0x1,
    H2R_FRAME_PRIORITY = 0x2,
    H2R_FRAME_RST_STREAM = 0x3,
    H2R_FRAME_SETTINGS = 0x4,
    H2R_FRAME_PUSH_PROMISE = 0x5,
    H2R_FRAME_PING = 0x6,
    H2R_FRAME_GOAWAY = 0x7,
    H2R_FRAME_WINDOW_UPDATE = 0x8,
    H2R_FRAME_CONTINUATION = 0x9,
    H2R_FRAME_ALTSVC = 0xa,
    H2R_FRAME_ORIGIN = 0xc,
    H2R_FRAME_PRIORITY_UPDATE = 0x10,
};

/* ---- setting identifiers (RFC 9113 §6.5.2, RFC 8441, RFC 9218): Node's NGHTTP2_SETTINGS_* ---- */

enum h2r_setting_id {
    H2R_SETTINGS_HEADER_TABLE_SIZE = 0x1,
    H2R_SETTINGS_ENABLE_PUSH = 0x2,
    H2R_SETTINGS_MAX_CONCURRENT_STREAMS = 0x3,
    H2R_SETTINGS_INITIAL_WINDOW_SIZE = 0x4,
    H2R_SETTINGS_MAX_FRAME_SIZE = 0x5,
    H2R_SETTINGS_MAX_HEADER_LIST_SIZE = 0x6,
    H2R_SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8,
    H2R_SETTINGS_NO_RFC7540_PRIORITIES = 0x9,
};

/* ---- header names: Node's HTTP2_HEADER_* ---- */

#define H2R_HEADER_STATUS                           ":status"
#define H2R_HEADER_METHOD                           ":method"
#define H2R_HEADER_AUTHORITY                        ":authority"
#define H2R_HEADER_SCHEME                           ":scheme"
#define H2R_HEADER_PATH                             ":path"
#define H2R_HEADER_PROTOCOL                         ":protocol"
#define H2R_HEADER_ACCEPT_ENCODING                  "accept-encoding"
#define H2R_HEADER_ACCEPT_LANGUAGE                  "accept-language"
#define H2R_HEADER_ACCEPT_RANGES                    "accept-ranges"
#define H2R_HEADER_ACCEPT                           "accept"
#define H2R_HEADER_ACCESS_CONTROL_ALLOW_CREDENTIALS "access-control-allow-credentials"
#define H2R_HEADER_ACCESS_CONTROL_ALLOW_HEADERS     "access-control-allow-headers"
#define H2R_HEADER_ACCESS_CONTROL_ALLOW_METHODS     "access-control-allow-methods"
#define H2R_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN      "access-control-allow-origin"
#define H2R_HEADER_ACCESS_CONTROL_EXPOSE_HEADERS    "access-control-expose-headers"
#define H2R_HEADER_ACCESS_CONTROL_REQUEST_HEADERS   "access-control-request-headers"
#define H2R_HEADER_ACCESS_CONTROL_REQUEST_METHOD    "access-control-request-method"
#define H2R_HEADER_AGE                              "age"
#define H2R_HEADER_AUTHORIZATION                    "authorization"
#define H2R_HEADER_CACHE_CONTROL                    "cache-control"
#define H2R_HEADER_CONNECTION                       "connection"
#define H2R_HEADER_CONTENT_DISPOSITION              "content-disposition"
#define H2R_HEADER_CONTENT_ENCODING                 "content-encoding"
#define H2R_HEADER_CONTENT_LENGTH                   "content-length"
#define H2R_HEADER_CONTENT_TYPE                     "content-type"
#define H2R_HEADER_COOKIE                           "cookie"
#define H2R_HEADER_DATE                             "date"
#define H2R_HEADER_ETAG                             "etag"
#define H2R_HEADER_FORWARDED                        "forwarded"
#define H2R_HEADER_HOST                             "host"
#define H2R_HEADER_IF_MODIFIED_SINCE                "if-modified-since"
#define H2R_HEADER_IF_NONE_MATCH                    "if-none-match"
#define H2R_HEADER_IF_RANGE                         "if-range"
#define H2R_HEADER_LAST_MODIFIED                    "last-modified"
#define H2R_HEADER_LINK                             "link"
#define H2R_HEADER_LOCATION                         "location"
#define H2R_HEADER_RANGE                            "range"
#define H2R_HEADER_REFERER                          "referer"
#define H2R_HEADER_SERVER                           "server"
#define H2R_HEADER_SET_COOKIE                       "set-cookie"
#define H2R_HEADER_STRICT_TRANSPORT_SECURITY        "strict-transport-security"
#define H2R_HEADER_TRANSFER_ENCODING                "transfer-encoding"
#define H2R_HEADER_TE                               "te"
#define H2R_HEADER_UPGRADE_INSECURE_REQUESTS        "upgrade-insecure-requests"
#define H2R_HEADER_UPGRADE                          "upgrade"
#define H2R_HEADER_USER_AGENT                       "user-agent"
#define H2R_HEADER_VARY                             "vary"
#define H2R_HEADER_X_CONTENT_TYPE_OPTIONS           "x-content-type-options"
#define H2R_HEADER_X_FRAME_OPTIONS                  "x-frame-options"
#define H2R_HEADER_KEEP_ALIVE                       "keep-alive"
#define H2R_HEADER_PROXY_CONNECTION                 "proxy-connection"
#define H2R_HEADER_X_XSS_PROTECTION                 "x-xss-protection"
#define H2R_HEADER_ALT_SVC                          "alt-svc"
#define H2R_HEADER_CONTENT_SECURITY_POLICY          "content-security-policy"
#define H2R_HEADER_EARLY_DATA                       "early-data"
#define H2R_HEADER_EXPECT_CT                        "expect-ct"
#define H2R_HEADER_ORIGIN                           "origin"
#define H2R_HEADER_PURPOSE                          "purpose"
#define H2R_HEADER_TIMING_ALLOW_ORIGIN              "timing-allow-origin"
#define H2R_HEADER_X_FORWARDED_FOR                  "x-forwarded-for"
#define H2R_HEADER_PRIORITY                         "priority"
#define H2R_HEADER_ACCEPT_CHARSET                   "accept-charset"
#define H2R_HEADER_ACCESS_CONTROL_MAX_AGE           "access-control-max-age"
#define H2R_HEADER_ALLOW                            "allow"
#define H2R_HEADER_CONTENT_LANGUAGE                 "content-language"
#define H2R_HEADER_CONTENT_LOCATION                 "content-location"
#define H2R_HEADER_CONTENT_MD5                      "content-md5"
#define H2R_HEADER_CONTENT_RANGE                    "content-range"
#define H2R_HEADER_DNT                              "dnt"
#define H2R_HEADER_EXPECT                           "expect"
#define H2R_HEADER_EXPIRES                          "expires"
#define H2R_HEADER_FROM                             "from"
#define H2R_HEADER_IF_MATCH                         "if-match"
#define H2R_HEADER_IF_UNMODIFIED_SINCE              "if-unmodified-since"
#define H2R_HEADER_MAX_FORWARDS                     "max-forwards"
#define H2R_HEADER_PREFER                           "prefer"
#define H2R_HEADER_PROXY_AUTHENTICATE               "proxy-authenticate"
#define H2R_HEADER_PROXY_AUTHORIZATION              "proxy-authorization"
#define H2R_HEADER_REFRESH                          "refresh"
#define H2R_HEADER_RETRY_AFTER                      "retry-after"
#define H2R_HEADER_TRAILER                          "trailer"
#define H2R_HEADER_TK                               "tk"
#define H2R_HEADER_VIA                              "via"
#define H2R_HEADER_WARNING                          "warning"
#define H2R_HEADER_WWW_AUTHENTICATE                 "www-authenticate"
#define H2R_HEADER_HTTP2_SETTINGS                   "http2-settings"

/* ---- methods: Node's HTTP2_METHOD_* ---- */

#define H2R_METHOD_ACL               "ACL"
#define H2R_METHOD_BASELINE_CONTROL  "BASELINE-CONTROL"
#define H2R_METHOD_BIND              "BIND"
#define H2R_METHOD_CHECKIN           "CHECKIN"
#define H2R_METHOD_CHECKOUT          "CHECKOUT"
#define H2R_METHOD_CONNECT           "CONNECT"
#define H2R_METHOD_COPY              "COPY"
#define H2R_METHOD_DELETE            "DELETE"
#define H2R_METHOD_GET               "GET"
#define H2R_METHOD_HEAD              "HEAD"
#define H2R_METHOD_LABEL             "LABEL"
#define H2R_METHOD_LINK              "LINK"
#define H2R_METHOD_LOCK              "LOCK"
#define H2R_METHOD_MERGE             "MERGE"
#define H2R_METHOD_MKACTIVITY        "MKACTIVITY"
#define H2R_METHOD_MKCALENDAR        "MKCALENDAR"
#define H2R_METHOD_MKCOL             "MKCOL"
#define H2R_METHOD_MKREDIRECTREF     "MKREDIRECTREF"
#define H2R_METHOD_MKWORKSPACE       "MKWORKSPACE"
#define H2R_METHOD_MOVE              "MOVE"
#define H2R_METHOD_OPTIONS           "OPTIONS"
#define H2R_METHOD_ORDERPATCH        "ORDERPATCH"
#define H2R_METHOD_PATCH             "PATCH"
#define H2R_METHOD_POST              "POST"
#define H2R_METHOD_PRI               "PRI"
#define H2R_METHOD_PROPFIND          "PROPFIND"
#define H2R_METHOD_PROPPATCH         "PROPPATCH"
#define H2R_METHOD_PUT               "PUT"
#define H2R_METHOD_REBIND            "REBIND"
#define H2R_METHOD_REPORT            "REPORT"
#define H2R_METHOD_SEARCH            "SEARCH"
#define H2R_METHOD_TRACE             "TRACE"
#define H2R_METHOD_UNBIND            "UNBIND"
#define H2R_METHOD_UNCHECKOUT        "UNCHECKOUT"
#define H2R_METHOD_UNLINK            "UNLINK"
#define H2R_METHOD_UNLOCK            "UNLOCK"
#define H2R_METHOD_UPDATE            "UPDATE"
#define H2R_METHOD_UPDATEREDIRECTREF "UPDATEREDIRECTREF"
#define H2R_METHOD_VERSION_CONTROL   "VERSION-CONTROL"

/* ---- status codes: Node's HTTP_STATUS_* ---- */

#define H2R_STATUS_CONTINUE                        100
#define H2R_STATUS_SWITCHING_PROTOCOLS             101
#define H2R_STATUS_PROCESSING                      102
#define H2R_STATUS_EARLY_HINTS                     103
#define H2R_STATUS_OK                              200
#define H2R_STATUS_CREATED                         201
#define H2R_STATUS_ACCEPTED                        202
#define H2R_STATUS_NON_AUTHORITATIVE_INFORMATION   203
#define H2R_STATUS_NO_CONTENT                      204
#define H2R_STATUS_RESET_CONTENT                   205
#define H2R_STATUS_PARTIAL_CONTENT                 206
#define H2R_STATUS_MULTI_STATUS                    207
#define H2R_STATUS_ALREADY_REPORTED                208
#define H2R_STATUS_IM_USED                         226
#define H2R_STATUS_MULTIPLE_CHOICES                300
#define H2R_STATUS_MOVED_PERMANENTLY               301
#define H2R_STATUS_FOUND                           302
#define H2R_STATUS_SEE_OTHER                       303
#define H2R_STATUS_NOT_MODIFIED                    304
#define H2R_STATUS_USE_PROXY                       305
#define H2R_STATUS_TEMPORARY_REDIRECT              307
#define H2R_STATUS_PERMANENT_REDIRECT              308
#define H2R_STATUS_BAD_REQUEST                     400
#define H2R_STATUS_UNAUTHORIZED                    401
#define H2R_STATUS_PAYMENT_REQUIRED                402
#define H2R_STATUS_FORBIDDEN                       403
#define H2R_STATUS_NOT_FOUND                       404
#define H2R_STATUS_METHOD_NOT_ALLOWED              405
#define H2R_STATUS_NOT_ACCEPTABLE                  406
#define H2R_STATUS_PROXY_AUTHENTICATION_REQUIRED   407
#define H2R_STATUS_REQUEST_TIMEOUT                 408
#define H2R_STATUS_CONFLICT                        409
#define H2R_STATUS_GONE                            410
#define H2R_STATUS_LENGTH_REQUIRED                 411
#define H2R_STATUS_PRECONDITION_FAILED             412
#define H2R_STATUS_PAYLOAD_TOO_LARGE               413
#define H2R_STATUS_URI_TOO_LONG                    414
#define H2R_STATUS_UNSUPPORTED_MEDIA_TYPE          415
#define H2R_STATUS_RANGE_NOT_SATISFIABLE           416
#define H2R_STATUS_EXPECTATION_FAILED              417
#define H2R_STATUS_TEAPOT                          418
#define H2R_STATUS_MISDIRECTED_REQUEST             421
#define H2R_STATUS_UNPROCESSABLE_ENTITY            422
#define H2R_STATUS_LOCKED                          423
#define H2R_STATUS_FAILED_DEPENDENCY               424
#define H2R_STATUS_TOO_EARLY                       425
#define H2R_STATUS_UPGRADE_REQUIRED                426
#define H2R_STATUS_PRECONDITION_REQUIRED           428
#define H2R_STATUS_TOO_MANY_REQUESTS               429
#define H2R_STATUS_REQUEST_HEADER_FIELDS_TOO_LARGE 431
#define H2R_STATUS_UNAVAILABLE_FOR_LEGAL_REASONS   451
#define H2R_STATUS_INTERNAL_SERVER_ERROR           500
#define H2R_STATUS_NOT_IMPLEMENTED                 501
#define H2R_STATUS_BAD_GATEWAY                     502
#define H2R_STATUS_SERVICE_UNAVAILABLE             503
#define H2R_STATUS_GATEWAY_TIMEOUT                 504
#define H2R_STATUS_HTTP_VERSION_NOT_SUPPORTED      505
#define H2R_STATUS_VARIANT_ALSO_NEGOTIATES         506
#define H2R_STATUS_INSUFFICIENT_STORAGE            507
#define H2R_STATUS_LOOP_DETECTED                   508
#define H2R_STATUS_BANDWIDTH_LIMIT_EXCEEDED        509
#define H2R_STATUS_NOT_EXTENDED                    510
#define H2R_STATUS_NETWORK_AUTHENTICATION_REQUIRED 511

#endif
