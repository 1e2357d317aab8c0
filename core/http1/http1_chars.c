/*
 * The character class tables of http1_chars.h.
 */
#include "http1_chars.h"

#include "char_table.h"

const uint8_t h2r_http1_token_chars[256] = {H2R_CHAR_TABLE(H2R_CHAR_TCHAR)};

#define VALUE_CHAR(c) ((c) == '\t' || (c) == ' ' || H2R_CHAR_VISIBLE(c))
const uint8_t h2r_http1_value_chars[256] = {H2R_CHAR_TABLE(VALUE_CHAR)};
