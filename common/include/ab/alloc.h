/*
 * Allocation seam. Every core allocation goes through these functions so
 * that unit tests can make the Nth allocation fail and check that each
 * error path releases what it took (run under AddressSanitizer).
 */
#ifndef AB_ALLOC_H
#define AB_ALLOC_H

#include "ab/setup.h"

#include <stddef.h>

/* malloc/realloc/calloc/strdup with the seam; NULL on failure. Release
 * with ab_free (or free: they are the C library's allocations). */
AB_NODISCARD void *ab_malloc(size_t size);
AB_NODISCARD void *ab_calloc(size_t count, size_t size);
AB_NODISCARD void *ab_realloc(void *ptr, size_t size);
AB_NODISCARD char *ab_strdup(const char *text);
AB_NODISCARD char *ab_strndup(const char *text, size_t len);
void ab_free(void *ptr);

/*
 * Test hook: after `successes` more successful allocations, every further
 * allocation fails until ab_alloc_fail_reset(). Negative disables.
 */
void ab_alloc_fail_after(long successes);
void ab_alloc_fail_reset(void);

/*
 * Number of allocations that returned NULL so far, injected or real.
 * jansson reports some allocation failures as syntax errors; comparing
 * this counter before and after a call tells the two apart.
 */
unsigned long ab_alloc_failures(void);

#endif /* AB_ALLOC_H */
