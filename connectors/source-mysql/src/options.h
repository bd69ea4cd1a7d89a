/*
 * Connector options: the validated config (defaults already filled by the
 * core validator against specs/source-mysql.json) turned into a struct,
 * plus the checks the spec cannot express (connection_params syntax,
 * server_time_zone, hash_salt when a column is hashed).
 */
#ifndef SM_OPTIONS_H
#define SM_OPTIONS_H

#include <ab/setup.h>
#include <ab/rc.h>

#include "policy.h"
#include "types.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sm_ssl_mode {
    SM_SSL_PREFERRED = 0,
    SM_SSL_REQUIRED = 1,
    SM_SSL_VERIFY_CA = 2,
    SM_SSL_VERIFY_IDENTITY = 3
};

/* A session variable from connection_params (both strings owned). */
struct sm_session_var {
    char *name;
    char *value;
};

/*
 * Strings are borrowed from the config document, which the driver keeps
 * alive for the whole command; session variables and policies are owned.
 */
struct sm_options {
    const char *host;
    unsigned port;
    const char *database;
    const char *username;
    const char *password;

    enum sm_ssl_mode ssl_mode;
    const char *ssl_ca; /* PEM text or NULL */
    const char *ssl_cert;
    const char *ssl_key;
    const char *ssl_key_password;

    /* connection_params: client options (0 = library default) */
    unsigned connect_timeout;
    unsigned read_timeout;
    unsigned write_timeout;
    bool compress;
    struct sm_session_var *session_vars;
    size_t session_var_count;

    const json_t *tables; /* array of LIKE patterns or NULL */
    bool include_views;
    struct sm_value_opts values;
    struct sm_policies policies;
    const char *hash_salt; /* NULL or "" when not set */
    uint64_t chunk_size;
};

/* Fill `opts` from a validated config. On failure everything taken is
 * released and `err` names the key. */
AB_NODISCARD enum ab_rc sm_options_init(struct sm_options *opts,
                                        const json_t *config,
                                        struct ab_error *err);
void sm_options_cleanup(struct sm_options *opts);

/*
 * Parse connection_params ("k=v&k2=v2"; NULL or "" is empty) into the
 * client options and session variables of `opts`. A malformed pair, a
 * bad number for a client option or a session variable name outside
 * [A-Za-z_][A-Za-z0-9_]* is a config_error.
 */
AB_NODISCARD enum ab_rc sm_conn_params_parse(const char *text,
                                             struct sm_options *opts,
                                             struct ab_error *err);

#endif /* SM_OPTIONS_H */
