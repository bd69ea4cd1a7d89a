/*
 * Unit tests of the metadata helpers that need no server: JSON check
 * clauses, table filters, index order (schema.c) and the key/cursor
 * rules discover and read share (discover.c).
 */
#include "sm_test.h"

#include "ops.h"
#include "schema.h"

static void assert_check(const char *clause, const char *want)
{
    struct ab_buf b;

    ab_buf_init(&b, 1024);
    if (want == NULL) {
        assert_false(sm_json_check_column(clause, &b));
    } else {
        assert_true(sm_json_check_column(clause, &b));
        assert_string_equal(b.data, want);
    }
    ab_buf_cleanup(&b);
}

static void test_sm_json_check_column_forms(void **state)
{
    (void)state;
    assert_check("json_valid(`campus_ids`)", "campus_ids");
    assert_check("JSON_VALID( \"ice_cube_schedule\" )", "ice_cube_schedule");
    assert_check("json_valid(`we``ird`)", "we`ird");
    assert_check("json_valid(`a`) and `b` > 0", NULL);
    assert_check("`a` > 0", NULL);
    assert_check("json_valid(a)", NULL);
}

static void test_sm_table_filter_patterns_and_names(void **state)
{
    json_error_t jerr;
    json_t *pats = json_loads("[\"task%\",\"users\"]", 0, &jerr);
    const char *only[] = { "tasks" };
    struct ab_buf b;

    (void)state;
    ab_buf_init(&b, 4096);
    assert_int_equal(sm_table_filter(&b, pats, only, 1), AB_OK);
    assert_string_equal(b.data,
                        " AND (TABLE_NAME LIKE _utf8mb4 X'7461736B25' OR "
                        "TABLE_NAME LIKE _utf8mb4 X'7573657273') AND "
                        "TABLE_NAME IN (_utf8mb4 X'7461736B73')");
    ab_buf_reset(&b);
    assert_int_equal(sm_table_filter(&b, NULL, NULL, 0), AB_OK);
    assert_int_equal(b.len, 0);
    ab_buf_cleanup(&b);
    json_decref(pats);
}

/* A table: id (bigint pk), updated_at/created_at optional. */
struct fixture {
    struct sm_column cols[3];
    size_t pk[1];
    struct sm_table t;
};

static void fixture_init(struct fixture *f, const char *second,
                         enum sm_kind second_kind)
{
    memset(f, 0, sizeof(*f));
    f->cols[0].name = (char *)(uintptr_t) "id";
    f->cols[0].kind = SM_KIND_INT;
    f->cols[0].in_pk = true;
    f->cols[1].name = (char *)(uintptr_t)second;
    f->cols[1].kind = second_kind;
    f->cols[2].name = (char *)(uintptr_t) "created_at";
    f->cols[2].kind = SM_KIND_DATETIME;
    f->pk[0] = 0;
    f->t.name = (char *)(uintptr_t) "t";
    f->t.cols = f->cols;
    f->t.ncols = 3;
    f->t.pk = f->pk;
    f->t.npk = 1;
}

static void test_sm_table_default_cursor_order(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, "updated_at", SM_KIND_TIMESTAMP);
    assert_string_equal(sm_table_default_cursor(&f.t)->name, "updated_at");
    f.cols[1].action = SM_ACT_EXCLUDE;
    assert_string_equal(sm_table_default_cursor(&f.t)->name, "created_at");
    f.cols[2].kind = SM_KIND_STRING;
    assert_string_equal(sm_table_default_cursor(&f.t)->name, "id");
    f.cols[0].kind = SM_KIND_STRING;
    assert_null(sm_table_default_cursor(&f.t));
}

static void test_sm_table_keyset_ok_rules(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, "v", SM_KIND_STRING);
    assert_true(sm_table_keyset_ok(&f.t));
    assert_true(sm_table_pk_visible(&f.t));
    f.cols[0].action = SM_ACT_HASH;
    assert_false(sm_table_keyset_ok(&f.t));
    assert_true(sm_table_pk_visible(&f.t));
    f.cols[0].action = SM_ACT_EXCLUDE;
    assert_false(sm_table_pk_visible(&f.t));
    f.cols[0].action = SM_ACT_KEEP;
    f.cols[0].kind = SM_KIND_JSON;
    assert_false(sm_table_keyset_ok(&f.t));
    f.t.npk = 0;
    assert_false(sm_table_keyset_ok(&f.t));
    assert_false(sm_table_pk_visible(&f.t));
}

/* Key (tenant, id) in columns 0 and 1, seq in column 2; one index. */
struct two_key {
    struct sm_column cols[3];
    size_t pk[2];
    size_t parts[3];
    struct sm_index ix;
    struct sm_table t;
};

static void two_key_init(struct two_key *k, bool innodb)
{
    memset(k, 0, sizeof(*k));
    k->pk[0] = 0;
    k->pk[1] = 1;
    k->ix.cols = k->parts;
    k->t.cols = k->cols;
    k->t.ncols = 3;
    k->t.pk = k->pk;
    k->t.npk = 2;
    k->t.indexes = &k->ix;
    k->t.nindexes = 1;
    k->t.innodb = innodb;
}

/* Whether the table, its one index on columns parts[0..n) (`cut`: a
 * prefix part followed them), is ordered by (cursor, key). */
static bool orders(struct two_key *k, size_t cursor, const size_t *parts,
                   size_t n, bool cut)
{
    memcpy(k->parts, parts, n * sizeof(*parts));
    k->ix.ncols = n;
    k->ix.cut = cut;
    return sm_table_orders_by(&k->t, cursor);
}

static void test_sm_table_orders_by_composite_key(void **state)
{
    const size_t seq[] = { 2 };
    const size_t seq_tenant[] = { 2, 0 };
    const size_t seq_id[] = { 2, 1 };
    const size_t seq_key[] = { 2, 0, 1 };
    const size_t id[] = { 1 };
    const size_t id_tenant[] = { 1, 0 };
    const size_t key[] = { 0, 1 };
    struct two_key k;

    (void)state;
    two_key_init(&k, true);
    assert_true(orders(&k, 2, seq, 1, false)); /* + tenant, id */
    assert_true(orders(&k, 2, seq_tenant, 2, false));
    assert_false(orders(&k, 2, seq_id, 2, false)); /* seq, id, tenant */
    assert_false(orders(&k, 2, seq, 1, true));     /* seq, x(10), ... */
    assert_true(orders(&k, 2, seq_key, 3, true));
    assert_true(orders(&k, 1, id, 1, false));  /* id, tenant */
    assert_true(orders(&k, 0, key, 2, false)); /* the primary key */
    assert_false(orders(&k, 1, key, 2, false));
    assert_false(orders(&k, 2, key, 0, false)); /* no usable part */
    two_key_init(&k, false);
    assert_false(orders(&k, 2, seq, 1, false));
    assert_false(orders(&k, 2, seq_tenant, 2, false));
    assert_true(orders(&k, 2, seq_key, 3, false));
    assert_false(orders(&k, 1, id, 1, false));
    assert_true(orders(&k, 1, id_tenant, 2, false));
    k.t.nindexes = 0;
    assert_false(orders(&k, 2, seq_key, 3, false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm_json_check_column_forms),
        cmocka_unit_test(test_sm_table_filter_patterns_and_names),
        cmocka_unit_test(test_sm_table_default_cursor_order),
        cmocka_unit_test(test_sm_table_keyset_ok_rules),
        cmocka_unit_test(test_sm_table_orders_by_composite_key),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
