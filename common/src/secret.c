/*
 * Secret registry and masking.
 *
 * Each secret is kept in two forms: its raw bytes and its JSON string
 * escape (they differ when it holds quotes, backslashes or control
 * characters). Output lines are JSON, so masking there must not break
 * the line: a form is only replaced where it lies wholly inside one JSON
 * string and starts and ends on character boundaries (never right after
 * the backslash of an escape, never ending inside one). Numbers and
 * punctuation are never touched.
 * KNOWN-ISSUE(CORE-1): a secret that appears in a line only as a JSON
 * number (a numeric password copied into a record) stays visible;
 * rewriting a number would corrupt the data or the line.
 *
 * Forms are kept longest first, so a secret that contains another is
 * masked whole.
 *
 * The common case, a line holding no secret, costs one scan per form.
 */
#include "ab/setup.h"
#include "ab/secret.h"

#include "ab/alloc.h"
#include "ab/jsonw.h"
#include "ab/utf8.h"

#include <stdbool.h>
#include <string.h>

#define MASK_LEN (sizeof(AB_SECRET_MASK) - 1)

struct form {
    char *text;
    size_t len;
    bool json_safe; /* can lie inside a JSON string (see form_json_safe) */
};

static struct form *forms;
static size_t form_count;
static size_t form_cap;
static size_t secret_total;

/* A form can appear inside a JSON string only when, read from a
 * character boundary, it holds no unescaped quote and does not end in
 * the middle of an escape sequence. It must also be valid UTF-8: output
 * lines are, and a form cut inside a multi-byte character would match
 * part of one and leave the rest of it stranded. */
static bool form_json_safe(const char *text, size_t len)
{
    size_t i = 0;

    if (!ab_utf8_valid(text, len)) {
        return false;
    }

    while (i < len) {
        if (text[i] == '"' || (unsigned char)text[i] < 0x20) {
            return false;
        }
        if (text[i] != '\\') {
            i++;
            continue;
        }
        if (i + 1 >= len) {
            return false;
        }
        i += text[i + 1] == 'u' ? 6 : 2;
        if (i > len) {
            return false;
        }
    }
    return true;
}

static bool form_known(const char *text, size_t len)
{
    size_t i = 0;

    for (i = 0; i < form_count; i++) {
        if (forms[i].len == len && memcmp(forms[i].text, text, len) == 0) {
            return true;
        }
    }
    return false;
}

/* Insert keeping the array sorted by length, longest first; takes
 * ownership of `text`. Room must have been reserved. */
static void form_insert(char *text, size_t len)
{
    size_t pos = 0;

    while (pos < form_count && forms[pos].len >= len) {
        pos++;
    }
    memmove(forms + pos + 1, forms + pos, (form_count - pos) * sizeof(*forms));
    forms[pos].text = text;
    forms[pos].len = len;
    forms[pos].json_safe = form_json_safe(text, len);
    form_count++;
}

static enum ab_rc forms_reserve(size_t extra)
{
    struct form *grown = NULL;
    size_t cap = form_cap > 0 ? form_cap : 8;

    if (form_count + extra <= form_cap) {
        return AB_OK;
    }
    while (cap < form_count + extra) {
        cap *= 2;
    }
    grown = ab_realloc(forms, cap * sizeof(*forms));
    if (!grown) {
        return AB_ERR_NOMEM;
    }
    forms = grown;
    form_cap = cap;
    return AB_OK;
}

/* The escaped form of invalid UTF-8 holds U+FFFD repairs. A form that
 * is (almost) nothing but repairs would mask every repaired value of
 * every record, so it must keep AB_SECRET_MIN_LEN bytes of its own. */
static bool form_worth_masking(const char *text, size_t len)
{
    static const char repair[] = "\xEF\xBF\xBD";
    size_t i = 0;
    size_t own = 0;

    while (i < len) {
        if (len - i >= 3 && memcmp(text + i, repair, 3) == 0) {
            i += 3;
            continue;
        }
        own++;
        i++;
    }
    return own >= AB_SECRET_MIN_LEN;
}

enum ab_rc ab_secret_add(const char *value)
{
    size_t len = value ? strlen(value) : 0;
    size_t esc_len = 0;
    struct ab_buf esc;
    char *raw = NULL;
    enum ab_rc rc = AB_OK;

    ab_buf_init(&esc, len * 6 + 64);
    if (len < AB_SECRET_MIN_LEN || form_known(value, len)) {
        goto out;
    }
    rc = ab_json_escape_append(&esc, value, len, NULL);
    if (rc == AB_OK) {
        rc = forms_reserve(2);
    }
    raw = rc == AB_OK ? ab_strndup(value, len) : NULL;
    if (rc == AB_OK && !raw) {
        rc = AB_ERR_NOMEM;
    }
    if (rc != AB_OK) {
        goto out;
    }
    form_insert(raw, len);
    raw = NULL;
    if ((esc.len != len || memcmp(esc.data, value, len) != 0) &&
        form_worth_masking(esc.data, esc.len)) {
        esc_len = esc.len;
        /* Cannot fail: the buffer holds data, so take hands it over. */
        form_insert(ab_buf_take(&esc), esc_len);
    }
    secret_total++;
out:
    ab_free(raw);
    ab_buf_cleanup(&esc);
    return rc;
}

size_t ab_secret_count(void)
{
    return secret_total;
}

void ab_secret_clear(void)
{
    size_t i = 0;

    for (i = 0; i < form_count; i++) {
        ab_free(forms[i].text);
    }
    ab_free(forms);
    forms = NULL;
    form_count = 0;
    form_cap = 0;
    secret_total = 0;
}

/* memmem is a GNU extension; this is the portable equivalent (forms are
 * short, so memchr on the first byte plus memcmp is quick). */
static bool contains(const char *hay, size_t hay_len, const char *needle,
                     size_t needle_len)
{
    const char *p = hay;
    const char *end = hay + hay_len;

    while ((size_t)(end - p) >= needle_len) {
        p = memchr(p, needle[0], (size_t)(end - p) - needle_len + 1);
        if (!p) {
            return false;
        }
        if (memcmp(p, needle, needle_len) == 0) {
            return true;
        }
        p++;
    }
    return false;
}

bool ab_secret_in(const char *text, size_t len)
{
    size_t i = 0;

    for (i = 0; i < form_count; i++) {
        if (forms[i].json_safe &&
            contains(text, len, forms[i].text, forms[i].len)) {
            return true;
        }
    }
    return false;
}

/* Length of the JSON-safe form starting at text[0..len), 0 if none. */
static size_t json_match(const char *text, size_t len)
{
    size_t i = 0;

    for (i = 0; i < form_count; i++) {
        if (forms[i].json_safe && forms[i].len <= len &&
            memcmp(text, forms[i].text, forms[i].len) == 0) {
            return forms[i].len;
        }
    }
    return 0;
}

/* Where a JSON scan stands between two bytes of a line. */
struct scan {
    bool in_str;
    bool after_backslash;
    unsigned hex_left; /* digits of a \uXXXX still to come */
};

static void scan_byte(struct scan *s, char c)
{
    if (!s->in_str) {
        s->in_str = c == '"';
    } else if (s->after_backslash) {
        s->after_backslash = false;
        s->hex_left = c == 'u' ? 4 : 0;
    } else if (s->hex_left > 0) {
        s->hex_left--;
    } else if (c == '\\') {
        s->after_backslash = true;
    } else if (c == '"') {
        s->in_str = false;
    }
}

static enum ab_rc mask_json(const struct ab_buf *line, struct ab_buf *out)
{
    struct scan s = { false, false, 0 };
    size_t i = 0;
    size_t n = 0;
    enum ab_rc rc = AB_OK;

    while (i < line->len && rc == AB_OK) {
        n = 0;
        if (s.in_str && !s.after_backslash && s.hex_left == 0) {
            n = json_match(line->data + i, line->len - i);
        }
        if (n > 0) {
            rc = ab_buf_append(out, AB_SECRET_MASK, MASK_LEN);
            i += n;
            continue;
        }
        scan_byte(&s, line->data[i]);
        rc = ab_buf_append_char(out, line->data[i]);
        i++;
    }
    return rc;
}

enum ab_rc ab_secret_mask(struct ab_buf *line)
{
    struct ab_buf out;
    enum ab_rc rc = AB_OK;

    if (form_count == 0 || line->len == 0 ||
        !ab_secret_in(line->data, line->len)) {
        return AB_OK;
    }
    ab_buf_init(&out, line->max);
    rc = mask_json(line, &out);
    if (rc == AB_OK) {
        ab_buf_reset(line);
        rc = ab_buf_append(line, out.data, out.len);
    }
    ab_buf_cleanup(&out);
    return rc;
}

/* Length of any form starting at text[0..len), 0 if none. */
static size_t any_match(const char *text, size_t len)
{
    size_t i = 0;

    for (i = 0; i < form_count; i++) {
        if (forms[i].len <= len &&
            memcmp(text, forms[i].text, forms[i].len) == 0) {
            return forms[i].len;
        }
    }
    return 0;
}

void ab_secret_mask_text(const char *text, char *out, size_t size)
{
    size_t len = strlen(text);
    size_t i = 0;
    size_t o = 0;
    size_t n = 0;

    if (size == 0) {
        return;
    }
    while (i < len && o + 1 < size) {
        n = any_match(text + i, len - i);
        if (n == 0) {
            out[o++] = text[i++];
            continue;
        }
        if (o + MASK_LEN >= size) {
            break;
        }
        memcpy(out + o, AB_SECRET_MASK, MASK_LEN);
        o += MASK_LEN;
        i += n;
    }
    out[o] = '\0';
}
