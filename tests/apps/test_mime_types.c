/*
 * Media types by extension (apps/mime_types.c): every entry of the table
 * (which also proves it sorted: a misplaced entry is lost to the binary
 * search), case, paths, and names without an extension.
 */
#include "check.h"
#include "mime_types.h"

static void check_type(const char *name, const char *want)
{
    const char *got = h2serve_mime_type(name);
    CHECK_MSG(strcmp(got, want) == 0, "%s: %s (want %s)", name, got, want);
}

static void test_every_extension(void)
{
    static const char *const table[][2] = {
        {"a.7z", "application/x-7z-compressed"},
        {"a.aac", "audio/aac"},
        {"a.apng", "image/apng"},
        {"a.atom", "application/atom+xml"},
        {"a.avif", "image/avif"},
        {"a.bmp", "image/bmp"},
        {"a.bz2", "application/x-bzip2"},
        {"a.css", "text/css; charset=utf-8"},
        {"a.csv", "text/csv; charset=utf-8"},
        {"a.eot", "application/vnd.ms-fontobject"},
        {"a.epub", "application/epub+zip"},
        {"a.flac", "audio/flac"},
        {"a.gif", "image/gif"},
        {"a.gz", "application/gzip"},
        {"a.htm", "text/html; charset=utf-8"},
        {"a.html", "text/html; charset=utf-8"},
        {"a.ico", "image/x-icon"},
        {"a.ics", "text/calendar; charset=utf-8"},
        {"a.jpeg", "image/jpeg"},
        {"a.jpg", "image/jpeg"},
        {"a.js", "text/javascript; charset=utf-8"},
        {"a.json", "application/json"},
        {"a.jsonld", "application/ld+json"},
        {"a.jxl", "image/jxl"},
        {"a.m3u8", "application/vnd.apple.mpegurl"},
        {"a.m4a", "audio/mp4"},
        {"a.map", "application/json"},
        {"a.md", "text/markdown; charset=utf-8"},
        {"a.mjs", "text/javascript; charset=utf-8"},
        {"a.mov", "video/quicktime"},
        {"a.mp3", "audio/mpeg"},
        {"a.mp4", "video/mp4"},
        {"a.mpd", "application/dash+xml"},
        {"a.oga", "audio/ogg"},
        {"a.ogg", "audio/ogg"},
        {"a.ogv", "video/ogg"},
        {"a.opus", "audio/ogg"},
        {"a.otf", "font/otf"},
        {"a.pdf", "application/pdf"},
        {"a.png", "image/png"},
        {"a.rss", "application/rss+xml"},
        {"a.svg", "image/svg+xml"},
        {"a.tar", "application/x-tar"},
        {"a.tif", "image/tiff"},
        {"a.tiff", "image/tiff"},
        {"a.ttf", "font/ttf"},
        {"a.txt", "text/plain; charset=utf-8"},
        {"a.vtt", "text/vtt; charset=utf-8"},
        {"a.wasm", "application/wasm"},
        {"a.wav", "audio/wav"},
        {"a.webm", "video/webm"},
        {"a.webmanifest", "application/manifest+json"},
        {"a.webp", "image/webp"},
        {"a.woff", "font/woff"},
        {"a.woff2", "font/woff2"},
        {"a.xhtml", "application/xhtml+xml"},
        {"a.xml", "application/xml"},
        {"a.xz", "application/x-xz"},
        {"a.zip", "application/zip"},
        {"a.zst", "application/zstd"},
    };
    for (size_t i = 0; i != sizeof(table) / sizeof(table[0]); ++i) {
        check_type(table[i][0], table[i][1]);
        /* text types, and only they, say their charset */
        const char *type = h2serve_mime_type(table[i][0]);
        int is_text = strncmp(type, "text/", 5) == 0, has_charset = strstr(type, "; charset=utf-8") != NULL;
        CHECK_MSG(is_text == has_charset, "%s: charset only for text/*", type);
    }
}

static void test_names(void)
{
    /* case-insensitive */
    check_type("INDEX.HTML", "text/html; charset=utf-8");
    check_type("photo.JpG", "image/jpeg");
    check_type("font.WOFF2", "font/woff2");
    check_type("app.WebManifest", "application/manifest+json");
    /* the last extension counts */
    check_type("archive.tar.gz", "application/gzip");
    check_type("bundle.min.js", "text/javascript; charset=utf-8");
    check_type("app.js.map", "application/json");
    check_type("x.html.bak", "application/octet-stream");
    /* paths: only the last segment */
    check_type("docs/index.html", "text/html; charset=utf-8");
    check_type("a/b.c/d/style.css", "text/css; charset=utf-8");
    check_type("/abs/path/x.svg", "image/svg+xml");
    check_type("dir.d/README", "application/octet-stream");
    check_type("v1.2/LICENSE", "application/octet-stream");
    check_type("dir.html/", "application/octet-stream");
    check_type("conf/.config.json", "application/json");
    /* no extension */
    check_type("", "application/octet-stream");
    check_type("Makefile", "application/octet-stream");
    check_type(".html", "application/octet-stream"); /* a dot file is named, not typed */
    check_type("dir/.bashrc", "application/octet-stream");
    check_type("name.", "application/octet-stream");
    check_type(".", "application/octet-stream");
    check_type("..", "application/octet-stream");
    /* unknown, or near misses */
    check_type("a.exe", "application/octet-stream");
    check_type("a.htmlx", "application/octet-stream");
    check_type("a.ht", "application/octet-stream");
    check_type("a.j", "application/octet-stream");
    check_type("a.webmanifests", "application/octet-stream"); /* longer than any extension */
    check_type("a.averyveryverylongextension", "application/octet-stream");
    check_type("a.htm l", "application/octet-stream");
    check_type("a.html ", "application/octet-stream");
    check_type("a.\xc3\xa9", "application/octet-stream");
    check_type("a.0", "application/octet-stream");
    check_type("a.zz", "application/octet-stream");
}

int main(void)
{
    test_every_extension();
    test_names();
    return check_done();
}
