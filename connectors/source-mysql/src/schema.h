/*
 * Table metadata from information_schema: tables and views of the
 * configured database (filtered by the `tables` patterns and
 * include_views), their columns with kinds and policies, primary keys
 * and MariaDB JSON checks. Loaded with one query per information_schema
 * table; shared by check, discover and read.
 */
#ifndef SM_SCHEMA_H
#define SM_SCHEMA_H

#include <ab/setup.h>
#include <ab/buf.h>
#include <ab/rc.h>

#include "conn.h"
#include "options.h"
#include "policy.h"
#include "types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sm_column {
    char *name;        /* owned */
    char *comment;     /* owned, NULL when empty */
    char *data_type;   /* owned */
    char *column_type; /* owned */
    bool nullable;
    bool binary_charset;
    bool json_check;
    enum sm_kind kind; /* final, after the JSON checks */
    enum sm_action action;
    bool in_pk;
};

struct sm_table {
    char *name;    /* owned */
    char *comment; /* owned, NULL when empty */
    bool is_view;
    int64_t rows;           /* estimate, -1 when unknown */
    int64_t bytes;          /* estimate, -1 when unknown */
    struct sm_column *cols; /* owned array in ordinal order */
    size_t ncols;
    size_t *pk; /* owned: indexes into cols, key order */
    size_t npk;
};

struct sm_schema {
    struct sm_table *tables; /* owned, sorted by name (strcmp) */
    size_t count;
};

/*
 * Load the metadata. `only` (may be NULL) restricts the load to these
 * table names (read loads just the configured streams). Policies and
 * kinds are applied from `o`.
 */
AB_NODISCARD enum ab_rc sm_schema_load(struct sm_conn *c,
                                       const struct sm_options *o,
                                       const char *const *only,
                                       size_t only_count, struct sm_schema *out,
                                       struct ab_error *err);

void sm_schema_cleanup(struct sm_schema *s);

/* The table named `name` (borrowed) or NULL. */
const struct sm_table *sm_schema_find(const struct sm_schema *s,
                                      const char *name);

/* The column named `name` of `t` or NULL. */
const struct sm_column *sm_table_column(const struct sm_table *t,
                                        const char *name);

/*
 * The name of the column a MariaDB CHECK clause validates as JSON, e.g.
 * "json_valid(`data`)" -> "data" (quotes ` or "), into `out` (reset
 * first). False when the clause is anything else.
 */
bool sm_json_check_column(const char *clause, struct ab_buf *out);

/* The " AND (TABLE_NAME LIKE .. OR ..)[ AND TABLE_NAME IN (..)]" filter
 * for the `tables` patterns and `only` names, appended to `b`. */
AB_NODISCARD enum ab_rc sm_table_filter(struct ab_buf *b,
                                        const json_t *patterns,
                                        const char *const *only,
                                        size_t only_count);

#endif /* SM_SCHEMA_H */
