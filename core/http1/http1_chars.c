/*
 * The character class tables of http1_chars.h (the ranges are a GNU C extension).
 */
#include "http1_chars.h"

const uint8_t h2r_http1_token_chars[256] = {
    ['!'] = 1,         ['#' ... '\''] = 1, ['*' ... '+'] = 1, ['-' ... '.'] = 1, ['0' ... '9'] = 1,
    ['A' ... 'Z'] = 1, ['^' ... '`'] = 1,  ['a' ... 'z'] = 1, ['|'] = 1,         ['~'] = 1};

const uint8_t h2r_http1_value_chars[256] = {['\t'] = 1, [' ' ... '~'] = 1, [0x80 ... 0xff] = 1};
