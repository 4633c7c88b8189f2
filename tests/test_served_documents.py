"""What a generated service serves besides its API, and how it logs its requests.

The golden service runs under uvicorn (a real process, real HTTP): ``/docs`` and ``/redoc``
load every asset from the service itself and name no other host, ``/openapi.json`` answers
the generated tree's ``openapi.json`` byte for byte, and each request is logged once (the
JSON line; uvicorn's access line is off). The text of that file is the source itself for a
one-file JSON document, and the bundled document as JSON otherwise.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from e2e_server import REPO, Server, copy_service

from specfirst.pipeline import load_api
from specfirst.steps.main_entry import served_document

# URLs a docs page loads: tag attributes, and the document URL in the Swagger UI script
_PAGE_URLS = re.compile(r"""(?:src|href|spec-url)="([^"]*)"|\burl: '([^']*)'|\+ '(/[^']*)'""")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("served")
    app_dir = copy_service(REPO / "service", work / "service")
    env = {"TYPESENSE_URL": "", "TYPESENSE_API_KEY": ""}  # no sync: nothing to wait for
    with Server(app_dir, env=env, db_path=work / "service.db") as running:
        yield running


def page_urls(page: str) -> list[str]:
    return [next(url for url in match if url) for match in _PAGE_URLS.findall(page)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_everything_from_the_service(server: Server, page: str) -> None:
    response = httpx.get(server.url + page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    # no other host anywhere in the page: no absolute URL, no scheme-relative one
    assert not re.search(r"https?:|//[\w.-]", response.text), response.text
    urls = page_urls(response.text)
    assert "/openapi.json" in urls
    assert any(url.endswith(".js") for url in urls), urls
    for url in urls:
        assert url.startswith("/"), url
        asset = httpx.get(server.url + url)
        assert asset.status_code == 200, url
        assert asset.content, url


def test_openapi_json_is_the_file_byte_for_byte(server: Server) -> None:
    response = httpx.get(f"{server.url}/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == (REPO / "service" / "openapi.json").read_bytes()


def test_one_log_line_per_request(server: Server) -> None:
    token = secrets.token_hex(8)
    path = f"/nothing-here-{token}"
    assert httpx.get(server.url + path, headers={"X-Request-ID": token}).status_code == 404
    # the JSON line is written once the answer is sent: wait for it (uvicorn writes its own
    # access line, when on, before the app's line)
    deadline = time.monotonic() + 10
    while token not in server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = [line for line in server.log().splitlines() if token in line]
    assert len(lines) == 1, lines
    entry = json.loads(lines[0])
    assert (entry["request_id"], entry["path"], entry["status"]) == (token, path, 404)


# ----------------------------------------------------------- the text of the served file

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Caf\u00e9 \u2615", "version": "1"},
    "paths": {
        "/ping": {"get": {"operationId": "ping", "responses": {"204": {"description": "pong"}}}}
    },
}


def test_a_json_source_is_served_as_written(tmp_path: Path) -> None:
    # spacing, key order and escapes that a re-serialization would change
    text = json.dumps(DOCUMENT, indent=4, ensure_ascii=True).replace('": ', '" :') + "\r\n"
    (tmp_path / "spec.json").write_text(text, encoding="utf-8", newline="")
    api = load_api(tmp_path / "spec.json")
    assert served_document(api.source, api.document) == text


def test_a_yaml_source_is_served_as_the_bundled_json(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(json.dumps(DOCUMENT), encoding="utf-8")
    (tmp_path / "spec.yml").write_text(
        "openapi: 3.1.0\ninfo: {title: 'Caf\u00e9 \u2615', version: '1'}\n"
        "paths:\n  /ping:\n    get:\n      operationId: ping\n"
        "      responses: {'204': {description: pong}}\n",
        encoding="utf-8",
    )
    api = load_api(tmp_path / "spec.yml")
    served = served_document(api.source, api.document)
    assert served == json.dumps(DOCUMENT, indent=2, ensure_ascii=False) + "\n"
    # a YAML file that is JSON is JSON: served as written
    api = load_api(tmp_path / "spec.yaml")
    assert served_document(api.source, api.document) == json.dumps(DOCUMENT)


def test_a_multi_file_json_source_is_served_bundled(tmp_path: Path) -> None:
    root = {**DOCUMENT, "paths": {"/ping": {"$ref": "paths.json#/ping"}}}
    (tmp_path / "spec.json").write_text(json.dumps(root), encoding="utf-8")
    (tmp_path / "paths.json").write_text(json.dumps({"ping": DOCUMENT["paths"]["/ping"]}))
    api = load_api(tmp_path / "spec.json")
    served = served_document(api.source, api.document)
    assert json.loads(served) == api.document
    assert "paths.json" not in served  # the external file is copied in
