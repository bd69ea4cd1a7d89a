/* Unit tests of secret registration and masking (secret.c). */
#include "ab_test.h"

#include "ab/buf.h"
#include "ab/secret.h"

static int teardown(void **state)
{
    (void)state;
    ab_secret_clear();
    return 0;
}

/* Mask `line`; returns a static copy of the result. */
static const char *masked(const char *line)
{
    static char out[512];
    struct ab_buf b;

    ab_buf_init(&b, 4096);
    assert_int_equal(ab_buf_append_str(&b, line), AB_OK);
    assert_int_equal(ab_secret_mask(&b), AB_OK);
    snprintf(out, sizeof(out), "%s", b.data);
    ab_buf_cleanup(&b);
    return out;
}

static void assert_valid_json(const char *line)
{
    json_t *v = json_loads(line, 0, NULL);

    assert_non_null(v);
    json_decref(v);
}

static void test_ab_secret_add_short_value_not_registered(void **state)
{
    (void)state;
    assert_int_equal(ab_secret_add("ab"), AB_OK);
    assert_int_equal(ab_secret_add(""), AB_OK);
    assert_int_equal(ab_secret_count(), 0);
}

static void test_ab_secret_add_duplicate_counted_once(void **state)
{
    (void)state;
    assert_int_equal(ab_secret_add("hunter2"), AB_OK);
    assert_int_equal(ab_secret_add("hunter2"), AB_OK);
    assert_int_equal(ab_secret_count(), 1);
}

static void test_ab_secret_mask_raw_in_string_masked(void **state)
{
    const char *out = NULL;

    (void)state;
    assert_int_equal(ab_secret_add("hunter2"), AB_OK);
    out = masked("{\"m\":\"login hunter2 failed, hunter2!\"}");
    assert_string_equal(out, "{\"m\":\"login ********** failed, "
                             "**********!\"}");
    assert_valid_json(out);
}

static void test_ab_secret_mask_no_secret_unchanged(void **state)
{
    (void)state;
    assert_int_equal(ab_secret_add("hunter2"), AB_OK);
    assert_string_equal(masked("{\"m\":\"hunter3\"}"), "{\"m\":\"hunter3\"}");
}

static void test_ab_secret_mask_escaped_form_masked(void **state)
{
    const char *out = NULL;

    (void)state;
    assert_int_equal(ab_secret_add("pa\"ss\\word"), AB_OK);
    out = masked("{\"m\":\"x pa\\\"ss\\\\word y\"}");
    assert_string_equal(out, "{\"m\":\"x ********** y\"}");
    assert_valid_json(out);
}

static void test_ab_secret_mask_after_odd_backslashes_unmasked(void **state)
{
    const char *line = "{\"m\":\"x\\nabc\"}";

    (void)state;
    assert_int_equal(ab_secret_add("nabc"), AB_OK);
    /* The n belongs to the \n escape: masking would break the line. */
    assert_string_equal(masked(line), line);
}

static void test_ab_secret_mask_after_even_backslashes_masked(void **state)
{
    const char *out = NULL;

    (void)state;
    assert_int_equal(ab_secret_add("nabc"), AB_OK);
    out = masked("{\"m\":\"x\\\\nabc\"}");
    assert_string_equal(out, "{\"m\":\"x\\\\**********\"}");
    assert_valid_json(out);
}

static void test_ab_secret_mask_inside_unicode_escape_unmasked(void **state)
{
    const char *line = "{\"m\":\"\\u00e9abc\"}";

    (void)state;
    assert_int_equal(ab_secret_add("00e9"), AB_OK);
    assert_string_equal(masked(line), line);
}

static void test_ab_secret_mask_number_outside_string_unmasked(void **state)
{
    const char *line = "{\"n\":12345,\"s\":\"12345\"}";

    (void)state;
    assert_int_equal(ab_secret_add("12345"), AB_OK);
    assert_string_equal(masked(line), "{\"n\":12345,\"s\":\"**********\"}");
}

static void test_ab_secret_mask_across_strings_unmasked(void **state)
{
    const char *line = "{\"a\":\"x\",\"b\":\"y\"}";

    (void)state;
    assert_int_equal(ab_secret_add("x\",\"b"), AB_OK);
    assert_string_equal(masked(line), line);
}

static void test_ab_secret_mask_partial_character_unmasked(void **state)
{
    const char *out = NULL;

    (void)state;
    /* "caf" plus the first byte of the two-byte e-acute: its raw form
     * would split the character; its repaired form never matches. */
    assert_int_equal(ab_secret_add("caf\xC3"), AB_OK);
    out = masked("[\"caf\xC3\xA9\"]");
    assert_string_equal(out, "[\"caf\xC3\xA9\"]");
    assert_string_equal(masked("[\"caf\xEF\xBF\xBD\"]"), "[\"**********\"]");
}

/* Regression (found by fuzz_jsonw): an invalid UTF-8 secret must not
 * register its repaired form, or every U+FFFD on a line got masked. */
static void test_ab_secret_add_invalid_utf8_repair_not_masked(void **state)
{
    const char *line = "{\"m\":\"bad \xef\xbf\xbd byte\"}";

    (void)state;
    assert_int_equal(ab_secret_add("\xf0\x91\x91"), AB_OK);
    assert_string_equal(masked(line), line);
}

static void test_ab_secret_mask_longest_secret_first(void **state)
{
    (void)state;
    assert_int_equal(ab_secret_add("abc"), AB_OK);
    assert_int_equal(ab_secret_add("abcdef"), AB_OK);
    assert_string_equal(masked("[\"abcdef abc\"]"),
                        "[\"********** **********\"]");
}

static void test_ab_secret_in_present_true_absent_false(void **state)
{
    (void)state;
    assert_false(ab_secret_in("anything", 8));
    assert_int_equal(ab_secret_add("s3cret"), AB_OK);
    assert_true(ab_secret_in("xx s3cret", 9));
    assert_false(ab_secret_in("xx s3cre", 8));
}

static void test_ab_secret_mask_text_plain_masked(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(ab_secret_add("hunter2"), AB_OK);
    ab_secret_mask_text("Access denied for hunter2@host", out, sizeof(out));
    assert_string_equal(out, "Access denied for **********@host");
}

static void test_ab_secret_mask_text_small_buffer_truncated(void **state)
{
    char out[8];

    (void)state;
    assert_int_equal(ab_secret_add("hunter2"), AB_OK);
    ab_secret_mask_text("abc hunter2", out, sizeof(out));
    assert_string_equal(out, "abc ");
    ab_secret_mask_text("abcdefghij", out, sizeof(out));
    assert_string_equal(out, "abcdefg");
}

static void test_ab_secret_add_no_memory_nothing_registered(void **state)
{
    enum ab_rc rc = AB_ERR_NOMEM;
    long n = 0;

    (void)state;
    for (n = 0; rc != AB_OK; n++) {
        ab_alloc_fail_after(n);
        rc = ab_secret_add("with\"quote");
        ab_alloc_fail_reset();
        if (rc != AB_OK) {
            assert_int_equal(rc, AB_ERR_NOMEM);
            assert_int_equal(ab_secret_count(), 0);
        }
        assert_true(n < 50);
    }
    assert_int_equal(ab_secret_count(), 1);
}

static void test_ab_secret_clear_forgets_all(void **state)
{
    (void)state;
    assert_int_equal(ab_secret_add("hunter2"), AB_OK);
    ab_secret_clear();
    assert_int_equal(ab_secret_count(), 0);
    assert_string_equal(masked("[\"hunter2\"]"), "[\"hunter2\"]");
}

int main(void)
{
#define T(name) cmocka_unit_test_teardown(name, teardown)
    const struct CMUnitTest tests[] = {
        T(test_ab_secret_add_short_value_not_registered),
        T(test_ab_secret_add_duplicate_counted_once),
        T(test_ab_secret_mask_raw_in_string_masked),
        T(test_ab_secret_mask_no_secret_unchanged),
        T(test_ab_secret_mask_escaped_form_masked),
        T(test_ab_secret_mask_after_odd_backslashes_unmasked),
        T(test_ab_secret_mask_after_even_backslashes_masked),
        T(test_ab_secret_mask_inside_unicode_escape_unmasked),
        T(test_ab_secret_mask_number_outside_string_unmasked),
        T(test_ab_secret_mask_across_strings_unmasked),
        T(test_ab_secret_mask_partial_character_unmasked),
        T(test_ab_secret_add_invalid_utf8_repair_not_masked),
        T(test_ab_secret_mask_longest_secret_first),
        T(test_ab_secret_in_present_true_absent_false),
        T(test_ab_secret_mask_text_plain_masked),
        T(test_ab_secret_mask_text_small_buffer_truncated),
        T(test_ab_secret_add_no_memory_nothing_registered),
        T(test_ab_secret_clear_forgets_all),
    };
#undef T

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
