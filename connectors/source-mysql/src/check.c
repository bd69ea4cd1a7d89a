/*
 * check: connect with the configured TLS mode, then prove SELECT on every
 * table and view the filters select (SELECT <columns> ... LIMIT 0 reads
 * no rows but fails exactly like a real read would on a missing grant;
 * excluded columns are left out, as in a read). Any
 * problem the user can fix is returned as AB_ERR_CONFIG, which the driver
 * prints as CONNECTION_STATUS FAILED with the message.
 */
#include <ab/setup.h>

#include "ops.h"

#include "conn.h"
#include "options.h"
#include "query.h"
#include "schema.h"
#include "sql.h"
#include "policy.h"

#include <ab/msg.h>

#include <stdio.h>
#include <string.h>

/* In check, an unreachable or failing server is something the user must
 * look at (host, port, firewall), so it is reported as FAILED. */
static enum ab_rc as_config(enum ab_rc rc, struct ab_error *err)
{
    if (rc == AB_ERR_TRANSIENT || rc == AB_ERR_SOURCE) {
        err->rc = AB_ERR_CONFIG;
        err->failure = AB_FAIL_CONFIG;
        return AB_ERR_CONFIG;
    }
    return rc;
}

/* Every column that is not excluded, as a select list ("1" if none). */
static enum ab_rc probe_columns(const struct sm_table *t, struct ab_buf *b)
{
    enum ab_rc rc = AB_OK;
    size_t i;

    for (i = 0; rc == AB_OK && i < t->ncols; i++) {
        if (t->cols[i].action == SM_ACT_EXCLUDE) {
            continue;
        }
        if (b->len > 0) {
            rc = ab_buf_append_char(b, ',');
        }
        if (rc == AB_OK) {
            rc = sm_sql_ident(b, t->cols[i].name);
        }
    }
    if (rc == AB_OK && b->len == 0) {
        rc = ab_buf_append_char(b, '1');
    }
    return rc;
}

static enum ab_rc probe_table(struct sm_conn *c, const char *db,
                              const struct sm_table *t, struct ab_buf *sql,
                              struct ab_error *err)
{
    struct ab_buf from;
    struct ab_buf cols;
    MYSQL_RES *res = NULL;
    enum ab_rc rc = AB_OK;

    ab_buf_init(&from, 4096);
    ab_buf_init(&cols, 16u * 1024u * 1024u);
    ab_buf_reset(sql);
    rc = sm_sql_table(&from, db, t->name);
    if (rc == AB_OK) {
        rc = probe_columns(t, &cols);
    }
    if (rc == AB_OK) {
        rc = ab_buf_appendf(sql, SM_SQL_PROBE, cols.data, from.data);
    }
    if (rc != AB_OK) {
        rc = ab_error_set(err, rc, "could not build the probe query");
    } else {
        rc = sm_conn_query(c, sql->data, false, &res, "reading a table", err);
    }
    if (rc != AB_OK && err->set) {
        size_t n = strlen(err->message);

        /* Name the table in the user-facing text as well. */
        snprintf(err->message + n, sizeof(err->message) - n, " (table \"%s\")",
                 t->name);
    }
    if (res != NULL) {
        mysql_free_result(res);
    }
    ab_buf_cleanup(&from);
    ab_buf_cleanup(&cols);
    return rc;
}

static enum ab_rc probe_all(struct sm_conn *c, const struct sm_options *o,
                            const struct sm_schema *s, struct ab_error *err)
{
    struct ab_buf sql;
    enum ab_rc rc = AB_OK;
    size_t i;

    ab_buf_init(&sql, 16384);
    for (i = 0; rc == AB_OK && i < s->count; i++) {
        /* Not a stream (see discover): nothing a read would select. */
        if (sm_table_has_columns(&s->tables[i])) {
            rc = probe_table(c, o->database, &s->tables[i], &sql, err);
        }
    }
    ab_buf_cleanup(&sql);
    return rc;
}

static enum ab_rc check_tables(struct sm_conn *c, const struct sm_options *o,
                               struct ab_error *err)
{
    struct sm_schema s = { NULL, 0 };
    enum ab_rc rc = sm_schema_load(c, o, NULL, 0, &s, err);

    if (rc == AB_OK && s.count == 0 && o->tables != NULL) {
        rc = ab_error_set(err, AB_ERR_CONFIG,
                          "no table or view of database \"%s\" matches the "
                          "patterns in \"tables\"",
                          o->database);
    } else if (rc == AB_OK && s.count == 0) {
        ab_warn("database \"%s\" has no tables or views the user can see",
                o->database);
    }
    if (rc == AB_OK) {
        rc = probe_all(c, o, &s, err);
    }
    if (rc == AB_OK) {
        ab_info("check: SELECT works on %zu tables and views of \"%s\"%s",
                s.count, o->database, c->tls ? " over TLS" : "");
    }
    sm_schema_cleanup(&s);
    return rc;
}

enum ab_rc sm_check(const json_t *config, struct ab_error *err)
{
    struct sm_options o;
    struct sm_conn c = { NULL, false };
    enum ab_rc rc = sm_options_init(&o, config, err);

    if (rc != AB_OK) {
        return rc;
    }
    rc = sm_conn_open(&c, &o, err);
    if (rc == AB_OK) {
        rc = check_tables(&c, &o, err);
    }
    rc = as_config(rc, err);
    sm_conn_close(&c);
    sm_options_cleanup(&o);
    return rc;
}
