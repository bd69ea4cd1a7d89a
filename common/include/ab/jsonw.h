/*
 * Streaming JSON writer. Values are appended straight into an ab_buf, so a
 * record is serialised without building a tree per row (jansson stays for
 * config, catalog, state and the small messages). Commas are tracked per
 * nesting level. Errors are sticky: after the first failure every call is
 * a no-op and ab_jw_rc() reports it, so hot loops test once per record.
 */
#ifndef AB_JSONW_H
#define AB_JSONW_H

#include "ab/setup.h"
#include "ab/buf.h"
#include "ab/rc.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AB_JW_MAX_DEPTH 64
/* Nesting limit of JSON text accepted by ab_jw_raw_json (MySQL's own JSON
 * type stops at 100). */
#define AB_JSON_MAX_DEPTH 256
/* Buffer sizes for ab_i64_text and ab_double_text, NUL included. */
#define AB_I64_TEXT_MAX 24
#define AB_DOUBLE_TEXT_MAX 32

/* Caller-owned; `buf` is borrowed and must outlive the writer. */
struct ab_jw {
    struct ab_buf *buf;
    unsigned depth;
    bool need_comma[AB_JW_MAX_DEPTH];
    bool after_key;
    enum ab_rc rc;
};

void ab_jw_init(struct ab_jw *jw, struct ab_buf *buf);
/* First error, AB_OK if none. */
enum ab_rc ab_jw_rc(const struct ab_jw *jw);

void ab_jw_obj_open(struct ab_jw *jw);
void ab_jw_obj_close(struct ab_jw *jw);
void ab_jw_arr_open(struct ab_jw *jw);
void ab_jw_arr_close(struct ab_jw *jw);

/*
 * Append the member prefix `"key":` (escaped, quoted, with the colon) to
 * `out`, for ab_jw_key_encoded. Invalid UTF-8 is repaired.
 */
AB_NODISCARD enum ab_rc ab_jw_key_encode(struct ab_buf *out, const char *key);

/*
 * A key prepared by ab_jw_key_encode (`encoded` borrowed, `len` bytes).
 * Records write the same keys for every row, so a connector escapes them
 * once per stream instead of once per value.
 */
void ab_jw_key_encoded(struct ab_jw *jw, const char *encoded, size_t len);

/* Object key; `key` must be NUL-terminated. Invalid UTF-8 is repaired. */
void ab_jw_key(struct ab_jw *jw, const char *key);
void ab_jw_keyn(struct ab_jw *jw, const char *key, size_t len);

/*
 * String value: escapes quotes, backslashes and control characters and
 * replaces each invalid UTF-8 sequence with U+FFFD. Returns true when a
 * repair was made, so the caller can note it in the record's meta.changes.
 */
bool ab_jw_strn(struct ab_jw *jw, const char *text, size_t len);
bool ab_jw_str(struct ab_jw *jw, const char *text);

void ab_jw_int(struct ab_jw *jw, int64_t value);
void ab_jw_uint(struct ab_jw *jw, uint64_t value);
/* Non-finite values are written as null (JSON has no NaN). */
void ab_jw_double(struct ab_jw *jw, double value);
/* Like ab_jw_double, but always reads as a floating-point number: a
 * decimal point is added to integral values (250 -> 250.0), as Airbyte
 * wants for TRACE emitted_at and sourceStats.recordCount. */
void ab_jw_float(struct ab_jw *jw, double value);
void ab_jw_bool(struct ab_jw *jw, bool value);
void ab_jw_null(struct ab_jw *jw);

/*
 * A number given as text (e.g. a DECIMAL from a database), written exactly
 * as given. Returns false and writes nothing when `text` is not a valid
 * JSON number; the caller then decides (string, null plus a change note).
 */
bool ab_jw_number_text(struct ab_jw *jw, const char *text, size_t len);

/*
 * A complete JSON document given as text (e.g. a JSON column), validated
 * and then copied (compacted: insignificant whitespace outside strings is
 * dropped, so the output stays one line). Returns false and writes nothing
 * when it is not valid JSON or not valid UTF-8.
 */
bool ab_jw_raw_json(struct ab_jw *jw, const char *text, size_t len);

/* A jansson value, dumped compactly (JSON_COMPACT). */
void ab_jw_json(struct ab_jw *jw, const json_t *value);

/* Binary data as a base64 string (RFC 4648, with padding). */
void ab_jw_base64(struct ab_jw *jw, const void *data, size_t len);

/* Validation only: true when text[0..len) is one valid JSON value
 * (RFC 8259, UTF-8, surrogate escapes in pairs, nesting at most
 * AB_JSON_MAX_DEPTH). */
bool ab_json_text_valid(const char *text, size_t len);

/* True when text[0..len) is exactly one JSON number. */
bool ab_json_number_valid(const char *text, size_t len);

/*
 * Append the JSON string escape of text[0..len) (no quotes) to `buf`:
 * the same escaping ab_jw_strn uses, invalid UTF-8 repaired with U+FFFD
 * (then *repaired is set; `repaired` may be NULL). On failure the buffer
 * may hold part of the text.
 */
AB_NODISCARD enum ab_rc ab_json_escape_append(struct ab_buf *buf,
                                              const char *text, size_t len,
                                              bool *repaired);

/* Decimal text of an integer (hand-rolled, no locale); returns its
 * length. `out` must hold AB_I64_TEXT_MAX bytes. */
size_t ab_i64_text(int64_t value, char out[AB_I64_TEXT_MAX]);

/* Shortest of %.15g, %.16g, %.17g that reads back as `value` (finite
 * values only); returns its length. */
size_t ab_double_text(double value, char out[AB_DOUBLE_TEXT_MAX]);

#endif /* AB_JSONW_H */
