/*
 * Loading hpack-test-case stories with jansson. Every shape check lives here,
 * so that the commands using a story never meet a malformed one.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "story.h"

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    return -1;
}

/* One header is a JSON object with a single member, {"name": "value"}, so
 * that a list can repeat a name and keep its order. */
static int load_field(h2r_hpack_field *field, json_t *header)
{
    void *iter;
    json_t *value;

    if (!json_is_object(header) || json_object_size(header) != 1) return -1;
    iter = json_object_iter(header);
    value = json_object_iter_value(iter);
    if (!json_is_string(value)) return -1;
    *field = (h2r_hpack_field){
        .name = json_object_iter_key(iter),
        .name_len = json_object_iter_key_len(iter),
        .value = json_string_value(value),
        .value_len = json_string_length(value),
    };
    return 0;
}

static int load_case(struct story_case *c, json_t *json, size_t pos, const char *path, char *err,
                     size_t err_size)
{
    json_t *seqno, *table_size, *wire, *headers;

    if (!json_is_object(json)) return fail(err, err_size, "%s: cases[%zu] is not an object", path, pos);
    c->json = json;

    seqno = json_object_get(json, "seqno");
    if (seqno != NULL && !json_is_integer(seqno))
        return fail(err, err_size, "%s: cases[%zu]: \"seqno\" is not an integer", path, pos);
    c->seqno = seqno != NULL ? json_integer_value(seqno) : (json_int_t)pos;

    /* Some implementations' stories write null for "not given". */
    table_size = json_object_get(json, "header_table_size");
    c->header_table_size = -1;
    if (table_size != NULL && !json_is_null(table_size)) {
        if (!json_is_integer(table_size) || json_integer_value(table_size) < 0 ||
            json_integer_value(table_size) > UINT32_MAX)
            return fail(err, err_size,
                        "%s: cases[%zu]: \"header_table_size\" is not a 32-bit unsigned integer", path, pos);
        c->header_table_size = json_integer_value(table_size);
    }

    wire = json_object_get(json, "wire");
    if (wire != NULL) {
        if (!json_is_string(wire))
            return fail(err, err_size, "%s: cases[%zu]: \"wire\" is not a string", path, pos);
        c->wire = json_string_value(wire);
        c->wire_len = json_string_length(wire);
    }

    headers = json_object_get(json, "headers");
    if (!json_is_array(headers))
        return fail(err, err_size, "%s: cases[%zu]: no \"headers\" array", path, pos);
    c->field_count = json_array_size(headers);
    if (c->field_count != 0 && (c->fields = calloc(c->field_count, sizeof(*c->fields))) == NULL)
        return fail(err, err_size, "%s: out of memory", path);
    for (size_t i = 0; i != c->field_count; ++i) {
        if (load_field(&c->fields[i], json_array_get(headers, i)) != 0)
            return fail(err, err_size, "%s: cases[%zu]: headers[%zu] is not a {\"name\": \"value\"} object",
                        path, pos, i);
        c->header_bytes += c->fields[i].name_len + c->fields[i].value_len;
    }
    return 0;
}

int story_load(struct story *story, const char *path, char *err, size_t err_size)
{
    json_error_t jerr;
    json_t *cases;

    memset(story, 0, sizeof(*story));
    /* Field values may hold NUL bytes (\u0000): HPACK carries any octet. */
    story->root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (story->root == NULL) {
        if (json_error_code(&jerr) == json_error_cannot_open_file)
            return fail(err, err_size, "%s", jerr.text);
        return fail(err, err_size, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
    }
    if ((story->path = strdup(path)) == NULL) {
        story_dispose(story);
        return fail(err, err_size, "%s: out of memory", path);
    }

    cases = json_object_get(story->root, "cases");
    if (!json_is_array(cases)) {
        story_dispose(story);
        return fail(err, err_size, "%s: not a story (no \"cases\" array)", path);
    }
    story->case_count = json_array_size(cases);
    if (story->case_count != 0 && (story->cases = calloc(story->case_count, sizeof(*story->cases))) == NULL) {
        story_dispose(story);
        return fail(err, err_size, "%s: out of memory", path);
    }
    for (size_t i = 0; i != story->case_count; ++i) {
        if (load_case(&story->cases[i], json_array_get(cases, i), i, path, err, err_size) != 0) {
            story_dispose(story);
            return -1;
        }
    }
    return 0;
}

void story_dispose(struct story *story)
{
    for (size_t i = 0; i != story->case_count && story->cases != NULL; ++i) free(story->cases[i].fields);
    free(story->cases);
    free(story->path);
    json_decref(story->root);
    memset(story, 0, sizeof(*story));
}

static int is_json_file(const struct dirent *entry)
{
    size_t len = strlen(entry->d_name);

    return entry->d_name[0] != '.' && len > 5 && strcmp(entry->d_name + len - 5, ".json") == 0;
}

int story_load_dir(const char *dir, struct story **stories, size_t *count, char *err, size_t err_size)
{
    struct dirent **names;
    int n = scandir(dir, &names, is_json_file, alphasort);
    int ret = 0;

    *stories = NULL;
    *count = 0;
    if (n < 0) return fail(err, err_size, "%s: cannot list: %s", dir, strerror(errno));
    if (n == 0)
        ret = fail(err, err_size, "%s: no *.json story", dir);
    else if ((*stories = calloc((size_t)n, sizeof(**stories))) == NULL)
        ret = fail(err, err_size, "%s: out of memory", dir);

    for (int i = 0; i != n; ++i) {
        if (ret == 0) {
            char path[4096];

            if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >= sizeof(path))
                ret = fail(err, err_size, "%s/%s: path too long", dir, names[i]->d_name);
            else if ((ret = story_load(&(*stories)[i], path, err, err_size)) == 0)
                ++*count;
        }
        free(names[i]);
    }
    free(names);

    if (ret != 0) {
        story_dispose_all(*stories, *count);
        *stories = NULL;
        *count = 0;
    }
    return ret;
}

void story_dispose_all(struct story *stories, size_t count)
{
    for (size_t i = 0; i != count; ++i) story_dispose(&stories[i]);
    free(stories);
}
