/*
 * h2r_strerror: a distinct message for every H2R_ERR_* code, HPACK's own
 * message for an HPACK code (the engine passes those through), and a
 * generic one, never NULL, for any other value.
 */
#include <limits.h>
#include <string.h>

#include "check.h"
#include "h2ring/engine.h"

#define CODE(c)                                                                                              \
    {                                                                                                        \
        c, #c                                                                                                \
    }

static const struct {
    int code;
    const char *name;
} engine_codes[] = {
    CODE(H2R_ERR_INVALID_ARGUMENT),
    CODE(H2R_ERR_NOMEM),
    CODE(H2R_ERR_STREAM_CLOSED),
    CODE(H2R_ERR_SESSION_CLOSED),
    CODE(H2R_ERR_INVALID_STATE),
    CODE(H2R_ERR_HEADERS_TOO_LARGE),
    CODE(H2R_ERR_INVALID_HEADER),
    CODE(H2R_ERR_PUSH_DISABLED),
    CODE(H2R_ERR_STREAM_LIMIT),
    CODE(H2R_ERR_TOO_MANY_PINGS),
    CODE(H2R_ERR_PROTOCOL),
    CODE(H2R_ERR_WRONG_THREAD),
    CODE(H2R_ERR_INVALID_SETTING_VALUE),
    CODE(H2R_ERR_INVALID_PACKED_SETTINGS_LENGTH),
};
#define ENGINE_CODE_COUNT (sizeof(engine_codes) / sizeof(engine_codes[0]))

static const int hpack_codes[] = {
    H2R_HPACK_ERR_TRUNCATED,
    H2R_HPACK_ERR_INTEGER_OVERFLOW,
    H2R_HPACK_ERR_HUFFMAN,
    H2R_HPACK_ERR_INDEX,
    H2R_HPACK_ERR_SIZE_UPDATE_TOO_LARGE,
    H2R_HPACK_ERR_SIZE_UPDATE_MISPLACED,
    H2R_HPACK_ERR_SIZE_UPDATE_MISSING,
    H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE,
    H2R_HPACK_ERR_NOMEM,
    H2R_HPACK_ERR_BUFFER_TOO_SMALL,
};
#define HPACK_CODE_COUNT (sizeof(hpack_codes) / sizeof(hpack_codes[0]))

/* Next to the codes of both ranges, between them, and at the ends of int. */
static const int unknown_codes[] = {1, 42, INT_MAX, INT_MIN, -11, -99, -100, -500, -513, -1000};
#define UNKNOWN_CODE_COUNT (sizeof(unknown_codes) / sizeof(unknown_codes[0]))

static int is_message(const char *msg)
{
    return msg != NULL && msg[0] != '\0';
}

/* Whether msg is the message of a code h2r_strerror knows (H2R_OK included). */
static int is_known_message(const char *msg)
{
    if (strcmp(msg, h2r_strerror(H2R_OK)) == 0) return 1;
    for (size_t i = 0; i != ENGINE_CODE_COUNT; ++i)
        if (strcmp(msg, h2r_strerror(engine_codes[i].code)) == 0) return 1;
    for (size_t i = 0; i != HPACK_CODE_COUNT; ++i)
        if (strcmp(msg, h2r_strerror(hpack_codes[i])) == 0) return 1;
    return 0;
}

static void test_engine_codes(void)
{
    CHECK(is_message(h2r_strerror(H2R_OK)));
    for (size_t i = 0; i != ENGINE_CODE_COUNT; ++i) {
        const char *msg = h2r_strerror(engine_codes[i].code);

        if (!CHECK_MSG(is_message(msg), "%s has a message", engine_codes[i].name)) continue;
        CHECK_MSG(strcmp(msg, h2r_strerror(H2R_OK)) != 0, "%s: \"%s\" is not the success message",
                  engine_codes[i].name, msg);
        for (size_t j = i + 1; j != ENGINE_CODE_COUNT; ++j) {
            const char *other = h2r_strerror(engine_codes[j].code);
            CHECK_MSG(other == NULL || strcmp(msg, other) != 0, "%s and %s have different messages",
                      engine_codes[i].name, engine_codes[j].name);
        }
    }
}

static void test_hpack_codes(void)
{
    for (size_t i = 0; i != HPACK_CODE_COUNT; ++i) {
        int code = hpack_codes[i];
        const char *msg = h2r_strerror(code);

        if (!CHECK_MSG(is_message(msg), "HPACK code %d has a message", code)) continue;
        CHECK_MSG(strcmp(msg, h2r_hpack_strerror(code)) == 0, "HPACK code %d: \"%s\" is HPACK's message",
                  code, msg);
        CHECK_MSG(strcmp(msg, h2r_hpack_strerror(INT_MIN)) != 0,
                  "HPACK code %d: \"%s\" is not HPACK's unknown", code, msg);
    }
}

/* Also catches a new H2R_ERR_* code (-500 or -513) missing from the table above. */
static void test_unknown_codes(void)
{
    for (size_t i = 0; i != UNKNOWN_CODE_COUNT; ++i) {
        const char *msg = h2r_strerror(unknown_codes[i]);

        if (!CHECK_MSG(is_message(msg), "unknown code %d has a message", unknown_codes[i])) continue;
        CHECK_MSG(!is_known_message(msg), "unknown code %d: \"%s\" is no known code's message",
                  unknown_codes[i], msg);
    }
}

int main(void)
{
    test_engine_codes();
    test_hpack_codes();
    test_unknown_codes();
    return check_done();
}
