/*
 * discover: one stream per table or view of the database. The JSON
 * schema of each column comes from types.c; policies remove (exclude) or
 * retype (hash) columns before anything is announced.
 */
#include <ab/setup.h>

#include "ops.h"

#include "conn.h"
#include "options.h"
#include "schema.h"
#include "types.h"

#include <ab/msg.h>

#include <string.h>

bool sm_table_keyset_ok(const struct sm_table *t)
{
    size_t i;

    for (i = 0; i < t->npk; i++) {
        const struct sm_column *c = &t->cols[t->pk[i]];

        if (c->action != SM_ACT_KEEP ||
            sm_kind_literal(c->kind) == SM_LIT_NONE) {
            return false;
        }
    }
    return t->npk > 0;
}

bool sm_table_pk_visible(const struct sm_table *t)
{
    size_t i;

    for (i = 0; i < t->npk; i++) {
        if (t->cols[t->pk[i]].action == SM_ACT_EXCLUDE) {
            return false;
        }
    }
    return t->npk > 0;
}

static bool temporal_cursor(const struct sm_column *c)
{
    return c != NULL && c->action == SM_ACT_KEEP &&
           (c->kind == SM_KIND_DATETIME || c->kind == SM_KIND_TIMESTAMP ||
            c->kind == SM_KIND_DATE);
}

const struct sm_column *sm_table_default_cursor(const struct sm_table *t)
{
    const struct sm_column *c = sm_table_column(t, "updated_at");

    if (temporal_cursor(c)) {
        return c;
    }
    c = sm_table_column(t, "created_at");
    if (temporal_cursor(c)) {
        return c;
    }
    if (t->npk == 1) {
        c = &t->cols[t->pk[0]];
        if (c->action == SM_ACT_KEEP &&
            (c->kind == SM_KIND_INT || c->kind == SM_KIND_UINT64)) {
            return c;
        }
    }
    return NULL;
}

static json_t *column_schema(const struct sm_column *c,
                             const struct sm_options *o)
{
    json_t *s = c->action == SM_ACT_HASH
                    ? sm_hashed_schema(c->nullable)
                    : sm_kind_schema(c->kind, c->nullable, &o->values);

    if (s != NULL && c->comment != NULL &&
        json_object_set_new(s, "description", json_string(c->comment)) != 0) {
        json_decref(s);
        s = NULL;
    }
    return s;
}

static json_t *properties(const struct sm_table *t, const struct sm_options *o)
{
    json_t *props = json_object();
    size_t i;

    for (i = 0; props != NULL && i < t->ncols; i++) {
        const struct sm_column *c = &t->cols[i];
        json_t *s = NULL;

        if (c->action == SM_ACT_EXCLUDE) {
            continue;
        }
        s = column_schema(c, o);
        if (s == NULL || json_object_set_new(props, c->name, s) != 0) {
            json_decref(props);
            props = NULL;
        }
    }
    return props;
}

static json_t *json_schema(const struct sm_table *t, const struct sm_options *o)
{
    json_t *props = properties(t, o);
    json_t *s = NULL;

    if (props == NULL) {
        return NULL;
    }
    s = json_pack("{sssssbso}", "$schema",
                  "http://json-schema.org/draft-07/schema#", "type", "object",
                  "additionalProperties", 1, "properties", props);
    if (s != NULL && t->comment != NULL &&
        json_object_set_new(s, "description", json_string(t->comment)) != 0) {
        json_decref(s);
        s = NULL;
    }
    return s;
}

static json_t *primary_key(const struct sm_table *t)
{
    json_t *pk = json_array();
    size_t i;

    for (i = 0; pk != NULL && i < t->npk; i++) {
        if (json_array_append_new(
                pk, json_pack("[s]", t->cols[t->pk[i]].name)) != 0) {
            json_decref(pk);
            pk = NULL;
        }
    }
    return pk;
}

/* Sync modes, cursor and key facts; returns 0 on success. */
static int add_stream_facts(json_t *st, const struct sm_table *t)
{
    const struct sm_column *cursor = sm_table_default_cursor(t);
    int bad = 0;

    bad |= json_object_set_new(
        st, "supported_sync_modes",
        cursor != NULL ? json_pack("[ss]", "full_refresh", "incremental")
                       : json_pack("[s]", "full_refresh"));
    bad |= json_object_set_new(st, "source_defined_cursor", json_false());
    if (cursor != NULL) {
        bad |= json_object_set_new(st, "default_cursor_field",
                                   json_pack("[s]", cursor->name));
    }
    if (sm_table_pk_visible(t)) {
        bad |= json_object_set_new(st, "source_defined_primary_key",
                                   primary_key(t));
    }
    bad |= json_object_set_new(st, "is_resumable",
                               json_boolean(sm_table_keyset_ok(t)));
    return bad;
}

static json_t *stream_json(const struct sm_table *t, const struct sm_options *o)
{
    json_t *schema = json_schema(t, o);
    json_t *st = NULL;

    if (schema == NULL) {
        return NULL;
    }
    st = json_pack("{sssssO}", "name", t->name, "namespace", o->database,
                   "json_schema", schema);
    json_decref(schema);
    if (st != NULL && add_stream_facts(st, t) != 0) {
        json_decref(st);
        st = NULL;
    }
    return st;
}

bool sm_table_has_columns(const struct sm_table *t)
{
    size_t i;

    for (i = 0; i < t->ncols; i++) {
        if (t->cols[i].action != SM_ACT_EXCLUDE) {
            return true;
        }
    }
    return false;
}

static enum ab_rc build_catalog(const struct sm_schema *s,
                                const struct sm_options *o, json_t *streams)
{
    size_t i;

    for (i = 0; i < s->count; i++) {
        const struct sm_table *t = &s->tables[i];

        if (!sm_table_has_columns(t)) {
            ab_warn("table \"%s\" has no readable column (all excluded "
                    "by column policies, or a view that no longer "
                    "resolves); it is not offered as a stream",
                    t->name);
            continue;
        }
        if (json_array_append_new(streams, stream_json(t, o)) != 0) {
            return AB_ERR_NOMEM;
        }
    }
    return AB_OK;
}

enum ab_rc sm_discover(const json_t *config, json_t **out, struct ab_error *err)
{
    struct sm_options o;
    struct sm_conn c = { NULL, false };
    struct sm_schema s = { NULL, 0 };
    json_t *streams = NULL;
    enum ab_rc rc = sm_options_init(&o, config, err);

    *out = NULL;
    if (rc != AB_OK) {
        return rc;
    }
    rc = sm_conn_open(&c, &o, err);
    if (rc == AB_OK) {
        rc = sm_schema_load(&c, &o, NULL, 0, &s, err);
    }
    if (rc == AB_OK) {
        streams = json_array();
        rc = streams != NULL ? build_catalog(&s, &o, streams) : AB_ERR_NOMEM;
    }
    if (rc == AB_OK) {
        *out = json_pack("{sO}", "streams", streams);
        rc = *out != NULL ? AB_OK : AB_ERR_NOMEM;
    }
    if (rc == AB_ERR_NOMEM) {
        ab_error_set(err, rc, "out of memory building the catalog");
    }
    if (rc == AB_OK) {
        ab_info("discovered %zu streams in database \"%s\"",
                json_array_size(streams), o.database);
    }
    json_decref(streams);
    sm_schema_cleanup(&s);
    sm_conn_close(&c);
    sm_options_cleanup(&o);
    return rc;
}
