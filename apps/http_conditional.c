/*
 * Validators and conditional requests (see http_conditional.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http_conditional.h"
#include "http_syntax.h"

/* ---- entity-tags (§8.8.3) ---- */

size_t h2serve_etag(char *out, size_t cap, const struct timespec *mtime, uint64_t size)
{
    return http_written(out, cap,
                        snprintf(out, cap, "\"%" PRIx64 ".%lx-%" PRIx64 "\"", (uint64_t)mtime->tv_sec,
                                 (unsigned long)mtime->tv_nsec, size));
}

/*
 *   entity-tag = [ weak ] opaque-tag
 *   weak       = %s"W/"
 *   opaque-tag = DQUOTE *etagc DQUOTE
 *   etagc      = %x21 / %x23-7E / obs-text
 */
struct etag {
    const char *opaque; /* the opaque-tag, quotes included */
    size_t len;
    int weak;
};

static int is_etagc(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/* Reads the entity-tag at *p and moves past it; returns 0 if there is none. */
static int parse_etag(const char **p, const char *end, struct etag *tag)
{
    const char *s = *p;
    tag->weak = end - s >= 2 && s[0] == 'W' && s[1] == '/';
    if (tag->weak) s += 2;
    if (s == end || *s != '"') return 0;
    const char *q = s + 1;
    while (q != end && is_etagc((unsigned char)*q)) ++q;
    if (q == end || *q != '"') return 0;
    tag->opaque = s;
    tag->len = (size_t)(q + 1 - s);
    *p = q + 1;
    return 1;
}

/* Whether s (may be NULL) is exactly one entity-tag. */
static int parse_whole_etag(const char *s, size_t len, struct etag *tag)
{
    return s != NULL && parse_etag(&s, s + len, tag) && len == tag->len + (tag->weak ? 2 : 0);
}

/* §8.8.3.2: the strong comparison wants both tags strong, the weak one only the opaque-tags equal. */
static int etag_equal(const struct etag *a, const struct etag *b, int strong)
{
    if (strong && (a->weak || b->weak)) return 0;
    return a->len == b->len && memcmp(a->opaque, b->opaque, a->len) == 0;
}

/*
 * Whether a field value of the form  "*" / #entity-tag  matches the current
 * entity-tag (NULL if there is none) of a representation that exists. The
 * whole list is read, so that a syntax error anywhere, which makes it match
 * nothing, does not depend on where the match is.
 */
static int etag_list_matches(const char *value, size_t len, const struct etag *current, int strong)
{
    if (len == 1 && value[0] == '*') return 1;
    const char *p = value, *end = value + len;
    int match = 0;
    for (;;) {
        /* An empty element (§5.6.1) is followed at once by OWS, a comma or the end. */
        if (p != end && *p != ',' && !http_is_ows(*p)) {
            struct etag tag;
            if (!parse_etag(&p, end, &tag)) return 0;
            match |= current != NULL && etag_equal(&tag, current, strong);
        }
        p = http_skip_ows(p, end);
        if (p == end) return match;
        if (*p != ',') return 0;
        p = http_skip_ows(p + 1, end);
    }
}

/* ---- HTTP-dates (§5.6.7) ---- */

/* In struct tm order: tm_wday from Sunday, tm_mon from January. */
static const char day_names[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const long_day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};
static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

size_t h2serve_http_date_format(char *out, size_t cap, time_t t)
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
        return http_written(out, cap, -1);
    return http_written(out, cap,
                        snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", day_names[tm.tm_wday],
                                 tm.tm_mday, month_names[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                                 tm.tm_sec));
}

/* A date as read, before it is checked. */
struct civil_time {
    int year, month /* 1-12 */, day, hour, minute, second;
};

static int is_day_name(const char *s, size_t len)
{
    for (size_t i = 0; i != 7; ++i)
        if (len == 3 && memcmp(s, day_names[i], 3) == 0) return 1;
    return 0;
}

static int is_long_day_name(const char *s, size_t len)
{
    for (size_t i = 0; i != 7; ++i)
        if (strlen(long_day_names[i]) == len && memcmp(s, long_day_names[i], len) == 0) return 1;
    return 0;
}

/* The month named by the three characters at s, 1-12, or 0. */
static int parse_month(const char *s)
{
    for (int i = 0; i != 12; ++i)
        if (memcmp(s, month_names[i], 3) == 0) return i + 1;
    return 0;
}

/* The value of the n digits at s, or -1 if one is not a digit. */
static int parse_digits(const char *s, size_t n)
{
    int value = 0;
    for (size_t i = 0; i != n; ++i) {
        if (!http_is_digit(s[i])) return -1;
        value = value * 10 + (s[i] - '0');
    }
    return value;
}

/* time-of-day = hour ":" minute ":" second, 8 characters at s; ranges are checked later. */
static int parse_time_of_day(const char *s, struct civil_time *c)
{
    c->hour = parse_digits(s, 2);
    c->minute = parse_digits(s + 3, 2);
    c->second = parse_digits(s + 6, 2);
    return s[2] == ':' && s[5] == ':' && c->hour >= 0 && c->minute >= 0 && c->second >= 0;
}

/*
 * IMF-fixdate = day-name "," SP day SP month SP year SP time-of-day SP "GMT"
 *               "Sun, 06 Nov 1994 08:49:37 GMT"
 */
static int parse_imf_fixdate(const char *s, struct civil_time *c)
{
    c->day = parse_digits(s + 5, 2);
    c->month = parse_month(s + 8);
    c->year = parse_digits(s + 12, 4);
    return is_day_name(s, 3) && memcmp(s + 3, ", ", 2) == 0 && s[7] == ' ' && s[11] == ' ' && s[16] == ' ' &&
           parse_time_of_day(s + 17, c) && memcmp(s + 25, " GMT", 4) == 0;
}

/*
 * rfc850-date = day-name-l "," SP day "-" month "-" 2DIGIT SP time-of-day SP "GMT"
 *               "Sunday, 06-Nov-94 08:49:37 GMT"
 */
static int parse_rfc850_date(const char *s, size_t len, struct civil_time *c)
{
    /* What follows the day name is ", 06-Nov-94 08:49:37 GMT", 24 characters. */
    size_t name_len = len - 24;
    const char *p = s + name_len;
    int yy = parse_digits(p + 9, 2);
    c->day = parse_digits(p + 2, 2);
    c->month = parse_month(p + 5);
    c->year = yy < 70 ? 2000 + yy : 1900 + yy; /* see http_conditional.h */
    return is_long_day_name(s, name_len) && memcmp(p, ", ", 2) == 0 && p[4] == '-' && p[8] == '-' &&
           yy >= 0 && p[11] == ' ' && parse_time_of_day(p + 12, c) && memcmp(p + 20, " GMT", 4) == 0;
}

/*
 * asctime-date = day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year
 *                "Sun Nov  6 08:49:37 1994"
 */
static int parse_asctime_date(const char *s, struct civil_time *c)
{
    c->month = parse_month(s + 4);
    c->day = s[8] == ' ' ? parse_digits(s + 9, 1) : parse_digits(s + 8, 2);
    c->year = parse_digits(s + 20, 4);
    return is_day_name(s, 3) && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && parse_time_of_day(s + 11, c) &&
           s[19] == ' ';
}

static int is_leap_year(int year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static int days_in_month(int year, int month)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/*
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar, by
 * Howard Hinnant's days_from_civil: years counted from March, so that the
 * leap day ends the year, in 400-year eras of 146097 days.
 */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;                                              /* 0-399 */
    int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1; /* 0-365 */
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

int h2serve_http_date_parse(const char *s, size_t len, time_t *t)
{
    /* The three formats have lengths of their own: 29, 24, and 30 to 33 with the day name spelled out. */
    struct civil_time c;
    int ok;
    if (s == NULL) return -1;
    if (len == 29)
        ok = parse_imf_fixdate(s, &c);
    else if (len == 24)
        ok = parse_asctime_date(s, &c);
    else
        ok = len >= 30 && len <= 33 && parse_rfc850_date(s, len, &c);
    if (!ok || c.year < 0 || c.month == 0 || c.day < 1 || c.day > days_in_month(c.year, c.month) ||
        c.hour > 23 || c.minute > 59 || c.second > 60)
        return -1;
    int64_t seconds =
        days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
    if ((int64_t)(time_t)seconds != seconds) return -1;
    *t = (time_t)seconds;
    return 0;
}

/* ---- preconditions (§13.2.2) and If-Range (§13.1.5) ---- */

static int parse_date_field(const char *value, size_t len, time_t *t)
{
    return value != NULL && h2serve_http_date_parse(value, len, t) == 0;
}

enum h2serve_precondition h2serve_evaluate_preconditions(const struct h2serve_request_conditions *c,
                                                         const char *etag, size_t etag_len,
                                                         time_t last_modified)
{
    struct etag tag;
    const struct etag *current = parse_whole_etag(etag, etag_len, &tag) ? &tag : NULL;
    time_t date;

    /* Steps 1 and 2: is the representation still the one the client means? */
    if (c->if_match != NULL) {
        if (!etag_list_matches(c->if_match, c->if_match_len, current, 1)) return H2SERVE_PRECONDITION_FAILED;
    } else if (parse_date_field(c->if_unmodified_since, c->if_unmodified_since_len, &date) &&
               last_modified > date) {
        return H2SERVE_PRECONDITION_FAILED;
    }

    /* Steps 3 and 4: does the client have it already? */
    if (c->if_none_match != NULL) {
        if (etag_list_matches(c->if_none_match, c->if_none_match_len, current, 0))
            return H2SERVE_PRECONDITION_NOT_MODIFIED;
    } else if (parse_date_field(c->if_modified_since, c->if_modified_since_len, &date) &&
               last_modified <= date) {
        return H2SERVE_PRECONDITION_NOT_MODIFIED;
    }
    return H2SERVE_PRECONDITION_PROCEED;
}

int h2serve_if_range_allows(const char *value, size_t len, const char *etag, size_t etag_len,
                            time_t last_modified)
{
    if (value == NULL) return 1;
    /* Either an entity-tag or an HTTP-date, told apart by the DQUOTE that only the former has. */
    struct etag theirs, ours;
    if (parse_whole_etag(value, len, &theirs))
        return parse_whole_etag(etag, etag_len, &ours) && etag_equal(&theirs, &ours, 1);
    time_t date;
    return h2serve_http_date_parse(value, len, &date) == 0 && date == last_modified;
}
