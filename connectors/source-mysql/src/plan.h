/*
 * Read plan of one configured stream: which table, which columns are
 * selected (configured fields, plus key and cursor columns needed for
 * ordering), the effective sync mode, how the rows are queried and the
 * position to resume from.
 * Every plan is built and validated before the first row is read, so a
 * bad catalog or state fails the sync without partial output.
 */
#ifndef SM_PLAN_H
#define SM_PLAN_H

#include <ab/setup.h>
#include <ab/buf.h>
#include <ab/catalog.h>
#include <ab/rc.h>

#include "options.h"
#include "query.h"
#include "schema.h"
#include "state.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A selected column (the table column is borrowed from the schema). */
struct sm_sel {
    const struct sm_column *col;
    enum sm_kind kind; /* col->kind, or BINARY when the result says so */
    bool emit;         /* written into records (in the configured schema) */
    bool hash;         /* written as the salted digest */
    size_t key_off;    /* its encoded `"name":` in sm_plan.key_json */
    size_t key_len;
};

/*
 * `chunked`: how a stream with a usable key is queried. Full refresh: in
 * keyset chunks (the primary key orders the table). Incremental: in
 * chunks only when an index orders the table by (cursor, key); without
 * one every chunk would scan and sort the whole table, so the stream is
 * one ordered query that the server sorts once. Either way the order is
 * total, so the last row written is an exact checkpoint at any point.
 */
struct sm_plan {
    struct ab_stream *stream;     /* borrowed from the catalog */
    const struct sm_table *table; /* borrowed from the schema */
    enum sm_mode mode;            /* effective: FULL or INCR */
    struct sm_sel *cols;          /* owned */
    size_t ncols;
    struct sm_keycol *keys;  /* owned array, names borrowed */
    size_t *key_pos;         /* owned: index into cols per key */
    size_t nkeys;            /* 0: no keyset (no usable key) */
    bool chunked;            /* LIMIT chunk_size queries, else one query */
    struct sm_keycol cursor; /* INCR only */
    ssize_t cursor_pos;      /* index into cols, -1 without */
    struct ab_buf columns;   /* select list */
    struct ab_buf key_json;  /* encoded record keys, see sm_sel.key_off */
    struct ab_buf from;      /* `db`.`table` */
    struct sm_state pos;     /* resume position, then live */
};

/*
 * Build the plan of `stream` against `schema`. Unknown stream, missing or
 * unusable cursor column, and a state value that does not fit its column
 * are config_errors naming the stream. Mode switches and stale states
 * are logged (WARN) and start the stream from the beginning.
 */
AB_NODISCARD enum ab_rc sm_plan_build(struct sm_plan *p,
                                      struct ab_stream *stream,
                                      const struct sm_schema *schema,
                                      const struct sm_options *o,
                                      struct ab_error *err);

void sm_plan_cleanup(struct sm_plan *p);

/* The query for the current position into `sql` (chunked: LIMIT
 * `limit`); AB_ERR_PARSE when a state value does not fit its column. */
AB_NODISCARD enum ab_rc sm_plan_sql(const struct sm_plan *p, uint64_t limit,
                                    struct ab_buf *sql);

#endif /* SM_PLAN_H */
