/*
 * The dynamic table against a simple model (eviction, compaction, id
 * wrap-around), and the encoder's table use: references, the §4.4 corner,
 * size update signalling, sensitive fields.
 */
#include <stdlib.h>

#include "check.h"
#include "h2ring/hpack.h"
#include "table.h"

/* ---- the model: a plain FIFO of copies ---- */

#define MODEL_MAX 4096

struct model_entry {
    char name[64];
    char value[320];
    size_t name_len, value_len;
};

struct model {
    struct model_entry entries[MODEL_MAX]; /* [0] newest */
    size_t count, size, max_size;
};

static void model_evict_to(struct model *m, size_t max)
{
    while (m->size > max) {
        --m->count;
        m->size -= m->entries[m->count].name_len + m->entries[m->count].value_len + 32;
    }
}

static void model_add(struct model *m, const struct model_entry *e)
{
    size_t sz = e->name_len + e->value_len + 32;
    if (sz > m->max_size) {
        model_evict_to(m, 0);
        return;
    }
    model_evict_to(m, m->max_size - sz);
    memmove(&m->entries[1], &m->entries[0], sizeof(m->entries[0]) * m->count);
    m->entries[0] = *e;
    ++m->count;
    m->size += sz;
}

static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static int table_matches(const struct h2r_hpack_table *t, const struct model *m)
{
    if (h2r_hpack_table_count(t) != m->count || t->size != m->size) return 0;
    for (uint32_t i = 0; i != m->count; ++i) {
        const struct h2r_hpack_entry *e = h2r_hpack_table_at(t, i);
        const struct model_entry *me = &m->entries[i];
        if (e->name_len != me->name_len || e->value_len != me->value_len ||
            memcmp(h2r_hpack_entry_name(t, e), me->name, me->name_len) != 0 ||
            memcmp(h2r_hpack_entry_value(t, e), me->value, me->value_len) != 0)
            return 0;
    }
    return 1;
}

static void run_model(uint32_t first_id, int with_chains, const char *what)
{
    static struct model m;
    struct h2r_hpack_table t;
    memset(&m, 0, sizeof(m));
    m.max_size = 4096;
    h2r_hpack_table_init(&t, 4096);
    t.oldest_id = t.next_id = first_id;
    int ok = 1;
    for (int i = 0; i != 20000 && ok; ++i) {
        if (rng() % 500 == 0) {
            size_t max = (size_t[]){0, 64, 1000, 4096, 8192}[rng() % 5];
            h2r_hpack_table_set_max_size(&t, max);
            m.max_size = max;
            model_evict_to(&m, max);
        }
        struct model_entry e;
        e.name_len = 1 + rng() % 40;
        /* Mostly small values, sometimes one that flushes the table. */
        e.value_len = rng() % 8 == 0 ? rng() % 320 : rng() % 30;
        for (size_t j = 0; j != e.name_len; ++j) e.name[j] = (char)('a' + rng() % 26);
        for (size_t j = 0; j != e.value_len; ++j) e.value[j] = (char)rng();
        model_add(&m, &e);
        ok = h2r_hpack_table_add(&t, e.name, e.name_len, e.value, e.value_len, 0, with_chains, rng()) == 0 &&
             table_matches(&t, &m);
    }
    CHECK_MSG(ok, "table matches the model over 20000 insertions (%s)", what);
    CHECK_MSG(t.bytes_cap <= 2 * 8192 + 2 * 320, "byte buffer stays within twice the largest max size (%zu)",
              t.bytes_cap);
    h2r_hpack_table_dispose(&t);
}

/* ---- encoder behaviour, checked through our decoder ---- */

#define F(n, v)                                                                                              \
    {                                                                                                        \
        .name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = sizeof(v) - 1                     \
    }

struct seen {
    h2r_hpack_field fields[16];
    char storage[4096];
    size_t count, used;
};

static int remember(void *ctx, const h2r_hpack_field *f)
{
    struct seen *s = ctx;
    if (s->count == 16 || s->used + f->name_len + f->value_len > sizeof(s->storage)) return -100;
    h2r_hpack_field *copy = &s->fields[s->count++];
    *copy = *f;
    copy->name = memcpy(s->storage + s->used, f->name, f->name_len);
    s->used += f->name_len;
    copy->value = memcpy(s->storage + s->used, f->value, f->value_len);
    s->used += f->value_len;
    return 0;
}

static int same_fields(const h2r_hpack_field *a, const struct seen *s, size_t n)
{
    if (s->count != n) return 0;
    for (size_t i = 0; i != n; ++i)
        if (a[i].name_len != s->fields[i].name_len || a[i].value_len != s->fields[i].value_len ||
            memcmp(a[i].name, s->fields[i].name, a[i].name_len) != 0 ||
            memcmp(a[i].value, s->fields[i].value, a[i].value_len) != 0)
            return 0;
    return 1;
}

/* Encodes, checks the decoder gets the same list back, and returns the encoded length (or -1). */
static ssize_t round_trip(h2r_hpack_encoder *enc, h2r_hpack_decoder *dec, const h2r_hpack_field *fields,
                          size_t n, uint8_t *out, struct seen *seen)
{
    ssize_t len = h2r_hpack_encode(enc, fields, n, out, h2r_hpack_encode_bound(fields, n));
    if (len < 0) return -1;
    memset(seen, 0, sizeof(*seen));
    if (h2r_hpack_decode(dec, out, (size_t)len, remember, seen) != 0 || !same_fields(fields, seen, n))
        return -1;
    return len;
}

static void test_encoder_references(void)
{
    h2r_hpack_encoder enc;
    h2r_hpack_decoder dec;
    h2r_hpack_encoder_init(&enc, 4096);
    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    uint8_t out[1024];
    static struct seen seen;
    h2r_hpack_field fields[] = {F("x-request-id", "abc"), F(":authority", "example.org")};
    ssize_t first = round_trip(&enc, &dec, fields, 2, out, &seen);
    ssize_t second = round_trip(&enc, &dec, fields, 2, out, &seen);
    CHECK_MSG(first > 2 && second == 2 && out[0] == 0xbf && out[1] == 0xbe,
              "a repeated list is two indexed fields (%zd, then %zd bytes)", first, second);

    h2r_hpack_field same_name[] = {F("x-request-id", "def")};
    ssize_t len = round_trip(&enc, &dec, same_name, 1, out, &seen);
    CHECK_MSG(len > 0 && out[0] == 0x7f && out[1] == 0x00,
              "a new value under a known name reuses the name (63)");

    h2r_hpack_field path[] = {F(":path", "/a/b/c"), F(":path", "/a/b/c"), F(":path", "/a/b/c")};
    len = round_trip(&enc, &dec, path, 3, out, &seen);
    CHECK_MSG(len > 0 && out[0] == 0x04, "a new :path is sent without indexing");
    CHECK_MSG(len > 2 && (len - 1) % 2 == 0 && out[(len - 1) / 2] == 0x44,
              "seen again at once, it is indexed (under the static name 4)");
    CHECK_MSG(len > 0 && out[len - 1] == 0xbe, "and its third copy is one byte");

    /* A run of values that never repeat takes no room in the table. */
    size_t table_size = h2r_hpack_encoder_table_size(&enc);
    char lengths[8][4];
    for (int i = 0; i != 8; ++i) {
        snprintf(lengths[i], sizeof(lengths[i]), "%d", 100 + i);
        h2r_hpack_field length[] = {
            {.name = "content-length", .name_len = 14, .value = lengths[i], .value_len = 3}};
        round_trip(&enc, &dec, length, 1, out, &seen);
    }
    CHECK_MSG(h2r_hpack_encoder_table_size(&enc) == table_size, "eight different lengths added nothing");
    /* Past the few it remembers, an old value is new again. */
    h2r_hpack_field first_length[] = {
        {.name = "content-length", .name_len = 14, .value = lengths[0], .value_len = 3}};
    round_trip(&enc, &dec, first_length, 1, out, &seen);
    CHECK_MSG(out[0] == 0x0f && out[1] == 0x0d, "the first of them, eight values ago, is a literal again");
    h2r_hpack_field forced[] = {
        {.name = ":path", .name_len = 5, .value = "/x", .value_len = 2, .flags = H2R_HPACK_FIELD_INDEX}};
    len = round_trip(&enc, &dec, forced, 1, out, &seen);
    CHECK_MSG(len > 0 && out[0] == 0x44, "H2R_HPACK_FIELD_INDEX overrides the policy");
    h2r_hpack_field unindexed[] = {
        {.name = "x-trace", .name_len = 7, .value = "1", .value_len = 1, .flags = H2R_HPACK_FIELD_NO_INDEX}};
    size_t before = h2r_hpack_encoder_table_size(&enc);
    len = round_trip(&enc, &dec, unindexed, 1, out, &seen);
    CHECK_MSG(len > 0 && out[0] == 0x00 && h2r_hpack_encoder_table_size(&enc) == before,
              "H2R_HPACK_FIELD_NO_INDEX keeps the field out of the table");
    CHECK(h2r_hpack_encoder_table_size(&enc) == h2r_hpack_decoder_table_size(&dec));

    uint8_t small[4];
    size_t size_before = h2r_hpack_encoder_table_size(&enc);
    CHECK(h2r_hpack_encode(&enc, fields, 2, small, sizeof(small)) == H2R_HPACK_ERR_BUFFER_TOO_SMALL &&
          h2r_hpack_encoder_table_size(&enc) == size_before);
    h2r_hpack_encoder_dispose(&enc);
    h2r_hpack_decoder_dispose(&dec);
}

/* RFC 7541 §4.4: a literal may name an entry that its own insertion evicts. */
static void test_self_evicting_reference(void)
{
    h2r_hpack_encoder enc;
    h2r_hpack_decoder dec;
    h2r_hpack_encoder_init(&enc, 120);
    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    uint8_t out[512];
    static struct seen seen;
    h2r_hpack_field a[] = {F("x-name", "first value that fills most of it.....")};
    h2r_hpack_field b[] = {F("x-name", "second value, just as long as the first")};
    int ok = round_trip(&enc, &dec, a, 1, out, &seen) > 0;
    ssize_t len = round_trip(&enc, &dec, b, 1, out, &seen);
    CHECK_MSG(ok && len > 0 && out[0] == 0x7e,
              "the second field names entry 62, which its insertion evicts, and decodes right");
    CHECK(h2r_hpack_decoder_table_size(&dec) == 6 + 39 + 32 &&
          h2r_hpack_encoder_table_size(&enc) == 6 + 39 + 32);
    h2r_hpack_encoder_dispose(&enc);
    h2r_hpack_decoder_dispose(&dec);
}

static void test_size_update_signalling(void)
{
    h2r_hpack_encoder enc;
    h2r_hpack_decoder dec;
    uint8_t out[512];
    static struct seen seen;
    h2r_hpack_field f[] = {F("x-a", "b")};

    h2r_hpack_encoder_init(&enc, 4096);
    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    round_trip(&enc, &dec, f, 1, out, &seen);
    h2r_hpack_encoder_set_peer_max_table_size(&enc, 1000);
    h2r_hpack_encoder_set_peer_max_table_size(&enc, 3000);
    h2r_hpack_decoder_set_max_table_size(&dec, 1000);
    h2r_hpack_decoder_set_max_table_size(&dec, 3000);
    ssize_t len = round_trip(&enc, &dec, f, 1, out, &seen);
    /* 1000 = 31 + 969: 3f c9 07; 3000 = 31 + 2969: 3f 99 17 */
    CHECK_MSG(len > 6 && memcmp(out, "\x3f\xc9\x07\x3f\x99\x17", 6) == 0,
              "a shrink then a growth signals the low point, then the final size");
    CHECK(h2r_hpack_decoder_table_max_size(&dec) == 3000 && h2r_hpack_encoder_table_max_size(&enc) == 3000);
    len = round_trip(&enc, &dec, f, 1, out, &seen);
    CHECK_MSG(len == 1, "only the next block carries updates");

    h2r_hpack_encoder_set_peer_max_table_size(&enc, 65536);
    h2r_hpack_decoder_set_max_table_size(&dec, 65536);
    len = round_trip(&enc, &dec, f, 1, out, &seen);
    CHECK_MSG(len > 0 && h2r_hpack_encoder_table_max_size(&enc) == 4096 && out[0] == 0x3f,
              "the table never grows past our own cap, but the change is signalled");
    h2r_hpack_encoder_dispose(&enc);
    h2r_hpack_decoder_dispose(&dec);

    h2r_hpack_encoder_init(&enc, 0);
    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    len = round_trip(&enc, &dec, f, 1, out, &seen);
    CHECK_MSG(len > 0 && out[0] == 0x20 && h2r_hpack_decoder_table_max_size(&dec) == 0,
              "a cap below the default is announced in the first block");
    len = round_trip(&enc, &dec, f, 1, out, &seen);
    CHECK_MSG(len > 1 && h2r_hpack_encoder_table_size(&enc) == 0, "and nothing is ever indexed with cap 0");
    h2r_hpack_encoder_dispose(&enc);
    h2r_hpack_decoder_dispose(&dec);
}

static void test_sensitive(void)
{
    h2r_hpack_encoder enc;
    h2r_hpack_decoder dec;
    uint8_t out[512];
    static struct seen seen;
    h2r_hpack_encoder_init(&enc, 4096);
    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    h2r_hpack_field f[] = {
        F("authorization", "Basic dXNlcjpwYXNz"),
        F("cookie", "sid=123"),
        F("cookie", "a-long-cookie-value-that-is-not-guessable=1"),
        {.name = "x-secret",
         .name_len = 8,
         .value = "s",
         .value_len = 1,
         .flags = H2R_HPACK_FIELD_NEVER_INDEX},
        {.name = ":method",
         .name_len = 7,
         .value = "GET",
         .value_len = 3,
         .flags = H2R_HPACK_FIELD_NEVER_INDEX},
    };
    ssize_t len = round_trip(&enc, &dec, f, 5, out, &seen);
    CHECK_MSG(len > 0 && out[0] == 0x1f && out[1] == 0x08,
              "authorization is never indexed, by name index 23");
    CHECK(seen.count == 5 && (seen.fields[0].flags & H2R_HPACK_FIELD_NEVER_INDEX));
    CHECK_MSG(seen.count == 5 && (seen.fields[1].flags & H2R_HPACK_FIELD_NEVER_INDEX), "a short cookie too");
    CHECK_MSG(seen.count == 5 && !(seen.fields[2].flags & H2R_HPACK_FIELD_NEVER_INDEX),
              "a long cookie is not");
    CHECK_MSG(seen.count == 5 && (seen.fields[3].flags & H2R_HPACK_FIELD_NEVER_INDEX) &&
                  (seen.fields[4].flags & H2R_HPACK_FIELD_NEVER_INDEX),
              "flagged fields stay never-indexed, even a static match");
    CHECK_MSG(h2r_hpack_encoder_table_size(&enc) == 6 + f[2].value_len + 32,
              "only the long cookie entered the table");
    h2r_hpack_encoder_dispose(&enc);
    h2r_hpack_decoder_dispose(&dec);
}

static void test_static_name_index(void)
{
    h2r_hpack_decoder dec;
    h2r_hpack_decoder_init(&dec, 4096, SIZE_MAX);
    static struct seen seen;
    /* :method POST (3), literal "user-agent" by new name, :status 404 (13), then that user-agent from the
     * table */
    const uint8_t block[] = {0x83, 0x40, 0x0a, 'u', 's',  'e', 'r',  '-', 'a',
                             'g',  'e',  'n',  't', 0x01, 'x', 0x8d, 0xbe};
    memset(&seen, 0, sizeof(seen));
    int rc = h2r_hpack_decode(&dec, block, sizeof(block), remember, &seen);
    CHECK(rc == 0 && seen.count == 4);
    CHECK_MSG(seen.fields[0].static_name_index == 2, ":method POST reports name index 2");
    CHECK_MSG(seen.fields[1].static_name_index == 58, "a literal 'user-agent' name reports 58");
    CHECK_MSG(seen.fields[2].static_name_index == 8, ":status 404 reports 8");
    CHECK_MSG(seen.fields[3].static_name_index == 58, "a dynamic entry keeps its static name index");
    h2r_hpack_decoder_dispose(&dec);
}

int main(void)
{
    run_model(0, 0, "ids from 0");
    run_model(UINT32_MAX - 5000, 1, "ids wrapping past 2^32, with chains");
    test_encoder_references();
    test_self_evicting_reference();
    test_size_update_signalling();
    test_sensitive();
    test_static_name_index();
    return check_done();
}
