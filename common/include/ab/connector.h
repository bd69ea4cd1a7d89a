/*
 * The driver every connector binary runs: main() is one call to ab_main.
 * It parses the command line, emits SPEC, loads and validates the config
 * against the embedded spec, registers secrets, sets the log level and
 * the checkpoint policy, installs signal handling, calls the connector's
 * operation, and turns the outcome into Airbyte messages and an exit
 * status:
 *   - check: AB_OK -> CONNECTION_STATUS SUCCEEDED; AB_ERR_CONFIG ->
 *     CONNECTION_STATUS FAILED with the error message, exit 0; any other
 *     failure -> one ERROR trace, exit 1.
 *   - discover/read: a failure -> open streams marked INCOMPLETE, one
 *     ERROR trace, exit 1.
 *   - SIGTERM/SIGINT during read: ab_stop_requested() turns true; the
 *     connector returns AB_ERR_STOPPED at its next row, the driver marks
 *     open streams INCOMPLETE, flushes, and re-raises the signal.
 */
#ifndef AB_CONNECTOR_H
#define AB_CONNECTOR_H

#include "ab/setup.h"
#include "ab/catalog.h"
#include "ab/rc.h"

#include <jansson.h>
#include <stdbool.h>

struct ab_connector {
    const char *name;      /* e.g. "source-mysql" */
    const char *version;   /* e.g. "0.1.0" */
    const char *spec_json; /* ConnectorSpecification as JSON text */

    /* Prove the config works. AB_ERR_CONFIG means "FAILED, tell the
     * user err->message". `config` is validated, defaults filled. */
    enum ab_rc (*check)(const json_t *config, struct ab_error *err);

    /* Build the AirbyteCatalog object ({"streams":[...]}) into *out (new
     * reference). */
    enum ab_rc (*discover)(const json_t *config, json_t **out,
                           struct ab_error *err);

    /* Read the configured streams (state already attached). */
    enum ab_rc (*read)(const json_t *config, struct ab_catalog *catalog,
                       struct ab_error *err);
};

/* Run the connector; returns the process exit status. */
int ab_main(int argc, char **argv, const struct ab_connector *connector);

/* True once SIGTERM or SIGINT arrived; read loops test it per row. */
bool ab_stop_requested(void);

#endif /* AB_CONNECTOR_H */
