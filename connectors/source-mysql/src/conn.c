/*
 * Connection, TLS and session setup, error classification. Written for
 * MariaDB Connector/C 3.3 (Debian 12): there, MYSQL_OPT_SSL_ENFORCE and a
 * CA file both fall back to plain TCP when the server offers no TLS, so
 * every mode except "preferred" checks the cipher after connecting.
 */
#include <ab/setup.h>

#include "conn.h"

#include "query.h"
#include "sql.h"

#include <ab/msg.h>

#include <errno.h>
#include <errmsg.h>
#include <limits.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SM_NET_TIMEOUT_S 3600

struct err_entry {
    unsigned code;
    enum ab_rc rc;
    const char *reason;
};

/* Numbers not listed are system errors. */
static const struct err_entry err_table[] = {
    { 1044, AB_ERR_CONFIG,
      "the database does not exist or the user may not use it" },
    { 1045, AB_ERR_CONFIG,
      "access denied (check username, password and any TLS the account "
      "requires)" },
    { 1049, AB_ERR_CONFIG, "unknown database" },
    { 1054, AB_ERR_CONFIG, "unknown column" },
    { 1129, AB_ERR_CONFIG, "this host is blocked by the server" },
    { 1130, AB_ERR_CONFIG, "this host may not connect to the server" },
    { 1142, AB_ERR_CONFIG, "SELECT is not granted on a table" },
    { 1143, AB_ERR_CONFIG, "SELECT is not granted on a column" },
    { 1146, AB_ERR_CONFIG, "a table does not exist" },
    { 1193, AB_ERR_CONFIG, "connection_params names an unknown variable" },
    { 1227, AB_ERR_CONFIG, "the user lacks a privilege" },
    { 1231, AB_ERR_CONFIG, "connection_params sets a variable to a bad value" },
    { 1232, AB_ERR_CONFIG, "connection_params sets a variable to a bad type" },
    { 1251, AB_ERR_CONFIG, "the server's authentication is unsupported" },
    { 1820, AB_ERR_CONFIG, "the user's password must be changed" },
    { 1862, AB_ERR_CONFIG, "the user's password has expired" },
    { 1969, AB_ERR_CONFIG,
      "max_statement_time stopped the query: set max_statement_time=0 in "
      "connection_params (a lower chunk_size helps chunked reads only)" },
    { 3024, AB_ERR_CONFIG,
      "max_execution_time stopped the query: set max_execution_time=0 in "
      "connection_params (a lower chunk_size helps chunked reads only)" },
    { 3159, AB_ERR_CONFIG, "the server requires TLS: change ssl_mode" },
    { 4151, AB_ERR_CONFIG, "the account is locked" },
    { 2005, AB_ERR_CONFIG, "unknown server host" },
    { 2026, AB_ERR_CONFIG,
      "the TLS handshake failed (check ssl_mode and the certificates)" },
    { 2059, AB_ERR_CONFIG, "the authentication plugin is unavailable" },
    { 1040, AB_ERR_TRANSIENT, "the server has too many connections" },
    { 1043, AB_ERR_TRANSIENT, "bad handshake" },
    { 1053, AB_ERR_TRANSIENT, "the server is shutting down" },
    { 1152, AB_ERR_TRANSIENT, "the connection was aborted" },
    { 1158, AB_ERR_TRANSIENT, "network read error" },
    { 1159, AB_ERR_TRANSIENT, "network read timeout" },
    { 1160, AB_ERR_TRANSIENT, "network write error" },
    { 1161, AB_ERR_TRANSIENT, "network write timeout" },
    { 1205, AB_ERR_TRANSIENT, "lock wait timeout" },
    { 1213, AB_ERR_TRANSIENT, "deadlock" },
    { 1317, AB_ERR_TRANSIENT, "the query was interrupted" },
    { 1927, AB_ERR_TRANSIENT, "the connection was killed" },
    { 2002, AB_ERR_TRANSIENT, "could not connect to the server" },
    { 2003, AB_ERR_TRANSIENT, "could not connect to the server" },
    { 2006, AB_ERR_TRANSIENT, "the server has gone away" },
    { 2013, AB_ERR_TRANSIENT, "lost the connection to the server" },
    { 2055, AB_ERR_TRANSIENT, "lost the connection to the server" },
};

static const struct err_entry *err_find(unsigned code)
{
    size_t i;

    for (i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++) {
        if (err_table[i].code == code) {
            return &err_table[i];
        }
    }
    return NULL;
}

enum ab_rc sm_errno_rc(unsigned code)
{
    const struct err_entry *e = err_find(code);

    return e != NULL ? e->rc : AB_ERR_SOURCE;
}

const char *sm_errno_reason(unsigned code)
{
    const struct err_entry *e = err_find(code);

    return e != NULL ? e->reason : NULL;
}

enum ab_rc sm_conn_fail(struct sm_conn *c, const char *what,
                        struct ab_error *err)
{
    unsigned code = c->db != NULL ? mysql_errno(c->db) : 0;
    const char *text = c->db != NULL ? mysql_error(c->db) : "";
    const char *reason = sm_errno_reason(code);
    enum ab_rc rc = code != 0 ? sm_errno_rc(code) : AB_ERR_SOURCE;

    if (reason != NULL) {
        ab_error_set(err, rc, "%s: %s", reason, text);
    } else {
        ab_error_set(err, rc, "server error %u while %s: %s", code, what, text);
    }
    ab_error_detail(err, "mysql errno %u, sqlstate %s, step: %s", code,
                    c->db != NULL ? mysql_sqlstate(c->db) : "-", what);
    return rc;
}

/* ---- TLS material --------------------------------------------------- */

struct pem_files {
    char path[3][PATH_MAX]; /* ca, cert, key; "" when unused */
};

static enum ab_rc write_pem(const char *pem, char *path, struct ab_error *err)
{
    const char *dir = getenv("TMPDIR");
    size_t len = strlen(pem);
    int fd = -1;
    enum ab_rc rc = AB_OK;

    if (dir == NULL || *dir == '\0') {
        dir = "/tmp";
    }
    snprintf(path, PATH_MAX, "%s/source-mysql-tls-XXXXXX", dir);
    fd = mkstemp(path); /* mode 0600 */
    if (fd < 0) {
        path[0] = '\0';
        return ab_error_set(err, AB_ERR_IO,
                            "could not create a temporary file for TLS "
                            "material in %s: %s",
                            dir, strerror(errno));
    }
    if (write(fd, pem, len) != (ssize_t)len) {
        rc = ab_error_set(err, AB_ERR_IO,
                          "could not write TLS material to %s: %s", path,
                          strerror(errno));
    }
    if (close(fd) != 0 && rc == AB_OK) {
        rc = ab_error_set(err, AB_ERR_IO, "could not write %s: %s", path,
                          strerror(errno));
    }
    return rc;
}

static void pem_remove(struct pem_files *f)
{
    size_t i;

    for (i = 0; i < 3; i++) {
        if (f->path[i][0] != '\0') {
            unlink(f->path[i]);
            f->path[i][0] = '\0';
        }
    }
}

static enum ab_rc set_pem(MYSQL *db, enum mysql_option opt, const char *pem,
                          char *path, struct ab_error *err)
{
    enum ab_rc rc = AB_OK;

    if (pem == NULL || *pem == '\0') {
        return AB_OK;
    }
    rc = write_pem(pem, path, err);
    if (rc == AB_OK && mysql_optionsv(db, opt, path) != 0) {
        rc = ab_error_set(err, AB_ERR_INTERNAL, "could not set TLS option");
    }
    return rc;
}

static enum ab_rc set_tls(MYSQL *db, const struct sm_options *o,
                          struct pem_files *f, struct ab_error *err)
{
    my_bool on = 1;
    my_bool verify = o->ssl_mode == SM_SSL_VERIFY_IDENTITY;
    enum ab_rc rc = AB_OK;

    mysql_optionsv(db, MYSQL_OPT_SSL_ENFORCE, &on);
    mysql_optionsv(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    if (o->ssl_mode < SM_SSL_VERIFY_CA) {
        return AB_OK;
    }
    /* Setting a CA makes the library verify the chain; verify_identity
     * adds the host name check above. */
    rc = set_pem(db, MYSQL_OPT_SSL_CA, o->ssl_ca, f->path[0], err);
    if (rc == AB_OK) {
        rc = set_pem(db, MYSQL_OPT_SSL_CERT, o->ssl_cert, f->path[1], err);
    }
    if (rc == AB_OK) {
        rc = set_pem(db, MYSQL_OPT_SSL_KEY, o->ssl_key, f->path[2], err);
    }
    if (rc == AB_OK && o->ssl_key_password != NULL &&
        *o->ssl_key_password != '\0') {
        mysql_optionsv(db, MARIADB_OPT_TLS_PASSPHRASE, o->ssl_key_password);
    }
    return rc;
}

/* ---- connect ---------------------------------------------------------- */

static void set_client_options(MYSQL *db, const struct sm_options *o)
{
    unsigned proto = MYSQL_PROTOCOL_TCP;
    my_bool off = 0;

    mysql_optionsv(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_optionsv(db, MYSQL_OPT_PROTOCOL, &proto);
    mysql_optionsv(db, MYSQL_OPT_LOCAL_INFILE, &off);
    mysql_optionsv(db, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name",
                   "source-mysql");
    if (o->connect_timeout > 0) {
        mysql_optionsv(db, MYSQL_OPT_CONNECT_TIMEOUT, &o->connect_timeout);
    }
    if (o->read_timeout > 0) {
        mysql_optionsv(db, MYSQL_OPT_READ_TIMEOUT, &o->read_timeout);
    }
    if (o->write_timeout > 0) {
        mysql_optionsv(db, MYSQL_OPT_WRITE_TIMEOUT, &o->write_timeout);
    }
    if (o->compress) {
        mysql_optionsv(db, MYSQL_OPT_COMPRESS, NULL);
    }
}

static enum ab_rc check_tls(struct sm_conn *c, const struct sm_options *o,
                            struct ab_error *err)
{
    const char *cipher = mysql_get_ssl_cipher(c->db);

    c->tls = cipher != NULL;
    if (!c->tls && o->ssl_mode != SM_SSL_PREFERRED) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "the server at %s:%u does not offer TLS, but "
                            "ssl_mode requires it",
                            o->host, o->port);
    }
    ab_debug("connected to %s:%u, server %s, TLS %s", o->host, o->port,
             mysql_get_server_info(c->db), c->tls ? cipher : "off");
    return AB_OK;
}

enum ab_rc sm_session_var_sql(struct ab_buf *out, const char *name,
                              const char *value)
{
    size_t len = strlen(value);
    enum ab_rc rc = AB_OK;

    ab_buf_reset(out);
    rc = ab_buf_append_str(out, "SET SESSION ");
    if (rc == AB_OK) {
        rc = sm_sql_ident(out, name);
    }
    if (rc == AB_OK) {
        rc = ab_buf_append_str(out, " = ");
    }
    if (rc == AB_OK && sm_numeric_literal_ok(value, len)) {
        return ab_buf_append(out, value, len);
    }
    return rc == AB_OK ? sm_sql_string(out, value, len) : rc;
}

static enum ab_rc apply_session_vars(struct sm_conn *c,
                                     const struct sm_options *o,
                                     struct ab_error *err)
{
    struct ab_buf sql;
    enum ab_rc rc = AB_OK;
    size_t i;

    ab_buf_init(&sql, 64 * 1024);
    for (i = 0; rc == AB_OK && i < o->session_var_count; i++) {
        rc = sm_session_var_sql(&sql, o->session_vars[i].name,
                                o->session_vars[i].value);
        if (rc != AB_OK) {
            rc = ab_error_set(err, rc, "could not build session SQL");
        } else {
            rc = sm_conn_exec(c, sql.data, "setting connection_params", err);
        }
    }
    ab_buf_cleanup(&sql);
    return rc;
}

static enum ab_rc setup_session(struct sm_conn *c, const struct sm_options *o,
                                struct ab_error *err)
{
    char sql[128];
    enum ab_rc rc = AB_OK;

    snprintf(sql, sizeof(sql), SM_SQL_NET_TIMEOUTS, SM_NET_TIMEOUT_S,
             SM_NET_TIMEOUT_S);
    rc = sm_conn_exec(c, sql, "setting up the session", err);
    if (rc == AB_OK) {
        rc = apply_session_vars(c, o, err);
    }
    /* After the user's variables: these are what the reader relies on. */
    if (rc == AB_OK) {
        rc = sm_conn_exec(c, SM_SQL_SESSION, "setting up the session", err);
    }
    if (rc == AB_OK) {
        rc = sm_conn_exec(c, SM_SQL_ISOLATION, "setting up the session", err);
    }
    return rc;
}

static enum ab_rc connect_db(struct sm_conn *c, const struct sm_options *o,
                             struct ab_error *err)
{
    struct pem_files pem;
    enum ab_rc rc = AB_OK;
    MYSQL *ok = NULL;

    memset(&pem, 0, sizeof(pem));
    set_client_options(c->db, o);
    rc = set_tls(c->db, o, &pem, err);
    if (rc == AB_OK) {
        ok = mysql_real_connect(c->db, o->host, o->username, o->password,
                                o->database, o->port, NULL, 0);
        if (ok == NULL) {
            rc = sm_conn_fail(c, "connecting", err);
        }
    }
    /* The library has read the files during the handshake. */
    pem_remove(&pem);
    return rc;
}

enum ab_rc sm_conn_open(struct sm_conn *c, const struct sm_options *o,
                        struct ab_error *err)
{
    enum ab_rc rc = AB_OK;

    c->tls = false;
    c->db = mysql_init(NULL);
    if (c->db == NULL) {
        return ab_error_set(err, AB_ERR_NOMEM, "out of memory");
    }
    rc = connect_db(c, o, err);
    if (rc == AB_OK) {
        rc = check_tls(c, o, err);
    }
    if (rc == AB_OK) {
        rc = setup_session(c, o, err);
    }
    if (rc != AB_OK) {
        sm_conn_close(c);
    }
    return rc;
}

void sm_conn_close(struct sm_conn *c)
{
    if (c->db != NULL) {
        mysql_close(c->db);
        c->db = NULL;
    }
}

void sm_conn_cancel(struct sm_conn *c)
{
    if (c->db != NULL) {
        mariadb_cancel(c->db);
    }
}

enum ab_rc sm_conn_exec(struct sm_conn *c, const char *sql, const char *what,
                        struct ab_error *err)
{
    MYSQL_RES *res = NULL;

    ab_debug("sql: %s", sql);
    if (mysql_real_query(c->db, sql, strlen(sql)) != 0) {
        return sm_conn_fail(c, what, err);
    }
    res = mysql_store_result(c->db);
    if (res != NULL) {
        mysql_free_result(res);
    } else if (mysql_errno(c->db) != 0) {
        return sm_conn_fail(c, what, err);
    }
    return AB_OK;
}

enum ab_rc sm_conn_query(struct sm_conn *c, const char *sql, bool stream,
                         MYSQL_RES **res, const char *what,
                         struct ab_error *err)
{
    ab_debug("sql: %s", sql);
    *res = NULL;
    if (mysql_real_query(c->db, sql, strlen(sql)) != 0) {
        return sm_conn_fail(c, what, err);
    }
    *res = stream ? mysql_use_result(c->db) : mysql_store_result(c->db);
    if (*res == NULL) {
        if (mysql_errno(c->db) != 0) {
            return sm_conn_fail(c, what, err);
        }
        return ab_error_set(err, AB_ERR_INTERNAL,
                            "query returned no result while %s", what);
    }
    return AB_OK;
}
