/*
 * The one owner of standard output. Every Airbyte message is handed over
 * as one complete line; the module masks secrets, buffers, and checks
 * every write. A failed write (closed pipe, full disk) is sticky: the connector
 * stops reading and exits non-zero. Nothing else in the tree writes to
 * standard output.
 */
#ifndef AB_OUT_H
#define AB_OUT_H

#include "ab/setup.h"
#include "ab/rc.h"

#include <stdbool.h>
#include <stddef.h>

#define AB_OUT_BUFFER_SIZE (256 * 1024)

/* Direct output to `fd` (the binaries keep the default, standard output;
 * tests pass a pipe or file). Discards anything buffered and forgets a
 * previous failure. */
void ab_out_init(int fd);

/*
 * Append one message line. `line` holds one compact JSON object without
 * the trailing newline. Masks registered secrets, then buffers; writes
 * when the buffer is full. Returns AB_ERR_OUTPUT once output has failed,
 * AB_ERR_INTERNAL (nothing written) for a line holding a raw newline.
 */
AB_NODISCARD enum ab_rc ab_out_line(const char *line, size_t len);

/* Write everything buffered. */
AB_NODISCARD enum ab_rc ab_out_flush(void);

/* True once a write has failed. */
bool ab_out_failed(void);

/* errno of the failed write (e.g. EPIPE), 0 when none failed. */
int ab_out_errno(void);

/* Bytes handed to ab_out_line since ab_out_init (for logs/benchmarks). */
unsigned long long ab_out_bytes(void);

#endif /* AB_OUT_H */
