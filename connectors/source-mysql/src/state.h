/*
 * Per-stream state: where a read resumes. The same struct holds the input
 * state after parsing and the live position while rows are read, and the
 * STATE messages are built from it.
 *
 *   full refresh, resumable:  {"version":1,"mode":"full_refresh",
 *                              "pk":{"id":"123"}}
 *   full refresh, finished:   {"version":1,"mode":"full_refresh",
 *                              "done":true}
 *   incremental:              {"version":1,"mode":"incremental",
 *                              "cursor_field":"updated_at",
 *                              "cursor":"2024-05-01 10:15:00.000000",
 *                              "pk":{"id":"123"}}
 *
 * Values are the server's text form; binary key columns are stored as
 * lower-case hex. "nulls_done":true (incremental) says rows with a NULL
 * cursor were all read; "cursor" absent and "nulls_done" absent means
 * the read is still among them.
 */
#ifndef SM_STATE_H
#define SM_STATE_H

#include <ab/setup.h>
#include <ab/buf.h>
#include <ab/rc.h>

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define SM_STATE_VERSION 1
#define SM_VALUE_MAX (16u * 1024u * 1024u)

enum sm_mode { SM_MODE_NONE = 0, SM_MODE_FULL = 1, SM_MODE_INCR = 2 };

struct sm_state {
    enum sm_mode mode;
    bool done;       /* full refresh finished */
    bool nulls_done; /* incremental: NULL-cursor rows all read */
    bool has_cursor;
    bool has_pk;
    char *cursor_field; /* owned, NULL when absent */
    struct ab_buf cursor;
    size_t pk_count;
    char **pk_names;          /* owned */
    struct ab_buf *pk_values; /* owned, pk_count entries */
};

void sm_state_init(struct sm_state *st);
void sm_state_cleanup(struct sm_state *st);

/*
 * Parse an input stream_state (borrowed; NULL means none). Accepts this
 * connector's format and the short form {"cursor_field":..,"cursor":..}
 * (no version or mode: incremental). Key values may be strings or
 * integers. Anything else is a config_error naming `stream`.
 */
AB_NODISCARD enum ab_rc sm_state_parse(const json_t *in, const char *stream,
                                       struct sm_state *st,
                                       struct ab_error *err);

/* Set the key column names (copied) and clear their values. */
AB_NODISCARD enum ab_rc
sm_state_set_keys(struct sm_state *st, const char *const *names, size_t count);

/* True when the state's key names equal names[0..count) in order. */
bool sm_state_keys_match(const struct sm_state *st, const char *const *names,
                         size_t count);

/* Set the cursor field (copied). */
AB_NODISCARD enum ab_rc sm_state_set_cursor_field(struct sm_state *st,
                                                  const char *field);

/* Forget the position (keeps mode, key names and cursor field). */
void sm_state_reset_position(struct sm_state *st);

/* The STATE object (new reference, NULL when out of memory or when a
 * value is not valid UTF-8). */
json_t *sm_state_build(const struct sm_state *st);

#endif /* SM_STATE_H */
