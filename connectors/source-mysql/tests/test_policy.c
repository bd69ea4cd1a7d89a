/* Unit tests of LIKE matching and column policies (policy.c). */
#include "sm_test.h"

#include "policy.h"

static void test_sm_like_match_wildcards(void **state)
{
    (void)state;
    assert_true(sm_like_match("%", ""));
    assert_true(sm_like_match("%", "anything"));
    assert_true(sm_like_match("users", "users"));
    assert_true(sm_like_match("users", "USERS"));
    assert_false(sm_like_match("users", "users2"));
    assert_true(sm_like_match("user_", "users"));
    assert_false(sm_like_match("user_", "user"));
    assert_true(sm_like_match("t%s", "tasks"));
    assert_true(sm_like_match("t%s", "ts"));
    assert_false(sm_like_match("t%s", "t"));
    assert_true(sm_like_match("%token%", "reset_password_token"));
    assert_true(sm_like_match("%a%b%c", "xxaxxbxxbxc"));
}

static void test_sm_like_match_escape_and_utf8(void **state)
{
    (void)state;
    assert_true(sm_like_match("a\\_b", "a_b"));
    assert_false(sm_like_match("a\\_b", "axb"));
    assert_true(sm_like_match("100\\%", "100%"));
    assert_false(sm_like_match("100\\%", "1000"));
    assert_true(sm_like_match("caf_", "caf\xc3\xa9"));
    assert_false(sm_like_match("caf_", "caf\xc3\xa9s"));
}

static json_t *policies_json(void)
{
    json_error_t jerr;
    json_t *list = json_loads(
        "[{\"table\":\"users\",\"column\":\"%name\",\"action\":\"hash\"},"
        "{\"table\":\"%\",\"column\":\"last\\\\_name\",\"action\":"
        "\"exclude\"}]",
        0, &jerr);

    assert_non_null(list);
    return list;
}

static void test_sm_policy_action_exclude_beats_hash(void **state)
{
    struct sm_policies p;
    struct ab_error err;
    json_t *list = policies_json();

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(sm_policies_init(&p, list, "none", &err), AB_OK);
    assert_int_equal(sm_policy_action(&p, "users", "first_name"), SM_ACT_HASH);
    assert_int_equal(sm_policy_action(&p, "users", "last_name"),
                     SM_ACT_EXCLUDE);
    assert_int_equal(sm_policy_action(&p, "units", "name"), SM_ACT_KEEP);
    assert_true(sm_policies_hash(&p));
    sm_policies_cleanup(&p);
    json_decref(list);
}

static void test_sm_policy_ontrack_preset(void **state)
{
    struct sm_policies p;
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(sm_policies_init(&p, NULL, "ontrack", &err), AB_OK);
    assert_int_equal(sm_policy_action(&p, "users", "encrypted_password"),
                     SM_ACT_EXCLUDE);
    assert_int_equal(sm_policy_action(&p, "users", "reset_password_token"),
                     SM_ACT_EXCLUDE);
    assert_int_equal(
        sm_policy_action(&p, "auth_tokens", "authentication_token"),
        SM_ACT_EXCLUDE);
    assert_int_equal(sm_policy_action(&p, "moodle_integrations", "api_key"),
                     SM_ACT_EXCLUDE);
    assert_int_equal(sm_policy_action(&p, "user_oauth_tokens", "token"),
                     SM_ACT_EXCLUDE);
    assert_int_equal(sm_policy_action(&p, "users", "email"), SM_ACT_HASH);
    assert_int_equal(sm_policy_action(&p, "users", "first_name"), SM_ACT_KEEP);
    assert_int_equal(sm_policy_action(&p, "userx", "email"), SM_ACT_KEEP);
    assert_int_equal(sm_policy_action(&p, "tasks", "id"), SM_ACT_KEEP);
    sm_policies_cleanup(&p);
}

static void test_sm_policies_init_bad_input_fails_config(void **state)
{
    struct sm_policies p;
    struct ab_error err;
    json_error_t jerr;
    json_t *bad = json_loads("[{\"table\":\"t\",\"column\":\"c\","
                             "\"action\":\"drop\"}]",
                             0, &jerr);

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(sm_policies_init(&p, NULL, "acme", &err), AB_ERR_CONFIG);
    assert_string_equal(err.message, "config key \"column_policy_preset\" "
                                     "has unknown value \"acme\"");
    ab_error_clear(&err);
    assert_int_equal(sm_policies_init(&p, bad, "none", &err), AB_ERR_CONFIG);
    assert_string_equal(err.message,
                        "config key \"column_policies[0]\" needs table, "
                        "column and action (exclude or hash)");
    assert_null(p.items);
    json_decref(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm_like_match_wildcards),
        cmocka_unit_test(test_sm_like_match_escape_and_utf8),
        cmocka_unit_test(test_sm_policy_action_exclude_beats_hash),
        cmocka_unit_test(test_sm_policy_ontrack_preset),
        cmocka_unit_test(test_sm_policies_init_bad_input_fails_config),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
