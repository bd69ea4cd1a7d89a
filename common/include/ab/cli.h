/*
 * Command line of every connector binary:
 *   spec | check --config F | discover --config F |
 *   read --config F --catalog F [--state F]
 * with --flag value and --flag=value, plus --help, --version and --debug.
 * Unknown flags are ignored with a warning (the platform may add some);
 * an unknown command or a missing required flag is a usage error.
 */
#ifndef AB_CLI_H
#define AB_CLI_H

#include "ab/setup.h"
#include "ab/rc.h"

#include <stdbool.h>

enum ab_command {
    AB_CMD_NONE = 0,
    AB_CMD_SPEC,
    AB_CMD_CHECK,
    AB_CMD_DISCOVER,
    AB_CMD_READ,
    AB_CMD_HELP,
    AB_CMD_VERSION
};

/* Paths point into argv (borrowed for the life of the process). */
struct ab_cli {
    enum ab_command command;
    const char *config_path;
    const char *catalog_path;
    const char *state_path;
    bool debug;
    int unknown_flags; /* count of ignored flags, for a warning */
};

/* Parse argv. On a usage problem returns AB_ERR_USAGE with `err` set
 * (failure type config_error). */
AB_NODISCARD enum ab_rc ab_cli_parse(int argc, char **argv, struct ab_cli *cli,
                                     struct ab_error *err);

/* Usage text to standard error (the one place it is used), preceded by
 * a "program version" line when `version` is not NULL. */
void ab_cli_usage(const char *program, const char *version);

/* The line "program version" to standard error, for --version. */
void ab_cli_version(const char *program, const char *version);

/* One line "program: what: detail" to standard error, for the rare
 * failure that cannot be reported on standard output (it broke). */
void ab_cli_note(const char *program, const char *what, const char *detail);

const char *ab_command_name(enum ab_command command);

#endif /* AB_CLI_H */
