/*
 * h2get -O DIR: where a response (or a push) of a path is saved, under DIR
 * and never outside it, whatever path a server promises.
 */
#ifndef H2GET_SAVE_H
#define H2GET_SAVE_H

#include <stddef.h>

/*
 * The file name under DIR for a request's :path (len bytes, not
 * NUL-terminated), written to name (cap bytes): the path without its query
 * ("?...") or fragment, without its leading '/' and with empty segments
 * dropped, "index.html" added when it names a directory ("/" or ending in
 * '/'). Bytes are kept as they are: "%2e%2e" stays a name of six bytes, not
 * "..". Returns 0, or -1 for a path that is refused: not starting with '/',
 * a "." or ".." segment, a NUL or control byte, a segment over 255 bytes,
 * or a name longer than cap.
 */
int h2get_save_name(const char *path, size_t len, char *name, size_t cap);

/*
 * Opens the file a name from h2get_save_name stands for, under the
 * directory dir_fd: the directories on its way made (0755), nothing
 * followed through a symbolic link, the file made or emptied (0644).
 * Returns the descriptor, or a negative errno (-ENOTDIR when a directory
 * on the way is a file already, -ELOOP for a link).
 */
int h2get_save_open(int dir_fd, const char *name);

#endif
