/*
 * Helpers shared by the core's unit tests: capturing what ab_out writes,
 * temporary input files, and assertions in Airbyte terms. Everything is
 * static inline so each test executable stays one source file.
 */
#ifndef AB_TEST_H
#define AB_TEST_H

#include "ab/setup.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ab/alloc.h"
#include "ab/out.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Output captured in an unlinked temporary file. */
struct capture {
    FILE *file;
    char *text; /* everything written, after capture_end */
    size_t len;
};

/* Same process-wide setup for every test executable: jansson allocates
 * through the seam, and a closed pipe gives EPIPE instead of killing the
 * test. */
static inline void ab_test_setup_process(void)
{
    json_set_alloc_funcs(ab_malloc, ab_free);
    (void)signal(SIGPIPE, SIG_IGN);
}

static inline void capture_begin(struct capture *c)
{
    memset(c, 0, sizeof(*c));
    c->file = tmpfile();
    assert_non_null(c->file);
    ab_out_init(fileno(c->file));
}

/* Flush ab_out and read back what it wrote. */
static inline const char *capture_end(struct capture *c)
{
    long size = 0;

    assert_int_equal(ab_out_flush(), AB_OK);
    size = lseek(fileno(c->file), 0, SEEK_END);
    assert_true(size >= 0);
    c->text = malloc((size_t)size + 1);
    assert_non_null(c->text);
    c->len = (size_t)pread(fileno(c->file), c->text, (size_t)size, 0);
    assert_int_equal(c->len, (size_t)size);
    c->text[c->len] = '\0';
    return c->text;
}

static inline void capture_free(struct capture *c)
{
    if (c->file) {
        fclose(c->file);
    }
    free(c->text);
    memset(c, 0, sizeof(*c));
    ab_out_init(-1); /* a stray write after a test fails, visibly */
}

/* Number of lines in captured text. */
static inline size_t count_lines(const char *text)
{
    size_t n = 0;

    for (; *text; text++) {
        n += *text == '\n';
    }
    return n;
}

/* Line `index` (0-based) parsed as JSON; new reference. Fails the test
 * when the line is missing or is not one valid JSON object. */
static inline json_t *line_json(const char *text, size_t index)
{
    const char *end = NULL;
    json_error_t jerr;
    json_t *value = NULL;

    while (index > 0 && text) {
        text = strchr(text, '\n');
        text = text ? text + 1 : NULL;
        index--;
    }
    assert_non_null(text);
    end = strchr(text, '\n');
    assert_non_null(end);
    value = json_loadb(text, (size_t)(end - text), 0, &jerr);
    if (!value) {
        fail_msg("line is not JSON: %s", jerr.text);
    }
    return value;
}

/* The string at a path of object keys, e.g. ("trace", "type"). */
static inline const char *json_path_str(const json_t *v, const char *a,
                                        const char *b, const char *c)
{
    v = json_object_get(v, a);
    if (b) {
        v = json_object_get(v, b);
    }
    if (c) {
        v = json_object_get(v, c);
    }
    return json_string_value(v);
}

/* Line `index` is a STREAM_STATUS trace with `status` for `stream`. */
static inline void assert_status_line(const char *text, size_t index,
                                      const char *stream, const char *status)
{
    json_t *msg = line_json(text, index);
    const json_t *ss =
        json_object_get(json_object_get(msg, "trace"), "stream_status");

    assert_string_equal(json_path_str(msg, "type", NULL, NULL), "TRACE");
    assert_string_equal(json_path_str(msg, "trace", "type", NULL),
                        "STREAM_STATUS");
    assert_string_equal(json_path_str(ss, "stream_descriptor", "name", NULL),
                        stream);
    assert_string_equal(json_path_str(ss, "status", NULL, NULL), status);
    json_decref(msg);
}

/* Write `content` to a new temporary file; returns its path (free it,
 * and unlink the file). */
static inline char *temp_file(const char *content)
{
    char *path = strdup("/tmp/ab_test_XXXXXX");
    int fd = -1;
    size_t len = strlen(content);

    assert_non_null(path);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
    return path;
}

static inline void temp_file_remove(char *path)
{
    if (path) {
        unlink(path);
        free(path);
    }
}

#endif /* AB_TEST_H */
