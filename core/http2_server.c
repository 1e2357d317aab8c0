/*
 * The HTTP/2 server: its protocol table, and its constructors, which queue
 * the server preface.
 */
#include "http2.h"

static int want_read(const h2r_session *s)
{
    return s->phase != PHASE_CLOSED;
}

static void get_state(const h2r_session *s, h2r_session_state *st)
{
    st->effective_local_window_size = s->local_window;
    st->local_window_size = s->local_window;
    st->effective_recv_data_length = s->conn_unacked_bytes;
    st->inbound_queue_size = s->rx_len;
    st->remote_window_size = s->remote_window;
    st->next_stream_id = s->next_push_id;
    st->deflate_dynamic_table_size = h2r_hpack_encoder_table_size(&s->encoder);
    st->inflate_dynamic_table_size = h2r_hpack_decoder_table_size(&s->decoder);
}

static const struct h2r_protocol http2_server = {
    .feed = h2r_http2_feed,
    .pull = h2r_http2_pull,
    .want_read = want_read,
    .want_write = h2r_http2_want_write,
    .file_failed = h2r_http2_file_failed,
    .close = h2r_http2_close,
    .destroy = h2r_http2_destroy,
    .get_state = get_state,
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
    .urgency = h2r_http2_urgency,
    .push = h2r_http2_push,
};

/* The server preface: our SETTINGS, then the connection window we really want. */
static h2r_session *server_preface(h2r_session *s, const h2r_session_options *options)
{
    if (!s) return NULL;
    s->phase = PHASE_PREFACE;
    s->next_push_id = 2;
    h2r_hpack_encoder_init(&s->encoder, options->max_deflate_dynamic_table_size);
    h2r_hpack_decoder_init(&s->decoder, H2R_HPACK_DEFAULT_TABLE_SIZE, options->settings.max_header_list_size);
    h2r_settings protocol_defaults;
    h2r_settings_default(&protocol_defaults);
    if (h2r_http2_send_settings(s, &options->settings, &protocol_defaults) != 0 ||
        (s->config->opt.connection_window_size > 65535 &&
         h2r_send_window_update(s, 0, s->config->opt.connection_window_size - 65535) != 0)) {
        h2r_session_free(s);
        return NULL;
    }
    s->local_window = s->config->opt.connection_window_size;
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
