/*
 * h2get -O DIR: a path made a file name under DIR (see h2get_save.h). A
 * server chooses the paths it pushes: a hostile one must not write outside
 * DIR, so names are checked segment by segment and opened one directory at
 * a time with O_NOFOLLOW, never as a path the kernel resolves whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h2get_save.h"

#define MAX_SEGMENT 255

/* Is the segment (len bytes) one that may be a file or directory name? */
static int segment_ok(const char *segment, size_t len)
{
    if (len > MAX_SEGMENT || (len == 1 && segment[0] == '.') || (len == 2 && memcmp(segment, "..", 2) == 0))
        return 0;
    for (size_t i = 0; i != len; ++i)
        if ((unsigned char)segment[i] < 0x20 || segment[i] == 0x7f) return 0;
    return 1;
}

int h2get_save_name(const char *path, size_t len, char *name, size_t cap)
{
    static const char index_html[] = "index.html";
    if (len == 0 || path[0] != '/') return -1;
    const char *end = path;
    while (end != path + len && *end != '?' && *end != '#') ++end;
    size_t at = 0;
    const char *p = path;
    while (p != end) {
        ++p; /* the '/' */
        const char *segment = p;
        while (p != end && *p != '/') ++p;
        size_t seg_len = (size_t)(p - segment);
        if (seg_len == 0) continue;
        if (!segment_ok(segment, seg_len) || at + seg_len + 2 > cap) return -1;
        if (at) name[at++] = '/';
        memcpy(name + at, segment, seg_len);
        at += seg_len;
    }
    /* A directory's own file: "/" and "/dir/" (the last segment empty). */
    if (at == 0 || end[-1] == '/') {
        if (at + sizeof(index_html) + 1 > cap) return -1;
        if (at) name[at++] = '/';
        memcpy(name + at, index_html, sizeof(index_html) - 1);
        at += sizeof(index_html) - 1;
    }
    name[at] = '\0';
    return 0;
}

int h2get_save_open(int dir_fd, const char *name)
{
    int dir = dir_fd;
    const char *slash;
    char segment[MAX_SEGMENT + 1];
    while ((slash = strchr(name, '/')) != NULL) {
        size_t len = (size_t)(slash - name);
        memcpy(segment, name, len);
        segment[len] = '\0';
        if (mkdirat(dir, segment, 0755) != 0 && errno != EEXIST) break;
        int next = openat(dir, segment, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir != dir_fd) close(dir);
        dir = next;
        if (dir < 0) return -errno;
        name = slash + 1;
    }
    int fd = slash ? -1 : openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    int err = errno;
    if (dir != dir_fd) close(dir);
    return fd >= 0 ? fd : -err;
}
