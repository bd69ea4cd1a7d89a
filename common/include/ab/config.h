/*
 * Configuration: the connector's spec (embedded at build time from
 * specs/<connector>.json) is the single source of truth. The validator
 * walks the spec's connectionSpecification and checks the config against
 * it: required keys, types, enum, const, pattern, minimum/maximum,
 * minLength/maxLength, minItems/maxItems, array items, and oneOf objects
 * chosen by their const discriminator. Missing keys with a default get it.
 * A problem names the key path and what is wrong, as a config_error.
 */
#ifndef AB_CONFIG_H
#define AB_CONFIG_H

#include "ab/setup.h"
#include "ab/rc.h"

#include "ab/buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest config, catalog or state file accepted. */
#define AB_INPUT_FILE_MAX ((size_t)256 * 1024 * 1024)
/* Deepest nesting the validator follows (schema and config together). */
#define AB_CONFIG_MAX_DEPTH 32

/*
 * Read the whole file at `path` into `out` (appended; at most
 * AB_INPUT_FILE_MAX bytes). `what` names it in errors. A missing,
 * unreadable or oversized file is a config_error naming the file.
 */
AB_NODISCARD enum ab_rc ab_file_read(const char *path, const char *what,
                                     struct ab_buf *out, struct ab_error *err);

/*
 * Parse JSON text (any value, not only objects). On success *out is a new
 * reference. Invalid JSON is a config_error naming `what`, the file
 * (`path`, may be NULL), line and column; allocation failure is
 * AB_ERR_NOMEM.
 */
AB_NODISCARD enum ab_rc ab_json_parse(const char *text, size_t len,
                                      const char *what, const char *path,
                                      json_t **out, struct ab_error *err);

/*
 * Read a JSON document from `path`. `what` names it in errors ("config",
 * "catalog", "state"). On success *out is a new reference (json_decref).
 * A missing or unreadable file, or invalid JSON, is a config_error that
 * names the file, line and column.
 */
AB_NODISCARD enum ab_rc ab_json_load_file(const char *path, const char *what,
                                          json_t **out, struct ab_error *err);

/*
 * Validate `config` (an object, modified in place: defaults filled)
 * against `schema` (the connectionSpecification). On failure returns
 * AB_ERR_CONFIG with a message like
 *   config key "ssl_mode.ca_certificate" is required for mode "verify_ca"
 * A schema the validator cannot use (a pattern that does not compile, an
 * unknown type name) is AB_ERR_INTERNAL: the spec is broken, not the
 * config. The keyword subset is listed in docs/core.md.
 */
AB_NODISCARD enum ab_rc ab_config_validate(const json_t *schema, json_t *config,
                                           struct ab_error *err);

/* Register the value of every field marked airbyte_secret (found by
 * walking schema and config together, oneOf options included) with the
 * secret registry. */
AB_NODISCARD enum ab_rc ab_config_register_secrets(const json_t *schema,
                                                   const json_t *config);

/* Convenience getters on a validated config (defaults already filled):
 * return the value or `fallback` when the key is absent or null. The
 * string is borrowed from `config`. */
const char *ab_cfg_str(const json_t *config, const char *key,
                       const char *fallback);
int64_t ab_cfg_int(const json_t *config, const char *key, int64_t fallback);
bool ab_cfg_bool(const json_t *config, const char *key, bool fallback);

#endif /* AB_CONFIG_H */
