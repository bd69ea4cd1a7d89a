/*
 * Column kinds, their JSON schemas, and the conversion of text-protocol
 * values. See types.h for the contract and docs/connectors/source-mysql.md
 * for the mapping table users read.
 */
#include <ab/setup.h>

#include "types.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct kind_name {
    const char *data_type;
    enum sm_kind kind;
};

/* DATA_TYPE values that map directly (the rest need COLUMN_TYPE). */
static const struct kind_name direct_kinds[] = {
    { "smallint", SM_KIND_INT },
    { "mediumint", SM_KIND_INT },
    { "int", SM_KIND_INT },
    { "integer", SM_KIND_INT },
    { "decimal", SM_KIND_DECIMAL },
    { "numeric", SM_KIND_DECIMAL },
    { "float", SM_KIND_FLOAT },
    { "double", SM_KIND_FLOAT },
    { "real", SM_KIND_FLOAT },
    { "binary", SM_KIND_BINARY },
    { "varbinary", SM_KIND_BINARY },
    { "tinyblob", SM_KIND_BINARY },
    { "blob", SM_KIND_BINARY },
    { "mediumblob", SM_KIND_BINARY },
    { "longblob", SM_KIND_BINARY },
    { "date", SM_KIND_DATE },
    { "time", SM_KIND_TIME },
    { "datetime", SM_KIND_DATETIME },
    { "timestamp", SM_KIND_TIMESTAMP },
    { "year", SM_KIND_YEAR },
    { "enum", SM_KIND_ENUM },
    { "set", SM_KIND_SET },
    { "json", SM_KIND_JSON },
    { "geometry", SM_KIND_GEOMETRY },
    { "point", SM_KIND_GEOMETRY },
    { "linestring", SM_KIND_GEOMETRY },
    { "polygon", SM_KIND_GEOMETRY },
    { "multipoint", SM_KIND_GEOMETRY },
    { "multilinestring", SM_KIND_GEOMETRY },
    { "multipolygon", SM_KIND_GEOMETRY },
    { "geometrycollection", SM_KIND_GEOMETRY },
    { "geomcollection", SM_KIND_GEOMETRY },
};

static bool has_prefix_ci(const char *text, const char *prefix)
{
    return text != NULL && strncasecmp(text, prefix, strlen(prefix)) == 0;
}

static bool has_word_ci(const char *text, const char *word)
{
    const char *p = text;
    size_t n = strlen(word);

    while (p != NULL && *p != '\0') {
        if (strncasecmp(p, word, n) == 0) {
            return true;
        }
        p++;
    }
    return false;
}

bool sm_is_char_type(const char *data_type)
{
    static const char *const names[] = { "char", "varchar",    "tinytext",
                                         "text", "mediumtext", "longtext" };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (data_type != NULL && strcasecmp(data_type, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

enum sm_kind sm_kind_of(const struct sm_type_info *info, bool tinyint1_bool)
{
    const char *dt = info->data_type != NULL ? info->data_type : "";
    size_t i;

    if (strcasecmp(dt, "tinyint") == 0) {
        bool one = has_prefix_ci(info->column_type, "tinyint(1)");
        return one && tinyint1_bool ? SM_KIND_BOOL : SM_KIND_INT;
    }
    if (strcasecmp(dt, "bigint") == 0) {
        bool u = has_word_ci(info->column_type, "unsigned");
        return u ? SM_KIND_UINT64 : SM_KIND_INT;
    }
    if (strcasecmp(dt, "bit") == 0) {
        bool one = has_prefix_ci(info->column_type, "bit(1)");
        return one ? SM_KIND_BIT1 : SM_KIND_BITS;
    }
    for (i = 0; i < sizeof(direct_kinds) / sizeof(direct_kinds[0]); i++) {
        if (strcasecmp(dt, direct_kinds[i].data_type) == 0) {
            return direct_kinds[i].kind;
        }
    }
    if (!sm_is_char_type(dt)) {
        /* Types the server prints as text (inet6, uuid, vector, ...). */
        return SM_KIND_STRING;
    }
    if (info->binary_charset) {
        return SM_KIND_BINARY;
    }
    return info->json_check ? SM_KIND_JSON : SM_KIND_STRING;
}

const char *sm_kind_name(enum sm_kind kind)
{
    static const char *const names[] = {
        "integer",    "bigint unsigned",
        "decimal",    "float",
        "tinyint(1)", "bit(1)",
        "bit",        "string",
        "binary",     "date",
        "time",       "datetime",
        "timestamp",  "year",
        "enum",       "set",
        "json",       "geometry",
    };

    if ((size_t)kind < sizeof(names) / sizeof(names[0])) {
        return names[kind];
    }
    return "unknown";
}

/* {"type": T} or {"type": ["null", T]}; new reference. */
static json_t *typed(const char *type, bool nullable)
{
    json_t *t = nullable ? json_pack("[ss]", "null", type) : json_string(type);

    return t != NULL ? json_pack("{so}", "type", t) : NULL;
}

static json_t *timestamp_schema(bool nullable, bool with_tz)
{
    json_t *s = typed("string", nullable);
    const char *at =
        with_tz ? "timestamp_with_timezone" : "timestamp_without_timezone";

    if (s != NULL &&
        (json_object_set_new(s, "format", json_string("date-time")) != 0 ||
         json_object_set_new(s, "airbyte_type", json_string(at)) != 0)) {
        json_decref(s);
        s = NULL;
    }
    return s;
}

static json_t *string_with(bool nullable, const char *key, const char *val)
{
    json_t *s = typed("string", nullable);

    if (s != NULL && json_object_set_new(s, key, json_string(val)) != 0) {
        json_decref(s);
        s = NULL;
    }
    return s;
}

static json_t *set_schema(bool nullable)
{
    json_t *s = typed("array", nullable);

    if (s != NULL &&
        json_object_set_new(s, "items", json_pack("{ss}", "type", "string")) !=
            0) {
        json_decref(s);
        s = NULL;
    }
    return s;
}

json_t *sm_kind_schema(enum sm_kind kind, bool nullable,
                       const struct sm_value_opts *opts)
{
    switch (kind) {
    case SM_KIND_INT:
    case SM_KIND_YEAR:
        return typed("integer", nullable);
    case SM_KIND_UINT64:
    case SM_KIND_DECIMAL:
    case SM_KIND_FLOAT:
        return typed("number", nullable);
    case SM_KIND_BOOL:
    case SM_KIND_BIT1:
        return typed("boolean", nullable);
    case SM_KIND_BITS:
    case SM_KIND_BINARY:
        return string_with(nullable, "contentEncoding", "base64");
    case SM_KIND_DATE:
        return string_with(nullable, "format", "date");
    case SM_KIND_DATETIME:
        return timestamp_schema(nullable, opts->tz.kind != SM_TZ_NONE);
    case SM_KIND_TIMESTAMP:
        return timestamp_schema(nullable, true);
    case SM_KIND_SET:
        return set_schema(nullable);
    case SM_KIND_JSON:
        /* Any JSON value, null included: no fixed type. */
        return json_object();
    case SM_KIND_GEOMETRY:
        return typed("object", nullable);
    case SM_KIND_STRING:
    case SM_KIND_TIME:
    case SM_KIND_ENUM:
    default:
        return typed("string", nullable);
    }
}

json_t *sm_hashed_schema(bool nullable)
{
    return typed("string", nullable);
}

enum sm_lit sm_kind_literal(enum sm_kind kind)
{
    switch (kind) {
    case SM_KIND_INT:
    case SM_KIND_UINT64:
    case SM_KIND_DECIMAL:
    case SM_KIND_FLOAT:
        /* KNOWN-ISSUE(MY-5): a FLOAT key printed as decimal text may not
         * compare equal to the stored value when resuming. */
    case SM_KIND_BOOL:
    case SM_KIND_YEAR:
        return SM_LIT_NUMBER;
    case SM_KIND_DATE:
    case SM_KIND_TIME:
    case SM_KIND_DATETIME:
    case SM_KIND_TIMESTAMP:
        return SM_LIT_TEMPORAL;
    case SM_KIND_STRING:
        return SM_LIT_TEXT;
    case SM_KIND_BINARY:
        return SM_LIT_BINARY;
    default:
        return SM_LIT_NONE;
    }
}

bool sm_kind_cursor_ok(enum sm_kind kind)
{
    switch (kind) {
    case SM_KIND_INT:
    case SM_KIND_UINT64:
    case SM_KIND_DECIMAL:
    case SM_KIND_YEAR:
    case SM_KIND_DATE:
    case SM_KIND_DATETIME:
    case SM_KIND_TIMESTAMP:
    case SM_KIND_STRING:
        return true;
    default:
        return false;
    }
}

/* ---- time zones -------------------------------------------------------- */

static bool parse_offset(const char *t, int *offset_s)
{
    int sign = t[0] == '-' ? -1 : 1;
    int hh = 0;
    int mm = 0;

    if ((t[0] != '+' && t[0] != '-') || strlen(t) != 6 || t[3] != ':' ||
        !isdigit((unsigned char)t[1]) || !isdigit((unsigned char)t[2]) ||
        !isdigit((unsigned char)t[4]) || !isdigit((unsigned char)t[5])) {
        return false;
    }
    hh = (t[1] - '0') * 10 + (t[2] - '0');
    mm = (t[4] - '0') * 10 + (t[5] - '0');
    if (hh > 14 || mm > 59) {
        return false;
    }
    *offset_s = sign * (hh * 3600 + mm * 60);
    return true;
}

/* A zone name is a relative path of [A-Za-z0-9_+-] parts, no "..". */
static bool zone_name_ok(const char *name)
{
    const char *p = name;

    if (*name == '\0' || *name == '/' || strlen(name) >= SM_TZ_NAME_MAX ||
        strstr(name, "..") != NULL) {
        return false;
    }
    for (; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && strchr("_+-/", *p) == NULL) {
            return false;
        }
    }
    return true;
}

/* True when the tzdata file of `name` exists and starts with "TZif". */
static bool zone_file_ok(const char *name)
{
    const char *dir = getenv("TZDIR");
    char path[512];
    char magic[4];
    FILE *f = NULL;
    bool ok = false;

    if (dir == NULL || *dir == '\0') {
        dir = "/usr/share/zoneinfo";
    }
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
        return false;
    }
    f = fopen(path, "rb");
    if (f != NULL) {
        ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
        fclose(f);
    }
    return ok;
}

enum ab_rc sm_tz_parse(const char *text, struct sm_tz *tz, struct ab_error *err)
{
    memset(tz, 0, sizeof(*tz));
    if (text == NULL || *text == '\0') {
        return AB_OK;
    }
    if (strcmp(text, "UTC") == 0 || strcmp(text, "Z") == 0 ||
        strcmp(text, "+00:00") == 0 || strcmp(text, "-00:00") == 0) {
        tz->kind = SM_TZ_UTC;
        return AB_OK;
    }
    if (text[0] == '+' || text[0] == '-') {
        if (!parse_offset(text, &tz->offset_s)) {
            return ab_error_set(err, AB_ERR_CONFIG,
                                "server_time_zone \"%s\" is not a valid "
                                "offset: use +HH:MM or -HH:MM",
                                text);
        }
        tz->kind = tz->offset_s == 0 ? SM_TZ_UTC : SM_TZ_OFFSET;
        return AB_OK;
    }
    if (!zone_name_ok(text) || !zone_file_ok(text)) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "server_time_zone \"%s\" is not a known time "
                            "zone: use UTC, +HH:MM or an IANA name",
                            text);
    }
    tz->kind = SM_TZ_IANA;
    snprintf(tz->name, sizeof(tz->name), "%s", text);
    return AB_OK;
}

void sm_tz_activate(const struct sm_tz *tz)
{
    if (tz->kind == SM_TZ_IANA) {
        setenv("TZ", tz->name, 1);
        tzset();
    }
}

/* ---- dates and times ---------------------------------------------------- */

static bool digits(const char *p, size_t n, int *out)
{
    int v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i])) {
            return false;
        }
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int year, int mon)
{
    static const int days[] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return mon == 2 && leap ? 29 : days[mon - 1];
}

static enum sm_tparse parse_date_part(const char *t, struct sm_civil *c)
{
    if (!digits(t, 4, &c->year) || t[4] != '-' || !digits(t + 5, 2, &c->mon) ||
        t[7] != '-' || !digits(t + 8, 2, &c->day)) {
        return SM_TPARSE_BAD;
    }
    if (c->year == 0 || c->mon == 0 || c->day == 0) {
        return SM_TPARSE_ZERO;
    }
    if (c->mon > 12 || c->day > days_in_month(c->year, c->mon)) {
        /* Only ALLOW_INVALID_DATES stores these: treat like zero. */
        return SM_TPARSE_ZERO;
    }
    return SM_TPARSE_OK;
}

static bool parse_time_part(const char *t, size_t len, struct sm_civil *c)
{
    size_t n = len - 8;

    if (len < 8 || !digits(t, 2, &c->hour) || t[2] != ':' ||
        !digits(t + 3, 2, &c->min) || t[5] != ':' ||
        !digits(t + 6, 2, &c->sec) || c->hour > 23 || c->min > 59 ||
        c->sec > 59) {
        return false;
    }
    if (n == 0) {
        return true;
    }
    if (t[8] != '.' || n < 2 || n > 7) {
        return false;
    }
    memcpy(c->frac, t + 9, n - 1);
    c->frac[n - 1] = '\0';
    return strspn(c->frac, "0123456789") == n - 1;
}

enum sm_tparse sm_parse_civil(const char *text, size_t len, bool want_time,
                              struct sm_civil *out)
{
    enum sm_tparse r = SM_TPARSE_BAD;

    memset(out, 0, sizeof(*out));
    if (len < 10 || (!want_time && len != 10)) {
        return SM_TPARSE_BAD;
    }
    r = parse_date_part(text, out);
    if (r == SM_TPARSE_BAD || !want_time) {
        return r;
    }
    if (len < 19 || (text[10] != ' ' && text[10] != 'T') ||
        !parse_time_part(text + 11, len - 11, out)) {
        return SM_TPARSE_BAD;
    }
    return r;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long days_from_civil(int y, int m, int d)
{
    long long yy = m <= 2 ? y - 1 : y;
    long long era = (yy >= 0 ? yy : yy - 399) / 400;
    long long yoe = yy - era * 400;
    long long doy = (153LL * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, struct sm_civil *c)
{
    long long era = 0;
    long long doe = 0;
    long long yoe = 0;
    long long doy = 0;
    long long mp = 0;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->year = (int)(yoe + era * 400 + (c->mon <= 2 ? 1 : 0));
}

static void civil_set_epoch(struct sm_civil *c, long long secs)
{
    long long days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    long long rem = secs - days * 86400;

    civil_from_days(days, c);
    c->hour = (int)(rem / 3600);
    c->min = (int)(rem % 3600 / 60);
    c->sec = (int)(rem % 60);
}

static long long civil_epoch(const struct sm_civil *c)
{
    return days_from_civil(c->year, c->mon, c->day) * 86400LL +
           c->hour * 3600LL + c->min * 60LL + c->sec;
}

/* Local wall time in the TZ zone -> epoch seconds via mktime.
 * KNOWN-ISSUE(MY-6): a time in the repeated hour when clocks go back is
 * ambiguous and a time in the skipped hour does not exist; the C library
 * picks one reading (tm_isdst = -1). */
static bool iana_epoch(const struct sm_civil *c, long long *out)
{
    struct tm tm;
    time_t t = 0;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = c->year - 1900;
    tm.tm_mon = c->mon - 1;
    tm.tm_mday = c->day;
    tm.tm_hour = c->hour;
    tm.tm_min = c->min;
    tm.tm_sec = c->sec;
    tm.tm_isdst = -1;
    errno = 0;
    t = mktime(&tm);
    if (t == (time_t)-1 && errno != 0) {
        return false;
    }
    *out = (long long)t;
    return true;
}

bool sm_civil_to_utc(struct sm_civil *c, const struct sm_tz *tz)
{
    long long secs = 0;

    switch (tz->kind) {
    case SM_TZ_OFFSET:
        if (tz->offset_s == 0) {
            return true; /* UTC already: nothing to convert */
        }
        secs = civil_epoch(c) - tz->offset_s;
        break;
    case SM_TZ_IANA:
        if (!iana_epoch(c, &secs)) {
            return false;
        }
        break;
    default:
        return true;
    }
    civil_set_epoch(c, secs);
    return c->year >= 1 && c->year <= 9999;
}

static char *put_digits(char *p, int value, int width)
{
    int i;

    for (i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return p + width;
}

/* Hand-formatted: this runs for every temporal value of every row, and
 * snprintf cost more than the rest of the conversion together. */
size_t sm_civil_format(const struct sm_civil *c, bool zulu, char *out)
{
    char *p = out;
    size_t frac = strlen(c->frac);

    p = put_digits(p, c->year, 4);
    *p++ = '-';
    p = put_digits(p, c->mon, 2);
    *p++ = '-';
    p = put_digits(p, c->day, 2);
    *p++ = 'T';
    p = put_digits(p, c->hour, 2);
    *p++ = ':';
    p = put_digits(p, c->min, 2);
    *p++ = ':';
    p = put_digits(p, c->sec, 2);
    if (frac > 0) {
        *p++ = '.';
        memcpy(p, c->frac, frac);
        p += frac;
    }
    if (zulu) {
        *p++ = 'Z';
    }
    *p = '\0';
    return (size_t)(p - out);
}

/* ---- values ------------------------------------------------------------- */

static enum sm_conv write_zero(struct ab_jw *jw, enum sm_kind kind,
                               const struct sm_value_opts *opts)
{
    bool zulu = kind == SM_KIND_TIMESTAMP ||
                (kind == SM_KIND_DATETIME && opts->tz.kind != SM_TZ_NONE);

    if (opts->zero == SM_ZERO_ERROR) {
        return SM_CONV_ZERO_ERROR;
    }
    if (opts->zero == SM_ZERO_NULL) {
        ab_jw_null(jw);
        return SM_CONV_NULLED;
    }
    if (kind == SM_KIND_DATE) {
        ab_jw_str(jw, "1970-01-01");
    } else {
        ab_jw_str(jw, zulu ? "1970-01-01T00:00:00Z" : "1970-01-01T00:00:00");
    }
    return SM_CONV_OK;
}

static enum sm_conv write_temporal(struct ab_jw *jw, enum sm_kind kind,
                                   const char *data, size_t len,
                                   const struct sm_value_opts *opts)
{
    struct sm_civil c;
    char out[32];
    bool is_date = kind == SM_KIND_DATE;
    bool zulu = kind == SM_KIND_TIMESTAMP;
    enum sm_tparse r = sm_parse_civil(data, len, !is_date, &c);

    if (r == SM_TPARSE_ZERO) {
        return write_zero(jw, kind, opts);
    }
    if (r == SM_TPARSE_BAD) {
        ab_jw_null(jw);
        return SM_CONV_NULLED;
    }
    if (is_date) {
        ab_jw_strn(jw, data, 10);
        return SM_CONV_OK;
    }
    if (kind == SM_KIND_DATETIME && opts->tz.kind != SM_TZ_NONE) {
        zulu = true;
        if (!sm_civil_to_utc(&c, &opts->tz)) {
            ab_jw_null(jw);
            return SM_CONV_NULLED;
        }
    }
    ab_jw_strn(jw, out, sm_civil_format(&c, zulu, out));
    return SM_CONV_OK;
}

static enum sm_conv write_set(struct ab_jw *jw, const char *data, size_t len)
{
    bool repaired = false;
    size_t start = 0;
    size_t i;

    ab_jw_arr_open(jw);
    for (i = 0; len > 0 && i <= len; i++) {
        if (i == len || data[i] == ',') {
            repaired |= ab_jw_strn(jw, data + start, i - start);
            start = i + 1;
        }
    }
    ab_jw_arr_close(jw);
    return repaired ? SM_CONV_REPAIRED : SM_CONV_OK;
}

static enum sm_conv write_number(struct ab_jw *jw, const char *data, size_t len)
{
    if (ab_jw_number_text(jw, data, len)) {
        return SM_CONV_OK;
    }
    ab_jw_null(jw);
    return SM_CONV_NULLED;
}

static enum sm_conv write_year(struct ab_jw *jw, const char *data, size_t len)
{
    int year = 0;

    if (len == 0 || len > 4 || !digits(data, len, &year)) {
        ab_jw_null(jw);
        return SM_CONV_NULLED;
    }
    ab_jw_int(jw, year);
    return SM_CONV_OK;
}

static enum sm_conv write_json(struct ab_jw *jw, const char *data, size_t len)
{
    if (ab_jw_raw_json(jw, data, len)) {
        return SM_CONV_OK;
    }
    ab_jw_null(jw);
    return SM_CONV_NULLED;
}

static bool text_is_zero(const char *data, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (data[i] != '0' && data[i] != '-' && data[i] != '.') {
            return false;
        }
    }
    return true;
}

enum sm_conv sm_value_write(struct ab_jw *jw, enum sm_kind kind,
                            const char *data, size_t len,
                            const struct sm_value_opts *opts)
{
    switch (kind) {
    case SM_KIND_INT:
    case SM_KIND_UINT64:
    case SM_KIND_DECIMAL:
    case SM_KIND_FLOAT:
        return write_number(jw, data, len);
    case SM_KIND_YEAR:
        return write_year(jw, data, len);
    case SM_KIND_BOOL:
        ab_jw_bool(jw, !text_is_zero(data, len));
        return SM_CONV_OK;
    case SM_KIND_BIT1:
        ab_jw_bool(jw, len > 0 && data[len - 1] != 0);
        return SM_CONV_OK;
    case SM_KIND_BITS:
    case SM_KIND_BINARY:
        ab_jw_base64(jw, data, len);
        return SM_CONV_OK;
    case SM_KIND_DATE:
    case SM_KIND_DATETIME:
    case SM_KIND_TIMESTAMP:
        return write_temporal(jw, kind, data, len, opts);
    case SM_KIND_SET:
        return write_set(jw, data, len);
    case SM_KIND_JSON:
    case SM_KIND_GEOMETRY:
        return write_json(jw, data, len);
    default:
        return ab_jw_strn(jw, data, len) ? SM_CONV_REPAIRED : SM_CONV_OK;
    }
}
