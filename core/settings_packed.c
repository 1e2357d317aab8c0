/*
 * Node's http2.getPackedSettings and getUnpackedSettings: settings as a
 * SETTINGS frame's payload, the form the HTTP2-Settings header carries
 * (RFC 7540 §3.2.1). Values are checked as a received SETTINGS frame's are
 * (frame.c), so that what packs is what a peer accepts.
 */
#include <stddef.h>
#include <string.h>

#include "frame.h"

/* Every setting h2r_settings holds, in the order of their ids, and where. */
static const struct {
    uint16_t id;
    size_t offset;
} fields[] = {
    {H2R_SETTINGS_HEADER_TABLE_SIZE, offsetof(h2r_settings, header_table_size)},
    {H2R_SETTINGS_ENABLE_PUSH, offsetof(h2r_settings, enable_push)},
    {H2R_SETTINGS_MAX_CONCURRENT_STREAMS, offsetof(h2r_settings, max_concurrent_streams)},
    {H2R_SETTINGS_INITIAL_WINDOW_SIZE, offsetof(h2r_settings, initial_window_size)},
    {H2R_SETTINGS_MAX_FRAME_SIZE, offsetof(h2r_settings, max_frame_size)},
    {H2R_SETTINGS_MAX_HEADER_LIST_SIZE, offsetof(h2r_settings, max_header_list_size)},
    {H2R_SETTINGS_ENABLE_CONNECT_PROTOCOL, offsetof(h2r_settings, enable_connect_protocol)},
    {H2R_SETTINGS_NO_RFC7540_PRIORITIES, offsetof(h2r_settings, no_rfc7540_priorities)},
};
#define FIELD_COUNT (sizeof(fields) / sizeof(fields[0]))

/* Is a SETTINGS payload of len bytes one a peer would accept? 0, or the H2R_ERR_* Node's checks name. */
static int check_payload(const uint8_t *payload, size_t len)
{
    if (len % 6) return H2R_ERR_INVALID_PACKED_SETTINGS_LENGTH;
    struct h2r_frame_header h = {.length = (uint32_t)len, .type = H2R_FRAME_SETTINGS};
    return h2r_frame_decode_settings(&h, payload) ? H2R_ERR_INVALID_SETTING_VALUE : 0;
}

ssize_t h2r_get_packed_settings(const h2r_settings *settings, uint32_t which, uint8_t *buf, size_t cap)
{
    if (which & ~(uint32_t)H2R_SETTINGS_ALL) return H2R_ERR_INVALID_ARGUMENT;
    struct h2r_setting list[FIELD_COUNT];
    size_t n = 0;
    for (size_t i = 0; i != FIELD_COUNT; ++i) {
        if (!(which & H2R_SETTING_BIT(fields[i].id))) continue;
        uint32_t value;
        memcpy(&value, (const char *)settings + fields[i].offset, sizeof(value));
        list[n++] = (struct h2r_setting){.id = fields[i].id, .value = value};
    }
    if (cap < 6 * n) return H2R_ERR_INVALID_ARGUMENT;
    uint8_t frame[H2R_FRAME_HEADER_LEN + 6 * FIELD_COUNT];
    h2r_frame_write_settings(frame, list, n);
    int err = check_payload(frame + H2R_FRAME_HEADER_LEN, 6 * n);
    if (err) return err;
    memcpy(buf, frame + H2R_FRAME_HEADER_LEN, 6 * n);
    return (ssize_t)(6 * n);
}

int h2r_get_unpacked_settings(const uint8_t *buf, size_t len, int validate, h2r_settings *settings,
                              uint32_t *which)
{
    if (len % 6) return H2R_ERR_INVALID_PACKED_SETTINGS_LENGTH;
    if (validate) {
        int err = check_payload(buf, len);
        if (err) return err;
    }
    uint32_t seen = 0;
    for (size_t i = 0; i != len / 6; ++i) {
        struct h2r_setting set = h2r_frame_settings_at(buf, i);
        for (size_t f = 0; f != FIELD_COUNT; ++f) {
            if (fields[f].id != set.id) continue;
            memcpy((char *)settings + fields[f].offset, &set.value, sizeof(set.value));
            seen |= H2R_SETTING_BIT(set.id);
        }
    }
    if (which) *which = seen;
    return 0;
}
