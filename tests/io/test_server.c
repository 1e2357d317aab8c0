/* The test servers' command line and listening line (test_server.h). */
#include "test_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --host and --port, and room for a server's own options. */
#define MAX_OPTIONS 8

static const char *server_name = "test_server";

int test_server_options(int argc, char **argv, const char *name, h2r_server_config *config,
                        const struct option *extra, test_server_option_cb on_option)
{
    struct option options[MAX_OPTIONS + 1] = {
        {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},
    };
    size_t count = 2;
    while (extra && extra->name) {
        if (count == MAX_OPTIONS) abort(); /* a test server with more options: raise MAX_OPTIONS */
        options[count++] = *extra++;
    }

    server_name = name;
    for (int opt; (opt = getopt_long(argc, argv, "", options, NULL)) != -1;) {
        switch (opt) {
        case 'h': config->host = optarg; break;
        case 'p': config->port = (uint16_t)atoi(optarg); break;
        case '?': return -1;
        default: on_option(config, opt, optarg); break;
        }
    }
    return optind;
}

void test_server_listening(const char *url, void *user_data)
{
    (void)user_data;
    printf("%s listening on %s\n", server_name, url);
    fflush(stdout);
}

const h2r_header *test_server_find(const h2r_header *headers, size_t count, const char *name)
{
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == strlen(name) && memcmp(headers[i].name, name, headers[i].name_len) == 0)
            return &headers[i];
    return NULL;
}

int test_server_is(const h2r_header *header, const char *value)
{
    return header && header->value_len == strlen(value) &&
           memcmp(header->value, value, header->value_len) == 0;
}
