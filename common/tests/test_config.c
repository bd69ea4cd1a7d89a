/* Unit tests of input files and the spec-driven validator (config.c). */
#include "ab_test.h"

#include "ab/config.h"
#include "ab/secret.h"

/* A spec in the style of a database source. */
static const char *const spec_text =
    "{\"type\":\"object\",\"required\":[\"host\",\"port\",\"username\"],"
    "\"properties\":{"
    "\"host\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":10},"
    "\"port\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65535,"
    "\"default\":3306},"
    "\"username\":{\"type\":\"string\"},"
    "\"password\":{\"type\":[\"string\",\"null\"],\"airbyte_secret\":true},"
    "\"ratio\":{\"type\":\"number\",\"exclusiveMinimum\":0,"
    "\"exclusiveMaximum\":1},"
    "\"start_date\":{\"type\":\"string\",\"pattern\":"
    "\"^[0-9]{4}-[0-9]{2}-[0-9]{2}$\",\"pattern_descriptor\":\"YYYY-MM-DD\"},"
    "\"code\":{\"type\":\"string\",\"pattern\":\"^[A-Z]+$\"},"
    "\"method\":{\"type\":\"string\",\"enum\":[\"STANDARD\",\"CDC\"]},"
    "\"version\":{\"const\":2},"
    "\"tags\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":3,"
    "\"items\":{\"type\":\"string\"}},"
    "\"tunnels\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"properties\":{\"key\":{\"type\":\"string\",\"airbyte_secret\":true}}}},"
    "\"ssl_mode\":{\"type\":\"object\",\"oneOf\":["
    "{\"title\":\"p\",\"required\":[\"mode\"],\"properties\":{\"mode\":"
    "{\"type\":\"string\",\"const\":\"preferred\"}}},"
    "{\"title\":\"r\",\"required\":[\"mode\"],\"properties\":{\"mode\":"
    "{\"type\":\"string\",\"const\":\"required\"}}},"
    "{\"title\":\"v\",\"required\":[\"mode\",\"ca_certificate\"],"
    "\"properties\":{\"mode\":{\"type\":\"string\",\"const\":\"verify_ca\"},"
    "\"ca_certificate\":{\"type\":\"string\",\"airbyte_secret\":true}}},"
    "{\"title\":\"i\",\"required\":[\"mode\"],\"properties\":{\"mode\":"
    "{\"type\":\"string\",\"const\":\"verify_identity\"},"
    "\"client_key\":{\"type\":\"string\",\"airbyte_secret\":true}}}]},"
    "\"auth\":{\"oneOf\":["
    "{\"type\":\"object\",\"required\":[\"token\"],\"properties\":"
    "{\"token\":{\"type\":\"string\"}}},"
    "{\"type\":\"object\",\"required\":[\"user\"],\"properties\":"
    "{\"user\":{\"type\":\"string\"},\"retries\":{\"type\":\"integer\","
    "\"default\":3}}}]}}}";

static json_t *spec;

static int setup(void **state)
{
    (void)state;
    spec = json_loads(spec_text, 0, NULL);
    assert_non_null(spec);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(spec);
    ab_secret_clear();
    return 0;
}

struct result {
    enum ab_rc rc;
    struct ab_error err;
    json_t *config;
};

/* Validate `extra` members merged over a minimal valid config. */
static struct result check(const char *extra)
{
    struct result r;
    char text[2048];

    snprintf(text, sizeof(text), "{\"host\":\"db\",\"username\":\"u\"%s%s}",
             extra[0] ? "," : "", extra);
    r.config = json_loads(text, 0, NULL);
    assert_non_null(r.config);
    ab_error_clear(&r.err);
    r.rc = ab_config_validate(spec, r.config, &r.err);
    return r;
}

static void expect_error(const char *extra, const char *message)
{
    struct result r = check(extra);

    assert_int_equal(r.rc, AB_ERR_CONFIG);
    assert_int_equal(r.err.failure, AB_FAIL_CONFIG);
    assert_string_equal(r.err.message, message);
    json_decref(r.config);
}

static void expect_ok(const char *extra)
{
    struct result r = check(extra);

    if (r.rc != AB_OK) {
        fail_msg("unexpected error: %s", r.err.message);
    }
    json_decref(r.config);
}

static void test_ab_config_validate_minimal_default_filled(void **state)
{
    struct result r = check("");

    (void)state;
    assert_int_equal(r.rc, AB_OK);
    assert_int_equal(json_integer_value(json_object_get(r.config, "port")),
                     3306);
    json_decref(r.config);
}

static void test_ab_config_validate_missing_required_fails(void **state)
{
    json_t *config = json_pack("{s:s}", "host", "db");
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(ab_config_validate(spec, config, &err), AB_ERR_CONFIG);
    assert_string_equal(err.message, "config key \"username\" is required");
    json_decref(config);
}

static void test_ab_config_validate_type_integer_checked(void **state)
{
    (void)state;
    expect_ok("\"port\":3307");
    expect_ok("\"port\":3307.0");
    expect_error("\"port\":\"3306\"", "config key \"port\" must be an integer");
    expect_error("\"port\":1.5", "config key \"port\" must be an integer");
}

static void test_ab_config_validate_type_list_accepts_null(void **state)
{
    (void)state;
    expect_ok("\"password\":null");
    expect_ok("\"password\":\"pw\"");
    expect_error("\"password\":5",
                 "config key \"password\" must be a string or null");
}

static void test_ab_config_validate_null_non_nullable_default(void **state)
{
    struct result r = check("\"port\":null");

    (void)state;
    assert_int_equal(r.rc, AB_OK);
    assert_int_equal(json_integer_value(json_object_get(r.config, "port")),
                     3306);
    json_decref(r.config);
    expect_error("\"username\":null", "config key \"username\" is required");
}

static void test_ab_config_validate_bounds_checked(void **state)
{
    (void)state;
    expect_ok("\"port\":65535");
    expect_error("\"port\":0", "config key \"port\" must be at least 1");
    expect_error("\"port\":70000", "config key \"port\" must be at most 65535");
    expect_ok("\"ratio\":0.5");
    expect_error("\"ratio\":0", "config key \"ratio\" must be greater than 0");
    expect_error("\"ratio\":1", "config key \"ratio\" must be less than 1");
}

static void test_ab_config_validate_string_length_in_chars(void **state)
{
    (void)state;
    expect_ok("\"host\":\"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
              "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\"");
    expect_error("\"host\":\"\"",
                 "config key \"host\" must be at least 1 characters long");
    expect_error("\"host\":\"abcdefghijk\"",
                 "config key \"host\" must be at most 10 characters long");
}

static void test_ab_config_validate_pattern_checked(void **state)
{
    (void)state;
    expect_ok("\"start_date\":\"2024-01-31\"");
    expect_error("\"start_date\":\"31.01.2024\"",
                 "config key \"start_date\" must look like YYYY-MM-DD");
    expect_ok("\"code\":\"ABC\"");
    expect_error("\"code\":\"abc\"",
                 "config key \"code\" must match the pattern ^[A-Z]+$");
}

static void test_ab_config_validate_bad_pattern_spec_internal(void **state)
{
    json_t *bad = json_pack("{s:{s:{s:s,s:s}}}", "properties", "x", "type",
                            "string", "pattern", "([a-z");
    json_t *config = json_pack("{s:s}", "x", "abc");
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(ab_config_validate(bad, config, &err), AB_ERR_INTERNAL);
    assert_int_equal(err.failure, AB_FAIL_SYSTEM);
    assert_string_equal(err.message,
                        "connector spec is invalid at \"x\": pattern is not "
                        "a POSIX extended regex");
    json_decref(bad);
    json_decref(config);
}

static void test_ab_config_validate_enum_checked(void **state)
{
    (void)state;
    expect_ok("\"method\":\"CDC\"");
    expect_error("\"method\":\"cdc\"",
                 "config key \"method\" must be one of: STANDARD, CDC");
}

static void test_ab_config_validate_const_checked(void **state)
{
    (void)state;
    expect_ok("\"version\":2");
    expect_error("\"version\":3", "config key \"version\" must be 2");
}

static void test_ab_config_validate_array_items_checked(void **state)
{
    (void)state;
    expect_ok("\"tags\":[\"a\",\"b\"]");
    expect_error("\"tags\":[]",
                 "config key \"tags\" must have at least 1 items");
    expect_error("\"tags\":[\"a\",\"b\",\"c\",\"d\"]",
                 "config key \"tags\" must have at most 3 items");
    expect_error("\"tags\":[\"a\",7]",
                 "config key \"tags[1]\" must be a string");
}

static void test_ab_config_validate_one_of_discriminator_ok(void **state)
{
    (void)state;
    expect_ok("\"ssl_mode\":{\"mode\":\"required\"}");
    expect_ok("\"ssl_mode\":{\"mode\":\"verify_ca\",\"ca_certificate\":"
              "\"---\"}");
}

static void test_ab_config_validate_one_of_bad_mode_lists_values(void **state)
{
    (void)state;
    expect_error("\"ssl_mode\":{\"mode\":\"strict\"}",
                 "config key \"ssl_mode.mode\" must be one of: preferred, "
                 "required, verify_ca, verify_identity");
    expect_error("\"ssl_mode\":{}",
                 "config key \"ssl_mode.mode\" must be one of: preferred, "
                 "required, verify_ca, verify_identity");
}

static void test_ab_config_validate_one_of_option_required_named(void **state)
{
    (void)state;
    expect_error("\"ssl_mode\":{\"mode\":\"verify_ca\"}",
                 "config key \"ssl_mode.ca_certificate\" is required for "
                 "mode \"verify_ca\"");
}

static void test_ab_config_validate_one_of_no_key_first_fit(void **state)
{
    struct result r = check("\"auth\":{\"user\":\"bob\"}");

    (void)state;
    assert_int_equal(r.rc, AB_OK);
    /* The matching option's default was filled, the trial's was not
     * leaked into the config. */
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(r.config, "auth"), "retries")),
                     3);
    json_decref(r.config);
    expect_error("\"auth\":{\"nobody\":1}",
                 "config key \"auth\" does not match any of the allowed "
                 "options");
}

static void test_ab_config_validate_unknown_keys_allowed(void **state)
{
    (void)state;
    expect_ok("\"_technical\":1,\"something_new\":{\"x\":[]}");
}

static void test_ab_config_validate_not_object_fails(void **state)
{
    json_t *config = json_array();
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(ab_config_validate(spec, config, &err), AB_ERR_CONFIG);
    assert_string_equal(err.message, "config must be a JSON object");
    json_decref(config);
}

/* A schema and config nested `depth` objects deep under key "a". */
static void nested_pair(int depth, json_t **schema, json_t **config)
{
    int i = 0;

    *schema = json_pack("{s:s}", "type", "object");
    *config = json_object();
    for (i = 0; i < depth; i++) {
        *schema = json_pack("{s:s,s:{s:o}}", "type", "object", "properties",
                            "a", *schema);
        *config = json_pack("{s:o}", "a", *config);
    }
}

static void test_ab_config_validate_deep_nesting_fails_cleanly(void **state)
{
    json_t *schema = NULL;
    json_t *config = NULL;
    struct ab_error err;

    (void)state;
    nested_pair(AB_CONFIG_MAX_DEPTH + 5, &schema, &config);
    ab_error_clear(&err);
    assert_int_equal(ab_config_validate(schema, config, &err), AB_ERR_CONFIG);
    assert_non_null(strstr(err.message, "is nested too deeply"));
    json_decref(schema);
    json_decref(config);
}

static void test_ab_config_validate_shallow_nesting_ok(void **state)
{
    json_t *schema = NULL;
    json_t *config = NULL;

    (void)state;
    nested_pair(AB_CONFIG_MAX_DEPTH - 1, &schema, &config);
    assert_int_equal(ab_config_validate(schema, config, NULL), AB_OK);
    json_decref(schema);
    json_decref(config);
}

static void test_ab_config_validate_no_memory_clean_error(void **state)
{
    const char *text = "{\"host\":\"db\",\"username\":\"u\","
                       "\"ssl_mode\":{\"mode\":\"verify_ca\","
                       "\"ca_certificate\":\"x\"},\"auth\":{\"user\":\"b\"}}";
    struct ab_error err;
    json_t *config = NULL;
    enum ab_rc rc = AB_ERR_NOMEM;
    long n = 0;

    (void)state;
    for (n = 0; rc != AB_OK; n++) {
        config = json_loads(text, 0, NULL);
        ab_error_clear(&err);
        ab_alloc_fail_after(n);
        rc = ab_config_validate(spec, config, &err);
        ab_alloc_fail_reset();
        json_decref(config);
        assert_true(rc == AB_OK || rc == AB_ERR_NOMEM);
        assert_true(n < 200);
    }
}

static void test_ab_config_register_secrets_nested_found(void **state)
{
    struct result r = check("\"password\":\"topsecret\","
                            "\"ssl_mode\":{\"mode\":\"verify_identity\","
                            "\"client_key\":\"KEYDATA\"},"
                            "\"tunnels\":[{\"key\":\"tunnelkey1\"},"
                            "{\"key\":\"tunnelkey2\"}]");

    (void)state;
    assert_int_equal(r.rc, AB_OK);
    assert_int_equal(ab_config_register_secrets(spec, r.config), AB_OK);
    assert_int_equal(ab_secret_count(), 4);
    assert_true(ab_secret_in("tunnelkey2", 10));
    assert_true(ab_secret_in("KEYDATA", 7));
    json_decref(r.config);
}

static void test_ab_config_register_secrets_plain_fields_ignored(void **state)
{
    struct result r = check("\"method\":\"CDC\"");

    (void)state;
    assert_int_equal(ab_config_register_secrets(spec, r.config), AB_OK);
    assert_int_equal(ab_secret_count(), 0);
    json_decref(r.config);
}

static void test_ab_cfg_getters_value_or_fallback(void **state)
{
    json_t *c = json_pack("{s:s,s:i,s:f,s:b,s:n}", "s", "v", "i", 7, "r", 8.0,
                          "b", 1, "n");

    (void)state;
    assert_string_equal(ab_cfg_str(c, "s", "x"), "v");
    assert_string_equal(ab_cfg_str(c, "i", "x"), "x");
    assert_string_equal(ab_cfg_str(c, "n", "x"), "x");
    assert_int_equal(ab_cfg_int(c, "i", 0), 7);
    assert_int_equal(ab_cfg_int(c, "r", 0), 8);
    assert_int_equal(ab_cfg_int(c, "s", 5), 5);
    assert_true(ab_cfg_bool(c, "b", false));
    assert_false(ab_cfg_bool(c, "missing", false));
    json_decref(c);
}

static void test_ab_json_load_file_valid_object_loaded(void **state)
{
    char *path = temp_file("{\"a\": [1, 2]}\n");
    json_t *v = NULL;
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(ab_json_load_file(path, "config", &v, &err), AB_OK);
    assert_int_equal(json_array_size(json_object_get(v, "a")), 2);
    json_decref(v);
    temp_file_remove(path);
}

static void test_ab_json_load_file_missing_names_file(void **state)
{
    json_t *v = NULL;
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(
        ab_json_load_file("/nonexistent/c.json", "config", &v, &err),
        AB_ERR_CONFIG);
    assert_null(v);
    assert_string_equal(err.message,
                        "could not open config file \"/nonexistent/c.json\": "
                        "No such file or directory");
}

static void test_ab_json_load_file_bad_json_line_column(void **state)
{
    char *path = temp_file("{\n  \"password\": hunter2\n}\n");
    json_t *v = NULL;
    struct ab_error err;
    char want[512];

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(ab_json_load_file(path, "config", &v, &err),
                     AB_ERR_CONFIG);
    snprintf(want, sizeof(want),
             "config file \"%s\" is not valid JSON: invalid token (line 2, "
             "column 20)",
             path);
    assert_string_equal(err.message, want);
    assert_null(strstr(err.message, "hunter2"));
    temp_file_remove(path);
}

static void test_ab_json_load_file_directory_unreadable(void **state)
{
    json_t *v = NULL;
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(ab_json_load_file("/tmp", "catalog", &v, &err),
                     AB_ERR_CONFIG);
    assert_string_equal(err.message, "could not read catalog file \"/tmp\": "
                                     "Is a directory");
}

static void test_ab_file_read_over_ceiling_fails(void **state)
{
    char *path = temp_file("0123456789");
    struct ab_buf b;
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    ab_buf_init(&b, 10);
    assert_int_equal(ab_file_read(path, "state", &b, &err), AB_OK);
    ab_buf_cleanup(&b);
    ab_buf_init(&b, 9);
    assert_int_equal(ab_file_read(path, "state", &b, &err), AB_ERR_CONFIG);
    assert_non_null(strstr(err.message, "is larger than 9 bytes"));
    ab_buf_cleanup(&b);
    temp_file_remove(path);
}

static void test_ab_json_parse_no_memory_nomem(void **state)
{
    const char *text = "{\"a\":{\"b\":[1,2,3,\"four\"]}}";
    json_t *v = NULL;
    struct ab_error err;
    enum ab_rc rc = AB_ERR_NOMEM;
    long n = 0;

    (void)state;
    for (n = 0; rc != AB_OK; n++) {
        ab_error_clear(&err);
        ab_alloc_fail_after(n);
        rc = ab_json_parse(text, strlen(text), "config", NULL, &v, &err);
        ab_alloc_fail_reset();
        assert_true(rc == AB_OK || rc == AB_ERR_NOMEM);
        assert_true(n < 100);
    }
    json_decref(v);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_ab_config_validate_minimal_default_filled),
        T(test_ab_config_validate_missing_required_fails),
        T(test_ab_config_validate_type_integer_checked),
        T(test_ab_config_validate_type_list_accepts_null),
        T(test_ab_config_validate_null_non_nullable_default),
        T(test_ab_config_validate_bounds_checked),
        T(test_ab_config_validate_string_length_in_chars),
        T(test_ab_config_validate_pattern_checked),
        T(test_ab_config_validate_bad_pattern_spec_internal),
        T(test_ab_config_validate_enum_checked),
        T(test_ab_config_validate_const_checked),
        T(test_ab_config_validate_array_items_checked),
        T(test_ab_config_validate_one_of_discriminator_ok),
        T(test_ab_config_validate_one_of_bad_mode_lists_values),
        T(test_ab_config_validate_one_of_option_required_named),
        T(test_ab_config_validate_one_of_no_key_first_fit),
        T(test_ab_config_validate_unknown_keys_allowed),
        T(test_ab_config_validate_not_object_fails),
        T(test_ab_config_validate_deep_nesting_fails_cleanly),
        T(test_ab_config_validate_shallow_nesting_ok),
        T(test_ab_config_validate_no_memory_clean_error),
        T(test_ab_config_register_secrets_nested_found),
        T(test_ab_config_register_secrets_plain_fields_ignored),
        T(test_ab_cfg_getters_value_or_fallback),
        T(test_ab_json_load_file_valid_object_loaded),
        T(test_ab_json_load_file_missing_names_file),
        T(test_ab_json_load_file_bad_json_line_column),
        T(test_ab_json_load_file_directory_unreadable),
        T(test_ab_file_read_over_ceiling_fails),
        T(test_ab_json_parse_no_memory_nomem),
    };
#undef T

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
