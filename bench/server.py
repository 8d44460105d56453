"""A real API server process (gunicorn, ``api:create_app()``) and a small loopback HTTP client."""
from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from engine.seed import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``with Server(url, workers=2) as srv: srv.port`` — gunicorn sync workers on 127.0.0.1."""

    def __init__(self, database_url: str, workers: int = 1):
        self.database_url, self.workers = database_url, workers
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        env = dict(os.environ, ZHIFA_DATABASE_URL=self.database_url)
        env.setdefault("ZHIFA_SECRET_KEY", secrets.token_urlsafe(48))  # the server refuses to start without one
        cmd = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
               "--log-level", "warning", "--backlog", "256", "api:create_app()"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                if request(self.port, "GET", "/health")[0] == 200 and len(self.worker_pids()) == self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer /health within 60 s")

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: children of the master process."""
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (``/proc/<pid>/stat`` utime + stime), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def rss_kib(pid: int) -> int | None:
    """Resident memory of a process (VmRSS from /proc/<pid>/status), in KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def request(port: int, method: str, path: str, body: dict | None = None, token: str | None = None,
            expect: tuple[int, ...] | None = None) -> tuple[int, dict | None]:
    """One request on a fresh connection (gunicorn's sync workers close after each response)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=payload, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        data = json.loads(raw) if raw else None
        if expect is not None and resp.status not in expect:
            raise RuntimeError(f"{method} {path} → {resp.status}: {raw[:300]!r}")
        return resp.status, data
    finally:
        conn.close()


def login(port: int, username: str) -> str:
    _status, data = request(port, "POST", "/api/v1/auth/login",
                            {"username": username, "password": DEMO_PASSWORD}, expect=(200,))
    return data["token"]
