/* Unit tests of base64 and salted SHA-256 (codec.c). */
#include "ab_test.h"

#include "ab/codec.h"

static void assert_b64(const char *in, const char *want)
{
    struct ab_buf b;

    ab_buf_init(&b, 1024);
    assert_int_equal(ab_base64_append(&b, in, strlen(in)), AB_OK);
    assert_string_equal(b.data, want);
    ab_buf_cleanup(&b);
}

static void test_ab_base64_append_rfc4648_vectors(void **state)
{
    (void)state;
    assert_b64("", "");
    assert_b64("f", "Zg==");
    assert_b64("fo", "Zm8=");
    assert_b64("foo", "Zm9v");
    assert_b64("foob", "Zm9vYg==");
    assert_b64("fooba", "Zm9vYmE=");
    assert_b64("foobar", "Zm9vYmFy");
}

static void test_ab_base64_append_past_max_fails_limit(void **state)
{
    struct ab_buf b;

    (void)state;
    ab_buf_init(&b, 7);
    assert_int_equal(ab_base64_append(&b, "foobar", 6), AB_ERR_LIMIT);
    assert_int_equal(b.len, 0);
    ab_buf_cleanup(&b);
}

static void test_ab_sha256_salted_hex_known_digest(void **state)
{
    char hex[AB_SHA256_HEX_LEN + 1];

    (void)state;
    /* SHA-256("abc"), FIPS 180-2 example: salt "a" then value "bc". */
    assert_int_equal(ab_sha256_salted_hex("a", 1, "bc", 2, hex), AB_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
                             "b00361a396177a9cb410ff61f20015ad");
}

static void test_ab_sha256_salted_hex_other_salt_differs(void **state)
{
    char a[AB_SHA256_HEX_LEN + 1];
    char b[AB_SHA256_HEX_LEN + 1];

    (void)state;
    assert_int_equal(ab_sha256_salted_hex("s1", 2, "v", 1, a), AB_OK);
    assert_int_equal(ab_sha256_salted_hex("s2", 2, "v", 1, b), AB_OK);
    assert_string_not_equal(a, b);
    assert_int_equal(strlen(a), AB_SHA256_HEX_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ab_base64_append_rfc4648_vectors),
        cmocka_unit_test(test_ab_base64_append_past_max_fails_limit),
        cmocka_unit_test(test_ab_sha256_salted_hex_known_digest),
        cmocka_unit_test(test_ab_sha256_salted_hex_other_salt_differs),
    };

    ab_test_setup_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
