/* Unit tests of the bounded buffer (buf.c). */
#include "ab_test.h"

#include "ab/buf.h"

static void test_ab_buf_append_grows_nul_terminated(void **state)
{
    struct ab_buf b;
    size_t i = 0;

    (void)state;
    ab_buf_init(&b, 1 << 20);
    for (i = 0; i < 1000; i++) {
        assert_int_equal(ab_buf_append(&b, "abc", 3), AB_OK);
    }
    assert_int_equal(b.len, 3000);
    assert_int_equal(b.data[b.len], '\0');
    assert_memory_equal(b.data + 2997, "abc", 3);
    ab_buf_cleanup(&b);
}

static void test_ab_buf_append_past_max_fails_unchanged(void **state)
{
    struct ab_buf b;

    (void)state;
    ab_buf_init(&b, 5);
    assert_int_equal(ab_buf_append_str(&b, "abcd"), AB_OK);
    assert_int_equal(ab_buf_append_str(&b, "ef"), AB_ERR_LIMIT);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "abcd");
    assert_int_equal(ab_buf_append_char(&b, 'e'), AB_OK);
    assert_string_equal(b.data, "abcde");
    ab_buf_cleanup(&b);
}

static void test_ab_buf_appendf_formats_text(void **state)
{
    struct ab_buf b;

    (void)state;
    ab_buf_init(&b, 100);
    assert_int_equal(ab_buf_appendf(&b, "%s=%d", "n", 42), AB_OK);
    assert_int_equal(ab_buf_appendf(&b, ";%zu", (size_t)7), AB_OK);
    assert_string_equal(b.data, "n=42;7");
    ab_buf_cleanup(&b);
}

static void test_ab_buf_appendf_past_max_fails_unchanged(void **state)
{
    struct ab_buf b;

    (void)state;
    ab_buf_init(&b, 8);
    assert_int_equal(ab_buf_appendf(&b, "%s", "1234"), AB_OK);
    assert_int_equal(ab_buf_appendf(&b, "%s", "56789"), AB_ERR_LIMIT);
    assert_string_equal(b.data, "1234");
    ab_buf_cleanup(&b);
}

static void test_ab_buf_take_returns_data_empties(void **state)
{
    struct ab_buf b;
    char *s = NULL;

    (void)state;
    ab_buf_init(&b, 100);
    assert_int_equal(ab_buf_append_str(&b, "xyz"), AB_OK);
    s = ab_buf_take(&b);
    assert_string_equal(s, "xyz");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(s);
}

static void test_ab_buf_take_empty_returns_empty_string(void **state)
{
    struct ab_buf b;
    char *s = NULL;

    (void)state;
    ab_buf_init(&b, 100);
    s = ab_buf_take(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

static void test_ab_buf_take_empty_no_memory_returns_null(void **state)
{
    struct ab_buf b;

    (void)state;
    ab_buf_init(&b, 100);
    ab_alloc_fail_after(0);
    assert_null(ab_buf_take(&b));
    ab_alloc_fail_reset();
}

static void test_ab_buf_reserve_huge_fails_limit(void **state)
{
    struct ab_buf b;

    (void)state;
    ab_buf_init(&b, (size_t)-1);
    assert_int_equal(ab_buf_append_str(&b, "a"), AB_OK);
    assert_int_equal(ab_buf_reserve(&b, (size_t)-1), AB_ERR_LIMIT);
    assert_int_equal(ab_buf_reserve(&b, 16), AB_OK);
    assert_true(b.cap >= 18);
    ab_buf_cleanup(&b);
}

static void test_ab_buf_append_no_memory_fails_unchanged(void **state)
{
    struct ab_buf b;

    (void)state;
    ab_buf_init(&b, 1 << 20);
    assert_int_equal(ab_buf_append_str(&b, "keep"), AB_OK);
    ab_alloc_fail_after(0);
    assert_int_equal(ab_buf_append(&b, "x", 1000), AB_ERR_NOMEM);
    ab_alloc_fail_reset();
    assert_string_equal(b.data, "keep");
    ab_buf_cleanup(&b);
}

static void test_ab_buf_reset_keeps_memory_empties(void **state)
{
    struct ab_buf b;
    char *data = NULL;

    (void)state;
    ab_buf_init(&b, 100);
    assert_int_equal(ab_buf_append_str(&b, "abc"), AB_OK);
    data = b.data;
    ab_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, data);
    assert_string_equal(b.data, "");
    ab_buf_cleanup(&b);
    ab_buf_cleanup(&b); /* safe twice */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ab_buf_append_grows_nul_terminated),
        cmocka_unit_test(test_ab_buf_append_past_max_fails_unchanged),
        cmocka_unit_test(test_ab_buf_appendf_formats_text),
        cmocka_unit_test(test_ab_buf_appendf_past_max_fails_unchanged),
        cmocka_unit_test(test_ab_buf_take_returns_data_empties),
        cmocka_unit_test(test_ab_buf_take_empty_returns_empty_string),
        cmocka_unit_test(test_ab_buf_take_empty_no_memory_returns_null),
        cmocka_unit_test(test_ab_buf_reserve_huge_fails_limit),
        cmocka_unit_test(test_ab_buf_append_no_memory_fails_unchanged),
        cmocka_unit_test(test_ab_buf_reset_keeps_memory_empties),
    };

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
