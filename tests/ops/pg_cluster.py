"""A PostgreSQL cluster of a test's own (initdb in a temporary folder, its own port).

Fault tests stop and restart it at will; the shared server on 5432 is never touched.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load.served import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian: postgresql)")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; CI and these sessions are root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Cluster:
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str) -> None:
        # The server's output goes to its log file: a pipe would stay open as long as it runs.
        subprocess.run(
            _as_postgres(
                [
                    _bin("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-w",
                    "-t",
                    "30",
                    "-l",
                    str(self.folder / "server.log"),
                    *args,
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        self.pg_ctl("-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}", "start")

    def restart(self) -> float:
        """Fast restart (what a failover or `systemctl restart` does); returns its seconds."""
        started = time.monotonic()
        self.pg_ctl("-m", "fast", "restart")
        return time.monotonic() - started

    def stop(self) -> None:
        self.pg_ctl("-m", "immediate", "stop")

    def create_database(self, name: str) -> str:
        subprocess.run(
            [_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
            capture_output=True,
        )
        return self.url(name)


def start_cluster() -> Cluster:
    folder = Path(tempfile.mkdtemp(prefix="fitkart-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, free_port())
    subprocess.run(
        _as_postgres(
            [
                _bin("initdb"),
                "-D",
                str(cluster.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    cluster.start()
    return cluster


def remove_cluster(cluster: Cluster) -> None:
    with contextlib.suppress(subprocess.CalledProcessError):  # already down
        cluster.stop()
    shutil.rmtree(cluster.folder, ignore_errors=True)
