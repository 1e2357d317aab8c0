/*
 * Validators and conditional requests (apps/http_conditional.c): the ETag
 * shape, HTTP-dates in the three formats of RFC 9110 §5.6.7 (against glibc's
 * timegm and gmtime_r), every step of §13.2.2's order, and If-Range.
 */
#include <inttypes.h>
#include <stdint.h>
#include <time.h>

#include "check.h"
#include "xorshift.h"
#include "http_conditional.h"

/* ---- ETag ---- */

static void check_etag(const struct timespec *mtime, uint64_t size, const char *want)
{
    char out[H2SERVE_ETAG_MAX];
    size_t len = h2serve_etag(out, sizeof(out), mtime, size);
    CHECK_MSG(len == strlen(want) && strcmp(out, want) == 0, "etag %s, want %s", out, want);
}

static void test_etag(void)
{
    /* 784111777 = 0x2ebc98a1, 10000 = 0x2710, 123456789 = 0x75bcd15 */
    check_etag(&(struct timespec){784111777, 0}, 10000, "\"2ebc98a1.0-2710\"");
    check_etag(&(struct timespec){784111777, 123456789}, 10000, "\"2ebc98a1.75bcd15-2710\"");
    check_etag(&(struct timespec){0, 0}, 0, "\"0.0-0\"");
    /* before 1970: two's complement */
    check_etag(&(struct timespec){-1, 999999999}, 1, "\"ffffffffffffffff.3b9ac9ff-1\"");

    /* The longest tag fits H2SERVE_ETAG_MAX exactly. */
    char out[H2SERVE_ETAG_MAX];
    const struct timespec longest = {-1, 999999999};
    CHECK(h2serve_etag(out, sizeof(out), &longest, UINT64_MAX) == H2SERVE_ETAG_MAX - 1);
    CHECK(h2serve_etag(out, sizeof(out) - 1, &longest, UINT64_MAX) == 0 && out[0] == '\0');

    /* Every part tells versions apart: the nanoseconds too. */
    char a[H2SERVE_ETAG_MAX], b[H2SERVE_ETAG_MAX], c[H2SERVE_ETAG_MAX];
    h2serve_etag(a, sizeof(a), &(struct timespec){1700000000, 1}, 100);
    h2serve_etag(b, sizeof(b), &(struct timespec){1700000000, 2}, 100);
    h2serve_etag(c, sizeof(c), &(struct timespec){1700000000, 1}, 101);
    CHECK(strcmp(a, b) != 0 && strcmp(a, c) != 0 && strcmp(b, c) != 0);
}

/* ---- HTTP-date ---- */

#define SUNDAY_1994 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT, §5.6.7's example */

static void check_format(time_t t, const char *want)
{
    char out[H2SERVE_HTTP_DATE_MAX];
    size_t len = h2serve_http_date_format(out, sizeof(out), t);
    CHECK_MSG(len == strlen(want) && strcmp(out, want) == 0, "format %lld: \"%s\", want \"%s\"", (long long)t,
              out, want);
}

static void check_parse(const char *s, time_t want)
{
    time_t t = 12345;
    int err = h2serve_http_date_parse(s, strlen(s), &t);
    CHECK_MSG(err == 0 && t == want, "parse \"%s\": %d, %lld (want %lld)", s, err, (long long)t,
              (long long)want);
}

static void check_parse_fails(const char *s, size_t len)
{
    time_t t = 12345;
    int err = h2serve_http_date_parse(s, len, &t);
    CHECK_MSG(err == -1 && t == 12345, "parse \"%.*s\" is refused", (int)len, s ? s : "NULL");
}

static void test_date_format(void)
{
    check_format(SUNDAY_1994, "Sun, 06 Nov 1994 08:49:37 GMT");
    check_format(0, "Thu, 01 Jan 1970 00:00:00 GMT");
    check_format(-1, "Wed, 31 Dec 1969 23:59:59 GMT");
    check_format(951782400, "Tue, 29 Feb 2000 00:00:00 GMT");
    check_format(253402300799, "Fri, 31 Dec 9999 23:59:59 GMT");
    check_format(-62167219200, "Sat, 01 Jan 0000 00:00:00 GMT");

    char out[H2SERVE_HTTP_DATE_MAX];
    CHECK(H2SERVE_HTTP_DATE_MAX == 30);
    CHECK(h2serve_http_date_format(out, sizeof(out) - 1, 0) == 0 && out[0] == '\0');
    /* Years the format cannot write. */
    CHECK(h2serve_http_date_format(out, sizeof(out), 253402300800) == 0 && out[0] == '\0');
    CHECK(h2serve_http_date_format(out, sizeof(out), -62167219201) == 0);
}

static void test_date_parse(void)
{
    /* §5.6.7: the three formats of the same time */
    check_parse("Sun, 06 Nov 1994 08:49:37 GMT", SUNDAY_1994);
    check_parse("Sunday, 06-Nov-94 08:49:37 GMT", SUNDAY_1994);
    check_parse("Sun Nov  6 08:49:37 1994", SUNDAY_1994);
    /* asctime's day: ( 2DIGIT / ( SP DIGIT ) ) */
    check_parse("Sun Nov 06 08:49:37 1994", SUNDAY_1994);
    check_parse("Wed Nov 16 08:49:37 1994", SUNDAY_1994 + 10 * 86400);
    /* every long day name (lengths 6 to 9) */
    check_parse("Monday, 07-Nov-94 08:49:37 GMT", SUNDAY_1994 + 1 * 86400);
    check_parse("Tuesday, 08-Nov-94 08:49:37 GMT", SUNDAY_1994 + 2 * 86400);
    check_parse("Wednesday, 09-Nov-94 08:49:37 GMT", SUNDAY_1994 + 3 * 86400);
    check_parse("Thursday, 10-Nov-94 08:49:37 GMT", SUNDAY_1994 + 4 * 86400);
    check_parse("Friday, 11-Nov-94 08:49:37 GMT", SUNDAY_1994 + 5 * 86400);
    check_parse("Saturday, 12-Nov-94 08:49:37 GMT", SUNDAY_1994 + 6 * 86400);
    /* RFC 850's two-digit years: 1970-2069 */
    check_parse("Thursday, 01-Jan-70 00:00:01 GMT", 1);
    check_parse("Friday, 31-Dec-99 23:59:59 GMT", 946684799);
    check_parse("Saturday, 01-Jan-00 00:00:00 GMT", 946684800);
    check_parse("Tuesday, 01-Jan-69 00:00:00 GMT", 3124224000);
    /* the calendar */
    check_parse("Thu, 01 Jan 1970 00:00:00 GMT", 0);
    check_parse("Wed, 31 Dec 1969 23:59:59 GMT", -1);
    check_parse("Tue, 29 Feb 2000 00:00:00 GMT", 951782400);
    check_parse("Thu, 29 Feb 2024 00:00:00 GMT", 1709164800);
    check_parse("Fri, 31 Dec 9999 23:59:59 GMT", 253402300799);
    check_parse("Sat, 01 Jan 0000 00:00:00 GMT", -62167219200);
    /* a leap second is the next second */
    check_parse("Sat, 31 Dec 2016 23:59:60 GMT", 1483228800);
    /* the day name is one, but need not agree with the date */
    check_parse("Mon, 06 Nov 1994 08:49:37 GMT", SUNDAY_1994);
    check_parse("Friday, 06-Nov-94 08:49:37 GMT", SUNDAY_1994);
    /* only len bytes are read */
    static const char longer[] = "Sun, 06 Nov 1994 08:49:37 GMTxyz";
    time_t t = 0;
    CHECK(h2serve_http_date_parse(longer, 29, &t) == 0 && t == SUNDAY_1994);
}

static void test_date_parse_refuses(void)
{
    static const char *const bad[] = {
        "",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        " Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT", /* a list */
        "sun, 06 Nov 1994 08:49:37 GMT",                                /* names are case-sensitive */
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "SUN, 06 NOV 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 +000",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Xyz 1994 08:49:37 GMT",
        "Sun 06 Nov 1994 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06-Nov-1994 08:49:37 GMT",
        "Sun, 0a Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 19x4 08:49:37 GMT",
        "Sun, 06 Nov 1994 08.49.37 GMT",
        "Sun, 06 Nov 1994 08:4x:37 GMT",
        "Sun, -6 Nov 1994 08:49:37 GMT",
        /* out of range */
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 32 Jan 1994 08:49:37 GMT",
        "Wed, 29 Feb 2023 08:49:37 GMT",
        "Thu, 29 Feb 1900 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 23:60:00 GMT",
        "Sun, 06 Nov 1994 23:59:61 GMT",
        /* RFC 850 */
        "Sun, 06-Nov-94 08:49:37 GMT",      /* a short day name */
        "Sunday, 06 Nov 1994 08:49:37 GMT", /* a long one in an IMF-fixdate */
        "Sunday, 06-Nov-94 08:49:37 UTC",
        "Sunday 06-Nov-94 08:49:37 GMT",
        "Sunday, 06 Nov 94 08:49:37 GMT",
        "Sunday, 06-Nov-9x 08:49:37 GMT",
        "Sunday, 06-Nov--4 08:49:37 GMT",
        "Sunnyday, 06-Nov-94 08:49:37 GMT",
        "Sunday, 30-Feb-94 08:49:37 GMT",
        /* asctime */
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sun Nov  0 08:49:37 1994",
        "Sun Nov  x 08:49:37 1994",
        "Sun Nov 31 08:49:37 1994",
        "Sun  Nov 6 08:49:37 1994",
        "Sun,Nov  6 08:49:37 1994",
        "Sun Nov  6 08:49:37 199x",
        /* not dates */
        "yesterday",
        "784111777",
        "\"2ebc98a1.0-2710\"",
    };
    for (size_t i = 0; i != sizeof(bad) / sizeof(bad[0]); ++i) check_parse_fails(bad[i], strlen(bad[i]));
    check_parse_fails(NULL, 0);
    check_parse_fails("Sun, 06 Nov 1994 08:49:37 GMT", 28);
    char nul_inside[] = "Sun, 06 Nov 1994 08:49:37 GMT";
    nul_inside[16] = '\0';
    check_parse_fails(nul_inside, 29);
}

/*
 * Random times through all three formats: IMF-fixdate as we write it, the
 * obsolete two written here from glibc's gmtime_r, and the value checked
 * against glibc's timegm.
 */
static void test_date_round_trips(void)
{
    static const char *const long_days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                            "Thursday", "Friday", "Saturday"};
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const int64_t min = -62167219200, max = 253402300799; /* years 0000 to 9999 */
    unsigned failures = 0;
    for (int i = 0; i != 200000; ++i) {
        uint64_t r = (uint64_t)xorshift32() << 32;
        r |= xorshift32();
        /* the two ends first */
        time_t t = (time_t)(i == 0 ? min : i == 1 ? max : min + (int64_t)(r % (uint64_t)(max - min + 1)));
        struct tm tm;
        gmtime_r(&t, &tm);
        char imf[H2SERVE_HTTP_DATE_MAX], obs[96];
        time_t parsed = 0;
        int ok = h2serve_http_date_format(imf, sizeof(imf), t) == 29 &&
                 h2serve_http_date_parse(imf, 29, &parsed) == 0 && parsed == t && timegm(&tm) == t;
        snprintf(obs, sizeof(obs), "%s %s %2d %02d:%02d:%02d %04d", days[tm.tm_wday], months[tm.tm_mon],
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
        ok = ok && h2serve_http_date_parse(obs, strlen(obs), &parsed) == 0 && parsed == t;
        if (tm.tm_year >= 70 && tm.tm_year < 170) {
            snprintf(obs, sizeof(obs), "%s, %02d-%s-%02d %02d:%02d:%02d GMT", long_days[tm.tm_wday],
                     tm.tm_mday, months[tm.tm_mon], tm.tm_year % 100, tm.tm_hour, tm.tm_min, tm.tm_sec);
            ok = ok && h2serve_http_date_parse(obs, strlen(obs), &parsed) == 0 && parsed == t;
        }
        if (!ok && failures++ == 0) CHECK_MSG(0, "round trip of %lld (%s, %s)", (long long)t, imf, obs);
    }
    CHECK_MSG(failures == 0, "dates through the three formats: %u failures", failures);
}

/* ---- preconditions (§13.2.2) ---- */

#define LAST_MODIFIED   SUNDAY_1994
#define LM_DATE         "Sun, 06 Nov 1994 08:49:37 GMT"
#define LM_DATE_RFC850  "Sunday, 06-Nov-94 08:49:37 GMT"
#define LM_DATE_ASCTIME "Sun Nov  6 08:49:37 1994"
#define OLDER_DATE      "Sun, 06 Nov 1994 08:49:36 GMT"
#define NEWER_DATE      "Sun, 06 Nov 1994 08:49:38 GMT"
#define DATE_LIST       OLDER_DATE ", " NEWER_DATE

#define PROCEED      H2SERVE_PRECONDITION_PROCEED
#define NOT_MODIFIED H2SERVE_PRECONDITION_NOT_MODIFIED
#define FAILED       H2SERVE_PRECONDITION_FAILED

struct precondition_case {
    const char *etag; /* the representation's, NULL for none */
    const char *if_match, *if_unmodified_since, *if_none_match, *if_modified_since;
    enum h2serve_precondition result;
};

static const char *precondition_name(enum h2serve_precondition p)
{
    switch (p) {
    case PROCEED: return "PROCEED";
    case NOT_MODIFIED: return "NOT_MODIFIED";
    case FAILED: return "FAILED";
    }
    return "?";
}

static void check_preconditions(const struct precondition_case *cases, size_t count)
{
    for (size_t i = 0; i != count; ++i) {
        const struct precondition_case *k = &cases[i];
        struct h2serve_request_conditions c = {
            .if_match = k->if_match,
            .if_match_len = k->if_match ? strlen(k->if_match) : 0,
            .if_unmodified_since = k->if_unmodified_since,
            .if_unmodified_since_len = k->if_unmodified_since ? strlen(k->if_unmodified_since) : 0,
            .if_none_match = k->if_none_match,
            .if_none_match_len = k->if_none_match ? strlen(k->if_none_match) : 0,
            .if_modified_since = k->if_modified_since,
            .if_modified_since_len = k->if_modified_since ? strlen(k->if_modified_since) : 0,
        };
        enum h2serve_precondition got =
            h2serve_evaluate_preconditions(&c, k->etag, k->etag ? strlen(k->etag) : 0, LAST_MODIFIED);
        CHECK_MSG(
            got == k->result,
            "etag %s, If-Match %s, If-Unmodified-Since %s, If-None-Match %s, If-Modified-Since %s: %s (want "
            "%s)",
            k->etag ? k->etag : "-", k->if_match ? k->if_match : "-",
            k->if_unmodified_since ? k->if_unmodified_since : "-", k->if_none_match ? k->if_none_match : "-",
            k->if_modified_since ? k->if_modified_since : "-", precondition_name(got),
            precondition_name(k->result));
    }
}

#define ETAG "\"abc\""

static void test_no_conditions(void)
{
    static const struct precondition_case cases[] = {
        {ETAG, NULL, NULL, NULL, NULL, PROCEED},
        {NULL, NULL, NULL, NULL, NULL, PROCEED},
    };
    check_preconditions(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Step 1: If-Match, by the strong comparison. */
static void test_if_match(void)
{
    static const struct precondition_case cases[] = {
        {ETAG, ETAG, NULL, NULL, NULL, PROCEED},
        {ETAG, "\"xyz\"", NULL, NULL, NULL, FAILED},
        {ETAG, "*", NULL, NULL, NULL, PROCEED},
        {ETAG, "W/\"abc\"", NULL, NULL, NULL, FAILED}, /* weak never matches strongly */
        {ETAG, "\"xyz\", \"abc\"", NULL, NULL, NULL, PROCEED},
        {ETAG, "\"xyz\",\"abc\"", NULL, NULL, NULL, PROCEED},
        {ETAG, "\"xyz\" ,\t\"abc\"", NULL, NULL, NULL, PROCEED},
        {ETAG, ",\"abc\",", NULL, NULL, NULL, PROCEED}, /* empty elements */
        {ETAG, "\"ABC\"", NULL, NULL, NULL, FAILED},    /* opaque-tags are compared byte for byte */
        {ETAG, "\"abc \"", NULL, NULL, NULL, FAILED},   /* a space is no etagc */
        {ETAG, "abc", NULL, NULL, NULL, FAILED},        /* not an entity-tag: matches nothing */
        {ETAG, "\"abc\", garbage", NULL, NULL, NULL, FAILED},
        {ETAG, "garbage, \"abc\"", NULL, NULL, NULL, FAILED},
        {ETAG, "\"abc", NULL, NULL, NULL, FAILED},
        {ETAG, "\"abc\"\"xyz\"", NULL, NULL, NULL, FAILED},
        {ETAG, "", NULL, NULL, NULL, FAILED},
        {ETAG, "*, \"abc\"", NULL, NULL, NULL, FAILED}, /* "*" stands alone */
        {ETAG, "\"*\"", NULL, NULL, NULL, FAILED},
        /* our own tag weak: only "*" */
        {"W/\"abc\"", "W/\"abc\"", NULL, NULL, NULL, FAILED},
        {"W/\"abc\"", ETAG, NULL, NULL, NULL, FAILED},
        {"W/\"abc\"", "*", NULL, NULL, NULL, PROCEED},
        /* no tag at all: only "*" (the representation exists) */
        {NULL, ETAG, NULL, NULL, NULL, FAILED},
        {NULL, "*", NULL, NULL, NULL, PROCEED},
        {"garbage", "garbage", NULL, NULL, NULL, FAILED}, /* a malformed tag of ours is no tag */
        /* If-Match decides, If-Unmodified-Since is then ignored */
        {ETAG, ETAG, OLDER_DATE, NULL, NULL, PROCEED},
        {ETAG, "\"xyz\"", NEWER_DATE, NULL, NULL, FAILED},
        /* 412 comes before 304 */
        {ETAG, "\"xyz\"", NULL, ETAG, NULL, FAILED},
        {ETAG, "\"xyz\"", NULL, NULL, LM_DATE, FAILED},
        /* a passed If-Match goes on to step 3 */
        {ETAG, ETAG, NULL, ETAG, NULL, NOT_MODIFIED},
        {ETAG, "*", NULL, "*", NULL, NOT_MODIFIED},
    };
    check_preconditions(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Step 2: If-Unmodified-Since: fails if modified after the date. */
static void test_if_unmodified_since(void)
{
    static const struct precondition_case cases[] = {
        {ETAG, NULL, LM_DATE, NULL, NULL, PROCEED},
        {ETAG, NULL, NEWER_DATE, NULL, NULL, PROCEED},
        {ETAG, NULL, OLDER_DATE, NULL, NULL, FAILED},
        {ETAG, NULL, LM_DATE_RFC850, NULL, NULL, PROCEED},
        {ETAG, NULL, LM_DATE_ASCTIME, NULL, NULL, PROCEED},
        {ETAG, NULL, "Sunday, 06-Nov-94 08:49:36 GMT", NULL, NULL, FAILED},
        {ETAG, NULL, "Sun Nov  6 08:49:36 1994", NULL, NULL, FAILED},
        /* an invalid date, a list of dates included, is ignored (§13.1.4) */
        {ETAG, NULL, "yesterday", NULL, NULL, PROCEED},
        {ETAG, NULL, DATE_LIST, NULL, NULL, PROCEED},
        {ETAG, NULL, "", NULL, NULL, PROCEED},
        /* 412 before 304 */
        {ETAG, NULL, OLDER_DATE, ETAG, NULL, FAILED},
        {ETAG, NULL, OLDER_DATE, NULL, LM_DATE, FAILED},
        /* passed: on to steps 3 and 4 */
        {ETAG, NULL, LM_DATE, ETAG, NULL, NOT_MODIFIED},
        {ETAG, NULL, NEWER_DATE, NULL, NEWER_DATE, NOT_MODIFIED},
    };
    check_preconditions(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Step 3: If-None-Match, by the weak comparison: a match is 304 for GET and HEAD. */
static void test_if_none_match(void)
{
    static const struct precondition_case cases[] = {
        {ETAG, NULL, NULL, ETAG, NULL, NOT_MODIFIED},
        {ETAG, NULL, NULL, "W/\"abc\"", NULL, NOT_MODIFIED}, /* weak comparison */
        {ETAG, NULL, NULL, "\"xyz\"", NULL, PROCEED},
        {ETAG, NULL, NULL, "*", NULL, NOT_MODIFIED},
        {ETAG, NULL, NULL, "\"xyz\", W/\"abc\"", NULL, NOT_MODIFIED},
        {ETAG, NULL, NULL, "\"xyz\",\"abc\"", NULL, NOT_MODIFIED},
        {ETAG, NULL, NULL, "\"xyz\"\t, \"abc\"", NULL, NOT_MODIFIED},
        {ETAG, NULL, NULL, ", ,\"abc\"", NULL, NOT_MODIFIED},
        {ETAG, NULL, NULL, "\"xyz\", \"uvw\"", NULL, PROCEED},
        {ETAG, NULL, NULL, "\"ABC\"", NULL, PROCEED},
        {ETAG, NULL, NULL, "w/\"abc\"", NULL, PROCEED}, /* "W/" is case-sensitive: not an entity-tag */
        {ETAG, NULL, NULL, "abc", NULL, PROCEED},
        {ETAG, NULL, NULL, "\"abc\" garbage", NULL, PROCEED}, /* malformed: matches nothing */
        {ETAG, NULL, NULL, "\"abc\", \"x", NULL, PROCEED},
        {ETAG, NULL, NULL, "", NULL, PROCEED},
        {ETAG, NULL, NULL, "*, \"abc\"", NULL, PROCEED},
        /* our own tag weak */
        {"W/\"abc\"", NULL, NULL, ETAG, NULL, NOT_MODIFIED},
        {"W/\"abc\"", NULL, NULL, "W/\"abc\"", NULL, NOT_MODIFIED},
        /* commas inside a tag are the tag's */
        {"\"a,b\"", NULL, NULL, "\"a,b\"", NULL, NOT_MODIFIED},
        {"\"a,b\"", NULL, NULL, "\"a\", \"b\"", NULL, PROCEED},
        {"\"a,b\"", NULL, NULL, "\"x\", \"a,b\"", NULL, NOT_MODIFIED},
        /* obs-text is etagc */
        {"\"\xc3\xa9t\xc3\xa9\"", NULL, NULL, "\"\xc3\xa9t\xc3\xa9\"", NULL, NOT_MODIFIED},
        /* no tag: only "*" */
        {NULL, NULL, NULL, ETAG, NULL, PROCEED},
        {NULL, NULL, NULL, "*", NULL, NOT_MODIFIED},
        /* If-None-Match present: If-Modified-Since is ignored (§13.1.3), whatever it says */
        {ETAG, NULL, NULL, "\"xyz\"", LM_DATE, PROCEED},
        {ETAG, NULL, NULL, "garbage", NEWER_DATE, PROCEED},
        {ETAG, NULL, NULL, ETAG, OLDER_DATE, NOT_MODIFIED},
    };
    check_preconditions(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Step 4: If-Modified-Since: 304 unless modified after the date. */
static void test_if_modified_since(void)
{
    static const struct precondition_case cases[] = {
        {ETAG, NULL, NULL, NULL, LM_DATE, NOT_MODIFIED},
        {ETAG, NULL, NULL, NULL, NEWER_DATE, NOT_MODIFIED},
        {ETAG, NULL, NULL, NULL, OLDER_DATE, PROCEED},
        {ETAG, NULL, NULL, NULL, LM_DATE_RFC850, NOT_MODIFIED},
        {ETAG, NULL, NULL, NULL, LM_DATE_ASCTIME, NOT_MODIFIED},
        {ETAG, NULL, NULL, NULL, "Sun Nov  6 08:49:36 1994", PROCEED},
        {NULL, NULL, NULL, NULL, LM_DATE, NOT_MODIFIED},
        /* an invalid date, or a list of them, is ignored (§13.1.3) */
        {ETAG, NULL, NULL, NULL, "yesterday", PROCEED},
        {ETAG, NULL, NULL, NULL, NEWER_DATE ", " NEWER_DATE, PROCEED},
        {ETAG, NULL, NULL, NULL, "Sun, 06 Nov 1994 08:49:37 GMT ", PROCEED},
        {ETAG, NULL, NULL, NULL, "Sun, 31 Nov 1994 08:49:37 GMT", PROCEED},
        {ETAG, NULL, NULL, NULL, "", PROCEED},
    };
    check_preconditions(cases, sizeof(cases) / sizeof(cases[0]));
}

/* ---- If-Range (§13.1.5) ---- */

static void check_if_range(const char *value, const char *etag, int want)
{
    int got = h2serve_if_range_allows(value, value ? strlen(value) : 0, etag, etag ? strlen(etag) : 0,
                                      LAST_MODIFIED);
    CHECK_MSG(got == want, "If-Range %s with etag %s: %d (want %d)", value ? value : "-", etag ? etag : "-",
              got, want);
}

static void test_if_range(void)
{
    check_if_range(NULL, ETAG, 1); /* no If-Range: the Range applies */
    /* entity-tags, by the strong comparison */
    check_if_range(ETAG, ETAG, 1);
    check_if_range("\"xyz\"", ETAG, 0);
    check_if_range("W/\"abc\"", ETAG, 0);
    check_if_range(ETAG, "W/\"abc\"", 0);
    check_if_range("W/\"abc\"", "W/\"abc\"", 0);
    check_if_range(ETAG, NULL, 0);
    check_if_range("\"ABC\"", ETAG, 0);
    check_if_range("\"abc\", \"xyz\"", ETAG, 0); /* one validator, not a list */
    check_if_range("\"abc\"x", ETAG, 0);
    check_if_range("\"abc", ETAG, 0);
    check_if_range("*", ETAG, 0);
    /* HTTP-dates: an exact match only, in any of the three formats */
    check_if_range(LM_DATE, ETAG, 1);
    check_if_range(LM_DATE_RFC850, ETAG, 1);
    check_if_range(LM_DATE_ASCTIME, ETAG, 1);
    check_if_range(LM_DATE, NULL, 1);
    check_if_range(OLDER_DATE, ETAG, 0);
    check_if_range(NEWER_DATE, ETAG, 0); /* unlike If-Modified-Since, later is no match */
    check_if_range(DATE_LIST, ETAG, 0);
    /* neither */
    check_if_range("", ETAG, 0);
    check_if_range("yesterday", ETAG, 0);
    check_if_range("abc", ETAG, 0);
}

/* The pieces together: a tag we make is one our conditions recognize. */
static void test_own_etag(void)
{
    char etag[H2SERVE_ETAG_MAX], other[H2SERVE_ETAG_MAX];
    size_t len = h2serve_etag(etag, sizeof(etag), &(struct timespec){SUNDAY_1994, 5}, 10000);
    size_t other_len = h2serve_etag(other, sizeof(other), &(struct timespec){SUNDAY_1994, 6}, 10000);
    CHECK(h2serve_if_range_allows(etag, len, etag, len, LAST_MODIFIED) == 1);
    CHECK(h2serve_if_range_allows(other, other_len, etag, len, LAST_MODIFIED) == 0);
    struct h2serve_request_conditions c = {.if_none_match = etag, .if_none_match_len = len};
    CHECK(h2serve_evaluate_preconditions(&c, etag, len, LAST_MODIFIED) == NOT_MODIFIED);
    c = (struct h2serve_request_conditions){.if_match = other, .if_match_len = other_len};
    CHECK(h2serve_evaluate_preconditions(&c, etag, len, LAST_MODIFIED) == FAILED);

    char date[H2SERVE_HTTP_DATE_MAX];
    size_t date_len = h2serve_http_date_format(date, sizeof(date), LAST_MODIFIED);
    c = (struct h2serve_request_conditions){.if_modified_since = date, .if_modified_since_len = date_len};
    CHECK(h2serve_evaluate_preconditions(&c, etag, len, LAST_MODIFIED) == NOT_MODIFIED);
    CHECK(h2serve_evaluate_preconditions(&c, etag, len, LAST_MODIFIED + 1) == PROCEED);
    CHECK(h2serve_if_range_allows(date, date_len, etag, len, LAST_MODIFIED) == 1);
    CHECK(h2serve_if_range_allows(date, date_len, etag, len, LAST_MODIFIED - 1) == 0);
}

int main(void)
{
    test_etag();
    test_date_format();
    test_date_parse();
    test_date_parse_refuses();
    test_date_round_trips();
    test_no_conditions();
    test_if_match();
    test_if_unmodified_since();
    test_if_none_match();
    test_if_modified_since();
    test_if_range();
    test_own_etag();
    return check_done();
}
