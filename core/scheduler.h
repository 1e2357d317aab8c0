/*
 * The priority scheduler: which stream sends its next DATA frame.
 *
 * Two schemes, chosen by what the peer uses (the session switches):
 * - RFC 7540 §5.3 dependency tree: each node shares its parent's bandwidth
 *   with its active siblings in proportion to weight (1..256); a node that
 *   can send goes before its descendants; exclusive insertion and
 *   reprioritisation (including under one's own descendant) reshape the
 *   tree as §5.3.3 describes; removing a node hands its children to its
 *   parent with its weight shared among them (§5.3.4).
 * - RFC 9218: urgency 0 (highest) .. 7; within an urgency, non-incremental
 *   streams are served one at a time in stream-ID order, incremental ones
 *   round-robin. Where both kinds share an urgency, the non-incremental ones
 *   go first (as h2o does; RFC 9218 §10 leaves it to the server): a client
 *   marks a response non-incremental when it can use none of it until all of
 *   it has arrived.
 * Both are kept up to date whatever the scheme, so switching costs nothing.
 *
 * Nodes are embedded in the caller's stream objects (or are placeholders for
 * idle/closed streams the tree still references); the scheduler allocates
 * nothing, so none of these calls can fail for lack of memory. No call
 * recurses. The queues are pairing heaps (amortised O(log n)); next() and
 * charge() walk the path from the root (O(depth) heap steps), and moving a
 * node's children (exclusive insertion, removal) touches each child once.
 */
#ifndef H2R_CORE_SCHEDULER_H
#define H2R_CORE_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#define H2R_SCHED_DEFAULT_WEIGHT  16
#define H2R_SCHED_DEFAULT_URGENCY 3

/* Private layout: use the functions below. */

/* An entry in an intrusive pairing heap (see scheduler.c). */
struct h2r_sched_link {
    struct h2r_sched_link *child, *next;
    struct h2r_sched_link *prev; /* the previous sibling, or the parent for a first child */
    uint64_t key;
};

struct h2r_sched_node {
    /* RFC 7540 tree */
    struct h2r_sched_node *parent; /* NULL while detached */
    struct h2r_sched_node *first_child, *next_sibling, *prev_sibling;
    struct h2r_sched_link in_parent;        /* place in the parent's queue; key: this node's pass */
    struct h2r_sched_link *active_children; /* queue of the children whose subtree has something ready */
    uint64_t vtime; /* the pass of the child served last: where returning ones start */
    /* RFC 9218 */
    struct h2r_sched_link in_urgency; /* place in the scheduler's heap of ready nodes */
    uint32_t stream_id;
    uint16_t weight;
    uint8_t ready;    /* the stream itself has something to send */
    uint8_t in_queue; /* queued in its parent's active_children */
    uint8_t urgency;
    uint8_t incremental;
};

struct h2r_scheduler {
    struct h2r_sched_node root;    /* stream 0 */
    struct h2r_sched_link *urgent; /* RFC 9218: all attached ready nodes, the next to serve on top */
    uint64_t turn;                 /* RFC 9218: hands out places at the back of an incremental round */
    uint8_t rfc9218;               /* 1: urgency/incremental scheduling */
};

void h2r_sched_init(struct h2r_scheduler *sched);

/** Prepares a node for stream_id with the defaults of both schemes (weight 16, urgency 3, not incremental).
 */
void h2r_sched_node_init(struct h2r_sched_node *node, uint32_t stream_id);

/** The sum of the weights of the node's children in the RFC 7540 tree (Node's sumDependencyWeight). */
uint32_t h2r_sched_children_weight(const struct h2r_sched_node *node);

/**
 * Inserts a new node under parent (NULL for the root) with weight 1..256
 * (clamped); with exclusive set it becomes the parent's only child, adopting
 * the others (RFC 7540 §5.3.1). A parent that is not attached stands for a
 * stream not in the tree: the node gets the default priority (the root,
 * weight 16, not exclusive), as §5.3.1 says. A node already attached (say,
 * a placeholder a PRIORITY frame created) is moved as by reprioritize.
 */
void h2r_sched_attach(struct h2r_scheduler *sched, struct h2r_sched_node *node, struct h2r_sched_node *parent,
                      uint16_t weight, int exclusive);

/**
 * Moves an attached node (RFC 7540 §5.3.3). If parent is a descendant of
 * node, parent first moves to node's former parent. The caller has already
 * refused a node depending on itself (a stream error); such a call changes
 * nothing. Parent and weight are read as in h2r_sched_attach, and a node not
 * attached yet is attached.
 */
void h2r_sched_reprioritize(struct h2r_scheduler *sched, struct h2r_sched_node *node,
                            struct h2r_sched_node *parent, uint16_t weight, int exclusive);

/** Removes a node; its children move to its parent, sharing its weight in proportion to theirs (§5.3.4). */
void h2r_sched_detach(struct h2r_scheduler *sched, struct h2r_sched_node *node);

/** Is this node attached to the tree? (Nodes start detached.) */
int h2r_sched_is_attached(const struct h2r_sched_node *node);

/** Sets RFC 9218 parameters (urgency 0..7, incremental 0/1). */
void h2r_sched_set_urgency(struct h2r_scheduler *sched, struct h2r_sched_node *node, uint8_t urgency,
                           int incremental);

/** Switches between the RFC 7540 tree (0) and RFC 9218 (1); ready nodes stay ready. */
void h2r_sched_use_rfc9218(struct h2r_scheduler *sched, int on);

/**
 * Marks whether the node's stream has DATA it may send now (data queued and
 * window open). A detached node keeps the flag and counts from its attach.
 */
void h2r_sched_set_ready(struct h2r_scheduler *sched, struct h2r_sched_node *node, int ready);

/** The ready node to serve next, or NULL if none is ready. Does not change any state. */
struct h2r_sched_node *h2r_sched_next(const struct h2r_scheduler *sched);

/**
 * Records that node sent `bytes` (a DATA frame's payload): its turn moves
 * back by bytes / weight at each level up to the root, which is how
 * bandwidth is shared by weight, and round-robin advances in RFC 9218.
 * Call it before detaching the node (the path to the root is what gets
 * charged); whether the node is still ready does not matter. An empty frame
 * costs as much as one byte, so that it uses up a turn.
 */
void h2r_sched_charge(struct h2r_scheduler *sched, struct h2r_sched_node *node, size_t bytes);

#endif
