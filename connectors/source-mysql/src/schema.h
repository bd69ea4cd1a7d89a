/*
 * Table metadata from information_schema: tables and views of the
 * configured database (filtered by the `tables` patterns and
 * include_views), their columns with kinds and policies, primary keys
 * and MariaDB JSON checks. Loaded with one query per information_schema
 * table; shared by check, discover and read. Read also loads the ordered
 * indexes (one more query) to choose how incremental streams are read.
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

/* The leading whole-column parts of one B-tree index. */
struct sm_index {
    size_t *cols; /* owned: indexes into the table's cols, index order */
    size_t ncols;
    bool cut; /* a prefix or expression part ended the list */
};

struct sm_table {
    char *name;    /* owned */
    char *comment; /* owned, NULL when empty */
    bool is_view;
    bool innodb;   /* secondary indexes end with the primary key columns */
    int64_t rows;  /* estimate, -1 when unknown */
    int64_t bytes; /* estimate, -1 when unknown */
    struct sm_column *cols; /* owned array in ordinal order */
    size_t ncols;
    size_t *pk; /* owned: indexes into cols, key order */
    size_t npk;
    struct sm_index *indexes; /* owned; only after sm_schema_load_indexes */
    size_t nindexes;
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

/*
 * Add the B-tree indexes of the loaded tables (one STATISTICS query,
 * restricted like sm_schema_load by `only`).
 */
AB_NODISCARD enum ab_rc
sm_schema_load_indexes(struct sm_conn *c, const struct sm_options *o,
                       const char *const *only, size_t only_count,
                       struct sm_schema *s, struct ab_error *err);

void sm_schema_cleanup(struct sm_schema *s);

/* The table named `name` (borrowed) or NULL. */
const struct sm_table *sm_schema_find(const struct sm_schema *s,
                                      const char *name);

/* The column named `name` of `t` or NULL. */
const struct sm_column *sm_table_column(const struct sm_table *t,
                                        const char *name);

/*
 * True when an index of `t` returns its rows in the order (cursor, primary
 * key), so a chunk (ORDER BY cursor, key LIMIT n) can read an index range
 * instead of sorting the table: the index starts with the cursor, and
 * its next parts are the key columns (the cursor left out) in key order,
 * all of them or (InnoDB, which ends every secondary index with the
 * missing key columns, and no prefix part in between) a leading part.
 */
bool sm_table_orders_by(const struct sm_table *t, size_t cursor);

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
