/*
 * h2get's ordinary mode: one connection to the URLs' origin, every request
 * made at once (as many as the server's concurrency takes; HTTP/1.1, one
 * after another), and the bodies written in the order of the URLs: the
 * first straight to stdout (or -o FILE), the others to a temporary file
 * each until those before them are done. With -O DIR every response and
 * every push goes to its own file under DIR instead (h2get_save.c); without
 * it pushed bodies are read and dropped (-v shows them coming).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h2get.h"
#include "h2get_save.h"

/* A request of a URL, or a push (url NULL). */
struct transfer {
    const char *url;
    int status;
    int ended;       /* the whole response came */
    int closed;      /* its stream closed, or it could not be made */
    int reported;    /* its failure is told already */
    FILE *out;       /* where the body goes: the output, the spool, a file under -O, or NULL (dropped) */
    FILE *spool;     /* a body waiting for those before it */
    char name[1024]; /* -O: the file's name under DIR */
};

static struct {
    const struct h2get_options *o;
    h2r_session *session;
    FILE *output; /* stdout or -o FILE */
    int dir_fd;   /* -O DIR, or -1 */
    struct transfer *requests;
    size_t made, closed, head; /* requests made, closed, and the first whose body is not all written */
    size_t pushes_open;
    int status;          /* the exit status so far */
    int connection_lost; /* told once, not for each stream */
} fetch;

static void fail(int status, const char *what, const char *why)
{
    fprintf(stderr, "h2get: %s: %s\n", what, why);
    /* A failure says more than --fail's HTTP error. */
    if (fetch.status == H2GET_OK || status == H2GET_FAILED) fetch.status = status;
}

static struct transfer *transfer_of(h2r_stream *stream)
{
    return h2r_stream_user_data(stream);
}

static void finish_if_done(void)
{
    if (fetch.closed == fetch.o->url_count && fetch.pushes_open == 0 && fetch.session)
        h2r_session_close(fetch.session);
}

/* Copies what a body spooled so far to the output; it writes there from now on. */
static void unspool(struct transfer *t)
{
    char buf[65536];
    size_t n;
    rewind(t->spool);
    while ((n = fread(buf, 1, sizeof(buf), t->spool)) != 0)
        if (fwrite(buf, 1, n, fetch.output) != n) break;
    fclose(t->spool);
    t->spool = NULL;
    t->out = fetch.output;
}

/* The closed requests at the head are written out in order; the next one, if spooling, goes straight out. */
static void advance_head(void)
{
    for (; fetch.head != fetch.o->url_count; ++fetch.head) {
        struct transfer *t = &fetch.requests[fetch.head];
        if (t->spool) unspool(t);
        if (!t->closed) break;
    }
}

static void make_requests(void)
{
    while (fetch.made != fetch.o->url_count) {
        struct transfer *t = &fetch.requests[fetch.made];
        h2r_stream *stream;
        int err = h2get_request(fetch.session, fetch.o, t->url, t, &stream);
        if (err == H2R_ERR_STREAM_LIMIT && fetch.made != fetch.closed) return;
        ++fetch.made;
        if (err) {
            /* A file's errno, or the engine's refusal (a lost connection is told already). */
            if (err != H2R_ERR_SESSION_CLOSED || !fetch.connection_lost)
                fail(H2GET_FAILED, err > -500 && fetch.o->data_file ? fetch.o->data_file : t->url,
                     err > -500 ? strerror(-err) : h2r_client_strerror(err));
            t->closed = 1;
            ++fetch.closed;
            continue;
        }
    }
}

static void on_connect(h2r_session *session, int err, void *ctx)
{
    (void)ctx;
    if (!session) {
        fail(H2GET_FAILED, fetch.o->urls[0], h2r_client_strerror(err));
        return;
    }
    fetch.session = session;
    make_requests();
    finish_if_done();
}

static int is_http1(h2r_stream *stream)
{
    return h2r_session_is_http1(h2r_stream_session(stream));
}

/* Where a body goes, once its response says it comes. */
static FILE *open_output(h2r_stream *stream, struct transfer *t)
{
    if (fetch.dir_fd >= 0) {
        int fd = h2get_save_open(fetch.dir_fd, t->name);
        FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (!out) {
            fail(H2GET_FAILED, t->name, strerror(fd < 0 ? -fd : errno));
            t->reported = 1;
            if (fd >= 0) close(fd);
            h2r_stream_close(stream, H2R_CANCEL);
        }
        return out;
    }
    if (!t->url) return NULL; /* a push's body, without -O */
    if (t == &fetch.requests[fetch.head]) return fetch.output;
    if (!(t->spool = tmpfile())) fail(H2GET_FAILED, "a temporary file", strerror(errno));
    return t->spool;
}

static void on_response(h2r_stream *stream, const h2r_header *headers, size_t count, int flags)
{
    struct transfer *t = transfer_of(stream);
    (void)flags;
    if (fetch.o->verbose) h2get_trace_headers(0, is_http1(stream), headers, count);
    t->status = h2get_status(headers, count);
    if (t->url && fetch.o->fail && (t->status < 200 || t->status > 299)) {
        char why[32];
        snprintf(why, sizeof(why), "the server answered %d", t->status);
        fail(H2GET_HTTP_ERROR, t->url, why);
        return; /* as curl's --fail: no body */
    }
    t->out = open_output(stream, t);
}

static void on_informational(h2r_stream *stream, const h2r_header *headers, size_t count)
{
    if (fetch.o->verbose) h2get_trace_headers(0, is_http1(stream), headers, count);
}

static void on_data(h2r_stream *stream, const uint8_t *data, size_t len)
{
    struct transfer *t = transfer_of(stream);
    if (!t->out || fwrite(data, 1, len, t->out) == len) return;
    fail(H2GET_FAILED, t->url && !fetch.o->output_dir ? "the output" : t->name, strerror(errno));
    t->reported = 1;
    t->out = NULL;
    h2r_stream_close(stream, H2R_CANCEL);
}

static void on_end(h2r_stream *stream)
{
    transfer_of(stream)->ended = 1;
}

static void on_trailers(h2r_stream *stream, const h2r_header *headers, size_t count)
{
    if (fetch.o->verbose) h2get_trace_headers(0, is_http1(stream), headers, count);
}

/* A file of its own under -O, written whole or not. */
static void close_file(struct transfer *t)
{
    if (t->out && t->out != fetch.output && t->out != t->spool && fclose(t->out) != 0)
        fail(H2GET_FAILED, t->name, strerror(errno));
    t->out = NULL;
}

/* Why a stream ended without its whole response: reset by the server, or the connection gone (told once). */
static void tell_incomplete(h2r_stream *stream, const struct transfer *t, uint32_t rst_code)
{
    char why[64];
    if (!h2r_session_want_read(h2r_stream_session(stream))) {
        if (!fetch.connection_lost)
            fail(H2GET_FAILED, fetch.o->urls[0], "the connection ended before the responses");
        fetch.connection_lost = 1;
        return;
    }
    snprintf(why, sizeof(why),
             rst_code == H2R_REFUSED_STREAM ? "refused by the server (%s)" : "stream reset (%s)",
             h2r_error_code_name(rst_code));
    if (t->url)
        fail(H2GET_FAILED, t->url, why);
    else if (rst_code != H2R_CANCEL) /* a push the server gave up on is no failure of the requests */
        fprintf(stderr, "h2get: push %s: %s\n", t->name, why);
}

static void on_stream_close(h2r_stream *stream, uint32_t rst_code)
{
    struct transfer *t = transfer_of(stream);
    if (!t) return; /* a push refused from on_stream */
    close_file(t);
    if (!t->ended && !t->reported) tell_incomplete(stream, t, rst_code);
    if (!t->url) {
        free(t);
        --fetch.pushes_open;
    } else {
        t->closed = 1;
        ++fetch.closed;
        advance_head();
        make_requests();
    }
    finish_if_done();
}

/* A push promised: saved under -O DIR if its path makes a name there, else refused; read and dropped without
 * -O. */
static void on_push(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                    int flags)
{
    (void)session, (void)flags;
    if (fetch.o->verbose) h2get_trace_headers(0, 0, headers, count);
    const h2r_header *path = h2get_field(headers, count, ":path");
    struct transfer *t = path ? calloc(1, sizeof(*t)) : NULL;
    if (t && fetch.dir_fd < 0) snprintf(t->name, sizeof(t->name), "%.*s", (int)path->value_len, path->value);
    if (t && fetch.dir_fd >= 0 &&
        h2get_save_name(path->value, path->value_len, t->name, sizeof(t->name)) != 0) {
        fprintf(stderr, "h2get: push %.*s refused: not a file name under %s\n", (int)path->value_len,
                path->value, fetch.o->output_dir);
        free(t);
        t = NULL;
    }
    if (!t) {
        h2r_stream_close(stream, H2R_CANCEL);
        return;
    }
    h2r_stream_set_user_data(stream, t);
    ++fetch.pushes_open;
}

static void on_session_error(h2r_session *session, uint32_t code, const char *reason)
{
    (void)session;
    char why[256];
    snprintf(why, sizeof(why), "%s (%s)", reason, h2r_error_code_name(code));
    fail(H2GET_FAILED, fetch.o->urls[0], why);
    fetch.connection_lost = 1;
}

static void on_session_close(h2r_session *session)
{
    (void)session;
    fetch.session = NULL;
    if (fetch.made != fetch.o->url_count) fail(H2GET_FAILED, fetch.o->urls[0], "the connection closed first");
}

/* -O's names for the requests, and DIR made if need be. */
static int prepare_dir(const struct h2get_options *o)
{
    for (size_t i = 0; i != o->url_count; ++i) {
        const char *path = h2get_url_path(o->urls[i]);
        struct transfer *t = &fetch.requests[i];
        if (h2get_save_name(path, strlen(path), t->name, sizeof(t->name)) != 0) {
            fprintf(stderr, "h2get: %s: not a file name under %s\n", o->urls[i], o->output_dir);
            return -1;
        }
    }
    if (mkdir(o->output_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "h2get: %s: %s\n", o->output_dir, strerror(errno));
        return -1;
    }
    fetch.dir_fd = open(o->output_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fetch.dir_fd < 0) fprintf(stderr, "h2get: %s: %s\n", o->output_dir, strerror(errno));
    return fetch.dir_fd < 0 ? -1 : 0;
}

int h2get_fetch(h2r_loop *loop, const struct h2get_options *o)
{
    fetch.o = o;
    fetch.dir_fd = -1;
    fetch.output = stdout;
    fetch.requests = calloc(o->url_count, sizeof(*fetch.requests));
    if (!fetch.requests) return H2GET_FAILED;
    for (size_t i = 0; i != o->url_count; ++i) fetch.requests[i].url = o->urls[i];
    if (o->output_dir && prepare_dir(o) != 0) {
        free(fetch.requests);
        return H2GET_FAILED;
    }
    if (o->output_file && !(fetch.output = fopen(o->output_file, "wb"))) {
        fprintf(stderr, "h2get: %s: %s\n", o->output_file, strerror(errno));
        free(fetch.requests);
        return H2GET_FAILED;
    }
    h2r_client_options client;
    h2r_session_options session_options;
    h2get_client_options(o, &client, &session_options);
    const h2r_session_callbacks callbacks = {
        .on_stream = on_push,
        .on_data = on_data,
        .on_end = on_end,
        .on_trailers = on_trailers,
        .on_stream_close = on_stream_close,
        .on_session_error = on_session_error,
        .on_session_close = on_session_close,
        .on_response = on_response,
        .on_informational = on_informational,
        .on_frame = o->verbose ? h2get_trace_frame : NULL,
    };
    int err = h2r_connect(loop, o->urls[0], &client, &callbacks, NULL, on_connect, NULL);
    if (err)
        fail(H2GET_FAILED, o->urls[0], h2r_client_strerror(err));
    else if ((err = h2r_loop_run(loop)) != 0)
        fail(H2GET_FAILED, "the loop", h2r_client_strerror(err));
    for (size_t i = 0; i != o->url_count; ++i)
        if (fetch.requests[i].spool) fclose(fetch.requests[i].spool);
    if ((fetch.output == stdout ? fflush(stdout) : fclose(fetch.output)) != 0)
        fail(H2GET_FAILED, o->output_file ? o->output_file : "stdout", strerror(errno));
    if (fetch.dir_fd >= 0) close(fetch.dir_fd);
    free(fetch.requests);
    return fetch.status;
}
