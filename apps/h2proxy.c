/*
 * h2proxy: a reverse proxy on h2ring's public API. Clients speak HTTP/2
 * (h2c or TLS) or HTTP/1.1 to it; each request goes on to one of the
 * upstreams, in turn, over the worker's pooled connections (h2c, h2 or
 * HTTP/1.1 over TLS, or HTTP/1.1), and the answer comes back as it comes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_log.h"
#include "h2ring/h2ring.h"
#include "proxy_forward.h"
#include "proxy_stream.h"
#include "proxy_tunnel.h"
#include "proxy_upstreams.h"

static const char usage[] =
    "usage: h2proxy --listen [HOST:]PORT [--cert PEM --key PEM] --upstream URL [--upstream URL]...\n"
    "               [--upstream-http1 URL]... [--upstream-cacert PEM] [--upstream-insecure]\n"
    "               [--connect-allow HOST:PORT[,HOST:PORT]...] [--websocket-upstream HOST:PORT]\n"
    "               [--timeout S] [--workers N]\n"
    "               [--access-log FILE|-] [--help]\n"
    "\n"
    "Relays every request to one of the upstreams, in turn, over pooled connections (one set\n"
    "per worker), bodies both ways as they come. Clients speak HTTP/2 (h2c, or h2 over TLS with\n"
    "--cert and --key) or HTTP/1.1. An upstream that cannot be reached is skipped for a while,\n"
    "its request tried on the next; with none left the client gets 502, and 504 when the\n"
    "response's head does not come in time (one line on stderr each). CONNECT opens a TCP\n"
    "tunnel to a target --connect-allow names, and answers 403 for any other.\n"
    "\n"
    "  --listen [HOST:]PORT   where to listen (HOST default 127.0.0.1; PORT 0: any free one)\n"
    "  --cert PEM             TLS certificate chain for clients (leaf first); needs --key\n"
    "  --key PEM              the certificate's private key\n"
    "  --upstream URL         http://HOST[:PORT] (h2c) or https://HOST[:PORT] (h2 or http/1.1\n"
    "                         by ALPN); repeatable\n"
    "  --upstream-http1 URL   an upstream that speaks HTTP/1.1 only (http:// or https://)\n"
    "  --upstream-cacert PEM  the CA certificates the upstreams' must chain to (default: the\n"
    "                         system's)\n"
    "  --upstream-insecure    do not check the upstreams' certificates\n"
    "  --connect-allow LIST   CONNECT may reach these HOST:PORT (numeric hosts, IPv6 in\n"
    "                         brackets; comma-separated, repeatable)\n"
    "  --websocket-upstream HOST:PORT  bridge WebSockets over HTTP/2 (RFC 8441: CONNECT with\n"
    "                         :protocol websocket) to this HTTP/1.1 WebSocket server\n"
    "  --timeout S            a response's head must come within S seconds (default 60), and a\n"
    "                         connection to an upstream within S too\n"
    "  --workers N            worker threads, each with its own io_uring (default: one per CPU)\n"
    "  --access-log FILE      append one line per response to FILE, or to stdout with -\n"
    "  --help                 this text\n"
    "\n"
    "SIGTERM or SIGINT: GOAWAY to every client, requests in flight finish, exit 0.\n";

static int parse_number(const char *flag, const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno || end == text || *end || value > max || text[0] == '-') {
        fprintf(stderr, "h2proxy: %s needs a number from 0 to %lu, not '%s'\n", flag, max, text);
        return -1;
    }
    *out = value;
    return 0;
}

/* [HOST:]PORT, HOST an IPv6 address in brackets. */
static int parse_listen(char *arg, h2r_server_config *config)
{
    char *colon = strrchr(arg, ':');
    unsigned long port;
    if (colon && (!strchr(arg, ']') || colon > strchr(arg, ']'))) {
        *colon = '\0';
        if (parse_number("--listen's port", colon + 1, 65535, &port) != 0) return -1;
        if (arg[0] == '[' && colon[-1] == ']') colon[-1] = '\0', ++arg;
        config->host = arg;
    } else if (parse_number("--listen's port", arg, 65535, &port) != 0) {
        return -1;
    }
    config->port = (uint16_t)port;
    return 0;
}

/* The session's callbacks: each stream's to the handlers of its kind (proxy_stream.h). */
static void on_stream(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                      int flags)
{
    const h2r_header *method = proxy_find(headers, count, ":method");
    if (method && method->value_len == 7 && memcmp(method->value, "CONNECT", 7) == 0)
        proxy_tunnel_open(session, stream, headers, count);
    else
        proxy_forward_open(session, stream, headers, count, flags);
}

static void on_data(h2r_stream *stream, const uint8_t *data, size_t len)
{
    const struct proxy_handlers *h = proxy_handlers_of(stream);
    if (h && h->on_data) h->on_data(stream, data, len);
}

static void on_end(h2r_stream *stream)
{
    const struct proxy_handlers *h = proxy_handlers_of(stream);
    if (h && h->on_end) h->on_end(stream);
}

static void on_drain(h2r_stream *stream)
{
    const struct proxy_handlers *h = proxy_handlers_of(stream);
    if (h && h->on_drain) h->on_drain(stream);
}

static void on_want_trailers(h2r_stream *stream)
{
    const struct proxy_handlers *h = proxy_handlers_of(stream);
    if (h && h->on_want_trailers) h->on_want_trailers(stream);
}

static void on_stream_close(h2r_stream *stream, uint32_t rst_code)
{
    const struct proxy_handlers *h = proxy_handlers_of(stream);
    (void)rst_code;
    if (h && h->on_close) h->on_close(stream);
}

struct upstream_arg {
    const char *url;
    int http1;
};

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"listen", required_argument, NULL, 'L'},
        {"cert", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},
        {"upstream", required_argument, NULL, 'u'},
        {"upstream-http1", required_argument, NULL, '1'},
        {"upstream-cacert", required_argument, NULL, 'C'},
        {"upstream-insecure", no_argument, NULL, 'I'},
        {"timeout", required_argument, NULL, 't'},
        {"connect-allow", required_argument, NULL, 'A'},
        {"websocket-upstream", required_argument, NULL, 'W'},
        {"workers", required_argument, NULL, 'w'},
        {"access-log", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, '?' + 256},
        {NULL, 0, NULL, 0},
    };
    h2r_server_config config;
    h2r_server_config_init(&config);
    config.allow_http1 = 1;
    static h2r_tls_certificate cert;
    static struct upstream_arg upstreams[PROXY_MAX_UPSTREAMS];
    size_t upstream_count = 0;
    const char *log_path = NULL, *ca_file = NULL, *allow[16];
    size_t allow_count = 0;
    const char *websocket = NULL;
    int insecure = 0, listening = 0;
    unsigned long timeout_s = 60;

    opterr = 0;
    for (int opt; (opt = getopt_long(argc, argv, "", options, NULL)) != -1;) {
        switch (opt) {
        case 'L':
            if (parse_listen(optarg, &config) != 0) return 2;
            listening = 1;
            break;
        case 'c': cert.cert_file = optarg; break;
        case 'k': cert.key_file = optarg; break;
        case 'u':
        case '1':
            if (upstream_count == PROXY_MAX_UPSTREAMS) {
                fprintf(stderr, "h2proxy: at most %d upstreams\n", PROXY_MAX_UPSTREAMS);
                return 2;
            }
            upstreams[upstream_count++] = (struct upstream_arg){.url = optarg, .http1 = opt == '1'};
            break;
        case 'C': ca_file = optarg; break;
        case 'W': websocket = optarg; break;
        case 'A':
            if (allow_count == sizeof(allow) / sizeof(allow[0])) {
                fprintf(stderr, "h2proxy: at most 16 --connect-allow\n");
                return 2;
            }
            allow[allow_count++] = optarg;
            break;
        case 'I': insecure = 1; break;
        case 't':
            if (parse_number("--timeout", optarg, 86400, &timeout_s) != 0) return 2;
            break;
        case 'w': {
            unsigned long workers;
            if (parse_number("--workers", optarg, 1024, &workers) != 0) return 2;
            config.workers = (unsigned)workers;
            break;
        }
        case 'l': log_path = optarg; break;
        case '?' + 256: fputs(usage, stdout); return 0;
        default:
            fprintf(stderr, "h2proxy: unknown or incomplete option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "h2proxy: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (!listening || !upstream_count || !cert.cert_file != !cert.key_file || !timeout_s) {
        fprintf(stderr, "h2proxy: needs --listen, an --upstream, --cert with --key, a --timeout above 0 "
                        "(see --help)\n");
        return 2;
    }
    for (size_t i = 0; i != upstream_count; ++i)
        if (proxy_upstreams_add(upstreams[i].url, upstreams[i].http1, ca_file, insecure,
                                (uint32_t)timeout_s * 1000) != 0)
            return 2;
    if (cert.cert_file) {
        config.tls_certificates = &cert;
        config.tls_certificate_count = 1;
    }
    if (h2serve_access_log_open(log_path) != 0) {
        fprintf(stderr, "h2proxy: cannot open --access-log %s: %s\n", log_path, strerror(errno));
        return 2;
    }
    for (size_t i = 0; i != allow_count; ++i)
        if (proxy_tunnel_allow(allow[i], (uint32_t)timeout_s * 1000) != 0) return 2;
    if (websocket) {
        if (proxy_tunnel_websocket_upstream(websocket, (uint32_t)timeout_s * 1000) != 0) return 2;
        /* RFC 8441 §3: clients may send :protocol once we said so. */
        static h2r_session_options session_options;
        h2r_session_options_init(&session_options);
        session_options.settings.enable_connect_protocol = 1;
        config.session_options = &session_options;
    }
    proxy_forward_init(cert.cert_file != NULL, (uint32_t)timeout_s * 1000);
    config.callbacks.on_stream = on_stream;
    config.callbacks.on_data = on_data;
    config.callbacks.on_end = on_end;
    config.callbacks.on_drain = on_drain;
    config.callbacks.on_want_trailers = on_want_trailers;
    config.callbacks.on_stream_close = on_stream_close;
    /* The client's address goes into forwarded, and the log. */
    h2serve_access_log_track_peers(&config);
    h2r_server *server = h2r_server_start(&config);
    if (!server) return 1;
    int status = h2r_server_close_on_signals(server);
    if (status == 0) {
        printf("h2proxy listening on %s\n", h2r_server_url(server));
        fflush(stdout);
        status = h2r_server_wait(server);
    }
    h2r_server_free(server);
    return status == 0 ? 0 : 1;
}
