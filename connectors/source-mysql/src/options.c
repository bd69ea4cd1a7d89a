/*
 * Config -> struct sm_options. The spec (types, enums, defaults, required
 * keys) is enforced by the core validator before this runs; this file
 * checks what JSON Schema cannot say.
 */
#include <ab/setup.h>

#include "options.h"

#include <ab/alloc.h>
#include <ab/config.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SM_CHUNK_DEFAULT 100000
#define SM_PARAM_MAX 4096

static bool var_name_ok(const char *name, size_t len)
{
    size_t i;

    if (len == 0 || len > 64 || isdigit((unsigned char)name[0])) {
        return false;
    }
    for (i = 0; i < len; i++) {
        if (!isalnum((unsigned char)name[i]) && name[i] != '_') {
            return false;
        }
    }
    return true;
}

static bool parse_uint(const char *text, unsigned max, unsigned *out)
{
    char *end = NULL;
    unsigned long v = 0;

    if (!isdigit((unsigned char)text[0])) {
        return false;
    }
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > max) {
        return false;
    }
    *out = (unsigned)v;
    return true;
}

static bool parse_flag(const char *text, bool *out)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0) {
        *out = false;
        return true;
    }
    return false;
}

/* A client option: true when `name` is one (and *ok says if valid). */
static bool client_option(struct sm_options *o, const char *name,
                          const char *value, bool *ok)
{
    const unsigned max = 31536000; /* a year, in seconds */

    if (strcmp(name, "connect_timeout") == 0) {
        *ok = parse_uint(value, max, &o->connect_timeout);
    } else if (strcmp(name, "read_timeout") == 0) {
        *ok = parse_uint(value, max, &o->read_timeout);
    } else if (strcmp(name, "write_timeout") == 0) {
        *ok = parse_uint(value, max, &o->write_timeout);
    } else if (strcmp(name, "compress") == 0) {
        *ok = parse_flag(value, &o->compress);
    } else {
        return false;
    }
    return true;
}

static enum ab_rc add_session_var(struct sm_options *o, const char *name,
                                  const char *value)
{
    size_t n = o->session_var_count;
    struct sm_session_var *vars =
        ab_realloc(o->session_vars, (n + 1) * sizeof(*vars));

    if (vars == NULL) {
        return AB_ERR_NOMEM;
    }
    o->session_vars = vars;
    vars[n].name = ab_strdup(name);
    vars[n].value = ab_strdup(value);
    o->session_var_count++;
    return vars[n].name != NULL && vars[n].value != NULL ? AB_OK : AB_ERR_NOMEM;
}

/* One "name=value" pair, NUL-terminated in place. */
static enum ab_rc parse_pair(struct sm_options *o, char *pair,
                             struct ab_error *err)
{
    char *eq = strchr(pair, '=');
    bool ok = true;

    if (eq == NULL || !var_name_ok(pair, (size_t)(eq - pair))) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "config key \"connection_params\": \"%.64s\" is "
                            "not a name=value pair with a valid name",
                            pair);
    }
    *eq = '\0';
    if (client_option(o, pair, eq + 1, &ok)) {
        if (!ok) {
            return ab_error_set(err, AB_ERR_CONFIG,
                                "config key \"connection_params\": bad "
                                "value \"%.64s\" for %s",
                                eq + 1, pair);
        }
        return AB_OK;
    }
    return add_session_var(o, pair, eq + 1);
}

enum ab_rc sm_conn_params_parse(const char *text, struct sm_options *opts,
                                struct ab_error *err)
{
    char *copy = NULL;
    char *pair = NULL;
    char *save = NULL;
    enum ab_rc rc = AB_OK;

    if (text == NULL || *text == '\0') {
        return AB_OK;
    }
    if (strlen(text) > SM_PARAM_MAX) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "config key \"connection_params\" is longer "
                            "than %d characters",
                            SM_PARAM_MAX);
    }
    copy = ab_strdup(text);
    if (copy == NULL) {
        return ab_error_set(err, AB_ERR_NOMEM, "out of memory");
    }
    for (pair = strtok_r(copy, "&", &save); pair != NULL && rc == AB_OK;
         pair = strtok_r(NULL, "&", &save)) {
        rc = parse_pair(opts, pair, err);
    }
    if (rc == AB_ERR_NOMEM) {
        ab_error_set(err, rc, "out of memory");
    }
    ab_free(copy);
    return rc;
}

static enum ab_rc parse_ssl(struct sm_options *o, const json_t *ssl,
                            struct ab_error *err)
{
    const char *mode = json_string_value(json_object_get(ssl, "mode"));

    o->ssl_mode = SM_SSL_PREFERRED;
    if (ssl == NULL || json_is_null(ssl) || mode == NULL ||
        strcmp(mode, "preferred") == 0) {
        return AB_OK;
    }
    if (strcmp(mode, "required") == 0) {
        o->ssl_mode = SM_SSL_REQUIRED;
    } else if (strcmp(mode, "verify_ca") == 0) {
        o->ssl_mode = SM_SSL_VERIFY_CA;
    } else if (strcmp(mode, "verify_identity") == 0) {
        o->ssl_mode = SM_SSL_VERIFY_IDENTITY;
    } else {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "config key \"ssl_mode.mode\" has unknown "
                            "value \"%s\"",
                            mode);
    }
    o->ssl_ca = ab_cfg_str(ssl, "ca_certificate", NULL);
    o->ssl_cert = ab_cfg_str(ssl, "client_certificate", NULL);
    o->ssl_key = ab_cfg_str(ssl, "client_key", NULL);
    o->ssl_key_password = ab_cfg_str(ssl, "client_key_password", NULL);
    if (o->ssl_mode >= SM_SSL_VERIFY_CA &&
        (o->ssl_ca == NULL || *o->ssl_ca == '\0')) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "config key \"ssl_mode.ca_certificate\" is "
                            "required for mode \"%s\"",
                            mode);
    }
    return AB_OK;
}

static enum ab_rc parse_values(struct sm_options *o, const json_t *config,
                               struct ab_error *err)
{
    const char *zero = ab_cfg_str(config, "zero_date_policy", "null");

    if (strcmp(zero, "epoch") == 0) {
        o->values.zero = SM_ZERO_EPOCH;
    } else if (strcmp(zero, "error") == 0) {
        o->values.zero = SM_ZERO_ERROR;
    } else if (strcmp(zero, "null") == 0) {
        o->values.zero = SM_ZERO_NULL;
    } else {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "config key \"zero_date_policy\" has unknown "
                            "value \"%s\"",
                            zero);
    }
    o->values.tinyint1_bool = ab_cfg_bool(config, "tinyint1_as_boolean", true);
    return sm_tz_parse(ab_cfg_str(config, "server_time_zone", NULL),
                       &o->values.tz, err);
}

static enum ab_rc parse_policies(struct sm_options *o, const json_t *config,
                                 struct ab_error *err)
{
    const char *preset = ab_cfg_str(config, "column_policy_preset", "none");
    enum ab_rc rc = sm_policies_init(
        &o->policies, json_object_get(config, "column_policies"), preset, err);

    if (rc != AB_OK) {
        return rc;
    }
    o->hash_salt = ab_cfg_str(config, "hash_salt", NULL);
    if (sm_policies_hash(&o->policies) &&
        (o->hash_salt == NULL || *o->hash_salt == '\0')) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "config key \"hash_salt\" is required when a "
                            "column policy hashes columns");
    }
    return AB_OK;
}

static void parse_basics(struct sm_options *o, const json_t *config)
{
    const json_t *tables = json_object_get(config, "tables");
    int64_t chunk = ab_cfg_int(config, "chunk_size", SM_CHUNK_DEFAULT);

    o->host = ab_cfg_str(config, "host", "");
    o->port = (unsigned)ab_cfg_int(config, "port", 3306);
    o->database = ab_cfg_str(config, "database", "");
    o->username = ab_cfg_str(config, "username", "");
    o->password = ab_cfg_str(config, "password", NULL);
    o->tables = json_array_size(tables) > 0 ? tables : NULL;
    o->include_views = ab_cfg_bool(config, "include_views", true);
    o->chunk_size = chunk > 0 ? (uint64_t)chunk : SM_CHUNK_DEFAULT;
}

enum ab_rc sm_options_init(struct sm_options *opts, const json_t *config,
                           struct ab_error *err)
{
    enum ab_rc rc = AB_OK;

    memset(opts, 0, sizeof(*opts));
    parse_basics(opts, config);
    rc = parse_ssl(opts, json_object_get(config, "ssl_mode"), err);
    if (rc == AB_OK) {
        rc = sm_conn_params_parse(ab_cfg_str(config, "connection_params", NULL),
                                  opts, err);
    }
    if (rc == AB_OK) {
        rc = parse_values(opts, config, err);
    }
    if (rc == AB_OK) {
        rc = parse_policies(opts, config, err);
    }
    if (rc != AB_OK) {
        sm_options_cleanup(opts);
    }
    return rc;
}

void sm_options_cleanup(struct sm_options *opts)
{
    size_t i;

    for (i = 0; i < opts->session_var_count; i++) {
        ab_free(opts->session_vars[i].name);
        ab_free(opts->session_vars[i].value);
    }
    ab_free(opts->session_vars);
    opts->session_vars = NULL;
    opts->session_var_count = 0;
    sm_policies_cleanup(&opts->policies);
}
