/*
 * Media types by file extension (see mime_types.h): a sorted table and a
 * binary search, six string comparisons for sixty entries, and a table that
 * reads like the list it is.
 */
#include <stdlib.h>
#include <string.h>

#include "mime_types.h"

struct mime_type {
    const char *extension; /* lower case */
    const char *type;
};

/* Sorted by extension in strcmp order (digits before letters), as bsearch needs. */
static const struct mime_type mime_types[] = {
    {"7z", "application/x-7z-compressed"},
    {"aac", "audio/aac"},
    {"apng", "image/apng"},
    {"atom", "application/atom+xml"},
    {"avif", "image/avif"},
    {"bmp", "image/bmp"},
    {"bz2", "application/x-bzip2"},
    {"css", "text/css; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"eot", "application/vnd.ms-fontobject"},
    {"epub", "application/epub+zip"},
    {"flac", "audio/flac"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},
    {"htm", "text/html; charset=utf-8"},
    {"html", "text/html; charset=utf-8"},
    {"ico", "image/x-icon"},
    {"ics", "text/calendar; charset=utf-8"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"jsonld", "application/ld+json"},
    {"jxl", "image/jxl"},
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"m4a", "audio/mp4"},
    {"map", "application/json"}, /* source maps */
    {"md", "text/markdown; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"mov", "video/quicktime"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"mpd", "application/dash+xml"},
    {"oga", "audio/ogg"},
    {"ogg", "audio/ogg"},
    {"ogv", "video/ogg"},
    {"opus", "audio/ogg"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"rss", "application/rss+xml"},
    {"svg", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain; charset=utf-8"},
    {"vtt", "text/vtt; charset=utf-8"},
    {"wasm", "application/wasm"},
    {"wav", "audio/wav"},
    {"webm", "video/webm"},
    {"webmanifest", "application/manifest+json"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xhtml", "application/xhtml+xml"},
    {"xml", "application/xml"},
    {"xz", "application/x-xz"},
    {"zip", "application/zip"},
    {"zst", "application/zstd"},
};

/* The longest extension in the table: a longer one cannot be in it. */
#define MAX_EXTENSION_LEN (sizeof("webmanifest") - 1)

static int compare_extension(const void *key, const void *entry)
{
    return strcmp(key, ((const struct mime_type *)entry)->extension);
}

const char *h2serve_mime_type(const char *file_name)
{
    static const char octet_stream[] = "application/octet-stream";
    const char *slash = strrchr(file_name, '/'), *base = slash ? slash + 1 : file_name;
    const char *dot = strrchr(base, '.');
    if (dot == NULL || dot == base) return octet_stream;

    char extension[MAX_EXTENSION_LEN + 1];
    size_t len = 0;
    for (const char *p = dot + 1; *p; ++p) {
        if (len == MAX_EXTENSION_LEN) return octet_stream;
        extension[len++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
    }
    extension[len] = '\0';
    const struct mime_type *found = bsearch(extension, mime_types, sizeof(mime_types) / sizeof(mime_types[0]),
                                            sizeof(mime_types[0]), compare_extension);
    return found ? found->type : octet_stream;
}
