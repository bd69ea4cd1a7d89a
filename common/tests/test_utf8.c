/* Unit tests of UTF-8 validation (utf8.c). */
#include "ab_test.h"

#include "ab/utf8.h"

static bool valid(const char *s)
{
    return ab_utf8_valid(s, strlen(s));
}

static void test_ab_utf8_valid_wellformed_true(void **state)
{
    (void)state;
    assert_true(valid(""));
    assert_true(valid("plain ascii text, long enough for a word loop"));
    assert_true(valid("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
    assert_true(valid("\xED\x9F\xBF"));     /* U+D7FF */
    assert_true(valid("\xF4\x8F\xBF\xBF")); /* U+10FFFF */
}

static void test_ab_utf8_valid_malformed_false(void **state)
{
    (void)state;
    assert_false(valid("\xC0\x80"));         /* overlong NUL */
    assert_false(valid("\xE0\x80\xAF"));     /* overlong '/' */
    assert_false(valid("\xED\xA0\x80"));     /* surrogate */
    assert_false(valid("\xF4\x90\x80\x80")); /* above U+10FFFF */
    assert_false(valid("\xE2\x82"));         /* truncated */
    assert_false(valid("\x80"));             /* stray continuation */
    assert_false(valid("\xFF"));
}

static void test_ab_utf8_valid_prefix_stops_at_bad_byte(void **state)
{
    const char *s = "0123456789abcdef\xC3\xA9x\xFFrest";

    (void)state;
    assert_int_equal(ab_utf8_valid_prefix(s, strlen(s)), 19);
    assert_int_equal(ab_utf8_valid_prefix("ok", 2), 2);
}

static void test_ab_utf8_seq_valid_returns_length(void **state)
{
    bool ok = false;

    (void)state;
    assert_int_equal(ab_utf8_seq("\xE2\x82\xAC", 3, &ok), 3);
    assert_true(ok);
    assert_int_equal(ab_utf8_seq("a", 1, &ok), 1);
    assert_true(ok);
}

static void test_ab_utf8_seq_malformed_returns_maximal_subpart(void **state)
{
    bool ok = true;

    (void)state;
    /* E2 82 is a valid start cut short by 'A': one U+FFFD for 2 bytes. */
    assert_int_equal(ab_utf8_seq("\xE2\x82\x41", 3, &ok), 2);
    assert_false(ok);
    /* F0 80: the second byte is outside F0's range: 1 byte. */
    assert_int_equal(ab_utf8_seq("\xF0\x80\x80\x80", 4, &ok), 1);
    assert_false(ok);
    assert_int_equal(ab_utf8_seq("\xF0\x9F\x98", 3, &ok), 3);
    assert_false(ok);
    assert_int_equal(ab_utf8_seq("", 0, &ok), 0);
}

static void test_ab_utf8_count_characters_counted(void **state)
{
    (void)state;
    assert_int_equal(ab_utf8_count("caf\xC3\xA9", 5), 4);
    assert_int_equal(ab_utf8_count("\xE2\x82\x41", 3), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ab_utf8_valid_wellformed_true),
        cmocka_unit_test(test_ab_utf8_valid_malformed_false),
        cmocka_unit_test(test_ab_utf8_valid_prefix_stops_at_bad_byte),
        cmocka_unit_test(test_ab_utf8_seq_valid_returns_length),
        cmocka_unit_test(test_ab_utf8_seq_malformed_returns_maximal_subpart),
        cmocka_unit_test(test_ab_utf8_count_characters_counted),
    };

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
