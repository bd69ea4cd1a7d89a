/*
 * The server connection: connect (TCP, utf8mb4, TLS per ssl_mode), set
 * the session up, run queries, and turn MySQL client/server error numbers
 * into the project's error classes:
 *   config_error     the user must change something (credentials, grants,
 *                    database name, TLS settings, statement time limit)
 *   transient_error  the network or server hiccuped; a retry may work
 *   system_error     everything else
 * Server error texts can contain user input; the core masks registered
 * secrets in every output line, and this module never formats the
 * password into a message.
 */
#ifndef SM_CONN_H
#define SM_CONN_H

#include <ab/setup.h>
#include <ab/buf.h>
#include <ab/rc.h>

#include "options.h"

#include <mysql.h>
#include <stdbool.h>
#include <stddef.h>

/* Caller-owned; zero-initialise or sm_conn_open fills it. */
struct sm_conn {
    MYSQL *db; /* owned handle, NULL when closed */
    bool tls;  /* the connection is encrypted */
};

/*
 * Connect and set the session up: character set utf8mb4, the session
 * variables from connection_params, then time_zone '+00:00' (TIMESTAMP
 * values in UTC), REPEATABLE READ isolation and long net timeouts. PEM
 * texts are written to 0600 temporary files that are removed before this
 * returns. On failure the handle is closed and `err` names the reason.
 */
AB_NODISCARD enum ab_rc sm_conn_open(struct sm_conn *c,
                                     const struct sm_options *o,
                                     struct ab_error *err);

/* Close (safe on a closed or zeroed connection). */
void sm_conn_close(struct sm_conn *c);

/* Run a statement and discard any result. `what` names the step in the
 * error ("starting the snapshot"). */
AB_NODISCARD enum ab_rc sm_conn_exec(struct sm_conn *c, const char *sql,
                                     const char *what, struct ab_error *err);

/*
 * Run a query. stream=false stores the whole (small, metadata) result;
 * stream=true uses mysql_use_result: rows arrive as they are fetched and
 * the result must be read to the end or the connection cancelled. *res
 * is owned by the caller (mysql_free_result).
 */
AB_NODISCARD enum ab_rc sm_conn_query(struct sm_conn *c, const char *sql,
                                      bool stream, MYSQL_RES **res,
                                      const char *what, struct ab_error *err);

/* Record the connection's current error (mysql_errno) for step `what`;
 * returns the class as an ab_rc. */
enum ab_rc sm_conn_fail(struct sm_conn *c, const char *what,
                        struct ab_error *err);

/* Stop a streaming result quickly (closes the socket); the connection is
 * unusable afterwards. */
void sm_conn_cancel(struct sm_conn *c);

/* Classify a MySQL error number: AB_ERR_CONFIG, AB_ERR_TRANSIENT or
 * AB_ERR_SOURCE. */
enum ab_rc sm_errno_rc(unsigned code);

/* A short user-facing reason for well-known error numbers, or NULL. */
const char *sm_errno_reason(unsigned code);

/* The session statement for one connection_params variable, into `out`
 * (reset first): SET SESSION `name` = <number or _utf8mb4 literal>. */
AB_NODISCARD enum ab_rc sm_session_var_sql(struct ab_buf *out, const char *name,
                                           const char *value);

#endif /* SM_CONN_H */
