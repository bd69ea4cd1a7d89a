/*
 * SQL text building (see query.h for the quoting rules).
 */
#include <ab/setup.h>

#include "query.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

enum ab_rc sm_sql_ident(struct ab_buf *b, const char *name)
{
    enum ab_rc rc = ab_buf_append_char(b, '`');
    const char *p = name;

    for (; rc == AB_OK && *p != '\0'; p++) {
        if (*p == '`') {
            rc = ab_buf_append_char(b, '`');
        }
        if (rc == AB_OK) {
            rc = ab_buf_append_char(b, *p);
        }
    }
    return rc == AB_OK ? ab_buf_append_char(b, '`') : rc;
}

enum ab_rc sm_sql_table(struct ab_buf *b, const char *db, const char *table)
{
    enum ab_rc rc = sm_sql_ident(b, db);

    if (rc == AB_OK) {
        rc = ab_buf_append_char(b, '.');
    }
    return rc == AB_OK ? sm_sql_ident(b, table) : rc;
}

static enum ab_rc append_hex(struct ab_buf *b, const char *text, size_t len)
{
    static const char digits[] = "0123456789ABCDEF";
    enum ab_rc rc = ab_buf_reserve(b, 2 * len + 1);
    size_t i;

    if (rc != AB_OK) {
        return rc;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        b->data[b->len++] = digits[c >> 4];
        b->data[b->len++] = digits[c & 15];
    }
    b->data[b->len] = '\0';
    return AB_OK;
}

enum ab_rc sm_sql_string(struct ab_buf *b, const char *text, size_t len)
{
    enum ab_rc rc = AB_OK;

    if (len == 0) {
        return ab_buf_append_str(b, "''");
    }
    rc = ab_buf_append_str(b, "_utf8mb4 X'");
    if (rc == AB_OK) {
        rc = append_hex(b, text, len);
    }
    return rc == AB_OK ? ab_buf_append_char(b, '\'') : rc;
}

static size_t span_digits(const char *t, size_t len)
{
    size_t n = 0;

    while (n < len && isdigit((unsigned char)t[n])) {
        n++;
    }
    return n;
}

/* -?D+(.D+)?([eE][+-]?D+)? */
bool sm_numeric_literal_ok(const char *text, size_t len)
{
    size_t i = len > 0 && text[0] == '-' ? 1 : 0;
    size_t n = span_digits(text + i, len - i);

    if (n == 0) {
        return false;
    }
    i += n;
    if (i < len && text[i] == '.') {
        n = span_digits(text + i + 1, len - i - 1);
        if (n == 0) {
            return false;
        }
        i += n + 1;
    }
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        i += i < len && (text[i] == '+' || text[i] == '-') ? 1 : 0;
        n = span_digits(text + i, len - i);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return i == len;
}

/* Dates, datetimes and times as the server prints them ('T' allowed). */
bool sm_temporal_literal_ok(const char *text, size_t len)
{
    size_t i;

    if (len == 0 || len > 32 || !isdigit((unsigned char)text[len - 1])) {
        return false;
    }
    for (i = 0; i < len; i++) {
        if (!isdigit((unsigned char)text[i]) &&
            strchr(" :.T-", text[i]) == NULL) {
            return false;
        }
    }
    return true;
}

bool sm_hex_literal_ok(const char *text, size_t len)
{
    size_t i;

    if (len % 2 != 0) {
        return false;
    }
    for (i = 0; i < len; i++) {
        if (!isxdigit((unsigned char)text[i])) {
            return false;
        }
    }
    return true;
}

static enum ab_rc quoted_temporal(struct ab_buf *b, const char *text,
                                  size_t len)
{
    enum ab_rc rc = ab_buf_append_char(b, '\'');
    size_t i;

    for (i = 0; rc == AB_OK && i < len; i++) {
        rc = ab_buf_append_char(b, text[i] == 'T' ? ' ' : text[i]);
    }
    return rc == AB_OK ? ab_buf_append_char(b, '\'') : rc;
}

enum ab_rc sm_sql_value(struct ab_buf *b, enum sm_lit lit, const char *text,
                        size_t len)
{
    enum ab_rc rc = AB_OK;

    switch (lit) {
    case SM_LIT_NUMBER:
        if (!sm_numeric_literal_ok(text, len)) {
            return AB_ERR_PARSE;
        }
        return ab_buf_append(b, text, len);
    case SM_LIT_TEMPORAL:
        if (!sm_temporal_literal_ok(text, len)) {
            return AB_ERR_PARSE;
        }
        return quoted_temporal(b, text, len);
    case SM_LIT_TEXT:
        return sm_sql_string(b, text, len);
    case SM_LIT_BINARY:
        if (!sm_hex_literal_ok(text, len)) {
            return AB_ERR_PARSE;
        }
        rc = ab_buf_append_str(b, "X'");
        if (rc == AB_OK) {
            rc = ab_buf_append(b, text, len);
        }
        return rc == AB_OK ? ab_buf_append_char(b, '\'') : rc;
    default:
        return AB_ERR_PARSE;
    }
}

/* `col` <op> <value> */
static enum ab_rc compare(struct ab_buf *b, const struct sm_keycol *col,
                          const char *op, const struct ab_buf *val)
{
    enum ab_rc rc = sm_sql_ident(b, col->name);

    if (rc == AB_OK) {
        rc = ab_buf_append_str(b, op);
    }
    if (rc == AB_OK) {
        rc = sm_sql_value(b, col->lit, val->len > 0 ? val->data : "", val->len);
    }
    return rc;
}

/* (`a` > va OR (`a` = va AND <rest>)), recursively; last: `z` > vz. */
static enum ab_rc keyset_tail(struct ab_buf *b, const struct sm_keycol *cols,
                              size_t n, const struct ab_buf *vals)
{
    enum ab_rc rc = AB_OK;

    if (n == 1) {
        return compare(b, cols, " > ", vals);
    }
    rc = ab_buf_append_char(b, '(');
    if (rc == AB_OK) {
        rc = compare(b, cols, " > ", vals);
    }
    if (rc == AB_OK) {
        rc = ab_buf_append_str(b, " OR (");
    }
    if (rc == AB_OK) {
        rc = compare(b, cols, " = ", vals);
    }
    if (rc == AB_OK) {
        rc = ab_buf_append_str(b, " AND ");
    }
    if (rc == AB_OK) {
        rc = keyset_tail(b, cols + 1, n - 1, vals + 1);
    }
    return rc == AB_OK ? ab_buf_append_str(b, "))") : rc;
}

enum ab_rc sm_sql_keyset(struct ab_buf *b, const struct sm_keycol *cols,
                         size_t n, const struct ab_buf *vals)
{
    enum ab_rc rc = AB_OK;

    if (n == 0) {
        return AB_ERR_INTERNAL;
    }
    if (n > 1) {
        rc = compare(b, cols, " >= ", vals);
        if (rc == AB_OK) {
            rc = ab_buf_append_str(b, " AND ");
        }
    }
    return rc == AB_OK ? keyset_tail(b, cols, n, vals) : rc;
}

/*
 * c >= cv AND (c > cv OR (c = cv AND key))
 * KNOWN-ISSUE(MY-3): a cursor only moves forward: deleted rows, rows
 * committed late with an older cursor value, and rows updated to the
 * stored cursor value with a lower key are not seen again.
 */
static enum ab_rc after_cursor_and_key(struct ab_buf *b,
                                       const struct sm_keycol *cursor,
                                       const struct sm_keycol *keys,
                                       size_t nkeys, const struct sm_state *st)
{
    enum ab_rc rc = compare(b, cursor, " >= ", &st->cursor);

    if (rc == AB_OK) {
        rc = ab_buf_append_str(b, " AND (");
    }
    if (rc == AB_OK) {
        rc = compare(b, cursor, " > ", &st->cursor);
    }
    if (rc == AB_OK) {
        rc = ab_buf_append_str(b, " OR (");
    }
    if (rc == AB_OK) {
        rc = compare(b, cursor, " = ", &st->cursor);
    }
    if (rc == AB_OK) {
        rc = ab_buf_append_str(b, " AND ");
    }
    if (rc == AB_OK) {
        rc = sm_sql_keyset(b, keys, nkeys, st->pk_values);
    }
    return rc == AB_OK ? ab_buf_append_str(b, "))") : rc;
}

/* ((c IS NULL AND key) OR c IS NOT NULL) */
static enum ab_rc among_nulls(struct ab_buf *b, const struct sm_keycol *c,
                              const struct sm_keycol *keys, size_t nkeys,
                              const struct sm_state *st)
{
    enum ab_rc rc = ab_buf_append_str(b, "((");

    if (rc == AB_OK) {
        rc = sm_sql_ident(b, c->name);
    }
    if (rc == AB_OK) {
        rc = ab_buf_append_str(b, " IS NULL AND ");
    }
    if (rc == AB_OK) {
        rc = sm_sql_keyset(b, keys, nkeys, st->pk_values);
    }
    if (rc == AB_OK) {
        rc = ab_buf_append_str(b, ") OR ");
    }
    if (rc == AB_OK) {
        rc = sm_sql_ident(b, c->name);
    }
    return rc == AB_OK ? ab_buf_append_str(b, " IS NOT NULL)") : rc;
}

enum ab_rc sm_sql_incr_where(struct ab_buf *b, const struct sm_keycol *cursor,
                             const struct sm_keycol *keys, size_t nkeys,
                             const struct sm_state *st)
{
    enum ab_rc rc = AB_OK;
    bool key = nkeys > 0 && st->has_pk && st->pk_count == nkeys;

    if (st->has_cursor && key) {
        return after_cursor_and_key(b, cursor, keys, nkeys, st);
    }
    if (st->has_cursor) {
        return compare(b, cursor, " > ", &st->cursor);
    }
    if (st->nulls_done) {
        rc = sm_sql_ident(b, cursor->name);
        return rc == AB_OK ? ab_buf_append_str(b, " IS NOT NULL") : rc;
    }
    if (key) {
        return among_nulls(b, cursor, keys, nkeys, st);
    }
    return AB_OK;
}

static enum ab_rc append_where(struct ab_buf *out, const struct sm_select *q,
                               const struct sm_state *pos)
{
    size_t mark = out->len;
    enum ab_rc rc = ab_buf_append_str(out, " WHERE ");
    size_t body = out->len;

    if (rc != AB_OK) {
        return rc;
    }
    if (q->cursor != NULL) {
        rc = sm_sql_incr_where(out, q->cursor, q->keys, q->nkeys, pos);
    } else if (q->nkeys > 0 && pos->has_pk && pos->pk_count == q->nkeys) {
        rc = sm_sql_keyset(out, q->keys, q->nkeys, pos->pk_values);
    }
    if (rc == AB_OK && out->len == body) {
        /* No condition: drop " WHERE ". */
        out->len = mark;
        out->data[mark] = '\0';
    }
    return rc;
}

static enum ab_rc append_order(struct ab_buf *out, const struct sm_select *q)
{
    enum ab_rc rc = AB_OK;
    size_t i;

    if (q->cursor == NULL && q->nkeys == 0) {
        return AB_OK;
    }
    rc = ab_buf_append_str(out, " ORDER BY ");
    if (rc == AB_OK && q->cursor != NULL) {
        rc = sm_sql_ident(out, q->cursor->name);
    }
    for (i = 0; rc == AB_OK && i < q->nkeys; i++) {
        if (i > 0 || q->cursor != NULL) {
            rc = ab_buf_append_char(out, ',');
        }
        if (rc == AB_OK) {
            rc = sm_sql_ident(out, q->keys[i].name);
        }
    }
    return rc;
}

enum ab_rc sm_sql_select(struct ab_buf *out, const struct sm_select *q,
                         const struct sm_state *pos)
{
    enum ab_rc rc = AB_OK;

    ab_buf_reset(out);
    rc = ab_buf_appendf(out, "SELECT %s FROM %s", q->columns, q->from);
    if (rc == AB_OK) {
        rc = append_where(out, q, pos);
    }
    if (rc == AB_OK) {
        rc = append_order(out, q);
    }
    if (rc == AB_OK && q->limit > 0) {
        rc = ab_buf_appendf(out, " LIMIT %" PRIu64, q->limit);
    }
    return rc;
}
