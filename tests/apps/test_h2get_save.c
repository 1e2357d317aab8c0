/*
 * h2get -O DIR (apps/h2get_save.c): paths made names under DIR, those that
 * would climb out of it refused, and the files opened there, directories
 * made on the way, no symbolic link followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "h2get_save.h"

static void check_name(const char *path, const char *want)
{
    char name[64];
    int err = h2get_save_name(path, strlen(path), name, sizeof(name));
    CHECK_MSG(err == 0 && strcmp(name, want) == 0, "%s saved as %s (want %s)", path, err ? "(refused)" : name,
              want);
}

/* path as one line of the TAP output: control bytes as \xNN, cut to fit. */
static const char *printable(const char *path, size_t len, char out[96])
{
    size_t n = 0;
    for (size_t i = 0; i != len && n + 5 < 96; ++i) {
        unsigned char byte = (unsigned char)path[i];
        n += (size_t)snprintf(out + n, 96 - n, byte < 0x20 || byte == 0x7f ? "\\x%02x" : "%c", byte);
    }
    out[n] = '\0';
    return out;
}

static void check_refused(const char *path, size_t len)
{
    char name[64], shown[96];
    CHECK_MSG(h2get_save_name(path, len, name, sizeof(name)) == -1, "%s refused",
              printable(path, len, shown));
}

static void test_names(void)
{
    check_name("/x", "x");
    check_name("/", "index.html");
    check_name("/a/b/c.txt", "a/b/c.txt");
    check_name("/a/", "a/index.html");
    check_name("//a///b", "a/b");
    check_name("/x?y=../../z", "x");
    check_name("/?q", "index.html");
    check_name("/x#frag", "x");
    check_name("/%2e%2e/x", "%2e%2e/x");
    check_name("/...", "...");
    check_name("/.hidden", ".hidden");
    check_name("/a..b", "a..b");
}

static void test_refused(void)
{
    static const char *const paths[] = {
        "",     "x",  "../x",   "/..", "/../x",     "/a/../../x", "/a/..",
        "/./x", "/.", "/a/./b", "*",   "/a\\../..", /* a backslash is a byte of a name: this climbs by its
                                                       "/.." */
    };
    for (size_t i = 0; i != sizeof(paths) / sizeof(paths[0]); ++i) check_refused(paths[i], strlen(paths[i]));
    check_refused("/a\0b", 4);
    check_refused("/a\nb", 4);
    char long_segment[300] = "/";
    memset(long_segment + 1, 'a', 256);
    check_refused(long_segment, 257);
    /* A name longer than the room given. */
    char name[8];
    CHECK(h2get_save_name("/abcdefgh", 9, name, sizeof(name)) == -1);
    CHECK(h2get_save_name("/abcdef", 7, name, sizeof(name)) == 0 && strcmp(name, "abcdef") == 0);
}

static void test_open(void)
{
    char dir[] = "/tmp/h2get-save-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
    int fd = h2get_save_open(dir_fd, "a/b/c.txt");
    CHECK(fd >= 0 && write(fd, "c", 1) == 1);
    close(fd);
    char path[256];
    struct stat st;
    snprintf(path, sizeof(path), "%s/a/b/c.txt", dir);
    CHECK(stat(path, &st) == 0 && st.st_size == 1);
    /* Again: emptied. */
    fd = h2get_save_open(dir_fd, "a/b/c.txt");
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0);
    close(fd);
    /* A file where a directory is wanted. */
    CHECK(h2get_save_open(dir_fd, "a/b/c.txt/d") == -ENOTDIR);
    /* Symbolic links are not followed, as a directory on the way or as the file. */
    snprintf(path, sizeof(path), "%s/up", dir);
    CHECK(symlink("/tmp", path) == 0);
    CHECK(h2get_save_open(dir_fd, "up/x") < 0);
    CHECK(h2get_save_open(dir_fd, "up") == -ELOOP);
    unlink(path);
    snprintf(path, sizeof(path), "%s/a/b/c.txt", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/a/b", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/a", dir);
    rmdir(path);
    close(dir_fd);
    CHECK(rmdir(dir) == 0);
}

int main(void)
{
    test_names();
    test_refused();
    test_open();
    return check_done();
}
