#!/usr/bin/env python3
"""Write expected-records files for source-mysql from a live database.

Starts a throwaway MariaDB, loads the databases named in
connectors/source-mysql/acceptance-test-config.yml, and for every
non-empty table of one database writes the first rows (by primary key)
as jsonl lines {"stream": <table>, "data": {...}}. Only columns whose
JSON form does not depend on connector choices are included: integers
(except BIGINT UNSIGNED and TINYINT(1)), CHAR/VARCHAR/TEXT (except JSON
columns) and ENUM. MariaDB's JSON_OBJECT renders the values, so character
set conversion (latin1, utf8mb3) and escaping are the server's, not ours.
It also prints the tables that are empty, for empty_streams.

The committed files were made with (from the repository root):

  tool=acceptance-tests/tools/mysql_expected_records.py
  out=connectors/source-mysql/acceptance
  .venv/bin/python $tool ontrack $out/expected_records_ontrack.jsonl --rows 2
  .venv/bin/python $tool types_db $out/expected_records_types.jsonl --rows 7
  .venv/bin/python $tool types_db $out/expected_records_policies.jsonl \\
      --rows 3 --tables same_cursor Order all_types_view \\
      --drop Order.Select same_cursor.payload
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

import atconfig  # noqa: E402
import servers   # noqa: E402
from servers import quote_ident, quote_string  # noqa: E402

INT_TYPES = {"tinyint", "smallint", "mediumint", "int", "bigint"}
TEXT_TYPES = {"char", "varchar", "tinytext", "text", "mediumtext",
              "longtext", "enum"}


def safe_columns(srv, db: str, table: str) -> list:
    rows = srv.rows(
        "SELECT c.column_name, c.data_type, c.column_type, "
        "(SELECT COUNT(*) FROM information_schema.check_constraints k "
        " WHERE k.constraint_schema = c.table_schema "
        " AND k.table_name = c.table_name "
        " AND k.check_clause LIKE CONCAT('%%json_valid(`', c.column_name, "
        "'`)%%')) "
        "FROM information_schema.columns c WHERE c.table_schema = %s "
        "AND c.table_name = %s ORDER BY c.ordinal_position;"
        % (quote_string(db), quote_string(table)))
    out = []
    for name, dtype, ctype, is_json in rows:
        if dtype in INT_TYPES:
            if ctype.startswith("tinyint(1)") or \
                    (dtype == "bigint" and "unsigned" in ctype):
                continue
            out.append(name)
        elif dtype in TEXT_TYPES and is_json == "0":
            out.append(name)
    return out


def order_columns(srv, db: str, table: str) -> list:
    pk = [r[0] for r in srv.rows(
        "SELECT column_name FROM information_schema.key_column_usage "
        "WHERE table_schema = %s AND table_name = %s AND constraint_name "
        "= 'PRIMARY' ORDER BY ordinal_position;"
        % (quote_string(db), quote_string(table)))]
    if pk:
        return pk
    return [r[0] for r in srv.rows(
        "SELECT column_name FROM information_schema.columns WHERE "
        "table_schema = %s AND table_name = %s ORDER BY ordinal_position;"
        % (quote_string(db), quote_string(table)))]


def all_relations(srv, db: str) -> list:
    return [r[0] for r in srv.rows(
        "SELECT table_name FROM information_schema.tables WHERE "
        "table_schema = %s ORDER BY table_name;" % quote_string(db))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("database")
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=3,
                    help="rows per table (default 3)")
    ap.add_argument("--tables", nargs="*",
                    help="only these tables (default: all non-empty)")
    ap.add_argument("--drop", nargs="*", default=[], metavar="TABLE.COLUMN",
                    help="leave these columns out (excluded or hashed by "
                    "the config's column_policies)")
    args = ap.parse_args()

    cfg = atconfig.load(atconfig.REPO_ROOT / "connectors" / "source-mysql" /
                        atconfig.CONFIG_NAME)
    dbs = [d for d in cfg.databases if d.name == args.database]
    if not dbs:
        ap.error("database %s is not set up by the config" % args.database)
    with tempfile.TemporaryDirectory(prefix="mdb-exp-") as tmp:
        srv = servers.start_mariadb(tmp)
        try:
            gens = [[sys.executable if i == 0 and a == "python3" else a
                     for i, a in enumerate(argv)] for argv in dbs[0].generate]
            srv.load_database(args.database, dbs[0].sql, gens,
                              cwd=atconfig.REPO_ROOT)
            lines, empty = [], []
            for table in all_relations(srv, args.database):
                if args.tables and table not in args.tables:
                    continue
                cols = [c for c in safe_columns(srv, args.database, table)
                        if "%s.%s" % (table, c) not in args.drop]
                order = order_columns(srv, args.database, table)
                if not cols:
                    continue
                obj = ", ".join("%s, %s" % (quote_string(c), quote_ident(c))
                                for c in cols)
                rows = srv.rows(
                    "SELECT JSON_OBJECT(%s) FROM %s ORDER BY %s LIMIT %d;"
                    % (obj, quote_ident(table),
                       ", ".join(quote_ident(c) for c in order), args.rows),
                    args.database)
                if not rows:
                    empty.append(table)
                for (text,) in rows:
                    lines.append(json.dumps(
                        {"stream": table, "data": json.loads(text)},
                        ensure_ascii=False, separators=(",", ":")))
        finally:
            srv.stop()
    Path(args.out).write_text("".join(l + "\n" for l in lines),
                              encoding="utf-8")
    print("wrote %d records to %s" % (len(lines), args.out))
    print("empty tables:")
    for t in empty:
        print("  - %s" % t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
