/*
 * Proves that the wolfSSL we link is one the TLS layer can use, and, with
 * -Dwolfssl=local (H2R_WOLFSSL_LOCAL), that it is the fast build of
 * scripts/build-wolfssl.sh:
 *
 * - headers and library are the same version (local headers with the
 *   system's library, or the other way round, would break silently);
 * - the features a server needs are compiled in, and the local build has
 *   AES-NI, the x86-64 assembly and no TLS below 1.2;
 * - AES-128-GCM and ChaCha20-Poly1305 give the published answers (the GCM
 *   spec's test case 4, RFC 8439 section 2.8.2), and AES-GCM runs on AES-NI
 *   when the CPU has it;
 * Handshakes come with the TLS layer (io/), whose tests make their
 * certificates with the openssl CLI: no private key is committed.
 *
 * Nothing here measures time: bench/tls/aesgcm_bench.c does.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/version.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/logging.h>

#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/*
 * CHECK_DEFINED(M, want): whether macro M is defined, from its expansion:
 * an undefined name stays itself, a defined one becomes "" or its value.
 */
#define STRINGIFY_(x)          #x
#define CHECK_DEFINED(m, want) check_defined(#m, STRINGIFY_(m), want)

static void check_defined(const char *name, const char *expansion, int want)
{
    int defined = strcmp(name, expansion) != 0;
    CHECK_MSG(defined == want, "%s is %s", name, want ? "defined" : "not defined");
}

static size_t from_hex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    if (n > cap) abort();
    for (size_t i = 0; i < n; i++) {
        unsigned int byte;
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1) abort();
        out[i] = (unsigned char)byte;
    }
    return n;
}

static int cpu_has_aesni(void)
{
    unsigned int eax, ebx, ecx, edx;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_AES);
}

static void test_version(void)
{
    printf("# wolfSSL %s (%s build)\n", wolfSSL_lib_version(),
#ifdef H2R_WOLFSSL_LOCAL
           "local"
#else
           "system"
#endif
    );
    CHECK_MSG(strcmp(wolfSSL_lib_version(), LIBWOLFSSL_VERSION_STRING) == 0,
              "library version %s is the headers' %s", wolfSSL_lib_version(), LIBWOLFSSL_VERSION_STRING);
    CHECK_MSG(wolfSSL_lib_version_hex() == LIBWOLFSSL_VERSION_HEX, "library version hex is the headers'");
    /* Debian 12's is 5.5.4; older ones lack security fixes we rely on. */
    CHECK(LIBWOLFSSL_VERSION_HEX >= 0x05005004);
#ifdef HAVE_WC_INTROSPECTION
    printf("# configure: %s\n", wolfSSL_configure_args());
#endif
}

static void test_features(void)
{
    /* What the TLS layer needs, in either build. */
    CHECK_DEFINED(WOLFSSL_TLS13, 1);
    CHECK_DEFINED(WOLFSSL_NO_TLS12, 0);
    CHECK_DEFINED(NO_WOLFSSL_SERVER, 0);
    CHECK_DEFINED(HAVE_TLS_EXTENSIONS, 1);
    CHECK_DEFINED(HAVE_SNI, 1);
    CHECK_DEFINED(HAVE_ALPN, 1);
    CHECK_DEFINED(HAVE_SESSION_TICKET, 1);
    CHECK_DEFINED(HAVE_SUPPORTED_CURVES, 1);
    CHECK_DEFINED(HAVE_ECC, 1);
    CHECK_DEFINED(HAVE_CURVE25519, 1);
    CHECK_DEFINED(NO_RSA, 0);
    CHECK_DEFINED(WC_RSA_PSS, 1);
    CHECK_DEFINED(HAVE_AESGCM, 1);
    CHECK_DEFINED(HAVE_CHACHA, 1);
    CHECK_DEFINED(HAVE_POLY1305, 1);
    CHECK_DEFINED(HAVE_HKDF, 1);
#ifdef H2R_WOLFSSL_LOCAL
    /* What scripts/build-wolfssl.sh is for. */
    CHECK_DEFINED(WOLFSSL_AESNI, 1);
    CHECK_DEFINED(USE_INTEL_SPEEDUP, 1);
    CHECK_DEFINED(WOLFSSL_SP_X86_64_ASM, 1);
    CHECK_DEFINED(NO_OLD_TLS, 1);
#ifdef HAVE_WC_INTROSPECTION
    CHECK(strstr(wolfSSL_configure_args(), "--enable-aesni") != NULL);
    CHECK(strstr(wolfSSL_configure_args(), "--enable-intelasm") != NULL);
#endif
#endif
}

/* The GCM specification's test case 4 (AES-128, 60 bytes, 20 bytes of AAD). */
static void test_aes_gcm(void)
{
    unsigned char key[16], iv[12], aad[20], pt[60], ct[60], tag[16];
    unsigned char out[60], back[60], out_tag[16];
    from_hex("feffe9928665731c6d6a8f9467308308", key, sizeof(key));
    from_hex("cafebabefacedbaddecaf888", iv, sizeof(iv));
    from_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, sizeof(aad));
    from_hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
             "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
             pt, sizeof(pt));
    from_hex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
             "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
             ct, sizeof(ct));
    from_hex("5bc94fbc3221a5db94fae95ae7121a47", tag, sizeof(tag));

    Aes aes;
    if (!CHECK(wc_AesInit(&aes, NULL, INVALID_DEVID) == 0)) return;
    CHECK(wc_AesGcmSetKey(&aes, key, sizeof(key)) == 0);
#ifdef WOLFSSL_AESNI
    printf("# CPU has AES-NI: %s; Aes.use_aesni = %d\n", cpu_has_aesni() ? "yes" : "no", aes.use_aesni);
    CHECK_MSG(aes.use_aesni == cpu_has_aesni(), "AES-GCM uses AES-NI exactly when the CPU has it");
#else
    printf("# this wolfSSL has no AES-NI support (CPU has it: %s)\n", cpu_has_aesni() ? "yes" : "no");
#endif
    CHECK(wc_AesGcmEncrypt(&aes, out, pt, sizeof(pt), iv, sizeof(iv), out_tag, sizeof(out_tag), aad,
                           sizeof(aad)) == 0);
    CHECK_MEM(out, sizeof(out), ct, sizeof(ct));
    CHECK_MEM(out_tag, sizeof(out_tag), tag, sizeof(tag));
    CHECK(wc_AesGcmDecrypt(&aes, back, ct, sizeof(ct), iv, sizeof(iv), tag, sizeof(tag), aad, sizeof(aad)) ==
          0);
    CHECK_MEM(back, sizeof(back), pt, sizeof(pt));
    tag[0] ^= 1;
    CHECK(wc_AesGcmDecrypt(&aes, back, ct, sizeof(ct), iv, sizeof(iv), tag, sizeof(tag), aad, sizeof(aad)) ==
          AES_GCM_AUTH_E);
    wc_AesFree(&aes);
}

/* RFC 8439 section 2.8.2. */
static void test_chacha20_poly1305(void)
{
    static const char pt[] =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
        "the future, sunscreen would be it.";
    unsigned char key[32], iv[12], aad[12], ct[sizeof(pt) - 1], tag[16];
    unsigned char out[sizeof(ct)], back[sizeof(ct)], out_tag[16];
    from_hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", key, sizeof(key));
    from_hex("070000004041424344454647", iv, sizeof(iv));
    from_hex("50515253c0c1c2c3c4c5c6c7", aad, sizeof(aad));
    from_hex(
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b"
        "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7"
        "bc3ff4def08e4b7a9de576d26586cec64b6116",
        ct, sizeof(ct));
    from_hex("1ae10b594f09e26a7e902ecbd0600691", tag, sizeof(tag));

    CHECK(wc_ChaCha20Poly1305_Encrypt(key, iv, aad, sizeof(aad), (const byte *)pt, sizeof(ct), out,
                                      out_tag) == 0);
    CHECK_MEM(out, sizeof(out), ct, sizeof(ct));
    CHECK_MEM(out_tag, sizeof(out_tag), tag, sizeof(tag));
    CHECK(wc_ChaCha20Poly1305_Decrypt(key, iv, aad, sizeof(aad), ct, sizeof(ct), tag, back) == 0);
    CHECK_MEM(back, sizeof(back), pt, sizeof(ct));
    tag[15] ^= 0x80;
    CHECK(wc_ChaCha20Poly1305_Decrypt(key, iv, aad, sizeof(aad), ct, sizeof(ct), tag, back) ==
          MAC_CMP_FAILED_E);
}

/* ---- In-memory handshakes ---- */

/*
 * wolfSSL 5.5.4 declares wolfSSL_CTX_set_servername_callback with HAVE_SNI
 * but compiles it only with the OpenSSL compatibility layer of these builds
 * (src/ssl.c): Debian's has it, the local build does not. Both can pick the
 * certificate natively, from the ClientHello, before the connection exists.
 */

int main(void)
{
    if (!CHECK(wolfSSL_Init() == WOLFSSL_SUCCESS)) return check_done();
    test_version();
    test_features();
    test_aes_gcm();
    test_chacha20_poly1305();
    wolfSSL_Cleanup();
    return check_done();
}
