/*
 * Interop with nghttp2's HPACK over the raw-data stories of hpack-test-case:
 * the blocks of our encoder must inflate in nghttp2 to the same header lists,
 * and the blocks of nghttp2's deflater must decode in ours. Each direction
 * keeps one compression context per story, as one connection would, so the
 * two dynamic tables are checked against each other case after case.
 *
 * Usage: test_nghttp2_interop RAW_DATA_DIR (prints TAP).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <nghttp2/nghttp2.h>

#include "check.h"
#include "story.h"

/* Empty strings are compared by length alone: their pointers may be NULL. */
static int same_bytes(const void *a, size_t a_len, const void *b, size_t b_len)
{
    return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

static int same_field(const h2r_hpack_field *f, const void *name, size_t name_len, const void *value,
                      size_t value_len)
{
    return same_bytes(f->name, f->name_len, name, name_len) &&
           same_bytes(f->value, f->value_len, value, value_len);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

/* ---- h2ring encoder -> nghttp2 inflater ---- */

/* Returns the number of fields that matched in order before the block ended
 * or a field differed, or -1 if nghttp2 rejected the block. */
static ssize_t nghttp2_inflate(nghttp2_hd_inflater *inflater, const uint8_t *in, size_t len,
                               const struct story_case *c)
{
    size_t matched = 0;

    for (;;) {
        nghttp2_nv nv;
        int flags = 0;
        ssize_t rv = nghttp2_hd_inflate_hd2(inflater, &nv, &flags, in, len, 1);

        if (rv < 0) {
            printf("# nghttp2_hd_inflate_hd2: %s\n", nghttp2_strerror((int)rv));
            return -1;
        }
        in += rv;
        len -= (size_t)rv;
        if (flags & NGHTTP2_HD_INFLATE_EMIT) {
            if (matched == c->field_count ||
                !same_field(&c->fields[matched], nv.name, nv.namelen, nv.value, nv.valuelen))
                return (ssize_t)matched;
            ++matched;
        }
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(inflater);
            return (ssize_t)matched;
        }
        if (!(flags & NGHTTP2_HD_INFLATE_EMIT) && len == 0) return (ssize_t)matched;
    }
}

static int h2ring_to_nghttp2(const struct story *story)
{
    h2r_hpack_encoder enc;
    nghttp2_hd_inflater *inflater;
    uint8_t *buf = NULL;
    int ok = 1;

    if (nghttp2_hd_inflate_new(&inflater) != 0) return 0;
    h2r_hpack_encoder_init(&enc, H2R_HPACK_DEFAULT_TABLE_SIZE);
    for (size_t i = 0; ok && i != story->case_count; ++i) {
        const struct story_case *c = &story->cases[i];
        size_t bound = h2r_hpack_encode_bound(c->fields, c->field_count);
        ssize_t len, matched;

        if (c->header_table_size >= 0) {
            h2r_hpack_encoder_set_peer_max_table_size(&enc, (uint32_t)c->header_table_size);
            nghttp2_hd_inflate_change_table_size(inflater, (size_t)c->header_table_size);
        }
        free(buf);
        if ((buf = malloc(bound + 1)) == NULL) {
            ok = 0;
            break;
        }
        if ((len = h2r_hpack_encode(&enc, c->fields, c->field_count, buf, bound)) < 0) {
            printf("# %s: seqno %" JSON_INTEGER_FORMAT ": h2r_hpack_encode: %s\n", story->path, c->seqno,
                   h2r_hpack_strerror((int)len));
            ok = 0;
        } else if ((matched = nghttp2_inflate(inflater, buf, (size_t)len, c)) != (ssize_t)c->field_count) {
            if (matched >= 0)
                printf("# %s: seqno %" JSON_INTEGER_FORMAT ": nghttp2 inflated headers[%zd] differently\n",
                       story->path, c->seqno, matched);
            ok = 0;
        }
    }
    free(buf);
    h2r_hpack_encoder_dispose(&enc);
    nghttp2_hd_inflate_del(inflater);
    return ok;
}

/* ---- nghttp2 deflater -> h2ring decoder ---- */

struct expectation {
    const struct story_case *c;
    size_t next;     /* index of the next expected field */
    size_t mismatch; /* 1 + index of the first field that differed, or 0 */
};

static int on_field(void *ctx, const h2r_hpack_field *field)
{
    struct expectation *x = ctx;
    size_t i = x->next++;

    if (x->mismatch == 0 &&
        (i >= x->c->field_count ||
         !same_field(&x->c->fields[i], field->name, field->name_len, field->value, field->value_len)))
        x->mismatch = i + 1;
    return 0;
}

static int nghttp2_to_h2ring(const struct story *story)
{
    nghttp2_hd_deflater *deflater;
    h2r_hpack_decoder dec;
    nghttp2_nv *nva = NULL;
    uint8_t *buf = NULL;
    int ok = 1;

    if (nghttp2_hd_deflate_new(&deflater, H2R_HPACK_DEFAULT_TABLE_SIZE) != 0) return 0;
    h2r_hpack_decoder_init(&dec, H2R_HPACK_DEFAULT_TABLE_SIZE, SIZE_MAX);
    for (size_t i = 0; ok && i != story->case_count; ++i) {
        const struct story_case *c = &story->cases[i];
        struct expectation x = {.c = c};
        ssize_t len;
        int ret;

        if (c->header_table_size >= 0) {
            nghttp2_hd_deflate_change_table_size(deflater, (size_t)c->header_table_size);
            h2r_hpack_decoder_set_max_table_size(&dec, (uint32_t)c->header_table_size);
        }
        free(nva);
        free(buf);
        buf = NULL;
        if ((nva = calloc(c->field_count + 1, sizeof(*nva))) == NULL) {
            ok = 0;
            break;
        }
        for (size_t j = 0; j != c->field_count; ++j) {
            /* nghttp2_nv is not const-qualified, but the deflater only reads it. */
            nva[j] = (nghttp2_nv){
                .name = (uint8_t *)c->fields[j].name,
                .namelen = c->fields[j].name_len,
                .value = (uint8_t *)c->fields[j].value,
                .valuelen = c->fields[j].value_len,
                .flags = NGHTTP2_NV_FLAG_NONE,
            };
        }
        size_t bound = nghttp2_hd_deflate_bound(deflater, nva, c->field_count);
        if ((buf = malloc(bound + 1)) == NULL) {
            ok = 0;
            break;
        }
        if ((len = nghttp2_hd_deflate_hd(deflater, buf, bound, nva, c->field_count)) < 0) {
            printf("# %s: seqno %" JSON_INTEGER_FORMAT ": nghttp2_hd_deflate_hd: %s\n", story->path, c->seqno,
                   nghttp2_strerror((int)len));
            ok = 0;
        } else if ((ret = h2r_hpack_decode(&dec, buf, (size_t)len, on_field, &x)) != H2R_HPACK_OK) {
            printf("# %s: seqno %" JSON_INTEGER_FORMAT ": h2r_hpack_decode: %s\n", story->path, c->seqno,
                   h2r_hpack_strerror(ret));
            ok = 0;
        } else if (x.mismatch != 0 || x.next != c->field_count) {
            printf("# %s: seqno %" JSON_INTEGER_FORMAT ": we decoded headers[%zu] differently\n", story->path,
                   c->seqno, x.mismatch != 0 ? x.mismatch - 1 : x.next);
            ok = 0;
        }
    }
    free(nva);
    free(buf);
    h2r_hpack_decoder_dispose(&dec);
    nghttp2_hd_deflate_del(deflater);
    return ok;
}

int main(int argc, char **argv)
{
    struct story *stories;
    size_t count;
    struct stat st;
    char err[512];

    if (argc != 2) {
        fprintf(stderr, "usage: %s RAW_DATA_DIR\n", argv[0]);
        return 99;
    }
    if (stat(argv[1], &st) != 0 && errno == ENOENT) {
        printf("1..0 # SKIP no hpack-test-case raw-data at %s\n", argv[1]);
        return 0;
    }
    if (story_load_dir(argv[1], &stories, &count, err, sizeof(err)) != 0) {
        CHECK_MSG(0, "%s", err);
        return check_done();
    }

    for (size_t i = 0; i != count; ++i) {
        const char *name = base_name(stories[i].path);

        CHECK_MSG(h2ring_to_nghttp2(&stories[i]), "%s: %zu cases, h2ring encoder -> nghttp2 inflater", name,
                  stories[i].case_count);
        CHECK_MSG(nghttp2_to_h2ring(&stories[i]), "%s: %zu cases, nghttp2 deflater -> h2ring decoder", name,
                  stories[i].case_count);
    }
    story_dispose_all(stories, count);
    return check_done();
}
