/*
 * A worker's memory budget across its sessions (h2r_server_config's
 * worker_memory_budget): once what they hold together passes it, the
 * session holding the most among those whose output is stalled is shed,
 * then the next, until the worker is back under it. Each session bounds
 * itself (max_session_memory); this bounds many connections of one client,
 * each under its own limit (the HTTP/2 Bomb, CVE-2026-49975, on 40 of them).
 */
#include "io_internal.h"

/* Output waiting this long with no DATA frame made is stalled: the peer holds it, not the network. */
#define STALLED_MS 1000

/* What a connection's session holds (h2r_session_state's memory_size), and whether its output is stalled. */
static size_t held_by(const struct conn *c, int *stalled)
{
    h2r_session_state st;
    h2r_session_get_state(c->session, &st);
    *stalled = st.output_stalled_ms >= STALLED_MS;
    return st.memory_size;
}

/* The open connection holding the most memory with stalled output, or NULL; *held gets how much. */
static struct conn *largest_stalled(struct worker *w, size_t *held)
{
    struct conn *largest = NULL;
    *held = 0;
    for (int list = 0; list != 2; ++list) {
        for (struct conn *c = w->conns[list]; c; c = c->next) {
            int stalled;
            size_t bytes = c->state == CONN_OPEN ? held_by(c, &stalled) : 0;
            if (bytes > *held && stalled) {
                largest = c;
                *held = bytes;
            }
        }
    }
    return largest;
}

void h2r_worker_enforce_memory_budget(struct worker *w)
{
    size_t budget = w->config->worker_memory_budget, total = 0;
    if (!budget) return;
    for (int list = 0; list != 2; ++list) {
        for (struct conn *c = w->conns[list]; c; c = c->next) {
            int stalled;
            if (c->state == CONN_OPEN) total += held_by(c, &stalled);
        }
    }
    while (total > budget) {
        size_t held;
        struct conn *c = largest_stalled(w, &held);
        if (!c) return;
        if (w->config->callbacks.on_session_error)
            w->config->callbacks.on_session_error(
                c->session, H2R_ENHANCE_YOUR_CALM,
                "worker memory budget: the largest stalled session is shed");
        /* Every stream closes now, so the session holds nothing; its GOAWAY goes with the next flush. */
        h2r_session_destroy(c->session, H2R_ENHANCE_YOUR_CALM);
        h2r_conn_mark_dirty(c);
        total -= held;
    }
}
