/*
 * Unit tests of the driver (connector.c). A small connector written for
 * the tests implements check/discover/read; its behaviour is chosen by
 * the config key "mode", so each test runs ab_main end to end with real
 * files and reads back what it wrote to the output.
 */
#include "ab_test.h"

#include "ab/config.h"
#include "ab/connector.h"
#include "ab/msg.h"
#include "ab/stream.h"

#include <sys/wait.h>

enum { FD_ERR = 2 };

static const char *const spec_json =
    "{\"documentationUrl\":\"https://example.org/docs\","
    "\"connectionSpecification\":{\"type\":\"object\","
    "\"required\":[\"password\"],\"properties\":{"
    "\"password\":{\"type\":\"string\",\"airbyte_secret\":true},"
    "\"mode\":{\"type\":\"string\",\"enum\":[\"ok\",\"bad_credentials\","
    "\"broken\",\"fail_mid_stream\",\"stop\",\"leak\"],"
    "\"default\":\"ok\"},"
    "\"rows\":{\"type\":\"integer\",\"minimum\":0,\"default\":2},"
    "\"checkpoint_interval_records\":{\"type\":\"integer\"}}}}";

static const char *const catalog_json =
    "{\"streams\":[{\"stream\":{\"name\":\"items\",\"json_schema\":"
    "{\"type\":\"object\"},\"supported_sync_modes\":[\"full_refresh\"]},"
    "\"sync_mode\":\"full_refresh\",\"destination_sync_mode\":"
    "\"overwrite\"}]}";

static bool mode_is(const json_t *config, const char *mode)
{
    return strcmp(ab_cfg_str(config, "mode", "ok"), mode) == 0;
}

static enum ab_rc t_check(const json_t *config, struct ab_error *err)
{
    if (mode_is(config, "bad_credentials")) {
        return ab_error_set(err, AB_ERR_CONFIG, "access denied for %s",
                            ab_cfg_str(config, "password", ""));
    }
    if (mode_is(config, "broken")) {
        return ab_error_set(err, AB_ERR_SOURCE, "server went away");
    }
    if (mode_is(config, "leak")) {
        return ab_error_set(err, AB_ERR_SOURCE, "cannot log in with %s",
                            ab_cfg_str(config, "password", ""));
    }
    return AB_OK;
}

static enum ab_rc t_discover(const json_t *config, json_t **out,
                             struct ab_error *err)
{
    if (mode_is(config, "broken")) {
        return ab_error_set(err, AB_ERR_TRANSIENT, "timed out");
    }
    *out = json_pack("{s:[{s:s,s:{s:s},s:[s]}]}", "streams", "name", "items",
                     "json_schema", "type", "object", "supported_sync_modes",
                     "full_refresh");
    return *out ? AB_OK : ab_error_set(err, AB_ERR_NOMEM, "out of memory");
}

static enum ab_rc checkpoint(struct ab_stream *st, int64_t cursor,
                             struct ab_error *err)
{
    json_t *state = json_pack("{s:I}", "cursor", (json_int_t)cursor);
    enum ab_rc rc = AB_OK;

    if (!state) {
        return ab_error_set(err, AB_ERR_NOMEM, "out of memory");
    }
    rc = ab_stream_checkpoint(st, state);
    json_decref(state);
    return rc;
}

/* After each row: fail, stop, or checkpoint, as the mode asks. */
static enum ab_rc after_row(const json_t *config, struct ab_stream *st,
                            int64_t i, struct ab_error *err)
{
    if (mode_is(config, "fail_mid_stream")) {
        return ab_error_set(err, AB_ERR_SOURCE, "lost connection at row %d",
                            (int)i);
    }
    if (mode_is(config, "stop")) {
        raise(SIGTERM);
        return ab_stop_requested() ? AB_ERR_STOPPED : AB_ERR_INTERNAL;
    }
    if (ab_stream_checkpoint_due(st)) {
        return checkpoint(st, i, err);
    }
    return AB_OK;
}

static enum ab_rc read_stream(const json_t *config, struct ab_stream *st,
                              struct ab_record *rec, struct ab_error *err)
{
    int64_t rows = ab_cfg_int(config, "rows", 2);
    int64_t i = 0;
    enum ab_rc rc = ab_stream_begin(st);

    ab_debug("reading stream %s", st->name);
    for (i = 1; rc == AB_OK && i <= rows; i++) {
        ab_record_begin(rec, st, 0);
        ab_jw_key(&rec->jw, "id");
        ab_jw_int(&rec->jw, i);
        ab_jw_key(&rec->jw, "note");
        ab_jw_str(&rec->jw, ab_cfg_str(config, "password", ""));
        rc = ab_record_end(rec, st);
        if (rc == AB_OK) {
            rc = after_row(config, st, i, err);
        }
    }
    if (rc == AB_OK) {
        rc = checkpoint(st, rows, err);
    }
    return rc == AB_OK ? ab_stream_complete(st) : rc;
}

static enum ab_rc t_read(const json_t *config, struct ab_catalog *catalog,
                         struct ab_error *err)
{
    struct ab_record rec;
    size_t i = 0;
    enum ab_rc rc = AB_OK;

    ab_record_init(&rec);
    for (i = 0; i < catalog->count && rc == AB_OK; i++) {
        rc = read_stream(config, &catalog->streams[i], &rec, err);
    }
    ab_record_cleanup(&rec);
    return rc;
}

static const struct ab_connector test_conn = {
    "source-test", "9.9.9", NULL, t_check, t_discover, t_read,
};

/* ---- running ab_main --------------------------------------------------- */

static struct capture cap;
static char err_text[8192];
static char *config_path;
static char *catalog_path;

static int setup(void **state)
{
    (void)state;
    capture_begin(&cap);
    config_path = NULL;
    catalog_path = temp_file(catalog_json);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    capture_free(&cap);
    temp_file_remove(config_path);
    temp_file_remove(catalog_path);
    return 0;
}

static void use_config(const char *text)
{
    temp_file_remove(config_path);
    config_path = temp_file(text);
}

/* ab_main with descriptor 2 captured into err_text. */
static int run_with(const struct ab_connector *conn, int argc,
                    const char *const *args)
{
    char *argv[16];
    FILE *tmp = tmpfile();
    int saved = dup(FD_ERR);
    int status = 0;
    ssize_t n = 0;
    int i = 0;

    for (i = 0; i < argc && i < 16; i++) {
        argv[i] = (char *)(uintptr_t)args[i];
    }
    assert_true(dup2(fileno(tmp), FD_ERR) >= 0);
    status = ab_main(argc, argv, conn);
    assert_true(dup2(saved, FD_ERR) >= 0);
    close(saved);
    n = pread(fileno(tmp), err_text, sizeof(err_text) - 1, 0);
    err_text[n > 0 ? n : 0] = '\0';
    fclose(tmp);
    return status;
}

static int run(int argc, const char *const *args)
{
    struct ab_connector conn = test_conn;

    conn.spec_json = spec_json;
    return run_with(&conn, argc, args);
}

#define RUN(...)                                                               \
    run((int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)),       \
        (const char *const[]){ __VA_ARGS__ })

/* Count lines holding `needle`. */
static size_t count_with(const char *text, const char *needle)
{
    size_t n = 0;
    const char *p = text;

    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    return n;
}

static void assert_error_trace(const char *text, size_t index,
                               const char *failure, const char *message)
{
    json_t *msg = line_json(text, index);
    const json_t *e = json_object_get(json_object_get(msg, "trace"), "error");

    assert_string_equal(json_path_str(msg, "trace", "type", NULL), "ERROR");
    assert_string_equal(json_path_str(e, "failure_type", NULL, NULL), failure);
    assert_string_equal(json_path_str(e, "message", NULL, NULL), message);
    json_decref(msg);
}

static void test_ab_main_spec_emits_spec_exit_zero(void **state)
{
    const char *text = NULL;
    json_t *msg = NULL;

    (void)state;
    assert_int_equal(RUN("src", "spec"), 0);
    text = capture_end(&cap);
    assert_int_equal(count_lines(text), 1);
    msg = line_json(text, 0);
    assert_string_equal(json_path_str(msg, "type", NULL, NULL), "SPEC");
    assert_string_equal(json_path_str(msg, "spec", "documentationUrl", NULL),
                        "https://example.org/docs");
    json_decref(msg);
}

static void test_ab_main_bad_embedded_spec_system_error(void **state)
{
    struct ab_connector conn = test_conn;
    const char *args[] = { "src", "spec" };

    (void)state;
    conn.spec_json = "{\"connectionSpecification\": 5}";
    assert_int_equal(run_with(&conn, 2, args), 1);
    assert_error_trace(capture_end(&cap), 0, "system_error",
                       "the connector's embedded spec is invalid: no "
                       "connectionSpecification object");
}

static void test_ab_main_check_ok_succeeded(void **state)
{
    (void)state;
    use_config("{\"password\":\"pw-123\"}");
    assert_int_equal(RUN("src", "check", "--config", config_path), 0);
    assert_string_equal(capture_end(&cap),
                        "{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":"
                        "{\"status\":\"SUCCEEDED\"}}\n");
}

static void test_ab_main_check_bad_credentials_failed_masked(void **state)
{
    (void)state;
    use_config("{\"password\":\"pw-123\",\"mode\":\"bad_credentials\"}");
    assert_int_equal(RUN("src", "check", "--config", config_path), 0);
    assert_string_equal(capture_end(&cap),
                        "{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":"
                        "{\"status\":\"FAILED\",\"message\":\"access denied "
                        "for **********\"}}\n");
}

static void test_ab_main_check_invalid_config_failed_exit_zero(void **state)
{
    (void)state;
    use_config("{\"password\":\"pw-123\",\"rows\":-1}");
    assert_int_equal(RUN("src", "check", "--config", config_path), 0);
    assert_string_equal(capture_end(&cap),
                        "{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":"
                        "{\"status\":\"FAILED\",\"message\":\"config key "
                        "\\\"rows\\\" must be at least 0\"}}\n");
}

static void test_ab_main_check_source_error_trace_exit_one(void **state)
{
    const char *text = NULL;

    (void)state;
    use_config("{\"password\":\"pw-123\",\"mode\":\"broken\"}");
    assert_int_equal(RUN("src", "check", "--config", config_path), 1);
    text = capture_end(&cap);
    assert_int_equal(count_lines(text), 1);
    assert_error_trace(text, 0, "system_error", "server went away");
}

static void test_ab_main_discover_emits_catalog(void **state)
{
    json_t *msg = NULL;

    (void)state;
    use_config("{\"password\":\"pw-123\"}");
    assert_int_equal(RUN("src", "discover", "--config", config_path), 0);
    msg = line_json(capture_end(&cap), 0);
    assert_string_equal(json_path_str(msg, "type", NULL, NULL), "CATALOG");
    json_decref(msg);
}

static void test_ab_main_discover_failure_transient_exit_one(void **state)
{
    (void)state;
    use_config("{\"password\":\"pw-123\",\"mode\":\"broken\"}");
    assert_int_equal(RUN("src", "discover", "--config", config_path), 1);
    assert_error_trace(capture_end(&cap), 0, "transient_error", "timed out");
}

static void test_ab_main_discover_missing_config_exit_one(void **state)
{
    (void)state;
    assert_int_equal(RUN("src", "discover", "--config", "/nonexistent/c"), 1);
    assert_error_trace(capture_end(&cap), 0, "config_error",
                       "could not open config file \"/nonexistent/c\": No "
                       "such file or directory");
}

static void test_ab_main_read_records_state_complete(void **state)
{
    const char *text = NULL;

    (void)state;
    use_config("{\"password\":\"pw-123\",\"rows\":3}");
    assert_int_equal(
        RUN("src", "read", "--config", config_path, "--catalog", catalog_path),
        0);
    text = capture_end(&cap);
    assert_status_line(text, 1, "items", "STARTED");
    assert_status_line(text, 2, "items", "RUNNING");
    assert_int_equal(count_with(text, "\"type\":\"RECORD\""), 3);
    assert_int_equal(count_with(text, "\"note\":\"**********\""), 3);
    assert_null(strstr(text, "pw-123"));
    assert_non_null(strstr(text, "\"stream_state\":{\"cursor\":3}},"
                                 "\"sourceStats\":{\"recordCount\":3.0}"));
    assert_status_line(text, count_lines(text) - 1, "items", "COMPLETE");
}

static void test_ab_main_read_checkpoint_policy_from_config(void **state)
{
    (void)state;
    use_config("{\"password\":\"pw-123\",\"rows\":5,"
               "\"checkpoint_interval_records\":2}");
    assert_int_equal(RUN("src", "read", "--config", config_path, "--catalog",
                         catalog_path, "--state", "/dev/null"),
                     0);
    assert_int_equal(count_with(capture_end(&cap), "\"type\":\"STATE\""), 3);
}

static void test_ab_main_read_failure_incomplete_then_trace(void **state)
{
    const char *text = NULL;
    json_t *msg = NULL;
    size_t last = 0;

    (void)state;
    use_config("{\"password\":\"pw-123\",\"mode\":\"fail_mid_stream\"}");
    assert_int_equal(
        RUN("src", "read", "--config", config_path, "--catalog", catalog_path),
        1);
    text = capture_end(&cap);
    last = count_lines(text) - 1;
    assert_status_line(text, last - 1, "items", "INCOMPLETE");
    assert_error_trace(text, last, "system_error", "lost connection at row 1");
    msg = line_json(text, last);
    assert_string_equal(json_path_str(json_object_get(msg, "trace"), "error",
                                      "stream_descriptor", "name"),
                        "items");
    json_decref(msg);
}

static void test_ab_main_read_invalid_catalog_config_error(void **state)
{
    char *bad = temp_file("{\"streams\":[{\"stream\":{\"name\":\"x\"},"
                          "\"sync_mode\":\"INVALID\"}]}");
    const char *text = NULL;

    (void)state;
    use_config("{\"password\":\"pw-123\"}");
    assert_int_equal(
        RUN("src", "read", "--config", config_path, "--catalog", bad), 1);
    text = capture_end(&cap);
    assert_int_equal(count_with(text, "\"type\":\"RECORD\""), 0);
    assert_error_trace(text, count_lines(text) - 1, "config_error",
                       "stream \"x\": unsupported sync_mode \"INVALID\" "
                       "(expected full_refresh or incremental)");
    temp_file_remove(bad);
}

static void test_ab_main_unknown_command_usage_trace_exit_two(void **state)
{
    (void)state;
    assert_int_equal(RUN("src", "write"), 2);
    assert_error_trace(capture_end(&cap), 0, "config_error",
                       "unknown command \"write\" (expected spec, check, "
                       "discover or read)");
    assert_non_null(strstr(err_text, "Usage: source-test COMMAND"));
}

static void test_ab_main_missing_flag_usage_exit_two(void **state)
{
    (void)state;
    assert_int_equal(RUN("src", "read", "--config", "c.json"), 2);
    assert_error_trace(capture_end(&cap), 0, "config_error",
                       "command \"read\" needs --catalog FILE");
}

static void test_ab_main_help_stderr_only_exit_zero(void **state)
{
    (void)state;
    assert_int_equal(RUN("src", "--help"), 0);
    assert_string_equal(capture_end(&cap), "");
    assert_non_null(strstr(err_text, "source-test 9.9.9\n"));
    assert_non_null(strstr(err_text, "Usage:"));
}

static void test_ab_main_version_stderr_exit_zero(void **state)
{
    (void)state;
    assert_int_equal(RUN("src", "--version"), 0);
    assert_string_equal(capture_end(&cap), "");
    assert_string_equal(err_text, "source-test 9.9.9\n");
}

static void test_ab_main_log_level_env_debug_shown(void **state)
{
    const char *text = NULL;

    (void)state;
    use_config("{\"password\":\"pw-123\",\"rows\":0}");
    setenv("LOG_LEVEL", "debug", 1);
    assert_int_equal(
        RUN("src", "read", "--config", config_path, "--catalog", catalog_path),
        0);
    unsetenv("LOG_LEVEL");
    text = capture_end(&cap);
    assert_non_null(strstr(text, "\"level\":\"DEBUG\",\"message\":"
                                 "\"reading stream items\""));
}

static void test_ab_main_default_level_debug_hidden(void **state)
{
    (void)state;
    use_config("{\"password\":\"pw-123\",\"rows\":0}");
    assert_int_equal(
        RUN("src", "read", "--config", config_path, "--catalog", catalog_path),
        0);
    assert_null(strstr(capture_end(&cap), "\"level\":\"DEBUG\""));
}

static void test_ab_main_debug_flag_debug_shown(void **state)
{
    (void)state;
    use_config("{\"password\":\"pw-123\",\"rows\":0}");
    assert_int_equal(RUN("src", "read", "--debug", "--config", config_path,
                         "--catalog", catalog_path),
                     0);
    assert_non_null(strstr(capture_end(&cap), "\"level\":\"DEBUG\""));
}

static void test_ab_main_sigterm_incomplete_reraised(void **state)
{
    pid_t pid = 0;
    int status = 0;
    const char *text = NULL;

    (void)state;
    use_config("{\"password\":\"pw-123\",\"mode\":\"stop\",\"rows\":5}");
    pid = fork();
    if (pid == 0) {
        RUN("src", "read", "--config", config_path, "--catalog", catalog_path);
        _exit(77); /* not reached: the signal ends the process */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    text = capture_end(&cap);
    assert_int_equal(count_with(text, "\"type\":\"RECORD\""), 1);
    assert_int_equal(count_with(text, "\"status\":\"INCOMPLETE\""), 1);
    assert_int_equal(count_with(text, "\"type\":\"ERROR\""), 0);
}

static void test_ab_main_closed_output_exit_nonzero(void **state)
{
    int fds[2];

    (void)state;
    capture_free(&cap);
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    ab_out_init(fds[1]);
    assert_int_equal(RUN("src", "spec"), 1);
    assert_non_null(strstr(err_text, "source-test: could not write the "
                                     "output: Broken pipe"));
    close(fds[1]);
    capture_begin(&cap);
}

static void test_ab_main_closed_output_error_masked_on_stderr(void **state)
{
    int fds[2];

    (void)state;
    use_config("{\"password\":\"pw-123\",\"mode\":\"leak\"}");
    capture_free(&cap);
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    ab_out_init(fds[1]);
    assert_int_equal(RUN("src", "check", "--config", config_path), 1);
    assert_non_null(strstr(err_text, "source-test: cannot log in with "
                                     "**********: Broken pipe"));
    assert_null(strstr(err_text, "pw-123"));
    close(fds[1]);
    capture_begin(&cap);
}

static void test_ab_main_failing_allocations_clean_exit(void **state)
{
    int status = 1;
    long n = 0;

    (void)state;
    use_config("{\"password\":\"pw-123\",\"rows\":2}");
    for (n = 0; status != 0; n++) {
        capture_free(&cap);
        capture_begin(&cap);
        ab_alloc_fail_after(n);
        status = RUN("src", "read", "--config", config_path, "--catalog",
                     catalog_path);
        ab_alloc_fail_reset();
        assert_true(status == 0 || status == 1);
        assert_true(n < 2000);
    }
    assert_int_equal(count_with(capture_end(&cap), "\"type\":\"RECORD\""), 2);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_ab_main_spec_emits_spec_exit_zero),
        T(test_ab_main_bad_embedded_spec_system_error),
        T(test_ab_main_check_ok_succeeded),
        T(test_ab_main_check_bad_credentials_failed_masked),
        T(test_ab_main_check_invalid_config_failed_exit_zero),
        T(test_ab_main_check_source_error_trace_exit_one),
        T(test_ab_main_discover_emits_catalog),
        T(test_ab_main_discover_failure_transient_exit_one),
        T(test_ab_main_discover_missing_config_exit_one),
        T(test_ab_main_read_records_state_complete),
        T(test_ab_main_read_checkpoint_policy_from_config),
        T(test_ab_main_read_failure_incomplete_then_trace),
        T(test_ab_main_read_invalid_catalog_config_error),
        T(test_ab_main_unknown_command_usage_trace_exit_two),
        T(test_ab_main_missing_flag_usage_exit_two),
        T(test_ab_main_help_stderr_only_exit_zero),
        T(test_ab_main_version_stderr_exit_zero),
        T(test_ab_main_log_level_env_debug_shown),
        T(test_ab_main_default_level_debug_hidden),
        T(test_ab_main_debug_flag_debug_shown),
        T(test_ab_main_sigterm_incomplete_reraised),
        T(test_ab_main_closed_output_exit_nonzero),
        T(test_ab_main_closed_output_error_masked_on_stderr),
        T(test_ab_main_failing_allocations_clean_exit),
    };
#undef T

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
