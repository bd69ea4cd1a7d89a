/*
 * Fuzz configured-catalog parsing: any JSON document goes through
 * ab_catalog_from_json; a catalog that loads must be usable, so each
 * stream then writes its status traces and one record (to /dev/null),
 * which exercises the cached record prefix with arbitrary names.
 */
#include "fuzz_common.h"

#include "ab/catalog.h"
#include "ab/stream.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

static void use_stream(struct ab_stream *st, struct ab_record *rec)
{
    struct ab_error err;

    ab_error_clear(&err);
    (void)ab_stream_require_cursor(st, &err);
    (void)ab_stream_has_field(st, "id");
    if (ab_stream_begin(st) != AB_OK) {
        abort();
    }
    ab_record_begin(rec, st, 1);
    ab_jw_key(&rec->jw, "id");
    ab_jw_int(&rec->jw, 1);
    if (ab_record_end(rec, st) != AB_OK || ab_stream_complete(st) != AB_OK) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *root = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    struct ab_catalog catalog;
    struct ab_record rec;
    struct ab_error err;
    size_t i = 0;

    if (!root) {
        return 0;
    }
    ab_error_clear(&err);
    if (ab_catalog_from_json(root, &catalog, &err) != AB_OK) {
        if (!err.set) {
            abort();
        }
        return 0;
    }
    ab_record_init(&rec);
    for (i = 0; i < catalog.count; i++) {
        use_stream(&catalog.streams[i], &rec);
    }
    ab_record_cleanup(&rec);
    ab_catalog_cleanup(&catalog);
    return 0;
}
