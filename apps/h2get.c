/*
 * h2get: h2ring's client program (see h2get.h for its files). Fetches
 * URLs over HTTP/2 (h2c with prior knowledge, or TLS with ALPN) or
 * HTTP/1.1, or loads a server the way h2load does.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2get.h"

static const char usage[] =
    "usage: h2get [-v] [-O DIR] [-o FILE] [-H 'name: value']... [-d @FILE|-d DATA] [--http1.1]\n"
    "             [--insecure] [--cacert FILE] [--no-push] [--fail] [-n N -c C -m M] URL...\n"
    "\n"
    "Fetches the URLs, all of one origin, over one connection and in parallel: HTTP/2 with\n"
    "prior knowledge for http://, TLS with ALPN (h2, then http/1.1) for https://. The bodies\n"
    "go to stdout in the order of the URLs.\n"
    "\n"
    "  -o, --output FILE   write the bodies to FILE instead of stdout\n"
    "  -O, --output-dir DIR  save each response, and each push, under DIR by its path:\n"
    "                      /x as DIR/x, /a/ and / as DIR/a/index.html and DIR/index.html\n"
    "                      (the query left out); a path with a '.' or '..' segment is\n"
    "                      refused (a push of one is cancelled): nothing is written\n"
    "                      outside DIR. Without -O, pushed bodies are read and dropped\n"
    "  -H, --header 'N: V' add a field to each request (':method: PUT' sets the method)\n"
    "  -d, --data DATA     send DATA as the body (POST, as curl does); @FILE sends the file,\n"
    "                      read as it is sent\n"
    "  --http1.1           speak HTTP/1.1 (one request at a time)\n"
    "  --insecure          do not check the server's certificate\n"
    "  --cacert FILE       trust the CAs in FILE (PEM) instead of the system's\n"
    "  --no-push           SETTINGS_ENABLE_PUSH=0: the server may not push\n"
    "  --fail              a status other than 2xx fails (exit 22), its body not written\n"
    "  -v, --verbose       on stderr: each HTTP/2 frame sent and received, one line each\n"
    "                      (\"send HEADERS frame <length=31, flags=0x05, stream_id=1>\"), the\n"
    "                      header sections beneath; over HTTP/1.1, the request and response heads\n"
    "  -n, --requests N    load mode: N requests in all (the URLs in turn), bodies dropped,\n"
    "  -c, --clients C     over C connections (default 1)\n"
    "  -m, --max-concurrent-streams M  with up to M requests at once on each (default 1);\n"
    "                      prints requests/s, latency percentiles and h2load's summary lines\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit status: 0; 1 when the connection fails (refused, TLS, lost), a stream is reset or\n"
    "an output cannot be written, with a line on stderr saying why; 2 for the command line;\n"
    "22 with --fail and a status other than 2xx. In load mode, 1 unless every request succeeded.\n";

/* "name: value" (the name may start with ':'), the value's leading blanks skipped; the name lower-cased. */
static int parse_header(char *arg, h2r_header *field)
{
    char *colon = arg[0] ? strchr(arg + 1, ':') : NULL;
    if (!colon || colon == arg) return -1;
    char *value = colon + 1;
    while (*value == ' ' || *value == '\t') ++value;
    for (char *p = arg; p != colon; ++p)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    *field = (h2r_header){
        .name = arg, .name_len = (size_t)(colon - arg), .value = value, .value_len = strlen(value)};
    return 0;
}

static int parse_count(const char *arg, unsigned long *out)
{
    char *end;
    *out = strtoul(arg, &end, 10);
    return *arg && !*end && *out ? 0 : -1;
}

static int bad_usage(const char *what)
{
    fprintf(stderr, "h2get: %s\n%s", what, usage);
    return H2GET_USAGE;
}

int main(int argc, char **argv)
{
    enum { OPT_HTTP1 = 256, OPT_INSECURE, OPT_CACERT, OPT_NO_PUSH, OPT_FAIL };
    static const struct option long_options[] = {
        {"verbose", no_argument, NULL, 'v'},
        {"output", required_argument, NULL, 'o'},
        {"output-dir", required_argument, NULL, 'O'},
        {"header", required_argument, NULL, 'H'},
        {"data", required_argument, NULL, 'd'},
        {"requests", required_argument, NULL, 'n'},
        {"clients", required_argument, NULL, 'c'},
        {"max-concurrent-streams", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {"http1.1", no_argument, NULL, OPT_HTTP1},
        {"insecure", no_argument, NULL, OPT_INSECURE},
        {"cacert", required_argument, NULL, OPT_CACERT},
        {"no-push", no_argument, NULL, OPT_NO_PUSH},
        {"fail", no_argument, NULL, OPT_FAIL},
        {NULL, 0, NULL, 0},
    };
    struct h2get_options o = {.connections = 1, .streams = 1};
    for (int opt; (opt = getopt_long(argc, argv, "vo:O:H:d:n:c:m:h", long_options, NULL)) != -1;) {
        switch (opt) {
        case 'v': o.verbose = 1; break;
        case 'o': o.output_file = optarg; break;
        case 'O': o.output_dir = optarg; break;
        case 'H':
            if (o.header_count == H2GET_MAX_HEADERS) return bad_usage("too many -H");
            if (parse_header(optarg, &o.headers[o.header_count++]) != 0)
                return bad_usage("-H needs 'name: value'");
            break;
        case 'd':
            o.data = optarg[0] == '@' ? NULL : optarg;
            o.data_file = optarg[0] == '@' ? optarg + 1 : NULL;
            break;
        case 'n':
            if (parse_count(optarg, &o.requests) != 0) return bad_usage("-n needs a number above 0");
            break;
        case 'c':
            if (parse_count(optarg, &o.connections) != 0) return bad_usage("-c needs a number above 0");
            break;
        case 'm':
            if (parse_count(optarg, &o.streams) != 0) return bad_usage("-m needs a number above 0");
            break;
        case 'h': fputs(usage, stdout); return H2GET_OK;
        case OPT_HTTP1: o.http1 = 1; break;
        case OPT_INSECURE: o.insecure = 1; break;
        case OPT_CACERT: o.cacert = optarg; break;
        case OPT_NO_PUSH: o.no_push = 1; break;
        case OPT_FAIL: o.fail = 1; break;
        default: fputs(usage, stderr); return H2GET_USAGE;
        }
    }
    if (optind == argc) return bad_usage("no URL");
    o.urls = argv + optind;
    o.url_count = (size_t)(argc - optind);
    for (size_t i = 1; i != o.url_count; ++i)
        if (!h2get_same_origin(o.urls[0], o.urls[i])) return bad_usage("the URLs are not all of one origin");
    if (o.output_file && o.output_dir) return bad_usage("-o and -O do not go together");
    if (o.requests && (o.output_file || o.output_dir || o.verbose))
        return bad_usage("load mode writes no body and no trace (-o, -O, -v)");

    /* A reader of stdout that goes away is a write error, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    h2r_loop *loop;
    int err = h2r_loop_new(&loop);
    if (err) {
        fprintf(stderr, "h2get: no loop: %s\n", h2r_client_strerror(err));
        return H2GET_FAILED;
    }
    int status = o.requests ? h2get_load(loop, &o) : h2get_fetch(loop, &o);
    h2r_loop_free(loop);
    return status;
}
