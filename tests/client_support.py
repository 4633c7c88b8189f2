"""Helpers for the client tests: generate a client package and import it; a real HTTP
server for ``tests/client_specs/constructs.yml`` (a kennel of cats and dogs).

The kennel server is a small hand-written service on 127.0.0.1 (``http.server`` in a
thread) that checks credentials as the document's security schemes say, pages by cursor,
takes JSON, form and multipart bodies, streams server-sent events, and records every
request it saw, so that a test can look at what the client sent on the wire.
"""

from __future__ import annotations

import base64
import email.parser
import importlib
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from specfirst.client import generate_client


def import_client(out: Path, package: str) -> ModuleType:
    """Import a generated client package from ``out`` (forgetting any earlier import of it)."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(out))


def generate_and_import(spec: Path, out: Path, package: str) -> ModuleType:
    generate_client(spec, out, package=package)
    return import_client(out, package)


PETS = [
    {"id": "p0", "petType": "cat", "name": "Tom", "status": "available", "born": "2020-02-02"},
    {"id": "p1", "petType": "dog", "name": "Rex", "barks": True},
    {
        "id": "p2",
        "petType": "cat",
        "name": "Kit",
        "status": "pending",
    },  # a status the document lacks
    {"id": "p3", "petType": "hamster", "name": "Ham"},  # a kind the document lacks
    {"id": "p4", "petType": "dog", "name": "Fido", "barks": False},
]


class Kennel:
    """The kennel service; ``seen`` holds (method, path, query, headers, body) per request."""

    QUERY_KEY, COOKIE, BASIC, BEARER = "qk", "ck", ("u", "p"), "tok"
    CLIENT = ("client", "secret")

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, list[str]], dict[str, str], bytes]] = []
        self.fail_next: list[int] = []  # statuses to answer the next requests with
        self.tokens_issued = 0
        self.revoked: set[str] = set()
        kennel = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def _answer(
                self, status: int, body: Any = None, headers: dict[str, str] | None = None
            ) -> None:
                if isinstance(body, (bytes, str)):  # raw bytes or text: the route sets its type
                    data = body if isinstance(body, bytes) else body.encode()
                else:
                    data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if body is not None and not isinstance(body, (bytes, str)):
                    self.send_header("Content-Type", "application/json")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                headers = {k.lower(): v for k, v in self.headers.items()}
                kennel.seen.append((method, parts.path, query, headers, body))
                if kennel.fail_next:
                    self._answer(kennel.fail_next.pop(0), {"code": "injected"})
                    return
                route = None
                if parts.path == "/token":
                    route = kennel.post_token
                elif parts.path.startswith("/v2/"):
                    name = parts.path[len("/v2/") :].split("/")[0]
                    route = getattr(kennel, f"{method.lower()}_{name}", None)
                if route is None:
                    self._answer(404, {"code": "no-route"})
                    return
                status, answer, extra = route(parts.path, query, headers, body)
                if status == 200 and isinstance(answer, list):  # server-sent events
                    data = "".join(f"data: {json.dumps(event)}\n\n" for event in answer).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self._answer(status, answer, extra)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # -- routes: (path, query, headers, body) -> (status, JSON body, headers) ------------------
    Answer = tuple[int, Any, dict[str, str]]

    def get_pets(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> Answer:
        if query.get("key") != [self.QUERY_KEY]:
            return 401, {"code": "no-key"}, {}
        if path != "/v2/pets":
            return self._get_pet(path.rsplit("/", 1)[-1], headers)
        limit = int(query.get("limit", ["2"])[0])
        after = query.get("after", [None])[0]
        start = next((i + 1 for i, p in enumerate(PETS) if p["id"] == after), 0)
        page = PETS[start : start + limit]
        more = start + limit < len(PETS)
        return 200, {"data": page, "next_cursor": page[-1]["id"] if more else None}, {}

    def _get_pet(self, pet_id: str, headers: dict[str, str]) -> Answer:
        if f"session={self.COOKIE}" not in headers.get("cookie", ""):
            return 401, {"code": "no-session"}, {}
        pet = next((p for p in PETS if p["id"] == pet_id), None)
        if pet is None:
            return 404, {"code": "not-found", "detail": pet_id}, {"X-Request-Id": "req-404"}
        return 200, pet, {}

    def post_pets(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> Answer:
        basic = "Basic " + base64.b64encode(":".join(self.BASIC).encode()).decode()
        if headers.get("authorization") not in (basic, f"Bearer {self.BEARER}"):
            return 401, {"code": "no-credentials"}, {}
        pet = json.loads(body)
        if pet["name"] == "Taken":
            return 409, {"code": "taken", "detail": pet["name"]}, {}
        return 201, {**{k: v for k, v in pet.items() if k != "secret"}, "id": "p9"}, {}

    def post_token(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> Answer:
        expected = "Basic " + base64.b64encode(":".join(self.CLIENT).encode()).decode()
        form = parse_qs(body.decode())
        if headers.get("authorization") != expected or form.get("grant_type") != [
            "client_credentials"
        ]:
            return 401, {"error": "invalid_client"}, {}
        self.tokens_issued += 1
        return (
            200,
            {
                "access_token": f"at-{self.tokens_issued}",
                "expires_in": 3600,
                "scope": form.get("scope", [""])[0],
            },
            {},
        )

    def post_uploads(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> Answer:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if not token.startswith("at-") or token in self.revoked:
            return 401, {"code": "bad-token"}, {}
        raw = f"Content-Type: {headers['content-type']}\r\n\r\n".encode() + body
        message = email.parser.BytesParser().parsebytes(raw)
        fields = {
            part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
            for part in message.get_payload()
        }
        return 200, {"size": len(fields["file"]), "note": (fields.get("note") or b"").decode()}, {}

    def post_forms(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> Answer:
        return 204, None, {}

    def get_photos(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> Answer:
        return 200, b"\x89PNG" + path.rsplit("/", 1)[-1].encode(), {"Content-Type": "image/png"}

    def get_about(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> Answer:
        return 200, "Kennel\nsince 1999", {"Content-Type": "text/plain; charset=utf-8"}

    def get_events(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> Answer:
        return 200, [{"n": n} for n in range(3)], {}

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
