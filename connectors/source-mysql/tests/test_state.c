/* Unit tests of stream state parsing and building (state.c). */
#include "sm_test.h"

#include "state.h"

#include <stdlib.h>

static enum ab_rc parse(const char *text, struct sm_state *st,
                        struct ab_error *err)
{
    json_error_t jerr;
    json_t *in = json_loads(text, JSON_DECODE_ANY, &jerr);
    enum ab_rc rc = AB_OK;

    assert_non_null(in);
    sm_state_init(st);
    ab_error_clear(err);
    rc = sm_state_parse(in, "users", st, err);
    json_decref(in);
    return rc;
}

static void assert_built(const struct sm_state *st, const char *want)
{
    json_t *out = sm_state_build(st);
    char *text = NULL;

    assert_non_null(out);
    text = json_text(out);
    assert_string_equal(text, want);
    free(text);
    json_decref(out);
}

/* Parse `in`, build it back, compare with `want`. */
static void assert_round_trip(const char *in, const char *want)
{
    struct ab_error err;
    struct sm_state st;

    assert_int_equal(parse(in, &st, &err), AB_OK);
    assert_built(&st, want);
    sm_state_cleanup(&st);
}

static void test_sm_state_parse_empty_is_no_state(void **state)
{
    struct ab_error err;
    struct sm_state st;

    (void)state;
    assert_int_equal(parse("null", &st, &err), AB_OK);
    assert_int_equal(st.mode, SM_MODE_NONE);
    sm_state_cleanup(&st);
    assert_int_equal(parse("{}", &st, &err), AB_OK);
    assert_int_equal(st.mode, SM_MODE_NONE);
    sm_state_cleanup(&st);
}

static void test_sm_state_parse_full_refresh_key(void **state)
{
    struct ab_error err;
    struct sm_state st;
    const char *names[] = { "a", "b" };

    (void)state;
    assert_int_equal(parse("{\"version\":1,\"mode\":\"full_refresh\","
                           "\"pk\":{\"a\":\"12\",\"b\":34}}",
                           &st, &err),
                     AB_OK);
    assert_int_equal(st.mode, SM_MODE_FULL);
    assert_true(st.has_pk);
    assert_false(st.done);
    assert_true(sm_state_keys_match(&st, names, 2));
    assert_false(sm_state_keys_match(&st, names, 1));
    assert_string_equal(st.pk_values[0].data, "12");
    assert_string_equal(st.pk_values[1].data, "34");
    sm_state_cleanup(&st);
}

static void test_sm_state_parse_short_cursor_form(void **state)
{
    struct ab_error err;
    struct sm_state st;

    (void)state;
    assert_int_equal(parse("{\"cursor_field\":\"updated_at\","
                           "\"cursor\":\"2099-01-01 00:00:00\"}",
                           &st, &err),
                     AB_OK);
    assert_int_equal(st.mode, SM_MODE_INCR);
    assert_true(st.has_cursor);
    assert_false(st.has_pk);
    assert_string_equal(st.cursor_field, "updated_at");
    assert_string_equal(st.cursor.data, "2099-01-01 00:00:00");
    sm_state_cleanup(&st);
}

static void assert_parse_fails(const char *in, const char *want)
{
    struct ab_error err;
    struct sm_state st;

    assert_int_equal(parse(in, &st, &err), AB_ERR_CONFIG);
    assert_string_equal(err.message, want);
    sm_state_cleanup(&st);
}

static void test_sm_state_parse_foreign_or_bad_fails_config(void **state)
{
    const char *foreign = "state of stream \"users\" is not a state of "
                          "this connector (no known \"mode\")";
    const char *bad = "state of stream \"users\" is malformed: expected "
                      "version 1 with string cursor and key values";

    (void)state;
    assert_parse_fails("{\"updated_at\":\"2024-01-01\"}", foreign);
    assert_parse_fails("{\"mode\":\"cdc\"}", foreign);
    assert_parse_fails("[1]", foreign);
    assert_parse_fails("{\"version\":2,\"mode\":\"incremental\"}", bad);
    assert_parse_fails("{\"mode\":\"incremental\",\"cursor\":{}}", bad);
    assert_parse_fails("{\"mode\":\"full_refresh\",\"pk\":[1]}", bad);
    assert_parse_fails("{\"mode\":\"full_refresh\",\"pk\":{\"id\":1.5}}", bad);
}

static void test_sm_state_build_round_trips(void **state)
{
    (void)state;
    assert_round_trip(
        "{\"version\":1,\"mode\":\"full_refresh\",\"pk\":{\"id\":7}}",
        "{\"version\":1,\"mode\":\"full_refresh\",\"pk\":{\"id\":\"7\"}}");
    assert_round_trip(
        "{\"version\":1,\"mode\":\"full_refresh\",\"done\":true,"
        "\"pk\":{\"id\":\"7\"}}",
        "{\"version\":1,\"mode\":\"full_refresh\",\"done\":true}");
    assert_round_trip(
        "{\"version\":1,\"mode\":\"incremental\",\"cursor_field\":\"u\","
        "\"cursor\":\"2024-01-01\",\"pk\":{\"id\":\"9\"}}",
        "{\"version\":1,\"mode\":\"incremental\",\"cursor_field\":\"u\","
        "\"cursor\":\"2024-01-01\",\"pk\":{\"id\":\"9\"}}");
    assert_round_trip(
        "{\"mode\":\"incremental\",\"cursor_field\":\"u\","
        "\"nulls_done\":true}",
        "{\"version\":1,\"mode\":\"incremental\",\"cursor_field\":\"u\","
        "\"nulls_done\":true}");
}

static void test_sm_state_reset_position_keeps_names(void **state)
{
    struct ab_error err;
    struct sm_state st;
    const char *names[] = { "id" };

    (void)state;
    assert_int_equal(parse("{\"mode\":\"incremental\",\"cursor_field\":\"u\","
                           "\"cursor\":\"5\",\"pk\":{\"id\":\"9\"}}",
                           &st, &err),
                     AB_OK);
    sm_state_reset_position(&st);
    assert_false(st.has_cursor);
    assert_false(st.has_pk);
    assert_true(sm_state_keys_match(&st, names, 1));
    assert_built(&st, "{\"version\":1,\"mode\":\"incremental\","
                      "\"cursor_field\":\"u\"}");
    sm_state_cleanup(&st);
}

static void test_sm_state_build_invalid_utf8_fails(void **state)
{
    struct sm_state st;
    const char *names[] = { "id" };

    (void)state;
    sm_state_init(&st);
    st.mode = SM_MODE_FULL;
    assert_int_equal(sm_state_set_keys(&st, names, 1), AB_OK);
    assert_int_equal(ab_buf_append_str(&st.pk_values[0], "\xff"), AB_OK);
    st.has_pk = true;
    assert_null(sm_state_build(&st));
    sm_state_cleanup(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm_state_parse_empty_is_no_state),
        cmocka_unit_test(test_sm_state_parse_full_refresh_key),
        cmocka_unit_test(test_sm_state_parse_short_cursor_form),
        cmocka_unit_test(test_sm_state_parse_foreign_or_bad_fails_config),
        cmocka_unit_test(test_sm_state_build_round_trips),
        cmocka_unit_test(test_sm_state_reset_position_keeps_names),
        cmocka_unit_test(test_sm_state_build_invalid_utf8_fails),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
