/*
 * Per-stream runtime: status traces, RECORD lines, checkpoints.
 *
 * A record line is assembled in one reusable buffer: the stream's cached
 * prefix ('{"type":"RECORD","record":{"stream":"s","namespace":"n",
 * "emitted_at":', escaped once when the stream begins), the integer
 * emitted_at, then the data object written by the connector through the
 * JSON writer, then meta.changes when a value had to be changed. Nothing
 * is allocated per row once the buffers have grown.
 */
#include "ab/setup.h"
#include "ab/stream.h"

#include "ab/msg.h"
#include "ab/out.h"

#include <string.h>

#define PREFIX_MAX ((size_t)64 * 1024)
#define CHANGES_MAX ((size_t)256 * 1024)
/* The clock is read once per this many records. */
#define CLOCK_EVERY 256

static uint64_t policy_records = AB_CHECKPOINT_RECORDS_DEFAULT;
static double policy_seconds = AB_CHECKPOINT_SECONDS_DEFAULT;

void ab_checkpoint_policy_set(uint64_t every_records, double every_seconds)
{
    policy_records = every_records;
    policy_seconds = every_seconds;
}

static enum ab_rc build_prefix(struct ab_stream *st)
{
    struct ab_buf *buf = &st->record_prefix;
    struct ab_jw jw;
    enum ab_rc rc = AB_OK;

    if (buf->max == 0) {
        buf->max = PREFIX_MAX; /* a zeroed stream is usable too */
    }
    ab_buf_reset(buf);
    ab_jw_init(&jw, buf);
    rc = ab_buf_append_str(buf, "{\"type\":\"RECORD\",\"record\":{\"stream\":");
    if (rc == AB_OK) {
        (void)ab_jw_str(&jw, st->name);
        rc = ab_jw_rc(&jw);
    }
    if (rc == AB_OK && st->ns) {
        jw.need_comma[0] = false;
        rc = ab_buf_append_str(buf, ",\"namespace\":");
        (void)ab_jw_str(&jw, st->ns);
        rc = rc == AB_OK ? ab_jw_rc(&jw) : rc;
    }
    if (rc == AB_OK) {
        rc = ab_buf_append_str(buf, ",\"emitted_at\":");
    }
    if (rc != AB_OK) {
        ab_buf_reset(buf);
    }
    return rc;
}

enum ab_rc ab_stream_begin(struct ab_stream *stream)
{
    enum ab_rc rc = AB_OK;

    if (stream->started) {
        return AB_ERR_INTERNAL;
    }
    rc = build_prefix(stream);
    if (rc == AB_OK) {
        rc = ab_emit_stream_status(stream->name, stream->ns, AB_STATUS_STARTED,
                                   NULL);
    }
    if (rc != AB_OK) {
        return rc;
    }
    stream->started = true;
    stream->status = AB_STATUS_STARTED;
    stream->records_since_state = 0;
    stream->last_checkpoint_ms = ab_now_ms();
    rc = ab_emit_stream_status(stream->name, stream->ns, AB_STATUS_RUNNING,
                               NULL);
    if (rc == AB_OK) {
        stream->status = AB_STATUS_RUNNING;
    }
    return rc;
}

enum ab_rc ab_stream_require_cursor(const struct ab_stream *st,
                                    struct ab_error *err)
{
    if (st->sync_mode != AB_SYNC_INCREMENTAL || st->cursor_field) {
        return AB_OK;
    }
    return ab_error_set(err, AB_ERR_CONFIG,
                        "stream \"%s\" is configured as incremental but has "
                        "no cursor field; set cursor_field in the catalog",
                        st->name);
}

/* ---- records ------------------------------------------------------------ */

void ab_record_init(struct ab_record *rec)
{
    ab_buf_init(&rec->line, AB_RECORD_MAX_BYTES);
    ab_jw_init(&rec->jw, &rec->line);
    ab_buf_init(&rec->changes, CHANGES_MAX);
    rec->change_count = 0;
}

void ab_record_cleanup(struct ab_record *rec)
{
    ab_buf_cleanup(&rec->line);
    ab_buf_cleanup(&rec->changes);
    rec->change_count = 0;
}

void ab_record_begin(struct ab_record *rec, struct ab_stream *stream,
                     int64_t emitted_at_ms)
{
    char ms[AB_I64_TEXT_MAX];
    size_t n = 0;
    enum ab_rc rc = AB_OK;

    ab_buf_reset(&rec->line);
    ab_buf_reset(&rec->changes);
    rec->change_count = 0;
    ab_jw_init(&rec->jw, &rec->line);
    if (stream->record_prefix.len == 0) {
        rc = build_prefix(stream);
    }
    n = ab_i64_text(emitted_at_ms > 0 ? emitted_at_ms : ab_now_ms(), ms);
    if (rc == AB_OK) {
        rc = ab_buf_append(&rec->line, stream->record_prefix.data,
                           stream->record_prefix.len);
    }
    if (rc == AB_OK) {
        rc = ab_buf_append(&rec->line, ms, n);
    }
    if (rc == AB_OK) {
        rc = ab_buf_append_str(&rec->line, ",\"data\":");
    }
    if (rc != AB_OK) {
        rec->jw.rc = rc;
        return;
    }
    ab_jw_obj_open(&rec->jw);
}

static const char *change_name(enum ab_change change)
{
    return change == AB_CHANGE_TRUNCATED ? "TRUNCATED" : "NULLED";
}

static const char *reason_name(enum ab_change_reason reason)
{
    switch (reason) {
    case AB_REASON_SOURCE_FIELD_SIZE_LIMITATION:
        return "SOURCE_FIELD_SIZE_LIMITATION";
    case AB_REASON_SOURCE_RECORD_SIZE_LIMITATION:
        return "SOURCE_RECORD_SIZE_LIMITATION";
    case AB_REASON_SOURCE_RETRIEVAL_ERROR:
        return "SOURCE_RETRIEVAL_ERROR";
    case AB_REASON_SOURCE_SERIALIZATION_ERROR:
        break;
    }
    return "SOURCE_SERIALIZATION_ERROR";
}

void ab_record_change(struct ab_record *rec, const char *field,
                      enum ab_change change, enum ab_change_reason reason)
{
    struct ab_jw jw;

    rec->change_count++;
    if (rec->change_count > AB_RECORD_MAX_CHANGES) {
        return;
    }
    ab_jw_init(&jw, &rec->changes);
    jw.need_comma[0] = rec->change_count > 1;
    ab_jw_obj_open(&jw);
    ab_jw_key(&jw, "field");
    (void)ab_jw_str(&jw, field);
    ab_jw_key(&jw, "change");
    ab_jw_str(&jw, change_name(change));
    ab_jw_key(&jw, "reason");
    ab_jw_str(&jw, reason_name(reason));
    ab_jw_obj_close(&jw);
    if (ab_jw_rc(&jw) != AB_OK && rec->jw.rc == AB_OK) {
        rec->jw.rc = ab_jw_rc(&jw); /* surfaces at ab_record_end */
    }
}

void ab_record_note_repair(struct ab_record *rec, const char *field)
{
    ab_record_change(rec, field, AB_CHANGE_TRUNCATED,
                     AB_REASON_SOURCE_SERIALIZATION_ERROR);
}

static enum ab_rc close_record(struct ab_record *rec)
{
    enum ab_rc rc = AB_OK;

    if (rec->jw.depth != 1 || rec->jw.after_key) {
        return AB_ERR_INTERNAL; /* data object not balanced */
    }
    ab_jw_obj_close(&rec->jw);
    rc = ab_jw_rc(&rec->jw);
    if (rc == AB_OK && rec->change_count > 0) {
        rc = ab_buf_append_str(&rec->line, ",\"meta\":{\"changes\":[");
        if (rc == AB_OK) {
            rc = ab_buf_append(&rec->line, rec->changes.data, rec->changes.len);
        }
        if (rc == AB_OK) {
            rc = ab_buf_append_str(&rec->line, "]}");
        }
    }
    if (rc == AB_OK) {
        rc = ab_buf_append_str(&rec->line, "}}");
    }
    return rc;
}

enum ab_rc ab_record_end(struct ab_record *rec, struct ab_stream *stream)
{
    enum ab_rc rc = ab_jw_rc(&rec->jw);

    if (rc == AB_OK) {
        rc = close_record(rec);
    }
    if (rc == AB_OK) {
        rc = ab_out_line(rec->line.data, rec->line.len);
    }
    if (rc == AB_OK) {
        stream->records_since_state += 1;
        stream->records_total++;
    }
    return rc;
}

/* ---- checkpoints and the end of a stream ------------------------------- */

bool ab_stream_checkpoint_due(struct ab_stream *stream)
{
    int64_t elapsed = 0;

    if (stream->records_since_state <= 0) {
        return false;
    }
    if (policy_records > 0 &&
        stream->records_since_state >= (double)policy_records) {
        return true;
    }
    if (policy_seconds <= 0 || stream->records_total % CLOCK_EVERY != 0) {
        return false;
    }
    elapsed = ab_now_ms() - stream->last_checkpoint_ms;
    return (double)elapsed >= policy_seconds * 1000.0;
}

enum ab_rc ab_stream_checkpoint(struct ab_stream *stream,
                                const json_t *stream_state)
{
    enum ab_rc rc = ab_emit_state(stream->name, stream->ns, stream_state,
                                  stream->records_since_state);

    if (rc == AB_OK) {
        stream->records_since_state = 0;
        stream->last_checkpoint_ms = ab_now_ms();
    }
    return rc;
}

enum ab_rc ab_stream_complete(struct ab_stream *stream)
{
    enum ab_rc rc = AB_OK;

    if (!stream->started || stream->finished) {
        return AB_ERR_INTERNAL;
    }
    rc = ab_emit_stream_status(stream->name, stream->ns, AB_STATUS_COMPLETE,
                               NULL);
    if (rc == AB_OK) {
        stream->finished = true;
        stream->status = AB_STATUS_COMPLETE;
    }
    return rc;
}

enum ab_rc ab_stream_incomplete(struct ab_stream *stream, const json_t *reasons)
{
    enum ab_rc rc = AB_OK;

    if (stream->finished) {
        return AB_ERR_INTERNAL;
    }
    /* Marked finished first: if output is broken there is no point in a
     * second attempt from the driver. */
    stream->finished = true;
    stream->status = AB_STATUS_INCOMPLETE;
    rc = ab_emit_stream_status(stream->name, stream->ns, AB_STATUS_INCOMPLETE,
                               reasons);
    return rc;
}
