/*
 * h2r_get_packed_settings and h2r_get_unpacked_settings (Node's
 * http2.getPackedSettings / getUnpackedSettings): the bytes, the order, the
 * settings left out, and Node's validation errors.
 */
#include <string.h>

#include "check.h"
#include "h2ring/engine.h"

static void test_pack(void)
{
    h2r_settings s;
    h2r_settings_default(&s);
    s.enable_push = 0;
    uint8_t buf[48];
    /* Node's own example: getPackedSettings({enablePush: false}) is "AAIAAAAA" in base64. */
    static const uint8_t no_push[6] = {0, 2, 0, 0, 0, 0};
    ssize_t n = h2r_get_packed_settings(&s, H2R_SETTING_BIT(H2R_SETTINGS_ENABLE_PUSH), buf, sizeof(buf));
    CHECK_MSG(n == 6 && memcmp(buf, no_push, 6) == 0, "{enablePush: false}: 00 02 00 00 00 00 (%zd bytes)",
              n);

    s.max_frame_size = 0x123456;
    uint32_t two =
        H2R_SETTING_BIT(H2R_SETTINGS_MAX_FRAME_SIZE) | H2R_SETTING_BIT(H2R_SETTINGS_HEADER_TABLE_SIZE);
    static const uint8_t in_order[12] = {0, 1, 0, 0, 0x10, 0, 0, 5, 0, 0x12, 0x34, 0x56};
    n = h2r_get_packed_settings(&s, two, buf, sizeof(buf));
    CHECK_MSG(n == 12 && memcmp(buf, in_order, 12) == 0, "in the order of their ids, values big-endian");
    CHECK_MSG(h2r_get_packed_settings(&s, H2R_SETTINGS_ALL, buf, sizeof(buf)) == 48, "all eight: 48 bytes");
    CHECK_MSG(h2r_get_packed_settings(&s, 0, buf, 0) == 0, "none: nothing");

    CHECK_MSG(h2r_get_packed_settings(&s, two, buf, 11) == H2R_ERR_INVALID_ARGUMENT, "a buffer too small");
    CHECK_MSG(h2r_get_packed_settings(&s, H2R_SETTING_BIT(7), buf, sizeof(buf)) == H2R_ERR_INVALID_ARGUMENT,
              "a setting h2r_settings does not hold");
}

/* Node's ERR_HTTP2_INVALID_SETTING_VALUE, for each bound; a setting left out is not looked at. */
static void test_pack_invalid_values(void)
{
    static const struct {
        size_t offset;
        uint16_t id;
        uint32_t bad, good;
    } cases[] = {
        {offsetof(h2r_settings, enable_push), H2R_SETTINGS_ENABLE_PUSH, 2, 1},
        {offsetof(h2r_settings, initial_window_size), H2R_SETTINGS_INITIAL_WINDOW_SIZE, 0x80000000u,
         0x7fffffff},
        {offsetof(h2r_settings, max_frame_size), H2R_SETTINGS_MAX_FRAME_SIZE, 16383, 16384},
        {offsetof(h2r_settings, max_frame_size), H2R_SETTINGS_MAX_FRAME_SIZE, 1u << 24, (1u << 24) - 1},
        {offsetof(h2r_settings, enable_connect_protocol), H2R_SETTINGS_ENABLE_CONNECT_PROTOCOL, 2, 1},
        {offsetof(h2r_settings, no_rfc7540_priorities), H2R_SETTINGS_NO_RFC7540_PRIORITIES, 5, 0},
    };
    uint8_t buf[48];
    for (size_t i = 0; i != sizeof(cases) / sizeof(cases[0]); ++i) {
        h2r_settings s;
        h2r_settings_default(&s);
        memcpy((char *)&s + cases[i].offset, &cases[i].bad, 4);
        CHECK_MSG(h2r_get_packed_settings(&s, H2R_SETTINGS_ALL, buf, sizeof(buf)) ==
                      H2R_ERR_INVALID_SETTING_VALUE,
                  "setting %u = %u: ERR_HTTP2_INVALID_SETTING_VALUE", cases[i].id, cases[i].bad);
        CHECK(h2r_get_packed_settings(&s, H2R_SETTINGS_ALL & ~H2R_SETTING_BIT(cases[i].id), buf,
                                      sizeof(buf)) == 42);
        memcpy((char *)&s + cases[i].offset, &cases[i].good, 4);
        CHECK_MSG(h2r_get_packed_settings(&s, H2R_SETTINGS_ALL, buf, sizeof(buf)) == 48,
                  "setting %u = %u, its bound, packs", cases[i].id, cases[i].good);
    }
}

static void test_unpack(void)
{
    h2r_settings s, back;
    h2r_settings_default(&s);
    s.header_table_size = 0;
    s.enable_push = 0;
    s.max_concurrent_streams = 7;
    s.initial_window_size = 1 << 20;
    s.max_frame_size = 65536;
    s.max_header_list_size = 8192;
    s.enable_connect_protocol = 1;
    s.no_rfc7540_priorities = 1;
    uint8_t buf[60];
    ssize_t n = h2r_get_packed_settings(&s, H2R_SETTINGS_ALL, buf, sizeof(buf));
    memset(&back, 0xee, sizeof(back));
    uint32_t which = 0;
    CHECK(h2r_get_unpacked_settings(buf, (size_t)n, 1, &back, &which) == 0);
    CHECK_MSG(memcmp(&s, &back, sizeof(s)) == 0 && which == H2R_SETTINGS_ALL, "all eight come back");

    /* An unknown setting (id 0x7) is skipped; the fields not in the payload are left alone. */
    static const uint8_t some[12] = {0, 7, 0, 0, 0, 9, 0, 3, 0, 0, 0, 42};
    h2r_settings_default(&back);
    CHECK(h2r_get_unpacked_settings(some, 12, 1, &back, &which) == 0);
    CHECK_MSG(which == H2R_SETTING_BIT(H2R_SETTINGS_MAX_CONCURRENT_STREAMS) &&
                  back.max_concurrent_streams == 42 && back.header_table_size == 4096 &&
                  back.initial_window_size == 65535,
              "only maxConcurrentStreams is read");
    CHECK(h2r_get_unpacked_settings(some, 0, 1, &back, NULL) == 0);

    CHECK_MSG(h2r_get_unpacked_settings(some, 11, 0, &back, &which) == H2R_ERR_INVALID_PACKED_SETTINGS_LENGTH,
              "11 bytes: ERR_HTTP2_INVALID_PACKED_SETTINGS_LENGTH");

    /* maxFrameSize 100: refused with validate (nothing read), read as it is without. */
    static const uint8_t bad[12] = {0, 3, 0, 0, 0, 1, 0, 5, 0, 0, 0, 100};
    h2r_settings_default(&back);
    CHECK_MSG(h2r_get_unpacked_settings(bad, 12, 1, &back, &which) == H2R_ERR_INVALID_SETTING_VALUE &&
                  back.max_frame_size == 16384 && back.max_concurrent_streams == UINT32_MAX,
              "validate: ERR_HTTP2_INVALID_SETTING_VALUE, nothing read");
    CHECK(h2r_get_unpacked_settings(bad, 12, 0, &back, &which) == 0 && back.max_frame_size == 100 &&
          back.max_concurrent_streams == 1);
}

int main(void)
{
    test_pack();
    test_pack_invalid_values();
    test_unpack();
    return check_done();
}
