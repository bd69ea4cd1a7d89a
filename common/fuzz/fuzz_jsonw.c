/*
 * Fuzz the JSON writer against jansson as the oracle:
 *   - validator: whatever ab_json_text_valid accepts, jansson accepts
 *     (except where only its own limits object), and whatever it accepts
 *     within our depth cap, ab_json_text_valid accepts; the compacted copy
 *     is still valid and has no whitespace outside strings;
 *   - strings: any bytes escaped by ab_jw_strn parse back with jansson,
 *     identical when the input was valid UTF-8;
 *   - numbers: text accepted by ab_jw_number_text parses as a number;
 *   - masking: a secret taken from the input, masked in the escaped line,
 *     leaves a line jansson still parses.
 */
#include "fuzz_common.h"

#include "ab/buf.h"
#include "ab/jsonw.h"
#include "ab/secret.h"
#include "ab/utf8.h"

#include <stdbool.h>
#include <string.h>

#define DECODE (JSON_DECODE_ANY | JSON_ALLOW_NUL)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

/* Deepest bracket nesting outside strings (input need not be valid). */
static size_t nesting(const char *t, size_t len)
{
    size_t depth = 0;
    size_t max = 0;
    size_t i = 0;
    bool in_str = false;

    for (i = 0; i < len; i++) {
        if (in_str) {
            if (t[i] == '\\') {
                i++; /* skip the escaped byte */
            } else {
                in_str = t[i] != '"';
            }
        } else if (t[i] == '"') {
            in_str = true;
        } else if (t[i] == '[' || t[i] == '{') {
            max = ++depth > max ? depth : max;
        } else if ((t[i] == ']' || t[i] == '}') && depth > 0) {
            depth--;
        }
    }
    return max;
}

/* Whitespace outside strings in (valid) JSON text? */
static bool outer_space(const char *t, size_t len)
{
    size_t i = 0;
    bool in_str = false;

    for (i = 0; i < len; i++) {
        if (in_str && t[i] == '\\') {
            i++;
        } else if (t[i] == '"') {
            in_str = !in_str;
        } else if (!in_str && t[i] != '\0' && strchr(" \t\r\n", t[i])) {
            return true;
        }
    }
    return false;
}

/* Does jansson accept the text? *limit is set when it refused only for
 * one of its own limits, not for a JSON rule: a number beyond its
 * integer or double range, or a \u0000 inside an object key (keys are C
 * strings there). */
static bool parses(const char *t, size_t len, bool *limit)
{
    json_error_t jerr;
    json_t *v = json_loadb(t, len, DECODE, &jerr);
    enum json_error_code code = json_error_code(&jerr);

    *limit = !v && (code == json_error_numeric_overflow ||
                    code == json_error_null_byte_in_key);
    json_decref(v);
    return v != NULL;
}

static void check_validator(const char *t, size_t len)
{
    struct ab_buf buf;
    struct ab_jw jw;
    bool ours = ab_json_text_valid(t, len);
    bool limit = false;
    bool theirs = parses(t, len, &limit);

    if (ours && !theirs && !limit) {
        abort();
    }
    /* jansson stops reading at a NUL byte and accepts what came before;
     * JSON has no such rule, so only NUL-free input is compared. */
    if (theirs && !ours && nesting(t, len) <= AB_JSON_MAX_DEPTH &&
        !memchr(t, '\0', len)) {
        abort();
    }
    if (!ours) {
        return;
    }
    ab_buf_init(&buf, len + 16);
    ab_jw_init(&jw, &buf);
    if (!ab_jw_raw_json(&jw, t, len) || ab_jw_rc(&jw) != AB_OK ||
        !ab_json_text_valid(buf.data, buf.len) ||
        outer_space(buf.data, buf.len) ||
        (theirs && !parses(buf.data, buf.len, &limit))) {
        abort();
    }
    ab_buf_cleanup(&buf);
}

static void check_string(const char *t, size_t len)
{
    struct ab_buf buf;
    struct ab_jw jw;
    json_t *back = NULL;
    bool repaired = false;

    ab_buf_init(&buf, len * 6 + 64);
    ab_jw_init(&jw, &buf);
    repaired = ab_jw_strn(&jw, t, len);
    back = json_loadb(buf.data, buf.len, DECODE, NULL);
    if (ab_jw_rc(&jw) != AB_OK || !json_is_string(back) ||
        !ab_utf8_valid(buf.data, buf.len) ||
        repaired == ab_utf8_valid(t, len)) {
        abort();
    }
    if (!repaired && (json_string_length(back) != len ||
                      memcmp(json_string_value(back), t, len) != 0)) {
        abort();
    }
    json_decref(back);
    ab_buf_cleanup(&buf);
}

static void check_number(const char *t, size_t len)
{
    bool limit = false;

    if (ab_json_number_valid(t, len) && !parses(t, len, &limit) && !limit) {
        abort();
    }
}

/* Secret: the input's first bytes up to a NUL, at most 8. */
static void check_masking(const char *t, size_t len)
{
    char secret[9];
    size_t n = len / 4 < 8 ? len / 4 : 8;
    struct ab_buf line;
    struct ab_jw jw;
    bool limit = false;

    memcpy(secret, t, n);
    secret[n] = '\0';
    /* Masking may grow a line: a 3-byte secret becomes the 10-byte mask,
     * on top of escaping's worst case of 6 bytes per input byte. */
    ab_buf_init(&line, len * 24 + 64);
    ab_jw_init(&jw, &line);
    ab_jw_arr_open(&jw);
    (void)ab_jw_strn(&jw, t, len);
    ab_jw_arr_close(&jw);
    if (ab_secret_add(secret) != AB_OK || ab_secret_mask(&line) != AB_OK ||
        !parses(line.data, line.len, &limit)) {
        abort();
    }
    ab_secret_clear();
    ab_buf_cleanup(&line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;

    check_validator(t, size);
    check_string(t, size);
    check_number(t, size);
    check_masking(t, size);
    return 0;
}
