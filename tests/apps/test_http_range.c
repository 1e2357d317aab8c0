/*
 * Range and Content-Range (apps/http_range.c): the examples of RFC 9110
 * §14.1.2 and §14.4, the edges of the grammar and of 64-bit numbers, the
 * cap on list elements, and random range sets against a byte-map model.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "xorshift.h"
#include "http_range.h"

#define NONE          H2SERVE_RANGE_NONE
#define SINGLE        H2SERVE_RANGE_SINGLE
#define MULTIPLE      H2SERVE_RANGE_MULTIPLE
#define UNSATISFIABLE H2SERVE_RANGE_UNSATISFIABLE

#define U64_MAX_TEXT "18446744073709551615"

struct range_case {
    const char *value;
    uint64_t size;
    enum h2serve_range_result result;
    uint64_t offset, length; /* for SINGLE */
};

static const char *result_name(enum h2serve_range_result r)
{
    switch (r) {
    case NONE: return "NONE";
    case SINGLE: return "SINGLE";
    case MULTIPLE: return "MULTIPLE";
    case UNSATISFIABLE: return "UNSATISFIABLE";
    }
    return "?";
}

/* Checks one value; offset and length must be left alone unless the result is SINGLE. */
static void check_range(const char *value, size_t len, uint64_t size, enum h2serve_range_result want,
                        uint64_t want_offset, uint64_t want_length)
{
    const uint64_t untouched = 0xdeadbeef;
    uint64_t offset = untouched, length = untouched;
    enum h2serve_range_result got = h2serve_range_parse(value, len, size, &offset, &length);
    if (want != SINGLE) want_offset = want_length = untouched;
    CHECK_MSG(got == want && offset == want_offset && length == want_length,
              "\"%.*s\" of %" PRIu64 " bytes: %s %" PRIu64 "+%" PRIu64 " (want %s %" PRIu64 "+%" PRIu64 ")",
              value ? (int)(len > 80 ? 80 : len) : 4, value ? value : "NULL", size, result_name(got), offset,
              length, result_name(want), want_offset, want_length);
}

static void check_cases(const struct range_case *cases, size_t count)
{
    for (size_t i = 0; i != count; ++i)
        check_range(cases[i].value, strlen(cases[i].value), cases[i].size, cases[i].result, cases[i].offset,
                    cases[i].length);
}

/* RFC 9110 §14.1.2's examples, for a representation of 10000 bytes. */
static void test_rfc_examples(void)
{
    static const struct range_case cases[] = {
        {"bytes=0-499", 10000, SINGLE, 0, 500},     /* the first 500 bytes */
        {"bytes=500-999", 10000, SINGLE, 500, 500}, /* the second 500 bytes */
        {"bytes=-500", 10000, SINGLE, 9500, 500},   /* the final 500 bytes */
        {"bytes=9500-", 10000, SINGLE, 9500, 500},
        {"bytes=0-0,-1", 10000, MULTIPLE, 0, 0}, /* the first and last bytes only */
        /* other valid (but not canonical) specifications of the second 500 bytes, coalesced */
        {"bytes=500-600,601-999", 10000, SINGLE, 500, 500},
        {"bytes=500-700,601-999", 10000, SINGLE, 500, 500},
        /* three ranges with gaps between them */
        {"bytes=0-999, 4500-5499, -1000", 10000, MULTIPLE, 0, 0},
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_single_ranges(void)
{
    static const struct range_case cases[] = {
        {"bytes=0-", 10000, SINGLE, 0, 10000},
        {"bytes=0-0", 10000, SINGLE, 0, 1},
        {"bytes=9999-", 10000, SINGLE, 9999, 1},
        {"bytes=9999-9999", 10000, SINGLE, 9999, 1},
        {"bytes=5-5", 10000, SINGLE, 5, 1},
        {"bytes=0-9999", 10000, SINGLE, 0, 10000},
        /* a last-pos at or past the end means the end */
        {"bytes=0-10000", 10000, SINGLE, 0, 10000},
        {"bytes=100-20000", 10000, SINGLE, 100, 9900},
        /* a suffix longer than the representation is all of it */
        {"bytes=-10000", 10000, SINGLE, 0, 10000},
        {"bytes=-20000", 10000, SINGLE, 0, 10000},
        {"bytes=-1", 10000, SINGLE, 9999, 1},
        /* leading zeros are just digits */
        {"bytes=000500-000999", 10000, SINGLE, 500, 500},
        {"bytes=00-0", 10000, SINGLE, 0, 1},
        {"bytes=-0001", 10000, SINGLE, 9999, 1},
        /* the unit is case-insensitive (§14.1) */
        {"Bytes=0-1", 10000, SINGLE, 0, 2},
        {"BYTES=0-1", 10000, SINGLE, 0, 2},
        {"bYtEs=0-1", 10000, SINGLE, 0, 2},
        /* a one-byte representation */
        {"bytes=0-0", 1, SINGLE, 0, 1},
        {"bytes=0-", 1, SINGLE, 0, 1},
        {"bytes=-1", 1, SINGLE, 0, 1},
        {"bytes=-5", 1, SINGLE, 0, 1},
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_unsatisfiable(void)
{
    static const struct range_case cases[] = {
        {"bytes=10000-", 10000, UNSATISFIABLE, 0, 0},
        {"bytes=10000-10001", 10000, UNSATISFIABLE, 0, 0},
        {"bytes=20000-30000", 10000, UNSATISFIABLE, 0, 0},
        {"bytes=-0", 10000, UNSATISFIABLE, 0, 0}, /* a zero suffix-length selects nothing */
        {"bytes=-000", 10000, UNSATISFIABLE, 0, 0},
        {"bytes=20000-,30000-", 10000, UNSATISFIABLE, 0, 0},
        {"bytes=-0,-0", 10000, UNSATISFIABLE, 0, 0},
        {"bytes=1-", 1, UNSATISFIABLE, 0, 0},
        /* unsatisfiable ranges among satisfiable ones are dropped (§15.3.7) */
        {"bytes=20000-,0-0", 10000, SINGLE, 0, 1},
        {"bytes=-0,9000-", 10000, SINGLE, 9000, 1000},
        {"bytes=0-0,10000-,2-2", 10000, MULTIPLE, 0, 0},
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A zero-length representation: §14.2 lets the server ignore Range, and it does, whatever the range. */
static void test_empty_representation(void)
{
    static const struct range_case cases[] = {
        {"bytes=0-", 0, NONE, 0, 0}, {"bytes=0-0", 0, NONE, 0, 0}, {"bytes=-1", 0, NONE, 0, 0},
        {"bytes=-0", 0, NONE, 0, 0}, {"bytes=5-", 0, NONE, 0, 0},  {"bytes=5-2", 0, NONE, 0, 0},
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Ranges that coalesce into one span are one range, whatever their order (§14.2). */
static void test_coalescing(void)
{
    static const struct range_case cases[] = {
        {"bytes=0-1,2-3", 10000, SINGLE, 0, 4}, /* adjacent */
        {"bytes=2-3,0-1", 10000, SINGLE, 0, 4}, /* in any order */
        {"bytes=0-4,2-3", 10000, SINGLE, 0, 5}, /* contained */
        {"bytes=0-4,0-4", 10000, SINGLE, 0, 5}, /* repeated */
        {"bytes=9000-,-500", 10000, SINGLE, 9000, 1000},
        {"bytes=-500,9000-9499", 10000, SINGLE, 9000, 1000},
        {"bytes=0-,-1", 10000, SINGLE, 0, 10000},
        {"bytes=4-5,0-1,2-3", 10000, SINGLE, 0, 6},
        {"bytes=0-1,3-4", 10000, MULTIPLE, 0, 0}, /* a gap of one byte */
        {"bytes=3-4,0-1", 10000, MULTIPLE, 0, 0},
        {"bytes=0-1,4-5,2-2", 10000, MULTIPLE, 0, 0}, /* 3 is missing */
        {"bytes=0-1,4-5,2-3", 10000, SINGLE, 0, 6},
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Numbers past 2^64 are read exactly: a first-pos beyond it is unsatisfiable, a last-pos or suffix means the
 * end. */
static void test_large_numbers(void)
{
    static const struct range_case cases[] = {
        {"bytes=999999999999999999999999999999-", 10000, UNSATISFIABLE, 0, 0},
        {"bytes=0-999999999999999999999999999999", 10000, SINGLE, 0, 10000},
        {"bytes=-999999999999999999999999999999", 10000, SINGLE, 0, 10000},
        {"bytes=9000-18446744073709551616", 10000, SINGLE, 9000, 1000},
        /* last-pos < first-pos is invalid even where both are past 64 bits */
        {"bytes=18446744073709551616-" U64_MAX_TEXT, 10000, NONE, 0, 0},
        {"bytes=99999999999999999999999999999-99999999999999999999999999998", 10000, NONE, 0, 0},
        {"bytes=" U64_MAX_TEXT "-18446744073709551616", 10000, UNSATISFIABLE, 0, 0},
        {"bytes=99999999999999999999999999999-099999999999999999999999999999", 10000, UNSATISFIABLE, 0, 0},
        /* the largest representation */
        {"bytes=0-", UINT64_MAX, SINGLE, 0, UINT64_MAX},
        {"bytes=18446744073709551614-", UINT64_MAX, SINGLE, UINT64_MAX - 1, 1},
        {"bytes=" U64_MAX_TEXT "-", UINT64_MAX, UNSATISFIABLE, 0, 0},
        {"bytes=-" U64_MAX_TEXT, UINT64_MAX, SINGLE, 0, UINT64_MAX},
        {"bytes=-99999999999999999999", UINT64_MAX, SINGLE, 0, UINT64_MAX},
        {"bytes=1-" U64_MAX_TEXT, UINT64_MAX, SINGLE, 1, UINT64_MAX - 1},
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* OWS goes around commas only (§5.6.1), and empty elements are tolerated. */
static void test_whitespace_and_lists(void)
{
    static const struct range_case cases[] = {
        {"bytes=0-0 , -1", 10000, MULTIPLE, 0, 0},
        {"bytes=500-600 ,\t601-999", 10000, SINGLE, 500, 500},
        {"bytes=500-600\t \t,  601-999", 10000, SINGLE, 500, 500},
        {"bytes=,0-1", 10000, SINGLE, 0, 2},
        {"bytes=,,0-1,,", 10000, SINGLE, 0, 2},
        {"bytes=0-1, ,2-3", 10000, SINGLE, 0, 4},
        {"bytes= ,0-1", 10000, SINGLE, 0, 2}, /* an empty first element, then OWS "," */
        {"bytes= 0-1", 10000, NONE, 0, 0},
        {"bytes =0-1", 10000, NONE, 0, 0},
        {"bytes=0 -1", 10000, NONE, 0, 0},
        {"bytes=0- 1", 10000, NONE, 0, 0},
        {"bytes=- 1", 10000, NONE, 0, 0},
        {"bytes=0-1 2-3", 10000, NONE, 0, 0},
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Anything else is ignored as a whole: 200 with the whole representation. */
static void test_invalid(void)
{
    static const struct range_case cases[] = {
        {"", 10000, NONE, 0, 0},
        {"bytes", 10000, NONE, 0, 0},
        {"bytes=", 10000, NONE, 0, 0}, /* range-set needs one range-spec */
        {"bytes=,", 10000, NONE, 0, 0},
        {"bytes=, ,", 10000, NONE, 0, 0},
        {"items=0-1", 10000, NONE, 0, 0}, /* another unit */
        {"none", 10000, NONE, 0, 0},
        {"bytesx=0-1", 10000, NONE, 0, 0},
        {"bytes:0-1", 10000, NONE, 0, 0},
        {"byte=0-1", 10000, NONE, 0, 0},
        {"bytes=5-2", 10000, NONE, 0, 0}, /* last-pos < first-pos */
        {"bytes=10-9", 10000, NONE, 0, 0},
        {"bytes=0010-9", 10000, NONE, 0, 0},
        {"bytes=20000-5", 10000, NONE, 0, 0}, /* invalid beats unsatisfiable */
        {"bytes=0-1,5-2", 10000, NONE, 0, 0}, /* one invalid range-spec spoils the set */
        {"bytes=5-2,0-1", 10000, NONE, 0, 0},
        {"bytes=0-0,-1,x", 10000, NONE, 0, 0},
        {"bytes=-", 10000, NONE, 0, 0},
        {"bytes=0", 10000, NONE, 0, 0},
        {"bytes=a-b", 10000, NONE, 0, 0}, /* an other-range: undefined for bytes */
        {"bytes=1-2-3", 10000, NONE, 0, 0},
        {"bytes=-1-2", 10000, NONE, 0, 0},
        {"bytes=--1", 10000, NONE, 0, 0},
        {"bytes=+1-2", 10000, NONE, 0, 0},
        {"bytes=0x10-", 10000, NONE, 0, 0},
        {"bytes=1.5-2", 10000, NONE, 0, 0},
        {"bytes=0-1;q=1", 10000, NONE, 0, 0},
        {"bytes=0-1;", 10000, NONE, 0, 0},
        {"bytes=\xd9\xa1-2", 10000, NONE, 0, 0}, /* a non-ASCII digit */
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
    check_range(NULL, 0, 10000, NONE, 0, 0); /* no Range field */
    /* Only len bytes are read: no NUL needed, none looked for. */
    check_range("bytes=0-1999", 9, 10000, SINGLE, 0, 2);
    check_range("bytes=0-1,5-2", 9, 10000, SINGLE, 0, 2);
    check_range("bytes=0-1\0-2", 11, 10000, NONE, 0, 0);
    check_range("bytes", 3, 10000, NONE, 0, 0);
}

/* Appends count copies of element, separated by commas, to buf at at; returns the new length. */
static size_t append_list(char *buf, size_t at, const char *element, size_t count)
{
    for (size_t i = 0; i != count; ++i) at += (size_t)sprintf(buf + at, "%s%s", i ? "," : "", element);
    return at;
}

/* At most H2SERVE_RANGE_MAX list elements: one more and the field is ignored (§14.2, §17.15). */
static void test_element_cap(void)
{
    static char buf[1 << 20];
    size_t len = append_list(buf, (size_t)sprintf(buf, "bytes="), "0-0", H2SERVE_RANGE_MAX);
    check_range(buf, len, 10000, SINGLE, 0, 1);
    len = append_list(buf, (size_t)sprintf(buf, "bytes="), "0-0", H2SERVE_RANGE_MAX + 1);
    check_range(buf, len, 10000, NONE, 0, 0);

    /* H2SERVE_RANGE_MAX disjoint ranges: 0-0,2-2,4-4,... */
    len = (size_t)sprintf(buf, "bytes=");
    for (int i = 0; i != H2SERVE_RANGE_MAX; ++i)
        len += (size_t)sprintf(buf + len, "%s%d-%d", i ? "," : "", 2 * i, 2 * i);
    check_range(buf, len, 10000, MULTIPLE, 0, 0);
    /* ... and the same in descending order, adjacent: one span */
    len = (size_t)sprintf(buf, "bytes=");
    for (int i = H2SERVE_RANGE_MAX; i-- != 0;)
        len += (size_t)sprintf(buf + len, "%d-%d%s", i, i, i ? "," : "");
    check_range(buf, len, 10000, SINGLE, 0, H2SERVE_RANGE_MAX);

    /* Empty elements count too. */
    len = (size_t)sprintf(buf, "bytes=");
    memset(buf + len, ',', H2SERVE_RANGE_MAX - 1);
    len += H2SERVE_RANGE_MAX - 1;
    check_range(buf, len + (size_t)sprintf(buf + len, "0-1"), 10000, SINGLE, 0, 2);
    len = (size_t)sprintf(buf, "bytes=");
    memset(buf + len, ',', H2SERVE_RANGE_MAX);
    len += H2SERVE_RANGE_MAX;
    check_range(buf, len + (size_t)sprintf(buf + len, "0-1"), 10000, NONE, 0, 0);

    /* A huge field is given up on at the cap, not read through. */
    len = append_list(buf, (size_t)sprintf(buf, "bytes="), "0-0", 100000);
    check_range(buf, len, 10000, NONE, 0, 0);
}

/* ---- random range sets against a model: which bytes they cover ---- */

static const char *random_ows(void)
{
    static const char *const ows[] = {"", "", "", " ", "\t", "  "};
    return ows[xorshift32() % (sizeof(ows) / sizeof(ows[0]))];
}

/*
 * Builds a random valid-looking range set over a small representation and
 * what it should give: NONE if a range-spec is invalid, else by the bytes
 * the satisfiable ones cover, UNSATISFIABLE for none, SINGLE for one run.
 */
static void test_random_sets(void)
{
    unsigned failures = 0;
    for (int iteration = 0; iteration != 200000; ++iteration) {
        uint64_t size = xorshift32() % 24;
        char value[128];
        int covered[32] = {0}, invalid = 0, specs = 0;
        size_t len = (size_t)sprintf(value, "bytes=");
        unsigned elements = 1 + xorshift32() % 6;
        for (unsigned e = 0; e != elements; ++e) {
            if (e) len += (size_t)sprintf(value + len, "%s,%s", random_ows(), random_ows());
            unsigned a = xorshift32() % (unsigned)(size + 3), b = xorshift32() % (unsigned)(size + 3);
            switch (xorshift32() % 4) {
            case 0: /* int-range */
                len += (size_t)sprintf(value + len, "%u-%u", a, b);
                if (b < a) invalid = 1;
                for (unsigned i = a; i <= b && i < size; ++i) covered[i] = 1;
                ++specs;
                break;
            case 1: /* open int-range */
                len += (size_t)sprintf(value + len, "%u-", a);
                for (unsigned i = a; i < size; ++i) covered[i] = 1;
                ++specs;
                break;
            case 2: /* suffix-range */
                len += (size_t)sprintf(value + len, "-%u", a);
                for (unsigned i = a < size ? (unsigned)size - a : 0; i < size; ++i) covered[i] = 1;
                ++specs;
                break;
            default: /* empty element */ break;
            }
        }
        enum h2serve_range_result want;
        uint64_t first = 0, count = 0;
        for (uint64_t i = 0; i != size; ++i) {
            if (!covered[i]) continue;
            if (count == 0) first = i;
            ++count;
        }
        int contiguous = 1;
        for (uint64_t i = first; i != first + count; ++i) contiguous &= covered[i];
        if (size == 0 || invalid || specs == 0)
            want = NONE;
        else if (count == 0)
            want = UNSATISFIABLE;
        else
            want = contiguous ? SINGLE : MULTIPLE;

        uint64_t offset = 0, length = 0;
        enum h2serve_range_result got = h2serve_range_parse(value, len, size, &offset, &length);
        int ok = got == want && (got != SINGLE || (offset == first && length == count));
        if (!ok && failures++ == 0)
            CHECK_MSG(0, "random set \"%.120s\" of %" PRIu64 " bytes: %s, want %s", value, size,
                      result_name(got), result_name(want));
    }
    CHECK_MSG(failures == 0, "random range sets against the model: %u failures", failures);
}

/* ---- Content-Range (§14.4) ---- */

static void check_content_range(size_t len, const char *out, const char *want)
{
    CHECK_MSG(len == strlen(want) && strcmp(out, want) == 0, "content-range \"%s\" (%zu), want \"%s\"", out,
              len, want);
}

static void test_content_range(void)
{
    char out[H2SERVE_CONTENT_RANGE_MAX];
    /* §14.4's examples, for 1234 bytes */
    check_content_range(h2serve_content_range(out, sizeof(out), 0, 500, 1234), out, "bytes 0-499/1234");
    check_content_range(h2serve_content_range(out, sizeof(out), 500, 500, 1234), out, "bytes 500-999/1234");
    check_content_range(h2serve_content_range(out, sizeof(out), 500, 734, 1234), out, "bytes 500-1233/1234");
    check_content_range(h2serve_content_range(out, sizeof(out), 734, 500, 1234), out, "bytes 734-1233/1234");
    check_content_range(h2serve_content_range(out, sizeof(out), 0, 1, 1), out, "bytes 0-0/1");
    check_content_range(h2serve_content_range_unsatisfied(out, sizeof(out), 1234), out, "bytes */1234");
    check_content_range(h2serve_content_range_unsatisfied(out, sizeof(out), 0), out, "bytes */0");

    /* The longest value fits H2SERVE_CONTENT_RANGE_MAX exactly. */
    static const char longest[] = "bytes 18446744073709551614-18446744073709551614/" U64_MAX_TEXT;
    check_content_range(h2serve_content_range(out, sizeof(out), UINT64_MAX - 1, 1, UINT64_MAX), out, longest);
    CHECK(sizeof(longest) == H2SERVE_CONTENT_RANGE_MAX);
    check_content_range(h2serve_content_range(out, sizeof(out), 0, UINT64_MAX, UINT64_MAX), out,
                        "bytes 0-18446744073709551614/" U64_MAX_TEXT);
    check_content_range(h2serve_content_range_unsatisfied(out, sizeof(out), UINT64_MAX), out,
                        "bytes */" U64_MAX_TEXT);

    /* Too small a buffer, or a span that is empty or not inside the representation: 0 and an empty string. */
    check_content_range(h2serve_content_range(out, sizeof("bytes 0-499/1234") - 1, 0, 500, 1234), out, "");
    CHECK(h2serve_content_range(out, sizeof("bytes 0-499/1234"), 0, 500, 1234) == 16);
    check_content_range(h2serve_content_range_unsatisfied(out, sizeof("bytes */1234") - 1, 1234), out, "");
    check_content_range(h2serve_content_range(out, sizeof(out), 0, 0, 1234), out, "");
    check_content_range(h2serve_content_range(out, sizeof(out), 1000, 235, 1234), out, "");
    check_content_range(h2serve_content_range(out, sizeof(out), 1235, 1, 1234), out, "");
    check_content_range(h2serve_content_range(out, sizeof(out), 1, UINT64_MAX, UINT64_MAX), out, "");
    CHECK(h2serve_content_range(NULL, 0, 0, 500, 1234) == 0);
    CHECK(h2serve_content_range_unsatisfied(NULL, 0, 1234) == 0);
}

/* What the parser decides is what Content-Range says. */
static void test_parse_then_format(void)
{
    uint64_t offset, length;
    char out[H2SERVE_CONTENT_RANGE_MAX];
    static const char value[] = "bytes=-500";
    if (CHECK(h2serve_range_parse(value, sizeof(value) - 1, 10000, &offset, &length) == SINGLE))
        check_content_range(h2serve_content_range(out, sizeof(out), offset, length, 10000), out,
                            "bytes 9500-9999/10000");
}

int main(void)
{
    test_rfc_examples();
    test_single_ranges();
    test_unsatisfiable();
    test_empty_representation();
    test_coalescing();
    test_large_numbers();
    test_whitespace_and_lists();
    test_invalid();
    test_element_cap();
    test_random_sets();
    test_content_range();
    test_parse_then_format();
    return check_done();
}
