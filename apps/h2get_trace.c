/*
 * h2get -v: on stderr, each HTTP/2 frame sent and received, one line each,
 * after nghttp -v's words, and the header sections decoded beneath their
 * frames; for HTTP/1.1, the request and response heads.
 */
#include <stdio.h>
#include <string.h>

#include "h2get.h"

void h2get_trace_frame(h2r_session *session, int direction, uint8_t type, uint8_t flags, uint32_t stream_id,
                       uint32_t length)
{
    (void)session;
    fprintf(stderr, "%s %s frame <length=%u, flags=0x%02x, stream_id=%u>\n",
            direction == H2R_FRAME_SENT ? "send" : "recv", h2r_frame_type_name(type), length, flags,
            stream_id);
}

static void print_value(const h2r_header *field, const char *missing)
{
    if (field)
        fwrite(field->value, 1, field->value_len, stderr);
    else
        fputs(missing, stderr);
}

void h2get_trace_headers(int sent, int http1, const h2r_header *headers, size_t count)
{
    const char *prefix = http1 ? (sent ? "> " : "< ") : "          ";
    if (http1 && sent) {
        /* The request line the session writes from the pseudo-headers (GET and / when not given). */
        fputs(prefix, stderr);
        print_value(h2get_field(headers, count, ":method"), "GET");
        fputc(' ', stderr);
        print_value(h2get_field(headers, count, ":path"), "/");
        fputs(" HTTP/1.1\n", stderr);
    } else if (http1) {
        fputs("< HTTP/1.1 ", stderr);
        print_value(h2get_field(headers, count, ":status"), "");
        fputc('\n', stderr);
    }
    for (size_t i = 0; i != count; ++i) {
        if (http1 && headers[i].name_len && headers[i].name[0] == ':') continue;
        fprintf(stderr, "%s%.*s: %.*s\n", prefix, (int)headers[i].name_len, headers[i].name,
                (int)headers[i].value_len, headers[i].value);
    }
}
