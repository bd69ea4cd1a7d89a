/*
 * Configured catalog and input state. Parsing tolerates unknown fields,
 * explicit nulls, a state of `[]` or `null`, and a missing --state file.
 * Each configured stream becomes an ab_stream that the connector reads
 * and that tracks its own checkpoints and status (see stream.h).
 */
#ifndef AB_CATALOG_H
#define AB_CATALOG_H

#include "ab/setup.h"
#include "ab/buf.h"
#include "ab/msg.h"
#include "ab/rc.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ab_sync_mode { AB_SYNC_FULL_REFRESH = 0, AB_SYNC_INCREMENTAL = 1 };

/*
 * One configured stream. Strings and json_t pointers are borrowed from
 * the catalog's JSON document (valid until ab_catalog_cleanup), except
 * `state`, which is a reference the stream owns.
 */
struct ab_stream {
    const char *name;
    const char *ns; /* NULL when the stream has none */
    enum ab_sync_mode sync_mode;
    const json_t *json_schema; /* the (possibly trimmed) schema */
    const json_t *properties;  /* json_schema.properties, or NULL */
    bool source_defined_cursor;
    bool supports_incremental; /* from supported_sync_modes */
    const char **cursor_field; /* resolved path, NULL if none */
    size_t cursor_depth;
    const char ***primary_key; /* array of paths (configured first,
                                * else source-defined) */
    size_t *primary_key_depths;
    size_t primary_key_count;
    json_t *state; /* input stream_state or NULL (owned) */

    /* runtime: maintained by stream.h */
    double records_since_state;
    uint64_t records_total;
    int64_t last_checkpoint_ms;
    bool started;
    bool finished;
    enum ab_stream_status status;
    struct ab_buf record_prefix; /* cached '{"type":"RECORD",...' */
};

struct ab_catalog {
    json_t *root;              /* owned */
    struct ab_stream *streams; /* owned array */
    size_t count;
};

/*
 * Load and check the configured catalog at `path`: streams present, names
 * unique per namespace, sync_mode one of full_refresh/incremental, and
 * the cursor resolved (source-defined cursor, else the configured
 * cursor_field, else default_cursor_field). An invalid sync_mode or a
 * malformed stream is AB_ERR_CONFIG. Incremental streams without any
 * cursor are left with cursor_field NULL: the connector decides whether
 * it can fall back to full refresh (ab_stream_require_cursor).
 */
AB_NODISCARD enum ab_rc ab_catalog_load(const char *path,
                                        struct ab_catalog *catalog,
                                        struct ab_error *err);

/*
 * Attach input state from `path` (may be NULL: no state). The matched
 * stream_state is copied into stream->state. Accepts an
 * array of STREAM state messages (extra keys and nulls ignored), `[]`,
 * `null`, an empty file. Matches by (name, namespace), falling back to
 * name only when the input descriptor has no namespace. A stream_state
 * that is not an object, or a GLOBAL/LEGACY state, is AB_ERR_CONFIG.
 * The CDK sentinels ({"__ab_no_cursor_state_message": true} and
 * {"__ab_full_refresh_sync_complete": true}) are dropped as "no state".
 */
AB_NODISCARD enum ab_rc ab_catalog_load_state(struct ab_catalog *catalog,
                                              const char *path,
                                              struct ab_error *err);

/* Same as ab_catalog_load, from an already parsed document whose
 * reference is taken over (released by ab_catalog_cleanup, or at once on
 * failure); for tests and fuzzing. */
AB_NODISCARD enum ab_rc ab_catalog_from_json(json_t *root_take,
                                             struct ab_catalog *catalog,
                                             struct ab_error *err);
AB_NODISCARD enum ab_rc ab_catalog_state_from_json(struct ab_catalog *catalog,
                                                   const json_t *state,
                                                   struct ab_error *err);

void ab_catalog_cleanup(struct ab_catalog *catalog);

/* True when `field` (a top-level name) is in the stream's schema
 * properties, i.e. the user selected it. A stream whose schema has no
 * properties object selects every field. */
bool ab_stream_has_field(const struct ab_stream *stream, const char *field);

#endif /* AB_CATALOG_H */
