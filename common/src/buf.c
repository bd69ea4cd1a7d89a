/*
 * Growable byte buffer with a hard ceiling (after curl's dynbuf). The
 * capacity always keeps one byte beyond `len` for a terminating NUL, so
 * `data` can be handed to string functions after any append. A failed
 * append leaves the buffer exactly as it was.
 */
#include "ab/setup.h"
#include "ab/buf.h"

#include "ab/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BUF_MIN_CAP 64

void ab_buf_init(struct ab_buf *buf, size_t max)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->max = max;
}

void ab_buf_cleanup(struct ab_buf *buf)
{
    ab_free(buf->data);
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}

void ab_buf_reset(struct ab_buf *buf)
{
    buf->len = 0;
    if (buf->data) {
        buf->data[0] = '\0';
    }
}

enum ab_rc ab_buf_reserve(struct ab_buf *buf, size_t extra)
{
    size_t need = 0;
    size_t cap = 0;
    char *data = NULL;

    if (extra > buf->max || buf->len > buf->max - extra) {
        return AB_ERR_LIMIT;
    }
    need = buf->len + extra + 1;
    if (need <= buf->cap) {
        return AB_OK;
    }
    cap = buf->cap > 0 ? buf->cap : BUF_MIN_CAP;
    while (cap < need) {
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    }
    /* Never allocate far beyond the ceiling just because of doubling. */
    if (cap - 1 > buf->max) {
        cap = buf->max + 1;
    }
    data = ab_realloc(buf->data, cap);
    if (!data) {
        return AB_ERR_NOMEM;
    }
    buf->data = data;
    buf->cap = cap;
    return AB_OK;
}

enum ab_rc ab_buf_append(struct ab_buf *buf, const void *data, size_t len)
{
    enum ab_rc rc = AB_OK;

    /* Fast path: room for the bytes and the NUL, and within the ceiling
     * (written so that no sum can overflow). */
    if (len >= buf->cap - buf->len || len > buf->max - buf->len) {
        rc = ab_buf_reserve(buf, len);
        if (rc != AB_OK) {
            return rc;
        }
    }
    if (len > 0) {
        memcpy(buf->data + buf->len, data, len);
    }
    buf->len += len;
    buf->data[buf->len] = '\0';
    return AB_OK;
}

enum ab_rc ab_buf_append_str(struct ab_buf *buf, const char *text)
{
    return ab_buf_append(buf, text, strlen(text));
}

enum ab_rc ab_buf_append_char(struct ab_buf *buf, char c)
{
    return ab_buf_append(buf, &c, 1);
}

enum ab_rc ab_buf_appendv(struct ab_buf *buf, const char *fmt, va_list ap)
{
    va_list again;
    int n = 0;
    enum ab_rc rc = AB_OK;

    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0) {
        rc = AB_ERR_INTERNAL;
        goto out;
    }
    rc = ab_buf_reserve(buf, (size_t)n);
    if (rc != AB_OK) {
        goto out;
    }
    (void)vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, again);
    buf->len += (size_t)n;
out:
    va_end(again);
    return rc;
}

enum ab_rc ab_buf_appendf(struct ab_buf *buf, const char *fmt, ...)
{
    va_list ap;
    enum ab_rc rc = AB_OK;

    va_start(ap, fmt);
    rc = ab_buf_appendv(buf, fmt, ap);
    va_end(ap);
    return rc;
}

char *ab_buf_take(struct ab_buf *buf)
{
    char *data = NULL;

    if (!buf->data) {
        return ab_strdup("");
    }
    data = buf->data;
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    return data;
}
