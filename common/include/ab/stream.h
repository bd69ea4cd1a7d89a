/*
 * Per-stream runtime: status traces, records, checkpoints.
 *
 * Order of calls for one stream:
 *   ab_stream_begin           STARTED, then RUNNING (CAT wants RUNNING
 *                             even for an empty stream)
 *   ab_record_begin/..._end   per row
 *   ab_stream_checkpoint_due  after each row; when true the connector
 *                             builds its state and calls
 *   ab_stream_checkpoint      STATE with sourceStats.recordCount
 *   ab_stream_complete        final STATE must be emitted before this
 *   or ab_stream_incomplete   on failure or stop
 *
 * The checkpoint policy (every N records or T seconds, whichever comes
 * first) is process-wide, set once by the driver from the config keys
 * checkpoint_interval_records and checkpoint_interval_seconds.
 */
#ifndef AB_STREAM_H
#define AB_STREAM_H

#include "ab/setup.h"
#include "ab/catalog.h"
#include "ab/jsonw.h"
#include "ab/rc.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define AB_CHECKPOINT_RECORDS_DEFAULT 10000
#define AB_CHECKPOINT_SECONDS_DEFAULT 300

void ab_checkpoint_policy_set(uint64_t every_records, double every_seconds);

AB_NODISCARD enum ab_rc ab_stream_begin(struct ab_stream *stream);

/* The configured cursor, or a config_error naming the stream. For
 * full-refresh streams returns AB_OK even without a cursor. */
AB_NODISCARD enum ab_rc ab_stream_require_cursor(const struct ab_stream *st,
                                                 struct ab_error *err);

/* Record change reasons this project uses (Airbyte enum values). */
enum ab_change { AB_CHANGE_NULLED = 0, AB_CHANGE_TRUNCATED = 1 };
enum ab_change_reason {
    AB_REASON_SOURCE_SERIALIZATION_ERROR = 0,
    AB_REASON_SOURCE_FIELD_SIZE_LIMITATION = 1,
    AB_REASON_SOURCE_RECORD_SIZE_LIMITATION = 2,
    AB_REASON_SOURCE_RETRIEVAL_ERROR = 3
};

#define AB_RECORD_MAX_CHANGES 64
/* Ceiling of one RECORD line. The platform warns from 20 MB on; past
 * this ceiling ab_record_end fails with AB_ERR_LIMIT and the connector
 * can write the row again with the largest values nulled. */
#define AB_RECORD_MAX_BYTES ((size_t)64 * 1024 * 1024)

/*
 * A record under construction. One per connector read loop, reused for
 * every row (buffers keep their memory). Writing a field:
 *   ab_jw_key(&rec->jw, "name"); ab_jw_str(&rec->jw, value);
 */
struct ab_record {
    struct ab_buf line;
    struct ab_jw jw;
    struct ab_buf changes; /* serialised meta.changes items */
    unsigned change_count;
};

void ab_record_init(struct ab_record *rec);
void ab_record_cleanup(struct ab_record *rec);

/* Start a RECORD line for `stream` and open `data`. `emitted_at_ms` is
 * the extraction time; 0 or less means now. Failures are sticky in
 * rec->jw and reported by ab_record_end. */
void ab_record_begin(struct ab_record *rec, struct ab_stream *stream,
                     int64_t emitted_at_ms);

/* Note a change for meta.changes; `field` is the top-level field name
 * (copied). Changes past AB_RECORD_MAX_CHANGES are counted, not listed. */
void ab_record_change(struct ab_record *rec, const char *field,
                      enum ab_change change, enum ab_change_reason reason);

/* Invalid UTF-8 replaced by U+FFFD in `field`: recorded in meta.changes
 * as change TRUNCATED, reason SOURCE_SERIALIZATION_ERROR (the closest
 * pair the protocol's enums allow; documented in docs/core.md). */
void ab_record_note_repair(struct ab_record *rec, const char *field);

/* Close data, add meta if there were changes, and hand the line to
 * ab_out. Counts the record on the stream. */
AB_NODISCARD enum ab_rc ab_record_end(struct ab_record *rec,
                                      struct ab_stream *stream);

/* True when the policy says a checkpoint is due (cheap: the clock is read
 * only every 256 records). */
bool ab_stream_checkpoint_due(struct ab_stream *stream);

/* Emit STATE for the stream with the records counted since the previous
 * one, reset the counter. `stream_state` is borrowed. */
AB_NODISCARD enum ab_rc ab_stream_checkpoint(struct ab_stream *stream,
                                             const json_t *stream_state);

/* COMPLETE status; the stream is finished. */
AB_NODISCARD enum ab_rc ab_stream_complete(struct ab_stream *stream);

/* INCOMPLETE status (with optional reasons array, borrowed). */
AB_NODISCARD enum ab_rc ab_stream_incomplete(struct ab_stream *stream,
                                             const json_t *reasons);

#endif /* AB_STREAM_H */
