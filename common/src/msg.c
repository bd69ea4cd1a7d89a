/*
 * Airbyte messages other than RECORD (stream.c writes those). Each
 * message is built with the JSON writer into a private buffer and handed
 * to ab_out as one line. Shapes follow the protocol exactly:
 *   - TRACE emitted_at is a float in ms (1717236001000.0), RECORD's is an
 *     integer (see stream.c);
 *   - sourceStats.recordCount always carries a decimal point;
 *   - a stream without namespace has no "namespace" key at all;
 *   - CONNECTION_STATUS uses the camelCase key connectionStatus.
 */
#include "ab/setup.h"
#include "ab/msg.h"

#include "ab/buf.h"
#include "ab/jsonw.h"
#include "ab/out.h"

#include <stdio.h>
#include <time.h>

/* Ceiling on one message: a catalog of thousands of tables fits. */
#define MSG_MAX ((size_t)64 * 1024 * 1024)

static enum ab_log_level log_level = AB_LOG_INFO;

struct msg {
    struct ab_buf buf;
    struct ab_jw jw;
};

int64_t ab_now_ms(void)
{
    struct timespec ts = { 0, 0 };

    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ab_log_set_level(enum ab_log_level level)
{
    log_level = level;
}

enum ab_log_level ab_log_get_level(void)
{
    return log_level;
}

static void msg_begin(struct msg *m, const char *type)
{
    ab_buf_init(&m->buf, MSG_MAX);
    ab_jw_init(&m->jw, &m->buf);
    ab_jw_obj_open(&m->jw);
    ab_jw_key(&m->jw, "type");
    ab_jw_str(&m->jw, type);
}

/* Close the envelope, hand the line over, release the buffer. */
static enum ab_rc msg_end(struct msg *m)
{
    enum ab_rc rc = AB_OK;

    ab_jw_obj_close(&m->jw);
    rc = ab_jw_rc(&m->jw);
    if (rc == AB_OK && m->jw.depth != 0) {
        rc = AB_ERR_INTERNAL;
    }
    if (rc == AB_OK) {
        rc = ab_out_line(m->buf.data, m->buf.len);
    }
    ab_buf_cleanup(&m->buf);
    return rc;
}

static void trace_begin(struct msg *m, const char *trace_type)
{
    msg_begin(m, "TRACE");
    ab_jw_key(&m->jw, "trace");
    ab_jw_obj_open(&m->jw);
    ab_jw_key(&m->jw, "type");
    ab_jw_str(&m->jw, trace_type);
    ab_jw_key(&m->jw, "emitted_at");
    ab_jw_float(&m->jw, (double)ab_now_ms());
}

static enum ab_rc trace_end(struct msg *m)
{
    ab_jw_obj_close(&m->jw);
    return msg_end(m);
}

static void put_descriptor(struct ab_jw *jw, const char *stream, const char *ns)
{
    ab_jw_key(jw, "stream_descriptor");
    ab_jw_obj_open(jw);
    ab_jw_key(jw, "name");
    ab_jw_str(jw, stream);
    if (ns) {
        ab_jw_key(jw, "namespace");
        ab_jw_str(jw, ns);
    }
    ab_jw_obj_close(jw);
}

static const char *level_name(enum ab_log_level level)
{
    static const char *const names[] = { "TRACE", "DEBUG", "INFO",
                                         "WARN",  "ERROR", "FATAL" };

    if ((unsigned)level > AB_LOG_FATAL) {
        return "INFO";
    }
    return names[level];
}

void ab_logv(enum ab_log_level level, const char *fmt, va_list ap)
{
    struct ab_buf text;
    struct msg m;

    if (level < log_level) {
        return;
    }
    ab_buf_init(&text, MSG_MAX);
    if (ab_buf_appendv(&text, fmt, ap) == AB_OK) {
        msg_begin(&m, "LOG");
        ab_jw_key(&m.jw, "log");
        ab_jw_obj_open(&m.jw);
        ab_jw_key(&m.jw, "level");
        ab_jw_str(&m.jw, level_name(level));
        ab_jw_key(&m.jw, "message");
        (void)ab_jw_strn(&m.jw, text.data, text.len);
        ab_jw_obj_close(&m.jw);
        /* A lost log line is not worth failing for; an output failure
         * stays recorded in ab_out and stops the run at the next
         * checked write. */
        (void)msg_end(&m);
    }
    ab_buf_cleanup(&text);
}

void ab_log(enum ab_log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ab_logv(level, fmt, ap);
    va_end(ap);
}

enum ab_rc ab_emit_spec(const json_t *spec)
{
    struct msg m;

    msg_begin(&m, "SPEC");
    ab_jw_key(&m.jw, "spec");
    ab_jw_json(&m.jw, spec);
    return msg_end(&m);
}

enum ab_rc ab_emit_connection_status(bool ok, const char *message)
{
    struct msg m;

    msg_begin(&m, "CONNECTION_STATUS");
    ab_jw_key(&m.jw, "connectionStatus");
    ab_jw_obj_open(&m.jw);
    ab_jw_key(&m.jw, "status");
    ab_jw_str(&m.jw, ok ? "SUCCEEDED" : "FAILED");
    if (message) {
        ab_jw_key(&m.jw, "message");
        (void)ab_jw_str(&m.jw, message);
    }
    ab_jw_obj_close(&m.jw);
    return msg_end(&m);
}

enum ab_rc ab_emit_catalog(const json_t *catalog)
{
    struct msg m;

    msg_begin(&m, "CATALOG");
    ab_jw_key(&m.jw, "catalog");
    ab_jw_json(&m.jw, catalog);
    return msg_end(&m);
}

enum ab_rc ab_emit_error_trace(const struct ab_error *err, const char *stream,
                               const char *ns)
{
    struct msg m;
    enum ab_rc rc = err && err->set ? err->rc : AB_ERR_INTERNAL;
    const char *text = err && err->set ? err->message : "";

    if (text[0] == '\0') {
        text = ab_rc_str(rc);
    }
    trace_begin(&m, "ERROR");
    ab_jw_key(&m.jw, "error");
    ab_jw_obj_open(&m.jw);
    ab_jw_key(&m.jw, "message");
    (void)ab_jw_str(&m.jw, text);
    if (err && err->internal[0] != '\0') {
        ab_jw_key(&m.jw, "internal_message");
        (void)ab_jw_str(&m.jw, err->internal);
    }
    ab_jw_key(&m.jw, "failure_type");
    ab_jw_str(&m.jw,
              ab_failure_str(err && err->set ? err->failure : AB_FAIL_SYSTEM));
    if (stream) {
        put_descriptor(&m.jw, stream, ns);
    }
    ab_jw_obj_close(&m.jw);
    return trace_end(&m);
}

static const char *status_name(enum ab_stream_status status)
{
    switch (status) {
    case AB_STATUS_STARTED:
        return "STARTED";
    case AB_STATUS_RUNNING:
        return "RUNNING";
    case AB_STATUS_COMPLETE:
        return "COMPLETE";
    case AB_STATUS_INCOMPLETE:
        break;
    }
    return "INCOMPLETE";
}

enum ab_rc ab_emit_stream_status(const char *stream, const char *ns,
                                 enum ab_stream_status status,
                                 const json_t *reasons)
{
    struct msg m;

    trace_begin(&m, "STREAM_STATUS");
    ab_jw_key(&m.jw, "stream_status");
    ab_jw_obj_open(&m.jw);
    put_descriptor(&m.jw, stream, ns);
    ab_jw_key(&m.jw, "status");
    ab_jw_str(&m.jw, status_name(status));
    if (json_is_array(reasons)) {
        ab_jw_key(&m.jw, "reasons");
        ab_jw_json(&m.jw, reasons);
    }
    ab_jw_obj_close(&m.jw);
    return trace_end(&m);
}

enum ab_rc ab_emit_estimate(const char *stream, const char *ns, int64_t rows,
                            int64_t bytes)
{
    struct msg m;

    trace_begin(&m, "ESTIMATE");
    ab_jw_key(&m.jw, "estimate");
    ab_jw_obj_open(&m.jw);
    ab_jw_key(&m.jw, "name");
    ab_jw_str(&m.jw, stream);
    if (ns) {
        ab_jw_key(&m.jw, "namespace");
        ab_jw_str(&m.jw, ns);
    }
    ab_jw_key(&m.jw, "type");
    ab_jw_str(&m.jw, "STREAM");
    if (rows >= 0) {
        ab_jw_key(&m.jw, "row_estimate");
        ab_jw_int(&m.jw, rows);
    }
    if (bytes >= 0) {
        ab_jw_key(&m.jw, "byte_estimate");
        ab_jw_int(&m.jw, bytes);
    }
    ab_jw_obj_close(&m.jw);
    return trace_end(&m);
}

enum ab_rc ab_emit_state(const char *stream, const char *ns,
                         const json_t *stream_state, double record_count)
{
    struct msg m;
    enum ab_rc rc = AB_OK;

    if (!json_is_object(stream_state)) {
        return AB_ERR_INTERNAL;
    }
    msg_begin(&m, "STATE");
    ab_jw_key(&m.jw, "state");
    ab_jw_obj_open(&m.jw);
    ab_jw_key(&m.jw, "type");
    ab_jw_str(&m.jw, "STREAM");
    ab_jw_key(&m.jw, "stream");
    ab_jw_obj_open(&m.jw);
    put_descriptor(&m.jw, stream, ns);
    ab_jw_key(&m.jw, "stream_state");
    ab_jw_json(&m.jw, stream_state);
    ab_jw_obj_close(&m.jw);
    ab_jw_key(&m.jw, "sourceStats");
    ab_jw_obj_open(&m.jw);
    ab_jw_key(&m.jw, "recordCount");
    ab_jw_float(&m.jw, record_count);
    ab_jw_obj_close(&m.jw);
    ab_jw_obj_close(&m.jw);
    rc = msg_end(&m);
    if (rc == AB_OK) {
        rc = ab_out_flush();
    }
    return rc;
}
