/*
 * The ClientHello scan (io/tls_hello.c) on any bytes: it must end, never
 * read past them, and any server name it finds must lie within them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact copy: the fuzzer's buffer may have room after size, where a stray read would go unseen. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    struct h2r_tls_hello hello;
    enum h2r_tls_hello_result r = h2r_tls_scan_hello(copy, size, &hello);
    if (r != H2R_TLS_HELLO_OK && (hello.server_name || hello.offers_alpn)) {
        fprintf(stderr, "fuzz_tls_hello: fields set without a hello (result %d)\n", (int)r);
        abort();
    }
    if (hello.server_name &&
        (hello.server_name < copy || hello.server_name + hello.server_name_len > copy + size ||
         hello.server_name_len == 0)) {
        fprintf(stderr, "fuzz_tls_hello: the server name is not within the input\n");
        abort();
    }
    free(copy);
    return 0;
}
