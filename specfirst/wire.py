"""What a request body sent in a non-JSON media type says, read the way the service reads it.

Schemathesis generates a body as a JSON value, labels it valid (positive) or invalid
(negative), then encodes it as form fields or XML. That encoding can lose what made the
label true: an array of objects sent as ``tags=id`` (its keys), a nested ``category.name``
spread into a top-level ``name`` field, a string and an empty array both written as
``<tags></tags>``. The bytes on the wire then say something else than the label.

``read_bodies(app_dir, requests)`` decodes each recorded body with the generated service's
own reader (``app/core/bodies.py``, OpenAPI's encoding rules) and validates the value with
the operation's body model, in a child interpreter started in ``app_dir``. ``specfirst fuzz``
uses it to tell a failure of the service from a body whose label did not survive encoding:
for those it reports what the bytes read as, so that anyone can check the verdict.

Run as ``python -m specfirst.wire APP_DIR`` with a JSON list of requests on stdin (``method``,
``path`` as in the spec, ``content_type``, ``body`` in base64); prints one verdict each.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Reading:
    """What one body reads as."""

    valid: bool
    value: Any = None
    """The decoded value (JSON data), when the body could be decoded."""
    problem: str = ""
    """Why it is not valid: a decoding error or the model's validation errors."""


class WireError(Exception):
    """The generated app could not be imported to read bodies with."""


def read_bodies(app_dir: str | Path, requests: Sequence[dict[str, str]]) -> list[Reading]:
    if not requests:
        return []
    proc = subprocess.run(
        [sys.executable, "-m", "specfirst.wire", str(Path(app_dir).resolve())],
        input=json.dumps(list(requests)),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        cwd=Path(app_dir).resolve(),
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-12:])
        raise WireError(f"cannot read bodies with the app in {app_dir}:\n{tail}")
    return [Reading(**item) for item in json.loads(proc.stdout)]


# -- in the child interpreter ---------------------------------------------------------------------


def _routes() -> dict[tuple[str, str], Any]:
    from app.api.routes import api_router  # type: ignore[import-not-found]

    found: dict[tuple[str, str], Any] = {}
    for route in api_router.routes:
        for method in getattr(route, "methods", None) or ():
            found[(method.upper(), getattr(route, "path", ""))] = route
    return found


async def _read(route: Any, content_type: str, raw: bytes) -> Reading:
    from app.core.bodies import DecodedRequest, RequestBody  # type: ignore[import-not-found]
    from app.core.errors import ApiError  # type: ignore[import-not-found]
    from fastapi.exceptions import RequestValidationError
    from pydantic import TypeAdapter, ValidationError
    from starlette.requests import Request

    if route.body_field is None:
        return Reading(False, problem="the operation takes no body")
    body = RequestBody(route)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", content_type.encode("latin-1"))],
        "query_string": b"",
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    try:
        prepared = await body.prepare(Request(scope, receive))
    except RequestValidationError as exc:
        return Reading(False, problem="; ".join(str(e.get("msg", "")) for e in exc.errors()))
    except ApiError as exc:  # the service refuses the media type (415)
        return Reading(False, problem=f"{exc.status}: {exc.message}")
    if isinstance(prepared, DecodedRequest):
        value = prepared._json  # what the service validates and handles
    else:  # JSON, which FastAPI reads itself
        try:
            value = json.loads(raw) if raw else None
        except ValueError as exc:
            return Reading(False, problem=f"not JSON: {exc}")
    if isinstance(value, bytes | bytearray):
        shown: Any = f"<{len(value)} bytes>"
    else:
        shown = value
    try:
        TypeAdapter(body.annotation).validate_python(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        return Reading(False, _jsonable(shown), problems)
    return Reading(True, _jsonable(shown))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def main() -> None:
    app_dir = Path(sys.argv[1])
    sys.path.insert(0, str(app_dir))
    os.chdir(app_dir)
    requests = json.loads(sys.stdin.read())
    routes = _routes()
    readings: list[dict[str, Any]] = []
    for item in requests:
        route = routes.get((item["method"].upper(), item["path"]))
        if route is None:
            reading = Reading(False, problem=f"no route for {item['method']} {item['path']}")
        else:
            raw = base64.b64decode(item.get("body") or "")
            reading = asyncio.run(_read(route, item["content_type"], raw))
        readings.append(vars(reading))
    sys.stdout.write(json.dumps(readings))


if __name__ == "__main__":
    main()
