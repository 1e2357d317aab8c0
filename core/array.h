/*
 * Growable arrays: the one growth policy of the arrays core/ fills as it
 * goes (header fields, a header block put together from CONTINUATION
 * frames, in-flight chunks, HTTP/1 input kept between feeds).
 */
#ifndef H2R_CORE_ARRAY_H
#define H2R_CORE_ARRAY_H

#include <stddef.h>

/* h2r_array_reserve when the array must grow. */
int h2r_array_grow(void **items, size_t *cap, size_t need, size_t item_size, size_t min_cap);

/*
 * Makes room for need items of item_size bytes in *items, which has room
 * for *cap. It grows to the largest of need, twice *cap and min_cap: filled
 * an item at a time it costs amortised O(1), and a first size known in
 * advance is taken as it is. Returns 0, or -1 when out of memory (*items
 * and *cap unchanged). Inline: most calls find the room there already.
 */
static inline int h2r_array_reserve(void **items, size_t *cap, size_t need, size_t item_size, size_t min_cap)
{
    return need <= *cap ? 0 : h2r_array_grow(items, cap, need, item_size, min_cap);
}

#endif
