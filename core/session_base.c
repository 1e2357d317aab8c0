/*
 * What every kind of session has: making it (h2r_session_create, which the
 * kinds' constructors call before their own part) and freeing it.
 */
#include <stdlib.h>

#include "session_internal.h"

/*
 * The session is what every open connection costs: it fits jemalloc's
 * 768-byte size class (the next is 896), with what an idle session does
 * without allocated when first needed (bench/README.md).
 */
_Static_assert(sizeof(struct h2r_session) <= 768, "struct h2r_session outgrew jemalloc's 768-byte class");

h2r_session *h2r_session_create(const struct h2r_protocol *proto, const h2r_session_profile *profile,
                                const h2r_session_options *options, const h2r_session_callbacks *callbacks,
                                void *user_data)
{
    h2r_session *s;
    h2r_session_options defaults;
    if (profile) {
        options = &profile->options;
        if (!(s = calloc(1, sizeof(*s)))) return NULL;
        s->config = &profile->config;
    } else {
        if (!options) {
            h2r_session_options_init(&defaults);
            options = &defaults;
        }
        if (!h2r_options_valid(options)) return NULL;
        /* Its own config, in the same allocation. */
        struct session_own {
            struct h2r_session session;
            struct session_config config;
        } *own = calloc(1, sizeof(*own));
        if (!own) return NULL;
        h2r_config_init(&own->config, options, callbacks);
        s = &own->session;
        s->config = &own->config;
    }
    s->proto = proto;
    s->user_data = user_data;

    /* Until SETTINGS are acknowledged both sides run on the protocol defaults (RFC 9113 §6.5.3). */
    h2r_settings_default(&s->local);
    h2r_settings_default(&s->remote);
    s->remote.max_concurrent_streams = options->peer_max_concurrent_streams;
    /* Our own limits that need no acknowledgment: we only ever enforce the looser of old and new. */
    s->local.max_header_list_size = options->settings.max_header_list_size;
    s->local.max_concurrent_streams = options->settings.max_concurrent_streams;

    h2r_sched_init(&s->sched);
    s->remote_window = 65535;
    s->local_window = 65535;
    return s;
}

void h2r_session_free(h2r_session *s)
{
    if (!s) return;
    s->destroyed = 1;
    h2r_stream_release_all(s);
    h2r_release_inflight_all(s);
    s->proto->free(s);
    while (s->out_head) {
        struct out_block *next = s->out_head->next;
        free(s->out_head);
        s->out_head = next;
    }
    free(s->buckets);
    free(s->inflight);
    h2r_field_scratch_free(s->scratch);
    /* Streams the application still holds read their session's flags: the last of them frees it. */
    if (s->kept_streams)
        s->freed = 1;
    else
        free(s);
}
