/*
 * UTF-8 validation and repair. Source data is not trusted to be valid
 * UTF-8; every string that reaches stdout passes through here first.
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

#endif /* AB_UTF8_H */
