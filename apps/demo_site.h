/*
 * The built-in demo site h2serve serves without --root:
 *   /       an HTML page whose stylesheet and script are pushed with it
 *   /x      "Server X Response", with /y and /z pushed first (the push example
 *           this project started from: PUSH_PROMISE for /y and /z on stream 1)
 *   /y, /z  "Server Y Response", "Server Z Response"
 *   /hello  "Hello, World!" (13 bytes), for benchmarks
 *   /delay/N, /whoami       answers made later, the connection (demo_delay.h, demo_whoami.h)
 *   POST /sha256, /echo     request bodies as they come (demo_upload.h)
 */
#ifndef H2R_APPS_DEMO_SITE_H
#define H2R_APPS_DEMO_SITE_H

#include "h2ring/compat.h"

/* Prepares what the demo site's workers share; before h2r_server_start. */
void h2serve_demo_init(void);

/* Answers a request (which has a :path) from the demo site. */
void h2serve_demo_handle(h2r_request *req, h2r_response *res);

#endif
