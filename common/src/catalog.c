/*
 * Configured catalog and input state.
 *
 * Parsing is tolerant where the platform, CAT and PyAirbyte differ
 * (unknown keys, explicit nulls, a state of [] or null, cursor_field
 * given as one string) and strict where a mistake would lose data
 * silently (an unknown sync_mode, a duplicated stream, a stream_state
 * that is not an object, GLOBAL or LEGACY state this core cannot apply).
 * All strings and schema pointers of a stream borrow from the catalog
 * document, which the catalog owns until ab_catalog_cleanup.
 */
#include "ab/setup.h"
#include "ab/catalog.h"

#include "ab/alloc.h"
#include "ab/config.h"

#include <string.h>

/* Ceiling of a stream's cached record prefix (name and namespace). */
#define PREFIX_MAX ((size_t)64 * 1024)

static const char *const sentinel_keys[] = {
    "__ab_no_cursor_state_message",
    "__ab_full_refresh_sync_complete",
};

/* A path such as ["meta","updated_at"], or one string as a one-element
 * path. An empty or absent path gives NULL/0. */
static enum ab_rc parse_path(const json_t *src, const char ***out,
                             size_t *depth, const char *stream,
                             const char *what, struct ab_error *err)
{
    size_t n = json_is_string(src) ? 1 : json_array_size(src);
    size_t i = 0;
    const json_t *part = NULL;

    *out = NULL;
    *depth = 0;
    if (n == 0) {
        return AB_OK;
    }
    *out = ab_calloc(n, sizeof(**out));
    if (!*out) {
        return ab_error_set(err, AB_ERR_NOMEM, "out of memory");
    }
    for (i = 0; i < n; i++) {
        part = json_is_string(src) ? src : json_array_get(src, i);
        (*out)[i] = json_string_value(part);
        if (!(*out)[i]) {
            return ab_error_set(err, AB_ERR_CONFIG,
                                "stream \"%s\": %s must be a list of "
                                "field names",
                                stream, what);
        }
    }
    *depth = n;
    return AB_OK;
}

static bool non_empty(const json_t *v)
{
    return json_is_string(v) || json_array_size(v) > 0;
}

static enum ab_rc parse_sync_mode(const json_t *cs, struct ab_stream *st,
                                  struct ab_error *err)
{
    const json_t *mode = json_object_get(cs, "sync_mode");
    const char *text = json_string_value(mode);

    if (!mode || json_is_null(mode) ||
        (text && strcmp(text, "full_refresh") == 0)) {
        st->sync_mode = AB_SYNC_FULL_REFRESH;
        return AB_OK;
    }
    if (text && strcmp(text, "incremental") == 0) {
        st->sync_mode = AB_SYNC_INCREMENTAL;
        return AB_OK;
    }
    return ab_error_set(err, AB_ERR_CONFIG,
                        "stream \"%s\": unsupported sync_mode \"%s\" "
                        "(expected full_refresh or incremental)",
                        st->name, text ? text : "(not a string)");
}

static void parse_modes(const json_t *stream, struct ab_stream *st)
{
    const json_t *modes = json_object_get(stream, "supported_sync_modes");
    const json_t *schema = json_object_get(stream, "json_schema");
    const json_t *props = json_object_get(schema, "properties");
    size_t i = 0;

    st->json_schema = json_is_object(schema) ? schema : NULL;
    st->properties = json_is_object(props) ? props : NULL;
    st->source_defined_cursor =
        json_is_true(json_object_get(stream, "source_defined_cursor"));
    for (i = 0; i < json_array_size(modes); i++) {
        const char *m = json_string_value(json_array_get(modes, i));

        if (m && strcmp(m, "incremental") == 0) {
            st->supports_incremental = true;
        }
    }
}

/* Source-defined cursor, else the configured cursor_field, else the
 * stream's default_cursor_field. */
static enum ab_rc resolve_cursor(const json_t *cs, const json_t *stream,
                                 struct ab_stream *st, struct ab_error *err)
{
    const json_t *configured = json_object_get(cs, "cursor_field");
    const json_t *src = json_object_get(stream, "default_cursor_field");

    if (!st->source_defined_cursor && non_empty(configured)) {
        src = configured;
    }
    return parse_path(src, &st->cursor_field, &st->cursor_depth, st->name,
                      "cursor_field", err);
}

static enum ab_rc resolve_primary_key(const json_t *cs, const json_t *stream,
                                      struct ab_stream *st,
                                      struct ab_error *err)
{
    const json_t *src = json_object_get(cs, "primary_key");
    size_t n = 0;
    size_t i = 0;
    enum ab_rc rc = AB_OK;

    if (json_array_size(src) == 0) {
        src = json_object_get(stream, "source_defined_primary_key");
    }
    n = json_array_size(src);
    if (n == 0) {
        return AB_OK;
    }
    st->primary_key = ab_calloc(n, sizeof(*st->primary_key));
    st->primary_key_depths = ab_calloc(n, sizeof(*st->primary_key_depths));
    if (!st->primary_key || !st->primary_key_depths) {
        return ab_error_set(err, AB_ERR_NOMEM, "out of memory");
    }
    st->primary_key_count = n;
    for (i = 0; i < n && rc == AB_OK; i++) {
        rc = parse_path(json_array_get(src, i), &st->primary_key[i],
                        &st->primary_key_depths[i], st->name, "primary_key",
                        err);
        if (rc == AB_OK && st->primary_key_depths[i] == 0) {
            rc = ab_error_set(err, AB_ERR_CONFIG,
                              "stream \"%s\": primary_key holds an empty "
                              "path",
                              st->name);
        }
    }
    return rc;
}

static enum ab_rc parse_stream(const json_t *cs, size_t index,
                               struct ab_stream *st, struct ab_error *err)
{
    const json_t *stream = json_object_get(cs, "stream");
    const json_t *ns = json_object_get(stream, "namespace");
    enum ab_rc rc = AB_OK;

    ab_buf_init(&st->record_prefix, PREFIX_MAX);
    st->name = json_string_value(json_object_get(stream, "name"));
    if (!json_is_object(stream) || !st->name || st->name[0] == '\0') {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "configured catalog: stream #%zu has no "
                            "stream.name",
                            index + 1);
    }
    if (ns && !json_is_null(ns) && !json_is_string(ns)) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "stream \"%s\": namespace must be a string",
                            st->name);
    }
    st->ns = json_string_value(ns);
    parse_modes(stream, st);
    rc = parse_sync_mode(cs, st, err);
    if (rc == AB_OK) {
        rc = resolve_cursor(cs, stream, st, err);
    }
    if (rc == AB_OK) {
        rc = resolve_primary_key(cs, stream, st, err);
    }
    return rc;
}

static bool same_ns(const char *a, const char *b)
{
    if (!a || !b) {
        return a == b;
    }
    return strcmp(a, b) == 0;
}

static enum ab_rc check_duplicates(const struct ab_catalog *catalog,
                                   struct ab_error *err)
{
    size_t i = 0;
    size_t j = 0;
    const struct ab_stream *a = NULL;

    for (i = 0; i < catalog->count; i++) {
        a = &catalog->streams[i];
        for (j = i + 1; j < catalog->count; j++) {
            if (strcmp(a->name, catalog->streams[j].name) == 0 &&
                same_ns(a->ns, catalog->streams[j].ns)) {
                return ab_error_set(err, AB_ERR_CONFIG,
                                    "stream \"%s\" appears more than once "
                                    "in the configured catalog",
                                    a->name);
            }
        }
    }
    return AB_OK;
}

enum ab_rc ab_catalog_from_json(json_t *root_take, struct ab_catalog *catalog,
                                struct ab_error *err)
{
    const json_t *streams = json_object_get(root_take, "streams");
    size_t i = 0;
    enum ab_rc rc = AB_OK;

    memset(catalog, 0, sizeof(*catalog));
    catalog->root = root_take;
    if (!json_is_array(streams)) {
        rc = ab_error_set(err, AB_ERR_CONFIG,
                          "configured catalog has no \"streams\" list");
        goto out;
    }
    catalog->streams =
        ab_calloc(json_array_size(streams) + 1, sizeof(*catalog->streams));
    if (!catalog->streams) {
        rc = ab_error_set(err, AB_ERR_NOMEM, "out of memory");
        goto out;
    }
    catalog->count = json_array_size(streams);
    for (i = 0; i < catalog->count && rc == AB_OK; i++) {
        rc = parse_stream(json_array_get(streams, i), i, &catalog->streams[i],
                          err);
    }
    if (rc == AB_OK) {
        rc = check_duplicates(catalog, err);
    }
out:
    if (rc != AB_OK) {
        ab_catalog_cleanup(catalog);
    }
    return rc;
}

enum ab_rc ab_catalog_load(const char *path, struct ab_catalog *catalog,
                           struct ab_error *err)
{
    json_t *root = NULL;
    enum ab_rc rc = AB_OK;

    memset(catalog, 0, sizeof(*catalog));
    rc = ab_json_load_file(path, "catalog", &root, err);
    if (rc != AB_OK) {
        return rc;
    }
    return ab_catalog_from_json(root, catalog, err);
}

static void stream_cleanup(struct ab_stream *st)
{
    size_t i = 0;

    ab_free(st->cursor_field);
    for (i = 0; i < st->primary_key_count; i++) {
        ab_free(st->primary_key[i]);
    }
    ab_free(st->primary_key);
    ab_free(st->primary_key_depths);
    json_decref(st->state);
    ab_buf_cleanup(&st->record_prefix);
}

void ab_catalog_cleanup(struct ab_catalog *catalog)
{
    size_t i = 0;

    for (i = 0; catalog->streams && i < catalog->count; i++) {
        stream_cleanup(&catalog->streams[i]);
    }
    ab_free(catalog->streams);
    json_decref(catalog->root);
    memset(catalog, 0, sizeof(*catalog));
}

bool ab_stream_has_field(const struct ab_stream *stream, const char *field)
{
    if (!stream->properties) {
        return true;
    }
    return json_object_get(stream->properties, field) != NULL;
}

/* ---- state -------------------------------------------------------------- */

/* The configured stream an input descriptor refers to: exact (name,
 * namespace) match, else, for a descriptor without namespace, the only
 * stream of that name. */
static struct ab_stream *find_stream(struct ab_catalog *catalog,
                                     const char *name, const char *ns)
{
    struct ab_stream *by_name = NULL;
    size_t hits = 0;
    size_t i = 0;

    for (i = 0; i < catalog->count; i++) {
        struct ab_stream *st = &catalog->streams[i];

        if (strcmp(st->name, name) != 0) {
            continue;
        }
        if (same_ns(st->ns, ns)) {
            return st;
        }
        by_name = st;
        hits++;
    }
    return !ns && hits == 1 ? by_name : NULL;
}

static bool is_sentinel(const json_t *state)
{
    size_t i = 0;

    if (json_object_size(state) != 1) {
        return false;
    }
    for (i = 0; i < sizeof(sentinel_keys) / sizeof(sentinel_keys[0]); i++) {
        if (json_object_get(state, sentinel_keys[i])) {
            return true;
        }
    }
    return false;
}

static enum ab_rc attach_state(struct ab_stream *st, const json_t *state,
                               struct ab_error *err)
{
    json_t *copy = NULL;

    if (!is_sentinel(state)) {
        copy = json_deep_copy(state);
        if (!copy) {
            return ab_error_set(err, AB_ERR_NOMEM, "out of memory");
        }
    }
    json_decref(st->state);
    st->state = copy;
    return AB_OK;
}

/* The "stream" object of a STREAM state entry, or a config error.
 * KNOWN-ISSUE(CORE-3): GLOBAL and LEGACY entries are refused; no
 * connector of this project keeps a shared cursor yet. */
static enum ab_rc entry_stream(const json_t *entry, size_t index,
                               const json_t **stream, struct ab_error *err)
{
    const char *type = json_string_value(json_object_get(entry, "type"));

    *stream = json_object_get(entry, "stream");
    if (type && strcmp(type, "STREAM") != 0) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "state entry #%zu has type %s; this connector "
                            "reads only per-stream (STREAM) state",
                            index + 1, type);
    }
    if (!json_is_object(*stream)) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "state entry #%zu is not a per-stream (STREAM) "
                            "state",
                            index + 1);
    }
    return AB_OK;
}

static enum ab_rc apply_entry(struct ab_catalog *catalog, const json_t *entry,
                              size_t index, struct ab_error *err)
{
    const json_t *stream = NULL;
    const json_t *desc = NULL;
    const json_t *state = NULL;
    const char *name = NULL;
    struct ab_stream *st = NULL;
    enum ab_rc rc = AB_OK;

    if (json_is_null(entry)) {
        return AB_OK;
    }
    rc = entry_stream(entry, index, &stream, err);
    if (rc != AB_OK) {
        return rc;
    }
    desc = json_object_get(stream, "stream_descriptor");
    name = json_string_value(json_object_get(desc, "name"));
    if (!name) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "state entry #%zu has no stream_descriptor.name",
                            index + 1);
    }
    state = json_object_get(stream, "stream_state");
    if (!state || json_is_null(state)) {
        return AB_OK;
    }
    if (!json_is_object(state)) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "state of stream \"%s\" is not a JSON object",
                            name);
    }
    st = find_stream(catalog, name,
                     json_string_value(json_object_get(desc, "namespace")));
    return st ? attach_state(st, state, err) : AB_OK;
}

enum ab_rc ab_catalog_state_from_json(struct ab_catalog *catalog,
                                      const json_t *state, struct ab_error *err)
{
    size_t i = 0;
    enum ab_rc rc = AB_OK;

    if (!state || json_is_null(state) ||
        (json_is_object(state) && json_object_size(state) == 0)) {
        return AB_OK;
    }
    if (json_is_object(state)) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "state holds a legacy state object; this "
                            "connector reads only per-stream (STREAM) "
                            "state");
    }
    if (!json_is_array(state)) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "state must be a JSON list of state messages");
    }
    for (i = 0; i < json_array_size(state) && rc == AB_OK; i++) {
        rc = apply_entry(catalog, json_array_get(state, i), i, err);
    }
    return rc;
}

static bool blank(const char *text, size_t len)
{
    size_t i = 0;

    for (i = 0; i < len; i++) {
        if (!strchr(" \t\r\n", text[i]) || text[i] == '\0') {
            return false;
        }
    }
    return true;
}

enum ab_rc ab_catalog_load_state(struct ab_catalog *catalog, const char *path,
                                 struct ab_error *err)
{
    struct ab_buf text;
    json_t *state = NULL;
    enum ab_rc rc = AB_OK;

    if (!path) {
        return AB_OK;
    }
    ab_buf_init(&text, AB_INPUT_FILE_MAX);
    rc = ab_file_read(path, "state", &text, err);
    if (rc == AB_OK && !blank(text.data, text.len)) {
        rc = ab_json_parse(text.data, text.len, "state", path, &state, err);
        if (rc == AB_OK) {
            rc = ab_catalog_state_from_json(catalog, state, err);
        }
    }
    json_decref(state);
    ab_buf_cleanup(&text);
    return rc;
}
