/*
 * What the test applications in this folder record, whichever API they are
 * written against: a log of the events their callbacks hear (each test
 * words its events itself, and compares the log with what it expects), the
 * streams they saw, referenced so that a test can still call them after
 * they close, and the calls of release callbacks. A test's struct app holds
 * the parts it needs next to what is its own.
 */
#ifndef H2R_TESTS_APP_RECORDER_H
#define H2R_TESTS_APP_RECORDER_H

#include <stddef.h>

#include "h2ring/engine.h"

/* A header field from two string literals. */
#define FIELD(n, v)                                                                                          \
    {                                                                                                        \
        .name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = sizeof(v) - 1                     \
    }

struct event_log {
    char text[16384]; /* the events in order, NUL-terminated; what does not fit is cut off */
    size_t len;
};

/* Appends an event to the log. */
void log_event(struct event_log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties the log. */
void log_clear(struct event_log *log);

struct stream_refs {
    h2r_stream *list[256]; /* in the order they came, each referenced */
    size_t count;
};

/* Takes a reference on st and keeps it (past 256 streams, lets it go again). */
void keep_stream(struct stream_refs *refs, h2r_stream *st);
/* The stream kept last, or NULL. */
h2r_stream *last_stream(const struct stream_refs *refs);
/* Drops the references taken and forgets the streams. */
void unref_streams(struct stream_refs *refs);

/* A release callback (h2r_release_cb) that counts its calls in the int that counter points to. */
void count_release(void *counter, const void *data, size_t len);

#endif
