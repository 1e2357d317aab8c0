/*
 * The server's life: listening sockets (one per worker, SO_REUSEPORT, so
 * the kernel spreads connections), the workers' threads, the graceful
 * close, and the signals that may start it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io_internal.h"

void h2r_server_config_init(h2r_server_config *c)
{
    memset(c, 0, sizeof(*c));
    c->host = "127.0.0.1";
    c->idle_timeout_ms = 120000;
    c->settings_timeout_ms = 10000;
    c->shutdown_timeout_ms = 10000;
    c->handshake_timeout_ms = 10000;
    c->tls_reject_unauthorized = 1;
    c->worker_memory_budget = 64u << 20;
}

/* Opens a listening socket on host:port; *bound gets the address actually bound (for port 0). */
static int open_listener(const char *host, uint16_t port, struct sockaddr_storage *bound,
                         socklen_t *bound_len)
{
    char service[8];
    snprintf(service, sizeof(service), "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res;
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai) {
        fprintf(stderr, "h2ring: cannot resolve %s: %s\n", host, gai_strerror(gai));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 4096) != 0) {
        fprintf(stderr, "h2ring: cannot listen on %s:%u: %s\n", host, port, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    *bound_len = sizeof(*bound);
    getsockname(fd, (struct sockaddr *)bound, bound_len);
    return fd;
}

static void format_url(const struct sockaddr_storage *addr, const char *scheme, char *url, size_t cap)
{
    char host[INET6_ADDRSTRLEN];
    if (addr->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        snprintf(url, cap, "%s://[%s]:%u/", scheme, host, ntohs(a->sin6_port));
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        snprintf(url, cap, "%s://%s:%u/", scheme, host, ntohs(a->sin_port));
    }
}

static uint16_t port_of(const struct sockaddr_storage *addr)
{
    return ntohs(addr->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)addr)->sin6_port
                                             : ((const struct sockaddr_in *)addr)->sin_port);
}

/* Tells every worker to close: each stops accepting and drains, from its next turn. */
static void close_workers(struct h2r_server *server)
{
    for (unsigned i = 0; i != server->started; ++i) {
        struct worker *w = &server->workers[i];
        if (w->setup_error) continue; /* that thread has already returned */
        atomic_store(&w->close_requested, 1);
        h2r_loop_wake(&w->loop);
    }
}

void h2r_server_close(h2r_server *server, void (*done)(h2r_server *server, void *ctx), void *ctx)
{
    pthread_mutex_lock(&server->lock);
    int first = !server->closing, stopped = server->running == 0;
    if (first) {
        server->closing = 1;
        server->done = done;
        server->done_ctx = ctx;
    }
    pthread_mutex_unlock(&server->lock);
    if (!first) return;
    /* Workers that all stopped on their own (a failed ring) call no done: this is the last word. */
    if (stopped) {
        if (done) done(server, ctx);
        return;
    }
    close_workers(server);
}

int h2r_server_wait(h2r_server *server)
{
    if (server->joined) return server->status;
    for (unsigned i = 0; i != server->started; ++i) {
        pthread_join(server->workers[i].thread, NULL);
        if (server->workers[i].exit_status) server->status = -1;
    }
    server->joined = 1;
    return server->status;
}

/* Node's origins: copied (the config's memory is the caller's), and checked as one ORIGIN frame must be. */
static int copy_origins(struct h2r_server *server, const h2r_server_config *config)
{
    size_t count = config->origin_count, bytes = count * sizeof(char *), payload = 0;
    for (size_t i = 0; i != count; ++i) {
        size_t len = config->origins ? strlen(config->origins[i]) : 0;
        if (len == 0 || len > 0xffff) {
            fprintf(stderr, "h2ring: origins: an empty or overlong origin\n");
            return -1;
        }
        bytes += len + 1;
        payload += 2 + len;
    }
    if (payload > 16384) {
        fprintf(stderr, "h2ring: origins: %zu bytes do not fit one ORIGIN frame (16384)\n", payload);
        return -1;
    }
    if (!count || !(server->origins = malloc(bytes))) return count ? -1 : 0;
    char *text = (char *)(server->origins + count);
    for (size_t i = 0; i != count; ++i) {
        server->origins[i] = strcpy(text, config->origins[i]);
        text += strlen(text) + 1;
    }
    server->config.origins = (const char *const *)server->origins;
    return 0;
}

void h2r_server_free(h2r_server *server)
{
    if (!server) return;
    if (!server->joined) {
        h2r_server_close(server, NULL, NULL);
        h2r_server_wait(server);
    }
    if (server->signal_thread_started) {
        /* It waits in sigwait, a cancellation point, or is closing the server with cancellation off. */
        pthread_cancel(server->signal_thread);
        pthread_join(server->signal_thread, NULL);
    }
    for (unsigned i = 0; i != server->count; ++i) {
        struct worker *w = &server->workers[i];
        h2r_ring_free(w);
        close(w->listen_fd);
        h2r_loop_destroy(&w->loop);
        h2r_tls_client_contexts_free(w);
        h2r_pipe_pool_free(w);
    }
    free(server->workers);
    h2r_session_profile_free(server->profile);
    h2r_tls_server_free(server->tls);
    free(server->origins);
    pthread_mutex_destroy(&server->lock);
    free(server);
}

/* Opens a listening socket per worker and prepares it; 0, or -1 with a message on stderr. */
static int open_listeners(struct h2r_server *server, unsigned count, pthread_barrier_t *barrier)
{
    struct sockaddr_storage bound;
    socklen_t bound_len;
    uint16_t port = server->config.port;
    for (; server->count != count; ++server->count) {
        int fd = open_listener(server->config.host, port, &bound, &bound_len);
        if (fd < 0) return -1;
        port = port_of(&bound); /* with port 0, every worker joins the port the first one got */
        h2r_worker_prepare(&server->workers[server->count], server->count, server, fd, barrier);
    }
    format_url(&bound, server->tls ? "https" : "http", server->url, sizeof(server->url));
    return 0;
}

/* Starts the threads, with every signal blocked (they are the application's); 0, or -1 if a ring failed. */
static int start_workers(struct h2r_server *server)
{
    pthread_barrier_t *barrier = server->workers[0].started;
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    server->running = server->count; /* each thread counts itself out when it ends */
    for (; server->started != server->count; ++server->started)
        if (pthread_create(&server->workers[server->started].thread, NULL, h2r_worker_main,
                           &server->workers[server->started]) != 0)
            break;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (server->started != server->count) {
        /* The barrier counts on every worker: without them all, nobody could pass it. */
        fprintf(stderr, "h2ring: cannot start worker threads\n");
        exit(1);
    }
    pthread_barrier_wait(barrier);
    int status = 0;
    for (unsigned i = 0; i != server->count; ++i) {
        if (server->workers[i].setup_error) {
            fprintf(stderr, "h2ring: cannot set up io_uring: %s\n",
                    strerror(-server->workers[i].setup_error));
            status = -1;
        }
    }
    return status;
}

h2r_server *h2r_server_start(const h2r_server_config *config)
{
    unsigned count = config->workers ? config->workers : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (count == 0) count = 1;
    struct h2r_server *server = calloc(1, sizeof(*server));
    if (!server) {
        fprintf(stderr, "h2ring: out of memory\n");
        return NULL;
    }
    server->config = *config;
    server->config.origins = NULL; /* until copied: not the caller's memory, which free would not free */
    pthread_mutex_init(&server->lock, NULL);
    pthread_barrier_t barrier;
    int status = -1;
    /* Certificates are loaded before anything listens: a bad file is reported at once. */
    if (config->tls_certificate_count && !(server->tls = h2r_tls_server_new(config))) goto fail;
    if (copy_origins(server, config) != 0) goto fail;
    /* One copy of the session options and callbacks for every connection. */
    h2r_session_callbacks callbacks = config->callbacks;
    if (!callbacks.clock_ns) callbacks.clock_ns = h2r_loop_clock_ns; /* pings' round trips to the ns */
    if (!(server->profile = h2r_session_profile_new(config->session_options, &callbacks))) {
        fprintf(stderr, "h2ring: invalid session options, or out of memory\n");
        goto fail;
    }
    if (!(server->workers = calloc(count, sizeof(*server->workers)))) goto fail;
    /* A peer that resets the connection must not kill the process (sends use MSG_NOSIGNAL too). */
    signal(SIGPIPE, SIG_IGN);
    /* Listening sockets first: a port in use is reported before any thread starts. */
    if (open_listeners(server, count, &barrier) != 0) goto fail;
    pthread_barrier_init(&barrier, NULL, count + 1);
    status = start_workers(server);
    pthread_barrier_destroy(&barrier);
    if (status == 0) {
        if (config->on_listening) config->on_listening(server->url, config->user_data);
        return server;
    }
fail:
    h2r_server_free(server);
    return NULL;
}

const char *h2r_server_url(const h2r_server *server)
{
    return server->url;
}

/* The signals that close the server. */
static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
}

/* The first signal closes the server; a second one ends the process, by that signal's default action. */
static void *signal_thread(void *arg)
{
    struct h2r_server *server = arg;
    sigset_t set;
    stop_signals(&set);
    int sig, cancel_state;
    sigwait(&set, &sig);
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
    h2r_server_close(server, NULL, NULL);
    pthread_setcancelstate(cancel_state, NULL);
    sigwait(&set, &sig);
    signal(sig, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    return NULL;
}

int h2r_server_close_on_signals(h2r_server *server)
{
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (server->signal_thread_started) return 0;
    if (pthread_create(&server->signal_thread, NULL, signal_thread, server) != 0) {
        fprintf(stderr, "h2ring: cannot start the signal thread\n");
        return -1;
    }
    server->signal_thread_started = 1;
    return 0;
}

int h2r_server_run(const h2r_server_config *config)
{
    /* Blocked before on_listening: a signal that comes right after it must not find them unhandled. */
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    h2r_server *server = h2r_server_start(config);
    if (!server) return -1;
    int status = h2r_server_close_on_signals(server) == 0 ? h2r_server_wait(server) : -1;
    h2r_server_free(server);
    return status;
}
