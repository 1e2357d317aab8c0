/*
 * h2r-hpack: runs h2ring's HPACK decoder and encoder over hpack-test-case
 * stories. `check` tests our decoder against what other implementations
 * encoded; `encode` writes a story of our own, for `check` and for other
 * implementations' decoders to verify.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2ring/hpack.h"
#include "story.h"

enum {
    EXIT_MISMATCH = 1, /* a case did not decode to its headers, or could not be encoded or written */
    EXIT_USAGE = 2,    /* bad arguments, or a story file that cannot be read or is not a story */
};

static const char help[] = "Usage: h2r-hpack check STORY.json...\n"
                           "       h2r-hpack encode STORY.json\n"
                           "       h2r-hpack --help\n"
                           "\n"
                           "Runs h2ring's HPACK (RFC 7541) decoder and encoder over the story files of\n"
                           "hpack-test-case (https://github.com/http2jp/hpack-test-case).\n"
                           "\n"
                           "  check   For each story, decodes the \"wire\" of its cases in order with one\n"
                           "          decoder (the cases share its dynamic table), first applying a case's\n"
                           "          \"header_table_size\" as our acknowledged SETTINGS_HEADER_TABLE_SIZE,\n"
                           "          and compares the decoded fields, in order, with its \"headers\".\n"
                           "          Prints one line per failing case, then a summary.\n"
                           "  encode  Encodes the \"headers\" of the story's cases in order with one\n"
                           "          encoder (dynamic table of 4096 bytes; a case's \"header_table_size\"\n"
                           "          is applied as the peer's setting) and prints the story with the\n"
                           "          \"wire\" (lowercase hex) and \"seqno\" of every case.\n"
                           "\n"
                           "Exit status: 0 if all is well; 1 if a case does not match (check) or the\n"
                           "story cannot be encoded or written (encode); 2 on bad usage or a file that\n"
                           "cannot be read or is not a valid story.\n";

static const char description[] = "Encoded by h2ring's HPACK encoder (h2r-hpack encode): dynamic table of "
                                  "4096 bytes, Huffman coding where it is shorter.";

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("h2r-hpack: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see h2r-hpack --help)\n", stderr);
    return EXIT_USAGE;
}

/* ---- check ---- */

struct tally {
    size_t stories, cases, failed, unchecked;
};

/* The fields of one case as the decoder hands them over. */
struct expectation {
    const struct story_case *c;
    size_t next;        /* index of the next expected field */
    char mismatch[512]; /* the first difference, or empty */
};

/* Renders a byte string for a message: quoted, escaped, cut when long. */
static const char *quote(char *dst, size_t size, const char *s, size_t len)
{
    size_t o = 0;

    dst[o++] = '"';
    for (size_t i = 0; i != len; ++i) {
        unsigned char ch = (unsigned char)s[i];

        if (o + 8 > size) { /* room for an escape, the closing quote and the NUL */
            memcpy(dst + o, "\"...", 5);
            return dst;
        }
        if (ch == '"' || ch == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7f) {
            o += (size_t)snprintf(dst + o, size - o, "\\x%02x", ch);
        } else {
            dst[o++] = (char)ch;
        }
    }
    dst[o++] = '"';
    dst[o] = '\0';
    return dst;
}

static void describe(struct expectation *x, const char *what, size_t index, const h2r_hpack_field *field)
{
    char name[96], value[160];

    snprintf(x->mismatch, sizeof(x->mismatch), "headers[%zu]: %s %s: %s", index, what,
             quote(name, sizeof(name), field->name, field->name_len),
             quote(value, sizeof(value), field->value, field->value_len));
}

/* Empty strings are compared by length alone: their pointers may be NULL. */
static int same_bytes(const void *a, size_t a_len, const void *b, size_t b_len)
{
    return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

static int same_field(const h2r_hpack_field *a, const h2r_hpack_field *b)
{
    return same_bytes(a->name, a->name_len, b->name, b->name_len) &&
           same_bytes(a->value, a->value_len, b->value, b->value_len);
}

static int on_field(void *ctx, const h2r_hpack_field *field)
{
    struct expectation *x = ctx;
    size_t i = x->next++;

    if (x->mismatch[0] != '\0') return 0;
    if (i >= x->c->field_count) {
        describe(x, "unexpected", i, field);
    } else if (!same_field(field, &x->c->fields[i])) {
        char name[96], value[160];

        describe(x, "decoded", i, field);
        snprintf(x->mismatch + strlen(x->mismatch), sizeof(x->mismatch) - strlen(x->mismatch),
                 ", expected %s: %s",
                 quote(name, sizeof(name), x->c->fields[i].name, x->c->fields[i].name_len),
                 quote(value, sizeof(value), x->c->fields[i].value, x->c->fields[i].value_len));
    }
    /* Decode on past a mismatch: the dynamic table must stay in step for the next cases. */
    return 0;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Returns the bytes (to free), or NULL with the reason in err. */
static uint8_t *hex_decode(const char *hex, size_t len, size_t *out_len, char *err, size_t err_size)
{
    uint8_t *out;

    if (len % 2 != 0) {
        snprintf(err, err_size, "\"wire\" has an odd number of hex digits (%zu)", len);
        return NULL;
    }
    if ((out = malloc(len / 2 + 1)) == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i != len; i += 2) {
        int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);

        if (hi < 0 || lo < 0) {
            snprintf(err, err_size, "\"wire\" is not hex (offset %zu)", hi < 0 ? i : i + 1);
            free(out);
            return NULL;
        }
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = len / 2;
    return out;
}

/*
 * Checks one case. Returns 0 if it matches, 1 if it decoded to other fields,
 * or -1 if it could not be decoded: the decoder's table is then out of step
 * with the encoder's and the rest of the story cannot be checked.
 */
static int check_case(h2r_hpack_decoder *dec, const char *path, const struct story_case *c)
{
    struct expectation x = {.c = c};
    char err[128];
    uint8_t *wire;
    size_t len;
    int ret;

    if (c->wire == NULL) {
        printf("%s: seqno %" JSON_INTEGER_FORMAT ": no \"wire\" to decode\n", path, c->seqno);
        return -1;
    }
    if ((wire = hex_decode(c->wire, c->wire_len, &len, err, sizeof(err))) == NULL) {
        printf("%s: seqno %" JSON_INTEGER_FORMAT ": %s\n", path, c->seqno, err);
        return -1;
    }
    if (c->header_table_size >= 0) h2r_hpack_decoder_set_max_table_size(dec, (uint32_t)c->header_table_size);
    ret = h2r_hpack_decode(dec, wire, len, on_field, &x);
    free(wire);

    if (ret != H2R_HPACK_OK) {
        printf("%s: seqno %" JSON_INTEGER_FORMAT ": decoding failed after %zu fields: %s\n", path, c->seqno,
               x.next, h2r_hpack_strerror(ret));
        return -1;
    }
    if (x.mismatch[0] == '\0' && x.next < c->field_count) describe(&x, "missing", x.next, &c->fields[x.next]);
    if (x.mismatch[0] != '\0') {
        printf("%s: seqno %" JSON_INTEGER_FORMAT ": %s\n", path, c->seqno, x.mismatch);
        return 1;
    }
    return 0;
}

static void check_story(const struct story *story, struct tally *tally)
{
    h2r_hpack_decoder dec;

    ++tally->stories;
    tally->cases += story->case_count;
    h2r_hpack_decoder_init(&dec, H2R_HPACK_DEFAULT_TABLE_SIZE, SIZE_MAX);
    for (size_t i = 0; i != story->case_count; ++i) {
        int ret = check_case(&dec, story->path, &story->cases[i]);

        if (ret != 0) ++tally->failed;
        if (ret < 0) {
            size_t rest = story->case_count - i - 1;

            if (rest != 0) {
                printf("%s: the %zu later cases are not checked: the decoder lost the context\n", story->path,
                       rest);
                tally->unchecked += rest;
            }
            break;
        }
    }
    h2r_hpack_decoder_dispose(&dec);
}

static int cmd_check(char **paths, int count)
{
    struct tally tally = {0};
    int unreadable = 0;

    for (int i = 0; i != count; ++i) {
        struct story story;
        char err[512];

        if (story_load(&story, paths[i], err, sizeof(err)) != 0) {
            fprintf(stderr, "h2r-hpack: %s\n", err);
            unreadable = 1;
            continue;
        }
        check_story(&story, &tally);
        story_dispose(&story);
    }

    printf("h2r-hpack check: %zu stories, %zu cases, %zu failed", tally.stories, tally.cases, tally.failed);
    if (tally.unchecked != 0) printf(", %zu not checked", tally.unchecked);
    printf("\n");
    if (unreadable) return EXIT_USAGE;
    return tally.failed != 0 || tally.unchecked != 0 ? EXIT_MISMATCH : EXIT_SUCCESS;
}

/* ---- encode ---- */

static json_t *hex_string(const uint8_t *bytes, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *hex = malloc(2 * len + 1);
    json_t *s;

    if (hex == NULL) return NULL;
    for (size_t i = 0; i != len; ++i) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    s = json_stringn_nocheck(hex, 2 * len);
    free(hex);
    return s;
}

/* Adds the members of src that dst does not have yet, so that what we do not
 * know about a story or case is kept, after what we write. */
static int add_other_members(json_t *dst, json_t *src)
{
    const char *key;
    size_t key_len;
    json_t *value;

    json_object_keylen_foreach(src, key, key_len, value)
    {
        if (json_object_getn(dst, key, key_len) == NULL && json_object_setn(dst, key, key_len, value) != 0)
            return -1;
    }
    return 0;
}

/*
 * Returns the case with its new wire, or NULL if out of memory. (The
 * json_*_set_new() calls take their value even when they fail, and fail on a
 * NULL object, so one test at the end covers every allocation.)
 */
static json_t *encoded_case(const struct story_case *c, json_t *wire)
{
    json_t *out = json_object();
    int err = json_object_set_new(out, "seqno", json_integer(c->seqno));

    if (c->header_table_size >= 0)
        err |= json_object_set_new(out, "header_table_size", json_integer(c->header_table_size));
    err |= json_object_set_new(out, "wire", wire);
    err |= add_other_members(out, c->json); /* "headers" as they were, then the rest */
    if (err != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* Returns the encoded cases, or NULL with the reason in err. */
static json_t *encode_cases(const struct story *story, char *err, size_t err_size)
{
    json_t *cases = json_array();
    h2r_hpack_encoder enc;
    uint8_t *buf = NULL;
    size_t buf_cap = 0;

    if (cases == NULL) {
        snprintf(err, err_size, "%s: out of memory", story->path);
        return NULL;
    }
    h2r_hpack_encoder_init(&enc, H2R_HPACK_DEFAULT_TABLE_SIZE);
    for (size_t i = 0; i != story->case_count; ++i) {
        const struct story_case *c = &story->cases[i];
        size_t bound = h2r_hpack_encode_bound(c->fields, c->field_count);
        ssize_t len;

        if (bound > buf_cap) {
            uint8_t *bigger = realloc(buf, bound);

            if (bigger == NULL) {
                snprintf(err, err_size, "%s: out of memory", story->path);
                goto fail;
            }
            buf = bigger;
            buf_cap = bound;
        }
        if (c->header_table_size >= 0)
            h2r_hpack_encoder_set_peer_max_table_size(&enc, (uint32_t)c->header_table_size);
        if ((len = h2r_hpack_encode(&enc, c->fields, c->field_count, buf, buf_cap)) < 0) {
            snprintf(err, err_size, "%s: seqno %" JSON_INTEGER_FORMAT ": %s", story->path, c->seqno,
                     h2r_hpack_strerror((int)len));
            goto fail;
        }
        if (json_array_append_new(cases, encoded_case(c, hex_string(buf, (size_t)len))) != 0) {
            snprintf(err, err_size, "%s: out of memory", story->path);
            goto fail;
        }
    }
    free(buf);
    h2r_hpack_encoder_dispose(&enc);
    return cases;

fail:
    json_decref(cases);
    free(buf);
    h2r_hpack_encoder_dispose(&enc);
    return NULL;
}

static int cmd_encode(const char *path)
{
    struct story story;
    json_t *out, *cases;
    char why[512];
    int err, ret = EXIT_SUCCESS;

    if (story_load(&story, path, why, sizeof(why)) != 0) {
        fprintf(stderr, "h2r-hpack: %s\n", why);
        return EXIT_USAGE;
    }
    if ((cases = encode_cases(&story, why, sizeof(why))) == NULL) {
        fprintf(stderr, "h2r-hpack: %s\n", why);
        story_dispose(&story);
        return EXIT_MISMATCH;
    }

    out = json_object();
    err = json_object_set_new(out, "description", json_string(description));
    err |= json_object_set_new(out, "cases", cases);
    err |= add_other_members(out, story.root);
    if (err != 0) {
        fprintf(stderr, "h2r-hpack: %s: out of memory\n", path);
        ret = EXIT_MISMATCH;
    } else if (json_dumpf(out, stdout, JSON_INDENT(2)) != 0 || putchar('\n') == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "h2r-hpack: writing the encoded story: %s\n", strerror(errno));
        ret = EXIT_MISMATCH;
    }
    json_decref(out);
    story_dispose(&story);
    return ret;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (cmd == NULL) return usage_error("missing command");
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc != 2) return usage_error("--help takes no argument");
        fputs(help, stdout);
        return EXIT_SUCCESS;
    }
    if (strcmp(cmd, "check") != 0 && strcmp(cmd, "encode") != 0)
        return usage_error("unknown command '%s'", cmd);
    for (int i = 2; i < argc; ++i) {
        if (argv[i][0] == '-') return usage_error("unknown option '%s'", argv[i]);
    }
    if (strcmp(cmd, "check") == 0) {
        if (argc < 3) return usage_error("check: no story file given");
        return cmd_check(argv + 2, argc - 2);
    }
    if (argc != 3) return usage_error("encode takes exactly one story file");
    return cmd_encode(argv[2]);
}
