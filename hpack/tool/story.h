/*
 * Reads the story files of the hpack-test-case corpus
 * (https://github.com/http2jp/hpack-test-case): one JSON object per story,
 * whose "cases" are header blocks that share one compression context.
 *
 * Shared by the h2r-hpack tool, the nghttp2 interop test and the bench, so
 * that all three agree on what a well-formed story is. A story is checked
 * whole when it is loaded; its header lists are then plain h2r_hpack_field
 * arrays pointing into the JSON document, ready for the encoder.
 */
#ifndef H2R_HPACK_STORY_H
#define H2R_HPACK_STORY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "h2ring/hpack.h"

struct story_case {
    json_t *json;              /* the case object, owned by the story's document */
    json_int_t seqno;          /* as given, or the case's position when the file has none */
    int64_t header_table_size; /* the SETTINGS value acked before this case, or -1 (absent or null) */
    const char *wire;          /* the hex string as given (not checked), or NULL */
    size_t wire_len;
    h2r_hpack_field *fields; /* strings point into the document */
    size_t field_count;
    size_t header_bytes; /* sum of name and value lengths */
};

struct story {
    char *path;
    json_t *root;
    struct story_case *cases;
    size_t case_count;
};

/**
 * Loads and checks one story. Returns 0, or -1 with a one-line reason in err
 * (which names the file) if it cannot be read, is not JSON, or does not have
 * the shape of a story.
 */
int story_load(struct story *story, const char *path, char *err, size_t err_size);

void story_dispose(struct story *story);

/**
 * Loads every *.json in dir, in name order. Returns 0, or -1 with the reason
 * in err (nothing is left allocated then).
 */
int story_load_dir(const char *dir, struct story **stories, size_t *count, char *err, size_t err_size);

void story_dispose_all(struct story *stories, size_t count);

#endif
