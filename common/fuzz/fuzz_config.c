/*
 * Fuzz the config validator. An input of the form
 * {"schema": S, "config": C} validates C against S, so the fuzzer also
 * explores odd schemas; any other JSON value is validated as a config
 * against a spec shaped like a database source's. Validation must end
 * with a status, never a crash, a leak or unbounded recursion; a config
 * that validated must validate again (defaults are idempotent).
 */
#include "fuzz_common.h"

#include "ab/config.h"
#include "ab/secret.h"

#include <stdbool.h>
#include <string.h>

static const char spec_text[] =
    "{\"type\":\"object\",\"required\":[\"host\",\"port\",\"username\"],"
    "\"properties\":{"
    "\"host\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255},"
    "\"port\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65535,"
    "\"default\":3306},"
    "\"username\":{\"type\":\"string\"},"
    "\"password\":{\"type\":[\"string\",\"null\"],\"airbyte_secret\":true},"
    "\"start_date\":{\"type\":\"string\",\"pattern\":"
    "\"^[0-9]{4}-[0-9]{2}-[0-9]{2}$\"},"
    "\"method\":{\"type\":\"string\",\"enum\":[\"STANDARD\",\"CDC\"]},"
    "\"tables\":{\"type\":\"array\",\"maxItems\":5,\"items\":"
    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
    "\"key\":{\"type\":\"string\",\"airbyte_secret\":true}}}},"
    "\"ssl_mode\":{\"type\":\"object\",\"oneOf\":["
    "{\"required\":[\"mode\"],\"properties\":{\"mode\":{\"const\":"
    "\"preferred\"}}},"
    "{\"required\":[\"mode\",\"ca\"],\"properties\":{\"mode\":{\"const\":"
    "\"verify_ca\"},\"ca\":{\"type\":\"string\",\"airbyte_secret\":true,"
    "\"default\":\"x\"}}}]},"
    "\"auth\":{\"oneOf\":[{\"type\":\"object\",\"required\":[\"token\"]},"
    "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"number\","
    "\"exclusiveMinimum\":0,\"default\":1}}}]}}}";

static json_t *spec;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    spec = json_loads(spec_text, 0, NULL);
    if (!spec) {
        abort();
    }
    return 0;
}

static bool has_pattern_key(const uint8_t *data, size_t size)
{
    static const char word[] = "pattern";
    size_t i = 0;

    for (i = 0; i + sizeof(word) - 1 <= size; i++) {
        if (memcmp(data + i, word, sizeof(word) - 1) == 0) {
            return true;
        }
    }
    return false;
}

static void validate(const json_t *schema, json_t *config)
{
    struct ab_error err;
    enum ab_rc rc = AB_OK;

    ab_error_clear(&err);
    rc = ab_config_validate(schema, config, &err);
    if (rc != AB_OK && !err.set && rc != AB_ERR_NOMEM) {
        abort(); /* every failure must say why */
    }
    if (rc == AB_OK) {
        if (ab_config_validate(schema, config, &err) != AB_OK) {
            abort();
        }
        if (ab_config_register_secrets(schema, config) != AB_OK) {
            abort();
        }
    }
    ab_secret_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    json_t *schema = json_object_get(doc, "schema");
    json_t *config = json_object_get(doc, "config");

    if (!doc) {
        return 0;
    }
    /* Spec patterns are trusted text; a fuzzed POSIX regex can make
     * regcomp take exponential time, which tells us nothing. */
    if (schema && config) {
        if (!has_pattern_key(data, size)) {
            validate(schema, config);
        }
    } else {
        validate(spec, doc);
    }
    json_decref(doc);
    return 0;
}
