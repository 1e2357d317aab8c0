/*
 * The HTTP/2 server: its protocol table, and its constructors, which queue
 * the server preface.
 */
#include "http2.h"

static const struct h2r_protocol http2_server = {
    .feed = h2r_http2_feed,
    .pull = h2r_http2_pull,
    .want_read = h2r_http2_want_read,
    .want_write = h2r_http2_want_write,
    .file_failed = h2r_http2_file_failed,
    .close = h2r_http2_close,
    .destroy = h2r_http2_destroy,
    .get_state = h2r_http2_get_state,
    .free = h2r_http2_free,
    .respond = h2r_http2_respond,
    .interim = h2r_http2_interim,
    .send_trailers = h2r_http2_send_trailers,
    .reset = h2r_http2_reset,
    .resume = h2r_http2_return_window, /* what the pause held back */
    .stream_closed = h2r_http2_stream_closed,
    .settings = h2r_http2_settings,
    .settings_timeout = h2r_http2_settings_timeout,
    .ping = h2r_http2_ping,
    .goaway = h2r_http2_goaway,
    .altsvc = h2r_http2_altsvc,
    .origin = h2r_http2_origin,
    .priority = h2r_http2_priority,
    .push = h2r_http2_push,
};

/* The server preface: our SETTINGS, then the connection window we really want. */
static h2r_session *server_preface(h2r_session *s, const h2r_session_options *options)
{
    if (!s) return NULL;
    s->phase = PHASE_PREFACE;
    s->next_stream_id = 2;
    if (h2r_http2_start(s, options) != 0) {
        h2r_session_free(s);
        return NULL;
    }
    return s;
}

h2r_session *h2r_session_server_new(const h2r_session_options *options,
                                    const h2r_session_callbacks *callbacks, void *user_data)
{
    h2r_session_options defaults;
    if (!options) {
        h2r_session_options_init(&defaults);
        options = &defaults;
    }
    return server_preface(h2r_session_create(&http2_server, NULL, options, callbacks, user_data), options);
}

h2r_session *h2r_session_server_new_with_profile(const h2r_session_profile *profile, void *user_data)
{
    return server_preface(h2r_session_create(&http2_server, profile, NULL, NULL, user_data),
                          &profile->options);
}
