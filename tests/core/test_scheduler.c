/*
 * The priority scheduler: tree shape (RFC 7540 §5.3.1-5.3.4), bandwidth by
 * weight, RFC 9218 order, big trees, and a random walk that checks every
 * invariant after each step. White-box: the checks read the private layout.
 */
#include "scheduler.h"

#include "check.h"

#include <stdlib.h>
#include <time.h>

#define FRAME 16384

struct stream {
    struct h2r_sched_node node; /* first, so a node is its stream */
    uint64_t sent;
    unsigned frames;
};

static struct h2r_scheduler sched;

static void setup(struct stream *streams, size_t n)
{
    h2r_sched_init(&sched);
    for (size_t i = 0; i != n; ++i) {
        memset(&streams[i], 0, sizeof(streams[i]));
        h2r_sched_node_init(&streams[i].node, (uint32_t)(2 * i + 1));
    }
}

static void attach(struct stream *st, struct stream *parent, uint16_t weight, int exclusive)
{
    h2r_sched_attach(&sched, &st->node, parent != NULL ? &parent->node : NULL, weight, exclusive);
}

static void reprioritize(struct stream *st, struct stream *parent, uint16_t weight, int exclusive)
{
    h2r_sched_reprioritize(&sched, &st->node, parent != NULL ? &parent->node : NULL, weight, exclusive);
}

static void set_ready(struct stream *st, int ready)
{
    h2r_sched_set_ready(&sched, &st->node, ready);
}

static struct stream *peek(void)
{
    return (struct stream *)h2r_sched_next(&sched);
}

/* What the session does: ask, send one frame, charge. */
static struct stream *serve(size_t bytes)
{
    struct stream *st = peek();

    if (st != NULL) {
        h2r_sched_charge(&sched, &st->node, bytes);
        st->sent += bytes;
        ++st->frames;
    }
    return st;
}

static void serve_n(unsigned n, size_t bytes)
{
    while (n-- != 0) serve(bytes);
}

static void clear_counts(struct stream *streams, size_t n)
{
    for (size_t i = 0; i != n; ++i) streams[i].sent = streams[i].frames = 0;
}

static const struct h2r_sched_node *parent_of(const struct stream *st)
{
    return st->node.parent;
}

static size_t child_count(const struct h2r_sched_node *node)
{
    size_t n = 0;

    for (const struct h2r_sched_node *c = node->first_child; c != NULL; c = c->next_sibling) ++n;
    return n;
}

/* Checks that the streams shared what they were sent in proportion to parts, within 2%. */
static void check_shares(const char *what, struct stream *const *streams, const unsigned *parts, size_t n)
{
    uint64_t total = 0;
    unsigned total_parts = 0;

    for (size_t i = 0; i != n; ++i) {
        total += streams[i]->sent;
        total_parts += parts[i];
    }
    for (size_t i = 0; i != n; ++i) {
        double share = (double)streams[i]->sent / (double)total, want = (double)parts[i] / total_parts;
        double err = share / want - 1;
        CHECK_MSG(err < 0.02 && err > -0.02, "%s: stream %u got %.4f of %llu bytes, wants %.4f (%+.2f%%)",
                  what, streams[i]->node.stream_id, share, (unsigned long long)total, want, err * 100);
    }
}

static void test_basics(void)
{
    struct stream s[2];

    setup(s, 2);
    CHECK(h2r_sched_next(&sched) == NULL);
    CHECK(!h2r_sched_is_attached(&s[0].node));
    set_ready(&s[0], 1);
    CHECK_MSG(peek() == NULL, "a ready node that is not attached is not served");
    attach(&s[0], NULL, 16, 0);
    CHECK(h2r_sched_is_attached(&s[0].node));
    CHECK_MSG(peek() == &s[0], "attaching a node marked ready makes it servable");
    CHECK_MSG(peek() == &s[0], "next() changes nothing");
    set_ready(&s[0], 0);
    CHECK(peek() == NULL);
    set_ready(&s[0], 1);
    set_ready(&s[0], 1);
    attach(&s[1], NULL, 16, 0);
    set_ready(&s[1], 1);
    h2r_sched_detach(&sched, &s[0].node);
    CHECK_MSG(peek() == &s[1], "detaching a ready node removes it from consideration");
    CHECK(!h2r_sched_is_attached(&s[0].node));
    h2r_sched_detach(&sched, &s[0].node); /* twice: nothing happens */
    h2r_sched_detach(&sched, &s[1].node);
    CHECK(peek() == NULL);
    h2r_sched_use_rfc9218(&sched, 1);
    CHECK_MSG(peek() == NULL, "nor in RFC 9218 mode");
}

static void test_weighted_shares(void)
{
    struct stream s[3], *v[3] = {&s[0], &s[1], &s[2]};
    unsigned weights[3] = {16, 32, 64};

    setup(s, 3);
    for (int i = 0; i != 3; ++i) {
        attach(&s[i], NULL, weights[i], 0);
        set_ready(&s[i], 1);
    }
    serve_n(256, FRAME); /* 4 MiB */
    check_shares("siblings weighted 16/32/64, 4 MiB", v, weights, 3);
    serve_n(768, FRAME);
    check_shares("siblings weighted 16/32/64, 16 MiB", v, weights, 3);
    printf("# 16/32/64 over 16 MiB: %.4f %.4f %.4f (ideal 0.1429 0.2857 0.5714)\n", s[0].sent / 16777216.0,
           s[1].sent / 16777216.0, s[2].sent / 16777216.0);

    /* Frames of uneven size share bytes, not frames. */
    clear_counts(s, 3);
    for (int i = 0; i != 4096; ++i) serve(peek() == &s[2] ? 1000 : 16384);
    check_shares("weights 16/32/64, the heaviest sending small frames", v, weights, 3);
}

/* Each level is charged: a subtree gets its root's share, whatever is ready inside. */
static void test_subtree_shares(void)
{
    struct stream s[4], *v[3] = {&s[1], &s[2], &s[3]};
    unsigned parts[3] = {1, 1, 2};

    setup(s, 4);
    attach(&s[0], NULL, 16, 0); /* X */
    attach(&s[1], &s[0], 16, 0);
    attach(&s[2], &s[0], 16, 0);
    attach(&s[3], NULL, 16, 0); /* Y, X's sibling */
    for (int i = 1; i != 4; ++i) set_ready(&s[i], 1);
    serve_n(1024, FRAME);
    check_shares("X{X1,X2} and Y: 1/4, 1/4, 1/2", v, parts, 3);
    CHECK(s[0].sent == 0);
}

/* Passes are compared modulo 2^64: a connection that outlives the counter is still fair. */
static void test_pass_wraps(void)
{
    struct stream s[2], *v[2] = {&s[0], &s[1]};
    unsigned parts[2] = {1, 3};

    setup(s, 2);
    sched.root.vtime = UINT64_MAX - ((uint64_t)100 << 26); /* 100 frames at weight 16 before the wrap */
    attach(&s[0], NULL, 16, 0);
    attach(&s[1], NULL, 48, 0);
    set_ready(&s[0], 1);
    set_ready(&s[1], 1);
    serve_n(1024, FRAME);
    CHECK_MSG(s[0].node.in_parent.key < ((uint64_t)1 << 40), "the passes did wrap");
    check_shares("16/48 across the wrap of the pass", v, parts, 2);
}

static void test_parent_before_children(void)
{
    struct stream s[3], *v[2];
    unsigned parts[2] = {1, 1};

    setup(s, 3);
    attach(&s[0], NULL, 16, 0);  /* A */
    attach(&s[1], &s[0], 16, 0); /* B, under A */
    attach(&s[2], NULL, 16, 0);  /* C, A's sibling */
    for (int i = 0; i != 3; ++i) set_ready(&s[i], 1);
    serve_n(200, FRAME);
    CHECK_MSG(s[1].frames == 0, "B waits while its parent A can send (B got %u frames)", s[1].frames);
    v[0] = &s[0], v[1] = &s[2];
    check_shares("A and C share while B waits", v, parts, 2);

    set_ready(&s[0], 0);
    clear_counts(s, 3);
    serve_n(200, FRAME);
    CHECK(s[0].frames == 0);
    v[0] = &s[1];
    check_shares("A blocked: B takes A's share", v, parts, 2);

    set_ready(&s[0], 1);
    clear_counts(s, 3);
    serve_n(20, FRAME);
    CHECK_MSG(s[1].frames == 0 && s[0].frames >= 9, "A ready again goes before B (A %u, B %u)", s[0].frames,
              s[1].frames);
}

/* RFC 7540 §5.3.1: A has B and C; D inserted exclusively on A ends up between them. */
static void test_exclusive_insertion(void)
{
    struct stream s[4];
    struct stream *a = &s[0], *b = &s[1], *c = &s[2], *d = &s[3];

    setup(s, 4);
    attach(a, NULL, 16, 0);
    attach(b, a, 16, 0);
    attach(c, a, 16, 0);
    set_ready(b, 1);
    attach(d, a, 32, 1);
    CHECK(parent_of(d) == &a->node && d->node.weight == 32);
    CHECK(parent_of(b) == &d->node && parent_of(c) == &d->node);
    CHECK(child_count(&a->node) == 1 && child_count(&d->node) == 2);
    CHECK_MSG(peek() == b, "a ready node keeps being served through its new parent");
    set_ready(d, 1);
    CHECK_MSG(peek() == d, "and the new parent goes first once it can send");

    /* On the root: the inserted node becomes the only top-level one. */
    struct stream e;
    h2r_sched_node_init(&e.node, 99);
    attach(&e, NULL, 16, 1);
    CHECK(child_count(&sched.root) == 1 && parent_of(a) == &e.node);
    CHECK(peek() == d);
}

/* RFC 7540 §5.3.3: A moves under its own descendant D. */
static void test_reprioritize_under_descendant(void)
{
    struct stream s[6];
    struct stream *a = &s[0], *b = &s[1], *c = &s[2], *d = &s[3], *e = &s[4], *f = &s[5];

    for (int exclusive = 0; exclusive != 2; ++exclusive) {
        setup(s, 6);
        attach(a, NULL, 16, 0);
        attach(b, a, 16, 0);
        attach(c, a, 16, 0);
        attach(d, c, 12, 0);
        attach(e, c, 16, 0);
        attach(f, d, 16, 0);
        set_ready(f, 1);
        reprioritize(a, d, 100, exclusive);
        CHECK_MSG(parent_of(d) == &sched.root && d->node.weight == 12,
                  "exclusive=%d: D moves to A's former parent and keeps its weight", exclusive);
        CHECK(parent_of(a) == &d->node && a->node.weight == 100);
        CHECK(parent_of(b) == &a->node && parent_of(c) == &a->node && parent_of(e) == &c->node);
        if (exclusive) {
            CHECK_MSG(parent_of(f) == &a->node && child_count(&d->node) == 1, "exclusive: A adopts F");
            CHECK(child_count(&a->node) == 3);
        } else {
            CHECK_MSG(parent_of(f) == &d->node && child_count(&d->node) == 2,
                      "not exclusive: F stays under D");
        }
        CHECK(peek() == f);
        set_ready(d, 1);
        CHECK(peek() == d);
    }

    /* Moving under one's current parent only changes the weight; onto itself changes nothing. */
    setup(s, 6);
    attach(a, NULL, 16, 0);
    attach(b, NULL, 16, 0);
    set_ready(a, 1);
    set_ready(b, 1);
    reprioritize(b, NULL, 48, 0);
    reprioritize(a, a, 200, 1);
    CHECK(a->node.weight == 16 && parent_of(a) == &sched.root);
    serve_n(1024, FRAME);
    struct stream *v[2] = {a, b};
    unsigned parts[2] = {1, 3};
    check_shares("reweighted 16/48", v, parts, 2);

    /* A node moving to a parent whose clock is slower is not held back by its old pass. */
    setup(s, 6);
    attach(a, NULL, 16, 0);
    attach(b, NULL, 16, 0);
    attach(c, b, 256, 0);
    set_ready(a, 1);
    set_ready(c, 1);
    serve_n(1000, FRAME);
    reprioritize(a, b, 16, 0);
    clear_counts(s, 6);
    serve_n(1700, FRAME);
    CHECK_MSG(a->frames >= 99 && a->frames <= 101,
              "moved beside a weight-256 sibling: A gets %u of 1700 frames", a->frames);

    /* A parent not in the tree means the default priority (§5.3.1). */
    struct stream idle;
    h2r_sched_node_init(&idle.node, 41);
    reprioritize(a, &idle, 200, 1);
    CHECK(parent_of(a) == &sched.root && a->node.weight == 16 && child_count(&sched.root) == 2);
    attach(d, &idle, 200, 1);
    CHECK(parent_of(d) == &sched.root && d->node.weight == 16 && child_count(&sched.root) == 3);
    attach(d, a, 32, 0);
    CHECK_MSG(parent_of(d) == &a->node && d->node.weight == 32, "attaching an attached node moves it");
}

/* RFC 7540 §5.3.4: A and B share the root, C and D depend on A; A goes. */
static void test_removal(void)
{
    struct stream s[4];
    struct stream *a = &s[0], *b = &s[1], *c = &s[2], *d = &s[3];

    setup(s, 4);
    attach(a, NULL, 16, 0);
    attach(b, NULL, 16, 0);
    attach(c, a, 16, 0);
    attach(d, a, 16, 0);
    set_ready(b, 1);
    set_ready(c, 1);
    serve_n(512, FRAME);
    struct stream *v[2] = {b, c};
    unsigned half[2] = {1, 1}, third[2] = {2, 1};
    check_shares("before: C has all of A's share", v, half, 2);

    h2r_sched_detach(&sched, &a->node);
    CHECK(parent_of(c) == &sched.root && parent_of(d) == &sched.root);
    CHECK_MSG(c->node.weight == 8 && d->node.weight == 8, "A's 16 split between C and D: %u and %u",
              c->node.weight, d->node.weight);
    clear_counts(s, 4);
    serve_n(1024, FRAME);
    check_shares("after: C gets a third", v, third, 2);

    /*
     * C, heavy under A, has a slow clock of its own; moved up to the root it
     * keeps its place against the root's clock rather than catching up.
     */
    setup(s, 4);
    attach(a, NULL, 16, 0);
    attach(b, NULL, 16, 0);
    attach(c, a, 256, 0);
    set_ready(b, 1);
    set_ready(c, 1);
    serve_n(1000, FRAME);
    h2r_sched_detach(&sched, &a->node);
    CHECK(c->node.weight == 16);
    clear_counts(s, 4);
    serve_n(30, FRAME);
    CHECK_MSG(c->frames >= 14 && c->frames <= 16, "no burst after the removal: C gets %u of 30 frames",
              c->frames);

    /* The share is at least 1. */
    setup(s, 4);
    attach(a, NULL, 1, 0);
    attach(b, a, 1, 0);
    attach(c, a, 255, 0);
    h2r_sched_detach(&sched, &a->node);
    CHECK(b->node.weight == 1 && c->node.weight == 1);
}

static void test_ready_changes(void)
{
    struct stream s[3], *v[3] = {&s[0], &s[1], &s[2]};
    unsigned parts[3] = {1, 1, 1};

    setup(s, 3);
    for (int i = 0; i != 3; ++i) {
        attach(&s[i], NULL, 16, 0);
        set_ready(&s[i], 1);
    }
    serve_n(300, FRAME);
    check_shares("all three", v, parts, 3);

    set_ready(&s[2], 0);
    clear_counts(s, 3);
    serve_n(1000, FRAME);
    CHECK(s[2].frames == 0);
    check_shares("C blocked: A and B split", v, parts, 2);

    /* Idle for 1000 frames, C must not catch up with a burst. */
    set_ready(&s[2], 1);
    clear_counts(s, 3);
    serve_n(30, FRAME);
    CHECK_MSG(s[2].frames >= 9 && s[2].frames <= 11, "C back: 10 of the next 30 frames, no burst (got %u)",
              s[2].frames);

    /* Nor a stream that was never there. */
    struct stream n;
    h2r_sched_node_init(&n.node, 7);
    n.sent = n.frames = 0;
    attach(&n, NULL, 16, 0);
    set_ready(&n, 1);
    clear_counts(s, 3);
    serve_n(40, FRAME);
    CHECK_MSG(n.frames >= 9 && n.frames <= 11, "a new stream gets 10 of the next 40 frames (got %u)",
              n.frames);
}

/* A stream blocked by its window after every frame must not gain by coming back. */
static void test_toggling_keeps_debt(void)
{
    struct stream s[2], *v[2] = {&s[0], &s[1]};
    unsigned parts[2] = {1, 1};

    setup(s, 2);
    attach(&s[0], NULL, 16, 0);
    attach(&s[1], NULL, 16, 0);
    set_ready(&s[0], 1);
    set_ready(&s[1], 1);
    for (int i = 0; i != 1000; ++i) {
        struct stream *st = peek();
        if (st == &s[1]) set_ready(st, 0); /* the session may notice before charging */
        h2r_sched_charge(&sched, &st->node, FRAME);
        st->sent += FRAME;
        set_ready(&s[1], 1);
    }
    check_shares("B blocked and unblocked around every frame", v, parts, 2);
}

static void test_no_starvation(void)
{
    struct stream s[2];

    setup(s, 2);
    attach(&s[0], NULL, 256, 0);
    attach(&s[1], NULL, 1, 0);
    set_ready(&s[0], 1);
    set_ready(&s[1], 1);
    serve_n(258, FRAME);
    CHECK_MSG(s[1].frames >= 1, "weight 1 against 256 is served within 258 frames (got %u)", s[1].frames);
    serve_n(257 * 10 - 258, FRAME);
    CHECK_MSG(s[1].frames >= 9 && s[1].frames <= 11, "and 10 times in 2570 (got %u)", s[1].frames);

    /* A deep leaf against a top-level sibling: depth does not dilute. */
    enum { DEPTH = 50 };
    struct stream chain[DEPTH], y;
    setup(chain, DEPTH);
    h2r_sched_node_init(&y.node, 1000);
    y.sent = y.frames = 0;
    for (int i = 0; i != DEPTH; ++i) attach(&chain[i], i == 0 ? NULL : &chain[i - 1], 16, 0);
    attach(&y, NULL, 16, 0);
    set_ready(&chain[DEPTH - 1], 1);
    set_ready(&y, 1);
    serve_n(1000, FRAME);
    struct stream *v[2] = {&chain[DEPTH - 1], &y};
    unsigned parts[2] = {1, 1};
    check_shares("a leaf 50 levels down against a top-level sibling", v, parts, 2);
}

static void test_rfc9218_urgency(void)
{
    struct stream s[3];

    setup(s, 3);
    h2r_sched_use_rfc9218(&sched, 1);
    for (int i = 0; i != 3; ++i) attach(&s[i], NULL, 16, 0);
    h2r_sched_set_urgency(&sched, &s[0].node, 5, 0);
    h2r_sched_set_urgency(&sched, &s[1].node, 1, 1);
    /* s[2] keeps the default, 3 */
    for (int i = 0; i != 3; ++i) set_ready(&s[i], 1);
    serve_n(5, FRAME);
    CHECK_MSG(s[1].frames == 5, "urgency 1 goes first, even incremental and with a higher ID");
    set_ready(&s[1], 0);
    CHECK(peek() == &s[2]);
    set_ready(&s[2], 0);
    CHECK(peek() == &s[0]);
    h2r_sched_set_urgency(&sched, &s[2].node, 7, 0);
    set_ready(&s[2], 1);
    CHECK(peek() == &s[0]);
    h2r_sched_set_urgency(&sched, &s[2].node, 0, 0);
    CHECK_MSG(peek() == &s[2], "a ready stream raised to urgency 0 goes first");
    h2r_sched_set_urgency(&sched, &s[2].node, 200, 0);
    CHECK_MSG(s[2].node.urgency == 7 && peek() == &s[0], "urgency is clamped to 7");
}

static void test_rfc9218_non_incremental(void)
{
    struct stream s[4];

    setup(s, 4); /* IDs 1, 3, 5, 7 */
    h2r_sched_use_rfc9218(&sched, 1);
    for (int i = 0; i != 4; ++i) attach(&s[i], NULL, 16, 0);
    set_ready(&s[3], 1);
    set_ready(&s[1], 1);
    set_ready(&s[2], 1);
    serve_n(5, FRAME);
    CHECK_MSG(s[1].frames == 5, "the lowest ID is served until it is no longer ready");
    set_ready(&s[1], 0);
    serve(FRAME);
    CHECK(s[2].frames == 1);
    set_ready(&s[0], 1);
    CHECK_MSG(peek() == &s[0], "a lower ID that becomes ready comes next");
    set_ready(&s[0], 0);
    set_ready(&s[2], 0);
    CHECK(peek() == &s[3]);
}

static void test_rfc9218_incremental(void)
{
    struct stream s[4];
    char order[16] = "";

    setup(s, 4);
    h2r_sched_use_rfc9218(&sched, 1);
    for (int i = 0; i != 4; ++i) {
        attach(&s[i], NULL, 16, 0);
        h2r_sched_set_urgency(&sched, &s[i].node, 3, 1);
    }
    set_ready(&s[2], 1);
    set_ready(&s[0], 1);
    set_ready(&s[1], 1);
    for (int i = 0; i != 6; ++i) order[i] = (char)('0' + serve(FRAME)->node.stream_id);
    CHECK_MSG(strcmp(order, "513513") == 0, "round-robin in the order they became ready: %s", order);
    set_ready(&s[3], 1);
    for (int i = 0; i != 8; ++i) order[i] = (char)('0' + serve(FRAME)->node.stream_id);
    CHECK_MSG(strcmp(order, "51375137") == 0, "a newcomer joins at the back: %s", order);

    /* Same urgency, both kinds: non-incremental first (our choice, as h2o), whatever the IDs. */
    struct stream x;
    h2r_sched_node_init(&x.node, 9);
    x.frames = 0;
    attach(&x, NULL, 16, 0);
    set_ready(&x, 1);
    serve_n(4, FRAME);
    CHECK_MSG(x.frames == 4, "non-incremental 9 goes before incremental 1..7 of the same urgency");
    set_ready(&x, 0);
    CHECK(peek() != NULL && peek()->node.incremental);

    /* Changing a ready stream's urgency or kind takes effect at once. */
    h2r_sched_set_urgency(&sched, &s[0].node, 3, 0);
    CHECK(peek() == &s[0]);
    h2r_sched_set_urgency(&sched, &s[0].node, 3, 1);
    CHECK(peek() != &s[0]);
}

static void test_rfc9218_mixed(void)
{
    struct stream s[2];

    setup(s, 2);
    h2r_sched_use_rfc9218(&sched, 1);
    h2r_sched_node_init(&s[1].node, 1001);
    attach(&s[0], NULL, 16, 0);
    attach(&s[1], NULL, 16, 0);
    h2r_sched_set_urgency(&sched, &s[0].node, 3, 1);
    set_ready(&s[0], 1);
    set_ready(&s[1], 1);
    serve_n(3, FRAME);
    CHECK_MSG(s[1].frames == 3, "non-incremental 1001 goes before incremental 1 of the same urgency");
    h2r_sched_set_urgency(&sched, &s[0].node, 2, 1);
    CHECK_MSG(peek() == &s[0], "a more urgent incremental stream goes before it");
}

static void test_switch_schemes(void)
{
    struct stream s[3];
    struct stream *a = &s[0], *b = &s[1], *c = &s[2];

    setup(s, 3);
    attach(a, NULL, 16, 0);
    attach(b, NULL, 64, 0);
    attach(c, a, 16, 0);
    h2r_sched_set_urgency(&sched, &a->node, 5, 0);
    h2r_sched_set_urgency(&sched, &b->node, 4, 1);
    h2r_sched_set_urgency(&sched, &c->node, 1, 0);
    set_ready(a, 1);
    set_ready(b, 1);
    set_ready(c, 1);
    serve_n(500, FRAME);
    CHECK_MSG(c->frames == 0 && b->frames == 400 && a->frames == 100, "tree: A:B = 1:4, C waits (%u %u %u)",
              a->frames, b->frames, c->frames);

    h2r_sched_use_rfc9218(&sched, 1);
    CHECK_MSG(peek() == c, "RFC 9218: urgency 1 first, the tree no longer matters");
    set_ready(c, 0);
    CHECK(peek() == b);
    set_ready(b, 0);
    CHECK(peek() == a);
    set_ready(b, 1);
    set_ready(c, 1);

    h2r_sched_use_rfc9218(&sched, 0);
    clear_counts(s, 3);
    serve_n(500, FRAME);
    CHECK_MSG(c->frames == 0 && b->frames >= 399 && b->frames <= 401,
              "back to the tree, all still ready (%u %u %u)", a->frames, b->frames, c->frames);
    h2r_sched_use_rfc9218(&sched, 1);
    CHECK(peek() == c);
}

/* Reaching under a node, and other moves, while streams are ready in the moved subtrees. */
static void test_moves_keep_ready(void)
{
    struct stream s[5];

    setup(s, 5);
    attach(&s[0], NULL, 16, 0);
    attach(&s[1], &s[0], 16, 0);
    attach(&s[2], &s[1], 16, 0);
    attach(&s[3], NULL, 16, 0);
    attach(&s[4], &s[3], 16, 0);
    set_ready(&s[2], 1);
    CHECK(peek() == &s[2]);
    reprioritize(&s[1], &s[4], 16, 0);
    CHECK(peek() == &s[2] && parent_of(&s[1]) == &s[4].node);
    set_ready(&s[4], 1);
    CHECK(peek() == &s[4]);
    h2r_sched_detach(&sched, &s[4].node);
    CHECK_MSG(peek() == &s[2], "the subtree of a removed ready node is served");
    h2r_sched_detach(&sched, &s[3].node);
    h2r_sched_detach(&sched, &s[1].node);
    CHECK(parent_of(&s[2]) == &sched.root && peek() == &s[2]);
    set_ready(&s[2], 0);
    CHECK(peek() == NULL && sched.root.active_children == NULL);
}

static double seconds_since(clock_t start)
{
    return (double)(clock() - start) / CLOCKS_PER_SEC;
}

static void test_deep(void)
{
    enum { DEPTH = 10000 };
    static struct stream s[DEPTH];
    clock_t start = clock();

    setup(s, DEPTH);
    for (int i = 0; i != DEPTH; ++i) attach(&s[i], i == 0 ? NULL : &s[i - 1], 16, 0);
    set_ready(&s[DEPTH - 1], 1);
    serve_n(1000, FRAME);
    CHECK_MSG(s[DEPTH - 1].frames == 1000, "a leaf %d levels down is served", DEPTH);
    set_ready(&s[DEPTH / 2], 1);
    CHECK(peek() == &s[DEPTH / 2]);

    /* The top moves under the leaf: the leaf first climbs to the root. */
    reprioritize(&s[0], &s[DEPTH - 1], 16, 1);
    CHECK(parent_of(&s[DEPTH - 1]) == &sched.root && parent_of(&s[0]) == &s[DEPTH - 1].node);
    CHECK(peek() == &s[DEPTH - 1]);
    set_ready(&s[DEPTH - 1], 0);
    CHECK(peek() == &s[DEPTH / 2]);

    for (int i = 0; i != DEPTH - 1; ++i) h2r_sched_detach(&sched, &s[i].node);
    CHECK(child_count(&sched.root) == 1 && peek() == NULL);
    printf("# %d levels: %.3f s\n", DEPTH, seconds_since(start));
}

static void test_wide(void)
{
    enum { WIDTH = 10000 };
    static struct stream s[WIDTH + 1];
    clock_t start = clock();
    int even = 1;

    setup(s, WIDTH + 1);
    for (int i = 0; i != WIDTH; ++i) {
        attach(&s[i], NULL, 16, 0);
        set_ready(&s[i], 1);
    }
    serve_n(WIDTH * 5, 1024);
    for (int i = 0; i != WIDTH; ++i) even &= s[i].frames == 5;
    CHECK_MSG(even, "%d equal siblings are served 5 times each in 5 rounds", WIDTH);

    for (int i = 0; i < WIDTH; i += 2) set_ready(&s[i], 0);
    clear_counts(s, WIDTH);
    serve_n(WIDTH / 2 * 3, 1024);
    even = 1;
    for (int i = 0; i != WIDTH; ++i) even &= s[i].frames == (i % 2 ? 3 : 0);
    CHECK_MSG(even, "half blocked: the others 3 times each in 3 rounds");

    /* An exclusive insertion on the root adopts them all, a removal gives them back. */
    attach(&s[WIDTH], NULL, 16, 1);
    CHECK(child_count(&sched.root) == 1 && child_count(&s[WIDTH].node) == WIDTH);
    clear_counts(s, WIDTH);
    serve_n(WIDTH / 2, 1024);
    even = 1;
    for (int i = 0; i != WIDTH; ++i) even &= s[i].frames == (i % 2 ? 1 : 0);
    CHECK_MSG(even, "still one round each under their new parent");
    h2r_sched_detach(&sched, &s[WIDTH].node);
    CHECK(child_count(&sched.root) == WIDTH && s[0].node.weight == 1);

    h2r_sched_use_rfc9218(&sched, 1);
    for (int i = 0; i != WIDTH; ++i) h2r_sched_set_urgency(&sched, &s[i].node, (uint8_t)(i % 8), i % 3 == 0);
    CHECK(peek() != NULL && peek()->node.urgency == 1);
    serve_n(WIDTH * 2, 1024);
    printf("# %d siblings: %.3f s\n", WIDTH, seconds_since(start));
}

/* The random walk: every invariant, after every step. */

enum { RANDOM_NODES = 40 };
static struct stream rnd[RANDOM_NODES];

static int all_ok = 1;

static void expect(int cond)
{
    all_ok &= cond != 0;
}

/* Returns the heap's size; checks that each entry belongs where it is and is not before its parent. */
static size_t check_heap(const struct h2r_sched_link *link, const struct h2r_sched_link *parent)
{
    size_t n = 0;

    for (; link != NULL; link = link->next) {
        expect(parent == NULL || (int64_t)(link->key - parent->key) >= 0);
        n += 1 + check_heap(link->child, link);
    }
    return n;
}

static void check_node(const struct h2r_sched_node *node, size_t *attached, size_t *ready)
{
    size_t queued = 0;
    const struct h2r_sched_node *c, *prev = NULL;

    for (c = node->first_child; c != NULL; prev = c, c = c->next_sibling) {
        expect(c->parent == node && c->prev_sibling == prev);
        expect(c->in_queue == (c->ready || c->active_children != NULL));
        expect(c->weight >= 1 && c->weight <= 256);
        queued += c->in_queue;
        ++*attached;
        *ready += c->ready;
    }
    expect(check_heap(node->active_children, NULL) == queued);
    if (node->active_children != NULL) expect(node->active_children->prev == NULL);
}

static int ready_ancestor(const struct h2r_sched_node *node)
{
    while ((node = node->parent) != NULL)
        if (node->ready) return 1;
    return 0;
}

static void check_all(void)
{
    size_t attached = 0, ready = 0, rounds = 0;
    const struct h2r_sched_node *best = NULL;

    check_node(&sched.root, &attached, &ready);
    for (int i = 0; i != RANDOM_NODES; ++i) {
        const struct h2r_sched_node *n = &rnd[i].node;
        if (!h2r_sched_is_attached(n)) {
            expect(n->first_child == NULL && n->active_children == NULL && !n->in_queue);
            continue;
        }
        ++rounds;
        check_node(n, &attached, &ready);
        const struct h2r_sched_node *up = n;
        for (int steps = 0; up != NULL && up != &sched.root && steps <= RANDOM_NODES; ++steps)
            up = up->parent;
        expect(up == &sched.root); /* no cycle, no loose end */
        if (n->ready && (best == NULL || n->urgency < best->urgency ||
                         (n->urgency == best->urgency && !n->incremental &&
                          (best->incremental || n->stream_id < best->stream_id))))
            best = n;
    }
    expect(attached == rounds);
    expect(check_heap(sched.urgent, NULL) == ready);

    const struct h2r_sched_node *next = h2r_sched_next(&sched);
    expect((next != NULL) == (ready != 0));
    if (next != NULL) {
        expect(next->ready && h2r_sched_is_attached(next));
        if (sched.rfc9218)
            expect(next->urgency == best->urgency && next->incremental == best->incremental &&
                   (next->incremental || next == best));
        else
            expect(!ready_ancestor(next));
    }
}

static struct stream *pick(void)
{
    return &rnd[rand() % RANDOM_NODES];
}

static struct stream *pick_parent(void)
{
    return rand() % 5 == 0 ? NULL : pick();
}

static void random_step(void)
{
    struct stream *st = pick(), *p;
    uint16_t weight = (uint16_t)(rand() % 258);

    switch (rand() % 9) {
    case 0:
        if ((p = pick_parent()) != st) attach(st, p, weight, rand() % 3 == 0);
        break;
    case 1:
        if ((p = pick_parent()) != st) reprioritize(st, p, weight, rand() % 3 == 0);
        break;
    case 2:
        if (rand() % 2) h2r_sched_detach(&sched, &st->node);
        break;
    case 3:
    case 4: set_ready(st, rand() % 2); break;
    case 5: h2r_sched_set_urgency(&sched, &st->node, (uint8_t)(rand() % 9), rand() % 2); break;
    case 6:
        if (rand() % 20 == 0) h2r_sched_use_rfc9218(&sched, rand() % 2);
        break;
    default:
        if ((p = peek()) != NULL) {
            if (rand() % 4 == 0) set_ready(p, 0);
            h2r_sched_charge(&sched, &p->node, (size_t)(rand() % (2 * FRAME)));
        }
        break;
    }
}

static void test_random(void)
{
    srand(42);
    setup(rnd, RANDOM_NODES);
    for (int i = 0; i != 200000 && all_ok; ++i) {
        random_step();
        check_all();
    }
    CHECK_MSG(all_ok, "200000 random operations keep every invariant");
}

int main(void)
{
    test_basics();
    test_weighted_shares();
    test_subtree_shares();
    test_pass_wraps();
    test_parent_before_children();
    test_exclusive_insertion();
    test_reprioritize_under_descendant();
    test_removal();
    test_ready_changes();
    test_toggling_keeps_debt();
    test_no_starvation();
    test_rfc9218_urgency();
    test_rfc9218_non_incremental();
    test_rfc9218_incremental();
    test_rfc9218_mixed();
    test_switch_schemes();
    test_moves_keep_ready();
    test_deep();
    test_wide();
    test_random();
    return check_done();
}
