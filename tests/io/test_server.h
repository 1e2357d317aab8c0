/*
 * What the test servers of tests/io share (fd_server, upload_server,
 * loop_server): the command line's --host and --port, and the line that
 * tells the test where they listen. Public API only, like the servers.
 */
#ifndef H2RING_TESTS_IO_TEST_SERVER_H
#define H2RING_TESTS_IO_TEST_SERVER_H

#include <getopt.h>

#include "h2ring/server.h"

/** A server's own option: val is getopt_long's, arg its argument (NULL for none). */
typedef void (*test_server_option_cb)(h2r_server_config *config, int val, const char *arg);

/**
 * Reads the command line of the test server called name into config, as
 * the server set it up (h2r_server_config_init, its own defaults): --host
 * HOST and --port PORT; the options of extra (getopt_long's table ended by a zero entry, with vals
 * other than 'h' and 'p'; NULL for none) go to on_option. Returns the index
 * of the first operand in argv, or -1 after an unknown option or a missing
 * argument (getopt_long said which on stderr).
 */
int test_server_options(int argc, char **argv, const char *name, h2r_server_config *config,
                        const struct option *extra, test_server_option_cb on_option);

/** The first field called name (a NUL-terminated lowercase name) of a request's headers, or NULL. */
const h2r_header *test_server_find(const h2r_header *headers, size_t count, const char *name);

/** Is header (may be NULL) there, with value as its value? */
int test_server_is(const h2r_header *header, const char *value);

/**
 * Prints "NAME listening on URL" (NAME as given to test_server_options)
 * and flushes: the line tests/io/h2serve_fixture.py waits for. Fits
 * h2r_server_config.on_listening.
 */
void test_server_listening(const char *url, void *user_data);

#endif
