/*
 * HPACK integer representation (RFC 7541 §5.1). Internal to hpack/.
 */
#ifndef H2R_HPACK_INTEGER_H
#define H2R_HPACK_INTEGER_H

#include <stdint.h>

#include "h2ring/hpack.h"

/* The most bytes the encoder writes for an integer (a size_t): the prefix byte and ten more. */
#define H2R_HPACK_INTEGER_MAX_LEN 11

/*
 * Decodes an integer whose first byte is *p, with an N-bit prefix. Values
 * must fit in 32 bits: nothing in HTTP/2 needs more, and refusing the rest
 * is what keeps "0x80 0x80 0x80 ..." from running forever or overflowing.
 */
static inline int h2r_hpack_decode_integer(const uint8_t **p, const uint8_t *end, unsigned prefix_bits,
                                           uint32_t *out)
{
    const uint32_t prefix_max = (1u << prefix_bits) - 1;
    uint32_t value = **p & prefix_max;
    ++*p;
    if (value < prefix_max) {
        *out = value;
        return 0;
    }
    uint64_t acc = value;
    for (unsigned shift = 0; shift <= 28; shift += 7) {
        if (*p == end) return H2R_HPACK_ERR_TRUNCATED;
        uint8_t b = *(*p)++;
        acc += (uint64_t)(b & 0x7f) << shift;
        if (acc > UINT32_MAX) return H2R_HPACK_ERR_INTEGER_OVERFLOW;
        if (!(b & 0x80)) {
            *out = (uint32_t)acc;
            return 0;
        }
    }
    return H2R_HPACK_ERR_INTEGER_OVERFLOW;
}

/* Writes value with an N-bit prefix; first_bits are the representation's pattern bits above the prefix. */
static inline uint8_t *h2r_hpack_encode_integer(uint8_t *dst, uint8_t first_bits, unsigned prefix_bits,
                                                size_t value)
{
    const size_t prefix_max = (1u << prefix_bits) - 1;
    if (value < prefix_max) {
        *dst++ = first_bits | (uint8_t)value;
        return dst;
    }
    *dst++ = first_bits | (uint8_t)prefix_max;
    value -= prefix_max;
    while (value >= 0x80) {
        *dst++ = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    *dst++ = (uint8_t)value;
    return dst;
}

#endif
