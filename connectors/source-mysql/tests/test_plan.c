/*
 * Unit tests of read plans (plan.c): stream -> table, column selection,
 * effective mode, chunked or one-query reading, and the resume decisions
 * for every kind of input state. The schema is built in memory; no
 * server is needed.
 */
#include "sm_test.h"

#include "plan.h"

#include <ab/out.h>

#include <stdio.h>
#include <stdlib.h>

/* Table t: id (pk), updated_at, name, secret (excluded), email (hashed),
 * InnoDB, no index until a test adds one; table nokey: v only. */
struct fixture {
    struct sm_column cols[5];
    struct sm_column nokey_cols[1];
    size_t pk[1];
    struct sm_index index;
    size_t index_cols[3];
    struct sm_table tables[2];
    struct sm_schema schema;
    struct sm_options opts;
    struct ab_catalog cat;
    struct sm_plan plan;
    struct ab_error err;
    FILE *out;
};

static void set_col(struct sm_column *c, const char *name, enum sm_kind k,
                    enum sm_action action)
{
    memset(c, 0, sizeof(*c));
    c->name = (char *)(uintptr_t)name;
    c->column_type = (char *)(uintptr_t) "x";
    c->data_type = (char *)(uintptr_t) "varchar";
    c->kind = k;
    c->action = action;
    c->nullable = true;
}

static void build_schema(struct fixture *f)
{
    set_col(&f->cols[0], "id", SM_KIND_INT, SM_ACT_KEEP);
    f->cols[0].in_pk = true;
    set_col(&f->cols[1], "updated_at", SM_KIND_DATETIME, SM_ACT_KEEP);
    set_col(&f->cols[2], "name", SM_KIND_STRING, SM_ACT_KEEP);
    set_col(&f->cols[3], "secret", SM_KIND_STRING, SM_ACT_EXCLUDE);
    set_col(&f->cols[4], "email", SM_KIND_STRING, SM_ACT_HASH);
    set_col(&f->nokey_cols[0], "v", SM_KIND_STRING, SM_ACT_KEEP);
    f->pk[0] = 0;
    /* Sorted by name, as sm_schema_load leaves them. */
    f->tables[0].name = (char *)(uintptr_t) "nokey";
    f->tables[0].cols = f->nokey_cols;
    f->tables[0].ncols = 1;
    f->tables[1].name = (char *)(uintptr_t) "t";
    f->tables[1].cols = f->cols;
    f->tables[1].ncols = 5;
    f->tables[1].pk = f->pk;
    f->tables[1].npk = 1;
    f->tables[1].innodb = true;
    f->schema.tables = f->tables;
    f->schema.count = 2;
    f->opts.database = "db";
    f->opts.chunk_size = 10;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    build_schema(f);
    f->out = tmpfile();
    assert_non_null(f->out);
    ab_out_init(fileno(f->out));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    sm_plan_cleanup(&f->plan);
    ab_catalog_cleanup(&f->cat);
    fclose(f->out);
    free(f);
    return 0;
}

/* A one-stream catalog; `props` is a JSON object of properties. */
static void load_catalog(struct fixture *f, const char *name, const char *mode,
                         const char *cursor, const char *props, bool incr_ok)
{
    char text[2048];
    json_error_t jerr;
    json_t *root = NULL;

    snprintf(text, sizeof(text),
             "{\"streams\":[{\"stream\":{\"name\":\"%s\",\"namespace\":"
             "\"db\",\"json_schema\":{\"type\":\"object\",\"properties\":"
             "%s},\"supported_sync_modes\":[\"full_refresh\"%s]},"
             "\"sync_mode\":\"%s\",\"destination_sync_mode\":\"append\""
             "%s%s%s}]}",
             name, props, incr_ok ? ",\"incremental\"" : "", mode,
             cursor != NULL ? ",\"cursor_field\":[\"" : "",
             cursor != NULL ? cursor : "", cursor != NULL ? "\"]" : "");
    root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    ab_error_clear(&f->err);
    assert_int_equal(ab_catalog_from_json(root, &f->cat, &f->err), AB_OK);
}

static void attach_state(struct fixture *f, const char *stream_state)
{
    char text[2048];
    json_error_t jerr;
    json_t *st = NULL;

    snprintf(text, sizeof(text),
             "[{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":"
             "{\"name\":\"t\"},\"stream_state\":%s}}]",
             stream_state);
    st = json_loads(text, 0, &jerr);
    assert_non_null(st);
    assert_int_equal(ab_catalog_state_from_json(&f->cat, st, &f->err), AB_OK);
    json_decref(st);
}

static const char *all_props = "{\"id\":{},\"updated_at\":{},\"name\":{},"
                               "\"email\":{}}";

static enum ab_rc build(struct fixture *f)
{
    return sm_plan_build(&f->plan, &f->cat.streams[0], &f->schema, &f->opts,
                         &f->err);
}

/* Give table t one index on the columns named in `names` (NULL-ended);
 * `cut`: a prefix part followed them. */
static void set_index(struct fixture *f, const char *const *names, bool cut)
{
    struct sm_index *ix = &f->index;

    memset(ix, 0, sizeof(*ix));
    ix->cols = f->index_cols;
    for (; *names != NULL; names++) {
        const struct sm_column *c = sm_table_column(&f->tables[1], *names);

        assert_non_null(c);
        f->index_cols[ix->ncols++] = (size_t)(c - f->cols);
    }
    ix->cut = cut;
    f->tables[1].indexes = ix;
    f->tables[1].nindexes = 1;
}

/* Plan table t again (incremental on `cursor`, or full refresh when
 * NULL) and say whether it is read in chunks. */
static bool chunked(struct fixture *f, const char *cursor)
{
    sm_plan_cleanup(&f->plan);
    ab_catalog_cleanup(&f->cat);
    load_catalog(f, "t", cursor != NULL ? "incremental" : "full_refresh",
                 cursor, all_props, true);
    assert_int_equal(build(f), AB_OK);
    return f->plan.chunked;
}

static void assert_sql(const struct fixture *f, const char *want)
{
    struct ab_buf sql;

    ab_buf_init(&sql, 65536);
    assert_int_equal(sm_plan_sql(&f->plan, 10, &sql), AB_OK);
    assert_string_equal(sql.data, want);
    ab_buf_cleanup(&sql);
}

/* True when the captured output holds `text`. */
static bool output_has(const struct fixture *f, const char *text)
{
    char buf[8192];
    size_t n = 0;

    assert_int_equal(ab_out_flush(), AB_OK);
    rewind(f->out);
    n = fread(buf, 1, sizeof(buf) - 1, f->out);
    buf[n] = '\0';
    return strstr(buf, text) != NULL;
}

static void test_sm_plan_full_refresh_selects_policy_columns(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "t", "full_refresh", NULL, all_props, true);
    assert_int_equal(build(f), AB_OK);
    assert_int_equal(f->plan.mode, SM_MODE_FULL);
    assert_int_equal(f->plan.nkeys, 1);
    assert_int_equal(f->plan.ncols, 4);
    assert_true(f->plan.cols[3].hash);
    assert_sql(f, "SELECT `id`,`updated_at`,`name`,`email` FROM `db`.`t` "
                  "ORDER BY `id` LIMIT 10");
}

static void test_sm_plan_unselected_key_is_read_not_emitted(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "t", "incremental", "updated_at", "{\"name\":{}}", true);
    assert_int_equal(build(f), AB_OK);
    assert_int_equal(f->plan.ncols, 3);
    assert_false(f->plan.cols[0].emit); /* id: the key */
    assert_false(f->plan.cols[1].emit); /* updated_at: the cursor */
    assert_true(f->plan.cols[2].emit);
    assert_int_equal(f->plan.cursor_pos, 1);
}

static void test_sm_plan_incremental_resumes_after_cursor_and_key(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "t", "incremental", "updated_at", all_props, true);
    attach_state(f, "{\"version\":1,\"mode\":\"incremental\",\"cursor_field\""
                    ":\"updated_at\",\"cursor\":\"2024-01-01 00:00:00\","
                    "\"pk\":{\"id\":\"7\"}}");
    assert_int_equal(build(f), AB_OK);
    assert_int_equal(f->plan.mode, SM_MODE_INCR);
    assert_sql(f, "SELECT `id`,`updated_at`,`name`,`email` FROM `db`.`t` "
                  "WHERE `updated_at` >= '2024-01-01 00:00:00' AND "
                  "(`updated_at` > '2024-01-01 00:00:00' OR "
                  "(`updated_at` = '2024-01-01 00:00:00' AND `id` > 7)) "
                  "ORDER BY `updated_at`,`id`");
}

static void test_sm_plan_unindexed_cursor_is_one_query(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "t", "incremental", "updated_at", "{\"name\":{}}", true);
    assert_int_equal(build(f), AB_OK);
    assert_false(f->plan.chunked);
    assert_sql(f, "SELECT `id`,`updated_at`,`name` FROM `db`.`t` "
                  "ORDER BY `updated_at`,`id`");
    assert_true(output_has(f, "stream \\\"t\\\": no index orders the table "
                              "by \\\"updated_at\\\" and its primary key; "
                              "reading it in one ordered query"));
}

static void test_sm_plan_indexed_cursor_is_chunked(void **state)
{
    struct fixture *f = *state;
    const char *const cursor_only[] = { "updated_at", NULL };

    set_index(f, cursor_only, false);
    load_catalog(f, "t", "incremental", "updated_at", "{\"name\":{}}", true);
    assert_int_equal(build(f), AB_OK);
    assert_true(f->plan.chunked);
    assert_sql(f, "SELECT `id`,`updated_at`,`name` FROM `db`.`t` "
                  "ORDER BY `updated_at`,`id` LIMIT 10");
    assert_false(output_has(f, "one ordered query"));
}

/* Which indexes give the order (cursor, key) without a sort. */
static void test_sm_plan_chunks_only_when_an_index_orders(void **state)
{
    struct fixture *f = *state;
    const char *const cursor_only[] = { "updated_at", NULL };
    const char *const cursor_key[] = { "updated_at", "id", NULL };
    const char *const cursor_other[] = { "updated_at", "name", NULL };
    const char *const other_cursor[] = { "name", "updated_at", NULL };
    const char *const key_only[] = { "id", NULL };

    assert_false(chunked(f, "updated_at"));
    assert_true(chunked(f, NULL)); /* full refresh: the key orders */
    set_index(f, cursor_only, false);
    assert_true(chunked(f, "updated_at")); /* InnoDB appends the key */
    f->tables[1].innodb = false;
    assert_false(chunked(f, "updated_at"));
    set_index(f, cursor_key, false);
    assert_true(chunked(f, "updated_at"));
    f->tables[1].innodb = true;
    set_index(f, cursor_other, false);
    assert_false(chunked(f, "updated_at"));
    set_index(f, other_cursor, false);
    assert_false(chunked(f, "updated_at"));
    set_index(f, cursor_only, true); /* (updated_at, name(10)) */
    assert_false(chunked(f, "updated_at"));
    set_index(f, cursor_key, true); /* (updated_at, id, name(10)) */
    assert_true(chunked(f, "updated_at"));
    set_index(f, key_only, false); /* the primary key as cursor */
    assert_true(chunked(f, "id"));
    assert_false(chunked(f, "name"));
}

static void test_sm_plan_full_refresh_resumes_after_key(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "t", "full_refresh", NULL, "{\"name\":{}}", true);
    attach_state(f, "{\"version\":1,\"mode\":\"full_refresh\","
                    "\"pk\":{\"id\":\"41\"}}");
    assert_int_equal(build(f), AB_OK);
    assert_sql(f, "SELECT `id`,`name` FROM `db`.`t` WHERE `id` > 41 "
                  "ORDER BY `id` LIMIT 10");
}

static void test_sm_plan_done_state_starts_over(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "t", "full_refresh", NULL, "{\"name\":{}}", true);
    attach_state(f, "{\"version\":1,\"mode\":\"full_refresh\","
                    "\"done\":true}");
    assert_int_equal(build(f), AB_OK);
    assert_false(f->plan.pos.done);
    assert_sql(f, "SELECT `id`,`name` FROM `db`.`t` ORDER BY `id` LIMIT 10");
}

static void test_sm_plan_mode_switch_starts_over_with_warning(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "t", "incremental", "updated_at", "{\"name\":{}}", true);
    attach_state(f, "{\"version\":1,\"mode\":\"full_refresh\","
                    "\"pk\":{\"id\":\"41\"}}");
    assert_int_equal(build(f), AB_OK);
    assert_false(f->plan.pos.has_pk);
    assert_true(output_has(f, "the state is for full_refresh sync, the "
                              "stream is read as incremental; starting "
                              "over"));
}

static void test_sm_plan_incremental_unsupported_falls_back(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "t", "incremental", NULL, "{\"name\":{}}", false);
    assert_int_equal(build(f), AB_OK);
    assert_int_equal(f->plan.mode, SM_MODE_FULL);
    assert_true(output_has(f, "does not support incremental sync; reading "
                              "it as a full refresh"));
}

static void test_sm_plan_missing_cursor_column_fails_config(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "t", "incremental", "secret", all_props, true);
    assert_int_equal(build(f), AB_ERR_CONFIG);
    assert_string_equal(f->err.message, "stream \"t\": cursor column "
                                        "\"secret\" does not exist");
}

static void test_sm_plan_hashed_cursor_fails_config(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "t", "incremental", "email", all_props, true);
    assert_int_equal(build(f), AB_ERR_CONFIG);
    assert_string_equal(f->err.message,
                        "stream \"t\": column \"email\" (x, hashed) cannot "
                        "be a cursor: use a date, time stamp, integer, "
                        "decimal or text column");
}

static void test_sm_plan_bad_state_value_fails_config(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "t", "full_refresh", NULL, all_props, true);
    attach_state(f, "{\"version\":1,\"mode\":\"full_refresh\","
                    "\"pk\":{\"id\":\"1 OR 1=1\"}}");
    assert_int_equal(build(f), AB_ERR_CONFIG);
    assert_string_equal(f->err.message,
                        "state of stream \"t\" holds a value that does not "
                        "fit its column; reset the stream");
}

static void test_sm_plan_unknown_stream_fails_config(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "missing", "full_refresh", NULL, all_props, true);
    assert_int_equal(build(f), AB_ERR_CONFIG);
    assert_string_equal(f->err.message,
                        "stream \"missing\" (namespace \"db\") is not a "
                        "table or view of database \"db\" selected by this "
                        "source");
}

static void test_sm_plan_table_without_key_has_no_limit(void **state)
{
    struct fixture *f = *state;

    load_catalog(f, "nokey", "full_refresh", NULL, "{\"v\":{}}", false);
    assert_int_equal(build(f), AB_OK);
    assert_int_equal(f->plan.nkeys, 0);
    assert_sql(f, "SELECT `v` FROM `db`.`nokey`");
}

#define PLAN_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        PLAN_TEST(test_sm_plan_full_refresh_selects_policy_columns),
        PLAN_TEST(test_sm_plan_unselected_key_is_read_not_emitted),
        PLAN_TEST(test_sm_plan_incremental_resumes_after_cursor_and_key),
        PLAN_TEST(test_sm_plan_unindexed_cursor_is_one_query),
        PLAN_TEST(test_sm_plan_indexed_cursor_is_chunked),
        PLAN_TEST(test_sm_plan_chunks_only_when_an_index_orders),
        PLAN_TEST(test_sm_plan_full_refresh_resumes_after_key),
        PLAN_TEST(test_sm_plan_done_state_starts_over),
        PLAN_TEST(test_sm_plan_mode_switch_starts_over_with_warning),
        PLAN_TEST(test_sm_plan_incremental_unsupported_falls_back),
        PLAN_TEST(test_sm_plan_missing_cursor_column_fails_config),
        PLAN_TEST(test_sm_plan_hashed_cursor_fails_config),
        PLAN_TEST(test_sm_plan_bad_state_value_fails_config),
        PLAN_TEST(test_sm_plan_unknown_stream_fails_config),
        PLAN_TEST(test_sm_plan_table_without_key_has_no_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
