/* What the test applications record (see app_recorder.h). */
#include "app_recorder.h"

#include <stdarg.h>
#include <stdio.h>

void log_event(struct event_log *log, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (log->len < sizeof(log->text)) {
        int n = vsnprintf(log->text + log->len, sizeof(log->text) - log->len, fmt, ap);
        if (n > 0) log->len += (size_t)n;
        if (log->len >= sizeof(log->text)) log->len = sizeof(log->text) - 1;
    }
    va_end(ap);
}

void log_clear(struct event_log *log)
{
    log->len = 0;
    log->text[0] = 0;
}

void keep_stream(struct stream_refs *refs, h2r_stream *st)
{
    h2r_stream_ref(st);
    if (refs->count < sizeof(refs->list) / sizeof(refs->list[0]))
        refs->list[refs->count++] = st;
    else
        h2r_stream_unref(st);
}

h2r_stream *last_stream(const struct stream_refs *refs)
{
    return refs->count ? refs->list[refs->count - 1] : NULL;
}

void unref_streams(struct stream_refs *refs)
{
    for (size_t i = 0; i != refs->count; ++i) h2r_stream_unref(refs->list[i]);
    refs->count = 0;
}

void count_release(void *counter, const void *data, size_t len)
{
    (void)data, (void)len;
    ++*(int *)counter;
}
