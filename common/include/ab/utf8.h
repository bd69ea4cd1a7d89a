/*
 * UTF-8 validation and repair. Source data is not trusted to be valid
 * UTF-8; every string that reaches standard output passes through here
 * first.
 */
#ifndef AB_UTF8_H
#define AB_UTF8_H

#include "ab/setup.h"

#include <stdbool.h>
#include <stddef.h>

/* True when text[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
bool ab_utf8_valid(const char *text, size_t len);

/* Length of the valid UTF-8 prefix of text[0..len). */
size_t ab_utf8_valid_prefix(const char *text, size_t len);

/*
 * Measure the sequence at text[0..len) (len > 0). When it is well formed,
 * sets *valid and returns its length (1-4). Otherwise clears *valid and
 * returns the length of its maximal ill-formed subpart (at least 1): the
 * bytes one U+FFFD replaces. Returns 0 only for len == 0.
 */
size_t ab_utf8_seq(const char *text, size_t len, bool *valid);

/* Number of characters in text[0..len); each ill-formed subpart counts as
 * one (as its U+FFFD replacement would). */
size_t ab_utf8_count(const char *text, size_t len);

#endif /* AB_UTF8_H */
