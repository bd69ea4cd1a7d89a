/* Unit tests of the Airbyte message shapes (msg.c). */
#include "ab_test.h"

#include "ab/msg.h"

#include <math.h>

static struct capture cap;

static int setup(void **state)
{
    (void)state;
    capture_begin(&cap);
    ab_log_set_level(AB_LOG_INFO);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    capture_free(&cap);
    return 0;
}

/* Replace the digits of "emitted_at":<n> by 0 so lines compare exactly;
 * checks the value had the float form <digits>.0 */
static char *normalise_float_time(const char *text)
{
    static char out[2048];
    const char *key = "\"emitted_at\":";
    const char *at = strstr(text, key);
    const char *end = NULL;

    assert_non_null(at);
    at += strlen(key);
    end = at + strspn(at, "0123456789");
    assert_true(end > at + 10);
    assert_memory_equal(end, ".0", 2);
    snprintf(out, sizeof(out), "%.*s0%s", (int)(at - text), text, end + 2);
    return out;
}

static void test_ab_log_info_exact_shape(void **state)
{
    (void)state;
    ab_log(AB_LOG_INFO, "fetched %d rows from \"%s\"", 3, "t");
    assert_string_equal(capture_end(&cap),
                        "{\"type\":\"LOG\",\"log\":{\"level\":\"INFO\","
                        "\"message\":\"fetched 3 rows from \\\"t\\\"\"}}\n");
}

static void test_ab_log_below_level_dropped(void **state)
{
    (void)state;
    ab_debug("not shown %d", 1);
    ab_log(AB_LOG_TRACE, "not shown either");
    assert_string_equal(capture_end(&cap), "");
}

static void test_ab_log_invalid_utf8_repaired(void **state)
{
    (void)state;
    ab_warn("server said %s", "bad\xFF");
    assert_string_equal(capture_end(&cap),
                        "{\"type\":\"LOG\",\"log\":{\"level\":\"WARN\","
                        "\"message\":\"server said bad\xEF\xBF\xBD\"}}\n");
}

static void test_ab_log_set_level_debug_shown(void **state)
{
    (void)state;
    ab_log_set_level(AB_LOG_DEBUG);
    ab_debug("shown");
    assert_int_equal(ab_log_get_level(), AB_LOG_DEBUG);
    assert_int_equal(count_lines(capture_end(&cap)), 1);
}

static void test_ab_emit_spec_exact_shape(void **state)
{
    json_t *spec =
        json_pack("{s:{s:s}}", "connectionSpecification", "type", "object");

    (void)state;
    assert_int_equal(ab_emit_spec(spec), AB_OK);
    assert_string_equal(capture_end(&cap),
                        "{\"type\":\"SPEC\",\"spec\":{\"connection"
                        "Specification\":{\"type\":\"object\"}}}\n");
    json_decref(spec);
}

static void test_ab_emit_connection_status_succeeded_exact(void **state)
{
    (void)state;
    assert_int_equal(ab_emit_connection_status(true, NULL), AB_OK);
    assert_string_equal(capture_end(&cap),
                        "{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":"
                        "{\"status\":\"SUCCEEDED\"}}\n");
}

static void test_ab_emit_connection_status_failed_message(void **state)
{
    (void)state;
    assert_int_equal(ab_emit_connection_status(false, "access denied"), AB_OK);
    assert_string_equal(capture_end(&cap),
                        "{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":"
                        "{\"status\":\"FAILED\",\"message\":\"access "
                        "denied\"}}\n");
}

static void test_ab_emit_catalog_exact_shape(void **state)
{
    json_t *catalog = json_pack("{s:[]}", "streams");

    (void)state;
    assert_int_equal(ab_emit_catalog(catalog), AB_OK);
    assert_string_equal(
        capture_end(&cap),
        "{\"type\":\"CATALOG\",\"catalog\":{\"streams\":[]}}\n");
    json_decref(catalog);
}

static void test_ab_emit_error_trace_full_shape(void **state)
{
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    (void)ab_error_set(&err, AB_ERR_CONFIG, "bad token");
    ab_error_detail(&err, "HTTP 401");
    assert_int_equal(ab_emit_error_trace(&err, "tickets", "acme"), AB_OK);
    assert_string_equal(
        normalise_float_time(capture_end(&cap)),
        "{\"type\":\"TRACE\",\"trace\":{\"type\":\"ERROR\",\"emitted_at\":0,"
        "\"error\":{\"message\":\"bad token\",\"internal_message\":"
        "\"HTTP 401\",\"failure_type\":\"config_error\","
        "\"stream_descriptor\":{\"name\":\"tickets\",\"namespace\":"
        "\"acme\"}}}}\n");
}

static void test_ab_emit_error_trace_unset_record_system_error(void **state)
{
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(ab_emit_error_trace(&err, NULL, NULL), AB_OK);
    assert_string_equal(
        normalise_float_time(capture_end(&cap)),
        "{\"type\":\"TRACE\",\"trace\":{\"type\":\"ERROR\",\"emitted_at\":0,"
        "\"error\":{\"message\":\"internal error\",\"failure_type\":"
        "\"system_error\"}}}\n");
}

static void test_ab_emit_error_trace_emitted_at_real_ms(void **state)
{
    json_t *msg = NULL;
    double at = 0;

    (void)state;
    assert_int_equal(ab_emit_error_trace(NULL, NULL, NULL), AB_OK);
    msg = line_json(capture_end(&cap), 0);
    at = json_real_value(
        json_object_get(json_object_get(msg, "trace"), "emitted_at"));
    assert_true(fabs(at - (double)ab_now_ms()) < 60000.0);
    json_decref(msg);
}

static void test_ab_emit_stream_status_no_namespace_key_absent(void **state)
{
    (void)state;
    assert_int_equal(
        ab_emit_stream_status("users", NULL, AB_STATUS_RUNNING, NULL), AB_OK);
    assert_string_equal(
        normalise_float_time(capture_end(&cap)),
        "{\"type\":\"TRACE\",\"trace\":{\"type\":\"STREAM_STATUS\","
        "\"emitted_at\":0,\"stream_status\":{\"stream_descriptor\":"
        "{\"name\":\"users\"},\"status\":\"RUNNING\"}}}\n");
}

static void test_ab_emit_stream_status_reasons_included(void **state)
{
    json_t *reasons = json_pack("[{s:s}]", "type", "RATE_LIMITED");
    json_t *msg = NULL;
    const json_t *ss = NULL;

    (void)state;
    assert_int_equal(
        ab_emit_stream_status("u", "db", AB_STATUS_INCOMPLETE, reasons), AB_OK);
    msg = line_json(capture_end(&cap), 0);
    ss = json_object_get(json_object_get(msg, "trace"), "stream_status");
    assert_string_equal(json_path_str(ss, "status", NULL, NULL), "INCOMPLETE");
    assert_true(json_equal(json_object_get(ss, "reasons"), reasons));
    assert_string_equal(
        json_path_str(ss, "stream_descriptor", "namespace", NULL), "db");
    json_decref(msg);
    json_decref(reasons);
}

static void test_ab_emit_estimate_negative_omitted(void **state)
{
    (void)state;
    assert_int_equal(ab_emit_estimate("t", NULL, 1200, -1), AB_OK);
    assert_string_equal(
        normalise_float_time(capture_end(&cap)),
        "{\"type\":\"TRACE\",\"trace\":{\"type\":\"ESTIMATE\","
        "\"emitted_at\":0,\"estimate\":{\"name\":\"t\",\"type\":\"STREAM\","
        "\"row_estimate\":1200}}}\n");
}

static void test_ab_emit_state_exact_record_count_float(void **state)
{
    json_t *st = json_pack("{s:s}", "updated_at", "2024-05-01");

    (void)state;
    assert_int_equal(ab_emit_state("tickets", "acme", st, 250), AB_OK);
    /* Flushed by ab_emit_state itself: visible before capture_end. */
    assert_true(lseek(fileno(cap.file), 0, SEEK_END) > 0);
    assert_string_equal(
        capture_end(&cap),
        "{\"type\":\"STATE\",\"state\":{\"type\":\"STREAM\",\"stream\":"
        "{\"stream_descriptor\":{\"name\":\"tickets\",\"namespace\":\"acme\"},"
        "\"stream_state\":{\"updated_at\":\"2024-05-01\"}},\"sourceStats\":"
        "{\"recordCount\":250.0}}}\n");
    json_decref(st);
}

static void test_ab_emit_state_non_object_internal_nothing(void **state)
{
    json_t *st = json_integer(3);

    (void)state;
    assert_int_equal(ab_emit_state("t", NULL, st, 0), AB_ERR_INTERNAL);
    assert_int_equal(ab_emit_state("t", NULL, NULL, 0), AB_ERR_INTERNAL);
    assert_string_equal(capture_end(&cap), "");
    json_decref(st);
}

static void test_ab_emit_state_closed_output_fails(void **state)
{
    json_t *st = json_object();
    int fds[2];

    (void)state;
    capture_free(&cap);
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    ab_out_init(fds[1]);
    assert_int_equal(ab_emit_state("t", NULL, st, 1), AB_ERR_OUTPUT);
    close(fds[1]);
    capture_begin(&cap);
    json_decref(st);
}

static void test_ab_emit_state_no_memory_clean_error(void **state)
{
    json_t *st = json_pack("{s:i}", "page", 7);
    enum ab_rc rc = AB_ERR_NOMEM;
    long n = 0;

    (void)state;
    for (n = 0; rc != AB_OK; n++) {
        ab_alloc_fail_after(n);
        rc = ab_emit_state("t", NULL, st, 1);
        ab_alloc_fail_reset();
        assert_true(rc == AB_OK || rc == AB_ERR_NOMEM);
        assert_true(n < 100);
    }
    assert_int_equal(count_lines(capture_end(&cap)), 1);
    json_decref(st);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_ab_log_info_exact_shape),
        T(test_ab_log_below_level_dropped),
        T(test_ab_log_invalid_utf8_repaired),
        T(test_ab_log_set_level_debug_shown),
        T(test_ab_emit_spec_exact_shape),
        T(test_ab_emit_connection_status_succeeded_exact),
        T(test_ab_emit_connection_status_failed_message),
        T(test_ab_emit_catalog_exact_shape),
        T(test_ab_emit_error_trace_full_shape),
        T(test_ab_emit_error_trace_unset_record_system_error),
        T(test_ab_emit_error_trace_emitted_at_real_ms),
        T(test_ab_emit_stream_status_no_namespace_key_absent),
        T(test_ab_emit_stream_status_reasons_included),
        T(test_ab_emit_estimate_negative_omitted),
        T(test_ab_emit_state_exact_record_count_float),
        T(test_ab_emit_state_non_object_internal_nothing),
        T(test_ab_emit_state_closed_output_fails),
        T(test_ab_emit_state_no_memory_clean_error),
    };
#undef T

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
