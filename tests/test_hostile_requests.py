"""Generated services under hostile requests: no answer of 500, each refusal in its declared shape.

Two services, each served in-process (TestClient, real HTTP semantics through the ASGI app)
with a real SQLite file:

- the repo's golden service (``service/``, generated from ``openapi3_1.yml``): string ids
  clients choose, a 400 error schema, API keys, the default 10 MiB body limit;
- ``tests/specs/hostile_ids.yml`` generated afresh: integer ids the service generates (a 422
  error schema, a declared 413 on one operation only) and string ids clients choose (an
  ``application/problem+json`` 400), with ``MAX_BODY_BYTES=4096``.

The requests: ``NaN``/``Infinity``/``-Infinity``/``1e999`` in a body, a lone surrogate and a
NUL in a body (escaped and as raw bytes), in a query, a path, a header and a cookie, JSON
nested past any sane depth, integer ids spelled ``1.0``, ``+1``, ``01``, ``1_000``, ``-0``,
ids no path can address (``""``, ``"a/b"``, ``"."``, ``".."``), bodies past the limit with
and without ``Content-Length``, and a trailing slash with a forged ``Host``. Every answer is
below 500; a refusal has a status the operation declares (or, for 413, the spec gap
answered in one of the error shapes it declares), that response's media type, and a body
valid against its schema (jsonschema, Draft 2020-12, formats asserted). Nothing refused
is stored, and a refused id spelling never reaches the item it resembles.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from conftest import REPO, importable_service
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, FormatChecker

from specfirst.pipeline import generate

IDS_SPEC = REPO / "tests" / "specs" / "hostile_ids.yml"
USER = {"X-API-KEY": "user-key"}
ADMIN = {"X-ADMIN-API-KEY": "admin-key"}
JSON = {"Content-Type": "application/json"}
MIB = 1024 * 1024


@dataclass
class Service:
    client: TestClient
    document: dict[str, Any]

    def send(self, method: str, url: str, template: str | None, **kwargs: Any) -> httpx.Response:
        """Send one request: never a 5xx; a refusal is checked against ``template``'s operation
        (None: a path the document does not have)."""
        response = self.client.request(method, url, follow_redirects=False, **kwargs)
        assert response.status_code < 500, (method, url, response.status_code, response.text)
        if template is not None and response.status_code >= 400:
            check_declared(self.document, method, template, response)
        return response


def _serve(app_dir: Path, env: dict[str, str], database: Path) -> TestClient:
    """The app of ``app_dir``, started; its modules leave ``sys.modules`` so that another
    generated app (also a package named ``app``) can be loaded next to it."""

    with importable_service(app_dir):
        from app.core.config import Settings
        from app.core.db import Database
        from app.main import create_app

        app = create_app(Settings.from_env(env), database=Database(f"sqlite:///{database}"))
        client = TestClient(app)
        client.__enter__()  # runs the migrations while the app's modules are importable
    return client


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    keys = {"API_KEY_AUTH_KEYS": "user-key", "ADMIN_API_KEY_AUTH_KEYS": "admin-key"}
    database = tmp_path_factory.mktemp("golden") / "ensemble.db"
    client = _serve(REPO / "service", keys, database)
    document = json.loads((REPO / "service" / "openapi.json").read_text(encoding="utf-8"))
    yield Service(client, document)
    client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def ids(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("ids")
    generate(IDS_SPEC, root / "service")
    client = _serve(root / "service", {"MAX_BODY_BYTES": "4096"}, root / "items.db")
    document = yaml.safe_load(IDS_SPEC.read_text(encoding="utf-8"))
    yield Service(client, document)
    client.__exit__(None, None, None)


# -- the declared shape -------------------------------------------------------------------------


def _resolved(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for token in node["$ref"].lstrip("#/").split("/"):
            target = target[token]
        node = target
    return node


def check_declared(
    document: dict[str, Any], method: str, template: str, response: httpx.Response
) -> None:
    """``response`` is one the operation declares for its status (exactly, by range, or as
    ``default``): its media type, a body valid against its schema. An undeclared status (a
    spec gap: 413 where none is declared) must fit one of the error responses declared."""
    responses = document["paths"][template][method.lower()]["responses"]
    status = str(response.status_code)
    keys = [k for k in (status, f"{status[0]}XX", "default") if k in responses][:1]
    if not keys:
        assert response.status_code == 413, f"{method} {template} declares no {status}"
        keys = [k for k in responses if not k.startswith("2")]
    media_type = response.headers.get("content-type", "").split(";")[0]
    problems = []
    for key in keys:
        content = _resolved(document, responses[key]).get("content") or {}
        if media_type not in content:
            problems.append(f"{key}: media type {media_type} is not declared ({list(content)})")
            continue
        schema = {**content[media_type]["schema"], "components": document["components"]}
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        errors = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())
        ]
        if not errors:
            return
        problems.append(f"{key}: {errors}")
    raise AssertionError(f"{method} {template} {status} {response.text[:300]}: {problems}")


def _replace_body(fields: str, value: bytes) -> bytes:
    return fields.encode().replace(b"@", value)


NON_JSON_NUMBERS = [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999"]
BAD_TEXT = [b'"\\ud800"', b'"x\\udfff"', b'"\xed\xa0\x80"', b'"a\\u0000b"']
DEEP = b"[" * 2000 + b"]" * 2000  # past the JSON reader's stack, within 4096 bytes
UNADDRESSABLE = ["", "a/b", "/", ".", ".."]


# -- the repo's service --------------------------------------------------------------------------

REGISTRATION = (
    '{"id": "svc-@ID", "name": @, "description": "d", "openapi_url": "https://a.example/o.json"}'
)


def _registration(number: int, value: bytes) -> bytes:
    return _replace_body(REGISTRATION.replace("@ID", str(number)), value)


def test_golden_bodies_without_a_json_value(golden: Service) -> None:
    headers = {**ADMIN, **JSON}
    for number, value in enumerate(NON_JSON_NUMBERS + BAD_TEXT):
        response = golden.send(
            "POST",
            "/services/register",
            "/services/register",
            content=_registration(number, value),
            headers=headers,
        )
        assert response.status_code == 400, (value, response.text)
        update = golden.send(
            "PUT",
            "/services/update/svc-0",
            "/services/update/{service_id}",
            content=_registration(0, value),
            headers=headers,
        )
        assert update.status_code == 400, (value, update.text)
    for body in (DEEP, b'{"user_input": "hi", "x\\u0000": 1}', b'{"user_input": NaN}'):
        interact = golden.send(
            "POST", "/interact", "/interact", content=body, headers={**USER, **JSON}
        )
        assert interact.status_code == 400, interact.text
    listed = golden.send("GET", "/services", "/services", headers=USER).json()["services"]
    assert listed == [], "a refused body was stored"


def test_golden_ids_no_path_can_address_are_refused_at_create(golden: Service) -> None:
    for key in UNADDRESSABLE:
        body = {"id": key, "name": "n", "description": "d", "openapi_url": "https://a.example/o"}
        response = golden.send(
            "POST", "/services/register", "/services/register", json=body, headers=ADMIN
        )
        assert response.status_code == 400 and "no path could address it" in response.text
    stored = {
        s["id"]
        for s in golden.send("GET", "/services", "/services", headers=USER).json()["services"]
    }
    assert not stored & set(UNADDRESSABLE)
    # any other text is one segment ("%2F" too, sent as "%252F"; TestClient decodes a path
    # twice, so this test keeps to ids whose spelling survives that)
    body = {"id": "a b.~", "name": "n", "description": "d", "openapi_url": "https://a.example/o"}
    assert (
        golden.send(
            "POST", "/services/register", "/services/register", json=body, headers=ADMIN
        ).status_code
        == 201
    )
    deleted = golden.send(
        "DELETE", "/services/delete/a%20b.~", "/services/delete/{service_id}", headers=ADMIN
    )
    assert deleted.status_code == 200, deleted.text


def test_golden_parameters_with_a_nul(golden: Service) -> None:
    refused = [
        ("GET", "/services?tags=a%00b", "/services", USER),
        ("GET", "/services?%00=1", "/services", USER),
        ("GET", "/logs", "/logs", {"X-API-KEY": "user-key\x00"}),
        ("GET", "/logs", "/logs", {**USER, "Cookie": "session=a\x00b"}),
        ("GET", "/services/search?q=%00", "/services/search", USER),
        ("DELETE", "/services/delete/a%00b", "/services/delete/{service_id}", ADMIN),
    ]
    for method, url, template, headers in refused:
        response = golden.send(method, url, template, headers=headers)
        assert response.status_code in (400, 404), (
            url,
            response.text,
        )  # 404: the path names nothing
        assert "NUL" in response.text


def test_golden_integer_parameters_have_one_spelling(golden: Service) -> None:
    for text in ["1.0", "+1", "01", "1_000", "-0", "%201", "1e1", "0x10", "%D9%A1"]:
        response = golden.send("GET", f"/logs?limit={text}", "/logs", headers=USER)
        assert response.status_code == 400, (text, response.text)
    assert golden.send("GET", "/logs?limit=10&offset=0", "/logs", headers=USER).status_code == 200


def test_golden_body_limit_with_and_without_content_length(golden: Service) -> None:
    big = REGISTRATION.replace("@ID", "big").encode().replace(b"@", b'"' + b"a" * (10 * MIB) + b'"')
    response = golden.send(
        "POST", "/services/register", "/services/register", content=big, headers={**ADMIN, **JSON}
    )
    assert response.status_code == 413 and "larger than 10485760 bytes" in response.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"user_input": "'
        yield from (b"a" * MIB for _ in range(11))
        yield b'"}'

    response = golden.send(
        "POST", "/interact", "/interact", content=chunks(), headers={**USER, **JSON}
    )
    assert response.status_code == 413
    within = {"user_input": "a" * (MIB // 2)}
    assert (
        golden.send("POST", "/interact", "/interact", json=within, headers=USER).status_code != 413
    )
    stored = {
        s["id"]
        for s in golden.send("GET", "/services", "/services", headers=USER).json()["services"]
    }
    assert "svc-big" not in stored


def test_golden_body_limit_is_enforced_while_reading(golden: Service) -> None:
    """Through the app itself (ASGI): a streamed body is refused at the chunk that passes the
    limit; the rest is never read."""
    received = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"a" * MIB, "more_body": received < 100}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/interact",
        "raw_path": b"/interact",
        "root_path": "",
        "query_string": b"",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
        "headers": [(b"x-api-key", b"user-key"), (b"content-type", b"application/json")],
    }
    asyncio.run(golden.client.app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert received == 11  # 10 MiB fit; the 11th chunk passed the limit


def test_golden_no_redirect_from_the_host_header(golden: Service) -> None:
    for method, path in [("GET", "/services/"), ("GET", "/logs/"), ("POST", "/interact/")]:
        response = golden.send(method, path, None, headers={**USER, "Host": "attacker.example"})
        assert response.status_code == 404 and "location" not in response.headers
    assert golden.send("GET", "/services", "/services", headers=USER).status_code == 200


# -- a service with integer ids ------------------------------------------------------------------


def test_ids_bodies_without_a_json_value(ids: Service) -> None:
    # the declared 422 for items (a number, a string, an array member), 400 for labels
    cases = [
        ("/items", 422, '{"name": "n", "price": @}'),
        ("/items", 422, '{"name": @}'),
        ("/items", 422, '{"name": "n", "tags": ["a", @]}'),
        ("/labels", 400, '{"key": "k", "text": @}'),
    ]
    for value in NON_JSON_NUMBERS + BAD_TEXT:
        for url, status, fields in cases:
            body = _replace_body(fields, value)
            response = ids.send("POST", url, url, content=body, headers=JSON)
            assert response.status_code == status, (body, response.text)
    for url, template, status in [("/items", "/items", 422), ("/labels", "/labels", 400)]:
        assert ids.send("POST", url, template, content=DEEP, headers=JSON).status_code == status
    assert ids.send("GET", "/items", "/items").json() == [], "a refused body was stored"
    assert ids.send("GET", "/labels/k", "/labels/{key}").status_code == 404


def test_ids_an_integer_id_has_one_spelling(ids: Service) -> None:
    item = ids.send("POST", "/items", "/items", json={"name": "keep"}).json()
    number = item["id"]
    spellings = [
        f"{number}.0",
        f"+{number}",
        f"0{number}",
        f"{number}_0",
        f"%20{number}",
        f"{number}e0",
        f"0x{number}",
        "%D9%A1",
        "-0",
        f"{number}%00",
    ]
    for text in spellings:
        for method in ("GET", "DELETE", "PUT"):
            extra = {"json": {"name": "changed"}} if method == "PUT" else {}
            response = ids.send(method, f"/items/{text}", "/items/{itemId}", **extra)
            assert response.status_code == 422, (method, text, response.text)
    for text in ["01", "1_000", "+1", "1.5"]:
        assert ids.send("GET", f"/items?limit={text}", "/items").status_code == 422
    assert ids.send("GET", f"/items/{number}", "/items/{itemId}").json() == item  # untouched
    assert ids.send("DELETE", f"/items/{number}", "/items/{itemId}").status_code == 204


def test_ids_ids_no_path_can_address_are_refused_at_create(ids: Service) -> None:
    for key in UNADDRESSABLE:
        response = ids.send("POST", "/labels", "/labels", json={"key": key, "text": "t"})
        assert response.status_code == 400 and "no path could address it" in response.text
    created = ids.send("POST", "/labels", "/labels", json={"key": "..a b", "text": "t"})
    assert created.status_code == 201
    assert ids.send("GET", "/labels/..a%20b", "/labels/{key}").json()["key"] == "..a b"
    assert ids.send("DELETE", "/labels/..a%20b", "/labels/{key}").status_code == 204


def test_ids_parameters_with_a_nul(ids: Service) -> None:
    for method, url, template, headers, status in [
        ("GET", "/items?name=a%00", "/items", {}, 422),
        ("GET", "/items", "/items", {"X-Trace": "\x00"}, 422),
        ("GET", "/labels/a%00b", "/labels/{key}", {}, 404),  # a path that names nothing
    ]:
        response = ids.send(method, url, template, headers=headers)
        assert response.status_code == status and "NUL" in response.text, response.text


def test_ids_body_limit_from_the_setting(ids: Service) -> None:
    big = {"name": "a" * 4096}
    declared = ids.send("POST", "/items", "/items", json=big)  # declares 413
    assert declared.status_code == 413 and "larger than 4096 bytes" in declared.json()["message"]
    item = ids.send("POST", "/items", "/items", json={"name": "small"}).json()
    put = ids.send("PUT", f"/items/{item['id']}", "/items/{itemId}", json=big)  # declares 404, 422
    assert put.status_code == 413
    label = ids.send(
        "POST",
        "/labels",
        "/labels",
        content=iter([json.dumps({"key": "k", "text": "a" * 5000}).encode()]),
        headers=JSON,
    )
    assert label.status_code == 413 and label.json()["status"] == 413  # the Problem shape
    assert ids.send("GET", f"/items/{item['id']}", "/items/{itemId}").json()["name"] == "small"


def test_ids_no_redirect_from_the_host_header(ids: Service) -> None:
    for method, path in [("GET", "/items/"), ("POST", "/labels/"), ("DELETE", "/items/1/")]:
        response = ids.send(method, path, None, headers={"Host": "attacker.example"})
        assert response.status_code == 404 and "location" not in response.headers
