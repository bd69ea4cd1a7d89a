/*
 * One status enum for the whole project, and an error record that keeps
 * the first failure of a run. Library code returns an ab_rc and fills an
 * ab_error; only the driver (connector.c) turns the record into an Airbyte
 * TRACE and an exit status.
 */
#ifndef AB_RC_H
#define AB_RC_H

#include "ab/setup.h"

#include <stdbool.h>

/* Values are stable: never renumber, only append. */
enum ab_rc {
    AB_OK = 0,
    AB_ERR_NOMEM = 1,     /* allocation failed */
    AB_ERR_USAGE = 2,     /* bad command line */
    AB_ERR_CONFIG = 3,    /* user-fixable configuration problem */
    AB_ERR_IO = 4,        /* local file or pipe I/O failed */
    AB_ERR_OUTPUT = 5,    /* standard output write failed (EPIPE, ENOSPC) */
    AB_ERR_SOURCE = 6,    /* the source system failed (permanent) */
    AB_ERR_TRANSIENT = 7, /* the source failed, a retry may succeed */
    AB_ERR_PARSE = 8,     /* malformed input data */
    AB_ERR_LIMIT = 9,     /* a hard size limit was reached */
    AB_ERR_STOPPED = 10,  /* SIGTERM/SIGINT asked us to stop */
    AB_ERR_INTERNAL = 11  /* a bug: an invariant did not hold */
};

/* Airbyte failure_type of an ERROR trace. */
enum ab_failure {
    AB_FAIL_SYSTEM = 0,   /* "system_error" */
    AB_FAIL_CONFIG = 1,   /* "config_error" */
    AB_FAIL_TRANSIENT = 2 /* "transient_error" */
};

#define AB_ERROR_MESSAGE_MAX 512
#define AB_ERROR_INTERNAL_MAX 1024

/*
 * The first failure of a run. `message` is short, user facing and says
 * what to do; `internal` carries the technical detail (SQL state, call,
 * server text). Caller-owned storage; zero-initialise or ab_error_clear.
 */
struct ab_error {
    enum ab_rc rc;
    enum ab_failure failure;
    bool set;
    char message[AB_ERROR_MESSAGE_MAX];
    char internal[AB_ERROR_INTERNAL_MAX];
};

/* Static text naming a status, e.g. "out of memory". Never NULL. */
const char *ab_rc_str(enum ab_rc rc);

/* Airbyte spelling of a failure type, e.g. "config_error". */
const char *ab_failure_str(enum ab_failure failure);

/* Default failure type for a status (CONFIG -> config_error, TRANSIENT
 * and OUTPUT -> transient_error, everything else -> system_error). */
enum ab_failure ab_rc_failure(enum ab_rc rc);

void ab_error_clear(struct ab_error *err);

/*
 * Record a failure unless one is already recorded (first failure wins:
 * later ones are usually its consequences). `err` may be NULL. Returns
 * `rc` so callers can write `return ab_error_set(...)`. The failure type
 * is ab_rc_failure(rc).
 */
enum ab_rc ab_error_set(struct ab_error *err, enum ab_rc rc, const char *fmt,
                        ...) AB_PRINTF(3, 4);

/* Same, with an explicit failure type. */
enum ab_rc ab_error_setf(struct ab_error *err, enum ab_rc rc,
                         enum ab_failure failure, const char *fmt, ...)
    AB_PRINTF(4, 5);

/* Set the technical detail of the recorded failure (only if `internal`
 * is still empty). */
void ab_error_detail(struct ab_error *err, const char *fmt, ...)
    AB_PRINTF(2, 3);

#endif /* AB_RC_H */
