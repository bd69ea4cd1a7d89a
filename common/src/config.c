/*
 * Input files and the spec-driven config validator.
 *
 * The validator understands the JSON Schema subset that Airbyte specs
 * use (listed in docs/core.md): type (a name or a list such as
 * ["string","null"]), properties, required, default, enum, const,
 * pattern (POSIX extended regular expressions, not ECMA-262), minimum,
 * maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength,
 * minItems, maxItems, items (one schema for every element) and oneOf.
 * A oneOf is resolved the way the Airbyte UI builds it: the property that
 * carries a `const` in every option (the discriminator) picks the
 * option; without one, the first option the value satisfies is used.
 * Unknown keys are allowed (additionalProperties is not enforced), as
 * Airbyte requires. An explicit null for a key whose type does not allow
 * null counts as "not given", so its default applies.
 */
#include "ab/setup.h"
#include "ab/config.h"

#include "ab/alloc.h"
#include "ab/jsonw.h"
#include "ab/secret.h"
#include "ab/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK ((size_t)64 * 1024)
#define PATH_MAX_LEN 1024
#define LIST_MAX 256

/* ---- files ------------------------------------------------------------- */

/* Read until EOF into out; AB_ERR_IO (errno set) on a read error,
 * AB_ERR_LIMIT when the file does not fit under the ceiling. */
static enum ab_rc read_fd(int fd, struct ab_buf *out)
{
    size_t room = 0;
    ssize_t n = 0;
    char probe = 0;

    for (;;) {
        room =
            out->max - out->len < READ_CHUNK ? out->max - out->len : READ_CHUNK;
        if (room == 0) {
            /* At the ceiling: fine only if the file ends right here. */
            n = read(fd, &probe, 1);
            return n == 0 ? AB_OK : n > 0 ? AB_ERR_LIMIT : AB_ERR_IO;
        }
        if (ab_buf_reserve(out, room) != AB_OK) {
            return AB_ERR_NOMEM;
        }
        n = read(fd, out->data + out->len, room);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n == 0 ? AB_OK : AB_ERR_IO;
        }
        out->len += (size_t)n;
        out->data[out->len] = '\0';
    }
}

enum ab_rc ab_file_read(const char *path, const char *what, struct ab_buf *out,
                        struct ab_error *err)
{
    int fd = -1;
    enum ab_rc rc = AB_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "could not open %s file \"%s\": %s", what, path,
                            strerror(errno));
    }
    rc = read_fd(fd, out);
    if (rc == AB_ERR_IO) {
        rc = ab_error_set(err, AB_ERR_CONFIG,
                          "could not read %s file \"%s\": %s", what, path,
                          strerror(errno));
    } else if (rc == AB_ERR_LIMIT) {
        rc = ab_error_set(err, AB_ERR_CONFIG,
                          "%s file \"%s\" is larger than %zu bytes", what, path,
                          out->max);
    } else if (rc == AB_ERR_NOMEM) {
        rc = ab_error_set(err, rc, "out of memory reading %s file", what);
    }
    (void)close(fd);
    return rc;
}

enum ab_rc ab_json_parse(const char *text, size_t len, const char *what,
                         const char *path, json_t **out, struct ab_error *err)
{
    json_error_t jerr;
    char *near = NULL;
    unsigned long failures = ab_alloc_failures();

    *out = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    if (*out) {
        return AB_OK;
    }
    /* jansson reports some allocation failures as syntax errors. */
    if (ab_alloc_failures() != failures ||
        json_error_code(&jerr) == json_error_out_of_memory) {
        return ab_error_set(err, AB_ERR_NOMEM, "out of memory parsing %s",
                            what);
    }
    /* jansson quotes the token at the error ("near 'hunter2'"); in a
     * config that token may be a password not yet registered as a
     * secret, so only the position is reported. */
    near = strstr(jerr.text, " near '");
    if (near) {
        *near = '\0';
    }
    if (!path) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "%s is not valid JSON: %s (line %d, column %d)",
                            what, jerr.text, jerr.line, jerr.column);
    }
    return ab_error_set(err, AB_ERR_CONFIG,
                        "%s file \"%s\" is not valid JSON: %s (line %d, "
                        "column %d)",
                        what, path, jerr.text, jerr.line, jerr.column);
}

enum ab_rc ab_json_load_file(const char *path, const char *what, json_t **out,
                             struct ab_error *err)
{
    struct ab_buf text;
    enum ab_rc rc = AB_OK;

    *out = NULL;
    ab_buf_init(&text, AB_INPUT_FILE_MAX);
    rc = ab_file_read(path, what, &text, err);
    if (rc == AB_OK) {
        rc = ab_json_parse(text.data ? text.data : "", text.len, what, path,
                           out, err);
    }
    ab_buf_cleanup(&text);
    return rc;
}

/* ---- validator ---------------------------------------------------------- */

struct vctx {
    struct ab_buf path;  /* key path of the value being checked */
    const char *context; /* e.g. ' for mode "verify_ca"', or "" */
    unsigned depth;
    struct ab_error *err;
};

static enum ab_rc validate_node(struct vctx *c, const json_t *schema,
                                json_t *value);

/* jansson's iterators take non-const pointers although they only read;
 * a union drops the qualifier without a cast the compiler flags. */
static json_t *unconst(const json_t *value)
{
    union {
        const json_t *c;
        json_t *m;
    } u;

    u.c = value;
    return u.m;
}

static enum ab_rc vfail(struct vctx *c, const char *fmt, ...) AB_PRINTF(2, 3);

static enum ab_rc vfail(struct vctx *c, const char *fmt, ...)
{
    char detail[AB_ERROR_MESSAGE_MAX];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if (c->path.len == 0) {
        return ab_error_set(c->err, AB_ERR_CONFIG, "config %s%s", detail,
                            c->context);
    }
    return ab_error_set(c->err, AB_ERR_CONFIG, "config key \"%s\" %s%s",
                        c->path.data, detail, c->context);
}

static enum ab_rc spec_fail(struct vctx *c, const char *what)
{
    return ab_error_setf(c->err, AB_ERR_INTERNAL, AB_FAIL_SYSTEM,
                         "connector spec is invalid at \"%s\": %s",
                         c->path.len > 0 ? c->path.data : "(top)", what);
}

static enum ab_rc nomem(struct vctx *c)
{
    return ab_error_set(c->err, AB_ERR_NOMEM,
                        "out of memory while validating the config");
}

static enum ab_rc path_push(struct vctx *c, const char *key, size_t *saved)
{
    enum ab_rc rc = AB_OK;

    *saved = c->path.len;
    if (c->path.len > 0) {
        rc = ab_buf_append_char(&c->path, '.');
    }
    if (rc == AB_OK) {
        rc = ab_buf_append_str(&c->path, key);
    }
    if (rc != AB_OK) {
        return rc == AB_ERR_NOMEM ? nomem(c) : vfail(c, "is too deep");
    }
    return AB_OK;
}

static enum ab_rc path_push_index(struct vctx *c, size_t index, size_t *saved)
{
    enum ab_rc rc = AB_OK;

    *saved = c->path.len;
    rc = ab_buf_appendf(&c->path, "[%zu]", index);
    if (rc != AB_OK) {
        return rc == AB_ERR_NOMEM ? nomem(c) : vfail(c, "is too deep");
    }
    return AB_OK;
}

static void path_pop(struct vctx *c, size_t saved)
{
    c->path.len = saved;
    if (c->path.data) {
        c->path.data[saved] = '\0';
    }
}

/* Append to a fixed text buffer after `sep` (not before the first
 * item), truncating. */
static void list_add(char *list, size_t size, const char *sep, const char *item)
{
    size_t used = strlen(list);

    (void)snprintf(list + used, size - used, "%s%s", used > 0 ? sep : "", item);
}

/* Short text of a scalar for messages (strings unquoted). */
static const char *scalar_text(const json_t *v, char *tmp, size_t size)
{
    if (json_is_string(v)) {
        return json_string_value(v);
    }
    if (json_is_integer(v)) {
        (void)snprintf(tmp, size, "%" JSON_INTEGER_FORMAT,
                       json_integer_value(v));
        return tmp;
    }
    if (json_is_real(v) && size >= AB_DOUBLE_TEXT_MAX) {
        (void)ab_double_text(json_real_value(v), tmp);
        return tmp;
    }
    if (json_is_boolean(v)) {
        return json_is_true(v) ? "true" : "false";
    }
    return json_is_null(v) ? "null" : "(a structured value)";
}

/* ---- type -------------------------------------------------------------- */

static bool is_integral(const json_t *v)
{
    double x = 0;

    if (json_is_integer(v)) {
        return true;
    }
    x = json_is_real(v) ? json_real_value(v) : 0.5;
    return isfinite(x) && floor(x) == x;
}

/* Does `v` have JSON Schema type `name`? *known is cleared for a name
 * outside the standard seven. */
static bool type_is(const char *name, const json_t *v, bool *known)
{
    static const struct {
        const char *name;
        json_type type;
    } simple[] = {
        { "string", JSON_STRING },
        { "object", JSON_OBJECT },
        { "array", JSON_ARRAY },
        { "null", JSON_NULL },
    };
    size_t i = 0;

    *known = true;
    for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
        if (strcmp(name, simple[i].name) == 0) {
            return json_typeof(v) == simple[i].type;
        }
    }
    if (strcmp(name, "integer") == 0) {
        return is_integral(v);
    }
    if (strcmp(name, "number") == 0) {
        return json_is_number(v);
    }
    if (strcmp(name, "boolean") == 0) {
        return json_is_boolean(v);
    }
    *known = false;
    return false;
}

static const char *type_phrase(const char *name)
{
    static const char *const phrases[][2] = {
        { "string", "a string" },  { "integer", "an integer" },
        { "number", "a number" },  { "boolean", "a boolean" },
        { "object", "an object" }, { "array", "an array" },
    };
    size_t i = 0;

    for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
        if (strcmp(name, phrases[i][0]) == 0) {
            return phrases[i][1];
        }
    }
    return name; /* "null" */
}

/* The schema's type names as an array view: one name or a list. */
static size_t type_names(const json_t *type, const char **names, size_t max)
{
    size_t i = 0;
    size_t n = 0;

    if (json_is_string(type)) {
        names[0] = json_string_value(type);
        return 1;
    }
    for (i = 0; i < json_array_size(type) && n < max; i++) {
        if (json_is_string(json_array_get(type, i))) {
            names[n++] = json_string_value(json_array_get(type, i));
        }
    }
    return n;
}

static bool allows_null(const json_t *schema)
{
    const json_t *type = json_object_get(schema, "type");
    const char *names[8];
    size_t n = type_names(type, names, 8);
    size_t i = 0;

    if (!type) {
        return true;
    }
    for (i = 0; i < n; i++) {
        if (strcmp(names[i], "null") == 0) {
            return true;
        }
    }
    return false;
}

static enum ab_rc check_type(struct vctx *c, const json_t *schema,
                             const json_t *value)
{
    const json_t *type = json_object_get(schema, "type");
    const char *names[8];
    size_t n = type_names(type, names, 8);
    size_t i = 0;
    bool known = true;
    char phrase[LIST_MAX] = "";

    if (!type) {
        return AB_OK;
    }
    if (n == 0) {
        return spec_fail(c, "\"type\" is neither a name nor a list");
    }
    for (i = 0; i < n; i++) {
        if (type_is(names[i], value, &known)) {
            return AB_OK;
        }
        if (!known) {
            return spec_fail(c, "unknown type name");
        }
        list_add(phrase, sizeof(phrase), " or ", type_phrase(names[i]));
    }
    return vfail(c, "must be %s", phrase);
}

/* ---- enum and const ---------------------------------------------------- */

static enum ab_rc check_enum_const(struct vctx *c, const json_t *schema,
                                   const json_t *value)
{
    const json_t *options = json_object_get(schema, "enum");
    const json_t *want = json_object_get(schema, "const");
    char list[LIST_MAX] = "";
    char tmp[AB_DOUBLE_TEXT_MAX];
    size_t i = 0;

    if (want && !json_equal(want, value)) {
        return vfail(c, "must be %s", scalar_text(want, tmp, sizeof(tmp)));
    }
    if (!json_is_array(options)) {
        return AB_OK;
    }
    for (i = 0; i < json_array_size(options); i++) {
        if (json_equal(json_array_get(options, i), value)) {
            return AB_OK;
        }
        list_add(list, sizeof(list), ", ",
                 scalar_text(json_array_get(options, i), tmp, sizeof(tmp)));
    }
    return vfail(c, "must be one of: %s", list);
}

/* ---- strings, numbers, arrays ------------------------------------------ */

/* KNOWN-ISSUE(CORE-2): patterns are POSIX extended regular expressions,
 * not ECMA-262: \d, \w, lazy quantifiers and look-arounds do not compile
 * and the spec is reported as broken (system_error). Specs must use
 * bracket expressions such as [0-9]. */
static enum ab_rc check_pattern(struct vctx *c, const json_t *schema,
                                const char *text)
{
    const char *pattern = json_string_value(json_object_get(schema, "pattern"));
    const char *looks = NULL;
    regex_t re;
    int m = 0;

    if (!pattern) {
        return AB_OK;
    }
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
        return spec_fail(c, "pattern is not a POSIX extended regex");
    }
    m = regexec(&re, text, 0, NULL, 0);
    regfree(&re);
    if (m == 0) {
        return AB_OK;
    }
    if (m != REG_NOMATCH) {
        return nomem(c);
    }
    looks = json_string_value(json_object_get(schema, "pattern_descriptor"));
    if (looks) {
        return vfail(c, "must look like %s", looks);
    }
    return vfail(c, "must match the pattern %s", pattern);
}

/* Integer keyword `name` of the schema, or -1 when absent. */
static json_int_t int_keyword(const json_t *schema, const char *name)
{
    const json_t *v = json_object_get(schema, name);

    return json_is_integer(v) ? json_integer_value(v) : -1;
}

static enum ab_rc check_string(struct vctx *c, const json_t *schema,
                               const json_t *value)
{
    const char *text = json_string_value(value);
    size_t chars = ab_utf8_count(text, json_string_length(value));
    json_int_t min = int_keyword(schema, "minLength");
    json_int_t max = int_keyword(schema, "maxLength");

    if (min >= 0 && chars < (size_t)min) {
        return vfail(
            c, "must be at least %" JSON_INTEGER_FORMAT " characters long",
            min);
    }
    if (max >= 0 && chars > (size_t)max) {
        return vfail(
            c, "must be at most %" JSON_INTEGER_FORMAT " characters long", max);
    }
    return check_pattern(c, schema, text);
}

/* One numeric bound; `sign` is +1 for lower bounds, -1 for upper. */
static enum ab_rc check_bound(struct vctx *c, const json_t *schema,
                              const char *name, double x, int sign,
                              bool exclusive)
{
    const json_t *bound = json_object_get(schema, name);
    char tmp[AB_DOUBLE_TEXT_MAX];
    double b = 0;
    bool bad = false;

    if (!json_is_number(bound)) {
        return AB_OK;
    }
    b = json_number_value(bound);
    bad =
        sign > 0 ? (exclusive ? x <= b : x < b) : (exclusive ? x >= b : x > b);
    if (!bad) {
        return AB_OK;
    }
    return vfail(c, "must be %s %s",
                 sign > 0 ? (exclusive ? "greater than" : "at least")
                          : (exclusive ? "less than" : "at most"),
                 scalar_text(bound, tmp, sizeof(tmp)));
}

static enum ab_rc check_number(struct vctx *c, const json_t *schema,
                               const json_t *value)
{
    double x = json_number_value(value);
    enum ab_rc rc = check_bound(c, schema, "minimum", x, 1, false);

    if (rc == AB_OK) {
        rc = check_bound(c, schema, "maximum", x, -1, false);
    }
    if (rc == AB_OK) {
        rc = check_bound(c, schema, "exclusiveMinimum", x, 1, true);
    }
    if (rc == AB_OK) {
        rc = check_bound(c, schema, "exclusiveMaximum", x, -1, true);
    }
    return rc;
}

static enum ab_rc check_array(struct vctx *c, const json_t *schema,
                              json_t *value)
{
    const json_t *items = json_object_get(schema, "items");
    size_t n = json_array_size(value);
    json_int_t min = int_keyword(schema, "minItems");
    json_int_t max = int_keyword(schema, "maxItems");
    size_t i = 0;
    size_t saved = 0;
    enum ab_rc rc = AB_OK;

    if (min >= 0 && n < (size_t)min) {
        return vfail(c, "must have at least %" JSON_INTEGER_FORMAT " items",
                     min);
    }
    if (max >= 0 && n > (size_t)max) {
        return vfail(c, "must have at most %" JSON_INTEGER_FORMAT " items",
                     max);
    }
    for (i = 0; i < n && json_is_object(items) && rc == AB_OK; i++) {
        rc = path_push_index(c, i, &saved);
        if (rc == AB_OK) {
            rc = validate_node(c, items, json_array_get(value, i));
            path_pop(c, saved);
        }
    }
    return rc;
}

/* ---- objects ----------------------------------------------------------- */

/* A key with no usable value: absent, or null where null is not allowed. */
static bool missing(const json_t *v, const json_t *schema)
{
    return !v || (json_is_null(v) && !allows_null(schema));
}

static enum ab_rc fill_default(struct vctx *c, const json_t *schema,
                               json_t *object, const char *key, json_t **v)
{
    const json_t *def = json_object_get(schema, "default");
    json_t *copy = NULL;

    if (!def || !missing(*v, schema)) {
        return AB_OK;
    }
    copy = json_deep_copy(def);
    if (!copy || json_object_set_new(object, key, copy) != 0) {
        return nomem(c);
    }
    *v = copy;
    return AB_OK;
}

static enum ab_rc check_properties(struct vctx *c, const json_t *schema,
                                   json_t *value)
{
    json_t *props = unconst(json_object_get(schema, "properties"));
    const char *key = NULL;
    json_t *sub = NULL;
    json_t *v = NULL;
    size_t saved = 0;
    enum ab_rc rc = AB_OK;

    json_object_foreach(props, key, sub)
    {
        v = json_object_get(value, key);
        rc = fill_default(c, sub, value, key, &v);
        if (rc != AB_OK) {
            return rc;
        }
        if (missing(v, sub)) {
            continue;
        }
        rc = path_push(c, key, &saved);
        if (rc == AB_OK) {
            rc = validate_node(c, sub, v);
            path_pop(c, saved);
        }
        if (rc != AB_OK) {
            return rc;
        }
    }
    return AB_OK;
}

static enum ab_rc check_required(struct vctx *c, const json_t *schema,
                                 const json_t *value)
{
    const json_t *required = json_object_get(schema, "required");
    const json_t *props = json_object_get(schema, "properties");
    const char *key = NULL;
    size_t i = 0;
    size_t saved = 0;
    enum ab_rc rc = AB_OK;

    for (i = 0; i < json_array_size(required); i++) {
        key = json_string_value(json_array_get(required, i));
        if (!key || !missing(json_object_get(value, key),
                             json_object_get(props, key))) {
            continue;
        }
        rc = path_push(c, key, &saved);
        if (rc == AB_OK) {
            rc = vfail(c, "is required");
            path_pop(c, saved);
        }
        return rc;
    }
    return AB_OK;
}

static const json_t *option_const(const json_t *option, const char *key)
{
    return json_object_get(
        json_object_get(json_object_get(option, "properties"), key), "const");
}

/* The property that holds a `const` in every option, or NULL. */
static const char *discriminator(const json_t *options)
{
    json_t *first =
        unconst(json_object_get(json_array_get(options, 0), "properties"));
    const char *key = NULL;
    json_t *sub = NULL;
    size_t i = 0;
    bool all = false;

    json_object_foreach(first, key, sub)
    {
        all = json_object_get(sub, "const") != NULL;
        for (i = 1; i < json_array_size(options) && all; i++) {
            all = option_const(json_array_get(options, i), key) != NULL;
        }
        if (all) {
            return key;
        }
    }
    return NULL;
}

static enum ab_rc no_option(struct vctx *c, const json_t *options,
                            const char *key)
{
    char list[LIST_MAX] = "";
    char tmp[AB_DOUBLE_TEXT_MAX];
    size_t i = 0;
    size_t saved = 0;
    enum ab_rc rc = AB_OK;

    for (i = 0; i < json_array_size(options); i++) {
        list_add(list, sizeof(list), ", ",
                 scalar_text(option_const(json_array_get(options, i), key), tmp,
                             sizeof(tmp)));
    }
    rc = path_push(c, key, &saved);
    if (rc == AB_OK) {
        rc = vfail(c, "must be one of: %s", list);
    }
    path_pop(c, saved);
    return rc;
}

static enum ab_rc one_of_by_key(struct vctx *c, const json_t *options,
                                const char *key, json_t *value)
{
    const json_t *given = json_object_get(value, key);
    const json_t *chosen = NULL;
    const char *saved = c->context;
    char context[LIST_MAX];
    char tmp[AB_DOUBLE_TEXT_MAX];
    size_t i = 0;
    enum ab_rc rc = AB_OK;

    for (i = 0; i < json_array_size(options) && given && !chosen; i++) {
        if (json_equal(option_const(json_array_get(options, i), key), given)) {
            chosen = json_array_get(options, i);
        }
    }
    if (!chosen) {
        return no_option(c, options, key);
    }
    (void)snprintf(context, sizeof(context), " for %s \"%s\"", key,
                   scalar_text(given, tmp, sizeof(tmp)));
    c->context = context;
    rc = validate_node(c, chosen, value);
    c->context = saved;
    return rc;
}

/* Does `value` satisfy `option`? Checked on a copy, so a failed trial
 * fills no defaults. Errors other than a config mismatch propagate. */
static enum ab_rc try_option(struct vctx *c, const json_t *option,
                             const json_t *value, bool *fits)
{
    struct ab_error trial;
    struct ab_error *saved = c->err;
    json_t *copy = json_deep_copy(value);
    enum ab_rc rc = AB_OK;

    *fits = false;
    if (!copy) {
        return nomem(c);
    }
    ab_error_clear(&trial);
    c->err = &trial;
    rc = validate_node(c, option, copy);
    c->err = saved;
    json_decref(copy);
    *fits = rc == AB_OK;
    if (rc == AB_ERR_CONFIG || rc == AB_OK) {
        return AB_OK;
    }
    return ab_error_setf(c->err, rc, trial.failure, "%s", trial.message);
}

static enum ab_rc check_one_of(struct vctx *c, const json_t *options,
                               json_t *value)
{
    const char *key = discriminator(options);
    size_t i = 0;
    bool fits = false;
    enum ab_rc rc = AB_OK;

    if (key && json_is_object(value)) {
        return one_of_by_key(c, options, key, value);
    }
    for (i = 0; i < json_array_size(options); i++) {
        rc = try_option(c, json_array_get(options, i), value, &fits);
        if (rc != AB_OK) {
            return rc;
        }
        if (fits) {
            return validate_node(c, json_array_get(options, i), value);
        }
    }
    return vfail(c, "does not match any of the allowed options");
}

static enum ab_rc check_object(struct vctx *c, const json_t *schema,
                               json_t *value)
{
    const json_t *options = json_object_get(schema, "oneOf");
    enum ab_rc rc = AB_OK;

    if (json_is_array(options) && json_array_size(options) > 0) {
        rc = check_one_of(c, options, value);
    }
    if (rc == AB_OK) {
        rc = check_properties(c, schema, value);
    }
    if (rc == AB_OK) {
        rc = check_required(c, schema, value);
    }
    return rc;
}

static enum ab_rc check_kind(struct vctx *c, const json_t *schema,
                             json_t *value)
{
    const json_t *options = json_object_get(schema, "oneOf");

    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return check_object(c, schema, value);
    case JSON_ARRAY:
        return check_array(c, schema, value);
    case JSON_STRING:
        return check_string(c, schema, value);
    case JSON_INTEGER:
    case JSON_REAL:
        return check_number(c, schema, value);
    default:
        break;
    }
    if (json_is_array(options) && json_array_size(options) > 0) {
        return check_one_of(c, options, value);
    }
    return AB_OK;
}

static enum ab_rc validate_node(struct vctx *c, const json_t *schema,
                                json_t *value)
{
    enum ab_rc rc = AB_OK;

    if (!json_is_object(schema)) {
        return AB_OK; /* `true`-like schema: anything goes */
    }
    if (c->depth >= AB_CONFIG_MAX_DEPTH) {
        return vfail(c, "is nested too deeply");
    }
    c->depth++;
    rc = check_type(c, schema, value);
    if (rc == AB_OK && !json_is_null(value)) {
        rc = check_enum_const(c, schema, value);
        if (rc == AB_OK) {
            rc = check_kind(c, schema, value);
        }
    }
    c->depth--;
    return rc;
}

enum ab_rc ab_config_validate(const json_t *schema, json_t *config,
                              struct ab_error *err)
{
    struct vctx c;
    enum ab_rc rc = AB_OK;

    if (!json_is_object(schema)) {
        return ab_error_setf(err, AB_ERR_INTERNAL, AB_FAIL_SYSTEM,
                             "connector spec has no connectionSpecification "
                             "object");
    }
    if (!json_is_object(config)) {
        return ab_error_set(err, AB_ERR_CONFIG, "config must be a JSON object");
    }
    ab_buf_init(&c.path, PATH_MAX_LEN);
    c.context = "";
    c.depth = 0;
    c.err = err;
    rc = validate_node(&c, schema, config);
    ab_buf_cleanup(&c.path);
    return rc;
}

/* ---- secrets ----------------------------------------------------------- */

static enum ab_rc secrets_walk(const json_t *schema, const json_t *value,
                               unsigned depth);

static enum ab_rc secret_value(const json_t *value)
{
    char tmp[AB_DOUBLE_TEXT_MAX];

    if (json_is_string(value)) {
        return ab_secret_add(json_string_value(value));
    }
    if (json_is_number(value)) {
        return ab_secret_add(scalar_text(value, tmp, sizeof(tmp)));
    }
    return AB_OK;
}

static enum ab_rc secrets_object(const json_t *schema, const json_t *value,
                                 unsigned depth)
{
    json_t *props = unconst(json_object_get(schema, "properties"));
    const json_t *options = json_object_get(schema, "oneOf");
    const char *key = NULL;
    json_t *sub = NULL;
    const json_t *v = NULL;
    size_t i = 0;
    enum ab_rc rc = AB_OK;

    json_object_foreach(props, key, sub)
    {
        v = json_object_get(value, key);
        if (v && rc == AB_OK) {
            rc = secrets_walk(sub, v, depth + 1);
        }
    }
    /* Every option: a secret marked in any of them must not leak, and
     * which option applies does not matter for masking. */
    for (i = 0; i < json_array_size(options) && rc == AB_OK; i++) {
        rc = secrets_walk(json_array_get(options, i), value, depth + 1);
    }
    return rc;
}

static enum ab_rc secrets_walk(const json_t *schema, const json_t *value,
                               unsigned depth)
{
    const json_t *items = json_object_get(schema, "items");
    size_t i = 0;
    enum ab_rc rc = AB_OK;

    if (!json_is_object(schema) || depth > AB_CONFIG_MAX_DEPTH) {
        return AB_OK;
    }
    if (json_is_true(json_object_get(schema, "airbyte_secret"))) {
        return secret_value(value);
    }
    if (json_is_object(value)) {
        return secrets_object(schema, value, depth);
    }
    for (i = 0; i < json_array_size(value) && rc == AB_OK; i++) {
        rc = secrets_walk(items, json_array_get(value, i), depth + 1);
    }
    return rc;
}

enum ab_rc ab_config_register_secrets(const json_t *schema,
                                      const json_t *config)
{
    return secrets_walk(schema, config, 0);
}

/* ---- getters ----------------------------------------------------------- */

const char *ab_cfg_str(const json_t *config, const char *key,
                       const char *fallback)
{
    const json_t *v = json_object_get(config, key);

    return json_is_string(v) ? json_string_value(v) : fallback;
}

int64_t ab_cfg_int(const json_t *config, const char *key, int64_t fallback)
{
    const json_t *v = json_object_get(config, key);
    double x = 0;

    if (json_is_integer(v)) {
        return (int64_t)json_integer_value(v);
    }
    x = json_is_real(v) ? json_real_value(v) : 0.5;
    if (is_integral(v) && x >= -9.2e18 && x <= 9.2e18) {
        return (int64_t)x;
    }
    return fallback;
}

bool ab_cfg_bool(const json_t *config, const char *key, bool fallback)
{
    const json_t *v = json_object_get(config, key);

    return json_is_boolean(v) ? json_is_true(v) : fallback;
}
