/* Unit tests of config parsing and connection_params (options.c). */
#include "sm_test.h"

#include "options.h"

static json_t *config(const char *extra)
{
    char text[2048];
    json_error_t jerr;
    json_t *c = NULL;

    snprintf(text, sizeof(text),
             "{\"host\":\"db\",\"port\":3307,\"database\":\"d\","
             "\"username\":\"u\",\"password\":\"p\"%s}",
             extra);
    c = json_loads(text, 0, &jerr);
    assert_non_null(c);
    return c;
}

static enum ab_rc init(const char *extra, struct sm_options *o,
                       struct ab_error *err)
{
    json_t *c = config(extra);
    enum ab_rc rc = AB_OK;

    ab_error_clear(err);
    rc = sm_options_init(o, c, err);
    /* Options borrow strings: keep the document while they are used. */
    json_decref(c);
    return rc;
}

static void test_sm_conn_params_parse_client_and_session(void **state)
{
    struct sm_options o;
    struct ab_error err;

    (void)state;
    memset(&o, 0, sizeof(o));
    ab_error_clear(&err);
    assert_int_equal(sm_conn_params_parse("connect_timeout=10&read_timeout="
                                          "600&compress=true&"
                                          "max_statement_time=0&"
                                          "sql_mode=ANSI",
                                          &o, &err),
                     AB_OK);
    assert_int_equal(o.connect_timeout, 10);
    assert_int_equal(o.read_timeout, 600);
    assert_true(o.compress);
    assert_int_equal(o.session_var_count, 2);
    assert_string_equal(o.session_vars[0].name, "max_statement_time");
    assert_string_equal(o.session_vars[0].value, "0");
    assert_string_equal(o.session_vars[1].name, "sql_mode");
    assert_string_equal(o.session_vars[1].value, "ANSI");
    sm_options_cleanup(&o);
}

static void assert_params_fail(const char *text, const char *want)
{
    struct sm_options o;
    struct ab_error err;

    memset(&o, 0, sizeof(o));
    ab_error_clear(&err);
    assert_int_equal(sm_conn_params_parse(text, &o, &err), AB_ERR_CONFIG);
    assert_string_equal(err.message, want);
    sm_options_cleanup(&o);
}

static void test_sm_conn_params_parse_bad_pairs_fail_config(void **state)
{
    (void)state;
    assert_params_fail("novalue",
                       "config key \"connection_params\": \"novalue\" is "
                       "not a name=value pair with a valid name");
    assert_params_fail("a b=1",
                       "config key \"connection_params\": \"a b=1\" is "
                       "not a name=value pair with a valid name");
    assert_params_fail("x=1&`x`=2",
                       "config key \"connection_params\": \"`x`=2\" is "
                       "not a name=value pair with a valid name");
    assert_params_fail("connect_timeout=soon",
                       "config key \"connection_params\": bad value "
                       "\"soon\" for connect_timeout");
    assert_params_fail("compress=maybe",
                       "config key \"connection_params\": bad value "
                       "\"maybe\" for compress");
}

static void test_sm_options_init_defaults(void **state)
{
    struct sm_options o;
    struct ab_error err;

    (void)state;
    assert_int_equal(init("", &o, &err), AB_OK);
    assert_int_equal(o.port, 3307);
    assert_int_equal(o.ssl_mode, SM_SSL_PREFERRED);
    assert_int_equal(o.values.zero, SM_ZERO_NULL);
    assert_true(o.values.tinyint1_bool);
    assert_int_equal(o.values.tz.kind, SM_TZ_NONE);
    assert_true(o.include_views);
    assert_null(o.tables);
    assert_int_equal(o.chunk_size, 100000);
    assert_int_equal(o.policies.count, 0);
    sm_options_cleanup(&o);
}

static void test_sm_options_init_tls_modes(void **state)
{
    struct sm_options o;
    struct ab_error err;

    (void)state;
    assert_int_equal(init(",\"ssl_mode\":{\"mode\":\"verify_identity\","
                          "\"ca_certificate\":\"PEM\"}",
                          &o, &err),
                     AB_OK);
    assert_int_equal(o.ssl_mode, SM_SSL_VERIFY_IDENTITY);
    sm_options_cleanup(&o);
    assert_int_equal(init(",\"ssl_mode\":{\"mode\":\"verify_ca\"}", &o, &err),
                     AB_ERR_CONFIG);
    assert_string_equal(err.message, "config key \"ssl_mode.ca_certificate\" "
                                     "is required for mode \"verify_ca\"");
    assert_int_equal(init(",\"ssl_mode\":{\"mode\":\"disabled\"}", &o, &err),
                     AB_ERR_CONFIG);
}

static void test_sm_options_init_hash_needs_salt(void **state)
{
    struct sm_options o;
    struct ab_error err;

    (void)state;
    assert_int_equal(init(",\"column_policy_preset\":\"ontrack\"", &o, &err),
                     AB_ERR_CONFIG);
    assert_string_equal(err.message,
                        "config key \"hash_salt\" is required when a column "
                        "policy hashes columns");
    assert_int_equal(init(",\"column_policy_preset\":\"ontrack\","
                          "\"hash_salt\":\"pepper\"",
                          &o, &err),
                     AB_OK);
    assert_true(o.policies.count > 0);
    sm_options_cleanup(&o);
}

static void test_sm_options_init_values(void **state)
{
    struct sm_options o;
    struct ab_error err;

    (void)state;
    assert_int_equal(init(",\"zero_date_policy\":\"epoch\","
                          "\"tinyint1_as_boolean\":false,"
                          "\"server_time_zone\":\"+10:00\","
                          "\"tables\":[\"task%\"],\"chunk_size\":5",
                          &o, &err),
                     AB_OK);
    assert_int_equal(o.values.zero, SM_ZERO_EPOCH);
    assert_false(o.values.tinyint1_bool);
    assert_int_equal(o.values.tz.kind, SM_TZ_OFFSET);
    assert_int_equal(o.values.tz.offset_s, 36000);
    assert_non_null(o.tables);
    assert_int_equal(o.chunk_size, 5);
    sm_options_cleanup(&o);
    assert_int_equal(init(",\"server_time_zone\":\"AEST\"", &o, &err),
                     AB_ERR_CONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm_conn_params_parse_client_and_session),
        cmocka_unit_test(test_sm_conn_params_parse_bad_pairs_fail_config),
        cmocka_unit_test(test_sm_options_init_defaults),
        cmocka_unit_test(test_sm_options_init_tls_modes),
        cmocka_unit_test(test_sm_options_init_hash_needs_salt),
        cmocka_unit_test(test_sm_options_init_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
