/*
 * The three operations the core driver (ab_main) calls, and the facts
 * about a table that discover and read must agree on. Each operation
 * parses the options, opens its own connection and releases everything
 * before returning.
 */
#ifndef SM_OPS_H
#define SM_OPS_H

#include <ab/setup.h>
#include <ab/catalog.h>
#include <ab/rc.h>

#include "schema.h"

#include <jansson.h>
#include <stdbool.h>

#define SM_CONNECTOR_NAME "source-mysql"
#define SM_CONNECTOR_VERSION "0.1.0"

AB_NODISCARD enum ab_rc sm_check(const json_t *config, struct ab_error *err);
AB_NODISCARD enum ab_rc sm_discover(const json_t *config, json_t **out,
                                    struct ab_error *err);
AB_NODISCARD enum ab_rc
sm_read(const json_t *config, struct ab_catalog *catalog, struct ab_error *err);

/*
 * True when the primary key can drive keyset chunks and resumable
 * states: it exists, no key column is excluded or hashed (a state would
 * carry the raw value out of the database), and every key column has a
 * kind that can be written back as an SQL literal.
 */
bool sm_table_keyset_ok(const struct sm_table *t);

/* True when the primary key can be announced: no column excluded. */
bool sm_table_pk_visible(const struct sm_table *t);

/* True when at least one column is readable (not excluded); tables
 * without one (or broken views, which list no columns) are no streams. */
bool sm_table_has_columns(const struct sm_table *t);

/* The default cursor column (updated_at, else created_at, else an
 * integer single-column key) or NULL when the table has none. */
const struct sm_column *sm_table_default_cursor(const struct sm_table *t);

#endif /* SM_OPS_H */
