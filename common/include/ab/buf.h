/*
 * Growable byte buffer with a hard ceiling. Appends past `max` fail with
 * AB_ERR_LIMIT and leave the buffer unchanged, so no input can make a
 * connector grow without bound.
 */
#ifndef AB_BUF_H
#define AB_BUF_H

#include "ab/setup.h"
#include "ab/rc.h"

#include <stdarg.h>
#include <stddef.h>

/* Caller-owned struct; the data it points to is owned by the buffer. */
struct ab_buf {
    char *data; /* NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    size_t max; /* ceiling on len */
};

void ab_buf_init(struct ab_buf *buf, size_t max);
void ab_buf_cleanup(struct ab_buf *buf); /* frees data, safe twice */
void ab_buf_reset(struct ab_buf *buf);   /* len = 0, keeps memory */

AB_NODISCARD enum ab_rc ab_buf_append(struct ab_buf *buf, const void *data,
                                      size_t len);
AB_NODISCARD enum ab_rc ab_buf_append_str(struct ab_buf *buf, const char *text);
AB_NODISCARD enum ab_rc ab_buf_append_char(struct ab_buf *buf, char c);
AB_NODISCARD enum ab_rc ab_buf_appendf(struct ab_buf *buf, const char *fmt, ...)
    AB_PRINTF(2, 3);
AB_NODISCARD enum ab_rc ab_buf_appendv(struct ab_buf *buf, const char *fmt,
                                       va_list ap) AB_PRINTF(2, 0);
/* Make room for `extra` more bytes; the caller writes at data + len and
 * then adds to len itself. */
AB_NODISCARD enum ab_rc ab_buf_reserve(struct ab_buf *buf, size_t extra);

/* Give the data away: returns it (caller frees with free) and leaves the
 * buffer empty. Returns an empty string, not NULL, for an empty buffer;
 * NULL only when out of memory. */
AB_NODISCARD char *ab_buf_take(struct ab_buf *buf);

#endif /* AB_BUF_H */
