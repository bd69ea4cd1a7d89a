/*
 * UTF-8 validation after the Unicode standard's table of well-formed byte
 * sequences (Table 3-7): no overlong forms, no surrogates, nothing above
 * U+10FFFF. Ill-formed input is measured by its "maximal subpart", the
 * unit that the standard recommends replacing by one U+FFFD, so a repair
 * gives the same result as other conforming decoders.
 */
#include "ab/setup.h"
#include "ab/utf8.h"

#include <stdint.h>
#include <string.h>

#define HIGH_BITS 0x8080808080808080ULL

/* Expected length of a sequence from its lead byte and the range allowed
 * for the second byte; 0 for a byte that cannot start a sequence. */
static size_t lead_info(unsigned char c, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        *lo = c == 0xE0 ? 0xA0 : 0x80;
        *hi = c == 0xED ? 0x9F : 0xBF;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        *lo = c == 0xF0 ? 0x90 : 0x80;
        *hi = c == 0xF4 ? 0x8F : 0xBF;
        return 4;
    }
    return 0;
}

size_t ab_utf8_seq(const char *text, size_t len, bool *valid)
{
    const unsigned char *p = (const unsigned char *)text;
    unsigned char lo = 0;
    unsigned char hi = 0;
    size_t need = 0;
    size_t i = 1;

    *valid = false;
    if (len == 0) {
        return 0;
    }
    if (p[0] < 0x80) {
        *valid = true;
        return 1;
    }
    need = lead_info(p[0], &lo, &hi);
    if (need == 0) {
        return 1;
    }
    if (len < 2 || p[1] < lo || p[1] > hi) {
        return 1;
    }
    for (i = 2; i < need; i++) {
        if (i >= len || p[i] < 0x80 || p[i] > 0xBF) {
            return i;
        }
    }
    *valid = true;
    return need;
}

/* Bytes of text[0..len) before the first non-ASCII byte. */
static size_t ascii_prefix(const char *text, size_t len)
{
    size_t i = 0;
    uint64_t word = 0;

    while (len - i >= 8) {
        memcpy(&word, text + i, 8);
        if (word & HIGH_BITS) {
            break;
        }
        i += 8;
    }
    while (i < len && (unsigned char)text[i] < 0x80) {
        i++;
    }
    return i;
}

size_t ab_utf8_valid_prefix(const char *text, size_t len)
{
    size_t i = 0;
    size_t n = 0;
    bool valid = false;

    while (i < len) {
        i += ascii_prefix(text + i, len - i);
        if (i >= len) {
            break;
        }
        n = ab_utf8_seq(text + i, len - i, &valid);
        if (!valid) {
            break;
        }
        i += n;
    }
    return i;
}

bool ab_utf8_valid(const char *text, size_t len)
{
    return ab_utf8_valid_prefix(text, len) == len;
}

size_t ab_utf8_count(const char *text, size_t len)
{
    size_t i = 0;
    size_t count = 0;
    bool valid = false;

    while (i < len) {
        i += ab_utf8_seq(text + i, len - i, &valid);
        count++;
    }
    return count;
}
