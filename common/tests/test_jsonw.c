/* Unit tests of the streaming JSON writer and validator (jsonw.c). */
#include "ab_test.h"

#include "ab/jsonw.h"

#include <math.h>

struct fixture {
    struct ab_buf buf;
    struct ab_jw jw;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    ab_buf_init(&f->buf, 1 << 24);
    ab_jw_init(&f->jw, &f->buf);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    ab_buf_cleanup(&f->buf);
    free(f);
    return 0;
}

static const char *text_of(struct fixture *f)
{
    assert_int_equal(ab_jw_rc(&f->jw), AB_OK);
    return f->buf.data ? f->buf.data : "";
}

static void test_ab_jw_object_nested_values_exact(void **state)
{
    struct fixture *f = *state;

    ab_jw_obj_open(&f->jw);
    ab_jw_key(&f->jw, "a");
    ab_jw_int(&f->jw, 1);
    ab_jw_key(&f->jw, "b");
    ab_jw_arr_open(&f->jw);
    ab_jw_bool(&f->jw, true);
    ab_jw_null(&f->jw);
    ab_jw_str(&f->jw, "x");
    ab_jw_arr_close(&f->jw);
    ab_jw_key(&f->jw, "c");
    ab_jw_obj_open(&f->jw);
    ab_jw_obj_close(&f->jw);
    ab_jw_obj_close(&f->jw);
    assert_string_equal(text_of(f),
                        "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{}}");
}

static void test_ab_jw_key_outside_object_fails_internal(void **state)
{
    struct fixture *f = *state;

    ab_jw_key(&f->jw, "a");
    assert_int_equal(ab_jw_rc(&f->jw), AB_ERR_INTERNAL);
}

static void test_ab_jw_key_encoded_same_as_key(void **state)
{
    struct fixture *f = *state;
    struct ab_buf keys;
    size_t first = 0;

    ab_buf_init(&keys, 1024);
    assert_int_equal(ab_jw_key_encode(&keys, "id"), AB_OK);
    first = keys.len;
    assert_int_equal(ab_jw_key_encode(&keys, "q\"\xff"), AB_OK);
    ab_jw_obj_open(&f->jw);
    ab_jw_key_encoded(&f->jw, keys.data, first);
    ab_jw_int(&f->jw, 7);
    ab_jw_key_encoded(&f->jw, keys.data + first, keys.len - first);
    ab_jw_null(&f->jw);
    ab_jw_obj_close(&f->jw);
    assert_string_equal(text_of(f), "{\"id\":7,\"q\\\"\xef\xbf\xbd\":null}");
    ab_buf_cleanup(&keys);
}

static void test_ab_jw_key_encoded_outside_object_fails_internal(void **state)
{
    struct fixture *f = *state;

    ab_jw_key_encoded(&f->jw, "\"a\":", 4);
    assert_int_equal(ab_jw_rc(&f->jw), AB_ERR_INTERNAL);
}

static void test_ab_jw_str_escapes_exact(void **state)
{
    struct fixture *f = *state;

    ab_jw_strn(&f->jw, "q\"b\\/\b\f\n\r\t\x01\x1F\x7F", 13);
    assert_string_equal(text_of(f),
                        "\"q\\\"b\\\\/\\b\\f\\n\\r\\t\\u0001\\u001F\x7F\"");
}

static void test_ab_jw_str_valid_utf8_not_repaired(void **state)
{
    struct fixture *f = *state;

    assert_false(ab_jw_str(&f->jw, "caf\xC3\xA9 \xF0\x9F\x98\x80"));
    assert_string_equal(text_of(f), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
}

static void test_ab_jw_str_invalid_utf8_repaired_fffd(void **state)
{
    struct fixture *f = *state;

    assert_true(ab_jw_str(&f->jw, "a\xFF"
                                  "b\xE2\x82"
                                  "c"));
    assert_string_equal(text_of(f), "\"a\xEF\xBF\xBD"
                                    "b\xEF\xBF\xBD"
                                    "c\"");
}

static void test_ab_jw_str_embedded_nul_escaped(void **state)
{
    struct fixture *f = *state;

    ab_jw_strn(&f->jw, "a\0b", 3);
    assert_string_equal(text_of(f), "\"a\\u0000b\"");
}

/* A long string with multi-byte characters across every chunk boundary
 * must come back identical through jansson. */
static void test_ab_jw_str_long_round_trip_identical(void **state)
{
    struct fixture *f = *state;
    size_t n = 100000;
    char *s = malloc(n + 1);
    json_t *back = NULL;
    size_t i = 0;

    for (i = 0; i + 3 <= n; i += 3) {
        memcpy(s + i, i % 7 == 0 ? "\xE2\x82\xAC" : "a\"\n", 3);
    }
    s[i] = '\0';
    ab_jw_strn(&f->jw, s, i);
    back = json_loads(text_of(f), JSON_DECODE_ANY, NULL);
    assert_non_null(back);
    assert_int_equal(json_string_length(back), i);
    assert_memory_equal(json_string_value(back), s, i);
    json_decref(back);
    free(s);
}

static void test_ab_jw_int_extremes_exact(void **state)
{
    struct fixture *f = *state;

    ab_jw_arr_open(&f->jw);
    ab_jw_int(&f->jw, 0);
    ab_jw_int(&f->jw, -7);
    ab_jw_int(&f->jw, INT64_MIN);
    ab_jw_int(&f->jw, INT64_MAX);
    ab_jw_uint(&f->jw, UINT64_MAX);
    ab_jw_uint(&f->jw, 10);
    ab_jw_arr_close(&f->jw);
    assert_string_equal(text_of(f),
                        "[0,-7,-9223372036854775808,9223372036854775807,"
                        "18446744073709551615,10]");
}

static void test_ab_jw_double_shortest_round_trip(void **state)
{
    struct fixture *f = *state;

    ab_jw_arr_open(&f->jw);
    ab_jw_double(&f->jw, 0.1);
    ab_jw_double(&f->jw, 1.0 / 3.0);
    ab_jw_double(&f->jw, 1e300);
    ab_jw_double(&f->jw, 5e-324);
    ab_jw_double(&f->jw, -2.5);
    ab_jw_arr_close(&f->jw);
    assert_string_equal(text_of(f), "[0.1,0.3333333333333333,1e+300,"
                                    "4.94065645841247e-324,-2.5]");
}

static void test_ab_double_text_random_values_read_back(void **state)
{
    char text[AB_DOUBLE_TEXT_MAX];
    uint64_t bits = 0x9E3779B97F4A7C15ULL;
    double v = 0;
    int i = 0;

    (void)state;
    for (i = 0; i < 10000; i++) {
        bits ^= bits << 13;
        bits ^= bits >> 7;
        bits ^= bits << 17;
        memcpy(&v, &bits, sizeof(v));
        if (!isfinite(v)) {
            continue;
        }
        (void)ab_double_text(v, text);
        assert_true(strtod(text, NULL) == v);
    }
}

static void assert_double_text(double v, const char *want)
{
    char text[AB_DOUBLE_TEXT_MAX];

    assert_int_equal(ab_double_text(v, text), strlen(want));
    assert_string_equal(text, want);
    assert_true(strtod(text, NULL) == v);
}

static void test_ab_double_text_short_decimals_exact(void **state)
{
    (void)state;
    assert_double_text(0.25, "0.25");
    assert_double_text(19.99, "19.99");
    assert_double_text(-1234.5, "-1234.5");
    assert_double_text(0.001, "0.001");
    assert_double_text(1e-9, "0.000000001");
    assert_double_text(-0.0, "-0");
    assert_double_text(3, "3");
    assert_double_text(4503599627370495.5, "4503599627370495.5");
}

static void test_ab_double_text_long_values_printf_fallback(void **state)
{
    (void)state;
    assert_double_text(1e-10, "1e-10");
    assert_double_text(9007199254740993.0, "9007199254740992");
    assert_double_text(1.0 / 7.0, "0.14285714285714285");
    assert_double_text(1e22, "1e+22");
}

static void test_ab_jw_double_non_finite_null(void **state)
{
    struct fixture *f = *state;

    ab_jw_arr_open(&f->jw);
    ab_jw_double(&f->jw, NAN);
    ab_jw_double(&f->jw, INFINITY);
    ab_jw_float(&f->jw, -INFINITY);
    ab_jw_arr_close(&f->jw);
    assert_string_equal(text_of(f), "[null,null,null]");
}

static void test_ab_jw_float_integral_gets_decimal_point(void **state)
{
    struct fixture *f = *state;

    ab_jw_arr_open(&f->jw);
    ab_jw_float(&f->jw, 250);
    ab_jw_float(&f->jw, 1717236001000.0);
    ab_jw_float(&f->jw, 0.5);
    ab_jw_float(&f->jw, 1e300);
    ab_jw_float(&f->jw, 0);
    ab_jw_arr_close(&f->jw);
    assert_string_equal(text_of(f), "[250.0,1717236001000.0,0.5,1e+300,0.0]");
}

static void test_ab_jw_number_text_valid_written_verbatim(void **state)
{
    struct fixture *f = *state;
    const char *huge = "-123456789012345678901234567890.5e-10";

    ab_jw_arr_open(&f->jw);
    assert_true(ab_jw_number_text(&f->jw, "0", 1));
    assert_true(ab_jw_number_text(&f->jw, huge, strlen(huge)));
    assert_true(ab_jw_number_text(&f->jw, "1E+2", 4));
    ab_jw_arr_close(&f->jw);
    assert_string_equal(text_of(f),
                        "[0,-123456789012345678901234567890.5e-10,1E+2]");
}

static void test_ab_jw_number_text_invalid_writes_nothing(void **state)
{
    struct fixture *f = *state;
    static const char *const bad[] = { "",  "01",  "1.", ".5",  "+1",  "1e",
                                       "-", "NaN", "1 ", "--1", "0x1", "1e+" };
    size_t i = 0;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(ab_jw_number_text(&f->jw, bad[i], strlen(bad[i])));
    }
    assert_int_equal(f->buf.len, 0);
}

static void test_ab_jw_raw_json_valid_compacted(void **state)
{
    struct fixture *f = *state;
    const char *in = " { \"a\" : [1, 2 ,\n3] , \"b\":\"x y\\\" }\" } ";

    assert_true(ab_jw_raw_json(&f->jw, in, strlen(in)));
    assert_string_equal(text_of(f), "{\"a\":[1,2,3],\"b\":\"x y\\\" }\"}");
}

static void test_ab_jw_raw_json_invalid_writes_nothing(void **state)
{
    struct fixture *f = *state;
    static const char *const bad[] = {
        "",         "{\"a\":}",    "[1,]",        "{} x",
        "\"\xFF\"", "\"a\x01\"",   "\"\\ud800\"", "\"\\udc00\"",
        "\"\\x\"",  "tru",         "{\"a\" 1}",   "[1 2]",
        "{1:2}",    "\"\\u12G4\"", "nul",         "[",
    };
    size_t i = 0;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(ab_jw_raw_json(&f->jw, bad[i], strlen(bad[i])));
    }
    assert_int_equal(f->buf.len, 0);
}

static void test_ab_json_text_valid_surrogate_pair_true(void **state)
{
    const char *pair = "\"\\ud83d\\ude00\"";

    (void)state;
    assert_true(ab_json_text_valid(pair, strlen(pair)));
}

static char *nested(size_t depth)
{
    char *s = malloc(depth * 2 + 1);

    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[depth * 2] = '\0';
    return s;
}

static void test_ab_json_text_valid_depth_at_cap_true(void **state)
{
    char *s = nested(AB_JSON_MAX_DEPTH);

    (void)state;
    assert_true(ab_json_text_valid(s, strlen(s)));
    free(s);
}

static void test_ab_json_text_valid_depth_over_cap_false(void **state)
{
    char *s = nested(AB_JSON_MAX_DEPTH + 1);

    (void)state;
    assert_false(ab_json_text_valid(s, strlen(s)));
    free(s);
}

static void test_ab_jw_open_past_depth_fails_limit(void **state)
{
    struct fixture *f = *state;
    int i = 0;

    for (i = 0; i < AB_JW_MAX_DEPTH - 1; i++) {
        ab_jw_arr_open(&f->jw);
    }
    assert_int_equal(ab_jw_rc(&f->jw), AB_OK);
    ab_jw_arr_open(&f->jw);
    assert_int_equal(ab_jw_rc(&f->jw), AB_ERR_LIMIT);
}

static void test_ab_jw_close_unopened_fails_internal(void **state)
{
    struct fixture *f = *state;

    ab_jw_obj_close(&f->jw);
    assert_int_equal(ab_jw_rc(&f->jw), AB_ERR_INTERNAL);
}

static void test_ab_jw_full_buffer_sticky_limit(void **state)
{
    struct ab_buf small;
    struct ab_jw jw;

    (void)state;
    ab_buf_init(&small, 8);
    ab_jw_init(&jw, &small);
    ab_jw_arr_open(&jw);
    ab_jw_str(&jw, "far too long for the buffer");
    assert_int_equal(ab_jw_rc(&jw), AB_ERR_LIMIT);
    ab_jw_int(&jw, 1);
    ab_jw_arr_close(&jw);
    assert_int_equal(ab_jw_rc(&jw), AB_ERR_LIMIT);
    ab_buf_cleanup(&small);
}

static void test_ab_jw_json_value_compact(void **state)
{
    struct fixture *f = *state;
    json_t *v = json_pack("{s:[i,s]}", "k", 1, "v");

    ab_jw_json(&f->jw, v);
    assert_string_equal(text_of(f), "{\"k\":[1,\"v\"]}");
    json_decref(v);
}

static void test_ab_jw_json_null_pointer_writes_null(void **state)
{
    struct fixture *f = *state;

    ab_jw_json(&f->jw, NULL);
    assert_string_equal(text_of(f), "null");
}

static void test_ab_jw_base64_binary_string(void **state)
{
    struct fixture *f = *state;

    ab_jw_base64(&f->jw, "\x00\xFF\x10", 3);
    assert_string_equal(text_of(f), "\"AP8Q\"");
}

/* Build a small record; returns the writer status. */
static enum ab_rc build_record(struct ab_buf *buf)
{
    struct ab_jw jw;

    ab_jw_init(&jw, buf);
    ab_jw_obj_open(&jw);
    ab_jw_key(&jw, "name");
    ab_jw_str(&jw, "a fairly long value that needs a real allocation");
    ab_jw_key(&jw, "doc");
    (void)ab_jw_raw_json(&jw, "{\"x\": [1, 2]}", 13);
    ab_jw_obj_close(&jw);
    return ab_jw_rc(&jw);
}

static void test_ab_jw_failing_allocations_clean_nomem(void **state)
{
    struct ab_buf buf;
    enum ab_rc rc = AB_ERR_NOMEM;
    long n = 0;

    (void)state;
    for (n = 0; rc != AB_OK; n++) {
        ab_buf_init(&buf, 1 << 20);
        ab_alloc_fail_after(n);
        rc = build_record(&buf);
        ab_alloc_fail_reset();
        assert_true(rc == AB_OK || rc == AB_ERR_NOMEM);
        ab_buf_cleanup(&buf);
        assert_true(n < 100);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_ab_jw_object_nested_values_exact),
        T(test_ab_jw_key_outside_object_fails_internal),
        T(test_ab_jw_key_encoded_same_as_key),
        T(test_ab_jw_key_encoded_outside_object_fails_internal),
        T(test_ab_jw_str_escapes_exact),
        T(test_ab_jw_str_valid_utf8_not_repaired),
        T(test_ab_jw_str_invalid_utf8_repaired_fffd),
        T(test_ab_jw_str_embedded_nul_escaped),
        T(test_ab_jw_str_long_round_trip_identical),
        T(test_ab_jw_int_extremes_exact),
        T(test_ab_jw_double_shortest_round_trip),
        T(test_ab_double_text_random_values_read_back),
        T(test_ab_double_text_short_decimals_exact),
        T(test_ab_double_text_long_values_printf_fallback),
        T(test_ab_jw_double_non_finite_null),
        T(test_ab_jw_float_integral_gets_decimal_point),
        T(test_ab_jw_number_text_valid_written_verbatim),
        T(test_ab_jw_number_text_invalid_writes_nothing),
        T(test_ab_jw_raw_json_valid_compacted),
        T(test_ab_jw_raw_json_invalid_writes_nothing),
        T(test_ab_json_text_valid_surrogate_pair_true),
        T(test_ab_json_text_valid_depth_at_cap_true),
        T(test_ab_json_text_valid_depth_over_cap_false),
        T(test_ab_jw_open_past_depth_fails_limit),
        T(test_ab_jw_close_unopened_fails_internal),
        T(test_ab_jw_full_buffer_sticky_limit),
        T(test_ab_jw_json_value_compact),
        T(test_ab_jw_json_null_pointer_writes_null),
        T(test_ab_jw_base64_binary_string),
        T(test_ab_jw_failing_allocations_clean_nomem),
    };
#undef T

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
