/* Unit tests of the allocation seam (alloc.c). */
#include "ab_test.h"

#include "ab/alloc.h"

static void test_ab_malloc_no_limit_succeeds(void **state)
{
    void *p = ab_malloc(16);

    (void)state;
    assert_non_null(p);
    ab_free(p);
}

static void test_ab_malloc_fail_after_zero_fails(void **state)
{
    (void)state;
    ab_alloc_fail_after(0);
    assert_null(ab_malloc(16));
    assert_null(ab_calloc(2, 8));
    assert_null(ab_realloc(NULL, 8));
    assert_null(ab_strdup("x"));
    ab_alloc_fail_reset();
}

static void test_ab_alloc_fail_after_two_third_fails(void **state)
{
    void *a = NULL;
    void *b = NULL;

    (void)state;
    ab_alloc_fail_after(2);
    a = ab_malloc(1);
    b = ab_calloc(1, 1);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(ab_malloc(1));
    ab_alloc_fail_reset();
    ab_free(a);
    ab_free(b);
}

static void test_ab_alloc_fail_reset_restores_success(void **state)
{
    void *p = NULL;

    (void)state;
    ab_alloc_fail_after(0);
    ab_alloc_fail_reset();
    p = ab_malloc(1);
    assert_non_null(p);
    ab_free(p);
}

static void test_ab_alloc_fail_after_negative_disables(void **state)
{
    void *p = NULL;

    (void)state;
    ab_alloc_fail_after(-5);
    p = ab_malloc(1);
    assert_non_null(p);
    ab_free(p);
    ab_alloc_fail_reset();
}

static void test_ab_strndup_prefix_copied_terminated(void **state)
{
    char *s = ab_strndup("abcdef", 3);

    (void)state;
    assert_string_equal(s, "abc");
    ab_free(s);
}

static void test_ab_strndup_no_memory_returns_null(void **state)
{
    (void)state;
    ab_alloc_fail_after(0);
    assert_null(ab_strndup("abcdef", 3));
    ab_alloc_fail_reset();
}

static void test_ab_calloc_zero_size_returns_pointer(void **state)
{
    void *p = ab_calloc(0, 8);
    void *q = ab_malloc(0);

    (void)state;
    assert_non_null(p);
    assert_non_null(q);
    ab_free(p);
    ab_free(q);
}

static void test_ab_realloc_grows_keeps_content(void **state)
{
    char *p = ab_strdup("hello");
    char *q = NULL;

    (void)state;
    q = ab_realloc(p, 64);
    assert_non_null(q);
    assert_string_equal(q, "hello");
    ab_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ab_malloc_no_limit_succeeds),
        cmocka_unit_test(test_ab_malloc_fail_after_zero_fails),
        cmocka_unit_test(test_ab_alloc_fail_after_two_third_fails),
        cmocka_unit_test(test_ab_alloc_fail_reset_restores_success),
        cmocka_unit_test(test_ab_alloc_fail_after_negative_disables),
        cmocka_unit_test(test_ab_strndup_prefix_copied_terminated),
        cmocka_unit_test(test_ab_strndup_no_memory_returns_null),
        cmocka_unit_test(test_ab_calloc_zero_size_returns_pointer),
        cmocka_unit_test(test_ab_realloc_grows_keeps_content),
    };

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
