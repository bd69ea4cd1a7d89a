/*
 * The driver behind every connector's main(): command line, spec,
 * config, signals, and the translation of a connector's outcome into
 * Airbyte messages and an exit status.
 *
 * Exit statuses: 0 success (also `check` answering FAILED for a bad
 * config), 1 failure (one ERROR trace was emitted), 2 usage error (usage
 * text on standard error plus an ERROR trace). After SIGTERM/SIGINT the
 * process ends by the same signal, as the platform and PyAirbyte expect
 * (-15).
 */
#include "ab/setup.h"
#include "ab/connector.h"

#include "ab/alloc.h"
#include "ab/cli.h"
#include "ab/config.h"
#include "ab/msg.h"
#include "ab/out.h"
#include "ab/secret.h"
#include "ab/stream.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXIT_USAGE 2

static volatile sig_atomic_t stop_signal;

struct run {
    const struct ab_connector *conn;
    struct ab_cli cli;
    struct ab_error err;
    json_t *spec;            /* owned */
    const json_t *conn_spec; /* connectionSpecification, borrowed */
    json_t *config;          /* owned */
    struct ab_catalog catalog;
};

static void on_stop(int sig)
{
    stop_signal = sig;
}

bool ab_stop_requested(void)
{
    return stop_signal != 0;
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    /* SA_RESTART: a client library blocked in a read must not see EINTR
     * as a lost connection; the read loop polls ab_stop_requested. */
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_stop;
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    /* A closed standard output must become EPIPE (an error we report),
     * not a silent death by SIGPIPE. */
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);
}

/* End by the signal that stopped us, with its default action. Returns
 * only if the signal does not terminate the process. */
static int reraise(int status)
{
    struct sigaction sa;
    int sig = stop_signal;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_DFL;
    (void)sigaction(sig, &sa, NULL);
    (void)raise(sig);
    return status != 0 ? status : 128 + sig;
}

static void set_log_level(const struct ab_cli *cli)
{
    static const struct {
        const char *name;
        enum ab_log_level level;
    } names[] = {
        { "TRACE", AB_LOG_TRACE },  { "DEBUG", AB_LOG_DEBUG },
        { "INFO", AB_LOG_INFO },    { "WARN", AB_LOG_WARN },
        { "WARNING", AB_LOG_WARN }, { "ERROR", AB_LOG_ERROR },
        { "FATAL", AB_LOG_FATAL },  { "CRITICAL", AB_LOG_FATAL },
    };
    const char *env = getenv("LOG_LEVEL");
    size_t i = 0;

    ab_log_set_level(AB_LOG_INFO);
    for (i = 0; env && i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(env, names[i].name) == 0) {
            ab_log_set_level(names[i].level);
        }
    }
    if (cli->debug) {
        ab_log_set_level(AB_LOG_DEBUG);
    }
}

/* Emit the recorded failure (filling a generic one if the connector
 * returned an error without recording it) and give exit status 1. */
static int fail(struct run *r, enum ab_rc rc, const struct ab_stream *st)
{
    char masked[AB_ERROR_MESSAGE_MAX];

    if (!r->err.set) {
        (void)ab_error_set(&r->err, rc, "%s failed: %s",
                           ab_command_name(r->cli.command), ab_rc_str(rc));
    }
    rc = ab_emit_error_trace(&r->err, st ? st->name : NULL, st ? st->ns : NULL);
    if (rc == AB_OK) {
        rc = ab_out_flush();
    }
    if (rc != AB_OK) {
        /* Standard output is gone; standard error is all that is left,
         * and nothing masks it on the way out. */
        ab_secret_mask_text(r->err.message, masked, sizeof(masked));
        ab_cli_note(r->conn->name, masked,
                    ab_out_failed() ? strerror(ab_out_errno()) : ab_rc_str(rc));
    }
    return 1;
}

static enum ab_rc load_spec(struct run *r)
{
    json_error_t jerr;
    unsigned long failures = ab_alloc_failures();

    r->spec =
        r->conn->spec_json ? json_loads(r->conn->spec_json, 0, &jerr) : NULL;
    if (!r->spec && ab_alloc_failures() != failures) {
        return ab_error_set(&r->err, AB_ERR_NOMEM, "out of memory");
    }
    if (!r->spec) {
        return ab_error_setf(&r->err, AB_ERR_INTERNAL, AB_FAIL_SYSTEM,
                             "the connector's embedded spec is invalid: %s",
                             r->conn->spec_json ? jerr.text : "missing");
    }
    r->conn_spec = json_object_get(r->spec, "connectionSpecification");
    if (!json_is_object(r->conn_spec)) {
        return ab_error_setf(&r->err, AB_ERR_INTERNAL, AB_FAIL_SYSTEM,
                             "the connector's embedded spec is invalid: no "
                             "connectionSpecification object");
    }
    return AB_OK;
}

static void apply_checkpoint_policy(const json_t *config)
{
    const json_t *seconds =
        json_object_get(config, "checkpoint_interval_seconds");
    int64_t records = ab_cfg_int(config, "checkpoint_interval_records",
                                 AB_CHECKPOINT_RECORDS_DEFAULT);

    ab_checkpoint_policy_set(records > 0 ? (uint64_t)records : 0,
                             json_is_number(seconds)
                                 ? json_number_value(seconds)
                                 : AB_CHECKPOINT_SECONDS_DEFAULT);
}

static enum ab_rc load_config(struct run *r)
{
    enum ab_rc rc =
        ab_json_load_file(r->cli.config_path, "config", &r->config, &r->err);

    if (rc == AB_OK) {
        rc = ab_config_validate(r->conn_spec, r->config, &r->err);
    }
    if (rc == AB_OK) {
        rc = ab_config_register_secrets(r->conn_spec, r->config);
        if (rc != AB_OK) {
            (void)ab_error_set(&r->err, rc, "could not register secrets: %s",
                               ab_rc_str(rc));
        }
    }
    if (rc == AB_OK) {
        apply_checkpoint_policy(r->config);
    }
    return rc;
}

static int run_spec(struct run *r)
{
    enum ab_rc rc = ab_emit_spec(r->spec);

    return rc == AB_OK ? 0 : fail(r, rc, NULL);
}

static int run_check(struct run *r)
{
    enum ab_rc rc = load_config(r);

    if (rc == AB_OK && !r->conn->check) {
        rc = ab_error_set(&r->err, AB_ERR_INTERNAL,
                          "this connector does not implement check");
    }
    if (rc == AB_OK) {
        rc = r->conn->check(r->config, &r->err);
    }
    if (rc == AB_OK || rc == AB_ERR_CONFIG) {
        rc = ab_emit_connection_status(rc == AB_OK,
                                       rc == AB_OK ? NULL : r->err.message);
    }
    return rc == AB_OK ? 0 : fail(r, rc, NULL);
}

static int run_discover(struct run *r)
{
    json_t *catalog = NULL;
    enum ab_rc rc = load_config(r);

    if (rc == AB_OK && !r->conn->discover) {
        rc = ab_error_set(&r->err, AB_ERR_INTERNAL,
                          "this connector does not implement discover");
    }
    if (rc == AB_OK) {
        rc = r->conn->discover(r->config, &catalog, &r->err);
    }
    if (rc == AB_OK && !json_is_object(catalog)) {
        rc = ab_error_set(&r->err, AB_ERR_INTERNAL,
                          "discover produced no catalog");
    }
    if (rc == AB_OK) {
        rc = ab_emit_catalog(catalog);
    }
    json_decref(catalog);
    return rc == AB_OK ? 0 : fail(r, rc, NULL);
}

/* INCOMPLETE for every stream that started and did not finish; returns
 * the last of them (the one that failed, for a sequential reader). */
static const struct ab_stream *close_open_streams(struct ab_catalog *catalog)
{
    const struct ab_stream *last = NULL;
    size_t i = 0;

    for (i = 0; i < catalog->count; i++) {
        struct ab_stream *st = &catalog->streams[i];

        if (st->started && !st->finished) {
            /* A failure here is an output failure, already sticky and
             * reported with the error trace. */
            if (ab_stream_incomplete(st, NULL) != AB_OK) {
                ab_debug("could not mark stream \"%s\" incomplete", st->name);
            }
            last = st;
        }
    }
    return last;
}

static int run_read(struct run *r)
{
    const struct ab_stream *failed = NULL;
    enum ab_rc rc = load_config(r);

    if (rc == AB_OK) {
        rc = ab_catalog_load(r->cli.catalog_path, &r->catalog, &r->err);
    }
    if (rc == AB_OK) {
        rc = ab_catalog_load_state(&r->catalog, r->cli.state_path, &r->err);
    }
    if (rc == AB_OK && !r->conn->read) {
        rc = ab_error_set(&r->err, AB_ERR_INTERNAL,
                          "this connector does not implement read");
    }
    if (rc == AB_OK) {
        ab_info("reading %zu configured stream(s)", r->catalog.count);
        rc = r->conn->read(r->config, &r->catalog, &r->err);
    }
    if (rc == AB_OK) {
        return 0;
    }
    failed = close_open_streams(&r->catalog);
    if (rc == AB_ERR_STOPPED && ab_stop_requested()) {
        ab_info("read stopped by signal %d", (int)stop_signal);
        return 1;
    }
    return fail(r, rc, failed);
}

static int run_command(struct run *r, int argc, char **argv)
{
    enum ab_rc rc = ab_cli_parse(argc, argv, &r->cli, &r->err);

    set_log_level(&r->cli);
    if (rc != AB_OK) {
        ab_cli_usage(r->conn->name, NULL);
        (void)fail(r, rc, NULL);
        return EXIT_USAGE;
    }
    if (r->cli.command == AB_CMD_HELP || r->cli.command == AB_CMD_VERSION) {
        ab_cli_version(r->conn->name, r->conn->version);
        if (r->cli.command == AB_CMD_HELP) {
            ab_cli_usage(r->conn->name, NULL);
        }
        return 0;
    }
    rc = load_spec(r);
    if (rc != AB_OK) {
        return fail(r, rc, NULL);
    }
    switch (r->cli.command) {
    case AB_CMD_SPEC:
        return run_spec(r);
    case AB_CMD_CHECK:
        return run_check(r);
    case AB_CMD_DISCOVER:
        return run_discover(r);
    default:
        break;
    }
    return run_read(r);
}

int ab_main(int argc, char **argv, const struct ab_connector *connector)
{
    struct run r;
    int status = 0;

    memset(&r, 0, sizeof(r));
    r.conn = connector;
    stop_signal = 0;
    /* jansson allocates through the seam too, so failing-allocation
     * tests reach its error paths. Must precede any jansson call. */
    json_set_alloc_funcs(ab_malloc, ab_free);
    install_signals();
    status = run_command(&r, argc, argv);
    ab_catalog_cleanup(&r.catalog);
    json_decref(r.config);
    json_decref(r.spec);
    ab_secret_clear();
    if (ab_out_flush() != AB_OK && status == 0) {
        ab_cli_note(connector->name, "could not write the output",
                    strerror(ab_out_errno()));
        status = 1;
    }
    if (stop_signal != 0) {
        status = reraise(status);
    }
    return status;
}
