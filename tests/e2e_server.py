"""A generated service running for real: uvicorn in a child process on 127.0.0.1.

    with Server(app_dir, env={"API_KEY_AUTH_KEYS": "k"}, db_path=tmp_path / "db.sqlite") as server:
        httpx.get(f"{server.url}/services", headers={"X-API-KEY": "k"})
        server.restart()  # same port, same database

Also: ``generate(spec, out)`` runs ``python -m specfirst generate`` and returns its output,
``copy_service(src, dst)`` copies a service directory without its data and caches, and
``DocumentServer`` serves small JSON documents from a thread (the services a test registers).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

REPO = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def generate(spec: Path | str, out: Path | str) -> str:
    """``specfirst generate SPEC --out OUT``; its stdout (a failure raises with both streams)."""
    result = subprocess.run(
        [sys.executable, "-m", "specfirst", "generate", str(spec), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"specfirst generate failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def copy_service(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("data", "__pycache__", "*.db*"))
    return dst


class Server:
    """``python -m uvicorn app.main:app`` in ``app_dir`` with ``env`` and an SQLite file."""

    def __init__(
        self, app_dir: Path, env: Mapping[str, str] | None = None, db_path: Path | None = None
    ) -> None:
        self.app_dir = Path(app_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.app_dir.parent / f"uvicorn-{self.port}.log"
        self.env = {**os.environ, **(env or {})}
        if db_path is not None:
            self.env["DATABASE_URL"] = f"sqlite:///{Path(db_path).resolve()}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "app.main:app"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.app_dir, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited ({self.process.returncode}):\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/openapi.json", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the service did not answer within {STARTUP_TIMEOUT} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class DocumentServer:
    """Serves ``documents`` (path -> JSON value, or str for a non-JSON body) on 127.0.0.1.

    GET and POST answer alike; each POST is kept in ``posted`` as (path, headers, JSON body).
    """

    def __init__(self, documents: dict[str, Any]) -> None:
        served = documents
        posted: list[tuple[str, dict[str, str], Any]] = []
        self.posted = posted

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path not in served:
                    self.send_error(404)
                    return
                value = served[self.path]
                text = value if isinstance(value, str) else json.dumps(value)
                kind = "text/plain" if isinstance(value, str) else "application/json"
                data = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                posted.append((self.path, dict(self.headers), json.loads(body or b"null")))
                self.do_GET()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
