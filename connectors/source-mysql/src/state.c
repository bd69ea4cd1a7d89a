/*
 * Stream state parsing and building (format in state.h and in the docs'
 * "State format" section).
 */
#include <ab/setup.h>

#include "state.h"

#include <ab/alloc.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void sm_state_init(struct sm_state *st)
{
    memset(st, 0, sizeof(*st));
    ab_buf_init(&st->cursor, SM_VALUE_MAX);
}

static void free_keys(struct sm_state *st)
{
    size_t i;

    for (i = 0; i < st->pk_count; i++) {
        ab_free(st->pk_names[i]);
        ab_buf_cleanup(&st->pk_values[i]);
    }
    ab_free(st->pk_names);
    ab_free(st->pk_values);
    st->pk_names = NULL;
    st->pk_values = NULL;
    st->pk_count = 0;
    st->has_pk = false;
}

void sm_state_cleanup(struct sm_state *st)
{
    free_keys(st);
    ab_free(st->cursor_field);
    st->cursor_field = NULL;
    ab_buf_cleanup(&st->cursor);
    st->has_cursor = false;
}

enum ab_rc sm_state_set_keys(struct sm_state *st, const char *const *names,
                             size_t count)
{
    size_t i;

    free_keys(st);
    if (count == 0) {
        return AB_OK;
    }
    st->pk_names = ab_calloc(count, sizeof(*st->pk_names));
    st->pk_values = ab_calloc(count, sizeof(*st->pk_values));
    if (st->pk_names == NULL || st->pk_values == NULL) {
        ab_free(st->pk_names);
        ab_free(st->pk_values);
        st->pk_names = NULL;
        st->pk_values = NULL;
        return AB_ERR_NOMEM;
    }
    st->pk_count = count;
    for (i = 0; i < count; i++) {
        ab_buf_init(&st->pk_values[i], SM_VALUE_MAX);
        st->pk_names[i] = ab_strdup(names[i]);
        if (st->pk_names[i] == NULL) {
            return AB_ERR_NOMEM;
        }
    }
    return AB_OK;
}

bool sm_state_keys_match(const struct sm_state *st, const char *const *names,
                         size_t count)
{
    size_t i;

    if (st->pk_count != count) {
        return false;
    }
    for (i = 0; i < count; i++) {
        if (strcmp(st->pk_names[i], names[i]) != 0) {
            return false;
        }
    }
    return true;
}

enum ab_rc sm_state_set_cursor_field(struct sm_state *st, const char *field)
{
    char *copy = field != NULL ? ab_strdup(field) : NULL;

    if (field != NULL && copy == NULL) {
        return AB_ERR_NOMEM;
    }
    ab_free(st->cursor_field);
    st->cursor_field = copy;
    return AB_OK;
}

void sm_state_reset_position(struct sm_state *st)
{
    size_t i;

    st->done = false;
    st->nulls_done = false;
    st->has_cursor = false;
    st->has_pk = false;
    ab_buf_reset(&st->cursor);
    for (i = 0; i < st->pk_count; i++) {
        ab_buf_reset(&st->pk_values[i]);
    }
}

/* Text of a scalar state value: string as is, integer in decimal. */
static enum ab_rc value_text(const json_t *v, struct ab_buf *out)
{
    char num[32];

    ab_buf_reset(out);
    if (json_is_string(v)) {
        return ab_buf_append(out, json_string_value(v), json_string_length(v));
    }
    if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        return ab_buf_append_str(out, num);
    }
    return AB_ERR_PARSE;
}

static enum ab_rc parse_pk(const json_t *pk, struct sm_state *st)
{
    const char **names = NULL;
    const char *key = NULL;
    json_t *value = NULL;
    size_t i = 0;
    enum ab_rc rc = AB_OK;

    if (!json_is_object(pk) || json_object_size(pk) == 0) {
        return AB_ERR_PARSE;
    }
    names = ab_calloc(json_object_size(pk), sizeof(*names));
    if (names == NULL) {
        return AB_ERR_NOMEM;
    }
    /* jansson keeps insertion order, which is the key order we wrote. */
    json_object_foreach((json_t *)(uintptr_t)pk, key, value)
    {
        names[i++] = key;
    }
    rc = sm_state_set_keys(st, names, i);
    for (i = 0; rc == AB_OK && i < st->pk_count; i++) {
        rc = value_text(json_object_get(pk, names[i]), &st->pk_values[i]);
    }
    ab_free(names);
    st->has_pk = rc == AB_OK;
    return rc;
}

static enum sm_mode parse_mode(const json_t *in)
{
    const char *mode = json_string_value(json_object_get(in, "mode"));

    if (mode == NULL) {
        /* The short form written by hand or by test tooling. */
        return json_object_get(in, "cursor_field") != NULL ? SM_MODE_INCR
                                                           : SM_MODE_NONE;
    }
    if (strcmp(mode, "full_refresh") == 0) {
        return SM_MODE_FULL;
    }
    return strcmp(mode, "incremental") == 0 ? SM_MODE_INCR : SM_MODE_NONE;
}

static enum ab_rc parse_fields(const json_t *in, struct sm_state *st)
{
    const json_t *field = json_object_get(in, "cursor_field");
    const json_t *cursor = json_object_get(in, "cursor");
    const json_t *pk = json_object_get(in, "pk");
    const json_t *ver = json_object_get(in, "version");
    enum ab_rc rc = AB_OK;

    if ((ver != NULL && json_integer_value(ver) != SM_STATE_VERSION) ||
        (field != NULL && !json_is_string(field) && !json_is_null(field))) {
        return AB_ERR_PARSE;
    }
    st->done = json_is_true(json_object_get(in, "done"));
    st->nulls_done = json_is_true(json_object_get(in, "nulls_done"));
    if (json_is_string(field)) {
        rc = sm_state_set_cursor_field(st, json_string_value(field));
    }
    if (rc == AB_OK && cursor != NULL && !json_is_null(cursor)) {
        rc = value_text(cursor, &st->cursor);
        st->has_cursor = rc == AB_OK;
    }
    if (rc == AB_OK && pk != NULL && !json_is_null(pk)) {
        rc = parse_pk(pk, st);
    }
    return rc;
}

enum ab_rc sm_state_parse(const json_t *in, const char *stream,
                          struct sm_state *st, struct ab_error *err)
{
    enum ab_rc rc = AB_OK;

    if (in == NULL || json_is_null(in) ||
        (json_is_object(in) && json_object_size(in) == 0)) {
        return AB_OK;
    }
    st->mode = json_is_object(in) ? parse_mode(in) : SM_MODE_NONE;
    if (st->mode == SM_MODE_NONE) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "state of stream \"%s\" is not a state of this "
                            "connector (no known \"mode\")",
                            stream);
    }
    rc = parse_fields(in, st);
    if (rc == AB_ERR_NOMEM) {
        return ab_error_set(err, rc, "out of memory parsing state");
    }
    if (rc != AB_OK) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "state of stream \"%s\" is malformed: expected "
                            "version 1 with string cursor and key values",
                            stream);
    }
    return AB_OK;
}

static json_t *text_value(const struct ab_buf *b)
{
    return json_stringn(b->len > 0 ? b->data : "", b->len);
}

static int add_pk(json_t *root, const struct sm_state *st)
{
    json_t *pk = json_object();
    size_t i;

    if (pk == NULL || json_object_set_new(root, "pk", pk) != 0) {
        return -1;
    }
    for (i = 0; i < st->pk_count; i++) {
        json_t *v = text_value(&st->pk_values[i]);

        if (v == NULL || json_object_set_new(pk, st->pk_names[i], v) != 0) {
            return -1;
        }
    }
    return 0;
}

static int add_incremental(json_t *root, const struct sm_state *st)
{
    int bad = 0;

    if (st->cursor_field != NULL) {
        bad |= json_object_set_new(root, "cursor_field",
                                   json_string(st->cursor_field));
    }
    if (st->has_cursor) {
        json_t *v = text_value(&st->cursor);

        bad |= v == NULL || json_object_set_new(root, "cursor", v) != 0;
    } else if (st->nulls_done) {
        bad |= json_object_set_new(root, "nulls_done", json_true());
    }
    return bad;
}

json_t *sm_state_build(const struct sm_state *st)
{
    json_t *root = json_object();
    bool incr = st->mode == SM_MODE_INCR;
    int bad = root == NULL;

    if (!bad) {
        bad |= json_object_set_new(root, "version",
                                   json_integer(SM_STATE_VERSION));
        bad |= json_object_set_new(
            root, "mode", json_string(incr ? "incremental" : "full_refresh"));
    }
    if (!bad && incr) {
        bad |= add_incremental(root, st);
    }
    if (!bad && !incr && st->done) {
        bad |= json_object_set_new(root, "done", json_true());
    }
    if (!bad && st->has_pk && !(st->done && !incr)) {
        bad |= add_pk(root, st);
    }
    if (bad) {
        json_decref(root);
        root = NULL;
    }
    return root;
}
