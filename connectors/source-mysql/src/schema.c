/*
 * information_schema loading (see schema.h). Rows of each query are
 * matched to tables by name with a binary search over the table array, so
 * the cost is O(rows log tables) whatever the order the server uses.
 */
#include <ab/setup.h>

#include "schema.h"

#include "query.h"
#include "sql.h"

#include <ab/alloc.h>
#include <ab/msg.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#define SM_SQL_MAX (16u * 1024u * 1024u)

static enum ab_rc grow(void **items, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap > 0 ? *cap : 8;
    void *p = NULL;

    if (need <= *cap) {
        return AB_OK;
    }
    while (n < need) {
        n *= 2;
    }
    p = ab_realloc(*items, n * size);
    if (p == NULL) {
        return AB_ERR_NOMEM;
    }
    *items = p;
    *cap = n;
    return AB_OK;
}

/* Duplicate a possibly NULL or empty row value; empty -> NULL when
 * `empty_null`. Sets *bad on allocation failure. */
static char *dup_val(const char *v, bool empty_null, bool *bad)
{
    char *copy = NULL;

    if (v == NULL || (empty_null && *v == '\0')) {
        return empty_null ? NULL : dup_val("", false, bad);
    }
    copy = ab_strdup(v);
    *bad |= copy == NULL;
    return copy;
}

static int64_t num_val(const char *v)
{
    return v != NULL ? strtoll(v, NULL, 10) : -1;
}

static int table_cmp(const void *a, const void *b)
{
    const struct sm_table *x = a;
    const struct sm_table *y = b;

    return strcmp(x->name, y->name);
}

const struct sm_table *sm_schema_find(const struct sm_schema *s,
                                      const char *name)
{
    struct sm_table key;

    memset(&key, 0, sizeof(key));
    key.name = (char *)(uintptr_t)name; /* read only: bsearch key */
    if (s->count == 0) {
        return NULL;
    }
    return bsearch(&key, s->tables, s->count, sizeof(*s->tables), table_cmp);
}

static struct sm_table *find_mut(struct sm_schema *s, const char *name)
{
    return (struct sm_table *)(uintptr_t)sm_schema_find(s, name);
}

static ssize_t column_index(const struct sm_table *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->ncols; i++) {
        if (strcmp(t->cols[i].name, name) == 0) {
            return (ssize_t)i;
        }
    }
    return -1;
}

const struct sm_column *sm_table_column(const struct sm_table *t,
                                        const char *name)
{
    ssize_t i = column_index(t, name);

    return i >= 0 ? &t->cols[i] : NULL;
}

/* ---- SQL ------------------------------------------------------------- */

static enum ab_rc append_patterns(struct ab_buf *b, const json_t *patterns)
{
    enum ab_rc rc = AB_OK;
    size_t i;

    if (json_array_size(patterns) == 0) {
        return AB_OK;
    }
    rc = ab_buf_append_str(b, " AND (");
    for (i = 0; rc == AB_OK && i < json_array_size(patterns); i++) {
        const json_t *p = json_array_get(patterns, i);

        rc = ab_buf_append_str(b, i > 0 ? " OR TABLE_NAME LIKE "
                                        : "TABLE_NAME LIKE ");
        if (rc == AB_OK) {
            rc = sm_sql_string(
                b, json_string_value(p) != NULL ? json_string_value(p) : "",
                json_string_length(p));
        }
    }
    return rc == AB_OK ? ab_buf_append_char(b, ')') : rc;
}

enum ab_rc sm_table_filter(struct ab_buf *b, const json_t *patterns,
                           const char *const *only, size_t only_count)
{
    enum ab_rc rc = append_patterns(b, patterns);
    size_t i;

    if (rc != AB_OK || only == NULL) {
        return rc;
    }
    rc = ab_buf_append_str(b, " AND TABLE_NAME IN (");
    for (i = 0; rc == AB_OK && i < only_count; i++) {
        if (i > 0) {
            rc = ab_buf_append_str(b, ", ");
        }
        if (rc == AB_OK) {
            rc = sm_sql_string(b, only[i], strlen(only[i]));
        }
    }
    if (rc == AB_OK && only_count == 0) {
        rc = ab_buf_append_str(b, "NULL");
    }
    return rc == AB_OK ? ab_buf_append_char(b, ')') : rc;
}

enum meta_query {
    META_TABLES,
    META_COLUMNS,
    META_PKS,
    META_CHECKS,
    META_INDEXES
};

/* Each template is a literal so the compiler checks its arguments. */
static enum ab_rc format_meta(struct ab_buf *sql, enum meta_query q,
                              const char *db, const char *filter)
{
    switch (q) {
    case META_TABLES:
        return ab_buf_appendf(sql, SM_SQL_TABLES, db, filter);
    case META_COLUMNS:
        return ab_buf_appendf(sql, SM_SQL_COLUMNS, db, filter);
    case META_PKS:
        return ab_buf_appendf(sql, SM_SQL_PRIMARY_KEYS, db, filter);
    case META_INDEXES:
        return ab_buf_appendf(sql, SM_SQL_INDEXES, db, filter);
    default:
        return ab_buf_appendf(sql, SM_SQL_JSON_CHECKS, db, filter);
    }
}

/* Run metadata query `q` for the database and filter; store the result. */
static enum ab_rc run_meta(struct sm_conn *c, enum meta_query q, const char *db,
                           const char *filter, MYSQL_RES **res,
                           struct ab_error *err)
{
    struct ab_buf lit;
    struct ab_buf sql;
    enum ab_rc rc = AB_OK;

    ab_buf_init(&lit, SM_SQL_MAX);
    ab_buf_init(&sql, SM_SQL_MAX);
    rc = sm_sql_string(&lit, db, strlen(db));
    if (rc == AB_OK) {
        rc = format_meta(&sql, q, lit.data, filter);
    }
    if (rc != AB_OK) {
        rc = ab_error_set(err, rc, "could not build the metadata query");
    } else {
        rc = sm_conn_query(c, sql.data, false, res, "reading metadata", err);
    }
    ab_buf_cleanup(&lit);
    ab_buf_cleanup(&sql);
    return rc;
}

/* ---- rows ------------------------------------------------------------ */

static enum ab_rc add_table(struct sm_schema *s, size_t *cap, MYSQL_ROW row,
                            bool include_views)
{
    const char *type = row[1] != NULL ? row[1] : "";
    bool is_view = strcmp(type, "VIEW") == 0;
    struct sm_table *t = NULL;
    bool bad = false;

    if ((is_view && !include_views) || strcmp(type, "SEQUENCE") == 0 ||
        row[0] == NULL) {
        return AB_OK;
    }
    if (grow((void **)&s->tables, cap, s->count + 1, sizeof(*t)) != AB_OK) {
        return AB_ERR_NOMEM;
    }
    t = &s->tables[s->count++];
    memset(t, 0, sizeof(*t));
    t->name = dup_val(row[0], false, &bad);
    t->is_view = is_view;
    t->rows = num_val(row[2]);
    t->bytes = num_val(row[3]);
    /* MariaDB reports the comment of every view as "VIEW". */
    t->comment = is_view ? NULL : dup_val(row[4], true, &bad);
    t->innodb = row[5] != NULL && strcasecmp(row[5], "InnoDB") == 0;
    return bad ? AB_ERR_NOMEM : AB_OK;
}

static enum ab_rc add_column(struct sm_table *t, size_t *cap, MYSQL_ROW row)
{
    struct sm_column *col = NULL;
    bool bad = false;

    if (grow((void **)&t->cols, cap, t->ncols + 1, sizeof(*col)) != AB_OK) {
        return AB_ERR_NOMEM;
    }
    col = &t->cols[t->ncols++];
    memset(col, 0, sizeof(*col));
    col->name = dup_val(row[1], false, &bad);
    col->nullable = row[2] != NULL && strcmp(row[2], "YES") == 0;
    col->data_type = dup_val(row[3], false, &bad);
    col->column_type = dup_val(row[4], false, &bad);
    col->binary_charset = row[5] == NULL;
    col->comment = dup_val(row[6], true, &bad);
    return bad ? AB_ERR_NOMEM : AB_OK;
}

static enum ab_rc add_pk(struct sm_table *t, const char *column)
{
    ssize_t i = column_index(t, column);
    size_t *pk = NULL;

    if (i < 0) {
        return AB_OK;
    }
    pk = ab_realloc(t->pk, (t->npk + 1) * sizeof(*pk));
    if (pk == NULL) {
        return AB_ERR_NOMEM;
    }
    t->pk = pk;
    t->pk[t->npk++] = (size_t)i;
    t->cols[i].in_pk = true;
    return AB_OK;
}

static enum ab_rc add_index(struct sm_table *t)
{
    struct sm_index *ix =
        ab_realloc(t->indexes, (t->nindexes + 1) * sizeof(*ix));

    if (ix == NULL) {
        return AB_ERR_NOMEM;
    }
    t->indexes = ix;
    memset(&ix[t->nindexes++], 0, sizeof(*ix));
    return AB_OK;
}

/*
 * One STATISTICS row. Rows arrive by table, index and part, so part 1
 * starts a new index and later parts extend the table's newest one, up
 * to the first part that orders by less than a whole column.
 */
static enum ab_rc add_index_part(struct sm_schema *s, MYSQL_ROW row)
{
    struct sm_table *t = row[0] != NULL ? find_mut(s, row[0]) : NULL;
    enum ab_rc rc = AB_OK;
    struct sm_index *ix = NULL;
    size_t *cols = NULL;
    ssize_t col = -1;

    if (t != NULL && row[1] != NULL && strcmp(row[1], "1") == 0) {
        rc = add_index(t);
    }
    if (rc != AB_OK || t == NULL || t->nindexes == 0) {
        return rc;
    }
    ix = &t->indexes[t->nindexes - 1];
    if (!ix->cut && row[2] != NULL && row[3] == NULL) {
        col = column_index(t, row[2]);
    }
    ix->cut |= col < 0;
    if (ix->cut) {
        return AB_OK;
    }
    cols = ab_realloc(ix->cols, (ix->ncols + 1) * sizeof(*cols));
    if (cols == NULL) {
        return AB_ERR_NOMEM;
    }
    ix->cols = cols;
    ix->cols[ix->ncols++] = (size_t)col;
    return AB_OK;
}

static bool index_orders_by(const struct sm_table *t, const struct sm_index *ix,
                            size_t cursor)
{
    size_t next = 1; /* the part that must hold the next key column */
    size_t i;

    if (ix->ncols == 0 || ix->cols[0] != cursor) {
        return false;
    }
    for (i = 0; i < t->npk; i++) {
        if (t->pk[i] == cursor) {
            continue;
        }
        if (next == ix->ncols) {
            /* Only InnoDB appends the remaining key columns. */
            return t->innodb && !ix->cut;
        }
        if (ix->cols[next++] != t->pk[i]) {
            return false;
        }
    }
    return true;
}

bool sm_table_orders_by(const struct sm_table *t, size_t cursor)
{
    size_t i;

    for (i = 0; i < t->nindexes; i++) {
        if (index_orders_by(t, &t->indexes[i], cursor)) {
            return true;
        }
    }
    return false;
}

/* ---- loaders ---------------------------------------------------------- */

static enum ab_rc build_filter(struct ab_buf *filter,
                               const struct sm_options *o,
                               const char *const *only, size_t only_count,
                               struct ab_error *err)
{
    enum ab_rc rc = sm_table_filter(filter, o->tables, only, only_count);

    if (rc == AB_OK) {
        rc = ab_buf_append_str(filter, ""); /* data non-NULL when empty */
    }
    if (rc != AB_OK) {
        rc = ab_error_set(err, rc, "could not build the table filter");
    }
    return rc;
}

static enum ab_rc load_tables(struct sm_conn *c, const struct sm_options *o,
                              const char *filter, struct sm_schema *s,
                              struct ab_error *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row = NULL;
    size_t cap = 0;
    enum ab_rc rc = run_meta(c, META_TABLES, o->database, filter, &res, err);

    while (rc == AB_OK && (row = mysql_fetch_row(res)) != NULL) {
        rc = add_table(s, &cap, row, o->include_views);
    }
    if (res != NULL) {
        mysql_free_result(res);
    }
    if (rc == AB_OK && s->count > 0) {
        qsort(s->tables, s->count, sizeof(*s->tables), table_cmp);
    }
    return rc;
}

/* Columns arrive grouped by table in ordinal order; `caps` tracks the
 * capacity of each table's column array. */
static enum ab_rc load_columns(struct sm_conn *c, const struct sm_options *o,
                               const char *filter, struct sm_schema *s,
                               struct ab_error *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row = NULL;
    size_t *caps = ab_calloc(s->count + 1, sizeof(*caps));
    enum ab_rc rc = caps != NULL ? AB_OK : AB_ERR_NOMEM;

    if (rc == AB_OK) {
        rc = run_meta(c, META_COLUMNS, o->database, filter, &res, err);
    }
    while (rc == AB_OK && (row = mysql_fetch_row(res)) != NULL) {
        struct sm_table *t = row[0] != NULL ? find_mut(s, row[0]) : NULL;

        if (t != NULL && row[1] != NULL) {
            rc = add_column(t, &caps[t - s->tables], row);
        }
    }
    if (res != NULL) {
        mysql_free_result(res);
    }
    ab_free(caps);
    return rc;
}

static enum ab_rc load_pks(struct sm_conn *c, const struct sm_options *o,
                           const char *filter, struct sm_schema *s,
                           struct ab_error *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row = NULL;
    enum ab_rc rc = run_meta(c, META_PKS, o->database, filter, &res, err);

    while (rc == AB_OK && (row = mysql_fetch_row(res)) != NULL) {
        struct sm_table *t = row[0] != NULL ? find_mut(s, row[0]) : NULL;

        if (t != NULL && row[1] != NULL) {
            rc = add_pk(t, row[1]);
        }
    }
    if (res != NULL) {
        mysql_free_result(res);
    }
    return rc;
}

static void mark_json(struct sm_schema *s, MYSQL_ROW row, struct ab_buf *b)
{
    struct sm_table *t = row[0] != NULL ? find_mut(s, row[0]) : NULL;
    ssize_t i = -1;

    if (t == NULL || row[1] == NULL || !sm_json_check_column(row[1], b)) {
        return;
    }
    i = column_index(t, b->data);
    if (i >= 0) {
        t->cols[i].json_check = true;
    }
}

static enum ab_rc load_json_checks(struct sm_conn *c,
                                   const struct sm_options *o,
                                   const char *filter, struct sm_schema *s,
                                   struct ab_error *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row = NULL;
    struct ab_buf name;
    struct ab_error mine;
    enum ab_rc rc = AB_OK;

    ab_error_clear(&mine);
    ab_buf_init(&name, 4096);
    rc = run_meta(c, META_CHECKS, o->database, filter, &res, &mine);
    if (rc != AB_OK && c->db != NULL && mysql_errno(c->db) == 1054) {
        /* MySQL: no TABLE_NAME column, and JSON is a real type there. */
        rc = AB_OK;
    } else if (rc != AB_OK) {
        if (!err->set) {
            *err = mine;
        }
    }
    while (rc == AB_OK && res != NULL && (row = mysql_fetch_row(res)) != NULL) {
        mark_json(s, row, &name);
    }
    if (res != NULL) {
        mysql_free_result(res);
    }
    ab_buf_cleanup(&name);
    return rc;
}

static void finalize(struct sm_schema *s, const struct sm_options *o)
{
    size_t i;
    size_t j;

    for (i = 0; i < s->count; i++) {
        struct sm_table *t = &s->tables[i];

        for (j = 0; j < t->ncols; j++) {
            struct sm_column *col = &t->cols[j];
            struct sm_type_info info = { col->data_type, col->column_type,
                                         col->binary_charset, col->json_check };

            col->kind = sm_kind_of(&info, o->values.tinyint1_bool);
            col->action = sm_policy_action(&o->policies, t->name, col->name);
        }
    }
}

enum ab_rc sm_schema_load(struct sm_conn *c, const struct sm_options *o,
                          const char *const *only, size_t only_count,
                          struct sm_schema *out, struct ab_error *err)
{
    struct ab_buf filter;
    enum ab_rc rc = AB_OK;

    memset(out, 0, sizeof(*out));
    ab_buf_init(&filter, SM_SQL_MAX);
    rc = build_filter(&filter, o, only, only_count, err);
    if (rc == AB_OK) {
        rc = load_tables(c, o, filter.data, out, err);
    }
    if (rc == AB_OK && out->count > 0) {
        rc = load_columns(c, o, filter.data, out, err);
    }
    if (rc == AB_OK && out->count > 0) {
        rc = load_pks(c, o, filter.data, out, err);
    }
    if (rc == AB_OK && out->count > 0) {
        rc = load_json_checks(c, o, filter.data, out, err);
    }
    if (rc == AB_ERR_NOMEM) {
        ab_error_set(err, rc, "out of memory reading metadata");
    }
    if (rc == AB_OK) {
        finalize(out, o);
    }
    ab_buf_cleanup(&filter);
    return rc;
}

enum ab_rc sm_schema_load_indexes(struct sm_conn *c, const struct sm_options *o,
                                  const char *const *only, size_t only_count,
                                  struct sm_schema *s, struct ab_error *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row = NULL;
    struct ab_buf filter;
    enum ab_rc rc = AB_OK;

    ab_buf_init(&filter, SM_SQL_MAX);
    if (s->count > 0) {
        rc = build_filter(&filter, o, only, only_count, err);
    }
    if (rc == AB_OK && s->count > 0) {
        rc = run_meta(c, META_INDEXES, o->database, filter.data, &res, err);
    }
    while (rc == AB_OK && res != NULL && (row = mysql_fetch_row(res)) != NULL) {
        rc = add_index_part(s, row);
    }
    if (res != NULL) {
        mysql_free_result(res);
    }
    if (rc == AB_ERR_NOMEM) {
        ab_error_set(err, rc, "out of memory reading metadata");
    }
    ab_buf_cleanup(&filter);
    return rc;
}

static void free_table(struct sm_table *t)
{
    size_t j;

    for (j = 0; j < t->ncols; j++) {
        ab_free(t->cols[j].name);
        ab_free(t->cols[j].comment);
        ab_free(t->cols[j].data_type);
        ab_free(t->cols[j].column_type);
    }
    for (j = 0; j < t->nindexes; j++) {
        ab_free(t->indexes[j].cols);
    }
    ab_free(t->indexes);
    ab_free(t->cols);
    ab_free(t->pk);
    ab_free(t->name);
    ab_free(t->comment);
}

void sm_schema_cleanup(struct sm_schema *s)
{
    size_t i;

    for (i = 0; i < s->count; i++) {
        free_table(&s->tables[i]);
    }
    ab_free(s->tables);
    s->tables = NULL;
    s->count = 0;
}

/* ---- JSON check clause ------------------------------------------------ */

static const char *skip_ws(const char *p)
{
    while (isspace((unsigned char)*p)) {
        p++;
    }
    return p;
}

/* A quoted identifier at p (` or "), unquoted into `out`; returns the
 * position after it or NULL. */
static const char *quoted_ident(const char *p, struct ab_buf *out)
{
    char q = *p;

    if (q != '`' && q != '"') {
        return NULL;
    }
    for (p++; *p != '\0'; p++) {
        if (*p == q && p[1] == q) {
            p++;
        } else if (*p == q) {
            return p + 1;
        }
        if (ab_buf_append_char(out, *p) != AB_OK) {
            return NULL;
        }
    }
    return NULL;
}

bool sm_json_check_column(const char *clause, struct ab_buf *out)
{
    const char *p = skip_ws(clause);

    ab_buf_reset(out);
    if (strncasecmp(p, "json_valid", 10) != 0) {
        return false;
    }
    p = skip_ws(p + 10);
    if (*p != '(') {
        return false;
    }
    p = quoted_ident(skip_ws(p + 1), out);
    if (p == NULL || out->len == 0) {
        return false;
    }
    p = skip_ws(p);
    return *p == ')' && *skip_ws(p + 1) == '\0';
}
