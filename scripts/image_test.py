"""Smoke test of a connector image against a throwaway MariaDB.

Starts MariaDB (acceptance-tests/servers.py), loads the OnTrack schema
with a little generated data, builds a config and a configured catalog
(from the host build's discover), and runs scripts/image-smoke.sh, which
executes spec, check, discover and read inside the image.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "acceptance-tests"))
import servers  # noqa: E402

SHARED = ROOT.parent / "shared" / "ontrack"
BIN = Path(os.environ.get("SOURCE_MYSQL_BIN", ROOT / "build/bin/source-mysql"))
STREAMS = {"task_statuses", "units", "tasks"}


def write_inputs(server, workdir):
    config = {
        "host": server.host, "port": server.port, "database": "ontrack",
        "username": servers.AIRBYTE_USER,
        "password": servers.AIRBYTE_PASSWORD,
        "ssl_mode": {"mode": "preferred"}, "server_time_zone": "UTC",
    }
    config_path = workdir / "config.json"
    config_path.write_text(json.dumps(config))
    out = subprocess.run([str(BIN), "discover", "--config", str(config_path)],
                         capture_output=True, text=True, check=True)
    catalog = [json.loads(line) for line in out.stdout.splitlines()
               if '"CATALOG"' in line][0]["catalog"]
    configured = {"streams": [
        {"stream": s, "sync_mode": "full_refresh",
         "destination_sync_mode": "overwrite"}
        for s in catalog["streams"] if s["name"] in STREAMS]}
    catalog_path = workdir / "catalog.json"
    catalog_path.write_text(json.dumps(configured))
    return config_path, catalog_path


def main():
    image = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="image-test-") as tmp:
        workdir = Path(tmp)
        server = servers.start_mariadb(workdir / "mariadb")
        try:
            server.load_database(
                "ontrack", sql_files=[SHARED / "schema_mysql.sql"],
                generators=[[sys.executable, str(SHARED / "generate_data.py"),
                             "--scale", "0.1", "--dialect", "mysql",
                             "--out", "-"]])
            config_path, catalog_path = write_inputs(server, workdir)
            subprocess.run([str(ROOT / "scripts/image-smoke.sh"), image,
                            str(config_path), str(catalog_path)], check=True)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
