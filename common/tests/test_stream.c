/* Unit tests of the per-stream runtime (stream.c). */
#include "ab_test.h"

#include "ab/stream.h"

static struct capture cap;

static int setup(void **state)
{
    (void)state;
    capture_begin(&cap);
    ab_checkpoint_policy_set(AB_CHECKPOINT_RECORDS_DEFAULT,
                             AB_CHECKPOINT_SECONDS_DEFAULT);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    capture_free(&cap);
    return 0;
}

static struct ab_stream make_stream(const char *name, const char *ns)
{
    struct ab_stream st;

    memset(&st, 0, sizeof(st));
    st.name = name;
    st.ns = ns;
    return st;
}

/* Write one record {"id":id} with a fixed emitted_at. */
static enum ab_rc write_record(struct ab_record *rec, struct ab_stream *st,
                               int64_t id)
{
    ab_record_begin(rec, st, 1717236000123);
    ab_jw_key(&rec->jw, "id");
    ab_jw_int(&rec->jw, id);
    return ab_record_end(rec, st);
}

static void test_ab_stream_begin_started_then_running(void **state)
{
    struct ab_stream st = make_stream("orders", "shop");
    const char *text = NULL;

    (void)state;
    assert_int_equal(ab_stream_begin(&st), AB_OK);
    assert_int_equal(st.status, AB_STATUS_RUNNING);
    text = capture_end(&cap);
    assert_int_equal(count_lines(text), 2);
    assert_status_line(text, 0, "orders", "STARTED");
    assert_status_line(text, 1, "orders", "RUNNING");
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_stream_begin_twice_internal(void **state)
{
    struct ab_stream st = make_stream("orders", NULL);

    (void)state;
    assert_int_equal(ab_stream_begin(&st), AB_OK);
    assert_int_equal(ab_stream_begin(&st), AB_ERR_INTERNAL);
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_record_end_exact_line_with_namespace(void **state)
{
    struct ab_stream st = make_stream("or\"ders", "shop");
    struct ab_record rec;

    (void)state;
    ab_record_init(&rec);
    assert_int_equal(write_record(&rec, &st, 42), AB_OK);
    assert_string_equal(capture_end(&cap),
                        "{\"type\":\"RECORD\",\"record\":{\"stream\":"
                        "\"or\\\"ders\",\"namespace\":\"shop\",\"emitted_at\":"
                        "1717236000123,\"data\":{\"id\":42}}}\n");
    assert_true(st.records_since_state == 1.0);
    assert_int_equal(st.records_total, 1);
    ab_record_cleanup(&rec);
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_record_end_no_namespace_key_absent(void **state)
{
    struct ab_stream st = make_stream("users", NULL);
    struct ab_record rec;

    (void)state;
    ab_record_init(&rec);
    assert_int_equal(write_record(&rec, &st, 1), AB_OK);
    assert_int_equal(write_record(&rec, &st, 2), AB_OK);
    assert_string_equal(capture_end(&cap),
                        "{\"type\":\"RECORD\",\"record\":{\"stream\":"
                        "\"users\",\"emitted_at\":1717236000123,\"data\":"
                        "{\"id\":1}}}\n"
                        "{\"type\":\"RECORD\",\"record\":{\"stream\":"
                        "\"users\",\"emitted_at\":1717236000123,\"data\":"
                        "{\"id\":2}}}\n");
    ab_record_cleanup(&rec);
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_record_change_meta_changes_written(void **state)
{
    struct ab_stream st = make_stream("t", NULL);
    struct ab_record rec;

    (void)state;
    ab_record_init(&rec);
    ab_record_begin(&rec, &st, 5);
    ab_jw_key(&rec.jw, "body");
    ab_jw_null(&rec.jw);
    ab_record_change(&rec, "body", AB_CHANGE_NULLED,
                     AB_REASON_SOURCE_FIELD_SIZE_LIMITATION);
    ab_jw_key(&rec.jw, "name");
    (void)ab_jw_str(&rec.jw, "a\xFF");
    ab_record_note_repair(&rec, "name");
    assert_int_equal(ab_record_end(&rec, &st), AB_OK);
    assert_string_equal(
        capture_end(&cap),
        "{\"type\":\"RECORD\",\"record\":{\"stream\":\"t\",\"emitted_at\":5,"
        "\"data\":{\"body\":null,\"name\":\"a\xEF\xBF\xBD\"},\"meta\":"
        "{\"changes\":[{\"field\":\"body\",\"change\":\"NULLED\",\"reason\":"
        "\"SOURCE_FIELD_SIZE_LIMITATION\"},{\"field\":\"name\",\"change\":"
        "\"TRUNCATED\",\"reason\":\"SOURCE_SERIALIZATION_ERROR\"}]}}}\n");
    ab_record_cleanup(&rec);
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_record_change_past_max_counted_not_listed(void **state)
{
    struct ab_stream st = make_stream("t", NULL);
    struct ab_record rec;
    json_t *msg = NULL;
    int i = 0;

    (void)state;
    ab_record_init(&rec);
    ab_record_begin(&rec, &st, 5);
    for (i = 0; i < AB_RECORD_MAX_CHANGES + 10; i++) {
        ab_record_change(&rec, "f", AB_CHANGE_NULLED,
                         AB_REASON_SOURCE_SERIALIZATION_ERROR);
    }
    assert_int_equal(rec.change_count, AB_RECORD_MAX_CHANGES + 10);
    assert_int_equal(ab_record_end(&rec, &st), AB_OK);
    msg = line_json(capture_end(&cap), 0);
    assert_int_equal(
        json_array_size(json_object_get(
            json_object_get(json_object_get(msg, "record"), "meta"),
            "changes")),
        AB_RECORD_MAX_CHANGES);
    json_decref(msg);
    ab_record_cleanup(&rec);
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_record_end_unbalanced_data_internal(void **state)
{
    struct ab_stream st = make_stream("t", NULL);
    struct ab_record rec;

    (void)state;
    ab_record_init(&rec);
    ab_record_begin(&rec, &st, 5);
    ab_jw_key(&rec.jw, "nested");
    ab_jw_obj_open(&rec.jw);
    assert_int_equal(ab_record_end(&rec, &st), AB_ERR_INTERNAL);
    assert_string_equal(capture_end(&cap), "");
    assert_int_equal(st.records_total, 0);
    ab_record_cleanup(&rec);
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_record_end_too_large_limit(void **state)
{
    struct ab_stream st = make_stream("t", NULL);
    struct ab_record rec;

    (void)state;
    ab_record_init(&rec);
    rec.line.max = 80;
    ab_record_begin(&rec, &st, 5);
    ab_jw_key(&rec.jw, "big");
    ab_jw_str(&rec.jw, "this value does not fit in eighty bytes of line "
                       "together with the prefix");
    assert_int_equal(ab_record_end(&rec, &st), AB_ERR_LIMIT);
    assert_string_equal(capture_end(&cap), "");
    ab_record_cleanup(&rec);
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_stream_checkpoint_due_after_n_records(void **state)
{
    struct ab_stream st = make_stream("t", NULL);
    struct ab_record rec;

    (void)state;
    ab_checkpoint_policy_set(3, 0);
    ab_record_init(&rec);
    assert_false(ab_stream_checkpoint_due(&st));
    assert_int_equal(write_record(&rec, &st, 1), AB_OK);
    assert_int_equal(write_record(&rec, &st, 2), AB_OK);
    assert_false(ab_stream_checkpoint_due(&st));
    assert_int_equal(write_record(&rec, &st, 3), AB_OK);
    assert_true(ab_stream_checkpoint_due(&st));
    ab_record_cleanup(&rec);
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_stream_checkpoint_due_after_time(void **state)
{
    struct ab_stream st = make_stream("t", NULL);

    (void)state;
    ab_checkpoint_policy_set(0, 0.001);
    st.records_since_state = 256;
    st.records_total = 256;
    st.last_checkpoint_ms = ab_now_ms() - 5;
    assert_true(ab_stream_checkpoint_due(&st));
    st.records_total = 257; /* the clock is only read every 256 */
    assert_false(ab_stream_checkpoint_due(&st));
}

static void test_ab_stream_checkpoint_state_count_reset(void **state)
{
    struct ab_stream st = make_stream("t", NULL);
    struct ab_record rec;
    json_t *cursor = json_pack("{s:i}", "id", 2);
    json_t *msg = NULL;
    const char *text = NULL;

    (void)state;
    ab_record_init(&rec);
    assert_int_equal(write_record(&rec, &st, 1), AB_OK);
    assert_int_equal(write_record(&rec, &st, 2), AB_OK);
    assert_int_equal(ab_stream_checkpoint(&st, cursor), AB_OK);
    assert_true(st.records_since_state == 0.0);
    text = capture_end(&cap);
    assert_non_null(strstr(text, "\"sourceStats\":{\"recordCount\":2.0}"));
    msg = line_json(text, 2);
    assert_string_equal(json_path_str(msg, "type", NULL, NULL), "STATE");
    json_decref(msg);
    json_decref(cursor);
    ab_record_cleanup(&rec);
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_stream_checkpoint_non_object_internal(void **state)
{
    struct ab_stream st = make_stream("t", NULL);
    json_t *bad = json_string("x");

    (void)state;
    st.records_since_state = 4;
    assert_int_equal(ab_stream_checkpoint(&st, bad), AB_ERR_INTERNAL);
    assert_true(st.records_since_state == 4.0);
    json_decref(bad);
}

static void test_ab_stream_complete_after_begin_complete(void **state)
{
    struct ab_stream st = make_stream("t", NULL);
    const char *text = NULL;

    (void)state;
    assert_int_equal(ab_stream_begin(&st), AB_OK);
    assert_int_equal(ab_stream_complete(&st), AB_OK);
    assert_true(st.finished);
    text = capture_end(&cap);
    assert_status_line(text, 2, "t", "COMPLETE");
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_stream_complete_not_started_internal(void **state)
{
    struct ab_stream st = make_stream("t", NULL);

    (void)state;
    assert_int_equal(ab_stream_complete(&st), AB_ERR_INTERNAL);
    assert_string_equal(capture_end(&cap), "");
}

static void test_ab_stream_incomplete_emits_once(void **state)
{
    struct ab_stream st = make_stream("t", "ns");
    const char *text = NULL;

    (void)state;
    assert_int_equal(ab_stream_begin(&st), AB_OK);
    assert_int_equal(ab_stream_incomplete(&st, NULL), AB_OK);
    assert_int_equal(ab_stream_incomplete(&st, NULL), AB_ERR_INTERNAL);
    text = capture_end(&cap);
    assert_int_equal(count_lines(text), 3);
    assert_status_line(text, 2, "t", "INCOMPLETE");
    ab_buf_cleanup(&st.record_prefix);
}

static void test_ab_stream_require_cursor_incremental_missing(void **state)
{
    struct ab_stream st = make_stream("orders", NULL);
    struct ab_error err;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(ab_stream_require_cursor(&st, &err), AB_OK);
    st.sync_mode = AB_SYNC_INCREMENTAL;
    assert_int_equal(ab_stream_require_cursor(&st, &err), AB_ERR_CONFIG);
    assert_string_equal(err.message,
                        "stream \"orders\" is configured as incremental but "
                        "has no cursor field; set cursor_field in the "
                        "catalog");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_ab_stream_begin_started_then_running),
        T(test_ab_stream_begin_twice_internal),
        T(test_ab_record_end_exact_line_with_namespace),
        T(test_ab_record_end_no_namespace_key_absent),
        T(test_ab_record_change_meta_changes_written),
        T(test_ab_record_change_past_max_counted_not_listed),
        T(test_ab_record_end_unbalanced_data_internal),
        T(test_ab_record_end_too_large_limit),
        T(test_ab_stream_checkpoint_due_after_n_records),
        T(test_ab_stream_checkpoint_due_after_time),
        T(test_ab_stream_checkpoint_state_count_reset),
        T(test_ab_stream_checkpoint_non_object_internal),
        T(test_ab_stream_complete_after_begin_complete),
        T(test_ab_stream_complete_not_started_internal),
        T(test_ab_stream_incomplete_emits_once),
        T(test_ab_stream_require_cursor_incremental_missing),
    };
#undef T

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
