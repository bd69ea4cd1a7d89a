/*
 * Allocation seam. Every allocation of the core (and, through
 * json_set_alloc_funcs, of jansson) passes through here, so a unit test
 * can make the Nth allocation fail and walk every error path in turn,
 * the way curl's torture mode and libcbor's failing allocator do.
 *
 * The counter is process-wide and not thread-safe: connectors are
 * single-threaded, and the hook exists for tests only.
 */
#include "ab/setup.h"
#include "ab/alloc.h"

#include <stdlib.h>
#include <string.h>

/* Successful allocations left before failing; negative: never fail. */
static long fail_after = -1;
static unsigned long failures;

/* One allocation is about to happen: may it succeed? */
static int allowed(void)
{
    if (fail_after < 0) {
        return 1;
    }
    if (fail_after == 0) {
        failures++;
        return 0;
    }
    fail_after--;
    return 1;
}

static void *counted(void *ptr)
{
    if (!ptr) {
        failures++;
    }
    return ptr;
}

void *ab_malloc(size_t size)
{
    if (!allowed()) {
        return NULL;
    }
    /* malloc(0) may return NULL, which callers would read as failure. */
    return counted(malloc(size > 0 ? size : 1));
}

void *ab_calloc(size_t count, size_t size)
{
    if (!allowed()) {
        return NULL;
    }
    if (count == 0 || size == 0) {
        return counted(calloc(1, 1));
    }
    return counted(calloc(count, size));
}

void *ab_realloc(void *ptr, size_t size)
{
    if (!allowed()) {
        return NULL;
    }
    return counted(realloc(ptr, size > 0 ? size : 1));
}

unsigned long ab_alloc_failures(void)
{
    return failures;
}

char *ab_strndup(const char *text, size_t len)
{
    char *copy = NULL;

    copy = ab_malloc(len + 1);
    if (copy) {
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    return copy;
}

char *ab_strdup(const char *text)
{
    return ab_strndup(text, strlen(text));
}

void ab_free(void *ptr)
{
    free(ptr);
}

void ab_alloc_fail_after(long successes)
{
    fail_after = successes < 0 ? -1 : successes;
}

void ab_alloc_fail_reset(void)
{
    fail_after = -1;
}
