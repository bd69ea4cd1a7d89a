/*
 * base64 (RFC 4648, standard alphabet, padded) for binary column values,
 * and salted SHA-256 through OpenSSL's EVP interface for hashed columns.
 */
#include "ab/setup.h"
#include "ab/codec.h"

#include <openssl/evp.h>
#include <stdint.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_tail(char *out, const unsigned char *in, size_t rest)
{
    uint32_t v = (uint32_t)in[0] << 16;

    if (rest == 2) {
        v |= (uint32_t)in[1] << 8;
    }
    out[0] = b64_alphabet[(v >> 18) & 63];
    out[1] = b64_alphabet[(v >> 12) & 63];
    out[2] = rest == 2 ? b64_alphabet[(v >> 6) & 63] : '=';
    out[3] = '=';
}

enum ab_rc ab_base64_append(struct ab_buf *out, const void *data, size_t len)
{
    const unsigned char *in = data;
    size_t need = 0;
    size_t i = 0;
    char *w = NULL;
    uint32_t v = 0;
    enum ab_rc rc = AB_OK;

    if (len > (SIZE_MAX / 4) * 3 - 3) {
        return AB_ERR_LIMIT;
    }
    need = (len + 2) / 3 * 4;
    rc = ab_buf_reserve(out, need);
    if (rc != AB_OK) {
        return rc;
    }
    w = out->data + out->len;
    for (i = 0; i + 3 <= len; i += 3) {
        v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        w[0] = b64_alphabet[(v >> 18) & 63];
        w[1] = b64_alphabet[(v >> 12) & 63];
        w[2] = b64_alphabet[(v >> 6) & 63];
        w[3] = b64_alphabet[v & 63];
        w += 4;
    }
    if (i < len) {
        b64_tail(w, in + i, len - i);
    }
    out->len += need;
    out->data[out->len] = '\0';
    return AB_OK;
}

enum ab_rc ab_sha256_salted_hex(const char *salt, size_t salt_len,
                                const void *value, size_t len,
                                char hex[AB_SHA256_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    unsigned int i = 0;
    EVP_MD_CTX *ctx = NULL;
    enum ab_rc rc = AB_OK;

    hex[0] = '\0';
    ctx = EVP_MD_CTX_new();
    if (!ctx) {
        rc = AB_ERR_NOMEM;
        goto out;
    }
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, salt, salt_len) != 1 ||
        EVP_DigestUpdate(ctx, value, len) != 1 ||
        EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len * 2 != 64) {
        rc = AB_ERR_INTERNAL;
        goto out;
    }
    for (i = 0; i < md_len; i++) {
        hex[i * 2] = digits[md[i] >> 4];
        hex[i * 2 + 1] = digits[md[i] & 15];
    }
    hex[md_len * 2] = '\0';
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}
