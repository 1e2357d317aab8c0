/*
 * The HTTP/1.1 server: its protocol table and constructors, and what the
 * I/O layer asks of it its own way (pull, get_state).
 */
#include <stdlib.h>

#include "http1.h"

static void get_state(const h2r_session *s, h2r_session_state *st)
{
    st->inbound_queue_size = h2r_http1_buffered(s->h1);
}

/* The next piece of output within room chunks (h2r_out_pull); 1 if there was any, else 0. */
static int produce(h2r_session *s, size_t room)
{
    h2r_stream *st = s->h1->current;
    if (h2r_http1_message_ready(st)) return h2r_http1_write_next(s, st, room);
    /* The exchange ended with pipelined requests buffered: the next one is read now. */
    return s->h1->input_ready && h2r_http1_read_buffered(s);
}

static size_t pull(h2r_session *s, h2r_chunk *chunks, size_t max)
{
    return h2r_out_pull(s, chunks, max, produce);
}

static const struct h2r_protocol http1_server = {
    .feed = h2r_http1_feed,
    .pull = pull,
    .want_read = h2r_http1_want_read,
    .want_write = h2r_http1_want_write,
    .file_failed = h2r_http1_file_failed,
    .close = h2r_http1_close,
    /* No GOAWAY: the connection ends after what is already queued. */
    .destroy = NULL,
    /* No windows, no pushes, no HPACK: the exchanges, and the input kept. */
    .get_state = get_state,
    .free = h2r_http1_free,
    .input_paused = h2r_http1_input_paused,
    .eof = h2r_http1_server_eof,
    .respond = h2r_http1_respond,
    .interim = h2r_http1_interim,
    .send_trailers = h2r_http1_send_trailers,
    /* No reset: the exchange's end ends the connection (h2r_http1_stream_closed). */
    .reset = NULL,
    .resume = h2r_http1_resume,
    .stream_closed = h2r_http1_stream_closed,
    .output_drained = h2r_http1_output_drained,
    /*
     * HTTP/2's control calls have nothing to send, and one exchange at a
     * time has nothing to prioritise or push: NULL.
     */
};

static h2r_session *http1_server_new(const h2r_session_profile *profile, const h2r_session_options *options,
                                     const h2r_session_callbacks *callbacks, void *user_data,
                                     const char *scheme)
{
    const char *own = h2r_http1_scheme(scheme);
    if (!own) return NULL;
    h2r_session *s = h2r_session_create(&http1_server, profile, options, callbacks, user_data);
    if (!s) return NULL;
    if (!(s->h1 = calloc(1, sizeof(*s->h1)))) {
        h2r_session_free(s);
        return NULL;
    }
    s->h1->role = &h2r_http1_server_role;
    s->h1->scheme = own;
    s->h1->read_state = H1_READ_HEAD;
    s->phase = PHASE_FRAMES;   /* only PHASE_CLOSED (a failed or destroyed connection) means anything here */
    s->remote.enable_push = 0; /* what makes h2r_stream_push refuse and push_allowed say no */
    return s;
}

h2r_session *h2r_session_http1_server_new(const h2r_session_options *options,
                                          const h2r_session_callbacks *callbacks, void *user_data,
                                          const char *scheme)
{
    return http1_server_new(NULL, options, callbacks, user_data, scheme);
}

h2r_session *h2r_session_http1_server_new_with_profile(const h2r_session_profile *profile, void *user_data,
                                                       const char *scheme)
{
    return http1_server_new(profile, NULL, NULL, user_data, scheme);
}
