/* Unit tests of error classification and session SQL (conn.c). */
#include "sm_test.h"

#include "conn.h"

static void test_sm_errno_rc_classes(void **state)
{
    (void)state;
    assert_int_equal(sm_errno_rc(1045), AB_ERR_CONFIG);
    assert_int_equal(sm_errno_rc(1049), AB_ERR_CONFIG);
    assert_int_equal(sm_errno_rc(1142), AB_ERR_CONFIG);
    assert_int_equal(sm_errno_rc(2026), AB_ERR_CONFIG);
    assert_int_equal(sm_errno_rc(1969), AB_ERR_CONFIG);
    assert_int_equal(sm_errno_rc(2002), AB_ERR_TRANSIENT);
    assert_int_equal(sm_errno_rc(2003), AB_ERR_TRANSIENT);
    assert_int_equal(sm_errno_rc(2006), AB_ERR_TRANSIENT);
    assert_int_equal(sm_errno_rc(2013), AB_ERR_TRANSIENT);
    assert_int_equal(sm_errno_rc(1213), AB_ERR_TRANSIENT);
    assert_int_equal(sm_errno_rc(1064), AB_ERR_SOURCE);
    assert_int_equal(sm_errno_rc(0), AB_ERR_SOURCE);
}

static void test_sm_errno_reason_names_known_errors(void **state)
{
    (void)state;
    assert_string_equal(sm_errno_reason(1045),
                        "access denied (check username, password and any "
                        "TLS the account requires)");
    assert_string_equal(sm_errno_reason(1049), "unknown database");
    assert_string_equal(sm_errno_reason(2013),
                        "lost the connection to the server");
    assert_null(sm_errno_reason(1064));
}

static void assert_var_sql(const char *name, const char *value,
                           const char *want)
{
    struct ab_buf b;

    ab_buf_init(&b, 4096);
    assert_int_equal(sm_session_var_sql(&b, name, value), AB_OK);
    assert_string_equal(b.data, want);
    ab_buf_cleanup(&b);
}

static void test_sm_session_var_sql_numbers_and_strings(void **state)
{
    (void)state;
    assert_var_sql("max_statement_time", "0",
                   "SET SESSION `max_statement_time` = 0");
    assert_var_sql("sql_mode", "ANSI",
                   "SET SESSION `sql_mode` = _utf8mb4 X'414E5349'");
    assert_var_sql("x", "';DROP TABLE t;--",
                   "SET SESSION `x` = _utf8mb4 X'273B44524F50205441424C452"
                   "0743B2D2D'");
    assert_var_sql("x", "", "SET SESSION `x` = ''");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm_errno_rc_classes),
        cmocka_unit_test(test_sm_errno_reason_names_known_errors),
        cmocka_unit_test(test_sm_session_var_sql_numbers_and_strings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
