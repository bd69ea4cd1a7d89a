/*
 * Column types: how a MySQL/MariaDB column (information_schema facts plus
 * the result metadata) becomes a JSON schema in discover and a JSON value
 * in read. Both directions go through the same `enum sm_kind`, so the
 * schema a stream announces and the values it emits cannot drift apart.
 * Values arrive in the text protocol (mysql_use_result rows); every
 * conversion here is a pure function of the bytes and the options.
 */
#ifndef SM_TYPES_H
#define SM_TYPES_H

#include <ab/setup.h>
#include <ab/jsonw.h>
#include <ab/rc.h>

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum sm_kind {
    SM_KIND_INT = 0,   /* signed ints, unsigned up to INT: integer */
    SM_KIND_UINT64,    /* BIGINT UNSIGNED: number with exact digits */
    SM_KIND_DECIMAL,   /* DECIMAL/NUMERIC: number with exact digits */
    SM_KIND_FLOAT,     /* FLOAT/DOUBLE: number (server text) */
    SM_KIND_BOOL,      /* TINYINT(1) read as boolean */
    SM_KIND_BIT1,      /* BIT(1): boolean */
    SM_KIND_BITS,      /* BIT(n>1): base64 */
    SM_KIND_STRING,    /* character data, ENUM-like text types */
    SM_KIND_BINARY,    /* BINARY/VARBINARY/BLOB: base64 */
    SM_KIND_DATE,      /* DATE: "YYYY-MM-DD" */
    SM_KIND_TIME,      /* TIME: plain string, may be negative */
    SM_KIND_DATETIME,  /* DATETIME: timestamp, see struct sm_tz */
    SM_KIND_TIMESTAMP, /* TIMESTAMP: UTC timestamp with "Z" */
    SM_KIND_YEAR,      /* YEAR: integer */
    SM_KIND_ENUM,      /* ENUM: string */
    SM_KIND_SET,       /* SET: array of strings */
    SM_KIND_JSON,      /* JSON (or MariaDB longtext + json_valid) */
    SM_KIND_GEOMETRY   /* spatial: GeoJSON object via ST_AsGeoJSON */
};

enum sm_zero_policy {
    SM_ZERO_NULL = 0,  /* null + meta.changes NULLED */
    SM_ZERO_EPOCH = 1, /* 1970-01-01 */
    SM_ZERO_ERROR = 2  /* the sync fails */
};

enum sm_tz_kind {
    SM_TZ_NONE = 0,   /* DATETIME is naive: timestamp_without_timezone */
    SM_TZ_UTC = 1,    /* DATETIME already in UTC */
    SM_TZ_OFFSET = 2, /* fixed offset such as +10:00 */
    SM_TZ_IANA = 3    /* a tzdata zone, converted with the C library */
};

#define SM_TZ_NAME_MAX 64

struct sm_tz {
    enum sm_tz_kind kind;
    int offset_s; /* SM_TZ_OFFSET: seconds east of UTC */
    char name[SM_TZ_NAME_MAX];
};

/* Options that change values; part of the connector options. */
struct sm_value_opts {
    enum sm_zero_policy zero;
    struct sm_tz tz;
    bool tinyint1_bool;
};

/* information_schema.COLUMNS facts about one column (borrowed). */
struct sm_type_info {
    const char *data_type;   /* DATA_TYPE, e.g. "bigint" */
    const char *column_type; /* COLUMN_TYPE, e.g. "bigint(20) unsigned" */
    bool binary_charset;     /* no character set (binary data) */
    bool json_check;         /* MariaDB CHECK (json_valid(`col`)) */
};

/* True for CHAR, VARCHAR and the TEXT types (character data). */
bool sm_is_char_type(const char *data_type);

/* The kind of a column. Unknown types are read as strings. */
enum sm_kind sm_kind_of(const struct sm_type_info *info, bool tinyint1_bool);

/* Short name for logs and errors, e.g. "datetime". Never NULL. */
const char *sm_kind_name(enum sm_kind kind);

/*
 * The JSON schema of a column of `kind` (new reference, NULL when out of
 * memory). Nullable columns get ["null", T]. DATETIME depends on
 * opts->tz.
 */
json_t *sm_kind_schema(enum sm_kind kind, bool nullable,
                       const struct sm_value_opts *opts);

/* Schema of a hashed column: a nullable or plain string. New reference. */
json_t *sm_hashed_schema(bool nullable);

/* How a value of this kind is written back into SQL (cursor, keys). */
enum sm_lit {
    SM_LIT_NONE = 0, /* not usable as a cursor or key */
    SM_LIT_NUMBER,   /* validated numeric literal, unquoted */
    SM_LIT_TEMPORAL, /* validated date/time text, quoted */
    SM_LIT_TEXT,     /* any text, as a _utf8mb4 hex literal */
    SM_LIT_BINARY    /* hex text in the state, X'..' literal */
};

enum sm_lit sm_kind_literal(enum sm_kind kind);

/* True when a column of this kind may be an incremental cursor
 * (datetime, date, timestamp, integer, decimal, text). */
bool sm_kind_cursor_ok(enum sm_kind kind);

/* Outcome of writing one value. */
enum sm_conv {
    SM_CONV_OK = 0,
    SM_CONV_NULLED,    /* written as null: record a NULLED change */
    SM_CONV_REPAIRED,  /* invalid UTF-8 replaced: note the repair */
    SM_CONV_ZERO_ERROR /* zero date and zero_date_policy is "error" */
};

/*
 * Write the JSON value of a non-NULL column value data[0..len) (text
 * protocol) of `kind` into `jw` (the key is already written). On
 * SM_CONV_ZERO_ERROR nothing is written and the record must be dropped.
 */
enum sm_conv sm_value_write(struct ab_jw *jw, enum sm_kind kind,
                            const char *data, size_t len,
                            const struct sm_value_opts *opts);

/*
 * Parse server_time_zone: NULL or "" -> SM_TZ_NONE; "UTC"/"Z"/"+00:00"
 * -> SM_TZ_UTC; "+HH:MM"/"-HH:MM" -> SM_TZ_OFFSET; otherwise an IANA
 * name that must exist in the tzdata directory ($TZDIR or
 * /usr/share/zoneinfo). An invalid value is a config_error.
 */
AB_NODISCARD enum ab_rc sm_tz_parse(const char *text, struct sm_tz *tz,
                                    struct ab_error *err);

/* Make the C library use an SM_TZ_IANA zone (sets TZ and calls tzset);
 * a no-op for the other kinds. Call once before reading. */
void sm_tz_activate(const struct sm_tz *tz);

/* A broken-down date and time as the server prints it. */
struct sm_civil {
    int year, mon, day, hour, min, sec;
    char frac[7]; /* fractional digits as sent, NUL-terminated */
};

enum sm_tparse {
    SM_TPARSE_OK = 0,
    SM_TPARSE_ZERO, /* zero or partial date, e.g. 0000-00-00, 2024-00-10 */
    SM_TPARSE_BAD   /* not a date the server would print */
};

/* Parse "YYYY-MM-DD" (want_time false) or "YYYY-MM-DD HH:MM:SS[.f]". */
enum sm_tparse sm_parse_civil(const char *text, size_t len, bool want_time,
                              struct sm_civil *out);

/*
 * Convert a DATETIME in zone `tz` to UTC in place. Returns false when the
 * result is outside years 1..9999 or the C library cannot convert it.
 */
bool sm_civil_to_utc(struct sm_civil *c, const struct sm_tz *tz);

/* Format as "YYYY-MM-DDTHH:MM:SS[.frac][Z]" into out (>= 32 bytes);
 * returns the length. */
size_t sm_civil_format(const struct sm_civil *c, bool zulu, char *out);

#endif /* SM_TYPES_H */
