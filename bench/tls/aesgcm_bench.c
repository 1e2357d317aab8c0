/*
 * bench-aesgcm: AES-128-GCM and ChaCha20-Poly1305 throughput of the linked
 * wolfSSL on 16 KiB records (TLS's largest), to compare the local AES-NI
 * build (-Dwolfssl=local) with Debian's libwolfssl (-Dwolfssl=system).
 * Each record is sealed (or opened) with its own nonce and a 5-byte AAD, as
 * TLS 1.3 does. MB/s are 10^6 bytes of plaintext a second, on one core,
 * the best of REPEAT runs, so that other load on the machine counts less.
 *
 * Usage: bench-aesgcm [SECONDS]   (each run lasts that long; default 1)
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECORD 16384
#define REPEAT 3

static unsigned char plain[RECORD], sealed[RECORD], opened[RECORD];
static unsigned char key[32], aad[5] = {0x17, 0x03, 0x03, 0x40, 0x11};
static unsigned char tag[16];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* TLS 1.3's per-record nonce: the static IV XOR the record number. */
static void nonce_for(unsigned char nonce[12], unsigned long long seq)
{
    memset(nonce, 0x5a, 12);
    for (int i = 0; i < 8; i++) nonce[11 - i] ^= (unsigned char)(seq >> (8 * i));
}

enum op { AESGCM_SEAL, AESGCM_OPEN, CHACHA_SEAL, CHACHA_OPEN };

/* Runs one operation on whole records for `seconds`; returns MB/s, or -1 on an error. */
static double measure(enum op op, Aes *aes, double seconds)
{
    unsigned char nonce[12];
    unsigned long long records = 0;
    double start = now(), elapsed;
    do {
        /* Between clock reads, enough records that the clock costs nothing. */
        for (int i = 0; i < 64; i++, records++) {
            nonce_for(nonce, records);
            int ret;
            switch (op) {
            case AESGCM_SEAL:
                ret = wc_AesGcmEncrypt(aes, sealed, plain, RECORD, nonce, 12, tag, 16, aad, sizeof(aad));
                break;
            case AESGCM_OPEN:
                /* Opens the one record sealed before the run, with its nonce. */
                nonce_for(nonce, 0);
                ret = wc_AesGcmDecrypt(aes, opened, sealed, RECORD, nonce, 12, tag, 16, aad, sizeof(aad));
                break;
            case CHACHA_SEAL:
                ret = wc_ChaCha20Poly1305_Encrypt(key, nonce, aad, sizeof(aad), plain, RECORD, sealed, tag);
                break;
            case CHACHA_OPEN:
            default:
                nonce_for(nonce, 0);
                ret = wc_ChaCha20Poly1305_Decrypt(key, nonce, aad, sizeof(aad), sealed, RECORD, tag, opened);
                break;
            }
            if (ret != 0) {
                fprintf(stderr, "bench-aesgcm: wolfCrypt error %d\n", ret);
                return -1;
            }
        }
        elapsed = now() - start;
    } while (elapsed < seconds);
    return (double)records * RECORD / elapsed / 1e6;
}

/* Seals record 0 for the "open" runs, which check that it opens intact. */
static int seal_first(enum op op, Aes *aes)
{
    unsigned char nonce[12];
    nonce_for(nonce, 0);
    if (op == AESGCM_OPEN)
        return wc_AesGcmEncrypt(aes, sealed, plain, RECORD, nonce, 12, tag, 16, aad, sizeof(aad));
    return wc_ChaCha20Poly1305_Encrypt(key, nonce, aad, sizeof(aad), plain, RECORD, sealed, tag);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    if (argc > 2 || seconds <= 0) {
        fprintf(stderr, "usage: bench-aesgcm [SECONDS]\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof(plain); i++) plain[i] = (unsigned char)(i * 131 + 7);
    for (size_t i = 0; i < sizeof(key); i++) key[i] = (unsigned char)(i * 17 + 1);

    Aes aes;
    if (wc_AesInit(&aes, NULL, INVALID_DEVID) != 0 || wc_AesGcmSetKey(&aes, key, 16) != 0) {
        fprintf(stderr, "bench-aesgcm: AES-GCM key setup failed\n");
        return 1;
    }
    printf("wolfSSL %s, AES-NI: %s, %d-byte records, best of %d runs of %.1f s\n", wolfSSL_lib_version(),
#ifdef WOLFSSL_AESNI
           aes.use_aesni ? "used" : "built in, but not on this CPU",
#else
           "not built in",
#endif
           RECORD, REPEAT, seconds);

    static const struct {
        enum op op;
        const char *name;
    } runs[] = {
        {AESGCM_SEAL, "AES-128-GCM seal"},
        {AESGCM_OPEN, "AES-128-GCM open"},
        {CHACHA_SEAL, "ChaCha20-Poly1305 seal"},
        {CHACHA_OPEN, "ChaCha20-Poly1305 open"},
    };
    int status = 0;
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        if ((runs[i].op == AESGCM_OPEN || runs[i].op == CHACHA_OPEN) && seal_first(runs[i].op, &aes) != 0) {
            fprintf(stderr, "bench-aesgcm: sealing the test record failed\n");
            return 1;
        }
        double mbps = 0;
        for (int r = 0; r < REPEAT && mbps >= 0; r++) {
            double run = measure(runs[i].op, &aes, seconds);
            mbps = run < 0 ? run : (run > mbps ? run : mbps);
        }
        if (mbps < 0) {
            status = 1;
            continue;
        }
        if ((runs[i].op == AESGCM_OPEN || runs[i].op == CHACHA_OPEN) && memcmp(opened, plain, RECORD) != 0) {
            fprintf(stderr, "bench-aesgcm: %s gave back other bytes\n", runs[i].name);
            status = 1;
        }
        printf("%-24s %8.0f MB/s\n", runs[i].name, mbps);
    }
    wc_AesFree(&aes);
    return status;
}
