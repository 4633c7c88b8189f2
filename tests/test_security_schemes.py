"""Every security scheme type generates a dependency that imports, publishes and checks its credential."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPEC = REPO / "tests" / "specs" / "every_scheme.yml"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("schemes") / "service"
    generate(SPEC, out)
    return out


def run_in(service: Path, script: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=service,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_only_what_fastapi_cannot_publish_differs(service: Path) -> None:
    found = {(d.category, d.pointer) for d in validate(SPEC, service)}
    # FastAPI's OpenAPI model has no mutualTLS scheme type (its requirements are published
    # through openapi_extra), and it writes one requirement object per scheme, so schemes
    # required together cannot be published (README: Constructs FastAPI cannot publish):
    # nothing else may differ.
    assert found == {
        ("unpublishable", "/components/securitySchemes/mtls"),
        ("unpublishable", "/paths/~1named-like-helpers/get/security"),
    }, found


def test_every_scheme_accepts_its_credential_and_refuses_others(service: Path) -> None:
    out = run_in(
        service,
        """
        import base64, hashlib, warnings
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
        from app.core.config import Settings
        from app.main import create_app

        env = {name + "_KEYS": "s3cret" for name in (
            "KEY_HEADER", "KEY_QUERY", "KEY_COOKIE", "BEARER", "JWT", "IMPLICIT_FLOW",
            "PASSWORD_FLOW", "CLIENT_FLOW", "CODE_FLOW", "ALL_FLOWS", "OIDC", "SATISFY", "REQUEST")}
        env["BASIC_KEYS"] = "ann:pw"
        client = TestClient(create_app(Settings.from_env(env)))
        bearer = {"Authorization": "Bearer s3cret"}
        cases = {
            "/key-header": ({"headers": {"X-Key": "s3cret"}}, {"headers": {"X-Key": "nope"}}),
            "/key-query": ({"params": {"key": "s3cret"}}, {"params": {"key": "nope"}}),
            "/key-cookie": ({"headers": {"Cookie": "session=s3cret"}}, {"headers": {"Cookie": "session=nope"}}),
            "/basic": ({"auth": ("ann", "pw")}, {"auth": ("ann", "nope")}),
            "/named-like-helpers": (
                {"headers": {"X-Satisfy": "s3cret", "X-Request": "s3cret"}},
                {"headers": {"X-Satisfy": "s3cret"}},
            ),
        }
        for path in ("/bearer", "/jwt", "/implicit", "/password", "/client", "/code", "/all-flows", "/oidc"):
            cases[path] = ({"headers": bearer}, {"headers": {"Authorization": "Bearer nope"}})
        for path, (good, bad) in cases.items():
            client.cookies.clear()
            assert client.get(path).status_code == 401, path
            client.cookies.clear()
            assert client.get(path, **bad).status_code == 401, path
            client.cookies.clear()
            # accepted: the request reaches the (unwritten) handler
            assert client.get(path, **good).status_code == 501, path
        print("ok")
        """,
    )
    assert out.strip() == "ok"


def test_mutual_tls_accepts_a_configured_client_certificate(service: Path) -> None:
    out = run_in(
        service,
        """
        import asyncio, base64, hashlib, warnings
        warnings.simplefilter("ignore")
        from app.core.config import Settings
        from app.main import create_app

        der = b"a client certificate the TLS layer verified"
        pem = "-----BEGIN CERTIFICATE-----\\n" + base64.b64encode(der).decode() + "\\n-----END CERTIFICATE-----\\n"
        fingerprint = hashlib.sha256(der).hexdigest()
        colons = ":".join(fingerprint[i:i + 2] for i in range(0, len(fingerprint), 2)).upper()
        app = create_app(Settings.from_env({"MTLS_KEYS": colons}))

        async def status(path, tls):
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                     "scheme": "https", "path": path, "raw_path": path.encode(), "root_path": "",
                     "query_string": b"", "headers": [(b"host", b"testserver")],
                     "client": ("127.0.0.1", 1), "server": ("testserver", 443)}
            if tls is not None:
                scope["extensions"] = {"tls": tls}
            sent = []
            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}
            async def send(message):
                sent.append(message)
            async with app.router.lifespan_context(app):
                await app(scope, receive, send)
            return sent[0]["status"]

        other = "-----BEGIN CERTIFICATE-----\\n" + base64.b64encode(b"another").decode() + "\\n-----END CERTIFICATE-----\\n"
        for path in ("/mtls", "/mtls-or-key"):
            assert asyncio.run(status(path, None)) == 401
            assert asyncio.run(status(path, {"client_cert_chain": [other]})) == 401
            assert asyncio.run(status(path, {"client_cert_chain": [pem], "client_cert_error": "expired"})) == 401
            assert asyncio.run(status(path, {"client_cert_chain": [pem]})) == 501
        print("ok")
        """,
    )
    assert out.strip() == "ok"


def test_scheme_names_never_take_the_security_module_names(service: Path) -> None:
    source = (service / "app" / "core" / "security.py").read_text()
    assert "def satisfy(" not in source and "def request(" not in source
    assert "async def satisfy_2(" in source and "async def request_2(" in source
