/*
 * read: every configured stream is planned and validated first (plan.c),
 * then read one after the other, each in its own consistent snapshot.
 *
 * Tables with a usable primary key are read ordered by the key (full
 * refresh) or by cursor then key (incremental), so the last row written
 * is an exact resume point at any moment and a sync stopped among many
 * rows sharing one cursor value loses nothing. Full refreshes, and
 * incremental streams whose order an index provides, are read in keyset
 * chunks of chunk_size rows; other incremental streams in one ordered
 * query (plan.h). Checkpoints fall every N records or T seconds,
 * independent of chunks. Rows are streamed (mysql_use_result) and
 * written straight into the record line; no result set is ever held in
 * memory.
 */
#include <ab/setup.h>

#include "ops.h"

#include "conn.h"
#include "options.h"
#include "plan.h"
#include "schema.h"
#include "sql.h"
#include "types.h"

#include <ab/alloc.h>
#include <ab/codec.h>
#include <ab/connector.h>
#include <ab/msg.h>
#include <ab/stream.h>

#include <inttypes.h>
#include <string.h>

#define SM_SQL_TEXT_MAX (16u * 1024u * 1024u)
/* Values above this size are dropped from a row that does not fit. */
#define SM_BIG_VALUE (1024u * 1024u)

struct reader {
    const struct sm_options *o;
    struct sm_conn conn;
    struct sm_schema schema;
    struct sm_plan *plans; /* owned, one per configured stream */
    size_t nplans;
    struct ab_record rec;
    struct ab_buf sql;
    struct ab_error *err;
};

/* Position of a row within a chunk loop. */
struct chunk {
    uint64_t rows;
    bool pending; /* checkpoint due, waiting for a cursor boundary */
};

/* ---- position ----------------------------------------------------------- */

static enum ab_rc copy_value(struct ab_buf *dst, enum sm_lit lit, const char *v,
                             unsigned long len)
{
    static const char hex[] = "0123456789abcdef";
    enum ab_rc rc = AB_OK;
    unsigned long i;

    ab_buf_reset(dst);
    if (lit != SM_LIT_BINARY) {
        return ab_buf_append(dst, v, len);
    }
    rc = ab_buf_reserve(dst, 2 * (size_t)len + 1);
    for (i = 0; rc == AB_OK && i < len; i++) {
        dst->data[dst->len++] = hex[(unsigned char)v[i] >> 4];
        dst->data[dst->len++] = hex[(unsigned char)v[i] & 15];
    }
    if (rc == AB_OK) {
        dst->data[dst->len] = '\0';
    }
    return rc;
}

static enum ab_rc update_pos(struct sm_plan *p, MYSQL_ROW row,
                             const unsigned long *lens)
{
    enum ab_rc rc = AB_OK;
    size_t i;

    for (i = 0; rc == AB_OK && i < p->nkeys; i++) {
        size_t k = p->key_pos[i];

        rc = copy_value(&p->pos.pk_values[i], p->keys[i].lit,
                        row[k] != NULL ? row[k] : "", lens[k]);
    }
    p->pos.has_pk = p->nkeys > 0;
    if (rc == AB_OK && p->cursor_pos >= 0 && row[p->cursor_pos] != NULL) {
        rc = copy_value(&p->pos.cursor, p->cursor.lit, row[p->cursor_pos],
                        lens[p->cursor_pos]);
        p->pos.has_cursor = rc == AB_OK;
        p->pos.nulls_done = true;
    }
    return rc;
}

/* KNOWN-ISSUE(MY-4): values are compared byte for byte, while the server
 * orders text by collation: on a text cursor without a key, values equal
 * under a case-insensitive collation may be split by a checkpoint. */
static bool cursor_changed(const struct sm_plan *p, MYSQL_ROW row,
                           const unsigned long *lens)
{
    const char *v = row[p->cursor_pos];
    unsigned long len = lens[p->cursor_pos];

    if (v == NULL) {
        return p->pos.has_cursor;
    }
    return !p->pos.has_cursor || p->pos.cursor.len != len ||
           memcmp(p->pos.cursor.data, v, len) != 0;
}

static enum ab_rc checkpoint(struct reader *r, struct sm_plan *p)
{
    json_t *st = sm_state_build(&p->pos);
    enum ab_rc rc = AB_OK;

    if (st == NULL) {
        return ab_error_set(r->err, AB_ERR_SOURCE,
                            "could not build the state of stream \"%s\" "
                            "(a key or cursor value is not valid UTF-8)",
                            p->stream->name);
    }
    rc = ab_stream_checkpoint(p->stream, st);
    json_decref(st);
    if (rc != AB_OK) {
        ab_error_set(r->err, rc, "could not write a state message");
    }
    return rc;
}

/* ---- records ------------------------------------------------------------ */

static enum ab_rc write_hash(struct reader *r, const char *v, unsigned long len)
{
    const char *salt = r->o->hash_salt != NULL ? r->o->hash_salt : "";
    char hex[AB_SHA256_HEX_LEN + 1];
    enum ab_rc rc = ab_sha256_salted_hex(salt, strlen(salt), v, len, hex);

    if (rc != AB_OK) {
        return ab_error_set(r->err, rc, "could not hash a value");
    }
    ab_jw_strn(&r->rec.jw, hex, AB_SHA256_HEX_LEN);
    return AB_OK;
}

static enum ab_rc write_value(struct reader *r, const struct sm_plan *p,
                              const struct sm_sel *s, const char *v,
                              unsigned long len)
{
    const char *name = s->col->name;
    enum sm_conv conv = SM_CONV_OK;

    if (v == NULL) {
        ab_jw_null(&r->rec.jw);
        return AB_OK;
    }
    if (s->hash) {
        return write_hash(r, v, len);
    }
    conv = sm_value_write(&r->rec.jw, s->kind, v, len, &r->o->values);
    if (conv == SM_CONV_NULLED) {
        ab_record_change(&r->rec, name, AB_CHANGE_NULLED,
                         AB_REASON_SOURCE_SERIALIZATION_ERROR);
    } else if (conv == SM_CONV_REPAIRED) {
        ab_record_note_repair(&r->rec, name);
    } else if (conv == SM_CONV_ZERO_ERROR) {
        return ab_error_set(r->err, AB_ERR_CONFIG,
                            "stream \"%s\": column \"%s\" holds the zero "
                            "date \"%.*s\" and zero_date_policy is \"error\"",
                            p->stream->name, name, (int)len, v);
    }
    return AB_OK;
}

/* One attempt at a record; with `shrink`, values over SM_BIG_VALUE are
 * written as null (noted in meta.changes). */
static enum ab_rc try_record(struct reader *r, struct sm_plan *p, MYSQL_ROW row,
                             const unsigned long *lens, bool shrink)
{
    enum ab_rc rc = AB_OK;
    size_t i;

    ab_record_begin(&r->rec, p->stream, 0);
    for (i = 0; rc == AB_OK && i < p->ncols; i++) {
        const char *name = p->cols[i].col->name;

        if (!p->cols[i].emit) {
            continue;
        }
        ab_jw_key_encoded(&r->rec.jw, p->key_json.data + p->cols[i].key_off,
                          p->cols[i].key_len);
        if (shrink && row[i] != NULL && lens[i] > SM_BIG_VALUE) {
            ab_jw_null(&r->rec.jw);
            ab_record_change(&r->rec, name, AB_CHANGE_NULLED,
                             AB_REASON_SOURCE_FIELD_SIZE_LIMITATION);
        } else {
            rc = write_value(r, p, &p->cols[i], row[i], lens[i]);
        }
    }
    return rc == AB_OK ? ab_record_end(&r->rec, p->stream) : rc;
}

/* A row too large for one RECORD line is written again without its
 * large values rather than failing the sync. */
static enum ab_rc write_record(struct reader *r, struct sm_plan *p,
                               MYSQL_ROW row, const unsigned long *lens)
{
    enum ab_rc rc = try_record(r, p, row, lens, false);

    if (rc == AB_ERR_LIMIT && !r->err->set) {
        ab_warn("stream \"%s\": a row exceeds the record size limit; its "
                "values over %u bytes are emitted as null",
                p->stream->name, SM_BIG_VALUE);
        rc = try_record(r, p, row, lens, true);
    }
    if (rc != AB_OK) {
        ab_error_set(r->err, rc, "could not write a record of stream \"%s\"",
                     p->stream->name);
    }
    return rc;
}

/*
 * One row: without a key, an incremental checkpoint waits for the next
 * cursor value (only then are all rows of the previous value written).
 */
static enum ab_rc process_row(struct reader *r, struct sm_plan *p,
                              MYSQL_ROW row, const unsigned long *lens,
                              struct chunk *ch)
{
    bool incr = p->mode == SM_MODE_INCR;
    enum ab_rc rc = AB_OK;

    if (incr && p->nkeys == 0 && ch->pending && cursor_changed(p, row, lens)) {
        p->pos.nulls_done |= row[p->cursor_pos] != NULL;
        rc = checkpoint(r, p);
        ch->pending = false;
    }
    if (rc == AB_OK) {
        rc = write_record(r, p, row, lens);
    }
    if (rc == AB_OK && update_pos(p, row, lens) != AB_OK) {
        rc = ab_error_set(r->err, AB_ERR_NOMEM, "out of memory");
    }
    ch->rows++;
    if (rc != AB_OK || !ab_stream_checkpoint_due(p->stream)) {
        return rc;
    }
    if (p->nkeys > 0) {
        rc = checkpoint(r, p);
    } else {
        /* KNOWN-ISSUE(MY-1): a full refresh of a table without a usable
         * primary key cannot checkpoint; it resumes from the start. */
        ch->pending = incr;
    }
    return rc;
}

/* ---- chunks ------------------------------------------------------------- */

/* A string column the result marks binary (charset 63) is base64. */
static void adjust_kinds(struct sm_plan *p, MYSQL_RES *res)
{
    MYSQL_FIELD *f = mysql_fetch_fields(res);
    size_t i;

    for (i = 0; f != NULL && i < p->ncols; i++) {
        if (p->cols[i].kind == SM_KIND_STRING && f[i].charsetnr == 63 &&
            sm_is_char_type(p->cols[i].col->data_type) &&
            !p->cols[i].col->in_pk) {
            p->cols[i].kind = SM_KIND_BINARY;
        }
    }
}

static enum ab_rc fetch_rows(struct reader *r, struct sm_plan *p,
                             MYSQL_RES *res, struct chunk *ch)
{
    MYSQL_ROW row = NULL;
    enum ab_rc rc = AB_OK;

    while (rc == AB_OK && (row = mysql_fetch_row(res)) != NULL) {
        if (ab_stop_requested()) {
            sm_conn_cancel(&r->conn);
            return ab_error_set(r->err, AB_ERR_STOPPED, "stopped by a signal");
        }
        rc = process_row(r, p, row, mysql_fetch_lengths(res), ch);
    }
    if (rc == AB_OK && mysql_errno(r->conn.db) != 0) {
        rc = sm_conn_fail(&r->conn, "reading rows", r->err);
    }
    return rc;
}

static enum ab_rc read_chunk(struct reader *r, struct sm_plan *p,
                             uint64_t limit, struct chunk *ch)
{
    MYSQL_RES *res = NULL;
    enum ab_rc rc = sm_plan_sql(p, limit, &r->sql);

    if (rc != AB_OK) {
        return ab_error_set(r->err, rc == AB_ERR_PARSE ? AB_ERR_INTERNAL : rc,
                            "could not build the query of stream \"%s\"",
                            p->stream->name);
    }
    rc = sm_conn_query(&r->conn, r->sql.data, true, &res, "reading rows",
                       r->err);
    if (rc == AB_OK && mysql_num_fields(res) != p->ncols + (p->ncols == 0)) {
        rc = ab_error_set(r->err, AB_ERR_INTERNAL,
                          "stream \"%s\": the query returned %u columns",
                          p->stream->name, mysql_num_fields(res));
    }
    if (rc == AB_OK) {
        adjust_kinds(p, res);
        rc = fetch_rows(r, p, res, ch);
    }
    if (res != NULL) {
        mysql_free_result(res);
    }
    return rc;
}

/* ---- streams ------------------------------------------------------------ */

static enum ab_rc read_all_chunks(struct reader *r, struct sm_plan *p)
{
    uint64_t limit = p->chunked ? r->o->chunk_size : 0;
    struct chunk ch = { 0, false };
    uint64_t before = 0;
    enum ab_rc rc = AB_OK;

    do {
        before = ch.rows;
        rc = read_chunk(r, p, limit, &ch);
    } while (rc == AB_OK && limit > 0 && ch.rows - before == limit);
    return rc;
}

static enum ab_rc finish_stream(struct reader *r, struct sm_plan *p)
{
    enum ab_rc rc = AB_OK;

    if (p->mode == SM_MODE_FULL) {
        p->pos.done = true;
        p->pos.has_pk = false;
    } else if (!p->pos.has_cursor) {
        /* KNOWN-ISSUE(MY-2): rows whose cursor is NULL are read once. */
        p->pos.nulls_done = true;
    }
    rc = checkpoint(r, p);
    if (rc == AB_OK) {
        rc = ab_stream_complete(p->stream);
        if (rc != AB_OK) {
            ab_error_set(r->err, rc, "could not write a stream status");
        }
    }
    return rc;
}

/* Append ", name" (or "name" first) to a list; false when it is full. */
static bool name_list_add(struct ab_buf *list, const char *name)
{
    if (list->len > 0 && ab_buf_append_str(list, ", ") != AB_OK) {
        return false;
    }
    return ab_buf_append_str(list, name) == AB_OK;
}

/*
 * Say what this run reads from the table and what the column policies
 * keep back, so every sync's log records its provenance: the governance
 * trail at the source.
 */
static void log_provenance(const struct sm_plan *p)
{
    struct ab_buf hashed;
    struct ab_buf excluded;
    size_t emitted = 0;
    size_t i;

    ab_buf_init(&hashed, 4096);
    ab_buf_init(&excluded, 4096);
    for (i = 0; i < p->ncols; i++) {
        emitted += p->cols[i].emit;
        if (p->cols[i].emit && p->cols[i].hash &&
            !name_list_add(&hashed, p->cols[i].col->name)) {
            break;
        }
    }
    for (i = 0; i < p->table->ncols; i++) {
        if (p->table->cols[i].action == SM_ACT_EXCLUDE &&
            !name_list_add(&excluded, p->table->cols[i].name)) {
            break;
        }
    }
    ab_info("stream \"%s\" reads %zu columns of %s (%s, %s); hashed: %s; "
            "excluded by policy: %s",
            p->stream->name, emitted, p->from.data,
            p->mode == SM_MODE_INCR ? "incremental" : "full refresh",
            p->chunked ? "keyset chunks" : "one query",
            hashed.len > 0 ? hashed.data : "none",
            excluded.len > 0 ? excluded.data : "none");
    ab_buf_cleanup(&hashed);
    ab_buf_cleanup(&excluded);
}

/* After a failure, certify what was already written when that is an
 * exact position (best effort: the first error stays the one reported). */
static void salvage_state(struct reader *r, struct sm_plan *p, enum ab_rc rc)
{
    if (rc != AB_ERR_OUTPUT && p->nkeys > 0 && p->stream->started &&
        p->stream->records_since_state > 0) {
        (void)checkpoint(r, p);
    }
}

static enum ab_rc read_stream(struct reader *r, struct sm_plan *p)
{
    int64_t t0 = ab_now_ms();
    enum ab_rc rc = ab_stream_begin(p->stream);

    if (rc != AB_OK) {
        return ab_error_set(r->err, rc, "could not write a stream status");
    }
    log_provenance(p);
    rc = sm_conn_exec(&r->conn, SM_SQL_SNAPSHOT, "starting the snapshot",
                      r->err);
    if (rc == AB_OK) {
        rc = read_all_chunks(r, p);
    }
    if (rc == AB_OK) {
        rc = finish_stream(r, p);
    } else {
        salvage_state(r, p, rc);
    }
    if (rc == AB_OK) {
        rc = sm_conn_exec(&r->conn, SM_SQL_COMMIT, "ending the snapshot",
                          r->err);
    }
    if (rc == AB_OK) {
        ab_info("stream \"%s\": %" PRIu64 " records (%s) in %.1f s",
                p->stream->name, p->stream->records_total,
                p->mode == SM_MODE_INCR ? "incremental" : "full refresh",
                (double)(ab_now_ms() - t0) / 1000.0);
    }
    return rc;
}

/* ---- setup -------------------------------------------------------------- */

static enum ab_rc load_schema(struct reader *r, struct ab_catalog *cat)
{
    const char **names = ab_calloc(cat->count + 1, sizeof(*names));
    enum ab_rc rc = AB_OK;
    size_t i;

    if (names == NULL) {
        return ab_error_set(r->err, AB_ERR_NOMEM, "out of memory");
    }
    for (i = 0; i < cat->count; i++) {
        names[i] = cat->streams[i].name;
    }
    rc = sm_schema_load(&r->conn, r->o, names, cat->count, &r->schema, r->err);
    if (rc == AB_OK) {
        rc = sm_schema_load_indexes(&r->conn, r->o, names, cat->count,
                                    &r->schema, r->err);
    }
    ab_free(names);
    return rc;
}

static enum ab_rc build_plans(struct reader *r, struct ab_catalog *cat)
{
    enum ab_rc rc = AB_OK;
    size_t i;

    r->plans = ab_calloc(cat->count + 1, sizeof(*r->plans));
    if (r->plans == NULL) {
        return ab_error_set(r->err, AB_ERR_NOMEM, "out of memory");
    }
    for (i = 0; rc == AB_OK && i < cat->count; i++) {
        rc = sm_plan_build(&r->plans[i], &cat->streams[i], &r->schema, r->o,
                           r->err);
        r->nplans = i + 1;
    }
    return rc;
}

static enum ab_rc emit_estimates(struct reader *r)
{
    enum ab_rc rc = AB_OK;
    size_t i;

    for (i = 0; rc == AB_OK && i < r->nplans; i++) {
        const struct sm_table *t = r->plans[i].table;

        if (t->rows >= 0 || t->bytes >= 0) {
            rc = ab_emit_estimate(r->plans[i].stream->name,
                                  r->plans[i].stream->ns, t->rows, t->bytes);
        }
    }
    return rc == AB_OK ? AB_OK
                       : ab_error_set(r->err, rc, "could not write output");
}

static void reader_cleanup(struct reader *r)
{
    size_t i;

    for (i = 0; i < r->nplans; i++) {
        sm_plan_cleanup(&r->plans[i]);
    }
    ab_free(r->plans);
    ab_record_cleanup(&r->rec);
    ab_buf_cleanup(&r->sql);
    sm_schema_cleanup(&r->schema);
    sm_conn_close(&r->conn);
}

enum ab_rc sm_read(const json_t *config, struct ab_catalog *catalog,
                   struct ab_error *err)
{
    struct sm_options o;
    struct reader r;
    enum ab_rc rc = sm_options_init(&o, config, err);
    size_t i;

    if (rc != AB_OK) {
        return rc;
    }
    memset(&r, 0, sizeof(r));
    r.o = &o;
    r.err = err;
    ab_record_init(&r.rec);
    ab_buf_init(&r.sql, SM_SQL_TEXT_MAX);
    sm_tz_activate(&o.values.tz);
    rc = sm_conn_open(&r.conn, &o, err);
    if (rc == AB_OK) {
        rc = load_schema(&r, catalog);
    }
    if (rc == AB_OK) {
        rc = build_plans(&r, catalog);
    }
    if (rc == AB_OK) {
        rc = emit_estimates(&r);
    }
    for (i = 0; rc == AB_OK && i < r.nplans; i++) {
        rc = read_stream(&r, &r.plans[i]);
    }
    reader_cleanup(&r);
    sm_options_cleanup(&o);
    return rc;
}
