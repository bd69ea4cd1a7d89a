/* Unit tests of column kinds, schemas and value conversion (types.c). */
#include "sm_test.h"

#include "types.h"

#include <stdlib.h>

static struct sm_value_opts opts_tz(enum sm_tz_kind kind, int offset,
                                    const char *name)
{
    struct sm_value_opts o;

    memset(&o, 0, sizeof(o));
    o.zero = SM_ZERO_NULL;
    o.tinyint1_bool = true;
    o.tz.kind = kind;
    o.tz.offset_s = offset;
    if (name != NULL) {
        strcpy(o.tz.name, name);
    }
    return o;
}

static enum sm_kind kind(const char *dt, const char *ct, bool bin, bool js)
{
    struct sm_type_info info = { dt, ct, bin, js };

    return sm_kind_of(&info, true);
}

/* Write one value and compare the JSON text and the outcome. */
static void assert_value(enum sm_kind k, const char *in, size_t len,
                         const struct sm_value_opts *o, const char *want,
                         enum sm_conv want_conv)
{
    struct jw_text t;
    enum sm_conv conv = SM_CONV_OK;

    jw_text_init(&t);
    conv = sm_value_write(&t.jw, k, in, len, o);
    assert_int_equal(conv, want_conv);
    assert_string_equal(jw_text_get(&t), want);
    jw_text_cleanup(&t);
}

static void assert_val(enum sm_kind k, const char *in, const char *want)
{
    struct sm_value_opts o = opts_tz(SM_TZ_NONE, 0, NULL);

    assert_value(k, in, strlen(in), &o, want, SM_CONV_OK);
}

static void assert_schema(enum sm_kind k, bool nullable,
                          const struct sm_value_opts *o, const char *want)
{
    json_t *s = sm_kind_schema(k, nullable, o);
    char *text = NULL;

    assert_non_null(s);
    text = json_text(s);
    assert_string_equal(text, want);
    free(text);
    json_decref(s);
}

static void test_sm_kind_of_integers(void **state)
{
    (void)state;
    assert_int_equal(kind("tinyint", "tinyint(1)", false, false), SM_KIND_BOOL);
    assert_int_equal(kind("tinyint", "tinyint(4)", false, false), SM_KIND_INT);
    assert_int_equal(kind("int", "int(10) unsigned", false, false),
                     SM_KIND_INT);
    assert_int_equal(kind("bigint", "bigint(20)", false, false), SM_KIND_INT);
    assert_int_equal(kind("bigint", "bigint(20) unsigned", false, false),
                     SM_KIND_UINT64);
    assert_int_equal(kind("decimal", "decimal(10,0)", false, false),
                     SM_KIND_DECIMAL);
    assert_int_equal(kind("float", "float", false, false), SM_KIND_FLOAT);
    assert_int_equal(kind("year", "year(4)", false, false), SM_KIND_YEAR);
}

static void test_sm_kind_of_tinyint1_flag_off_is_integer(void **state)
{
    struct sm_type_info info = { "tinyint", "tinyint(1)", false, false };

    (void)state;
    assert_int_equal(sm_kind_of(&info, false), SM_KIND_INT);
}

static void test_sm_kind_of_bits_text_binary_json(void **state)
{
    (void)state;
    assert_int_equal(kind("bit", "bit(1)", true, false), SM_KIND_BIT1);
    assert_int_equal(kind("bit", "bit(12)", true, false), SM_KIND_BITS);
    assert_int_equal(kind("varchar", "varchar(255)", false, false),
                     SM_KIND_STRING);
    assert_int_equal(kind("varbinary", "varbinary(16)", true, false),
                     SM_KIND_BINARY);
    assert_int_equal(kind("longblob", "longblob", true, false), SM_KIND_BINARY);
    assert_int_equal(kind("longtext", "longtext", false, true), SM_KIND_JSON);
    assert_int_equal(kind("longtext", "longtext", false, false),
                     SM_KIND_STRING);
    assert_int_equal(kind("json", "json", true, false), SM_KIND_JSON);
    assert_int_equal(kind("point", "point", true, false), SM_KIND_GEOMETRY);
    assert_int_equal(kind("set", "set('a','b')", false, false), SM_KIND_SET);
    assert_int_equal(kind("inet6", "inet6", false, false), SM_KIND_STRING);
}

static void test_sm_kind_schema_nullable_and_formats(void **state)
{
    struct sm_value_opts naive = opts_tz(SM_TZ_NONE, 0, NULL);
    struct sm_value_opts utc = opts_tz(SM_TZ_UTC, 0, NULL);

    (void)state;
    assert_schema(SM_KIND_INT, true, &naive,
                  "{\"type\":[\"null\",\"integer\"]}");
    assert_schema(SM_KIND_UINT64, false, &naive, "{\"type\":\"number\"}");
    assert_schema(SM_KIND_BINARY, false, &naive,
                  "{\"type\":\"string\",\"contentEncoding\":\"base64\"}");
    assert_schema(SM_KIND_DATE, false, &naive,
                  "{\"type\":\"string\",\"format\":\"date\"}");
    assert_schema(SM_KIND_DATETIME, false, &naive,
                  "{\"type\":\"string\",\"format\":\"date-time\","
                  "\"airbyte_type\":\"timestamp_without_timezone\"}");
    assert_schema(SM_KIND_DATETIME, false, &utc,
                  "{\"type\":\"string\",\"format\":\"date-time\","
                  "\"airbyte_type\":\"timestamp_with_timezone\"}");
    assert_schema(SM_KIND_TIMESTAMP, true, &naive,
                  "{\"type\":[\"null\",\"string\"],\"format\":\"date-time\","
                  "\"airbyte_type\":\"timestamp_with_timezone\"}");
    assert_schema(SM_KIND_SET, false, &naive,
                  "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}");
    assert_schema(SM_KIND_JSON, true, &naive, "{}");
    assert_schema(SM_KIND_TIME, false, &naive, "{\"type\":\"string\"}");
}

static void test_sm_value_write_numbers_exact(void **state)
{
    (void)state;
    assert_val(SM_KIND_INT, "-9223372036854775808", "-9223372036854775808");
    assert_val(SM_KIND_UINT64, "18446744073709551615", "18446744073709551615");
    assert_val(SM_KIND_DECIMAL, "-12345678901234567890.123456789",
               "-12345678901234567890.123456789");
    assert_val(SM_KIND_DECIMAL, "0.00", "0.00");
    assert_val(SM_KIND_FLOAT, "1.5e-7", "1.5e-7");
    assert_val(SM_KIND_YEAR, "2024", "2024");
    assert_val(SM_KIND_YEAR, "0000", "0");
}

static void test_sm_value_write_bad_number_nulled(void **state)
{
    struct sm_value_opts o = opts_tz(SM_TZ_NONE, 0, NULL);

    (void)state;
    assert_value(SM_KIND_FLOAT, "inf", 3, &o, "null", SM_CONV_NULLED);
}

static void test_sm_value_write_booleans_and_bits(void **state)
{
    (void)state;
    assert_val(SM_KIND_BOOL, "0", "false");
    assert_val(SM_KIND_BOOL, "1", "true");
    assert_val(SM_KIND_BOOL, "-1", "true");
    assert_val(SM_KIND_BIT1, "\x01", "true");
    assert_val(SM_KIND_BITS, "\x01\x02", "\"AQI=\"");
}

static void test_sm_value_write_binary_zero_bytes_base64(void **state)
{
    struct sm_value_opts o = opts_tz(SM_TZ_NONE, 0, NULL);

    (void)state;
    assert_value(SM_KIND_BINARY, "\0\xff", 2, &o, "\"AP8=\"", SM_CONV_OK);
}

static void test_sm_value_write_dates_and_times(void **state)
{
    (void)state;
    assert_val(SM_KIND_DATE, "2024-02-29", "\"2024-02-29\"");
    assert_val(SM_KIND_DATETIME, "2024-05-01 10:15:00.123456",
               "\"2024-05-01T10:15:00.123456\"");
    assert_val(SM_KIND_DATETIME, "2024-05-01 10:15:00",
               "\"2024-05-01T10:15:00\"");
    assert_val(SM_KIND_TIMESTAMP, "2024-05-01 10:15:00.5",
               "\"2024-05-01T10:15:00.5Z\"");
    assert_val(SM_KIND_TIME, "-838:59:59.000000", "\"-838:59:59.000000\"");
}

static void test_sm_value_write_zero_date_policies(void **state)
{
    struct sm_value_opts o = opts_tz(SM_TZ_NONE, 0, NULL);

    (void)state;
    assert_value(SM_KIND_DATE, "0000-00-00", 10, &o, "null", SM_CONV_NULLED);
    assert_value(SM_KIND_DATE, "2024-00-10", 10, &o, "null", SM_CONV_NULLED);
    o.zero = SM_ZERO_EPOCH;
    assert_value(SM_KIND_DATE, "0000-00-00", 10, &o, "\"1970-01-01\"",
                 SM_CONV_OK);
    assert_value(SM_KIND_DATETIME, "0000-00-00 00:00:00", 19, &o,
                 "\"1970-01-01T00:00:00\"", SM_CONV_OK);
    assert_value(SM_KIND_TIMESTAMP, "0000-00-00 00:00:00", 19, &o,
                 "\"1970-01-01T00:00:00Z\"", SM_CONV_OK);
    o.zero = SM_ZERO_ERROR;
    assert_value(SM_KIND_DATETIME, "0000-00-00 00:00:00", 19, &o, "",
                 SM_CONV_ZERO_ERROR);
}

static void test_sm_value_write_datetime_zones(void **state)
{
    struct sm_value_opts utc = opts_tz(SM_TZ_UTC, 0, NULL);
    struct sm_value_opts plus10 = opts_tz(SM_TZ_OFFSET, 36000, NULL);
    struct sm_value_opts minus5 = opts_tz(SM_TZ_OFFSET, -18000, NULL);
    const char *in = "2024-05-01 10:15:00.123456";

    (void)state;
    assert_value(SM_KIND_DATETIME, in, strlen(in), &utc,
                 "\"2024-05-01T10:15:00.123456Z\"", SM_CONV_OK);
    assert_value(SM_KIND_DATETIME, in, strlen(in), &plus10,
                 "\"2024-05-01T00:15:00.123456Z\"", SM_CONV_OK);
    assert_value(SM_KIND_DATETIME, "2024-12-31 22:00:00", 19, &minus5,
                 "\"2025-01-01T03:00:00Z\"", SM_CONV_OK);
    assert_value(SM_KIND_DATETIME, "2024-03-01 02:00:00", 19, &plus10,
                 "\"2024-02-29T16:00:00Z\"", SM_CONV_OK);
}

static void test_sm_value_write_datetime_iana_dst(void **state)
{
    struct sm_value_opts mel = opts_tz(SM_TZ_IANA, 0, "Australia/Melbourne");

    (void)state;
    sm_tz_activate(&mel.tz);
    /* AEST (+10) in May, AEDT (+11) in January. */
    assert_value(SM_KIND_DATETIME, "2024-05-01 10:15:00", 19, &mel,
                 "\"2024-05-01T00:15:00Z\"", SM_CONV_OK);
    assert_value(SM_KIND_DATETIME, "2024-01-15 12:00:00.000001", 26, &mel,
                 "\"2024-01-15T01:00:00.000001Z\"", SM_CONV_OK);
}

static void test_sm_value_write_set_json_geometry(void **state)
{
    struct sm_value_opts o = opts_tz(SM_TZ_NONE, 0, NULL);

    (void)state;
    assert_val(SM_KIND_SET, "a,b", "[\"a\",\"b\"]");
    assert_val(SM_KIND_SET, "", "[]");
    assert_val(SM_KIND_JSON, "{\"a\": [1, 2]}", "{\"a\":[1,2]}");
    assert_value(SM_KIND_JSON, "{bad", 4, &o, "null", SM_CONV_NULLED);
    assert_val(SM_KIND_GEOMETRY,
               "{\"type\": \"Point\", \"coordinates\": [1, 2]}",
               "{\"type\":\"Point\",\"coordinates\":[1,2]}");
}

static void test_sm_value_write_invalid_utf8_repaired(void **state)
{
    struct sm_value_opts o = opts_tz(SM_TZ_NONE, 0, NULL);

    (void)state;
    assert_value(SM_KIND_STRING, "a\xff", 2, &o, "\"a\xef\xbf\xbd\"",
                 SM_CONV_REPAIRED);
    assert_value(SM_KIND_STRING, "caf\xc3\xa9", 5, &o, "\"caf\xc3\xa9\"",
                 SM_CONV_OK);
}

static void test_sm_parse_civil_rejects_garbage(void **state)
{
    struct sm_civil c;

    (void)state;
    assert_int_equal(sm_parse_civil("2024-05-01", 10, false, &c), SM_TPARSE_OK);
    assert_int_equal(sm_parse_civil("2024-13-01", 10, false, &c),
                     SM_TPARSE_ZERO);
    assert_int_equal(sm_parse_civil("2024-5-1", 8, false, &c), SM_TPARSE_BAD);
    assert_int_equal(sm_parse_civil("2024-05-01 25:00:00", 19, true, &c),
                     SM_TPARSE_BAD);
    assert_int_equal(sm_parse_civil("2024-05-01 10:00:00.", 20, true, &c),
                     SM_TPARSE_BAD);
}

static void test_sm_tz_parse_accepts_utc_offsets_and_zones(void **state)
{
    struct ab_error err;
    struct sm_tz tz;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(sm_tz_parse("", &tz, &err), AB_OK);
    assert_int_equal(tz.kind, SM_TZ_NONE);
    assert_int_equal(sm_tz_parse("UTC", &tz, &err), AB_OK);
    assert_int_equal(tz.kind, SM_TZ_UTC);
    assert_int_equal(sm_tz_parse("+00:00", &tz, &err), AB_OK);
    assert_int_equal(tz.kind, SM_TZ_UTC);
    assert_int_equal(sm_tz_parse("-05:30", &tz, &err), AB_OK);
    assert_int_equal(tz.kind, SM_TZ_OFFSET);
    assert_int_equal(tz.offset_s, -19800);
    assert_int_equal(sm_tz_parse("Australia/Melbourne", &tz, &err), AB_OK);
    assert_int_equal(tz.kind, SM_TZ_IANA);
}

static void test_sm_tz_parse_unknown_zone_fails_config(void **state)
{
    struct ab_error err;
    struct sm_tz tz;

    (void)state;
    ab_error_clear(&err);
    assert_int_equal(sm_tz_parse("Mars/Olympus", &tz, &err), AB_ERR_CONFIG);
    assert_string_equal(err.message,
                        "server_time_zone \"Mars/Olympus\" is not a known "
                        "time zone: use UTC, +HH:MM or an IANA name");
    ab_error_clear(&err);
    assert_int_equal(sm_tz_parse("../../etc/passwd", &tz, &err), AB_ERR_CONFIG);
    ab_error_clear(&err);
    assert_int_equal(sm_tz_parse("+25:00", &tz, &err), AB_ERR_CONFIG);
}

static void test_sm_kind_cursor_and_literal(void **state)
{
    (void)state;
    assert_true(sm_kind_cursor_ok(SM_KIND_DATETIME));
    assert_true(sm_kind_cursor_ok(SM_KIND_DECIMAL));
    assert_true(sm_kind_cursor_ok(SM_KIND_STRING));
    assert_false(sm_kind_cursor_ok(SM_KIND_FLOAT));
    assert_false(sm_kind_cursor_ok(SM_KIND_JSON));
    assert_int_equal(sm_kind_literal(SM_KIND_UINT64), SM_LIT_NUMBER);
    assert_int_equal(sm_kind_literal(SM_KIND_TIMESTAMP), SM_LIT_TEMPORAL);
    assert_int_equal(sm_kind_literal(SM_KIND_BINARY), SM_LIT_BINARY);
    assert_int_equal(sm_kind_literal(SM_KIND_SET), SM_LIT_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm_kind_of_integers),
        cmocka_unit_test(test_sm_kind_of_tinyint1_flag_off_is_integer),
        cmocka_unit_test(test_sm_kind_of_bits_text_binary_json),
        cmocka_unit_test(test_sm_kind_schema_nullable_and_formats),
        cmocka_unit_test(test_sm_value_write_numbers_exact),
        cmocka_unit_test(test_sm_value_write_bad_number_nulled),
        cmocka_unit_test(test_sm_value_write_booleans_and_bits),
        cmocka_unit_test(test_sm_value_write_binary_zero_bytes_base64),
        cmocka_unit_test(test_sm_value_write_dates_and_times),
        cmocka_unit_test(test_sm_value_write_zero_date_policies),
        cmocka_unit_test(test_sm_value_write_datetime_zones),
        cmocka_unit_test(test_sm_value_write_datetime_iana_dst),
        cmocka_unit_test(test_sm_value_write_set_json_geometry),
        cmocka_unit_test(test_sm_value_write_invalid_utf8_repaired),
        cmocka_unit_test(test_sm_parse_civil_rejects_garbage),
        cmocka_unit_test(test_sm_tz_parse_accepts_utc_offsets_and_zones),
        cmocka_unit_test(test_sm_tz_parse_unknown_zone_fails_config),
        cmocka_unit_test(test_sm_kind_cursor_and_literal),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
