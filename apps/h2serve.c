/*
 * h2serve: h2ring's server program. Serves a document root (--root) or the
 * built-in demo site over HTTP/2 and HTTP/1.1, in cleartext or over TLS.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_log.h"
#include "demo_site.h"
#include "h2ring/h2ring.h"
#include "respond.h"
#include "static_files.h"

static const char usage[] =
    "usage: h2serve [--host ADDR] [--port N] [--workers N] [--root DIR] [--access-log FILE|-]\n"
    "               [--cert PEM --key PEM [--sni-cert NAME:CERT:KEY]...] [--no-http1]\n"
    "               [--idle-timeout S] [--handshake-timeout S] [--splice-min BYTES]\n"
    "               [--send-zc-min BYTES] [--stall-timeout S] [--worker-memory BYTES] [--help]\n"
    "\n"
    "Serves HTTP/2 on io_uring: over TLS (h2 by ALPN) with --cert and --key, else over\n"
    "cleartext TCP (h2c with prior knowledge). HTTP/1.1 is served on the same port too\n"
    "(ALPN http/1.1 or none; in cleartext, a connection opening with a request line).\n"
    "\n"
    "  --host ADDR         address to listen on (default 127.0.0.1)\n"
    "  --port N            TCP port, 0 for any free one (default 8080)\n"
    "  --workers N         worker threads, each with its own io_uring (default: one per CPU)\n"
    "  --root DIR          serve files from DIR (index.html for directories); without it,\n"
    "                      the demo site: / (pushes its CSS and JS), /x (pushes /y and /z), /hello,\n"
    "                      /delay/N (answers after N ms), /whoami (the connection as JSON),\n"
    "                      POST /sha256 (the body's SHA-256), POST /echo (the body, streamed back)\n"
    "  --access-log FILE   append one line per response to FILE, or to stdout with -\n"
    "  --cert PEM          TLS certificate chain (leaf first); needs --key\n"
    "  --key PEM           the certificate's private key\n"
    "  --sni-cert N:C:K    for clients asking for server name N, certificate C and key K\n"
    "                      instead (repeatable)\n"
    "  --no-http1          HTTP/2 only: no HTTP/1.1 fallback\n"
    "  --handshake-timeout S  drop connections without a TLS handshake (or a first\n"
    "                      request) after S seconds (default 10)\n"
    "  --idle-timeout S    close connections idle for S seconds (default 120; 0: never)\n"
    "  --splice-min BYTES  splice file data to the socket (zero-copy) from BYTES per send\n"
    "                      (default 0: always read into a buffer, faster on virtual machines)\n"
    "  --send-zc-min BYTES zero-copy socket writes (io_uring SEND_ZC) from BYTES per write\n"
    "                      (default 0: never; loopback and virtual NICs copy anyway)\n"
    "  --stall-timeout S   close connections whose output waits S seconds for a client\n"
    "                      that opens no window or reads nothing (default 60; 0: never)\n"
    "  --worker-memory BYTES  what one worker's connections may hold together before\n"
    "                      the largest stalled one is shed (default 64 MiB; 0: no budget)\n"
    "  --help              this text\n";

static int use_root;

static void on_request(h2r_request *req, h2r_response *res, void *user_data)
{
    (void)user_data;
    /* CONNECT has no :path, and nothing here tunnels. */
    if (!h2r_request_url(req, NULL))
        h2serve_respond(res, 405, "text/plain", "method not allowed\n", 19);
    else if (use_root)
        h2serve_static_handle(req, res);
    else
        h2serve_demo_handle(req, res);
}

/* Every worker's sessions find it as their user_data (see h2r_compat_callbacks). */
static h2r_compat_handlers handlers = {.on_request = on_request};

#define MAX_CERTIFICATES 64

/* NAME:CERT:KEY (file names may not hold a ':'; a name never does). */
static int parse_sni_cert(char *arg, h2r_tls_certificate *cert)
{
    char *cert_file = strchr(arg, ':'), *key_file = cert_file ? strchr(cert_file + 1, ':') : NULL;
    if (!key_file || cert_file == arg || key_file == cert_file + 1 || !key_file[1] ||
        strchr(key_file + 1, ':')) {
        fprintf(stderr, "h2serve: --sni-cert needs NAME:CERT:KEY, not '%s'\n", arg);
        return -1;
    }
    *cert_file++ = '\0';
    *key_file++ = '\0';
    *cert = (h2r_tls_certificate){.server_name = arg, .cert_file = cert_file, .key_file = key_file};
    return 0;
}

static int parse_number(const char *flag, const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno || end == text || *end || value > max || text[0] == '-') {
        fprintf(stderr, "h2serve: %s needs a number from 0 to %lu, not '%s'\n", flag, max, text);
        return -1;
    }
    *out = value;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},
        {"workers", required_argument, NULL, 'w'},
        {"root", required_argument, NULL, 'r'},
        {"access-log", required_argument, NULL, 'l'},
        {"idle-timeout", required_argument, NULL, 'i'},
        {"splice-min", required_argument, NULL, 's'},
        {"send-zc-min", required_argument, NULL, 'z'},
        {"cert", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},
        {"sni-cert", required_argument, NULL, 'n'},
        {"no-http1", no_argument, NULL, '1'},
        {"handshake-timeout", required_argument, NULL, 't'},
        {"stall-timeout", required_argument, NULL, 'S'},
        {"worker-memory", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, '?' + 256},
        {NULL, 0, NULL, 0},
    };
    h2r_server_config config;
    h2r_server_config_init(&config);
    static h2r_session_options session_options;
    h2r_session_options_init(&session_options);
    config.session_options = &session_options;
    config.port = 8080;
    config.allow_http1 = 1;
    const char *root = NULL, *log_path = NULL;
    unsigned long number;
    /* The default certificate first, then one per --sni-cert. */
    static h2r_tls_certificate certs[MAX_CERTIFICATES + 1];
    size_t cert_count = 1;

    opterr = 0;
    for (int opt; (opt = getopt_long(argc, argv, "", options, NULL)) != -1;) {
        switch (opt) {
        case 'h': config.host = optarg; break;
        case 'p':
            if (parse_number("--port", optarg, 65535, &number) != 0) return 2;
            config.port = (uint16_t)number;
            break;
        case 'w':
            if (parse_number("--workers", optarg, 1024, &number) != 0) return 2;
            config.workers = (unsigned)number;
            break;
        case 'r': root = optarg; break;
        case 'l': log_path = optarg; break;
        case 'i':
            if (parse_number("--idle-timeout", optarg, 86400, &number) != 0) return 2;
            config.idle_timeout_ms = (unsigned)number * 1000;
            break;
        case 's':
            if (parse_number("--splice-min", optarg, 1ul << 30, &number) != 0) return 2;
            config.splice_min_bytes = number;
            break;
        case 'z':
            if (parse_number("--send-zc-min", optarg, 1ul << 30, &number) != 0) return 2;
            config.send_zc_min_bytes = number;
            break;
        case 'c': certs[0].cert_file = optarg; break;
        case 'k': certs[0].key_file = optarg; break;
        case 'n':
            if (cert_count == MAX_CERTIFICATES + 1) {
                fprintf(stderr, "h2serve: at most %d --sni-cert\n", MAX_CERTIFICATES);
                return 2;
            }
            if (parse_sni_cert(optarg, &certs[cert_count]) != 0) return 2;
            ++cert_count;
            break;
        case '1': config.allow_http1 = 0; break;
        case 't':
            if (parse_number("--handshake-timeout", optarg, 86400, &number) != 0) return 2;
            config.handshake_timeout_ms = (unsigned)number * 1000;
            break;
        case 'S':
            if (parse_number("--stall-timeout", optarg, 86400, &number) != 0) return 2;
            session_options.output_stall_timeout_ms = (uint32_t)number * 1000;
            break;
        case 'm':
            if (parse_number("--worker-memory", optarg, 1ul << 40, &number) != 0) return 2;
            config.worker_memory_budget = number;
            break;
        case '?' + 256: fputs(usage, stdout); return 0;
        default:
            fprintf(stderr, "h2serve: unknown or incomplete option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "h2serve: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (!certs[0].cert_file != !certs[0].key_file) {
        fprintf(stderr, "h2serve: --cert and --key go together\n");
        return 2;
    }
    if (!certs[0].cert_file && cert_count > 1) {
        fprintf(stderr, "h2serve: --sni-cert needs a default --cert and --key\n");
        return 2;
    }
    if (certs[0].cert_file) {
        config.tls_certificates = certs;
        config.tls_certificate_count = cert_count;
    }
    if (root && h2serve_static_open_root(root) != 0) {
        fprintf(stderr, "h2serve: cannot open --root %s: %s\n", root, strerror(errno));
        return 2;
    }
    if (h2serve_access_log_open(log_path) != 0) {
        fprintf(stderr, "h2serve: cannot open --access-log %s: %s\n", log_path, strerror(errno));
        return 2;
    }
    use_root = root != NULL;
    if (!use_root) h2serve_demo_init();
    h2r_compat_callbacks(&config.callbacks);
    config.user_data = &handlers;
    if (log_path) h2serve_access_log_track_peers(&config);
    h2r_server *server = h2r_server_start(&config);
    if (!server) return 1;
    /* Said once signals are handled: whoever reads the line may stop the server with one at once. */
    int status = h2r_server_close_on_signals(server);
    if (status == 0) {
        printf("h2serve listening on %s\n", h2r_server_url(server));
        fflush(stdout);
        status = h2r_server_wait(server);
    }
    h2r_server_free(server);
    return status == 0 ? 0 : 1;
}
