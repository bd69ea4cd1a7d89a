/* Unit tests of the standard output owner (out.c): buffering, checked
 * writes, sticky failures, masking. */
#include "ab_test.h"

#include "ab/out.h"
#include "ab/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>

static void test_ab_out_line_buffered_until_flush(void **state)
{
    struct capture c;

    (void)state;
    capture_begin(&c);
    assert_int_equal(ab_out_line("{\"a\":1}", 7), AB_OK);
    assert_int_equal(lseek(fileno(c.file), 0, SEEK_END), 0);
    assert_string_equal(capture_end(&c), "{\"a\":1}\n");
    assert_int_equal(ab_out_bytes(), 8);
    capture_free(&c);
}

static void test_ab_out_line_raw_newline_rejected_internal(void **state)
{
    struct capture c;

    (void)state;
    capture_begin(&c);
    assert_int_equal(ab_out_line("{\"a\":\n1}", 8), AB_ERR_INTERNAL);
    assert_false(ab_out_failed());
    assert_string_equal(capture_end(&c), "");
    capture_free(&c);
}

static void test_ab_out_line_larger_than_buffer_written_whole(void **state)
{
    struct capture c;
    size_t n = AB_OUT_BUFFER_SIZE * 2 + 17;
    char *big = malloc(n);

    (void)state;
    memset(big, 'x', n);
    capture_begin(&c);
    assert_int_equal(ab_out_line("first", 5), AB_OK);
    assert_int_equal(ab_out_line(big, n), AB_OK);
    assert_int_equal(ab_out_line("last", 4), AB_OK);
    capture_end(&c);
    assert_int_equal(c.len, 5 + 1 + n + 1 + 4 + 1);
    assert_memory_equal(c.text + 6, big, n);
    assert_string_equal(c.text + 6 + n + 1, "last\n");
    capture_free(&c);
    free(big);
}

static void test_ab_out_flush_closed_pipe_sticky_output_error(void **state)
{
    int fds[2];

    (void)state;
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    ab_out_init(fds[1]);
    assert_int_equal(ab_out_line("{}", 2), AB_OK);
    assert_int_equal(ab_out_flush(), AB_ERR_OUTPUT);
    assert_true(ab_out_failed());
    assert_int_equal(ab_out_errno(), EPIPE);
    assert_int_equal(ab_out_line("{}", 2), AB_ERR_OUTPUT);
    assert_int_equal(ab_out_flush(), AB_ERR_OUTPUT);
    close(fds[1]);
    ab_out_init(-1);
}

static void test_ab_out_flush_full_device_output_error(void **state)
{
    int fd = open("/dev/full", O_WRONLY);

    (void)state;
    if (fd < 0) {
        skip();
    }
    ab_out_init(fd);
    assert_int_equal(ab_out_line("{}", 2), AB_OK);
    assert_int_equal(ab_out_flush(), AB_ERR_OUTPUT);
    assert_int_equal(ab_out_errno(), ENOSPC);
    close(fd);
    ab_out_init(-1);
}

static void test_ab_out_flush_bad_descriptor_output_error(void **state)
{
    (void)state;
    ab_out_init(-1);
    assert_int_equal(ab_out_line("{}", 2), AB_OK);
    assert_int_equal(ab_out_flush(), AB_ERR_OUTPUT);
    assert_int_equal(ab_out_errno(), EBADF);
}

/* Child: read everything from `fd` slowly; exit 0 when it got `want`
 * bytes of 'y' followed by newlines in the right places. */
static void slow_reader(int fd, size_t want)
{
    char chunk[4096];
    size_t got = 0;
    ssize_t n = 0;

    while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
        got += (size_t)n;
        usleep(100);
    }
    _exit(got == want ? 0 : 1);
}

static void test_ab_out_flush_nonblocking_pipe_all_bytes(void **state)
{
    int fds[2];
    pid_t pid = 0;
    int status = 0;
    size_t line = 100000;
    char *text = malloc(line);
    int i = 0;

    (void)state;
    memset(text, 'y', line);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    if (pid == 0) {
        close(fds[1]);
        slow_reader(fds[0], (line + 1) * 20);
    }
    close(fds[0]);
    assert_int_equal(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
    ab_out_init(fds[1]);
    for (i = 0; i < 20; i++) {
        assert_int_equal(ab_out_line(text, line), AB_OK);
    }
    assert_int_equal(ab_out_flush(), AB_OK);
    close(fds[1]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ab_out_init(-1);
    free(text);
}

static void test_ab_out_line_secret_masked(void **state)
{
    const char *line = "{\"m\":\"pw hunter2\"}";
    struct capture c;

    (void)state;
    assert_int_equal(ab_secret_add("hunter2"), AB_OK);
    capture_begin(&c);
    assert_int_equal(ab_out_line(line, strlen(line)), AB_OK);
    assert_string_equal(capture_end(&c), "{\"m\":\"pw **********\"}\n");
    capture_free(&c);
    ab_secret_clear();
}

static void test_ab_out_line_secret_no_memory_nothing_written(void **state)
{
    const char *line = "{\"m\":\"hunter2\"}";
    struct capture c;

    (void)state;
    assert_int_equal(ab_secret_add("hunter2"), AB_OK);
    capture_begin(&c);
    ab_alloc_fail_after(0);
    assert_int_equal(ab_out_line(line, strlen(line)), AB_ERR_NOMEM);
    ab_alloc_fail_reset();
    assert_string_equal(capture_end(&c), "");
    capture_free(&c);
    ab_secret_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ab_out_line_buffered_until_flush),
        cmocka_unit_test(test_ab_out_line_raw_newline_rejected_internal),
        cmocka_unit_test(test_ab_out_line_larger_than_buffer_written_whole),
        cmocka_unit_test(test_ab_out_flush_closed_pipe_sticky_output_error),
        cmocka_unit_test(test_ab_out_flush_full_device_output_error),
        cmocka_unit_test(test_ab_out_flush_bad_descriptor_output_error),
        cmocka_unit_test(test_ab_out_flush_nonblocking_pipe_all_bytes),
        cmocka_unit_test(test_ab_out_line_secret_masked),
        cmocka_unit_test(test_ab_out_line_secret_no_memory_nothing_written),
    };

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
