/*
 * The open-file cache (see file_cache.h): a small direct-mapped table per
 * thread, keyed by the request's file name.
 */
#define _GNU_SOURCE /* O_PATH */
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "file_cache.h"

#define SLOTS          64
#define TTL_MS         1000
#define MAX_DATA_BYTES 65536

static int root_fd = -1;
static __thread struct cached_file *slots[SLOTS];
/* Its destructor empties a worker's table when the thread ends (the table itself is thread-local). */
static pthread_key_t table_key;
static pthread_once_t table_key_once = PTHREAD_ONCE_INIT;

int h2serve_file_cache_open_root(const char *dir)
{
    root_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return root_fd < 0 ? -1 : 0;
}

static unsigned long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

static int open_beneath(const char *name)
{
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, root_fd, name[0] ? name : ".", &how, sizeof(how));
}

/* Opens name, or name/index.html for a directory; fills the size and the name used. */
static int open_regular(const char *name, size_t *size, char **resolved)
{
    struct stat st;
    int fd = open_beneath(name);
    if (fd < 0 || fstat(fd, &st) != 0) goto fail;
    size_t len = strlen(name);
    const char *index = "";
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        index = len == 0 || name[len - 1] == '/' ? "index.html" : "/index.html";
        char *with_index = malloc(len + strlen(index) + 1);
        if (!with_index) return -1;
        strcpy(stpcpy(with_index, name), index);
        fd = open_beneath(with_index);
        free(with_index);
        if (fd < 0 || fstat(fd, &st) != 0) goto fail;
    }
    if (!S_ISREG(st.st_mode)) goto fail;
    if (!(*resolved = malloc(len + strlen(index) + 1))) goto fail;
    strcpy(stpcpy(*resolved, name), index);
    *size = (size_t)st.st_size;
    return fd;
fail:
    if (fd >= 0) close(fd);
    return -1;
}

/* Small files are read once, at open: a read per response costs more than the response. */
static char *read_small_file(int fd, size_t size)
{
    if (size == 0 || size > MAX_DATA_BYTES) return NULL;
    char *data = malloc(size);
    size_t got = 0;
    while (data && got < size) {
        ssize_t n = pread(fd, data + got, size - got, (off_t)got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    if (data && got == size) return data;
    free(data); /* changed under us: the file path reads it as it goes */
    return NULL;
}

static void destroy(struct cached_file *f)
{
    free(f->data);
    close(f->fd);
    free(f->name);
    free(f->key);
    free(f);
}

static unsigned slot_of(const char *name)
{
    uint32_t hash = 2166136261u; /* FNV-1a */
    for (const char *p = name; *p; ++p) hash = (hash ^ (uint8_t)*p) * 16777619u;
    return hash % SLOTS;
}

/* Takes an entry out of the table; responses still sending it keep it until they release it. */
static void evict(unsigned slot)
{
    struct cached_file *f = slots[slot];
    slots[slot] = NULL;
    f->cached = 0;
    if (f->refs == 0) destroy(f);
}

static void empty_table(void *unused)
{
    (void)unused;
    for (unsigned i = 0; i != SLOTS; ++i)
        if (slots[i]) evict(i);
}

static void create_table_key(void)
{
    pthread_key_create(&table_key, empty_table);
}

struct cached_file *h2serve_file_get(const char *name)
{
    /* A non-NULL value is what makes the destructor run at this thread's exit. */
    pthread_once(&table_key_once, create_table_key);
    if (!pthread_getspecific(table_key)) pthread_setspecific(table_key, slots);

    unsigned slot = slot_of(name);
    struct cached_file *f = slots[slot];
    unsigned long long now = now_ms();
    if (f && strcmp(f->key, name) == 0 && now < f->expires_ms) {
        ++f->refs;
        return f;
    }
    if (f) evict(slot);

    if (!(f = calloc(1, sizeof(*f)))) return NULL;
    if (!(f->key = strdup(name)) || (f->fd = open_regular(name, &f->size, &f->name)) < 0) {
        free(f->key);
        free(f);
        return NULL;
    }
    f->data = read_small_file(f->fd, f->size);
    f->refs = 1;
    f->cached = 1;
    f->expires_ms = now + TTL_MS;
    slots[slot] = f;
    return f;
}

void h2serve_file_release(void *file, const void *data, size_t len)
{
    (void)data;
    (void)len;
    struct cached_file *f = file;
    if (--f->refs == 0 && !f->cached) destroy(f);
}
