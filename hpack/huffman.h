/*
 * The HPACK Huffman code (RFC 7541 §5.2, Appendix B). Internal to hpack/.
 */
#ifndef H2R_HPACK_HUFFMAN_H
#define H2R_HPACK_HUFFMAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** Bytes needed to Huffman-code src (the last byte padded with EOS bits). */
size_t h2r_hpack_huffman_encoded_len(const uint8_t *src, size_t len);

/** Huffman-codes src into dst, which has room for h2r_hpack_huffman_encoded_len() bytes; returns that length.
 */
size_t h2r_hpack_huffman_encode(uint8_t *dst, const uint8_t *src, size_t len);

/** The most bytes len bytes of Huffman code can decode to (the shortest code is 5 bits). */
#define H2R_HPACK_HUFFMAN_DECODED_MAX(len) (((len)*8) / 5 + 1)

/**
 * Decodes len bytes of Huffman code into dst, which has room for
 * H2R_HPACK_HUFFMAN_DECODED_MAX(len) bytes. Returns the decoded length, or
 * H2R_HPACK_ERR_HUFFMAN if the input holds the EOS symbol or its padding is
 * longer than 7 bits or not a prefix of EOS (all ones).
 */
ssize_t h2r_hpack_huffman_decode(uint8_t *dst, const uint8_t *src, size_t len);

#endif
