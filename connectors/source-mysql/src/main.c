/*
 * source-mysql: Airbyte source for MySQL and MariaDB. The core driver
 * does the protocol; the operations live in check.c, discover.c, read.c.
 */
#include <ab/setup.h>

#include <ab/connector.h>

#include "ops.h"

/* The spec, embedded at build time from specs/source-mysql.json. */
extern const char source_mysql_spec[];

int main(int argc, char **argv)
{
    static const struct ab_connector connector = {
        SM_CONNECTOR_NAME, SM_CONNECTOR_VERSION, source_mysql_spec,
        sm_check,          sm_discover,          sm_read,
    };

    return ab_main(argc, argv, &connector);
}
