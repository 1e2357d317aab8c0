/*
 * bench-hpack: HPACK encode and decode throughput of h2ring against nghttp2,
 * over the raw-data stories of hpack-test-case.
 *
 * Both libraries do the same work: one encoder or decoder per story (the
 * context of one connection), a 4096-byte dynamic table, Huffman coding on.
 * Encoders write every block of the corpus back to back into one buffer, as a
 * frame writer would; decoders sum the name and value lengths of each field
 * they emit. Rates count the corpus' name and value bytes, so that encoders
 * which compress differently are still measured on the same work, and each
 * decoder is run on both encoders' blocks.
 *
 * Usage: bench-hpack [-r RUNS] [-t SECONDS] [RAW_DATA_DIR]
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <nghttp2/nghttp2.h>

#include "h2ring/hpack.h"
#include "story.h"

struct corpus {
    struct story *stories;
    size_t story_count;
    size_t case_count;
    size_t header_bytes; /* names and values, over all cases */
    nghttp2_nv **nva;    /* per case, in corpus order: nghttp2's view of the fields */
};

/* The blocks of one encoder for the whole corpus, in corpus order. */
struct wire {
    uint8_t *bytes;
    size_t cap;
    size_t *len; /* per case */
    size_t total;
};

/* One measured loop: an encoder filling a wire or a decoder reading one. */
struct pass {
    size_t (*run)(const struct pass *pass); /* returns bytes out: encoded, or names and values decoded */
    const struct corpus *corpus;
    struct wire *wire;
};

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;

    fputs("bench-hpack: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the four loops ---- */

static size_t h2ring_encode(const struct pass *pass)
{
    const struct corpus *corpus = pass->corpus;
    struct wire *wire = pass->wire;
    size_t k = 0, pos = 0;

    for (size_t s = 0; s != corpus->story_count; ++s) {
        const struct story *story = &corpus->stories[s];
        h2r_hpack_encoder enc;

        h2r_hpack_encoder_init(&enc, H2R_HPACK_DEFAULT_TABLE_SIZE);
        for (size_t i = 0; i != story->case_count; ++i, ++k) {
            const struct story_case *c = &story->cases[i];
            ssize_t n = h2r_hpack_encode(&enc, c->fields, c->field_count, wire->bytes + pos, wire->cap - pos);

            if (n < 0) die("%s: h2r_hpack_encode: %s", story->path, h2r_hpack_strerror((int)n));
            wire->len[k] = (size_t)n;
            pos += (size_t)n;
        }
        h2r_hpack_encoder_dispose(&enc);
    }
    return wire->total = pos;
}

static size_t nghttp2_encode(const struct pass *pass)
{
    const struct corpus *corpus = pass->corpus;
    struct wire *wire = pass->wire;
    size_t k = 0, pos = 0;

    for (size_t s = 0; s != corpus->story_count; ++s) {
        const struct story *story = &corpus->stories[s];
        nghttp2_hd_deflater *deflater;

        if (nghttp2_hd_deflate_new(&deflater, H2R_HPACK_DEFAULT_TABLE_SIZE) != 0) die("out of memory");
        for (size_t i = 0; i != story->case_count; ++i, ++k) {
            ssize_t n = nghttp2_hd_deflate_hd(deflater, wire->bytes + pos, wire->cap - pos, corpus->nva[k],
                                              story->cases[i].field_count);

            if (n < 0) die("%s: nghttp2_hd_deflate_hd: %s", story->path, nghttp2_strerror((int)n));
            wire->len[k] = (size_t)n;
            pos += (size_t)n;
        }
        nghttp2_hd_deflate_del(deflater);
    }
    return wire->total = pos;
}

static int count_field(void *ctx, const h2r_hpack_field *field)
{
    *(size_t *)ctx += field->name_len + field->value_len;
    return 0;
}

static size_t h2ring_decode(const struct pass *pass)
{
    const struct corpus *corpus = pass->corpus;
    const struct wire *wire = pass->wire;
    size_t k = 0, pos = 0, bytes = 0;

    for (size_t s = 0; s != corpus->story_count; ++s) {
        const struct story *story = &corpus->stories[s];
        h2r_hpack_decoder dec;

        h2r_hpack_decoder_init(&dec, H2R_HPACK_DEFAULT_TABLE_SIZE, SIZE_MAX);
        for (size_t i = 0; i != story->case_count; ++i, ++k) {
            int ret = h2r_hpack_decode(&dec, wire->bytes + pos, wire->len[k], count_field, &bytes);

            if (ret != H2R_HPACK_OK) die("%s: h2r_hpack_decode: %s", story->path, h2r_hpack_strerror(ret));
            pos += wire->len[k];
        }
        h2r_hpack_decoder_dispose(&dec);
    }
    return bytes;
}

static size_t nghttp2_decode(const struct pass *pass)
{
    const struct corpus *corpus = pass->corpus;
    const struct wire *wire = pass->wire;
    size_t k = 0, pos = 0, bytes = 0;

    for (size_t s = 0; s != corpus->story_count; ++s) {
        const struct story *story = &corpus->stories[s];
        nghttp2_hd_inflater *inflater;

        if (nghttp2_hd_inflate_new(&inflater) != 0) die("out of memory");
        for (size_t i = 0; i != story->case_count; ++i, ++k) {
            const uint8_t *in = wire->bytes + pos;
            size_t left = wire->len[k];

            for (;;) {
                nghttp2_nv nv;
                int flags = 0;
                ssize_t n = nghttp2_hd_inflate_hd2(inflater, &nv, &flags, in, left, 1);

                if (n < 0) die("%s: nghttp2_hd_inflate_hd2: %s", story->path, nghttp2_strerror((int)n));
                in += n;
                left -= (size_t)n;
                if (flags & NGHTTP2_HD_INFLATE_EMIT) bytes += nv.namelen + nv.valuelen;
                if (flags & NGHTTP2_HD_INFLATE_FINAL) break;
                if (!(flags & NGHTTP2_HD_INFLATE_EMIT) && left == 0) die("%s: block cut short", story->path);
            }
            nghttp2_hd_inflate_end_headers(inflater);
            pos += wire->len[k];
        }
        nghttp2_hd_inflate_del(inflater);
    }
    return bytes;
}

/* ---- measuring ---- */

/*
 * Runs the pass in loops of at least min_seconds, runs times, and returns the
 * best rate in names and values per second. Every run must give the result of
 * the first, which checks the loop did its whole work each time.
 */
static double measure(const struct pass *pass, int runs, double min_seconds)
{
    double t = now(), once, best = 0;
    size_t expect = pass->run(pass), loops;

    once = now() - t;
    loops = (size_t)(min_seconds / (once > 1e-9 ? once : 1e-9)) + 1;
    for (int r = 0; r != runs; ++r) {
        double start = now(), rate;

        for (size_t l = 0; l != loops; ++l) {
            if (pass->run(pass) != expect) die("a run gave another result than the first");
        }
        rate = (double)(loops * pass->corpus->header_bytes) / (now() - start);
        if (rate > best) best = rate;
    }
    return best;
}

/* ---- setup ---- */

static void load_corpus(struct corpus *corpus, const char *dir)
{
    char err[512];
    size_t k = 0;

    if (story_load_dir(dir, &corpus->stories, &corpus->story_count, err, sizeof(err)) != 0) die("%s", err);
    for (size_t s = 0; s != corpus->story_count; ++s) corpus->case_count += corpus->stories[s].case_count;
    if ((corpus->nva = calloc(corpus->case_count, sizeof(*corpus->nva))) == NULL) die("out of memory");

    for (size_t s = 0; s != corpus->story_count; ++s) {
        for (size_t i = 0; i != corpus->stories[s].case_count; ++i, ++k) {
            const struct story_case *c = &corpus->stories[s].cases[i];

            corpus->header_bytes += c->header_bytes;
            if ((corpus->nva[k] = calloc(c->field_count + 1, sizeof(nghttp2_nv))) == NULL)
                die("out of memory");
            for (size_t j = 0; j != c->field_count; ++j) {
                /* nghttp2_nv is not const-qualified, but the deflater only reads it. */
                corpus->nva[k][j] = (nghttp2_nv){
                    .name = (uint8_t *)c->fields[j].name,
                    .namelen = c->fields[j].name_len,
                    .value = (uint8_t *)c->fields[j].value,
                    .valuelen = c->fields[j].value_len,
                };
            }
        }
    }
}

static void free_corpus(struct corpus *corpus)
{
    for (size_t k = 0; k != corpus->case_count; ++k) free(corpus->nva[k]);
    free(corpus->nva);
    story_dispose_all(corpus->stories, corpus->story_count);
}

/* A buffer for every block of the corpus, each as large as either encoder may need. */
static void alloc_wire(struct wire *wire, const struct corpus *corpus)
{
    nghttp2_hd_deflater *deflater;
    size_t k = 0;

    if (nghttp2_hd_deflate_new(&deflater, H2R_HPACK_DEFAULT_TABLE_SIZE) != 0) die("out of memory");
    for (size_t s = 0; s != corpus->story_count; ++s) {
        for (size_t i = 0; i != corpus->stories[s].case_count; ++i, ++k) {
            const struct story_case *c = &corpus->stories[s].cases[i];
            size_t ours = h2r_hpack_encode_bound(c->fields, c->field_count);
            size_t theirs = nghttp2_hd_deflate_bound(deflater, corpus->nva[k], c->field_count);

            wire->cap += ours > theirs ? ours : theirs;
        }
    }
    nghttp2_hd_deflate_del(deflater);
    if ((wire->bytes = malloc(wire->cap + 1)) == NULL || (wire->len = calloc(k + 1, sizeof(size_t))) == NULL)
        die("out of memory");
}

static void free_wire(struct wire *wire)
{
    free(wire->bytes);
    free(wire->len);
}

static const char usage[] = "usage: bench-hpack [-r RUNS (5)] [-t SECONDS per run (1)] [RAW_DATA_DIR]\n";

int main(int argc, char **argv)
{
    const char *dir = BENCH_RAW_DATA_DIR;
    double min_seconds = 1;
    int runs = 5, opt;
    struct corpus corpus = {0};
    struct wire ours = {0}, theirs = {0};

    while ((opt = getopt(argc, argv, "r:t:h")) != -1) {
        switch (opt) {
        case 'r': runs = atoi(optarg); break;
        case 't': min_seconds = atof(optarg); break;
        default: fputs(usage, stderr); return opt == 'h' ? 0 : 2;
        }
    }
    if (optind < argc) dir = argv[optind++];
    if (optind != argc || runs < 1 || !(min_seconds > 0)) {
        fputs(usage, stderr);
        return 2;
    }

    load_corpus(&corpus, dir);
    alloc_wire(&ours, &corpus);
    alloc_wire(&theirs, &corpus);

    /* enc[library], dec[whose blocks][library]; 0 is h2ring, 1 nghttp2. */
    struct pass enc[2] = {{h2ring_encode, &corpus, &ours}, {nghttp2_encode, &corpus, &theirs}};
    struct pass dec[2][2] = {
        {{h2ring_decode, &corpus, &ours}, {nghttp2_decode, &corpus, &ours}},
        {{h2ring_decode, &corpus, &theirs}, {nghttp2_decode, &corpus, &theirs}},
    };

    /* Fill both wires for the decoders, and check the decoders against the corpus. */
    enc[0].run(&enc[0]);
    enc[1].run(&enc[1]);
    for (int w = 0; w != 2; ++w) {
        for (int lib = 0; lib != 2; ++lib) {
            if (dec[w][lib].run(&dec[w][lib]) != corpus.header_bytes)
                die("%s decoded other names and values than the corpus holds",
                    lib == 0 ? "h2ring" : "nghttp2");
        }
    }

    printf("bench-hpack: %zu stories, %zu header blocks, %.3f MB of names and values (%s)\n",
           corpus.story_count, corpus.case_count, (double)corpus.header_bytes / 1e6, dir);
    printf("best of %d runs of >= %g s; MB/s of names and values (1 MB = 10^6 bytes)\n\n", runs, min_seconds);
    printf("%-28s %10s %10s %16s\n", "", "h2ring", "nghttp2", "h2ring/nghttp2");
    fflush(stdout);

    const struct {
        const char *name;
        const struct pass *h2ring, *nghttp2;
    } rows[] = {
        {"encode", &enc[0], &enc[1]},
        {"decode h2ring's blocks", &dec[0][0], &dec[0][1]},
        {"decode nghttp2's blocks", &dec[1][0], &dec[1][1]},
    };
    for (size_t i = 0; i != sizeof(rows) / sizeof(rows[0]); ++i) {
        double ours_rate = measure(rows[i].h2ring, runs, min_seconds);
        double theirs_rate = measure(rows[i].nghttp2, runs, min_seconds);

        printf("%-28s %10.1f %10.1f %16.2f\n", rows[i].name, ours_rate / 1e6, theirs_rate / 1e6,
               ours_rate / theirs_rate);
        fflush(stdout);
    }
    printf("%-28s %10.4f %10.4f\n", "compression (encoded / raw)",
           (double)ours.total / (double)corpus.header_bytes,
           (double)theirs.total / (double)corpus.header_bytes);

    free_wire(&ours);
    free_wire(&theirs);
    free_corpus(&corpus);
    return 0;
}
