/*
 * files: the files of a directory over HTTP/2 (h2c), with respondWithFile
 * (Node's stream.respondWithFile). Its statCheck sees the file's stat before
 * anything is sent: it adds last-modified, and answers an if-modified-since
 * that matches with 304 instead of the file. Its onError answers a file that
 * is not there with 404 (and anything else with 500), as in Node's example.
 *
 *   cc files.c $(pkg-config --cflags --libs h2ring) -o files
 *   ./files --port 8080 /usr/share/common-licenses &
 *   curl --http2-prior-knowledge -i http://127.0.0.1:8080/Apache-2.0
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <h2ring/h2ring.h>

#define HEADER(n, v) ((h2r_header){.name = (n), .name_len = strlen(n), .value = (v), .value_len = strlen(v)})

static int dir_fd;

/* What stat_check needs of the request, whose headers are valid during on_stream only. */
struct request {
    char if_modified_since[64];
};

static int stat_check(h2r_stream *stream, const struct stat *st, h2r_file_response *response, void *ctx)
{
    const struct request *req = ctx;
    char last_modified[64];
    struct tm tm;
    strftime(last_modified, sizeof(last_modified), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&st->st_mtime, &tm));
    if (strcmp(req->if_modified_since, last_modified) == 0) {
        h2r_header not_modified[] = {HEADER(":status", "304"), HEADER("last-modified", last_modified)};
        h2r_stream_respond(stream, not_modified, 2, H2R_RESPOND_END_STREAM);
        return 1; /* answered here: the file is not sent */
    }
    h2r_file_response_set_header(response, "last-modified", last_modified);
    return 0;
}

/* err is a negative errno: the file could not be opened, or is no regular file. */
static void on_error(h2r_stream *stream, int err, void *ctx)
{
    h2r_header status[] = {HEADER(":status", err == -ENOENT ? "404" : "500")};
    (void)ctx;
    h2r_stream_respond(stream, status, 1, H2R_RESPOND_END_STREAM);
}

/* Names and values are byte strings with a length, not NUL-terminated. */
static int equals(const char *bytes, size_t len, const char *text)
{
    return len == strlen(text) && memcmp(bytes, text, len) == 0;
}

static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags)
{
    h2r_header response[] = {HEADER("content-type", "application/octet-stream")};
    struct request *req = calloc(1, sizeof(*req));
    char name[256] = "";
    h2r_file_options options;
    (void)session, (void)flags;

    if (!req) {
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
        return;
    }
    for (size_t i = 0; i != count; ++i) {
        const h2r_header *h = &headers[i];
        /* :path is "/NAME": the file NAME of the directory. */
        if (equals(h->name, h->name_len, ":path") && h->value_len > 0 && h->value_len <= sizeof(name))
            memcpy(name, h->value + 1, h->value_len - 1);
        else if (equals(h->name, h->name_len, "if-modified-since") &&
                 h->value_len < sizeof(req->if_modified_since))
            memcpy(req->if_modified_since, h->value, h->value_len);
    }
    h2r_file_options_init(&options);
    options.stat_check = stat_check;
    options.on_error = on_error;
    options.ctx = req;
    options.release_ctx = free;
    options.dir_fd = dir_fd;
    options.beneath = 1; /* no "..", absolute path or symbolic link leads out of the directory */
    if (h2r_stream_respond_with_file(stream, name, response, 1, &options) != 0) {
        free(req); /* still ours when the call fails */
        h2r_stream_close(stream, H2R_INTERNAL_ERROR);
    }
}

static void on_listening(const char *url, void *user_data)
{
    (void)user_data;
    printf("files listening on %s\n", url);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    h2r_server_config config;
    h2r_server_config_init(&config);
    int arg = argc > 2 && strcmp(argv[1], "--port") == 0 ? 3 : 1; /* argv[arg]: the directory */
    if (argc > arg + 1) {
        fprintf(stderr, "usage: files [--port N] [DIR]\n");
        return 2;
    }
    config.port = arg == 3 ? (uint16_t)atoi(argv[2]) : 8080;
    if ((dir_fd = open(arg < argc ? argv[arg] : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        perror(arg < argc ? argv[arg] : ".");
        return 2;
    }
    config.callbacks.on_stream = on_stream;
    config.on_listening = on_listening;
    return h2r_server_run(&config) == 0 ? 0 : 1;
}
