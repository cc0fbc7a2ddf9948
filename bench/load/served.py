"""FitKart served by gunicorn exactly as `make serve` does, on a free port: for the load
harness and for the tests that need a real server (tests/ops)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from app.config import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Served:
    port: int
    process: subprocess.Popen
    log_path: Path
    log_file: IO[str]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 15,
    ) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        payload = json.dumps(body) if body is not None else None
        all_headers = {"Content-Type": "application/json"} if payload else {}
        all_headers.update(headers or {})
        try:
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            return Answer(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        children = subprocess.run(
            ["pgrep", "-P", str(self.gunicorn_pid())], capture_output=True, text=True
        )
        return [int(pid) for pid in children.stdout.split()]

    def gunicorn_pid(self) -> int:
        return int(self.pid_path.read_text().strip())

    @property
    def pid_path(self) -> Path:
        return self.log_path.with_suffix(".pid")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log_file.close()


def serve(database_url: str, log_path: Path, workers: int | None = 2, **settings: str) -> Served:
    """Start `make serve` (gunicorn, production config) and wait until /readyz says ready."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_"))},
        "FITKART_ENV": "production",
        "SECRET_KEY": "served-test-secret-key",
        "DATABASE_URL": database_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "GUNICORN_CMD_ARGS": f"--pid {log_path.with_suffix('.pid')}",
        # No TLS proxy in front here; tests that want the HTTPS redirect turn it back on.
        "FORCE_HTTPS": "false",
        **settings,
    }
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = log_path.open("w")
    process = subprocess.Popen(
        ["make", "-s", "serve"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    served = Served(port, process, log_path, log, env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            served.stop()
            raise RuntimeError(f"gunicorn exited early:\n{served.log()}")
        try:
            if served.request("GET", "/readyz", timeout=2).status == 200:
                return served
        except OSError:
            pass
        time.sleep(0.2)
    served.stop()
    raise RuntimeError(f"gunicorn did not become ready:\n{served.log()}")
