/*
 * Streaming JSON writer: the record hot path. Design points:
 *   - strings are escaped through a 256-entry class table, and runs of
 *     bytes that need nothing are copied with one memcpy;
 *   - space is reserved per chunk of input, so the inner loop writes
 *     into the buffer without a bounds check per byte;
 *   - invalid UTF-8 is replaced by U+FFFD per maximal ill-formed subpart
 *     (see utf8.c), so every line written is valid UTF-8;
 *   - integers use a two-digits-at-a-time itoa; doubles use the shortest
 *     of %.15g/%.16g/%.17g that reads back to the same value;
 *   - JSON given as text (a JSON column) is validated by a small
 *     recursive-descent parser with a depth cap, then copied compacted.
 * Errors are sticky (see jsonw.h).
 */
#include "ab/setup.h"
#include "ab/jsonw.h"

#include "ab/codec.h"
#include "ab/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Input bytes escaped per reservation; each byte needs at most 6 output
 * bytes (\u00XX) and a multi-byte sequence may run 3 bytes past it. */
#define ESC_CHUNK 4096
#define ESC_RESERVE(n) ((n)*6 + 24)

/* 0: copy as is; 1: must be escaped; 2: lead of a multi-byte sequence
 * (or a stray byte) that must be validated. One row per 16 bytes. */
/* clang-format off */
static const unsigned char str_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};
/* clang-format on */

static const char hex_upper[] = "0123456789ABCDEF";

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
/* High bit set in each byte of `v` that is zero (exact for the first
 * such byte, which is all the scan needs). */
#define HAS_ZERO(v) (((v)-ONES) & ~(v))

static const char digit_pairs[] = "00010203040506070809"
                                  "10111213141516171819"
                                  "20212223242526272829"
                                  "30313233343536373839"
                                  "40414243444546474849"
                                  "50515253545556575859"
                                  "60616263646566676869"
                                  "70717273747576777879"
                                  "80818283848586878889"
                                  "90919293949596979899";

/* ---- escaping ---------------------------------------------------------- */

/* Write the escape of control/quote/backslash byte `c`; returns the new
 * write position. The forms match jansson's, so a secret's escaped form
 * is the same whichever of the two serialised it. */
static char *put_escape(char *out, unsigned char c)
{
    char letter = 0;

    switch (c) {
    case '"':
        letter = '"';
        break;
    case '\\':
        letter = '\\';
        break;
    case '\b':
        letter = 'b';
        break;
    case '\f':
        letter = 'f';
        break;
    case '\n':
        letter = 'n';
        break;
    case '\r':
        letter = 'r';
        break;
    case '\t':
        letter = 't';
        break;
    default:
        memcpy(out, "\\u00", 4);
        out[4] = hex_upper[c >> 4];
        out[5] = hex_upper[c & 0xF];
        return out + 6;
    }
    out[0] = '\\';
    out[1] = letter;
    return out + 2;
}

/* Index of the first byte at or after `i` (below `end`) that may need
 * escaping or validation, 8 bytes at a time: a word is plain when no
 * byte is below 0x20, a quote, a backslash or at or above 0x80. May stop
 * early (the byte loop then finishes the run), never late. */
static size_t skip_plain(const unsigned char *p, size_t i, size_t end)
{
    uint64_t w = 0;
    uint64_t hits = 0;

    while (end - i >= 8) {
        memcpy(&w, p + i, 8);
        hits = ((w - ONES * 0x20) & ~w) | HAS_ZERO(w ^ (ONES * '"')) |
               HAS_ZERO(w ^ (ONES * '\\')) | w;
        if (hits & HIGHS) {
            break;
        }
        i += 8;
    }
    return i;
}

/* Escape at least `chunk` bytes (fewer only at the end of the input) of
 * text[0..avail) into reserved space; returns the bytes consumed. */
static size_t escape_some(struct ab_buf *buf, const char *text, size_t avail,
                          size_t chunk, bool *repaired)
{
    const unsigned char *p = (const unsigned char *)text;
    char *out = buf->data + buf->len;
    size_t i = 0;
    size_t run = 0;
    size_t n = 0;
    bool valid = false;

    while (i < chunk) {
        run = skip_plain(p, i, chunk);
        while (run < chunk && str_class[p[run]] == 0) {
            run++;
        }
        memcpy(out, p + i, run - i);
        out += run - i;
        i = run;
        if (i >= chunk) {
            break;
        }
        if (str_class[p[i]] == 1) {
            out = put_escape(out, p[i]);
            i++;
            continue;
        }
        n = ab_utf8_seq(text + i, avail - i, &valid);
        if (valid) {
            memcpy(out, p + i, n);
            out += n;
        } else {
            memcpy(out, "\xEF\xBF\xBD", 3);
            out += 3;
            *repaired = true;
        }
        i += n;
    }
    buf->len = (size_t)(out - buf->data);
    buf->data[buf->len] = '\0';
    return i;
}

enum ab_rc ab_json_escape_append(struct ab_buf *buf, const char *text,
                                 size_t len, bool *repaired)
{
    size_t i = 0;
    size_t chunk = 0;
    enum ab_rc rc = AB_OK;
    bool local = false;

    if (!repaired) {
        repaired = &local;
    }
    while (i < len) {
        chunk = len - i < ESC_CHUNK ? len - i : ESC_CHUNK;
        rc = ab_buf_reserve(buf, ESC_RESERVE(chunk));
        if (rc != AB_OK) {
            return rc;
        }
        i += escape_some(buf, text + i, len - i, chunk, repaired);
    }
    return rc;
}

/* ---- writer state ------------------------------------------------------ */

/*
 * Every value is written as: reserve room once (separator, value and the
 * terminating NUL), then plain stores. A failed reservation leaves the
 * buffer as it was and makes the writer fail.
 */

static void jw_fail(struct ab_jw *jw, enum ab_rc rc)
{
    if (jw->rc == AB_OK) {
        jw->rc = rc;
    }
}

/* Room for `extra` more bytes (plus the NUL); false once failed. */
static bool room(struct ab_jw *jw, size_t extra)
{
    struct ab_buf *b = jw->buf;
    enum ab_rc rc = AB_OK;

    if (extra < b->cap - b->len && extra <= b->max - b->len) {
        return true;
    }
    rc = ab_buf_reserve(b, extra);
    if (rc != AB_OK) {
        jw_fail(jw, rc);
        return false;
    }
    return true;
}

/* Store into reserved room. */
static void raw(struct ab_jw *jw, const char *data, size_t len)
{
    memcpy(jw->buf->data + jw->buf->len, data, len);
    jw->buf->len += len;
    jw->buf->data[jw->buf->len] = '\0';
}

static bool put(struct ab_jw *jw, const char *data, size_t len)
{
    if (!room(jw, len)) {
        return false;
    }
    raw(jw, data, len);
    return true;
}

/* Separator bookkeeping before a value, and room for the separator and
 * `extra` bytes of value; false (nothing written) once failed. */
static bool begin_value(struct ab_jw *jw, size_t extra)
{
    bool comma = false;

    if (jw->rc != AB_OK) {
        return false;
    }
    comma = !jw->after_key && jw->need_comma[jw->depth];
    if (!room(jw, extra + 1)) {
        return false;
    }
    if (comma) {
        raw(jw, ",", 1);
    }
    if (jw->after_key) {
        jw->after_key = false;
    } else {
        jw->need_comma[jw->depth] = true;
    }
    return true;
}

void ab_jw_init(struct ab_jw *jw, struct ab_buf *buf)
{
    memset(jw, 0, sizeof(*jw));
    jw->buf = buf;
    jw->rc = AB_OK;
}

enum ab_rc ab_jw_rc(const struct ab_jw *jw)
{
    return jw->rc;
}

static void open_container(struct ab_jw *jw, char c)
{
    if (jw->rc == AB_OK && jw->depth + 1 >= AB_JW_MAX_DEPTH) {
        jw_fail(jw, AB_ERR_LIMIT);
        return;
    }
    if (begin_value(jw, 1)) {
        raw(jw, &c, 1);
        jw->depth++;
        jw->need_comma[jw->depth] = false;
    }
}

static void close_container(struct ab_jw *jw, char c)
{
    if (jw->rc != AB_OK) {
        return;
    }
    if (jw->depth == 0 || jw->after_key) {
        jw_fail(jw, AB_ERR_INTERNAL);
        return;
    }
    if (put(jw, &c, 1)) {
        jw->depth--;
    }
}

void ab_jw_obj_open(struct ab_jw *jw)
{
    open_container(jw, '{');
}

void ab_jw_obj_close(struct ab_jw *jw)
{
    close_container(jw, '}');
}

void ab_jw_arr_open(struct ab_jw *jw)
{
    open_container(jw, '[');
}

void ab_jw_arr_close(struct ab_jw *jw)
{
    close_container(jw, ']');
}

/* Room a string of `len` bytes needs up front: all of it when it is
 * escaped in one pass, only the opening quote otherwise. */
static size_t string_room(size_t len)
{
    return len <= ESC_CHUNK ? ESC_RESERVE(len) + 2 : 1;
}

/* A quoted, escaped string, written after string_room(len) bytes were
 * reserved; returns true when a repair was made. */
static bool write_string(struct ab_jw *jw, const char *text, size_t len)
{
    bool repaired = false;
    enum ab_rc rc = AB_OK;

    raw(jw, "\"", 1);
    if (len <= ESC_CHUNK) {
        (void)escape_some(jw->buf, text, len, len, &repaired);
        raw(jw, "\"", 1);
        return repaired;
    }
    rc = ab_json_escape_append(jw->buf, text, len, &repaired);
    if (rc != AB_OK) {
        jw_fail(jw, rc);
        return repaired;
    }
    (void)put(jw, "\"", 1);
    return repaired;
}

void ab_jw_keyn(struct ab_jw *jw, const char *key, size_t len)
{
    if (jw->rc != AB_OK) {
        return;
    }
    if (jw->after_key || jw->depth == 0) {
        jw_fail(jw, AB_ERR_INTERNAL);
        return;
    }
    if (!room(jw, string_room(len) + 2)) {
        return;
    }
    if (jw->need_comma[jw->depth]) {
        raw(jw, ",", 1);
    }
    jw->need_comma[jw->depth] = true;
    (void)write_string(jw, key, len);
    if (put(jw, ":", 1)) {
        jw->after_key = true;
    }
}

enum ab_rc ab_jw_key_encode(struct ab_buf *out, const char *key)
{
    enum ab_rc rc = ab_buf_append_char(out, '"');

    if (rc == AB_OK) {
        rc = ab_json_escape_append(out, key, strlen(key), NULL);
    }
    if (rc == AB_OK) {
        rc = ab_buf_append(out, "\":", 2);
    }
    return rc;
}

void ab_jw_key_encoded(struct ab_jw *jw, const char *encoded, size_t len)
{
    if (jw->rc != AB_OK) {
        return;
    }
    if (jw->after_key || jw->depth == 0) {
        jw_fail(jw, AB_ERR_INTERNAL);
        return;
    }
    if (!room(jw, len + 1)) {
        return;
    }
    if (jw->need_comma[jw->depth]) {
        raw(jw, ",", 1);
    }
    jw->need_comma[jw->depth] = true;
    raw(jw, encoded, len);
    jw->after_key = true;
}

void ab_jw_key(struct ab_jw *jw, const char *key)
{
    ab_jw_keyn(jw, key, strlen(key));
}

bool ab_jw_strn(struct ab_jw *jw, const char *text, size_t len)
{
    if (!begin_value(jw, string_room(len))) {
        return false;
    }
    return write_string(jw, text, len);
}

bool ab_jw_str(struct ab_jw *jw, const char *text)
{
    if (!text) {
        ab_jw_null(jw);
        return false;
    }
    return ab_jw_strn(jw, text, strlen(text));
}

/* ---- numbers ----------------------------------------------------------- */

/* Digits of `v` written backwards ending at `end`; returns their count. */
static size_t u64_digits(uint64_t v, char *end)
{
    char *p = end;
    unsigned idx = 0;

    while (v >= 100) {
        idx = (unsigned)(v % 100) * 2;
        v /= 100;
        p -= 2;
        memcpy(p, digit_pairs + idx, 2);
    }
    if (v >= 10) {
        idx = (unsigned)v * 2;
        p -= 2;
        memcpy(p, digit_pairs + idx, 2);
    } else {
        *--p = (char)('0' + v);
    }
    return (size_t)(end - p);
}

size_t ab_i64_text(int64_t value, char out[AB_I64_TEXT_MAX])
{
    char tmp[AB_I64_TEXT_MAX];
    char *end = tmp + sizeof(tmp);
    uint64_t mag = 0;
    size_t n = 0;

    mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    n = u64_digits(mag, end);
    if (value < 0) {
        end[-(long)n - 1] = '-';
        n++;
    }
    memcpy(out, end - n, n);
    out[n] = '\0';
    return n;
}

void ab_jw_int(struct ab_jw *jw, int64_t value)
{
    if (begin_value(jw, AB_I64_TEXT_MAX)) {
        jw->buf->len += ab_i64_text(value, jw->buf->data + jw->buf->len);
    }
}

void ab_jw_uint(struct ab_jw *jw, uint64_t value)
{
    char tmp[AB_I64_TEXT_MAX];
    size_t n = u64_digits(value, tmp + sizeof(tmp));

    if (begin_value(jw, n)) {
        raw(jw, tmp + sizeof(tmp) - n, n);
    }
}

/* Short decimals (0.25, 19.99, 3) are common in data and slow to find
 * with printf/strtod. If m / 10^k, for the smallest k <= 9 and an exact
 * integer m < 2^53, divides back to exactly `value` (IEEE division is
 * correctly rounded, as strtod is), that decimal text reads back as
 * `value` and is the shortest with that many decimals. Returns its
 * length, or 0 to fall back to printf. */
static size_t short_decimal(double value, char *out)
{
    static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4,
                                  1e5, 1e6, 1e7, 1e8, 1e9 };
    double a = fabs(value);
    char digits[AB_I64_TEXT_MAX];
    uint64_t m = 0;
    size_t k = 0;
    size_t n = 0;
    size_t o = 0;

    for (k = 0; k < sizeof(p10) / sizeof(p10[0]); k++) {
        if (!(a * p10[k] < 9007199254740992.0)) {
            return 0; /* too large (or NaN): printf decides */
        }
        m = (uint64_t)(a * p10[k] + 0.5);
        if ((double)m / p10[k] == a) {
            break;
        }
    }
    if (k == sizeof(p10) / sizeof(p10[0])) {
        return 0;
    }
    n = u64_digits(m, digits + sizeof(digits));
    if (signbit(value)) {
        out[o++] = '-';
    }
    /* Integer part (at least "0"), then the k decimals. */
    if (n <= k) {
        out[o++] = '0';
    } else {
        memcpy(out + o, digits + sizeof(digits) - n, n - k);
        o += n - k;
    }
    if (k > 0) {
        out[o++] = '.';
        memset(out + o, '0', k > n ? k - n : 0);
        o += k > n ? k - n : 0;
        memcpy(out + o, digits + sizeof(digits) - (n < k ? n : k),
               n < k ? n : k);
        o += n < k ? n : k;
    }
    out[o] = '\0';
    return o;
}

size_t ab_double_text(double value, char out[AB_DOUBLE_TEXT_MAX])
{
    static const int precisions[] = { 15, 16, 17 };
    size_t i = 0;
    size_t n = short_decimal(value, out);

    if (n > 0) {
        return n;
    }
    for (i = 0; i < sizeof(precisions) / sizeof(precisions[0]); i++) {
        n = (size_t)snprintf(out, AB_DOUBLE_TEXT_MAX, "%.*g", precisions[i],
                             value);
        if (precisions[i] == 17 || strtod(out, NULL) == value) {
            break;
        }
    }
    return n;
}

void ab_jw_double(struct ab_jw *jw, double value)
{
    char text[AB_DOUBLE_TEXT_MAX];
    size_t n = 0;

    if (!isfinite(value)) {
        ab_jw_null(jw);
        return;
    }
    n = ab_double_text(value, text);
    if (begin_value(jw, n)) {
        raw(jw, text, n);
    }
}

void ab_jw_float(struct ab_jw *jw, double value)
{
    char text[AB_DOUBLE_TEXT_MAX + 2];
    size_t n = 0;

    if (!isfinite(value)) {
        ab_jw_null(jw);
        return;
    }
    n = ab_double_text(value, text);
    if (!memchr(text, '.', n) && !memchr(text, 'e', n)) {
        memcpy(text + n, ".0", 3);
        n += 2;
    }
    if (begin_value(jw, n)) {
        raw(jw, text, n);
    }
}

void ab_jw_bool(struct ab_jw *jw, bool value)
{
    if (begin_value(jw, 5)) {
        raw(jw, value ? "true" : "false", value ? 4 : 5);
    }
}

void ab_jw_null(struct ab_jw *jw)
{
    if (begin_value(jw, 4)) {
        raw(jw, "null", 4);
    }
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Index after the run of digits starting at t[i]. */
static size_t skip_digits(const unsigned char *t, size_t len, size_t i)
{
    while (i < len && is_digit(t[i])) {
        i++;
    }
    return i;
}

/* Index after an optional ".digits" at t[i]; 0 when the dot has no
 * digits after it. */
static size_t scan_fraction(const unsigned char *t, size_t len, size_t i)
{
    size_t end = 0;

    if (i >= len || t[i] != '.') {
        return i;
    }
    end = skip_digits(t, len, i + 1);
    return end == i + 1 ? 0 : end;
}

/* Index after an optional exponent at t[i]; 0 when it has no digits. */
static size_t scan_exponent(const unsigned char *t, size_t len, size_t i)
{
    size_t end = 0;

    if (i >= len || (t[i] != 'e' && t[i] != 'E')) {
        return i;
    }
    i++;
    if (i < len && (t[i] == '+' || t[i] == '-')) {
        i++;
    }
    end = skip_digits(t, len, i);
    return end == i ? 0 : end;
}

/* Length of the JSON number at t[0..len) (RFC 8259 grammar), 0 if there
 * is none. */
static size_t scan_number(const unsigned char *t, size_t len)
{
    size_t i = 0;

    if (i < len && t[i] == '-') {
        i++;
    }
    if (i >= len || !is_digit(t[i])) {
        return 0;
    }
    /* No leading zeros: "0" stands alone before a fraction/exponent. */
    i = t[i] == '0' ? i + 1 : skip_digits(t, len, i);
    i = scan_fraction(t, len, i);
    return i == 0 ? 0 : scan_exponent(t, len, i);
}

bool ab_json_number_valid(const char *text, size_t len)
{
    return len > 0 && scan_number((const unsigned char *)text, len) == len;
}

bool ab_jw_number_text(struct ab_jw *jw, const char *text, size_t len)
{
    if (!ab_json_number_valid(text, len)) {
        return false;
    }
    if (begin_value(jw, len)) {
        raw(jw, text, len);
    }
    return true;
}

/* ---- validation of JSON text ------------------------------------------- */

struct jparse {
    const unsigned char *p;
    size_t len;
    size_t pos;
    unsigned depth;
};

static bool parse_value(struct jparse *jp);

static void skip_ws(struct jparse *jp)
{
    while (jp->pos < jp->len) {
        unsigned char c = jp->p[jp->pos];

        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            break;
        }
        jp->pos++;
    }
}

static bool eat(struct jparse *jp, unsigned char c)
{
    skip_ws(jp);
    if (jp->pos < jp->len && jp->p[jp->pos] == c) {
        jp->pos++;
        return true;
    }
    return false;
}

/* Four hex digits at pos; -1 when they are not there. */
static long hex4(const struct jparse *jp, size_t pos)
{
    long value = 0;
    size_t i = 0;
    unsigned char c = 0;

    if (pos > jp->len || jp->len - pos < 4) {
        return -1;
    }
    for (i = 0; i < 4; i++) {
        c = jp->p[pos + i];
        value <<= 4;
        if (is_digit(c)) {
            value |= c - '0';
        } else if (c >= 'a' && c <= 'f') {
            value |= c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            value |= c - 'A' + 10;
        } else {
            return -1;
        }
    }
    return value;
}

/* A \u escape at pos (the backslash); surrogates must come in valid
 * pairs, as jansson and strict decoders require. */
static bool parse_unicode_escape(struct jparse *jp)
{
    long first = hex4(jp, jp->pos + 2);
    long second = 0;

    if (first < 0 || (first >= 0xDC00 && first <= 0xDFFF)) {
        return false;
    }
    jp->pos += 6;
    if (first < 0xD800 || first > 0xDBFF) {
        return true;
    }
    if (jp->len - jp->pos < 6 || jp->p[jp->pos] != '\\' ||
        jp->p[jp->pos + 1] != 'u') {
        return false;
    }
    second = hex4(jp, jp->pos + 2);
    if (second < 0xDC00 || second > 0xDFFF) {
        return false;
    }
    jp->pos += 6;
    return true;
}

static bool parse_escape(struct jparse *jp)
{
    unsigned char c = 0;

    if (jp->pos + 1 >= jp->len) {
        return false;
    }
    c = jp->p[jp->pos + 1];
    if (c == 'u') {
        return parse_unicode_escape(jp);
    }
    if (!strchr("\"\\/bfnrt", c) || c == '\0') {
        return false;
    }
    jp->pos += 2;
    return true;
}

static bool parse_string(struct jparse *jp)
{
    unsigned char c = 0;
    size_t n = 0;
    bool valid = false;

    if (!eat(jp, '"')) {
        return false;
    }
    while (jp->pos < jp->len) {
        c = jp->p[jp->pos];
        if (str_class[c] == 0) {
            jp->pos++;
        } else if (c == '"') {
            jp->pos++;
            return true;
        } else if (c == '\\') {
            if (!parse_escape(jp)) {
                return false;
            }
        } else if (c < 0x80) {
            return false; /* raw control character */
        } else {
            n = ab_utf8_seq((const char *)jp->p + jp->pos, jp->len - jp->pos,
                            &valid);
            if (!valid) {
                return false;
            }
            jp->pos += n;
        }
    }
    return false;
}

static bool parse_array(struct jparse *jp)
{
    jp->pos++;
    if (eat(jp, ']')) {
        return true;
    }
    do {
        if (!parse_value(jp)) {
            return false;
        }
    } while (eat(jp, ','));
    return eat(jp, ']');
}

static bool parse_object(struct jparse *jp)
{
    jp->pos++;
    if (eat(jp, '}')) {
        return true;
    }
    do {
        if (!parse_string(jp) || !eat(jp, ':') || !parse_value(jp)) {
            return false;
        }
    } while (eat(jp, ','));
    return eat(jp, '}');
}

static bool parse_container(struct jparse *jp, unsigned char c)
{
    bool ok = false;

    if (jp->depth >= AB_JSON_MAX_DEPTH) {
        return false;
    }
    jp->depth++;
    ok = c == '[' ? parse_array(jp) : parse_object(jp);
    jp->depth--;
    return ok;
}

static bool parse_literal(struct jparse *jp, const char *word)
{
    size_t n = strlen(word);

    if (jp->len - jp->pos < n || memcmp(jp->p + jp->pos, word, n) != 0) {
        return false;
    }
    jp->pos += n;
    return true;
}

static bool parse_value(struct jparse *jp)
{
    unsigned char c = 0;
    size_t n = 0;

    skip_ws(jp);
    if (jp->pos >= jp->len) {
        return false;
    }
    c = jp->p[jp->pos];
    switch (c) {
    case '{':
    case '[':
        return parse_container(jp, c);
    case '"':
        return parse_string(jp);
    case 't':
        return parse_literal(jp, "true");
    case 'f':
        return parse_literal(jp, "false");
    case 'n':
        return parse_literal(jp, "null");
    default:
        n = scan_number(jp->p + jp->pos, jp->len - jp->pos);
        jp->pos += n;
        return n > 0;
    }
}

bool ab_json_text_valid(const char *text, size_t len)
{
    struct jparse jp = { (const unsigned char *)text, len, 0, 0 };

    if (!parse_value(&jp)) {
        return false;
    }
    skip_ws(&jp);
    return jp.pos == jp.len;
}

/* Copy valid JSON text dropping whitespace outside strings; `out` has
 * room for len bytes. Returns the bytes written. */
static size_t copy_compact(char *out, const char *in, size_t len)
{
    size_t i = 0;
    size_t o = 0;
    bool in_str = false;
    bool esc = false;
    char c = 0;

    for (i = 0; i < len; i++) {
        c = in[i];
        if (in_str) {
            if (esc) {
                esc = false;
            } else if (c == '\\') {
                esc = true;
            } else if (c == '"') {
                in_str = false;
            }
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            continue;
        } else if (c == '"') {
            in_str = true;
        }
        out[o++] = c;
    }
    return o;
}

bool ab_jw_raw_json(struct ab_jw *jw, const char *text, size_t len)
{
    struct ab_buf *buf = jw->buf;

    if (!ab_json_text_valid(text, len)) {
        return false;
    }
    if (begin_value(jw, len)) {
        buf->len += copy_compact(buf->data + buf->len, text, len);
        buf->data[buf->len] = '\0';
    }
    return true;
}

/* ---- other values ------------------------------------------------------ */

void ab_jw_json(struct ab_jw *jw, const json_t *value)
{
    const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
    size_t need = 0;

    if (!value) {
        ab_jw_null(jw);
        return;
    }
    if (jw->rc != AB_OK) {
        return;
    }
    /* Every JSON text is at least one byte long, so 0 means jansson
     * failed, which for values built through its checked API can only be
     * an allocation failure (dumping tracks visited containers). */
    need = json_dumpb(value, NULL, 0, flags);
    if (need == 0) {
        jw_fail(jw, AB_ERR_NOMEM);
        return;
    }
    if (!begin_value(jw, need)) {
        return;
    }
    if (json_dumpb(value, jw->buf->data + jw->buf->len, need, flags) != need) {
        jw_fail(jw, AB_ERR_NOMEM);
        return;
    }
    jw->buf->len += need;
    jw->buf->data[jw->buf->len] = '\0';
}

void ab_jw_base64(struct ab_jw *jw, const void *data, size_t len)
{
    enum ab_rc rc = AB_OK;

    if (!begin_value(jw, 1)) {
        return;
    }
    raw(jw, "\"", 1);
    rc = ab_base64_append(jw->buf, data, len);
    if (rc != AB_OK) {
        jw_fail(jw, rc);
        return;
    }
    (void)put(jw, "\"", 1);
}
