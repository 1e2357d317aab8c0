/*
 * Messages for the HPACK error codes.
 */
#include "h2ring/hpack.h"

const char *h2r_hpack_strerror(int err)
{
    switch (err) {
    case H2R_HPACK_OK: return "success";
    case H2R_HPACK_ERR_TRUNCATED: return "header block ends inside a field representation";
    case H2R_HPACK_ERR_INTEGER_OVERFLOW: return "integer does not fit in 32 bits";
    case H2R_HPACK_ERR_HUFFMAN: return "invalid Huffman-coded string (EOS symbol or bad padding)";
    case H2R_HPACK_ERR_INDEX: return "index 0 or past the end of the header tables";
    case H2R_HPACK_ERR_SIZE_UPDATE_TOO_LARGE:
        return "dynamic table size update above SETTINGS_HEADER_TABLE_SIZE";
    case H2R_HPACK_ERR_SIZE_UPDATE_MISPLACED: return "dynamic table size update after the first header field";
    case H2R_HPACK_ERR_SIZE_UPDATE_MISSING:
        return "header block lacks the dynamic table size update the settings require";
    case H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE: return "header list larger than the max header list size";
    case H2R_HPACK_ERR_NOMEM: return "out of memory";
    case H2R_HPACK_ERR_BUFFER_TOO_SMALL: return "output buffer too small for the header block";
    default: return "unknown HPACK error";
    }
}
