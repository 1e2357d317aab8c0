/*
 * The priority scheduler (the contract is in scheduler.h).
 *
 * RFC 7540 tree: stride scheduling, one level at a time. Each node keeps
 * the children whose subtree has something ready in a queue ordered by
 * pass. next() walks down from the root taking the smallest pass at each
 * level and stops at the first ready node, so a ready node goes before its
 * descendants. Sending moves the pass of the sender and of each ancestor on
 * by bytes * STRIDE_SCALE / weight, so siblings take turns in proportion to
 * their weights. A parent's vtime is the pass of the child it served last;
 * a child that joins the queue starts no earlier than that, so it cannot
 * bank credit while idle, and one that overdrew keeps its debt.
 *
 * RFC 9218: one heap of all ready nodes, keyed so that its top is the next
 * to serve: urgency, then non-incremental before incremental, the former by
 * stream ID, the latter by when they took their place at the back of the
 * round.
 *
 * The queues are pairing heaps: intrusive, O(1) insert and meld (which is
 * how a whole set of children changes parent at once), amortised O(log n)
 * removal, and easy to write without recursion.
 */
#include "scheduler.h"

#include <assert.h>
#include <string.h>

/* Pass units per byte at weight 1: a one-byte frame at weight 256 still moves the pass. */
#define STRIDE_SCALE 65536
/* Charges are capped at the largest DATA payload, so one stride is below 2^40. */
#define MAX_CHARGE ((1u << 24) - 1)
/*
 * Passes grow forever and are compared modulo 2^64. A node joining a queue
 * keeps as debt a pass up to this far ahead of its parent's vtime; any other
 * (behind the vtime, which the unsigned difference shows as far ahead, or
 * left stale by a very long idle spell) restarts at the vtime.
 */
#define MAX_DEBT ((uint64_t)1 << 48)

#define URGENCY_SHIFT   60
#define INCREMENTAL_BIT ((uint64_t)1 << 59)

/* Pairing heap */

static int key_before(uint64_t a, uint64_t b)
{
    return (int64_t)(a - b) < 0;
}

/* Melds two roots; on a tie the first one stays on top. */
static struct h2r_sched_link *heap_meld(struct h2r_sched_link *a, struct h2r_sched_link *b)
{
    if (key_before(b->key, a->key)) {
        struct h2r_sched_link *t = a;
        a = b;
        b = t;
    }
    b->prev = a;
    b->next = a->child;
    if (a->child != NULL) a->child->prev = b;
    a->child = b;
    return a;
}

/* Two-pass pairing of a removed root's children: meld them in pairs left to right, then right to left. */
static struct h2r_sched_link *heap_merge_pairs(struct h2r_sched_link *first)
{
    struct h2r_sched_link *pairs = NULL, *root;

    while (first != NULL) {
        struct h2r_sched_link *a = first, *b = a->next;
        first = b != NULL ? b->next : NULL;
        a->prev = a->next = NULL;
        if (b != NULL) {
            b->prev = b->next = NULL;
            a = heap_meld(a, b);
        }
        a->next = pairs; /* a stack: the last pair on top */
        pairs = a;
    }
    if ((root = pairs) == NULL) return NULL;
    pairs = root->next;
    root->next = NULL;
    while (pairs != NULL) {
        struct h2r_sched_link *p = pairs;
        pairs = p->next;
        p->next = NULL;
        root = heap_meld(root, p);
    }
    return root;
}

static void heap_insert(struct h2r_sched_link **heap, struct h2r_sched_link *link)
{
    link->child = link->next = link->prev = NULL;
    *heap = *heap != NULL ? heap_meld(*heap, link) : link;
}

static void heap_remove(struct h2r_sched_link **heap, struct h2r_sched_link *link)
{
    struct h2r_sched_link *orphans = heap_merge_pairs(link->child);

    if (*heap == link) {
        *heap = orphans;
    } else {
        if (link->prev->child == link)
            link->prev->child = link->next;
        else
            link->prev->next = link->next;
        if (link->next != NULL) link->next->prev = link->prev;
        if (orphans != NULL) *heap = heap_meld(*heap, orphans);
    }
    link->child = link->next = link->prev = NULL;
}

/* RFC 7540 tree: the queues */

static struct h2r_sched_node *queued_node(const struct h2r_sched_link *link)
{
    return (struct h2r_sched_node *)((char *)link - offsetof(struct h2r_sched_node, in_parent));
}

static int is_active(const struct h2r_sched_node *node)
{
    return node->ready || node->active_children != NULL;
}

static void enqueue(struct h2r_sched_node *node)
{
    struct h2r_sched_node *parent = node->parent;

    if (node->in_parent.key - parent->vtime > MAX_DEBT)
        node->in_parent.key = parent->vtime; /* idle time earns no credit */
    heap_insert(&parent->active_children, &node->in_parent);
    node->in_queue = 1;
}

/* Takes a node out of its parent's queue; the ancestors stay as they are (see prune). */
static void dequeue(struct h2r_sched_node *node)
{
    heap_remove(&node->parent->active_children, &node->in_parent);
    node->in_queue = 0;
}

/* Queues an active node, then each ancestor that had nothing to send until now. */
static void publish(struct h2r_sched_node *node)
{
    for (; node->parent != NULL && !node->in_queue && is_active(node); node = node->parent) enqueue(node);
}

/* Takes an idle node out of its parent's queue, then each ancestor left with nothing to send. */
static void prune(struct h2r_sched_node *node)
{
    for (; node->in_queue && !is_active(node); node = node->parent) dequeue(node);
}

/* Takes a node (active or not) out of its parent's queue before it moves, and prunes the ancestors. */
static void dequeue_and_prune(struct h2r_sched_node *node)
{
    if (node->in_queue) {
        dequeue(node);
        prune(node->parent);
    }
}

/* RFC 7540 tree: the shape */

static void link_child(struct h2r_sched_node *parent, struct h2r_sched_node *node)
{
    node->parent = parent;
    node->prev_sibling = NULL;
    node->next_sibling = parent->first_child;
    if (parent->first_child != NULL) parent->first_child->prev_sibling = node;
    parent->first_child = node;
}

static void unlink_child(struct h2r_sched_node *node)
{
    if (node->prev_sibling != NULL)
        node->prev_sibling->next_sibling = node->next_sibling;
    else
        node->parent->first_child = node->next_sibling;
    if (node->next_sibling != NULL) node->next_sibling->prev_sibling = node->prev_sibling;
    node->parent = node->next_sibling = node->prev_sibling = NULL;
}

/*
 * Hands all of from's children to `to`. Their passes shift by the
 * difference between the two clocks, so each keeps its lead or debt and the
 * queue moves over whole. The caller then fixes from's and to's own places.
 */
static void move_children(struct h2r_sched_node *from, struct h2r_sched_node *to)
{
    uint64_t shift = to->vtime - from->vtime;
    struct h2r_sched_node *child;

    while ((child = from->first_child) != NULL) {
        unlink_child(child);
        link_child(to, child);
        child->in_parent.key += shift;
    }
    if (from->active_children != NULL) {
        to->active_children = to->active_children != NULL
                                  ? heap_meld(to->active_children, from->active_children)
                                  : from->active_children;
        from->active_children = NULL;
    }
}

/*
 * Hangs a parentless node (its subtree comes along) under parent; exclusive:
 * it adopts parent's children, and with them whatever they had to send.
 */
static void place(struct h2r_sched_node *node, struct h2r_sched_node *parent, uint16_t weight, int exclusive)
{
    node->weight = weight;
    if (exclusive) move_children(parent, node);
    link_child(parent, node);
    publish(node);
}

/* Like move_children, the node keeps its lead or debt against the new parent's clock. */
static void move_node(struct h2r_sched_node *node, struct h2r_sched_node *parent, uint16_t weight,
                      int exclusive)
{
    dequeue_and_prune(node);
    node->in_parent.key += parent->vtime - node->parent->vtime;
    unlink_child(node);
    place(node, parent, weight, exclusive);
}

static int is_descendant(const struct h2r_sched_node *node, const struct h2r_sched_node *ancestor)
{
    for (node = node->parent; node != NULL; node = node->parent)
        if (node == ancestor) return 1;
    return 0;
}

/* §5.3.4: the weight of a node being removed is shared among its children in proportion to theirs. */
static void share_weight(struct h2r_sched_node *node)
{
    struct h2r_sched_node *child;
    unsigned sum = 0;

    for (child = node->first_child; child != NULL; child = child->next_sibling) sum += child->weight;
    for (child = node->first_child; child != NULL; child = child->next_sibling) {
        unsigned weight = (unsigned)child->weight * node->weight / sum;
        child->weight = weight > 0 ? weight : 1;
    }
}

static uint16_t clamp_weight(uint16_t weight)
{
    return weight < 1 ? 1 : weight > 256 ? 256 : weight;
}

/* NULL means the root; a parent outside the tree means the default priority (§5.3.1). */
static struct h2r_sched_node *resolve_parent(struct h2r_scheduler *sched, struct h2r_sched_node *parent,
                                             uint16_t *weight, int *exclusive)
{
    if (parent == NULL || parent == &sched->root) return &sched->root;
    if (!h2r_sched_is_attached(parent)) {
        *weight = H2R_SCHED_DEFAULT_WEIGHT;
        *exclusive = 0;
        return &sched->root;
    }
    return parent;
}

/* RFC 9218 */

static struct h2r_sched_node *urgent_node(const struct h2r_sched_link *link)
{
    return (struct h2r_sched_node *)((char *)link - offsetof(struct h2r_sched_node, in_urgency));
}

static void urgency_insert(struct h2r_scheduler *sched, struct h2r_sched_node *node)
{
    uint64_t key = (uint64_t)node->urgency << URGENCY_SHIFT;

    if (node->incremental)
        key |= INCREMENTAL_BIT | (++sched->turn & (INCREMENTAL_BIT - 1));
    else
        key |= node->stream_id;
    node->in_urgency.key = key;
    heap_insert(&sched->urgent, &node->in_urgency);
}

static int in_urgency_heap(const struct h2r_sched_node *node)
{
    return node->ready && h2r_sched_is_attached(node);
}

/* The API */

void h2r_sched_init(struct h2r_scheduler *sched)
{
    memset(sched, 0, sizeof(*sched));
    h2r_sched_node_init(&sched->root, 0);
}

void h2r_sched_node_init(struct h2r_sched_node *node, uint32_t stream_id)
{
    memset(node, 0, sizeof(*node));
    node->stream_id = stream_id;
    node->weight = H2R_SCHED_DEFAULT_WEIGHT;
    node->urgency = H2R_SCHED_DEFAULT_URGENCY;
}

uint32_t h2r_sched_children_weight(const struct h2r_sched_node *node)
{
    uint32_t sum = 0;
    for (const struct h2r_sched_node *c = node->first_child; c; c = c->next_sibling) sum += c->weight;
    return sum;
}

void h2r_sched_attach(struct h2r_scheduler *sched, struct h2r_sched_node *node, struct h2r_sched_node *parent,
                      uint16_t weight, int exclusive)
{
    assert(node != &sched->root);
    if (h2r_sched_is_attached(node)) {
        h2r_sched_reprioritize(sched, node, parent, weight, exclusive);
        return;
    }
    parent = resolve_parent(sched, parent, &weight, &exclusive);
    node->in_parent.key = parent->vtime;
    place(node, parent, clamp_weight(weight), exclusive);
    if (node->ready) urgency_insert(sched, node);
}

void h2r_sched_reprioritize(struct h2r_scheduler *sched, struct h2r_sched_node *node,
                            struct h2r_sched_node *parent, uint16_t weight, int exclusive)
{
    if (!h2r_sched_is_attached(node)) {
        h2r_sched_attach(sched, node, parent, weight, exclusive);
        return;
    }
    parent = resolve_parent(sched, parent, &weight, &exclusive);
    if (parent == node) return;
    if (is_descendant(parent, node)) move_node(parent, node->parent, parent->weight, 0);
    move_node(node, parent, clamp_weight(weight), exclusive);
}

void h2r_sched_detach(struct h2r_scheduler *sched, struct h2r_sched_node *node)
{
    struct h2r_sched_node *parent = node->parent;

    if (parent == NULL) return;
    if (node->ready) heap_remove(&sched->urgent, &node->in_urgency);
    dequeue_and_prune(node);
    unlink_child(node);
    share_weight(node);
    move_children(node, parent);
    publish(parent);
}

int h2r_sched_is_attached(const struct h2r_sched_node *node)
{
    return node->parent != NULL;
}

void h2r_sched_set_urgency(struct h2r_scheduler *sched, struct h2r_sched_node *node, uint8_t urgency,
                           int incremental)
{
    int queued = in_urgency_heap(node);

    urgency = urgency < 7 ? urgency : 7;
    incremental = incremental != 0;
    if (urgency == node->urgency && incremental == node->incremental)
        return; /* a repeated signal keeps the node's place */
    if (queued) heap_remove(&sched->urgent, &node->in_urgency);
    node->urgency = urgency;
    node->incremental = incremental;
    if (queued) urgency_insert(sched, node);
}

void h2r_sched_use_rfc9218(struct h2r_scheduler *sched, int on)
{
    sched->rfc9218 = on != 0;
}

void h2r_sched_set_ready(struct h2r_scheduler *sched, struct h2r_sched_node *node, int ready)
{
    ready = ready != 0;
    if (node->ready == ready) return;
    node->ready = ready;
    if (!h2r_sched_is_attached(node)) return;
    if (ready) {
        publish(node);
        urgency_insert(sched, node);
    } else {
        prune(node);
        heap_remove(&sched->urgent, &node->in_urgency);
    }
}

struct h2r_sched_node *h2r_sched_next(const struct h2r_scheduler *sched)
{
    const struct h2r_sched_node *node = &sched->root;

    if (sched->rfc9218) return sched->urgent != NULL ? urgent_node(sched->urgent) : NULL;
    while (node->active_children != NULL) {
        struct h2r_sched_node *child = queued_node(node->active_children);
        if (child->ready) return child;
        node = child;
    }
    return NULL;
}

/* One level of a charge: the node's next turn among its siblings comes cost / weight later. */
static void charge_level(struct h2r_sched_node *node, uint64_t cost)
{
    struct h2r_sched_node *parent = node->parent;

    if (node->in_parent.key - parent->vtime <= MAX_DEBT)
        parent->vtime = node->in_parent.key; /* the turn just taken is where newcomers start */
    if (node->in_queue) heap_remove(&parent->active_children, &node->in_parent);
    node->in_parent.key += cost / node->weight;
    if (node->in_queue) heap_insert(&parent->active_children, &node->in_parent);
}

void h2r_sched_charge(struct h2r_scheduler *sched, struct h2r_sched_node *node, size_t bytes)
{
    uint64_t cost = (bytes == 0 ? 1 : bytes < MAX_CHARGE ? bytes : MAX_CHARGE) * (uint64_t)STRIDE_SCALE;
    struct h2r_sched_node *level;

    for (level = node; level->parent != NULL; level = level->parent) charge_level(level, cost);
    if (node->incremental && in_urgency_heap(node)) { /* to the back of its round */
        heap_remove(&sched->urgent, &node->in_urgency);
        urgency_insert(sched, node);
    }
}
