/*
 * Shared set-up of the libFuzzer targets: jansson allocates through the
 * core's seam, and whatever the core writes goes to /dev/null (the
 * targets check return values and structure, not output text).
 */
#ifndef AB_FUZZ_COMMON_H
#define AB_FUZZ_COMMON_H

#include "ab/setup.h"

#include "ab/alloc.h"
#include "ab/out.h"

#include <fcntl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_setup(void)
{
    int fd = open("/dev/null", O_WRONLY);

    json_set_alloc_funcs(ab_malloc, ab_free);
    if (fd < 0) {
        abort();
    }
    ab_out_init(fd);
}

#endif /* AB_FUZZ_COMMON_H */
