/*
 * h2proxy's upstreams (see proxy_upstreams.h). The list is made before the
 * workers start and only read after; what each worker learns of failures
 * is its own, in thread-local state, so that no lock is taken per request.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proxy_upstreams.h"

/* How long a worker skips an upstream it could not reach before one request tries it again. */
#define RETRY_AFTER_MS 2000

static struct proxy_upstream upstreams[PROXY_MAX_UPSTREAMS];
static size_t upstream_count;

/* This worker's: the next in turn, and until when each failed one is skipped. */
static _Thread_local size_t next_turn;
static _Thread_local uint64_t skipped_until_ms[PROXY_MAX_UPSTREAMS];

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int proxy_upstreams_add(const char *url, int http1, const char *ca_file, int insecure,
                        uint32_t connect_timeout_ms)
{
    if (upstream_count == PROXY_MAX_UPSTREAMS) {
        fprintf(stderr, "h2proxy: at most %d --upstream\n", PROXY_MAX_UPSTREAMS);
        return -1;
    }
    const char *authority = strncmp(url, "http://", 7) == 0    ? url + 7
                            : strncmp(url, "https://", 8) == 0 ? url + 8
                                                               : NULL;
    const char *path = authority ? authority + strcspn(authority, "/?#") : NULL;
    if (!authority || path == authority || (*path && strcmp(path, "/") != 0) || path - url >= 256) {
        fprintf(stderr, "h2proxy: --upstream needs http://HOST[:PORT] or https://HOST[:PORT], not '%s'\n",
                url);
        return -1;
    }
    struct proxy_upstream *u = &upstreams[upstream_count++];
    /* The pool keys connections by the URL's origin: without the "/", every request names the same. */
    static char origins[PROXY_MAX_UPSTREAMS][256];
    char *origin = origins[upstream_count - 1];
    snprintf(origin, sizeof(origins[0]), "%.*s", (int)(path - url), url);
    u->origin = origin;
    h2r_client_options_init(&u->options);
    /* A push would have nowhere to go; without it, an upstream may send 103 Early Hints instead (h2serve). */
    static h2r_session_options no_push;
    h2r_session_options_init(&no_push);
    no_push.settings.enable_push = 0;
    u->options.session_options = &no_push;
    if (http1) u->options.protocols = H2R_CLIENT_HTTP1;
    u->options.ca_file = ca_file;
    u->options.insecure = insecure;
    u->options.connect_timeout_ms = connect_timeout_ms;
    u->options.handshake_timeout_ms = connect_timeout_ms;
    return 0;
}

size_t proxy_upstreams_count(void)
{
    return upstream_count;
}

size_t proxy_upstreams_next(void)
{
    uint64_t now = now_ms();
    size_t first = next_turn++ % upstream_count;
    for (size_t i = 0; i != upstream_count; ++i) {
        size_t index = (first + i) % upstream_count;
        if (skipped_until_ms[index] <= now) return index;
    }
    return first;
}

const struct proxy_upstream *proxy_upstreams_get(size_t index)
{
    return &upstreams[index];
}

void proxy_upstreams_failed(size_t index)
{
    skipped_until_ms[index] = now_ms() + RETRY_AFTER_MS;
}

void proxy_upstreams_answered(size_t index)
{
    skipped_until_ms[index] = 0;
}
