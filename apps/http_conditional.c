/*
 * Validators and conditional requests (see http_conditional.h).
 */
#include <string.h>

#include "http_conditional.h"
#include "http_syntax.h"

/* ---- entity-tags (§8.8.3) ---- */

/* Writes value in lowercase hexadecimal at p; returns where it ends. */
static char *put_hex(char *p, uint64_t value)
{
    char digits[16];
    size_t n = 0;
    do {
        digits[n++] = "0123456789abcdef"[value & 15];
        value >>= 4;
    } while (value);
    while (n) *p++ = digits[--n];
    return p;
}

/* Copies the len bytes formatted in buf to out with a NUL, as snprintf would: 0 if they do not fit. */
static size_t put_result(char *out, size_t cap, const char *buf, size_t len)
{
    if (len >= cap) return http_written(out, cap, -1);
    memcpy(out, buf, len);
    out[len] = '\0';
    return len;
}

/* By hand, as the date below: snprintf was a tenth of a small file response's cost. */
size_t h2serve_etag(char *out, size_t cap, const struct timespec *mtime, uint64_t size)
{
    char buf[H2SERVE_ETAG_MAX], *p = buf;
    *p++ = '"';
    p = put_hex(p, (uint64_t)mtime->tv_sec);
    *p++ = '.';
    p = put_hex(p, (unsigned long)mtime->tv_nsec);
    *p++ = '-';
    p = put_hex(p, size);
    *p++ = '"';
    return put_result(out, cap, buf, (size_t)(p - buf));
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

/*
 * Howard Hinnant's civil_from_days, the inverse of days_from_civil below:
 * pure arithmetic, where gmtime_r takes glibc's time zone lock.
 */
static void civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    days += 719468; /* from 0000-03-01 */
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097; /* 0-146096 */
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); /* 0-365 */
    int64_t month_from_march = (5 * day_of_year + 2) / 153;                                       /* 0-11 */
    *day = (int)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    *month = (int)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    *year = year_of_era + era * 400 + (*month <= 2);
}

static void put2(char *p, int value)
{
    p[0] = (char)('0' + value / 10);
    p[1] = (char)('0' + value % 10);
}

size_t h2serve_http_date_format(char *out, size_t cap, time_t t)
{
    int64_t days = (int64_t)t / 86400, seconds = (int64_t)t % 86400;
    if (seconds < 0) seconds += 86400, --days;
    int64_t year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    if (year < 0 || year > 9999) return http_written(out, cap, -1);
    /* 1970-01-01 was a Thursday. */
    int weekday = (int)((days % 7 + 11) % 7);
    char buf[H2SERVE_HTTP_DATE_MAX];
    memcpy(buf, day_names[weekday], 3);
    memcpy(buf + 3, ", ", 2);
    put2(buf + 5, day);
    buf[7] = ' ';
    memcpy(buf + 8, month_names[month - 1], 3);
    buf[11] = ' ';
    put2(buf + 12, (int)(year / 100));
    put2(buf + 14, (int)(year % 100));
    buf[16] = ' ';
    put2(buf + 17, (int)(seconds / 3600));
    buf[19] = ':';
    put2(buf + 20, (int)(seconds / 60 % 60));
    buf[22] = ':';
    put2(buf + 23, (int)(seconds % 60));
    memcpy(buf + 25, " GMT", 4);
    return put_result(out, cap, buf, 29);
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
