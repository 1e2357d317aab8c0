/*
 * The date header's value (RFC 9110 §6.6.1), formatted once per second per
 * thread by hand: strftime's names depend on the locale, and this runs
 * once per response.
 */
#include <time.h>

#include "h2ring/compat.h"

static void put2(char *out, int value)
{
    out[0] = (char)('0' + value / 10 % 10);
    out[1] = (char)('0' + value % 10);
}

const char *h2r_http_date(void)
{
    static const char days[] = "SunMonTueWedThuFriSat", months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static __thread char buf[32];
    static __thread time_t cached = -1;
    /*
     * The one clock read of the layer (a vDSO call, no system call): the
     * engine has no wall clock, and Node's sendDate needs one.
     */
    time_t now = time(NULL);
    if (now == cached) return buf;
    struct tm tm;
    gmtime_r(&now, &tm);
    /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    char *p = buf;
    for (int i = 0; i != 3; ++i) *p++ = days[tm.tm_wday * 3 + i];
    *p++ = ',';
    *p++ = ' ';
    put2(p, tm.tm_mday);
    p += 2;
    *p++ = ' ';
    for (int i = 0; i != 3; ++i) *p++ = months[tm.tm_mon * 3 + i];
    *p++ = ' ';
    int year = tm.tm_year + 1900;
    put2(p, year / 100);
    put2(p + 2, year % 100);
    p += 4;
    *p++ = ' ';
    put2(p, tm.tm_hour);
    put2(p + 3, tm.tm_min);
    put2(p + 6, tm.tm_sec);
    p[2] = p[5] = ':';
    p += 8;
    for (const char *gmt = " GMT"; *gmt;) *p++ = *gmt++;
    *p = '\0';
    cached = now;
    return buf;
}
