"""The limits every request is held to (``specfirst.runtime.request_limits``), as code.

The module is copied verbatim into every generated service; tests/test_hostile_requests.py
sends the same requests to generated services over HTTP.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.requests import Request
from starlette.types import Message

from specfirst.runtime import request_limits
from specfirst.runtime.errors import ApiError, install
from specfirst.runtime.request_limits import (
    MAX_JSON_DEPTH,
    NotJson,
    limited,
    load_json,
    refuse_parameters,
    segment_problem,
    text_problem,
    value_issues,
)


def test_text_with_a_nul_or_a_lone_surrogate_is_named() -> None:
    assert text_problem("plain text, ünïcödé and 😀") is None
    assert text_problem("a\x00b") == "text must not contain a NUL character"
    assert text_problem("\ud800") == "text must not contain a lone surrogate (U+D800)"
    assert text_problem("x\udfff") == "text must not contain a lone surrogate (U+DFFF)"


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def test_value_issues_say_where_each_bad_value_is() -> None:
    value = {
        "ok": ["a", 1, 2.5, None, True, b"\x00 bytes are not text"],
        "name": "a\x00",
        "tags": ["fine", "\ud800"],
        "deep": {"price": float("inf"), "ratio": float("nan")},
        "\udc00": 1,
    }
    found = {(tuple(i["loc"]), i["type"]) for i in value_issues(value)}
    assert found == {
        (("body", "name"), "string_invalid"),
        (("body", "tags", 1), "string_invalid"),
        (("body", "deep", "price"), "finite_number"),
        (("body", "deep", "ratio"), "finite_number"),
        (("body",), "string_invalid"),  # a bad key is reported at its object
    }
    assert all(i["input"] is None for i in value_issues(value))  # never echoed back
    assert value_issues(value, ("form",))[0]["loc"][0] == "form"


def test_nesting_is_bounded_and_any_depth_is_answered() -> None:
    assert value_issues(_nested(MAX_JSON_DEPTH)) == []  # the innermost list is level 128
    (issue,) = value_issues(_nested(MAX_JSON_DEPTH + 1))
    assert issue["type"] == "too_deep" and len(issue["loc"]) == MAX_JSON_DEPTH + 1
    (issue,) = value_issues(_nested(100_000))  # no recursion: no RecursionError
    assert issue["type"] == "too_deep"


def test_at_most_twenty_issues_are_listed() -> None:
    assert len(value_issues(["\x00"] * 1000)) == request_limits.MAX_ISSUES


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"a": NaN}', "NaN is not a JSON number"),
        (b'{"a": Infinity}', "Infinity is not a JSON number"),
        (b'{"a": -Infinity}', "-Infinity is not a JSON number"),
        (b'{"a": 1e999}', "1e999 is out of the range of numbers"),
        (b"[-1e999]", "-1e999 is out of the range of numbers"),
        (b'{"a": "\\ud800"}', "lone surrogate"),
        (b'{"a": "\xed\xa0\x80"}', "lone surrogate"),  # the UTF-8 bytes of a surrogate
        (b'{"a": "x\\u0000"}', "NUL"),
        (b'{"\\u0000": 1}', "NUL"),
        (b"[" * 129 + b"]" * 129, "nested at most 128 deep"),
        (b"[" * 100_000 + b"]" * 100_000, "nested at most 128 deep"),  # past the parser's stack
    ],
)
def test_load_json_refuses_what_json_has_no_value_for(raw: bytes, words: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        load_json(raw)
    assert words in json.dumps(caught.value.errors())


def test_load_json_reads_json_and_leaves_non_json_to_the_framework() -> None:
    assert load_json(b'{"a": [1, 2.5, "\\u00e9", null], "b": 1e308}') == {
        "a": [1, 2.5, "é", None],
        "b": 1e308,
    }
    value = load_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)  # as deep as allowed
    for _ in range(MAX_JSON_DEPTH - 1):
        (value,) = value
    assert value == []
    for raw in (b"{nope", b'"a\x00b"', b"\xff\xfe", b""):
        with pytest.raises(NotJson):
            load_json(raw)


@pytest.mark.parametrize(
    ("value", "addressable"),
    [
        ("a", True),
        ("a b", True),
        ("a%2Fb", True),  # sent as a%252Fb
        ("...", True),
        (0, True),
        (-7, True),
        (None, True),  # no id sent: the service makes one
        ("", False),
        ("/", False),
        ("a/b", False),
        (".", False),
        ("..", False),
        ("a\x00", False),
        ("\ud800", False),
    ],
)
def test_an_id_must_be_one_path_segment(value: Any, addressable: bool) -> None:
    assert (segment_problem(value) is None) is addressable


def _request(
    body_chunks: list[bytes], headers: list[tuple[bytes, bytes]] = (), **scope: Any
) -> tuple[Request, list[int]]:
    """A request whose body arrives in ``body_chunks``; the list counts the chunks received."""
    received = [0]

    async def receive() -> Message:
        index = received[0]
        received[0] += 1
        more = index < len(body_chunks) - 1
        return {"type": "http.request", "body": body_chunks[index], "more_body": more}

    full_scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": b"",
        "headers": list(headers),
        **scope,
    }
    return Request(full_scope, receive), received


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit() -> None:
    request, received = _request([b"x" * 4] * 10)  # 40 bytes, no Content-Length
    with pytest.raises(ApiError) as caught:
        asyncio.run(limited(request, 10).body())
    assert caught.value.status == 413 and caught.value.code == "content_too_large"
    assert received[0] == 3  # 12 bytes read, 28 never were


def test_an_announced_length_past_the_limit_is_refused_before_reading() -> None:
    request, received = _request([b"x" * 4], headers=[(b"content-length", b"11")])
    with pytest.raises(ApiError):
        asyncio.run(limited(request, 10).body())
    assert received[0] == 0


def test_a_body_within_the_limit_is_read_whole() -> None:
    request, _ = _request([b"x" * 4, b"y" * 6], headers=[(b"content-length", b"10")])
    assert asyncio.run(limited(request, 10).body()) == b"xxxxyyyyyy"


def test_the_limit_comes_from_the_settings_and_the_413_takes_a_declared_error_shape() -> None:
    app = FastAPI()
    install(app)

    class Settings:
        max_body_bytes = 5

    app.state.settings = Settings()

    class Error(BaseModel):
        error: str
        detail: str

    # no 413 declared: the refusal still says 413, in the shape of the errors it declares
    @app.post("/things", responses={400: {"model": Error}})
    async def things(request: Request) -> dict[str, Any]:
        body = await limited(request, request_limits.max_body_bytes(request)).body()
        return {"length": len(body)}

    client = TestClient(app)
    assert client.post("/things", content=b"12345").json() == {"length": 5}
    refused = client.post("/things", content=b"123456")
    assert refused.status_code == 413
    assert refused.json() == {
        "error": "content_too_large",
        "detail": "the request body is larger than 5 bytes",
    }
    del app.state.settings
    assert request_limits.max_body_bytes(Request({"type": "http", "app": app})) == (
        request_limits.DEFAULT_MAX_BODY_BYTES
    )


def test_parameters_with_a_nul_are_refused_where_they_are() -> None:
    request, _ = _request(
        [b""],
        headers=[(b"x-key", b"a\x00"), (b"cookie", b"c=ok")],
        query_string=b"q=fine&r=%00&%00=x",
        path_params={"itemId": "1\x00"},
    )
    with pytest.raises(RequestValidationError) as caught:
        refuse_parameters(request)
    assert {tuple(e["loc"]) for e in caught.value.errors()} == {
        ("path", "itemId"),
        ("query", "r"),
        ("query", "\x00"),
        ("header", "x-key"),
    }
    clean, _ = _request([b""], query_string=b"q=%C3%A9&n=1", path_params={"id": "a b"})
    refuse_parameters(clean)  # nothing to refuse
