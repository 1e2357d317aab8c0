/*
 * /delay/N (see demo_delay.h). The timer lives in the pair's memory and
 * dies with the stream: a client that resets or goes away stops it, so it
 * never fires for a pair that is gone.
 */
#include <stdio.h>

#include "demo_delay.h"
#include "h2ring/loop.h"
#include "respond.h"

#define MAX_DELAY_MS 10000

struct delay {
    h2r_response *res;
    h2r_timer *timer; /* NULL once fired */
    unsigned ms;
};

/* Digits only, no sign or space, at most MAX_DELAY_MS; -1 otherwise. */
static long parse_ms(const char *text, size_t len)
{
    long ms = 0;
    if (len == 0) return -1;
    for (size_t i = 0; i != len; ++i) {
        if (text[i] < '0' || text[i] > '9') return -1;
        ms = ms * 10 + (text[i] - '0');
        if (ms > MAX_DELAY_MS) return -1;
    }
    return ms;
}

static void fired(h2r_timer *timer, void *ctx)
{
    struct delay *delay = ctx;
    (void)timer;
    delay->timer = NULL; /* a one-shot timer is freed once this returns */
    char *body = h2r_request_alloc(h2r_response_req(delay->res), 32);
    if (!body) {
        h2serve_respond_no_memory(delay->res);
        return;
    }
    int len = snprintf(body, 32, "waited %u ms", delay->ms);
    h2serve_respond_owned(delay->res, 200, "text/plain", body, (size_t)len);
}

/* The stream closed before the timer fired (a reset, a connection gone): the timer goes with it. */
static void closed(h2r_response *res, void *ctx)
{
    struct delay *delay = ctx;
    (void)res;
    if (delay->timer) h2r_timer_stop(delay->timer);
}

void h2serve_demo_delay(h2r_request *req, h2r_response *res, const char *ms, size_t len)
{
    static const char bad[] = "N of /delay/N is a number of milliseconds from 0 to 10000\n";
    static const h2r_response_events events = {.on_close = closed};
    long delay_ms = parse_ms(ms, len);
    if (delay_ms < 0) {
        h2serve_respond(res, 400, "text/plain", bad, sizeof(bad) - 1);
        return;
    }
    struct delay *delay = h2r_request_alloc(req, sizeof(*delay));
    if (!delay) {
        h2serve_respond_no_memory(res);
        return;
    }
    *delay = (struct delay){.res = res, .ms = (unsigned)delay_ms};
    if (h2r_timer_start(h2r_stream_loop(h2r_request_stream(req)), (uint64_t)delay_ms, 0, fired, delay,
                        &delay->timer) != 0) {
        h2serve_respond(res, 503, "text/plain", "no timer\n", 9);
        return;
    }
    h2r_response_on(res, &events, delay);
}
