/*
 * SQL text building: identifiers, literals, keyset and cursor conditions
 * and the chunk SELECT. Pure string functions (no connection), so every
 * WHERE clause the connector can send is unit-tested.
 *
 * Quoting rules: identifiers are always backquoted with inner backquotes
 * doubled; character literals are written as _utf8mb4 X'<hex>' so no
 * sql_mode (NO_BACKSLASH_ESCAPES, ANSI_QUOTES) can change their meaning;
 * numbers are validated and written unquoted so DECIMAL and BIGINT
 * compare exactly; dates are validated and quoted.
 */
#ifndef SM_QUERY_H
#define SM_QUERY_H

#include <ab/setup.h>
#include <ab/buf.h>
#include <ab/rc.h>

#include "state.h"
#include "types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* `name` (backquoted, inner backquotes doubled). */
AB_NODISCARD enum ab_rc sm_sql_ident(struct ab_buf *b, const char *name);

/* `db`.`table` */
AB_NODISCARD enum ab_rc sm_sql_table(struct ab_buf *b, const char *db,
                                     const char *table);

/* A character literal: '' when empty, else _utf8mb4 X'<hex>'. */
AB_NODISCARD enum ab_rc sm_sql_string(struct ab_buf *b, const char *text,
                                      size_t len);

/* Validators for values coming back from a state file. */
bool sm_numeric_literal_ok(const char *text, size_t len);
bool sm_temporal_literal_ok(const char *text, size_t len);
bool sm_hex_literal_ok(const char *text, size_t len);

/*
 * The SQL literal of a state value for a column written as `lit`.
 * AB_ERR_PARSE (nothing appended) when the value is not valid for it.
 */
AB_NODISCARD enum ab_rc sm_sql_value(struct ab_buf *b, enum sm_lit lit,
                                     const char *text, size_t len);

/* A key or cursor column (borrowed name). */
struct sm_keycol {
    const char *name;
    enum sm_lit lit;
};

/*
 * Keyset condition "rows after vals" for the ordered key cols[0..n):
 * one column: `a` > va; more: `a` >= va AND (`a` > va OR (`a` = va AND
 * (`b` > vb ...))), the expanded form every optimizer turns into ranges.
 */
AB_NODISCARD enum ab_rc sm_sql_keyset(struct ab_buf *b,
                                      const struct sm_keycol *cols, size_t n,
                                      const struct ab_buf *vals);

/*
 * Incremental condition for position `st` (may append nothing):
 *   cursor known, key known:   c >= cv AND (c > cv OR (c = cv AND key))
 *   cursor known, no key:      c > cv
 *   among NULL cursors:        ((c IS NULL AND key) OR c IS NOT NULL)
 *   NULL cursors done:         c IS NOT NULL
 *   nothing read yet:          (nothing)
 */
AB_NODISCARD enum ab_rc sm_sql_incr_where(struct ab_buf *b,
                                          const struct sm_keycol *cursor,
                                          const struct sm_keycol *keys,
                                          size_t nkeys,
                                          const struct sm_state *st);

/* One chunk query. */
struct sm_select {
    const char *columns;            /* select list */
    const char *from;               /* `db`.`table` */
    const struct sm_keycol *cursor; /* NULL: full refresh */
    const struct sm_keycol *keys;
    size_t nkeys;
    uint64_t limit; /* 0: no LIMIT */
};

/* SELECT ... FROM ... [WHERE ...] [ORDER BY ...] [LIMIT n] for position
 * `pos` (into `out`, reset first). AB_ERR_PARSE on an invalid state
 * value. */
AB_NODISCARD enum ab_rc sm_sql_select(struct ab_buf *out,
                                      const struct sm_select *q,
                                      const struct sm_state *pos);

#endif /* SM_QUERY_H */
