/*
 * The generator of the randomized tests: Marsaglia's xorshift32 from a
 * fixed seed, so that every run checks the same cases.
 */
#ifndef H2R_TESTS_APPS_XORSHIFT_H
#define H2R_TESTS_APPS_XORSHIFT_H

#include <stdint.h>

static uint32_t xorshift_state = 2463534242u;

static inline uint32_t xorshift32(void)
{
    xorshift_state ^= xorshift_state << 13;
    xorshift_state ^= xorshift_state >> 17;
    xorshift_state ^= xorshift_state << 5;
    return xorshift_state;
}

#endif
