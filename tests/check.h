/*
 * A minimal test harness: each CHECK prints one TAP line, and
 * check_done() prints the plan and returns the exit status, so that
 * `meson test` (protocol: 'tap') shows every assertion.
 */
#ifndef H2R_TESTS_CHECK_H
#define H2R_TESTS_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_count, check_failures;

static inline int check_report(int ok, const char *expr, const char *file, int line)
{
    ++check_count;
    if (ok) {
        printf("ok %d - %s\n", check_count, expr);
    } else {
        ++check_failures;
        printf("not ok %d - %s (%s:%d)\n", check_count, expr, file, line);
    }
    fflush(stdout);
    return ok;
}

/* CHECK_MSG's line, formatted before cond is evaluated (the tests run on one thread). */
static char check_msg_line[512];

__attribute__((format(printf, 1, 2))) static inline void check_format_msg(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(check_msg_line, sizeof(check_msg_line), fmt, ap);
    va_end(ap);
}

/* Evaluates to the truth of cond, so a test can stop when a precondition fails. */
#define CHECK(cond) check_report(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_MSG(cond, ...)                                                                                 \
    (check_format_msg(__VA_ARGS__), check_report(!!(cond), check_msg_line, __FILE__, __LINE__))
#define CHECK_MEM(a, alen, b, blen) CHECK((alen) == (blen) && memcmp((a), (b), (alen)) == 0)

static inline int check_done(void)
{
    printf("1..%d\n", check_count);
    if (check_count == 0) {
        printf("# no assertion ran\n");
        return 1;
    }
    return check_failures ? 1 : 0;
}

#endif
