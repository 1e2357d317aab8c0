/*
 * Growable arrays: see array.h.
 */
#include "array.h"

#include <stdint.h>
#include <stdlib.h>

int h2r_array_grow(void **items, size_t *cap, size_t need, size_t item_size, size_t min_cap)
{
    size_t grown_cap = *cap > SIZE_MAX / 2 ? need : *cap * 2;
    if (grown_cap < need) grown_cap = need;
    if (grown_cap < min_cap) grown_cap = min_cap;
    if (grown_cap > SIZE_MAX / item_size) return -1;
    void *grown = realloc(*items, grown_cap * item_size);
    if (!grown) return -1;
    *items = grown;
    *cap = grown_cap;
    return 0;
}
