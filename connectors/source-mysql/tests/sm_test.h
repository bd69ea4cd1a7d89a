/*
 * Helpers for the source-mysql unit tests: the cmocka prelude and a JSON
 * writer whose output a test can compare as text.
 */
#ifndef SM_TEST_H
#define SM_TEST_H

#include <ab/setup.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ab/buf.h>
#include <ab/jsonw.h>

#include <jansson.h>
#include <string.h>

/* A writer into its own buffer. */
struct jw_text {
    struct ab_buf buf;
    struct ab_jw jw;
};

static inline void jw_text_init(struct jw_text *t)
{
    ab_buf_init(&t->buf, 1024 * 1024);
    ab_jw_init(&t->jw, &t->buf);
}

/* What was written so far (NUL-terminated, "" when nothing). */
static inline const char *jw_text_get(const struct jw_text *t)
{
    return t->buf.len > 0 ? t->buf.data : "";
}

static inline void jw_text_cleanup(struct jw_text *t)
{
    ab_buf_cleanup(&t->buf);
}

/* Compact JSON text of a jansson value (caller frees). */
static inline char *json_text(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

#endif /* SM_TEST_H */
