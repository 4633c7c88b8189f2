"""What every request is held to before its values are validated.

A generated service reads requests from anyone. Before a value reaches a model, a handler or
the database, this module refuses what no schema can mean and nothing downstream can hold:

- a body larger than the limit (``MAX_BODY_BYTES``, 10 MiB by default): counted while it is
  read, chunk by chunk, with or without ``Content-Length``, so an oversized body is never
  held in memory; answered ``413`` (``refusals.TOO_LARGE``) in the operation's error shape;
- JSON that is not JSON: ``NaN``, ``Infinity``, ``-Infinity`` and numbers out of the range of
  a float (``1e999``), which Python's reader takes as non-finite floats; nesting deeper than
  ``MAX_JSON_DEPTH`` (no answer could carry it back);
- text with a NUL or a lone surrogate (``"\\ud800"``) anywhere: a string or a key in the
  body, a path, query, header or cookie value (UTF-8 cannot encode a lone surrogate, so the
  database and every response would fail on it);
- an id that no path can address: ``""``, ``"."``, ``".."`` or one containing ``/`` cannot be
  one path segment, so an item created with it could never be read or deleted.

Each is a request the operation's declared validation error answers (400/422, see
``refusals``), never a server error. The module is copied verbatim into every generated
service as ``app/core/request_limits.py``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.types import Message

from .errors import ApiError, refusal_status

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
"""The largest request body a service reads unless ``MAX_BODY_BYTES`` says otherwise."""

MAX_JSON_DEPTH = 128
"""The deepest nesting of arrays and objects a JSON body may have (the body itself is 1)."""

MAX_ISSUES = 20
"""At most this many bad values are listed in one refusal."""

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")

Location = tuple[str | int, ...]


# -- text ---------------------------------------------------------------------------------------


def text_problem(text: str) -> str | None:
    """What makes ``text`` unacceptable in any value (a NUL, a lone surrogate); None if nothing."""
    found = _BAD_TEXT.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "text must not contain a NUL character"
    return f"text must not contain a lone surrogate (U+{ord(found.group()):04X})"


def _issue(kind: str, location: Location, message: str) -> dict[str, Any]:
    # the bad value itself is never echoed: it may be what a response cannot encode
    return {"type": kind, "loc": location, "msg": message, "input": None}


def value_issues(value: Any, location: Location = ("body",)) -> list[dict[str, Any]]:
    """The values a decoded body must not hold, where they are: text with a NUL or a lone
    surrogate (in values and in keys), non-finite numbers, nesting past ``MAX_JSON_DEPTH``.

    Walks without recursion, so any depth is answered; bytes (binary data) are not text.
    """
    issues: list[dict[str, Any]] = []
    stack: list[tuple[Any, Location, int]] = [(value, location, 1)]
    while stack and len(issues) < MAX_ISSUES:
        node, where, depth = stack.pop()
        if isinstance(node, str):
            problem = text_problem(node)
            if problem is not None:
                issues.append(_issue("string_invalid", where, problem))
        elif isinstance(node, float):
            if not math.isfinite(node):
                issues.append(_issue("finite_number", where, "numbers must be finite"))
        elif isinstance(node, dict | list):
            if depth > MAX_JSON_DEPTH:
                message = f"values may be nested at most {MAX_JSON_DEPTH} deep"
                issues.append(_issue("too_deep", where, message))
                continue
            if isinstance(node, list):
                stack.extend((item, (*where, index), depth + 1) for index, item in enumerate(node))
                continue
            for key, item in node.items():
                key_problem = text_problem(key) if isinstance(key, str) else None
                if key_problem is not None:
                    issues.append(_issue("string_invalid", where, f"a key: {key_problem}"))
                    continue
                stack.append((item, (*where, key), depth + 1))
    issues.sort(key=lambda issue: [str(part) for part in issue["loc"]])
    return issues


def refuse_values(value: Any, location: Location = ("body",)) -> None:
    """Raise the declared validation error when ``value`` holds anything ``value_issues`` finds."""
    issues = value_issues(value, location)
    if issues:
        raise RequestValidationError(issues)


# -- JSON ---------------------------------------------------------------------------------------


class NotJson(ValueError):
    """Bytes that are not JSON text at all (left to the framework's own parse error)."""


class _NotANumber(ValueError):
    pass


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise _NotANumber(f"{text} is out of the range of numbers")
    return number


def _no_constant(name: str) -> Any:
    raise _NotANumber(f"{name} is not a JSON number")


def load_json(raw: bytes | str) -> Any:
    """A JSON body as JSON defines it, or the declared validation error.

    ``NaN``, ``Infinity``, ``-Infinity`` and numbers out of a float's range are not JSON
    numbers; text with a NUL or a lone surrogate (escaped, or sent as the bytes of one) and
    nesting past ``MAX_JSON_DEPTH`` are refused too (``RequestValidationError``). Bytes that
    are not JSON raise ``NotJson``.
    """
    try:
        value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except _NotANumber as exc:
        raise RequestValidationError([_issue("json_number", ("body",), str(exc))]) from None
    except RecursionError:
        message = f"values may be nested at most {MAX_JSON_DEPTH} deep"
        raise RequestValidationError([_issue("too_deep", ("body",), message)]) from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise NotJson(str(exc)) from None
    refuse_values(value)
    return value


# -- parameters -----------------------------------------------------------------------------


def _pairs(request: Request) -> Iterator[tuple[str, str, str]]:
    for name, value in request.path_params.items():
        if isinstance(value, str):
            yield "path", name, value
    for name, value in request.query_params.multi_items():
        yield "query", name, name
        yield "query", name, value
    for name, value in request.headers.items():
        yield "header", name, value
    for name, value in request.cookies.items():
        yield "cookie", name, value


def refuse_parameters(request: Request) -> None:
    """The declared validation error when a path, query, header or cookie value (or a query
    parameter's name) has a NUL or a lone surrogate."""
    issues: list[dict[str, Any]] = []
    for where, name, text in _pairs(request):
        problem = text_problem(text)
        if problem is not None and len(issues) < MAX_ISSUES:
            issues.append(_issue("string_invalid", (where, name), problem))
    if issues:
        raise RequestValidationError(issues)


# -- ids --------------------------------------------------------------------------------------


def segment_problem(value: Any) -> str | None:
    """Why ``value`` cannot be an id that a path segment addresses; None when it can.

    A path segment is never empty, never holds ``/`` (not even as ``%2F``: servers decode it
    before routing) and is never ``.`` or ``..`` (clients resolve those away). Values other
    than text (integers) are addressed by their JSON spelling.
    """
    if not isinstance(value, str):
        return None
    if value == "":
        return "an id must not be empty: no path could address it"
    if "/" in value:
        return "an id must not contain '/': no path could address it"
    if value in (".", ".."):
        return f"an id must not be {value!r}: no path could address it"
    return text_problem(value)


def refuse_unaddressable(value: Any, location: Location) -> None:
    """The declared validation error when ``value`` is an id no path segment can address."""
    problem = segment_problem(value)
    if problem is not None:
        raise RequestValidationError([_issue("id_unaddressable", location, problem)])


# -- the body size limit ----------------------------------------------------------------------


def limited(request: Request, max_bytes: int) -> Request:
    """``request`` reading its body through a counter: past ``max_bytes`` (or announced past
    it by ``Content-Length``), reading raises the 413 refusal. Nothing is read here."""
    receive = request.receive
    announced = request.headers.get("content-length", "")
    received = 0

    def too_large() -> ApiError:
        status = refusal_status(request, "too_large")
        message = f"the request body is larger than {max_bytes} bytes"
        return ApiError(status, "content_too_large", message)

    async def counted() -> Message:
        nonlocal received
        if announced.isdigit() and int(announced) > max_bytes:
            raise too_large()
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise too_large()
        return message

    return Request(request.scope, counted)


def max_body_bytes(request: Request) -> int:
    """The service's limit (``app.state.settings.max_body_bytes``), else the default."""
    settings = getattr(request.app.state, "settings", None)
    limit = getattr(settings, "max_body_bytes", None)
    return limit if isinstance(limit, int) and limit >= 0 else DEFAULT_MAX_BODY_BYTES
