/* Unit tests of identifier quoting, literals and chunk queries (query.c). */
#include "sm_test.h"

#include "query.h"
#include "state.h"

static const struct sm_keycol key_id = { "id", SM_LIT_NUMBER };
static const struct sm_keycol key_ab[] = { { "a", SM_LIT_NUMBER },
                                           { "b", SM_LIT_TEXT } };
static const struct sm_keycol cur_upd = { "updated_at", SM_LIT_TEMPORAL };

/* A position with key values (NULL entries: key not set). */
static void pos_init(struct sm_state *st, const char *const *names,
                     const char *const *values, size_t n)
{
    size_t i;

    sm_state_init(st);
    assert_int_equal(sm_state_set_keys(st, names, n), AB_OK);
    for (i = 0; values != NULL && i < n; i++) {
        assert_int_equal(ab_buf_append_str(&st->pk_values[i], values[i]),
                         AB_OK);
        st->has_pk = true;
    }
}

static void set_cursor(struct sm_state *st, const char *value)
{
    assert_int_equal(ab_buf_append_str(&st->cursor, value), AB_OK);
    st->has_cursor = true;
}

static void assert_ident(const char *name, const char *want)
{
    struct ab_buf b;

    ab_buf_init(&b, 1024);
    assert_int_equal(sm_sql_ident(&b, name), AB_OK);
    assert_string_equal(b.data, want);
    ab_buf_cleanup(&b);
}

static void test_sm_sql_ident_doubles_backquotes(void **state)
{
    (void)state;
    assert_ident("users", "`users`");
    assert_ident("we`ird", "`we``ird`");
    assert_ident("`", "````");
    assert_ident("interval", "`interval`");
}

static void test_sm_sql_string_hex_literal(void **state)
{
    struct ab_buf b;

    (void)state;
    ab_buf_init(&b, 1024);
    assert_int_equal(sm_sql_string(&b, "", 0), AB_OK);
    assert_string_equal(b.data, "''");
    ab_buf_reset(&b);
    assert_int_equal(sm_sql_string(&b, "a'\\", 3), AB_OK);
    assert_string_equal(b.data, "_utf8mb4 X'61275C'");
    ab_buf_cleanup(&b);
}

static void test_sm_numeric_literal_ok_accepts_numbers_only(void **state)
{
    (void)state;
    assert_true(sm_numeric_literal_ok("123", 3));
    assert_true(sm_numeric_literal_ok("-1", 2));
    assert_true(sm_numeric_literal_ok("18446744073709551615", 20));
    assert_true(sm_numeric_literal_ok("1.50", 4));
    assert_true(sm_numeric_literal_ok("-0.5E-3", 7));
    assert_false(sm_numeric_literal_ok("", 0));
    assert_false(sm_numeric_literal_ok("-", 1));
    assert_false(sm_numeric_literal_ok("1.", 2));
    assert_false(sm_numeric_literal_ok(".5", 2));
    assert_false(sm_numeric_literal_ok("1e", 2));
    assert_false(sm_numeric_literal_ok("0x10", 4));
    assert_false(sm_numeric_literal_ok("1 OR 1=1", 8));
}

static void test_sm_temporal_literal_ok(void **state)
{
    (void)state;
    assert_true(sm_temporal_literal_ok("2024-05-01 10:15:00.123456", 26));
    assert_true(sm_temporal_literal_ok("2024-05-01T10:15:00", 19));
    assert_true(sm_temporal_literal_ok("-838:59:59", 10));
    assert_false(sm_temporal_literal_ok("2024-05-01'", 11));
    assert_false(sm_temporal_literal_ok("2024-05-01Z", 11));
    assert_false(sm_temporal_literal_ok("", 0));
}

static void test_sm_sql_value_per_literal_kind(void **state)
{
    struct ab_buf b;

    (void)state;
    ab_buf_init(&b, 1024);
    assert_int_equal(
        sm_sql_value(&b, SM_LIT_TEMPORAL, "2024-05-01T10:00:00", 19), AB_OK);
    assert_string_equal(b.data, "'2024-05-01 10:00:00'");
    ab_buf_reset(&b);
    assert_int_equal(sm_sql_value(&b, SM_LIT_BINARY, "0a0B", 4), AB_OK);
    assert_string_equal(b.data, "X'0a0B'");
    ab_buf_reset(&b);
    assert_int_equal(sm_sql_value(&b, SM_LIT_NUMBER, "12;DROP", 7),
                     AB_ERR_PARSE);
    assert_int_equal(sm_sql_value(&b, SM_LIT_BINARY, "0g", 2), AB_ERR_PARSE);
    assert_int_equal(sm_sql_value(&b, SM_LIT_NONE, "1", 1), AB_ERR_PARSE);
    ab_buf_cleanup(&b);
}

static void assert_keyset(const struct sm_keycol *cols, size_t n,
                          const char *const *values, const char *want)
{
    const char *names[3] = { "a", "b", "c" };
    struct sm_state st;
    struct ab_buf b;

    pos_init(&st, names, values, n);
    ab_buf_init(&b, 4096);
    assert_int_equal(sm_sql_keyset(&b, cols, n, st.pk_values), AB_OK);
    assert_string_equal(b.data, want);
    ab_buf_cleanup(&b);
    sm_state_cleanup(&st);
}

static void test_sm_sql_keyset_single_and_composite(void **state)
{
    const char *v1[] = { "123" };
    const char *v2[] = { "7", "x" };
    const struct sm_keycol three[] = { { "a", SM_LIT_NUMBER },
                                       { "b", SM_LIT_NUMBER },
                                       { "c", SM_LIT_NUMBER } };
    const char *v3[] = { "1", "2", "3" };

    (void)state;
    assert_keyset(&key_id, 1, v1, "`id` > 123");
    assert_keyset(key_ab, 2, v2,
                  "`a` >= 7 AND (`a` > 7 OR (`a` = 7 AND "
                  "`b` > _utf8mb4 X'78'))");
    assert_keyset(three, 3, v3,
                  "`a` >= 1 AND (`a` > 1 OR (`a` = 1 AND "
                  "(`b` > 2 OR (`b` = 2 AND `c` > 3))))");
}

static void assert_incr(const struct sm_state *st, size_t nkeys,
                        const char *want)
{
    struct ab_buf b;

    ab_buf_init(&b, 4096);
    assert_int_equal(sm_sql_incr_where(&b, &cur_upd, &key_id, nkeys, st),
                     AB_OK);
    assert_string_equal(b.len > 0 ? b.data : "", want);
    ab_buf_cleanup(&b);
}

static void test_sm_sql_incr_where_all_positions(void **state)
{
    const char *names[] = { "id" };
    const char *v[] = { "42" };
    struct sm_state st;

    (void)state;
    pos_init(&st, names, NULL, 1);
    assert_incr(&st, 1, "");
    st.nulls_done = true;
    assert_incr(&st, 1, "`updated_at` IS NOT NULL");
    sm_state_cleanup(&st);

    pos_init(&st, names, v, 1);
    assert_incr(&st, 1,
                "((`updated_at` IS NULL AND `id` > 42) OR `updated_at` IS "
                "NOT NULL)");
    set_cursor(&st, "2024-05-01 10:15:00.000000");
    assert_incr(&st, 1,
                "`updated_at` >= '2024-05-01 10:15:00.000000' AND "
                "(`updated_at` > '2024-05-01 10:15:00.000000' OR "
                "(`updated_at` = '2024-05-01 10:15:00.000000' AND "
                "`id` > 42))");
    assert_incr(&st, 0, "`updated_at` > '2024-05-01 10:15:00.000000'");
    st.has_pk = false;
    assert_incr(&st, 1, "`updated_at` > '2024-05-01 10:15:00.000000'");
    sm_state_cleanup(&st);
}

static void assert_select(const struct sm_select *q, const struct sm_state *st,
                          const char *want)
{
    struct ab_buf b;

    ab_buf_init(&b, 4096);
    assert_int_equal(sm_sql_select(&b, q, st), AB_OK);
    assert_string_equal(b.data, want);
    ab_buf_cleanup(&b);
}

static void test_sm_sql_select_full_refresh_chunks(void **state)
{
    const char *names[] = { "id" };
    const char *v[] = { "100" };
    struct sm_select q = { "`id`,`v`", "`db`.`t`", NULL, &key_id, 1, 10 };
    struct sm_state st;

    (void)state;
    pos_init(&st, names, NULL, 1);
    assert_select(&q, &st,
                  "SELECT `id`,`v` FROM `db`.`t` ORDER BY `id` LIMIT 10");
    sm_state_cleanup(&st);
    pos_init(&st, names, v, 1);
    assert_select(&q, &st,
                  "SELECT `id`,`v` FROM `db`.`t` WHERE `id` > 100 "
                  "ORDER BY `id` LIMIT 10");
    sm_state_cleanup(&st);
}

static void test_sm_sql_select_without_key_streams_whole_table(void **state)
{
    struct sm_select q = { "`v`", "`db`.`t`", NULL, NULL, 0, 0 };
    struct sm_state st;

    (void)state;
    sm_state_init(&st);
    assert_select(&q, &st, "SELECT `v` FROM `db`.`t`");
    q.cursor = &cur_upd;
    assert_select(&q, &st, "SELECT `v` FROM `db`.`t` ORDER BY `updated_at`");
    sm_state_cleanup(&st);
}

static void test_sm_sql_select_incremental_orders_cursor_then_key(void **state)
{
    const char *names[] = { "id" };
    struct sm_select q = { "*", "`t`", &cur_upd, &key_id, 1, 5 };
    struct sm_state st;

    (void)state;
    pos_init(&st, names, NULL, 1);
    set_cursor(&st, "2024-01-01");
    assert_select(&q, &st,
                  "SELECT * FROM `t` WHERE `updated_at` > '2024-01-01' "
                  "ORDER BY `updated_at`,`id` LIMIT 5");
    sm_state_cleanup(&st);
}

static void test_sm_sql_select_bad_state_value_fails_parse(void **state)
{
    const char *names[] = { "id" };
    const char *v[] = { "1) OR (1=1" };
    struct sm_select q = { "*", "`t`", NULL, &key_id, 1, 5 };
    struct sm_state st;
    struct ab_buf b;

    (void)state;
    pos_init(&st, names, v, 1);
    ab_buf_init(&b, 4096);
    assert_int_equal(sm_sql_select(&b, &q, &st), AB_ERR_PARSE);
    ab_buf_cleanup(&b);
    sm_state_cleanup(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm_sql_ident_doubles_backquotes),
        cmocka_unit_test(test_sm_sql_string_hex_literal),
        cmocka_unit_test(test_sm_numeric_literal_ok_accepts_numbers_only),
        cmocka_unit_test(test_sm_temporal_literal_ok),
        cmocka_unit_test(test_sm_sql_value_per_literal_kind),
        cmocka_unit_test(test_sm_sql_keyset_single_and_composite),
        cmocka_unit_test(test_sm_sql_incr_where_all_positions),
        cmocka_unit_test(test_sm_sql_select_full_refresh_chunks),
        cmocka_unit_test(test_sm_sql_select_without_key_streams_whole_table),
        cmocka_unit_test(test_sm_sql_select_incremental_orders_cursor_then_key),
        cmocka_unit_test(test_sm_sql_select_bad_state_value_fails_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
