/*
 * Small codecs: base64 for binary values and salted SHA-256 for column
 * policies (OpenSSL's EVP interface does the hashing).
 */
#ifndef AB_CODEC_H
#define AB_CODEC_H

#include "ab/setup.h"
#include "ab/buf.h"
#include "ab/rc.h"

#include <stddef.h>

#define AB_SHA256_HEX_LEN 64

/* Append the base64 form of data[0..len) to `out`. */
AB_NODISCARD enum ab_rc ab_base64_append(struct ab_buf *out, const void *data,
                                         size_t len);

/*
 * Lower-case hex of SHA-256(salt || value) into `hex` (65 bytes, NUL
 * terminated). The same salt and value always give the same digest, so
 * hashed columns still join across tables.
 */
AB_NODISCARD enum ab_rc ab_sha256_salted_hex(const char *salt, size_t salt_len,
                                             const void *value, size_t len,
                                             char hex[AB_SHA256_HEX_LEN + 1]);

#endif /* AB_CODEC_H */
