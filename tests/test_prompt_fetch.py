"""The Ensemble's fetch of registered OpenAPI documents (service/app/handlers/_prompt.py).

Admins register ``openapi_url``s; the service fetches them from inside its network. Each
refusal is tried: schemes other than http(s), hosts that resolve to loopback, link-local or
private addresses (without ``OPENAPI_FETCH_ALLOW_NETWORKS``), redirects to such addresses, too
many redirects, documents past the size bound, answers past the time bound. The positive cases
fetch from a real HTTP server on 127.0.0.1, allowed by the setting; the documents of several
services are shown to be fetched at the same time.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import REPO

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Local API", "version": "1"},
    "paths": {"/things": {"get": {"operationId": "listThings", "summary": "List things"}}},
}
LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
GATHERED = 3  # documents the concurrency test asks for at once


def load_prompt() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ensemble_prompt", REPO / "service" / "app" / "handlers" / "_prompt.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


prompt = load_prompt()


class Local:
    """An HTTP server on 127.0.0.1 answering the paths below; ``hits`` are the paths asked."""

    def __init__(self) -> None:
        hits: list[str] = []
        self.hits = hits
        gather = threading.Barrier(GATHERED, timeout=10)

        class Handler(BaseHTTPRequestHandler):
            def answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                hits.append(self.path)
                where = urlsplit(self.path)
                query = parse_qs(where.query)
                document = json.dumps(DOCUMENT).encode()
                if where.path == "/doc.json":
                    self.answer(200, document, {"Content-Length": str(len(document))})
                elif where.path == "/redirect":
                    self.answer(302, b"", {"Location": query["to"][0], "Content-Length": "0"})
                elif where.path == "/loop":
                    self.answer(302, b"", {"Location": "/loop", "Content-Length": "0"})
                elif where.path == "/big":
                    self.answer(200, b" " * 2_000_000 + document, {})  # no length: read to the end
                elif where.path == "/big-declared":
                    self.answer(200, b"", {"Content-Length": "2000000000"})
                elif where.path == "/slow":
                    self.send_response(200)
                    self.end_headers()
                    for _ in range(100):  # a byte every 0.1 s, for 10 s
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.1)
                elif where.path.startswith("/gather/"):
                    try:  # answers only once every gathered request is in
                        gather.wait()
                    except threading.BrokenBarrierError:
                        self.answer(503, b"", {"Content-Length": "0"})
                        return
                    self.answer(200, document, {"Content-Length": str(len(document))})
                else:
                    self.answer(404, b"", {"Content-Length": "0"})

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.port = self.httpd.server_address[1]


@pytest.fixture
def local() -> Iterator[Local]:
    server = Local()
    thread = threading.Thread(target=server.httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (
        "OPENAPI_FETCH_ALLOW_NETWORKS",
        "OPENAPI_FETCH_MAX_BYTES",
        "OPENAPI_FETCH_TIMEOUT",
    ):
        monkeypatch.delenv(variable, raising=False)


def refusal(url: str, **options: Any) -> str:
    with pytest.raises(prompt.DocumentUnavailable) as caught:
        prompt.fetch_document(url, **options)
    return str(caught.value)


def test_a_document_on_an_allowed_network_is_fetched(
    local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert prompt.fetch_document(f"{local.url}/doc.json", allowed=LOOPBACK) == DOCUMENT
    monkeypatch.setenv("OPENAPI_FETCH_ALLOW_NETWORKS", "10.0.0.0/8, 127.0.0.0/8")
    assert prompt.fetch_document(f"{local.url}/doc.json") == DOCUMENT
    redirected = f"{local.url}/redirect?to=/doc.json"  # a redirect hop that passes the checks
    assert prompt.fetch_document(redirected) == DOCUMENT


def test_loopback_is_refused_without_the_setting(local: Local) -> None:
    message = refusal(f"{local.url}/doc.json")
    assert "refused" in message and "OPENAPI_FETCH_ALLOW_NETWORKS" in message
    assert local.hits == []  # refused before connecting


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:9/doc.json",
        "http://127.0.0.2:9/",
        "http://[::1]:9/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://0.0.0.0:9/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]:9/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "https://192.168.1.1/",
        "http://[fd00::1]/",
        "http://100.64.0.1/",
        "http://2130706433/",  # 127.0.0.1 as one number
    ],
)
def test_hosts_that_are_not_public_are_refused(url: str) -> None:
    assert "refused" in refusal(url, allowed=())


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/doc.json", "gopher://example.com/", "/doc.json", ""],
)
def test_only_http_and_https_urls_are_fetched(url: str) -> None:
    message = refusal(url, allowed=LOOPBACK)
    assert "only http and https" in message or "not a URL" in message


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.2:{port}/doc.json",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_to_a_refused_url_is_not_followed(local: Local, target: str) -> None:
    target = target.format(port=local.port)
    message = refusal(f"{local.url}/redirect?to={target}", allowed=LOOPBACK)
    assert "refused" in message
    assert [hit.split("?")[0] for hit in local.hits] == ["/redirect"]


def test_redirects_are_bounded(local: Local) -> None:
    assert "redirects" in refusal(f"{local.url}/loop", allowed=LOOPBACK)
    assert len(local.hits) == prompt.MAX_REDIRECTS + 1


def test_documents_past_the_size_bound_are_refused(local: Local) -> None:
    assert "larger than 1000 bytes" in refusal(f"{local.url}/big", allowed=LOOPBACK, max_bytes=1000)
    declared = refusal(f"{local.url}/big-declared", allowed=LOOPBACK, max_bytes=1000)
    assert "larger than 1000 bytes" in declared


def test_the_size_bound_is_a_setting(local: Local, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAPI_FETCH_MAX_BYTES", "100")
    assert "larger than 100 bytes" in refusal(f"{local.url}/doc.json", allowed=LOOPBACK)


def test_answers_past_the_time_bound_are_given_up(local: Local) -> None:
    assert "in time" in refusal(f"{local.url}/slow", allowed=LOOPBACK, timeout=0.5)


def test_the_documents_of_several_services_are_fetched_at_once(
    local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server answers a /gather/ path only once all of them are asked: fetched one after
    the other, the first would wait until its time bound and every section would fail."""
    monkeypatch.setenv("OPENAPI_FETCH_ALLOW_NETWORKS", "127.0.0.1/32")
    services = [
        {"id": f"s{n}", "name": f"Service {n}", "openapi_url": f"{local.url}/gather/{n}"}
        for n in range(GATHERED)
    ]
    services.append({"id": "again", "name": "Again", "openapi_url": f"{local.url}/gather/0"})
    text = prompt.build_system_prompt(services)
    assert text.count("API: Local API, version 1") == GATHERED + 1, text
    assert sorted(local.hits) == [f"/gather/{n}" for n in range(GATHERED)]  # one fetch per URL
    assert text.index("Service 0") < text.index("Service 1") < text.index("Again")
