/*
 * The one owner of stdout (file descriptor 1 unless a test redirects it).
 *
 * Lines are masked (secret.c), then copied into a fixed buffer that is
 * written with a write(2) loop when full and on every flush. The loop
 * retries after EINTR, continues after partial writes and waits with
 * poll(2) if the descriptor is non-blocking. Any other failure (EPIPE
 * when the reader went away, ENOSPC, EBADF...) is sticky: every later
 * call returns AB_ERR_OUTPUT, so the connector stops reading instead of
 * producing data nobody receives. SIGPIPE must be ignored by the process
 * (the driver does it) so a closed pipe is reported as EPIPE here.
 */
#include "ab/setup.h"
#include "ab/out.h"

#include "ab/secret.h"
#include "ab/buf.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

/* Masked copies of lines that hold a secret; large enough for any line
 * the writers can produce. */
#define SCRATCH_MAX ((size_t)1 << 30)

static int out_fd = STDOUT_FILENO;
static char out_buf[AB_OUT_BUFFER_SIZE];
static size_t out_len;
static bool out_bad;
static int out_err;
static unsigned long long out_total;
static struct ab_buf scratch = { NULL, 0, 0, SCRATCH_MAX };

void ab_out_init(int fd)
{
    out_fd = fd;
    out_len = 0;
    out_bad = false;
    out_err = 0;
    out_total = 0;
    ab_buf_cleanup(&scratch);
}

static enum ab_rc fail(int err)
{
    out_bad = true;
    out_err = err;
    return AB_ERR_OUTPUT;
}

/* Wait until a non-blocking descriptor can take more bytes. */
static enum ab_rc wait_writable(void)
{
    struct pollfd pfd = { out_fd, POLLOUT, 0 };

    while (poll(&pfd, 1, -1) < 0) {
        if (errno != EINTR) {
            return fail(errno);
        }
    }
    return AB_OK;
}

static enum ab_rc write_all(const char *data, size_t len)
{
    size_t done = 0;
    ssize_t n = 0;
    enum ab_rc rc = AB_OK;

    while (done < len && rc == AB_OK) {
        n = write(out_fd, data + done, len - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n == 0) {
            rc = fail(EIO); /* no progress and no reason: give up */
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            rc = wait_writable();
        } else {
            rc = fail(errno);
        }
    }
    return rc;
}

enum ab_rc ab_out_flush(void)
{
    enum ab_rc rc = AB_OK;

    if (out_bad) {
        return AB_ERR_OUTPUT;
    }
    rc = write_all(out_buf, out_len);
    out_len = 0;
    return rc;
}

static enum ab_rc put(const char *data, size_t len)
{
    enum ab_rc rc = AB_OK;

    if (len <= sizeof(out_buf) - out_len) {
        memcpy(out_buf + out_len, data, len);
        out_len += len;
        return AB_OK;
    }
    rc = ab_out_flush();
    if (rc != AB_OK) {
        return rc;
    }
    if (len >= sizeof(out_buf)) {
        return write_all(data, len);
    }
    memcpy(out_buf, data, len);
    out_len = len;
    return AB_OK;
}

enum ab_rc ab_out_line(const char *line, size_t len)
{
    enum ab_rc rc = AB_OK;

    if (out_bad) {
        return AB_ERR_OUTPUT;
    }
    /* A raw newline would split the message: the platform would drop
     * both halves. Writers escape newlines, so this is a bug. */
    if (memchr(line, '\n', len)) {
        return AB_ERR_INTERNAL;
    }
    if (ab_secret_count() > 0 && ab_secret_in(line, len)) {
        ab_buf_reset(&scratch);
        rc = ab_buf_append(&scratch, line, len);
        if (rc == AB_OK) {
            rc = ab_secret_mask(&scratch);
        }
        if (rc != AB_OK) {
            return rc; /* never write the unmasked line instead */
        }
        line = scratch.data;
        len = scratch.len;
    }
    rc = put(line, len);
    if (rc == AB_OK) {
        rc = put("\n", 1);
    }
    out_total += len + 1;
    return rc;
}

bool ab_out_failed(void)
{
    return out_bad;
}

int ab_out_errno(void)
{
    return out_err;
}

unsigned long long ab_out_bytes(void)
{
    return out_total;
}
