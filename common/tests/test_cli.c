/* Unit tests of command line parsing (cli.c). */
#include "ab_test.h"

#include "ab/cli.h"

#include <fcntl.h>

/* Descriptor 2, named by number: only cli.c may name the stream. */
enum { FD_ERR = 2 };

struct parsed {
    struct ab_cli cli;
    struct ab_error err;
    enum ab_rc rc;
};

static struct parsed parse(int argc, const char *const *argv_in)
{
    struct parsed p;
    char *argv[16];
    int i = 0;

    for (i = 0; i < argc && i < 16; i++) {
        argv[i] = (char *)(uintptr_t)argv_in[i];
    }
    ab_error_clear(&p.err);
    p.rc = ab_cli_parse(argc, argv, &p.cli, &p.err);
    return p;
}

#define PARSE(...)                                                             \
    parse((int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)),     \
          (const char *const[]){ __VA_ARGS__ })

static void test_ab_cli_parse_read_separate_values_ok(void **state)
{
    struct parsed p = PARSE("src", "read", "--config", "c.json", "--catalog",
                            "cat.json", "--state", "s.json");

    (void)state;
    assert_int_equal(p.rc, AB_OK);
    assert_int_equal(p.cli.command, AB_CMD_READ);
    assert_string_equal(p.cli.config_path, "c.json");
    assert_string_equal(p.cli.catalog_path, "cat.json");
    assert_string_equal(p.cli.state_path, "s.json");
}

static void test_ab_cli_parse_equals_form_ok(void **state)
{
    struct parsed p = PARSE("src", "--catalog=cat.json", "read",
                            "--config=c.json", "--debug");

    (void)state;
    assert_int_equal(p.rc, AB_OK);
    assert_int_equal(p.cli.command, AB_CMD_READ);
    assert_string_equal(p.cli.config_path, "c.json");
    assert_string_equal(p.cli.catalog_path, "cat.json");
    assert_null(p.cli.state_path);
    assert_true(p.cli.debug);
}

static void test_ab_cli_parse_spec_no_flags_ok(void **state)
{
    struct parsed p = PARSE("src", "spec");

    (void)state;
    assert_int_equal(p.rc, AB_OK);
    assert_int_equal(p.cli.command, AB_CMD_SPEC);
    assert_false(p.cli.debug);
}

static void test_ab_cli_parse_check_missing_config_usage(void **state)
{
    struct parsed p = PARSE("src", "check");

    (void)state;
    assert_int_equal(p.rc, AB_ERR_USAGE);
    assert_int_equal(p.err.failure, AB_FAIL_CONFIG);
    assert_string_equal(p.err.message, "command \"check\" needs --config FILE");
}

static void test_ab_cli_parse_read_missing_catalog_usage(void **state)
{
    struct parsed p = PARSE("src", "read", "--config", "c.json");

    (void)state;
    assert_int_equal(p.rc, AB_ERR_USAGE);
    assert_string_equal(p.err.message, "command \"read\" needs --catalog FILE");
}

static void test_ab_cli_parse_unknown_command_usage(void **state)
{
    struct parsed p = PARSE("src", "write", "--config", "c.json");

    (void)state;
    assert_int_equal(p.rc, AB_ERR_USAGE);
    assert_string_equal(p.err.message,
                        "unknown command \"write\" (expected spec, check, "
                        "discover or read)");
}

static void test_ab_cli_parse_no_command_usage(void **state)
{
    struct parsed p = PARSE("src");

    (void)state;
    assert_int_equal(p.rc, AB_ERR_USAGE);
    assert_string_equal(p.err.message,
                        "no command given (expected spec, check, discover "
                        "or read)");
}

static void test_ab_cli_parse_flag_without_value_usage(void **state)
{
    struct parsed p = PARSE("src", "discover", "--config");
    struct parsed q = PARSE("src", "discover", "--config=");

    (void)state;
    assert_int_equal(p.rc, AB_ERR_USAGE);
    assert_string_equal(p.err.message, "option --config needs a value");
    assert_int_equal(q.rc, AB_ERR_USAGE);
}

static void test_ab_cli_parse_unknown_flags_counted_ignored(void **state)
{
    struct parsed p = PARSE("src", "discover", "--config", "c", "--fancy",
                            "--other=1", "extra");

    (void)state;
    assert_int_equal(p.rc, AB_OK);
    assert_int_equal(p.cli.command, AB_CMD_DISCOVER);
    assert_int_equal(p.cli.unknown_flags, 3);
}

static void test_ab_cli_parse_help_anywhere_wins(void **state)
{
    struct parsed p = PARSE("src", "read", "--help");
    struct parsed q = PARSE("src", "-h");
    struct parsed r = PARSE("src", "bogus", "--help");

    (void)state;
    assert_int_equal(p.rc, AB_OK);
    assert_int_equal(p.cli.command, AB_CMD_HELP);
    assert_int_equal(q.cli.command, AB_CMD_HELP);
    assert_int_equal(r.rc, AB_OK);
    assert_int_equal(r.cli.command, AB_CMD_HELP);
}

static void test_ab_cli_parse_version_flag_version(void **state)
{
    struct parsed p = PARSE("src", "--version");

    (void)state;
    assert_int_equal(p.rc, AB_OK);
    assert_int_equal(p.cli.command, AB_CMD_VERSION);
}

static void test_ab_command_name_known_and_none(void **state)
{
    (void)state;
    assert_string_equal(ab_command_name(AB_CMD_DISCOVER), "discover");
    assert_string_equal(ab_command_name(AB_CMD_HELP), "help");
    assert_string_equal(ab_command_name(AB_CMD_NONE), "none");
}

/* Run `fn` with descriptor 2 sent to a temporary file; returns what was
 * written (static storage). */
static const char *captured_err(void (*fn)(void))
{
    static char text[4096];
    FILE *tmp = tmpfile();
    int saved = dup(FD_ERR);
    ssize_t n = 0;

    assert_non_null(tmp);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), FD_ERR) >= 0);
    fn();
    assert_true(dup2(saved, FD_ERR) >= 0);
    close(saved);
    n = pread(fileno(tmp), text, sizeof(text) - 1, 0);
    text[n > 0 ? n : 0] = '\0';
    fclose(tmp);
    return text;
}

static void usage_with_version(void)
{
    ab_cli_usage("source-x", "1.2.3");
}

static void version_line(void)
{
    ab_cli_version("source-x", "1.2.3");
}

static void test_ab_cli_usage_writes_commands_to_stderr(void **state)
{
    const char *text = captured_err(usage_with_version);

    (void)state;
    assert_non_null(strstr(text, "source-x 1.2.3\nUsage: source-x COMMAND"));
    assert_non_null(strstr(text, "read --config FILE --catalog FILE"));
    assert_non_null(strstr(text, "--flag VALUE and --flag=VALUE"));
}

static void test_ab_cli_version_one_line(void **state)
{
    (void)state;
    assert_string_equal(captured_err(version_line), "source-x 1.2.3\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ab_cli_parse_read_separate_values_ok),
        cmocka_unit_test(test_ab_cli_parse_equals_form_ok),
        cmocka_unit_test(test_ab_cli_parse_spec_no_flags_ok),
        cmocka_unit_test(test_ab_cli_parse_check_missing_config_usage),
        cmocka_unit_test(test_ab_cli_parse_read_missing_catalog_usage),
        cmocka_unit_test(test_ab_cli_parse_unknown_command_usage),
        cmocka_unit_test(test_ab_cli_parse_no_command_usage),
        cmocka_unit_test(test_ab_cli_parse_flag_without_value_usage),
        cmocka_unit_test(test_ab_cli_parse_unknown_flags_counted_ignored),
        cmocka_unit_test(test_ab_cli_parse_help_anywhere_wins),
        cmocka_unit_test(test_ab_cli_parse_version_flag_version),
        cmocka_unit_test(test_ab_command_name_known_and_none),
        cmocka_unit_test(test_ab_cli_usage_writes_commands_to_stderr),
        cmocka_unit_test(test_ab_cli_version_one_line),
    };

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
