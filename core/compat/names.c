/*
 * Header names regardless of case: lookups (Node's names are
 * case-insensitive) and the lowercasing of names the application sets
 * (HTTP/2 sends lowercase only, RFC 9113 §8.2.1).
 */
#include <string.h>

#include "char_table.h"
#include "compat_internal.h"

const h2r_header *h2r_compat_find(const h2r_header *fields, size_t count, const char *name,
                                  const h2r_header *prev)
{
    if (!fields) return NULL;
    size_t name_len = strlen(name);
    for (const h2r_header *f = prev ? prev + 1 : fields, *end = fields + count; f < end; ++f)
        if (h2r_compat_name_eq(f, name, name_len)) return f;
    return NULL;
}

/*
 * RFC 9110 §5.6.2 tchar, the bytes a field name may have: bit 0 set for
 * each, and 0x20 more for the capitals, which OR-ed in makes them lowercase.
 */
#define TCHAR_LOWERING(c) (H2R_CHAR_IN(c, 'A', 'Z') ? 0x21 : H2R_CHAR_TCHAR(c))
static const unsigned char tchar[256] = {H2R_CHAR_TABLE(TCHAR_LOWERING)};

int h2r_compat_lower_name(char *out, const char *name, size_t len)
{
    /* No branch per byte: names are short, and this runs for every header set. */
    unsigned valid = len != 0;
    for (size_t i = 0; i != len; ++i) {
        unsigned char c = (unsigned char)name[i], t = tchar[c];
        valid &= t;
        out[i] = (char)(c | (t & 0x20));
    }
    out[len] = '\0';
    return valid ? 0 : -1;
}
