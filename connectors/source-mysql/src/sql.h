/*
 * SQL text of the connector, in one place. Templates take already quoted
 * literals (%s) built by query.c; nothing user-supplied is ever pasted in
 * raw. Discovery reads each information_schema table once per run, never
 * once per user table, so it stays fast on databases with thousands of
 * tables.
 */
#ifndef SM_SQL_H
#define SM_SQL_H

/* ---- session ---------------------------------------------------------- */

/* %d, %d: seconds the server waits on a slow client (e.g. a destination
 * applying back-pressure) before it drops the connection. */
#define SM_SQL_NET_TIMEOUTS                                                    \
    "SET SESSION net_write_timeout = %d, net_read_timeout = %d"

/* Re-asserted after connection_params: values are read as utf8mb4 and
 * TIMESTAMP columns are printed in UTC. */
#define SM_SQL_SESSION "SET NAMES utf8mb4, SESSION time_zone = '+00:00'"

#define SM_SQL_ISOLATION                                                       \
    "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"

/* One consistent, read-only snapshot per stream: every chunk of a stream
 * sees the table as it was when the stream started. */
#define SM_SQL_SNAPSHOT "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"

#define SM_SQL_COMMIT "COMMIT"

/* ---- information_schema (one query per table) ----------------------- */

/* %s: database literal, %s: extra " AND ..." filter on TABLE_NAME. */
#define SM_SQL_TABLES                                                          \
    "SELECT TABLE_NAME, TABLE_TYPE, TABLE_ROWS, DATA_LENGTH, TABLE_COMMENT, "  \
    "ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s%s"

#define SM_SQL_COLUMNS                                                         \
    "SELECT TABLE_NAME, COLUMN_NAME, IS_NULLABLE, DATA_TYPE, COLUMN_TYPE, "    \
    "CHARACTER_SET_NAME, COLUMN_COMMENT "                                      \
    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s%s "               \
    "ORDER BY TABLE_NAME, ORDINAL_POSITION"

#define SM_SQL_PRIMARY_KEYS                                                    \
    "SELECT TABLE_NAME, COLUMN_NAME "                                          \
    "FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = %s "        \
    "AND CONSTRAINT_NAME = 'PRIMARY'%s "                                       \
    "ORDER BY TABLE_NAME, ORDINAL_POSITION"

/* Parts of the ordered (B-tree) indexes, for read only: whether an index
 * already orders a table by (cursor, key). SUB_PART is not NULL for a
 * prefix part, COLUMN_NAME NULL for a functional part (MySQL 8). */
#define SM_SQL_INDEXES                                                         \
    "SELECT TABLE_NAME, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART "                  \
    "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s "              \
    "AND INDEX_TYPE = 'BTREE'%s "                                              \
    "ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"

/* MariaDB's JSON type is LONGTEXT plus CHECK (json_valid(`col`)). MySQL
 * has no TABLE_NAME here (and a real JSON type): error 1054 is ignored. */
#define SM_SQL_JSON_CHECKS                                                     \
    "SELECT TABLE_NAME, CHECK_CLAUSE "                                         \
    "FROM information_schema.CHECK_CONSTRAINTS "                               \
    "WHERE CONSTRAINT_SCHEMA = %s AND CHECK_CLAUSE LIKE '%%json_valid%%'%s"

/* ---- check -------------------------------------------------------------- */

/* %s: the columns a read would select, %s: `db`.`table`. Proves SELECT
 * on exactly those columns (column grants included) without reading. */
#define SM_SQL_PROBE "SELECT %s FROM %s LIMIT 0"

#endif /* SM_SQL_H */
