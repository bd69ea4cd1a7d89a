/*
 * Airbyte protocol messages other than records: LOG, SPEC,
 * CONNECTION_STATUS, CATALOG, TRACE (ERROR, STREAM_STATUS, ESTIMATE) and
 * STATE. Each call builds one compact line and hands it to ab_out. The
 * jansson values passed in are borrowed.
 */
#ifndef AB_MSG_H
#define AB_MSG_H

#include "ab/setup.h"
#include "ab/rc.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum ab_log_level {
    AB_LOG_TRACE = 0,
    AB_LOG_DEBUG = 1,
    AB_LOG_INFO = 2,
    AB_LOG_WARN = 3,
    AB_LOG_ERROR = 4,
    AB_LOG_FATAL = 5
};

enum ab_stream_status {
    AB_STATUS_STARTED = 0,
    AB_STATUS_RUNNING = 1,
    AB_STATUS_COMPLETE = 2,
    AB_STATUS_INCOMPLETE = 3
};

/* Wall-clock milliseconds since the Unix epoch. */
int64_t ab_now_ms(void);

/* Messages below `level` are dropped (default INFO). */
void ab_log_set_level(enum ab_log_level level);
enum ab_log_level ab_log_get_level(void);

/*
 * Emit a LOG message. No trailing newline in `fmt`. Output failures are
 * remembered by ab_out and surface at the next checked write, so logging
 * itself returns nothing. Use the macros: they skip formatting when the
 * level is off.
 */
void ab_log(enum ab_log_level level, const char *fmt, ...) AB_PRINTF(2, 3);
void ab_logv(enum ab_log_level level, const char *fmt, va_list ap)
    AB_PRINTF(2, 0);

#define AB_LOG_AT(lvl, ...)                                                    \
    do {                                                                       \
        if ((lvl) >= ab_log_get_level()) {                                     \
            ab_log((lvl), __VA_ARGS__);                                        \
        }                                                                      \
    } while (0)
#define ab_debug(...) AB_LOG_AT(AB_LOG_DEBUG, __VA_ARGS__)
#define ab_info(...) AB_LOG_AT(AB_LOG_INFO, __VA_ARGS__)
#define ab_warn(...) AB_LOG_AT(AB_LOG_WARN, __VA_ARGS__)
#define ab_log_error(...) AB_LOG_AT(AB_LOG_ERROR, __VA_ARGS__)

/* `spec` is the ConnectorSpecification object. */
AB_NODISCARD enum ab_rc ab_emit_spec(const json_t *spec);

/* CONNECTION_STATUS SUCCEEDED (ok) or FAILED with `message` (may be
 * NULL). */
AB_NODISCARD enum ab_rc ab_emit_connection_status(bool ok, const char *message);

/* `catalog` is an AirbyteCatalog object ({"streams": [...]}). */
AB_NODISCARD enum ab_rc ab_emit_catalog(const json_t *catalog);

/* ERROR trace from the recorded failure; stream name and namespace may be
 * NULL (omitted). */
AB_NODISCARD enum ab_rc ab_emit_error_trace(const struct ab_error *err,
                                            const char *stream, const char *ns);

/* STREAM_STATUS trace; `reasons` (array) may be NULL. */
AB_NODISCARD enum ab_rc ab_emit_stream_status(const char *stream,
                                              const char *ns,
                                              enum ab_stream_status status,
                                              const json_t *reasons);

/* ESTIMATE trace of type STREAM; a negative value is omitted. */
AB_NODISCARD enum ab_rc ab_emit_estimate(const char *stream, const char *ns,
                                         int64_t rows, int64_t bytes);

/* STATE of type STREAM with sourceStats.recordCount; flushes the output
 * so a checkpoint never waits in a buffer. `stream_state` must be an
 * object. */
AB_NODISCARD enum ab_rc ab_emit_state(const char *stream, const char *ns,
                                      const json_t *stream_state,
                                      double record_count);

#endif /* AB_MSG_H */
