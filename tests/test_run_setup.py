"""run_setup.sh --local serves the generated service (with a local Typesense) and stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from conftest import REPO


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_setup_serves_the_app_and_stops(tmp_path: Path) -> None:
    port, ts_port = _free_port(), _free_port()
    out = tmp_path / "service"
    env = {**os.environ, "PORT": str(port), "TS_PORT": str(ts_port), "API_KEY_AUTH_KEYS": "probe-key"}
    log = (tmp_path / "run_setup.log").open("w")
    proc = subprocess.Popen(
        ["bash", "run_setup.sh", "--local", "--out", str(out), "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        served = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=2) as response:
                    served = response.read()
                    break
            except OSError:
                time.sleep(1)
        output = (tmp_path / "run_setup.log").read_text()
        assert served is not None, output[-3000:]
        assert b'"listServices"' in served
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/services", headers={"X-API-KEY": "probe-key"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert b'"enabled": true' in response.read().replace(b'"enabled":true', b'"enabled": true')
        for line in ("==> generate", "==> validate", "==> start a local Typesense server", "==> serve on"):
            assert line in output
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    with socket.socket() as sock:  # Typesense was stopped with the script
        assert sock.connect_ex(("127.0.0.1", ts_port)) != 0
