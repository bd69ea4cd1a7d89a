/*
 * Fuzz input state parsing against a fixed catalog with namespaced,
 * plain and same-named streams. Any bytes are parsed as the state file
 * would be; attached state must always be an object.
 */
#include "fuzz_common.h"

#include "ab/catalog.h"
#include "ab/config.h"

static const char catalog_text[] =
    "{\"streams\":["
    "{\"stream\":{\"name\":\"orders\",\"namespace\":\"shop\"},"
    "\"sync_mode\":\"incremental\",\"cursor_field\":[\"ts\"]},"
    "{\"stream\":{\"name\":\"orders\",\"namespace\":\"archive\"}},"
    "{\"stream\":{\"name\":\"users\"}}]}";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ab_catalog catalog;
    struct ab_error err;
    json_t *state = NULL;
    size_t i = 0;

    ab_error_clear(&err);
    if (ab_catalog_from_json(json_loads(catalog_text, 0, NULL), &catalog,
                             &err) != AB_OK) {
        abort();
    }
    if (ab_json_parse((const char *)data, size, "state", NULL, &state, &err) ==
            AB_OK &&
        ab_catalog_state_from_json(&catalog, state, &err) == AB_OK) {
        for (i = 0; i < catalog.count; i++) {
            if (catalog.streams[i].state &&
                !json_is_object(catalog.streams[i].state)) {
                abort();
            }
        }
    } else if (!err.set) {
        abort();
    }
    json_decref(state);
    ab_catalog_cleanup(&catalog);
    return 0;
}
