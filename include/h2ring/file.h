/*
 * Node's http2stream.respondWithFD() and respondWithFile() on the io_uring
 * runtime: a response whose body is a file (or a range of it), sent by
 * reference through the engine's flow control and priority scheduler.
 *
 * Opening, stat and reading go through the worker's ring: a slow disk
 * never blocks the thread. Each worker keeps the files it opened for a
 * second (an open-file cache shared by its streams), so a popular file
 * costs no open or stat per request, and small files are kept in memory.
 * Call these on the worker thread that owns the stream (from its callbacks).
 */
#ifndef H2RING_FILE_H
#define H2RING_FILE_H

#include <stdint.h>
#include <sys/stat.h>

#include "h2ring/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The response being prepared, handed to stat_check (Node's headers and statOptions). */
typedef struct h2r_file_response h2r_file_response;

typedef struct h2r_file_options {
    /**
     * Node's statCheck(stat, headers, statOptions): called with the file's
     * stat before anything is sent. It may add or replace headers and change
     * the range (below). Returning nonzero cancels the send: the callback
     * then answers itself, e.g. h2r_stream_respond() with a 304.
     */
    int (*stat_check)(h2r_stream *stream, const struct stat *st, h2r_file_response *response, void *ctx);
    /**
     * Node's onError: the file could not be opened or is not a regular file
     * (err is a negative errno: -ENOENT, -EISDIR for a directory, -EINVAL
     * for a device...). The stream is untouched: answer it (404...). Without
     * on_error the stream is reset with INTERNAL_ERROR.
     */
    void (*on_error)(h2r_stream *stream, int err, void *ctx);
    void *ctx;
    /** Called once the request is over (after stat_check or on_error, or when the stream went first). */
    void (*release_ctx)(void *ctx);
    /** Node's offset and length: the range of the file to send (length -1: to the end). */
    int64_t offset;
    int64_t length;
    /** H2R_RESPOND_WAIT_FOR_TRAILERS (Node's waitForTrailers): on_want_trailers after the last DATA. */
    unsigned flags;
    /** respond_with_file: a relative path is resolved from this directory (AT_FDCWD by default)... */
    int dir_fd;
    /** ...and only beneath it if set: no "..", absolute path or symlink may lead out (RESOLVE_BENEATH). */
    int beneath;
} h2r_file_options;

/** Fills options with the defaults: no callbacks, the whole file, the current directory. */
void h2r_file_options_init(h2r_file_options *options);

/**
 * For stat_check: adds a response header, or replaces the value of one
 * already there (":status" too, e.g. "206"). Both strings are copied.
 */
int h2r_file_response_set_header(h2r_file_response *response, const char *name, const char *value);

/** For stat_check: sends length bytes from offset instead (length -1: to the end of the file). */
void h2r_file_response_set_range(h2r_file_response *response, int64_t offset, int64_t length);

/**
 * Node's respondWithFD(fd, headers, options): responds with the contents
 * of fd, a regular file; content-length is set from the range. The
 * runtime reads through a duplicate of fd made before this returns: fd is
 * not closed (as in Node), and the application may close it at any time
 * after the call. headers are copied. Returns 0 when under way (an fd that
 * cannot be duplicated then reaches options->on_error), or an H2R_ERR_*
 * code (the stream has already responded or is closed; out of memory).
 */
int h2r_stream_respond_with_fd(h2r_stream *stream, int fd, const h2r_header *headers, size_t count,
                               const h2r_file_options *options);

/** Node's respondWithFile(path, headers, options): as above, for the file at path, which it opens itself. */
int h2r_stream_respond_with_file(h2r_stream *stream, const char *path, const h2r_header *headers,
                                 size_t count, const h2r_file_options *options);

#ifdef __cplusplus
}
#endif

#endif
