/*
 * Status names and the first-failure error record. The record is filled
 * once per run (curl's failf habit): later failures are usually
 * consequences of the first and would only hide the real cause.
 */
#include "ab/setup.h"
#include "ab/rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ab_rc_str(enum ab_rc rc)
{
    switch (rc) {
    case AB_OK:
        return "success";
    case AB_ERR_NOMEM:
        return "out of memory";
    case AB_ERR_USAGE:
        return "bad command line";
    case AB_ERR_CONFIG:
        return "configuration error";
    case AB_ERR_IO:
        return "input/output error";
    case AB_ERR_OUTPUT:
        return "could not write output";
    case AB_ERR_SOURCE:
        return "source system error";
    case AB_ERR_TRANSIENT:
        return "temporary source error";
    case AB_ERR_PARSE:
        return "malformed input";
    case AB_ERR_LIMIT:
        return "size limit reached";
    case AB_ERR_STOPPED:
        return "stopped by signal";
    case AB_ERR_INTERNAL:
        return "internal error";
    }
    return "unknown status";
}

const char *ab_failure_str(enum ab_failure failure)
{
    switch (failure) {
    case AB_FAIL_CONFIG:
        return "config_error";
    case AB_FAIL_TRANSIENT:
        return "transient_error";
    case AB_FAIL_SYSTEM:
        break;
    }
    return "system_error";
}

enum ab_failure ab_rc_failure(enum ab_rc rc)
{
    switch (rc) {
    case AB_ERR_CONFIG:
    case AB_ERR_USAGE:
        return AB_FAIL_CONFIG;
    case AB_ERR_TRANSIENT:
    case AB_ERR_OUTPUT:
        return AB_FAIL_TRANSIENT;
    default:
        break;
    }
    return AB_FAIL_SYSTEM;
}

void ab_error_clear(struct ab_error *err)
{
    if (err) {
        memset(err, 0, sizeof(*err));
    }
}

static void error_vset(struct ab_error *err, enum ab_rc rc,
                       enum ab_failure failure, const char *fmt, va_list ap)
    AB_PRINTF(4, 0);

static void error_vset(struct ab_error *err, enum ab_rc rc,
                       enum ab_failure failure, const char *fmt, va_list ap)
{
    err->rc = rc;
    err->failure = failure;
    err->set = true;
    (void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
}

enum ab_rc ab_error_set(struct ab_error *err, enum ab_rc rc, const char *fmt,
                        ...)
{
    va_list ap;

    if (!err || err->set) {
        return rc;
    }
    va_start(ap, fmt);
    error_vset(err, rc, ab_rc_failure(rc), fmt, ap);
    va_end(ap);
    return rc;
}

enum ab_rc ab_error_setf(struct ab_error *err, enum ab_rc rc,
                         enum ab_failure failure, const char *fmt, ...)
{
    va_list ap;

    if (!err || err->set) {
        return rc;
    }
    va_start(ap, fmt);
    error_vset(err, rc, failure, fmt, ap);
    va_end(ap);
    return rc;
}

void ab_error_detail(struct ab_error *err, const char *fmt, ...)
{
    va_list ap;

    if (!err || err->internal[0] != '\0') {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(err->internal, sizeof(err->internal), fmt, ap);
    va_end(ap);
}
