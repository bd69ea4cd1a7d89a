/* Unit tests of configured catalog and state parsing (catalog.c). */
#include "ab_test.h"

#include "ab/catalog.h"

/* Two streams in the shape CAT and the platform send. */
static const char *const catalog_text =
    "{\"streams\":["
    "{\"stream\":{\"name\":\"orders\",\"namespace\":\"shop\","
    "\"json_schema\":{\"type\":\"object\",\"properties\":{\"id\":{},"
    "\"updated_at\":{}}},\"supported_sync_modes\":[\"full_refresh\","
    "\"incremental\"],\"source_defined_cursor\":false,"
    "\"default_cursor_field\":[\"updated_at\"],"
    "\"source_defined_primary_key\":[[\"id\"]]},"
    "\"sync_mode\":\"incremental\",\"destination_sync_mode\":\"append\","
    "\"cursor_field\":[\"meta\",\"ts\"],\"primary_key\":[],"
    "\"generation_id\":1,\"some_future_key\":{}},"
    "{\"stream\":{\"name\":\"users\",\"namespace\":null,"
    "\"json_schema\":{\"type\":\"object\"},"
    "\"supported_sync_modes\":[\"full_refresh\"]},"
    "\"sync_mode\":\"full_refresh\",\"cursor_field\":null,"
    "\"primary_key\":[[\"a\"],\"b\"]}]}";

struct loaded {
    struct ab_catalog catalog;
    struct ab_error err;
    enum ab_rc rc;
};

static struct loaded load(const char *text)
{
    struct loaded l;
    json_t *root = json_loads(text, 0, NULL);

    assert_non_null(root);
    ab_error_clear(&l.err);
    l.rc = ab_catalog_from_json(root, &l.catalog, &l.err);
    return l;
}

static enum ab_rc apply_state(struct loaded *l, const char *text)
{
    json_t *state = json_loads(text, JSON_DECODE_ANY, NULL);
    enum ab_rc rc = AB_OK;

    assert_non_null(state);
    rc = ab_catalog_state_from_json(&l->catalog, state, &l->err);
    json_decref(state);
    return rc;
}

static void expect_load_error(const char *text, const char *message)
{
    struct loaded l = load(text);

    assert_int_equal(l.rc, AB_ERR_CONFIG);
    assert_string_equal(l.err.message, message);
    assert_null(l.catalog.root);
}

static void test_ab_catalog_from_json_streams_parsed(void **state)
{
    struct loaded l = load(catalog_text);
    const struct ab_stream *o = &l.catalog.streams[0];
    const struct ab_stream *u = &l.catalog.streams[1];

    (void)state;
    assert_int_equal(l.rc, AB_OK);
    assert_int_equal(l.catalog.count, 2);
    assert_string_equal(o->name, "orders");
    assert_string_equal(o->ns, "shop");
    assert_int_equal(o->sync_mode, AB_SYNC_INCREMENTAL);
    assert_true(o->supports_incremental);
    assert_int_equal(o->cursor_depth, 2);
    assert_string_equal(o->cursor_field[1], "ts");
    assert_int_equal(o->primary_key_count, 1);
    assert_string_equal(o->primary_key[0][0], "id");
    assert_null(u->ns);
    assert_null(u->cursor_field);
    assert_null(u->properties);
    assert_int_equal(u->primary_key_count, 2);
    assert_string_equal(u->primary_key[1][0], "b");
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_source_defined_cursor_wins(void **state)
{
    struct loaded l = load(
        "{\"streams\":[{\"stream\":{\"name\":\"s\",\"source_defined_cursor\":"
        "true,\"default_cursor_field\":[\"id\"]},\"sync_mode\":"
        "\"incremental\",\"cursor_field\":[\"other\"]}]}");

    (void)state;
    assert_int_equal(l.rc, AB_OK);
    assert_string_equal(l.catalog.streams[0].cursor_field[0], "id");
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_missing_sync_mode_full_refresh(void **state)
{
    struct loaded l = load("{\"streams\":[{\"stream\":{\"name\":\"s\"},"
                           "\"cursor_field\":\"ts\"}]}");

    (void)state;
    assert_int_equal(l.rc, AB_OK);
    assert_int_equal(l.catalog.streams[0].sync_mode, AB_SYNC_FULL_REFRESH);
    assert_string_equal(l.catalog.streams[0].cursor_field[0], "ts");
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_invalid_sync_mode_names_stream(void **state)
{
    (void)state;
    expect_load_error(
        "{\"streams\":[{\"stream\":{\"name\":\"__AIRBYTE__stream_that_does_"
        "not_exist\"},\"sync_mode\":\"INVALID\",\"destination_sync_mode\":"
        "\"INVALID\"}]}",
        "stream \"__AIRBYTE__stream_that_does_not_exist\": unsupported "
        "sync_mode \"INVALID\" (expected full_refresh or incremental)");
}

static void test_ab_catalog_duplicate_stream_config_error(void **state)
{
    (void)state;
    expect_load_error("{\"streams\":[{\"stream\":{\"name\":\"a\"}},"
                      "{\"stream\":{\"name\":\"a\",\"namespace\":null}}]}",
                      "stream \"a\" appears more than once in the "
                      "configured catalog");
}

static void test_ab_catalog_same_name_other_namespace_ok(void **state)
{
    struct loaded l = load("{\"streams\":[{\"stream\":{\"name\":\"a\","
                           "\"namespace\":\"x\"}},{\"stream\":{\"name\":"
                           "\"a\",\"namespace\":\"y\"}}]}");

    (void)state;
    assert_int_equal(l.rc, AB_OK);
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_malformed_inputs_config_error(void **state)
{
    (void)state;
    expect_load_error("{}", "configured catalog has no \"streams\" list");
    expect_load_error("[]", "configured catalog has no \"streams\" list");
    expect_load_error("{\"streams\":[{\"stream\":{}}]}",
                      "configured catalog: stream #1 has no stream.name");
    expect_load_error("{\"streams\":[null]}",
                      "configured catalog: stream #1 has no stream.name");
    expect_load_error("{\"streams\":[{\"stream\":{\"name\":\"a\","
                      "\"namespace\":5}}]}",
                      "stream \"a\": namespace must be a string");
    expect_load_error("{\"streams\":[{\"stream\":{\"name\":\"a\"},"
                      "\"cursor_field\":[1]}]}",
                      "stream \"a\": cursor_field must be a list of field "
                      "names");
    expect_load_error("{\"streams\":[{\"stream\":{\"name\":\"a\"},"
                      "\"primary_key\":[[]]}]}",
                      "stream \"a\": primary_key holds an empty path");
}

static void test_ab_catalog_empty_streams_ok(void **state)
{
    struct loaded l = load("{\"streams\":[]}");

    (void)state;
    assert_int_equal(l.rc, AB_OK);
    assert_int_equal(l.catalog.count, 0);
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_load_bad_file_config_error(void **state)
{
    char *path = temp_file("{\"streams\": [");
    struct ab_catalog catalog;
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(ab_catalog_load(path, &catalog, &err), AB_ERR_CONFIG);
    assert_non_null(strstr(err.message, "line 1, column 13"));
    assert_null(catalog.root);
    temp_file_remove(path);
}

static void test_ab_catalog_load_file_ok(void **state)
{
    char *path = temp_file(catalog_text);
    struct ab_catalog catalog;
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(ab_catalog_load(path, &catalog, &err), AB_OK);
    assert_int_equal(catalog.count, 2);
    ab_catalog_cleanup(&catalog);
    temp_file_remove(path);
}

static void test_ab_stream_has_field_selected_only(void **state)
{
    struct loaded l = load(catalog_text);

    (void)state;
    assert_true(ab_stream_has_field(&l.catalog.streams[0], "updated_at"));
    assert_false(ab_stream_has_field(&l.catalog.streams[0], "secret"));
    assert_true(ab_stream_has_field(&l.catalog.streams[1], "anything"));
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_state_empty_forms_no_state(void **state)
{
    struct loaded l = load(catalog_text);

    (void)state;
    assert_int_equal(apply_state(&l, "[]"), AB_OK);
    assert_int_equal(apply_state(&l, "null"), AB_OK);
    assert_int_equal(apply_state(&l, "{}"), AB_OK);
    assert_int_equal(apply_state(&l, "[null]"), AB_OK);
    assert_int_equal(ab_catalog_state_from_json(&l.catalog, NULL, &l.err),
                     AB_OK);
    assert_null(l.catalog.streams[0].state);
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_state_pyairbyte_nulls_applied(void **state)
{
    struct loaded l = load(catalog_text);

    (void)state;
    assert_int_equal(
        apply_state(&l, "[{\"type\":\"STREAM\",\"stream\":{"
                        "\"stream_descriptor\":{\"name\":\"users\","
                        "\"namespace\":null},\"stream_state\":{\"page\":7}},"
                        "\"global_\":null,\"data\":null,\"sourceStats\":null,"
                        "\"destinationStats\":{\"recordCount\":3.0},"
                        "\"id\":12}]"),
        AB_OK);
    assert_int_equal(
        json_integer_value(json_object_get(l.catalog.streams[1].state, "page")),
        7);
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_state_name_only_fallback_matches(void **state)
{
    struct loaded l = load(catalog_text);

    (void)state;
    /* CAT style: no namespace in the descriptor, no type either. */
    assert_int_equal(apply_state(&l, "[{\"stream\":{\"stream_descriptor\":"
                                     "{\"name\":\"orders\"},\"stream_state\":"
                                     "{\"ts\":\"2024\"}}}]"),
                     AB_OK);
    assert_non_null(l.catalog.streams[0].state);
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_state_other_namespace_ignored(void **state)
{
    struct loaded l = load(catalog_text);

    (void)state;
    assert_int_equal(apply_state(&l, "[{\"type\":\"STREAM\",\"stream\":{"
                                     "\"stream_descriptor\":{\"name\":"
                                     "\"orders\",\"namespace\":\"other\"},"
                                     "\"stream_state\":{\"x\":1}}},"
                                     "{\"type\":\"STREAM\",\"stream\":{"
                                     "\"stream_descriptor\":{\"name\":"
                                     "\"gone\"},\"stream_state\":{}}}]"),
                     AB_OK);
    assert_null(l.catalog.streams[0].state);
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_state_sentinel_dropped(void **state)
{
    struct loaded l = load(catalog_text);

    (void)state;
    assert_int_equal(apply_state(&l, "[{\"type\":\"STREAM\",\"stream\":{"
                                     "\"stream_descriptor\":{\"name\":"
                                     "\"users\"},\"stream_state\":{\"__ab_no_"
                                     "cursor_state_message\":true}}}]"),
                     AB_OK);
    assert_null(l.catalog.streams[1].state);
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_state_bad_forms_config_error(void **state)
{
    struct loaded l = load(catalog_text);

    (void)state;
    assert_int_equal(apply_state(&l, "[{\"type\":\"STREAM\",\"stream\":{"
                                     "\"stream_descriptor\":{\"name\":"
                                     "\"users\"},\"stream_state\":[1]}}]"),
                     AB_ERR_CONFIG);
    assert_string_equal(l.err.message,
                        "state of stream \"users\" is not a JSON object");
    ab_error_clear(&l.err);
    assert_int_equal(apply_state(&l, "[{\"type\":\"GLOBAL\",\"global\":{}}]"),
                     AB_ERR_CONFIG);
    assert_string_equal(l.err.message,
                        "state entry #1 has type GLOBAL; this connector "
                        "reads only per-stream (STREAM) state");
    ab_error_clear(&l.err);
    assert_int_equal(apply_state(&l, "{\"orders\":{\"ts\":1}}"), AB_ERR_CONFIG);
    ab_error_clear(&l.err);
    assert_int_equal(apply_state(&l, "[{\"data\":{}}]"), AB_ERR_CONFIG);
    ab_error_clear(&l.err);
    assert_int_equal(apply_state(&l, "\"text\""), AB_ERR_CONFIG);
    ab_catalog_cleanup(&l.catalog);
}

static void test_ab_catalog_load_state_files_handled(void **state)
{
    struct loaded l = load(catalog_text);
    char *blank = temp_file(" \n");
    char *bad = temp_file("[{");
    char *good = temp_file("[{\"type\":\"STREAM\",\"stream\":{"
                           "\"stream_descriptor\":{\"name\":\"users\"},"
                           "\"stream_state\":{\"p\":1}}}]");

    (void)state;
    assert_int_equal(ab_catalog_load_state(&l.catalog, NULL, &l.err), AB_OK);
    assert_int_equal(ab_catalog_load_state(&l.catalog, blank, &l.err), AB_OK);
    assert_int_equal(ab_catalog_load_state(&l.catalog, good, &l.err), AB_OK);
    assert_non_null(l.catalog.streams[1].state);
    assert_int_equal(ab_catalog_load_state(&l.catalog, bad, &l.err),
                     AB_ERR_CONFIG);
    ab_catalog_cleanup(&l.catalog);
    temp_file_remove(blank);
    temp_file_remove(bad);
    temp_file_remove(good);
}

static void test_ab_catalog_from_json_no_memory_clean_error(void **state)
{
    const char *st = "[{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":"
                     "{\"name\":\"users\"},\"stream_state\":{\"p\":[1,2]}}}]";
    json_t *root = NULL;
    json_t *state_json = json_loads(st, 0, NULL);
    struct ab_catalog catalog;
    struct ab_error err;
    enum ab_rc rc = AB_ERR_NOMEM;
    long n = 0;

    (void)state;
    for (n = 0; rc != AB_OK; n++) {
        root = json_loads(catalog_text, 0, NULL);
        ab_error_clear(&err);
        ab_alloc_fail_after(n);
        rc = ab_catalog_from_json(root, &catalog, &err);
        if (rc == AB_OK) {
            rc = ab_catalog_state_from_json(&catalog, state_json, &err);
            ab_catalog_cleanup(&catalog);
        }
        ab_alloc_fail_reset();
        assert_true(rc == AB_OK || rc == AB_ERR_NOMEM);
        assert_true(n < 100);
    }
    json_decref(state_json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ab_catalog_from_json_streams_parsed),
        cmocka_unit_test(test_ab_catalog_source_defined_cursor_wins),
        cmocka_unit_test(test_ab_catalog_missing_sync_mode_full_refresh),
        cmocka_unit_test(test_ab_catalog_invalid_sync_mode_names_stream),
        cmocka_unit_test(test_ab_catalog_duplicate_stream_config_error),
        cmocka_unit_test(test_ab_catalog_same_name_other_namespace_ok),
        cmocka_unit_test(test_ab_catalog_malformed_inputs_config_error),
        cmocka_unit_test(test_ab_catalog_empty_streams_ok),
        cmocka_unit_test(test_ab_catalog_load_bad_file_config_error),
        cmocka_unit_test(test_ab_catalog_load_file_ok),
        cmocka_unit_test(test_ab_stream_has_field_selected_only),
        cmocka_unit_test(test_ab_catalog_state_empty_forms_no_state),
        cmocka_unit_test(test_ab_catalog_state_pyairbyte_nulls_applied),
        cmocka_unit_test(test_ab_catalog_state_name_only_fallback_matches),
        cmocka_unit_test(test_ab_catalog_state_other_namespace_ignored),
        cmocka_unit_test(test_ab_catalog_state_sentinel_dropped),
        cmocka_unit_test(test_ab_catalog_state_bad_forms_config_error),
        cmocka_unit_test(test_ab_catalog_load_state_files_handled),
        cmocka_unit_test(test_ab_catalog_from_json_no_memory_clean_error),
    };

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
