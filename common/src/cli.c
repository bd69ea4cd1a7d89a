/*
 * Command line parsing, after the Python CDK's entrypoint: argv[1] is
 * usually the command, but flags and command may come in any order.
 * Both --flag value and --flag=value are accepted. Unknown flags are
 * counted and ignored (the platform may grow new ones). This file is the
 * only one that writes to standard error: the usage text and the version
 * line are for people; machines read the Airbyte messages on standard
 * output.
 */
#include "ab/setup.h"
#include "ab/cli.h"

#include <stdio.h>
#include <string.h>

#define COMMANDS "spec, check, discover or read"

static const struct {
    const char *name;
    enum ab_command command;
} command_table[] = {
    { "spec", AB_CMD_SPEC },
    { "check", AB_CMD_CHECK },
    { "discover", AB_CMD_DISCOVER },
    { "read", AB_CMD_READ },
};

const char *ab_command_name(enum ab_command command)
{
    size_t i = 0;

    for (i = 0; i < sizeof(command_table) / sizeof(command_table[0]); i++) {
        if (command_table[i].command == command) {
            return command_table[i].name;
        }
    }
    if (command == AB_CMD_HELP) {
        return "help";
    }
    if (command == AB_CMD_VERSION) {
        return "version";
    }
    return "none";
}

static enum ab_command command_lookup(const char *name)
{
    size_t i = 0;

    for (i = 0; i < sizeof(command_table) / sizeof(command_table[0]); i++) {
        if (strcmp(command_table[i].name, name) == 0) {
            return command_table[i].command;
        }
    }
    return AB_CMD_NONE;
}

/* The destination of a flag that takes a path, NULL for other flags. */
static const char **path_slot(struct ab_cli *cli, const char *name, size_t len)
{
    if (len == 6 && strncmp(name, "config", len) == 0) {
        return &cli->config_path;
    }
    if (len == 7 && strncmp(name, "catalog", len) == 0) {
        return &cli->catalog_path;
    }
    if (len == 5 && strncmp(name, "state", len) == 0) {
        return &cli->state_path;
    }
    return NULL;
}

/* A switch without value; false when `name` is not one. */
static bool set_switch(struct ab_cli *cli, const char *name, size_t len,
                       bool *help, bool *version)
{
    if (len == 5 && strncmp(name, "debug", len) == 0) {
        cli->debug = true;
    } else if (len == 4 && strncmp(name, "help", len) == 0) {
        *help = true;
    } else if (len == 7 && strncmp(name, "version", len) == 0) {
        *version = true;
    } else {
        return false;
    }
    return true;
}

struct cli_parse {
    int argc;
    char **argv;
    int i;
    bool help;
    bool version;
};

/* argv[p->i] starts with "--". */
static enum ab_rc parse_flag(struct cli_parse *p, struct ab_cli *cli,
                             struct ab_error *err)
{
    const char *name = p->argv[p->i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const char **slot = path_slot(cli, name, len);
    const char *value = NULL;

    if (!slot) {
        if (!set_switch(cli, name, len, &p->help, &p->version)) {
            cli->unknown_flags++;
        }
        return AB_OK;
    }
    if (eq) {
        value = eq + 1;
    } else if (p->i + 1 < p->argc) {
        value = p->argv[++p->i];
    }
    if (!value || value[0] == '\0') {
        return ab_error_set(err, AB_ERR_USAGE, "option --%.*s needs a value",
                            (int)len, name);
    }
    *slot = value;
    return AB_OK;
}

static enum ab_rc parse_word(struct cli_parse *p, struct ab_cli *cli,
                             struct ab_error *err)
{
    const char *word = p->argv[p->i];

    if (strcmp(word, "-h") == 0) {
        p->help = true;
        return AB_OK;
    }
    if (cli->command != AB_CMD_NONE) {
        cli->unknown_flags++; /* a stray word after the command */
        return AB_OK;
    }
    cli->command = command_lookup(word);
    if (cli->command == AB_CMD_NONE) {
        return ab_error_set(err, AB_ERR_USAGE,
                            "unknown command \"%s\" (expected " COMMANDS ")",
                            word);
    }
    return AB_OK;
}

static enum ab_rc check_required(const struct ab_cli *cli, struct ab_error *err)
{
    const char *name = ab_command_name(cli->command);
    bool needs_config = cli->command == AB_CMD_CHECK ||
                        cli->command == AB_CMD_DISCOVER ||
                        cli->command == AB_CMD_READ;

    if (cli->command == AB_CMD_NONE) {
        return ab_error_set(err, AB_ERR_USAGE,
                            "no command given (expected " COMMANDS ")");
    }
    if (needs_config && !cli->config_path) {
        return ab_error_set(err, AB_ERR_USAGE,
                            "command \"%s\" needs --config FILE", name);
    }
    if (cli->command == AB_CMD_READ && !cli->catalog_path) {
        return ab_error_set(err, AB_ERR_USAGE,
                            "command \"read\" needs --catalog FILE");
    }
    return AB_OK;
}

enum ab_rc ab_cli_parse(int argc, char **argv, struct ab_cli *cli,
                        struct ab_error *err)
{
    struct cli_parse p = { argc, argv, 1, false, false };
    enum ab_rc rc = AB_OK;
    enum ab_rc step = AB_OK;

    memset(cli, 0, sizeof(*cli));
    /* Parse to the end even after an error (the first one is kept): a
     * --help further on still wins. */
    for (p.i = 1; p.i < argc; p.i++) {
        if (strncmp(argv[p.i], "--", 2) == 0 && argv[p.i][2] != '\0') {
            step = parse_flag(&p, cli, err);
        } else {
            step = parse_word(&p, cli, err);
        }
        rc = rc == AB_OK ? step : rc;
    }
    /* A person asking for help gets it even on an otherwise bad line. */
    if (p.help || p.version) {
        cli->command = p.help ? AB_CMD_HELP : AB_CMD_VERSION;
        return AB_OK;
    }
    if (rc != AB_OK) {
        return rc;
    }
    return check_required(cli, err);
}

void ab_cli_usage(const char *program, const char *version)
{
    const char *name = program ? program : "connector";

    if (version) {
        fprintf(stderr, "%s %s\n", name, version);
    }
    fprintf(stderr,
            "Usage: %s COMMAND [OPTIONS]\n"
            "\n"
            "Commands (Airbyte protocol; messages on standard output, one per "
            "line):\n"
            "  spec                     print the connector specification\n"
            "  check --config FILE      test the configuration\n"
            "  discover --config FILE   list the available streams\n"
            "  read --config FILE --catalog FILE [--state FILE]\n"
            "                           read the configured streams\n"
            "\n"
            "Options (--flag VALUE and --flag=VALUE both work):\n"
            "  --debug     log at DEBUG level (also LOG_LEVEL=DEBUG)\n"
            "  --help      show this text\n"
            "  --version   show the version\n",
            name);
}

void ab_cli_version(const char *program, const char *version)
{
    fprintf(stderr, "%s %s\n", program ? program : "connector",
            version ? version : "unknown");
}

void ab_cli_note(const char *program, const char *what, const char *detail)
{
    fprintf(stderr, "%s: %s: %s\n", program ? program : "connector", what,
            detail ? detail : "unknown error");
}
