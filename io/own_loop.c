/*
 * A loop of the application's own (h2ring/client.h): a worker without a
 * listener, on the thread that made it, which runs the same turns as a
 * server's (worker.c) for the connections the application opens, its
 * timers, posts and watches, until it is stopped or nothing is left.
 */
#include <stdlib.h>

#include "h2ring/client.h"
#include "io_internal.h"

struct own_loop {
    struct worker worker;
    h2r_server_config config; /* the defaults: what the worker's machinery reads of a server's */
};

int h2r_loop_new(h2r_loop **loop)
{
    *loop = NULL;
    struct own_loop *o = calloc(1, sizeof(*o));
    if (!o) return H2R_ERR_NOMEM;
    struct worker *w = &o->worker;
    h2r_server_config_init(&o->config);
    w->config = &o->config;
    w->listen_fd = -1;
    h2r_loop_prepare(&w->loop, w);
    int err = h2r_worker_setup(w);
    if (!err && h2r_worker_start_loop(w) != 0) err = H2R_ERR_NOMEM;
    if (err) {
        h2r_loop_finish(&w->loop);
        h2r_ring_free(w);
        h2r_loop_destroy(&w->loop);
        free(o);
        return err;
    }
    *loop = &w->loop;
    return 0;
}

/* Is anything left that would make the loop's next turns do something? */
static int busy(const struct worker *w)
{
    return w->conn_count || w->connects || w->loop.tcps || h2r_loop_has_pending(&w->loop);
}

int h2r_loop_run(h2r_loop *loop)
{
    struct worker *w = loop->worker;
    if (w->server) return H2R_ERR_INVALID_STATE;
    if (!h2r_loop_in_thread(loop)) return H2R_ERR_WRONG_THREAD;
    int err = 0;
    while (!err && !atomic_load(&w->stop_requested) && busy(w)) err = h2r_worker_turn(w);
    atomic_store(&w->stop_requested, 0);
    return err;
}

int h2r_loop_stop(h2r_loop *loop)
{
    struct worker *w = loop->worker;
    if (w->server) return H2R_ERR_INVALID_STATE;
    atomic_store(&w->stop_requested, 1);
    /* The loop's own thread sees it after the callback's turn; another one wakes the ring's wait. */
    if (!h2r_loop_in_thread(loop)) h2r_loop_wake(loop);
    return 0;
}

void h2r_loop_free(h2r_loop *loop)
{
    if (!loop || loop->worker->server) return;
    struct worker *w = loop->worker;
    /*
     * What is open is cut, and the ring gives its operations back before
     * anything is freed; meanwhile no new connection starts (callbacks of
     * the cut ones might try).
     */
    w->shutting_down = 1;
    do {
        h2r_worker_close_conns(w);
        h2r_tcp_close_all(loop);
        h2r_client_cancel_connects(w);
    } while ((w->conn_count || w->connects || loop->tcps) && h2r_worker_turn(w) == 0);
    h2r_loop_finish(loop);
    h2r_file_cache_free(w);
    h2r_ring_free(w);
    h2r_loop_destroy(loop);
    h2r_pipe_pool_free(w);
    h2r_tls_client_contexts_free(w);
    free(w);
}
