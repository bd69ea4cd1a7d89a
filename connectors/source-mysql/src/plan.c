/*
 * Read plans: stream -> table, column selection, effective mode, resume
 * position (see plan.h).
 */
#include <ab/setup.h>

#include "plan.h"

#include "ops.h"
#include "types.h"

#include <ab/alloc.h>
#include <ab/msg.h>
#include <ab/stream.h>

#include <string.h>

#define SM_TEXT_MAX (16u * 1024u * 1024u)

static const char *mode_name(enum sm_mode m)
{
    return m == SM_MODE_INCR ? "incremental" : "full_refresh";
}

static enum ab_rc find_table(struct sm_plan *p, const struct sm_schema *s,
                             const struct sm_options *o, struct ab_error *err)
{
    const struct ab_stream *st = p->stream;

    if (st->ns == NULL || strcmp(st->ns, o->database) == 0) {
        p->table = sm_schema_find(s, st->name);
    }
    if (p->table == NULL) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "stream \"%s\" (namespace \"%s\") is not a "
                            "table or view of database \"%s\" selected by "
                            "this source",
                            st->name, st->ns != NULL ? st->ns : "",
                            o->database);
    }
    return AB_OK;
}

static enum ab_rc cursor_column(struct sm_plan *p, struct ab_error *err)
{
    const struct ab_stream *st = p->stream;
    const char *name = st->cursor_field[0];
    const struct sm_column *c = sm_table_column(p->table, name);

    if (st->cursor_depth != 1) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "stream \"%s\": the cursor must be a top-level "
                            "column",
                            st->name);
    }
    if (c == NULL || c->action == SM_ACT_EXCLUDE) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "stream \"%s\": cursor column \"%s\" does not "
                            "exist",
                            st->name, name);
    }
    if (c->action == SM_ACT_HASH || !sm_kind_cursor_ok(c->kind)) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "stream \"%s\": column \"%s\" (%s%s) cannot be "
                            "a cursor: use a date, time stamp, integer, "
                            "decimal or text column",
                            st->name, name, c->column_type,
                            c->action == SM_ACT_HASH ? ", hashed" : "");
    }
    p->cursor.name = c->name;
    p->cursor.lit = sm_kind_literal(c->kind);
    return AB_OK;
}

static enum ab_rc resolve_mode(struct sm_plan *p, struct ab_error *err)
{
    struct ab_stream *st = p->stream;
    enum ab_rc rc = AB_OK;

    p->mode = SM_MODE_FULL;
    if (st->sync_mode != AB_SYNC_INCREMENTAL) {
        return AB_OK;
    }
    if (!st->supports_incremental) {
        ab_warn("stream \"%s\" does not support incremental sync; reading "
                "it as a full refresh",
                st->name);
        return AB_OK;
    }
    rc = ab_stream_require_cursor(st, err);
    if (rc == AB_OK && st->cursor_field == NULL) {
        rc = ab_error_set(err, AB_ERR_CONFIG,
                          "stream \"%s\" is incremental but has no cursor "
                          "field",
                          st->name);
    }
    if (rc == AB_OK) {
        rc = cursor_column(p, err);
    }
    p->mode = SM_MODE_INCR;
    return rc;
}

static bool wanted(const struct ab_stream *st, const char *name)
{
    return st->properties == NULL || ab_stream_has_field(st, name);
}

static enum ab_rc add_sel(struct sm_plan *p, const struct sm_column *c,
                          bool emit)
{
    struct sm_sel *cols = ab_realloc(p->cols, (p->ncols + 1) * sizeof(*cols));

    if (cols == NULL) {
        return AB_ERR_NOMEM;
    }
    p->cols = cols;
    cols[p->ncols].col = c;
    cols[p->ncols].kind = c->kind;
    cols[p->ncols].emit = emit;
    cols[p->ncols].hash = c->action == SM_ACT_HASH;
    cols[p->ncols].key_off = p->key_json.len;
    if (ab_jw_key_encode(&p->key_json, c->name) != AB_OK) {
        return AB_ERR_NOMEM;
    }
    cols[p->ncols].key_len = p->key_json.len - cols[p->ncols].key_off;
    p->ncols++;
    return AB_OK;
}

static ssize_t sel_index(const struct sm_plan *p, const struct sm_column *c)
{
    size_t i;

    for (i = 0; i < p->ncols; i++) {
        if (p->cols[i].col == c) {
            return (ssize_t)i;
        }
    }
    return -1;
}

static enum ab_rc add_keys(struct sm_plan *p)
{
    const struct sm_table *t = p->table;
    size_t i;

    if (!sm_table_keyset_ok(t)) {
        return AB_OK;
    }
    p->keys = ab_calloc(t->npk, sizeof(*p->keys));
    p->key_pos = ab_calloc(t->npk, sizeof(*p->key_pos));
    if (p->keys == NULL || p->key_pos == NULL) {
        return AB_ERR_NOMEM;
    }
    for (i = 0; i < t->npk; i++) {
        const struct sm_column *c = &t->cols[t->pk[i]];

        p->keys[i].name = c->name;
        p->keys[i].lit = sm_kind_literal(c->kind);
        p->key_pos[i] = (size_t)sel_index(p, c);
    }
    p->nkeys = t->npk;
    return AB_OK;
}

static enum ab_rc select_columns(struct sm_plan *p)
{
    const struct sm_table *t = p->table;
    bool keyset = sm_table_keyset_ok(t);
    enum ab_rc rc = AB_OK;
    size_t i;

    for (i = 0; rc == AB_OK && i < t->ncols; i++) {
        const struct sm_column *c = &t->cols[i];
        bool emit = wanted(p->stream, c->name);
        bool cursor = p->mode == SM_MODE_INCR && c->name == p->cursor.name;

        if (c->action == SM_ACT_EXCLUDE ||
            !(emit || cursor || (keyset && c->in_pk))) {
            continue;
        }
        rc = add_sel(p, c, emit);
    }
    if (rc == AB_OK) {
        rc = add_keys(p);
    }
    p->cursor_pos = -1;
    for (i = 0; p->mode == SM_MODE_INCR && i < p->ncols; i++) {
        if (p->cols[i].col->name == p->cursor.name) {
            p->cursor_pos = (ssize_t)i;
        }
    }
    return rc;
}

static bool use_chunks(const struct sm_table *t, enum sm_mode mode,
                       const struct sm_column *cursor)
{
    if (!sm_table_keyset_ok(t)) {
        return false;
    }
    if (mode != SM_MODE_INCR) {
        return true;
    }
    return cursor != NULL && sm_table_orders_by(t, (size_t)(cursor - t->cols));
}

static void choose_reading(struct sm_plan *p)
{
    const struct sm_column *c = NULL;

    if (p->mode == SM_MODE_INCR) {
        c = sm_table_column(p->table, p->cursor.name);
    }
    p->chunked = use_chunks(p->table, p->mode, c);
    if (p->mode == SM_MODE_INCR && p->nkeys > 0 && !p->chunked) {
        ab_info("stream \"%s\": no index orders the table by \"%s\" and "
                "its primary key; reading it in one ordered query",
                p->stream->name, p->cursor.name);
    }
}

static enum ab_rc build_text(struct sm_plan *p, const struct sm_options *o)
{
    enum ab_rc rc = sm_sql_table(&p->from, o->database, p->table->name);
    size_t i;

    for (i = 0; rc == AB_OK && i < p->ncols; i++) {
        bool geo = p->cols[i].kind == SM_KIND_GEOMETRY;

        if (i > 0) {
            rc = ab_buf_append_char(&p->columns, ',');
        }
        if (rc == AB_OK && geo) {
            rc = ab_buf_append_str(&p->columns, "ST_AsGeoJSON(");
        }
        if (rc == AB_OK) {
            rc = sm_sql_ident(&p->columns, p->cols[i].col->name);
        }
        if (rc == AB_OK && geo) {
            rc = ab_buf_append_char(&p->columns, ')');
        }
    }
    if (rc == AB_OK && p->ncols == 0) {
        /* Nothing selected: still count rows, emit empty records. */
        rc = ab_buf_append_str(&p->columns, "1");
    }
    return rc;
}

/* ---- resume ------------------------------------------------------------ */

static bool use_full_state(const struct sm_plan *p, const struct sm_state *in,
                           const char *const *names)
{
    const char *name = p->stream->name;

    if (in->done) {
        ab_info("stream \"%s\": the previous full refresh finished; "
                "reading it again",
                name);
        return false;
    }
    if (!in->has_pk || p->nkeys == 0 ||
        !sm_state_keys_match(in, names, p->nkeys)) {
        ab_warn("stream \"%s\": the state's key does not match the table's "
                "primary key; starting over",
                name);
        return false;
    }
    ab_info("stream \"%s\": resuming the full refresh after the last "
            "checkpoint",
            name);
    return true;
}

static bool use_incr_state(const struct sm_plan *p, struct sm_state *in,
                           const char *const *names)
{
    const char *name = p->stream->name;

    if (in->cursor_field != NULL &&
        strcmp(in->cursor_field, p->cursor.name) != 0) {
        ab_warn("stream \"%s\": the state is for cursor \"%s\", not \"%s\"; "
                "starting over",
                name, in->cursor_field, p->cursor.name);
        return false;
    }
    if (in->has_pk && !sm_state_keys_match(in, names, p->nkeys)) {
        ab_warn("stream \"%s\": the state's key does not match the table's "
                "primary key; resuming from the cursor alone",
                name);
        in->has_pk = false;
    }
    return true;
}

static bool use_state(const struct sm_plan *p, struct sm_state *in,
                      const char *const *names)
{
    if (in->mode == SM_MODE_NONE) {
        return false;
    }
    if (in->mode != p->mode) {
        ab_warn("stream \"%s\": the state is for %s sync, the stream is "
                "read as %s; starting over",
                p->stream->name, mode_name(in->mode), mode_name(p->mode));
        return false;
    }
    return p->mode == SM_MODE_FULL ? use_full_state(p, in, names)
                                   : use_incr_state(p, in, names);
}

/* Make the position carry this table's key names and cursor field. */
static enum ab_rc normalise_pos(struct sm_plan *p, const char *const *names)
{
    enum ab_rc rc = AB_OK;

    p->pos.mode = p->mode;
    if (!p->pos.has_pk || !sm_state_keys_match(&p->pos, names, p->nkeys)) {
        rc = sm_state_set_keys(&p->pos, names, p->nkeys);
    }
    if (rc == AB_OK && p->mode == SM_MODE_INCR) {
        rc = sm_state_set_cursor_field(&p->pos, p->cursor.name);
    }
    return rc;
}

static enum ab_rc resume(struct sm_plan *p, const char **names,
                         struct ab_error *err)
{
    struct sm_state in;
    enum ab_rc rc = AB_OK;
    size_t i;

    for (i = 0; i < p->nkeys; i++) {
        names[i] = p->keys[i].name;
    }
    sm_state_init(&in);
    rc = sm_state_parse(p->stream->state, p->stream->name, &in, err);
    if (rc == AB_OK && use_state(p, &in, names)) {
        sm_state_cleanup(&p->pos);
        p->pos = in; /* take ownership */
        sm_state_init(&in);
    }
    sm_state_cleanup(&in);
    if (rc == AB_OK) {
        rc = normalise_pos(p, names);
        if (rc == AB_ERR_NOMEM) {
            ab_error_set(err, rc, "out of memory");
        }
    }
    return rc;
}

/* Build the first query now so a bad state value fails before reading. */
static enum ab_rc validate_pos(const struct sm_plan *p, struct ab_error *err)
{
    struct ab_buf sql;
    enum ab_rc rc = AB_OK;

    ab_buf_init(&sql, SM_TEXT_MAX);
    rc = sm_plan_sql(p, 1, &sql);
    ab_buf_cleanup(&sql);
    if (rc == AB_ERR_PARSE) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "state of stream \"%s\" holds a value that does "
                            "not fit its column; reset the stream",
                            p->stream->name);
    }
    return rc == AB_OK ? AB_OK : ab_error_set(err, rc, "out of memory");
}

enum ab_rc sm_plan_build(struct sm_plan *p, struct ab_stream *stream,
                         const struct sm_schema *schema,
                         const struct sm_options *o, struct ab_error *err)
{
    const char **names = NULL;
    enum ab_rc rc = AB_OK;

    memset(p, 0, sizeof(*p));
    p->stream = stream;
    p->cursor_pos = -1;
    ab_buf_init(&p->columns, SM_TEXT_MAX);
    ab_buf_init(&p->from, SM_TEXT_MAX);
    ab_buf_init(&p->key_json, SM_TEXT_MAX);
    sm_state_init(&p->pos);
    rc = find_table(p, schema, o, err);
    if (rc == AB_OK) {
        rc = resolve_mode(p, err);
    }
    if (rc == AB_OK &&
        (select_columns(p) != AB_OK || build_text(p, o) != AB_OK)) {
        rc = ab_error_set(err, AB_ERR_NOMEM, "out of memory");
    }
    if (rc == AB_OK) {
        choose_reading(p);
    }
    names = rc == AB_OK ? ab_calloc(p->nkeys + 1, sizeof(*names)) : NULL;
    if (rc == AB_OK && names == NULL) {
        rc = ab_error_set(err, AB_ERR_NOMEM, "out of memory");
    }
    if (rc == AB_OK) {
        rc = resume(p, names, err);
    }
    if (rc == AB_OK) {
        rc = validate_pos(p, err);
    }
    ab_free(names);
    return rc;
}

void sm_plan_cleanup(struct sm_plan *p)
{
    ab_free(p->cols);
    ab_free(p->keys);
    ab_free(p->key_pos);
    p->cols = NULL;
    p->keys = NULL;
    p->key_pos = NULL;
    ab_buf_cleanup(&p->columns);
    ab_buf_cleanup(&p->from);
    ab_buf_cleanup(&p->key_json);
    sm_state_cleanup(&p->pos);
}

enum ab_rc sm_plan_sql(const struct sm_plan *p, uint64_t limit,
                       struct ab_buf *sql)
{
    struct sm_select q;

    q.columns = p->columns.data;
    q.from = p->from.data;
    q.cursor = p->mode == SM_MODE_INCR ? &p->cursor : NULL;
    q.keys = p->keys;
    q.nkeys = p->nkeys;
    q.limit = p->chunked ? limit : 0;
    return sm_sql_select(sql, &q, &p->pos);
}
