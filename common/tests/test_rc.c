/* Unit tests of status names and the first-failure record (rc.c). */
#include "ab_test.h"

#include "ab/rc.h"

static void test_ab_error_set_first_failure_kept(void **state)
{
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(ab_error_set(&err, AB_ERR_CONFIG, "bad %s", "port"),
                     AB_ERR_CONFIG);
    assert_int_equal(ab_error_set(&err, AB_ERR_IO, "later"), AB_ERR_IO);
    assert_true(err.set);
    assert_int_equal(err.rc, AB_ERR_CONFIG);
    assert_int_equal(err.failure, AB_FAIL_CONFIG);
    assert_string_equal(err.message, "bad port");
}

static void test_ab_error_set_null_record_returns_rc(void **state)
{
    (void)state;
    assert_int_equal(ab_error_set(NULL, AB_ERR_IO, "x"), AB_ERR_IO);
    assert_int_equal(ab_error_setf(NULL, AB_ERR_IO, AB_FAIL_CONFIG, "x"),
                     AB_ERR_IO);
}

static void test_ab_error_setf_explicit_failure_used(void **state)
{
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    (void)ab_error_setf(&err, AB_ERR_SOURCE, AB_FAIL_CONFIG, "denied");
    assert_int_equal(err.failure, AB_FAIL_CONFIG);
    assert_int_equal(err.rc, AB_ERR_SOURCE);
}

static void test_ab_error_set_long_message_truncated(void **state)
{
    struct ab_error err;
    char big[2000];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ab_error_clear(&err);
    (void)ab_error_set(&err, AB_ERR_IO, "%s", big);
    assert_int_equal(strlen(err.message), AB_ERROR_MESSAGE_MAX - 1);
}

static void test_ab_error_detail_empty_sets(void **state)
{
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    (void)ab_error_set(&err, AB_ERR_SOURCE, "query failed");
    ab_error_detail(&err, "SQLSTATE %s", "42S02");
    ab_error_detail(&err, "second");
    assert_string_equal(err.internal, "SQLSTATE 42S02");
}

static void test_ab_error_detail_null_record_ignored(void **state)
{
    (void)state;
    ab_error_detail(NULL, "nothing happens");
}

static void test_ab_rc_failure_maps_config_transient_system(void **state)
{
    (void)state;
    assert_int_equal(ab_rc_failure(AB_ERR_CONFIG), AB_FAIL_CONFIG);
    assert_int_equal(ab_rc_failure(AB_ERR_USAGE), AB_FAIL_CONFIG);
    assert_int_equal(ab_rc_failure(AB_ERR_TRANSIENT), AB_FAIL_TRANSIENT);
    assert_int_equal(ab_rc_failure(AB_ERR_OUTPUT), AB_FAIL_TRANSIENT);
    assert_int_equal(ab_rc_failure(AB_ERR_NOMEM), AB_FAIL_SYSTEM);
    assert_int_equal(ab_rc_failure(AB_ERR_INTERNAL), AB_FAIL_SYSTEM);
}

static void test_ab_failure_str_airbyte_spelling(void **state)
{
    (void)state;
    assert_string_equal(ab_failure_str(AB_FAIL_CONFIG), "config_error");
    assert_string_equal(ab_failure_str(AB_FAIL_TRANSIENT), "transient_error");
    assert_string_equal(ab_failure_str(AB_FAIL_SYSTEM), "system_error");
}

static void test_ab_rc_str_every_status_named(void **state)
{
    int rc = 0;

    (void)state;
    for (rc = AB_OK; rc <= AB_ERR_INTERNAL; rc++) {
        assert_string_not_equal(ab_rc_str((enum ab_rc)rc), "unknown status");
    }
    assert_string_equal(ab_rc_str(AB_ERR_NOMEM), "out of memory");
}

static void test_ab_rc_str_unknown_value_named_unknown(void **state)
{
    (void)state;
    assert_string_equal(ab_rc_str((enum ab_rc)99), "unknown status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ab_error_set_first_failure_kept),
        cmocka_unit_test(test_ab_error_set_null_record_returns_rc),
        cmocka_unit_test(test_ab_error_setf_explicit_failure_used),
        cmocka_unit_test(test_ab_error_set_long_message_truncated),
        cmocka_unit_test(test_ab_error_detail_empty_sets),
        cmocka_unit_test(test_ab_error_detail_null_record_ignored),
        cmocka_unit_test(test_ab_rc_failure_maps_config_transient_system),
        cmocka_unit_test(test_ab_failure_str_airbyte_spelling),
        cmocka_unit_test(test_ab_rc_str_every_status_named),
        cmocka_unit_test(test_ab_rc_str_unknown_value_named_unknown),
    };

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
