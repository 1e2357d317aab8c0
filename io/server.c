/*
 * Starting and stopping the workers: listening sockets (one per worker,
 * SO_REUSEPORT, so the kernel spreads connections), threads, and the
 * signals that end them.
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

static void wake_all(struct worker *workers, unsigned count)
{
    for (unsigned i = 0; i != count; ++i) {
        uint64_t one = 1;
        if (workers[i].setup_error) continue; /* that thread has already returned */
        if (write(workers[i].wake_fd, &one, sizeof(one)) < 0) perror("h2ring: eventfd write");
    }
}

int h2r_server_run(const h2r_server_config *config)
{
    unsigned count = config->workers ? config->workers : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (count == 0) count = 1;
    /* Certificates are loaded before anything listens: a bad file is reported at once. */
    struct h2r_tls_server *tls = NULL;
    if (config->tls_certificate_count && !(tls = h2r_tls_server_new(config))) return -1;
    /* One copy of the session options and callbacks for every connection. */
    h2r_session_profile *profile = h2r_session_profile_new(config->session_options, &config->callbacks);
    if (!profile) fprintf(stderr, "h2ring: invalid session options, or out of memory\n");
    struct worker *workers = profile ? calloc(count, sizeof(*workers)) : NULL;
    if (!workers) {
        h2r_session_profile_free(profile);
        h2r_tls_server_free(tls);
        return -1;
    }

    /* Workers inherit this mask: only the main thread takes SIGTERM and SIGINT, with sigwait. */
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    /* A peer that resets the connection must not kill the process (sends use MSG_NOSIGNAL too). */
    signal(SIGPIPE, SIG_IGN);

    /* Listening sockets first: a port in use is reported before any thread starts. */
    int status = 0;
    unsigned opened = 0, started = 0;
    struct sockaddr_storage bound;
    socklen_t bound_len;
    uint16_t port = config->port;
    pthread_barrier_t barrier;
    for (; opened != count; ++opened) {
        int fd = open_listener(config->host, port, &bound, &bound_len);
        if (fd < 0) {
            status = -1;
            break;
        }
        port = port_of(&bound); /* with port 0, every worker joins the port the first one got */
        h2r_worker_prepare(&workers[opened], opened, config, profile, tls, fd, &barrier);
    }
    if (status == 0) {
        pthread_barrier_init(&barrier, NULL, count + 1);
        for (; started != count; ++started)
            if (pthread_create(&workers[started].thread, NULL, h2r_worker_main, &workers[started]) != 0)
                break;
        if (started != count) {
            /* The barrier counts on every worker: without them all, nobody could pass it. */
            fprintf(stderr, "h2ring: cannot start worker threads\n");
            exit(1);
        }
        pthread_barrier_wait(&barrier);
        pthread_barrier_destroy(&barrier);
        for (unsigned i = 0; i != count; ++i) {
            if (workers[i].setup_error) {
                fprintf(stderr, "h2ring: cannot set up io_uring: %s\n", strerror(-workers[i].setup_error));
                status = -1;
            }
        }
    }

    if (status == 0) {
        if (config->on_listening) {
            char url[80];
            format_url(&bound, tls ? "https" : "http", url, sizeof(url));
            config->on_listening(url, config->user_data);
        }
        int sig;
        sigwait(&stop_signals, &sig);
        /* A second signal while draining means: stop now. */
        pthread_sigmask(SIG_SETMASK, &previous, NULL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
    }
    wake_all(workers, started);
    for (unsigned i = 0; i != started; ++i) {
        pthread_join(workers[i].thread, NULL);
        if (workers[i].exit_status) status = -1;
    }
    for (unsigned i = 0; i != opened; ++i) {
        h2r_ring_free(&workers[i]);
        close(workers[i].listen_fd);
        if (workers[i].wake_fd >= 0) close(workers[i].wake_fd);
        h2r_pipe_pool_free(&workers[i]);
    }
    free(workers);
    h2r_session_profile_free(profile);
    h2r_tls_server_free(tls);
    return status;
}
