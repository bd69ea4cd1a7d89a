/*
 * Secret masking. The driver registers every config value whose spec
 * field is marked airbyte_secret; the output module masks them in every
 * line it writes, server error texts included. A process-wide registry,
 * because a secret must be masked whichever module prints it.
 */
#ifndef AB_SECRET_H
#define AB_SECRET_H

#include "ab/setup.h"
#include "ab/buf.h"
#include "ab/rc.h"

#include <stdbool.h>
#include <stddef.h>

#define AB_SECRET_MASK "**********"
/* Shorter values are not registered: masking them would mangle output
 * while protecting nothing worth the name. */
#define AB_SECRET_MIN_LEN 3

/* Register a secret (copied). Both its raw form and its JSON-escaped form
 * are masked. */
AB_NODISCARD enum ab_rc ab_secret_add(const char *value);
size_t ab_secret_count(void);
void ab_secret_clear(void);

/* Replace every registered secret in line->data[0..len) by
 * AB_SECRET_MASK, in place (the buffer may grow or shrink). The line is
 * JSON: only occurrences wholly inside one string, on character
 * boundaries, are replaced, so the line stays valid JSON. */
AB_NODISCARD enum ab_rc ab_secret_mask(struct ab_buf *line);

/* True when a form of a registered secret that can appear inside a JSON
 * string occurs in text[0..len) (the cheap test before masking). */
bool ab_secret_in(const char *text, size_t len);

/* Mask into a caller buffer of `size` bytes (NUL-terminated, truncated if
 * needed); for texts that end up in error records. */
void ab_secret_mask_text(const char *text, char *out, size_t size);

#endif /* AB_SECRET_H */
