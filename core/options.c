/*
 * Options and profiles (h2r_session_options, h2r_session_profile): their
 * defaults, what makes them valid, and the config a session reads of them
 * once it is made.
 */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

void h2r_settings_default(h2r_settings *s)
{
    *s = (h2r_settings){
        .header_table_size = 4096,
        .enable_push = 1,
        .max_concurrent_streams = UINT32_MAX,
        .initial_window_size = 65535,
        .max_frame_size = H2R_FRAME_MIN_MAX_SIZE,
        .max_header_list_size = UINT32_MAX,
        .enable_connect_protocol = 0,
        .no_rfc7540_priorities = 0,
    };
}

void h2r_session_options_init(h2r_session_options *o)
{
    memset(o, 0, sizeof(*o));
    h2r_settings_default(&o->settings);
    o->settings.max_concurrent_streams = 100;
    o->settings.max_header_list_size = 65536;
    o->max_header_list_pairs = 128;
    o->max_session_memory = 10u << 20;
    o->max_outstanding_pings = 10;
    o->max_send_header_block_length = 65536;
    o->max_session_invalid_frames = 1000;
    o->max_session_rejected_streams = 100;
    o->peer_max_concurrent_streams = 100;
    o->padding_strategy = H2R_PADDING_NONE;
    o->max_deflate_dynamic_table_size = 4096;
    o->connection_window_size = 1u << 20;
    o->max_continuations = 32;
    o->max_reset_streams = 200;
    o->output_stall_timeout_ms = 60000;
    o->max_control_queue_bytes = 64u << 10;
    o->stream_high_water_mark = 64u << 10;
    o->http1_max_buffered_input = 64u << 10;
    h2r_http1_limits parser;
    h2r_http1_limits_default(&parser);
    o->http1_max_request_line = parser.max_request_line;
    o->http1_max_head_size = parser.max_head_size;
    o->http1_max_trailer_size = parser.max_trailer_size;
    o->http1_max_chunk_ext_size = parser.max_chunk_ext_size;
    o->http1_max_body_size = parser.max_body_size;
}

int h2r_settings_valid(const h2r_settings *s)
{
    return s->enable_push <= 1 && s->initial_window_size <= H2R_MAX_WINDOW &&
           s->max_frame_size >= H2R_FRAME_MIN_MAX_SIZE && s->max_frame_size <= H2R_FRAME_MAX_MAX_SIZE &&
           s->enable_connect_protocol <= 1 && s->no_rfc7540_priorities <= 1;
}

int h2r_options_valid(const h2r_session_options *o)
{
    return h2r_settings_valid(&o->settings) && o->connection_window_size >= 65535 &&
           o->connection_window_size <= H2R_MAX_WINDOW && o->max_outstanding_pings <= 32 &&
           o->max_header_list_pairs > 0 && o->http1_max_request_line > 0 && o->http1_max_head_size > 0 &&
           o->http1_max_trailer_size > 0;
}

void h2r_config_init(struct session_config *config, const h2r_session_options *options,
                     const h2r_session_callbacks *callbacks)
{
    if (callbacks) config->cb = *callbacks;
    config->opt = (struct session_limits){
        .http1 = {.max_request_line = options->http1_max_request_line,
                  .max_head_size = options->http1_max_head_size,
                  .max_trailer_size = options->http1_max_trailer_size,
                  .max_chunk_ext_size = options->http1_max_chunk_ext_size,
                  .max_body_size = options->http1_max_body_size},
        .max_session_memory = options->max_session_memory,
        .max_send_header_block_length = options->max_send_header_block_length,
        .max_control_queue_bytes = options->max_control_queue_bytes,
        .stream_high_water_mark = options->stream_high_water_mark,
        .http1_max_buffered_input = options->http1_max_buffered_input,
        .max_header_list_pairs = options->max_header_list_pairs,
        .max_session_invalid_frames = options->max_session_invalid_frames,
        .max_session_rejected_streams = options->max_session_rejected_streams,
        .connection_window_size = options->connection_window_size,
        .max_continuations = options->max_continuations,
        .max_reset_streams = options->max_reset_streams,
        .max_outstanding_pings = options->max_outstanding_pings,
        .output_stall_timeout_ms = options->output_stall_timeout_ms,
        .padding_strategy = options->padding_strategy,
    };
}

h2r_session_profile *h2r_session_profile_new(const h2r_session_options *options,
                                             const h2r_session_callbacks *callbacks)
{
    h2r_session_profile *profile = calloc(1, sizeof(*profile));
    if (!profile) return NULL;
    if (options)
        profile->options = *options;
    else
        h2r_session_options_init(&profile->options);
    if (!h2r_options_valid(&profile->options)) {
        free(profile);
        return NULL;
    }
    h2r_config_init(&profile->config, &profile->options, callbacks);
    return profile;
}

void h2r_session_profile_free(h2r_session_profile *profile)
{
    free(profile);
}
