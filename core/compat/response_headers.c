/*
 * The response's headers before the head is sent (Node's setHeader,
 * getHeader, removeHeader...): names lowercased once, when set, in an
 * array that keeps a slot for :status in front and room for date and
 * content-length behind, so that the head goes to the engine as it is.
 */
#include <string.h>

#include "compat_internal.h"

int h2r_compat_response_reserve(struct h2r_compat_pair *pair, size_t more)
{
    struct h2r_response *res = &pair->res;
    size_t count = res->fields ? res->count : 1, need = count + more + 2;
    if (res->fields && need <= res->cap) return 0;
    size_t cap = need > 6 ? 2 * need : 6;
    /* Room to grow if the pair's free bytes hold it, else what is needed if they hold that: no chunk yet. */
    size_t left = (size_t)(pair->end - pair->next);
    if (cap * sizeof(h2r_header) > left && need * sizeof(h2r_header) <= left) cap = need;
    h2r_header *fields = h2r_compat_alloc(pair, cap * sizeof(*fields));
    if (!fields) return H2R_ERR_NOMEM;
    /* The old array stays in the pair's memory, unused: rare enough not to recycle. */
    if (res->fields) memcpy(fields, res->fields, count * sizeof(*fields));
    res->fields = fields;
    res->count = count;
    res->cap = cap;
    return 0;
}

unsigned h2r_compat_response_scan(const struct h2r_response *res)
{
    unsigned found = 0;
    for (size_t i = 1; res->fields && i < res->count; ++i) {
        const h2r_header *f = &res->fields[i];
        if (f->name_len == 4 && memcmp(f->name, "date", 4) == 0)
            found |= HAS_DATE;
        else if (f->name_len == 14 && memcmp(f->name, "content-length", 14) == 0)
            found |= HAS_CONTENT_LENGTH;
        else if (f->name_len == 7 && memcmp(f->name, "trailer", 7) == 0)
            found |= HAS_TRAILER;
    }
    return found;
}

static const h2r_header *headers_of(const struct h2r_response *res, size_t *count)
{
    *count = res->fields ? res->count - 1 : 0;
    return res->fields ? res->fields + 1 : NULL;
}

static int check_settable(const h2r_response *res)
{
    if (h2r_compat_pair_of_res(res)->flags & PAIR_CLOSED) return H2R_ERR_STREAM_CLOSED;
    return h2r_compat_head_sent(h2r_compat_pair_of_res(res)) ? H2R_ERR_INVALID_STATE : 0;
}

/* Removes every header called name after the one at index `keep` (0: all of them). */
static void remove_after(struct h2r_response *res, size_t keep, const char *name, size_t name_len)
{
    size_t out = keep + 1;
    for (size_t i = keep + 1; i < res->count; ++i)
        if (!h2r_compat_name_eq(&res->fields[i], name, name_len)) res->fields[out++] = res->fields[i];
    res->count = out;
}

/* A copy of value, reusing the old value's bytes when it fits (a header set over and over stays put). */
static char *value_copy(struct h2r_compat_pair *pair, h2r_header *old, const char *value, size_t len)
{
    char *copy = old && old->value_len >= len ? (char *)old->value : h2r_compat_alloc(pair, len + 1);
    if (!copy) return NULL;
    memcpy(copy, value, len);
    copy[len] = '\0';
    return copy;
}

int h2r_compat_response_set(struct h2r_compat_pair *pair, const char *name, size_t name_len,
                            const char *value, size_t value_len, int replace)
{
    struct h2r_response *res = &pair->res;
    h2r_header *old = NULL;
    if (replace && res->fields) {
        for (size_t i = 1; i != res->count && !old; ++i)
            if (h2r_compat_name_eq(&res->fields[i], name, name_len)) old = &res->fields[i];
    }
    if (old) {
        char *copy = value_copy(pair, old, value, value_len);
        if (!copy) return H2R_ERR_NOMEM;
        old->value = copy;
        old->value_len = value_len;
        remove_after(res, (size_t)(old - res->fields), name, name_len);
        return 0;
    }
    if (h2r_compat_response_reserve(pair, 1) != 0) return H2R_ERR_NOMEM;
    char *text = h2r_compat_alloc(pair, name_len + value_len + 2);
    if (!text) return H2R_ERR_NOMEM;
    if (h2r_compat_lower_name(text, name, name_len) != 0) return H2R_ERR_INVALID_HEADER;
    memcpy(text + name_len + 1, value, value_len);
    text[name_len + 1 + value_len] = '\0';
    res->fields[res->count++] = (h2r_header){
        .name = text, .name_len = name_len, .value = text + name_len + 1, .value_len = value_len};
    return 0;
}

int h2r_response_set_header(h2r_response *res, const char *name, const char *value)
{
    int err = check_settable(res);
    if (err) return err;
    return h2r_compat_response_set(h2r_compat_pair_of_res(res), name, strlen(name), value, strlen(value), 1);
}

int h2r_response_append_header(h2r_response *res, const char *name, const char *value)
{
    int err = check_settable(res);
    if (err) return err;
    return h2r_compat_response_set(h2r_compat_pair_of_res(res), name, strlen(name), value, strlen(value), 0);
}

const char *h2r_response_get_header(const h2r_response *res, const char *name, size_t *len)
{
    const h2r_header *f = h2r_response_next_header(res, name, NULL);
    if (len) *len = f ? f->value_len : 0;
    return f ? f->value : NULL;
}

const h2r_header *h2r_response_next_header(const h2r_response *res, const char *name, const h2r_header *prev)
{
    size_t count;
    const h2r_header *fields = headers_of(res, &count);
    return h2r_compat_find(fields, count, name, prev);
}

int h2r_response_has_header(const h2r_response *res, const char *name)
{
    return h2r_response_next_header(res, name, NULL) != NULL;
}

int h2r_response_remove_header(h2r_response *res, const char *name)
{
    int err = check_settable(res);
    if (err) return err;
    if (res->fields) remove_after(res, 0, name, strlen(name));
    return 0;
}

size_t h2r_response_get_header_names(const h2r_response *res, const char **names, size_t max)
{
    size_t count, distinct = 0;
    const h2r_header *fields = headers_of(res, &count);
    for (size_t i = 0; i != count; ++i) {
        size_t j = 0;
        /* Names are stored lowercased: the same name has the same bytes. */
        while (j != i && !(fields[j].name_len == fields[i].name_len &&
                           memcmp(fields[j].name, fields[i].name, fields[i].name_len) == 0))
            ++j;
        if (j != i) continue;
        if (distinct < max) names[distinct] = fields[i].name;
        ++distinct;
    }
    return distinct;
}

const h2r_header *h2r_response_get_headers(const h2r_response *res, size_t *count)
{
    return headers_of(res, count);
}

void h2r_response_set_send_date(h2r_response *res, int send_date)
{
    struct h2r_compat_pair *pair = h2r_compat_pair_of_res(res);
    if (send_date)
        pair->flags &= ~RES_NO_DATE;
    else
        pair->flags |= RES_NO_DATE;
}
