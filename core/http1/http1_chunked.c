/*
 * The chunked transfer coding, decoding side (RFC 9112 §7.1): see
 * http1_parser.h. One state per place a byte can be in, so that input may be
 * cut anywhere; a chunk's data is handed out as a slice of the input without
 * looking at its bytes.
 *
 *   chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *
 * Extensions are ignored, so they are only checked for what could make us
 * and another parser see the line end at different places: control
 * characters. Their bytes count against a per-body budget.
 */
#include "http1_parser.h"

#include "http1_chars.h"

enum chunked_state {
    STATE_SIZE_START, /* the first hex digit of a chunk size */
    STATE_SIZE,       /* more hex digits, or what ends them */
    STATE_SIZE_BWS,   /* whitespace after the size, which only a ';' may follow */
    STATE_EXTENSION,  /* after a ';', up to the CR */
    STATE_SIZE_LF,    /* the LF that ends the size line */
    STATE_DATA,       /* chunk data, handed out as it comes */
    STATE_DATA_CR,    /* the CRLF after a chunk's data */
    STATE_DATA_LF,    /* its LF */
    STATE_DONE,       /* the last chunk is read: the trailer section follows */
};

/* 16 hex digits fill 64 bits, one more could overflow. Leading zeros count too: nobody sends 17 of them. */
#define MAX_SIZE_DIGITS 16

void h2r_http1_chunked_init(h2r_http1_chunked *dec, const h2r_http1_limits *limits)
{
    *dec = (h2r_http1_chunked){
        .max_body_size = limits->max_body_size,
        .max_ext_size = limits->max_chunk_ext_size,
        .state = STATE_SIZE_START,
    };
}

int h2r_http1_chunked_done(const h2r_http1_chunked *dec)
{
    return dec->state == STATE_DONE;
}

static int hex_value(uint8_t c)
{
    if ((unsigned)(c - '0') < 10) return c - '0';
    c |= 0x20; /* lowercase, for letters */
    if ((unsigned)(c - 'a') < 6) return c - 'a' + 10;
    return -1;
}

/* Counts n more extension bytes against the body's budget. */
static int spend_extension(h2r_http1_chunked *dec, size_t n)
{
    if (n > dec->max_ext_size - dec->ext_size) return H2R_HTTP1_ERR_CHUNK_EXTENSIONS_TOO_LARGE;
    dec->ext_size += n;
    return 0;
}

/* The size line is complete: the last chunk, or a chunk of data whose size must fit the body's budget. */
static int end_size_line(h2r_http1_chunked *dec)
{
    if (dec->chunk_left == 0) {
        dec->state = STATE_DONE;
        return 0;
    }
    if (dec->chunk_left > dec->max_body_size - dec->body_size) return H2R_HTTP1_ERR_BODY_TOO_LARGE;
    dec->body_size += dec->chunk_left;
    dec->state = STATE_DATA;
    return 0;
}

ssize_t h2r_http1_chunked_decode(h2r_http1_chunked *dec, const uint8_t *in, size_t len, const uint8_t **data,
                                 size_t *data_len)
{
    *data = NULL;
    *data_len = 0;
    if (len == 0) return 0;
    const uint8_t *p = in, *end = in + len;
    while (p != end) {
        int err = 0;
        switch (dec->state) {
        case STATE_SIZE_START:
        case STATE_SIZE: {
            int digit = hex_value(*p);
            if (digit >= 0) {
                if (dec->size_digits == MAX_SIZE_DIGITS) return H2R_HTTP1_ERR_CHUNK_SIZE;
                ++dec->size_digits;
                dec->chunk_left = dec->chunk_left << 4 | (unsigned)digit;
                dec->state = STATE_SIZE;
            } else if (dec->state == STATE_SIZE_START) {
                return H2R_HTTP1_ERR_CHUNK_SIZE;
            } else if (*p == '\r') {
                dec->state = STATE_SIZE_LF;
            } else if (*p == ';') {
                dec->state = STATE_EXTENSION;
                err = spend_extension(dec, 1);
            } else if (h2r_http1_is_ows(*p)) {
                dec->state = STATE_SIZE_BWS;
                err = spend_extension(dec, 1);
            } else {
                return *p == '\n' ? H2R_HTTP1_ERR_LINE_ENDING : H2R_HTTP1_ERR_CHUNK_SIZE;
            }
            ++p;
            break;
        }
        case STATE_SIZE_BWS:
            if (*p == ';')
                dec->state = STATE_EXTENSION;
            else if (!h2r_http1_is_ows(*p))
                return H2R_HTTP1_ERR_CHUNK_EXTENSION;
            err = spend_extension(dec, 1);
            ++p;
            break;
        case STATE_EXTENSION: {
            const uint8_t *start = p;
            while (p != end && h2r_http1_value_chars[*p]) ++p;
            err = spend_extension(dec, (size_t)(p - start));
            if (err || p == end) break;
            if (*p != '\r') return *p == '\n' ? H2R_HTTP1_ERR_LINE_ENDING : H2R_HTTP1_ERR_CHUNK_EXTENSION;
            dec->state = STATE_SIZE_LF;
            ++p;
            break;
        }
        case STATE_SIZE_LF:
            if (*p++ != '\n') return H2R_HTTP1_ERR_LINE_ENDING;
            err = end_size_line(dec);
            break;
        case STATE_DATA: {
            size_t n = (size_t)(end - p) < dec->chunk_left ? (size_t)(end - p) : (size_t)dec->chunk_left;
            *data = p;
            *data_len = n;
            p += n;
            dec->chunk_left -= n;
            if (dec->chunk_left == 0) dec->state = STATE_DATA_CR;
            /* One slice per call: the caller takes it before the next. */
            return p - in;
        }
        case STATE_DATA_CR:
            if (*p++ != '\r') return H2R_HTTP1_ERR_CHUNK_DATA_END;
            dec->state = STATE_DATA_LF;
            break;
        case STATE_DATA_LF:
            if (*p++ != '\n') return H2R_HTTP1_ERR_CHUNK_DATA_END;
            dec->state = STATE_SIZE_START;
            dec->size_digits = 0;
            break;
        case STATE_DONE: return p - in;
        }
        if (err) return err;
    }
    return p - in;
}
