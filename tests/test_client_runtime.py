"""Unit tests of the client runtime (``specfirst/client_runtime``) on its pure parts:
Retry-After and backoff, which methods may be retried, query serialisation by style, the
next page of each paging style, server-sent event parsing, the UNSET sentinel and which
credentials a requirement selects. The HTTP paths are tested end to end in
test_client_e2e.py and test_client_constructs.py.
"""

from __future__ import annotations

import copy
import email.utils
import pickle

import httpx
import pytest

from specfirst.client_runtime import MODULES, sources
from specfirst.client_runtime._auth import ApiKey, Bearer, HttpBasic, RequestParts, select
from specfirst.client_runtime._core import query_pairs
from specfirst.client_runtime._pagination import Paging, next_request
from specfirst.client_runtime._retry import RetryPolicy, may_retry, retry_after
from specfirst.client_runtime._sse import iter_events
from specfirst.client_runtime._types import UNSET, Unset


def answer(headers: dict[str, str] | None = None, status: int = 200) -> httpx.Response:
    return httpx.Response(status, headers=headers or {}, request=httpx.Request("GET", "http://x/"))


def test_retry_after_in_seconds_milliseconds_and_http_dates() -> None:
    assert retry_after(answer({"Retry-After": "3"})) == 3.0
    assert retry_after(answer({"retry-after-ms": "250"})) == 0.25
    when = email.utils.formatdate(1_000_060, usegmt=True)
    assert retry_after(answer({"Retry-After": when}), now=lambda: 1_000_000) == 60.0
    assert retry_after(answer({"Retry-After": "soon"})) is None
    assert retry_after(answer()) is None


def test_backoff_doubles_up_to_the_cap_minus_jitter() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=4.0, jitter=0.25, random=lambda: 1.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.375, 0.75, 1.5, 3.0, 3.0]
    steady = RetryPolicy(initial_delay=0.5, jitter=0.25, random=lambda: 0.0)
    assert steady.backoff(1) == 0.5
    assert steady.delay(1, answer({"Retry-After": "120"})) is None  # longer than allowed: give up
    assert steady.delay(1, answer({"Retry-After": "7"})) == 7.0
    assert [s for s in (200, 404, 408, 429, 500, 503) if steady.retryable_status(s)] == [
        408,
        429,
        500,
        503,
    ]


def test_only_idempotent_methods_or_keyed_operations_are_retried() -> None:
    assert may_retry("get", None) and may_retry("PUT", None) and may_retry("DELETE", None)
    assert not may_retry("POST", None) and not may_retry("PATCH", None)
    assert may_retry("POST", "Idempotency-Key")


@pytest.mark.parametrize(
    ("value", "style", "explode", "pairs"),
    [
        (["a", "b"], "form", True, [("t", "a"), ("t", "b")]),
        (["a", "b"], "form", False, [("t", "a,b")]),
        (["a", "b"], "pipeDelimited", False, [("t", "a|b")]),
        (["a", "b"], "spaceDelimited", False, [("t", "a b")]),
        ({"x": 1, "y": True}, "deepObject", True, [("t[x]", "1"), ("t[y]", "true")]),
        ({"x": 1}, "form", True, [("x", "1")]),
        ({"x": 1, "y": "z"}, "form", False, [("t", "x,1,y,z")]),
        (False, "form", True, [("t", "false")]),
        (UNSET, "form", True, []),
        (None, "form", True, []),
    ],
)
def test_query_parameters_are_serialised_by_style(
    value: object, style: str, explode: bool, pairs: list[tuple[str, str]]
) -> None:
    assert query_pairs("t", value, style, explode) == pairs


def test_the_next_page_of_each_paging_style() -> None:
    r = answer()
    offset = Paging(items=("items",), limit="limit", offset="offset", total=("total",))
    assert next_request(offset, {"limit": 2}, {"total": 5}, r, 2) == (
        {"limit": 2, "offset": 2},
        None,
    )
    assert next_request(offset, {"limit": 2, "offset": 4}, {"total": 5}, r, 1) is None  # short page
    assert (
        next_request(offset, {"limit": 2, "offset": 2}, {"total": 4}, r, 2) is None
    )  # total reached
    assert next_request(offset, {}, {}, r, 0) is None  # empty page
    page = Paging(page="page", limit="per_page", page_base=1)
    assert next_request(page, {"per_page": 2}, {}, r, 2) == ({"per_page": 2, "page": 2}, None)
    cursor = Paging(items=("data",), cursor="after", next_cursor=("meta", "next"))
    assert next_request(cursor, {}, {"meta": {"next": "c2"}}, r, 3) == ({"after": "c2"}, None)
    assert (
        next_request(cursor, {"after": "c2"}, {"meta": {"next": "c2"}}, r, 3) is None
    )  # no progress
    by_item = Paging(items=(), cursor="starting_after", cursor_from_item="id")
    assert next_request(by_item, {}, [{"id": "a"}, {"id": "b"}], r, 2) == (
        {"starting_after": "b"},
        None,
    )
    more = Paging(items=("data",), has_more=("has_more",), offset="offset")
    assert next_request(more, {}, {"has_more": False}, r, 5) is None
    linked = Paging(link_header=True)
    with_link = answer({"Link": '<http://x/items?page=2>; rel="next"'})
    assert next_request(linked, {"q": 1}, [], with_link, 1) == ({"q": 1}, "http://x/items?page=2")
    assert next_request(linked, {"q": 1}, [], answer(), 1) is None


def test_server_sent_events_are_parsed_as_the_standard_says() -> None:
    lines = [
        ": a comment",
        "event: tick",
        "data: one",
        "data: two",
        "id: 7",
        "retry: 1500",
        "",
        "data:x",
        "",
    ]
    events = list(iter_events(lines))
    assert [(e.event, e.data, e.id, e.retry) for e in events] == [
        ("tick", "one\ntwo", "7", 1500),
        ("message", "x", "7", 1500),
    ]
    assert [e.data for e in iter_events(["data: last"])] == [
        "last"
    ]  # the stream ended without a blank line


def test_unset_is_one_falsy_value() -> None:
    assert Unset() is UNSET and not UNSET and repr(UNSET) == "UNSET"
    assert copy.deepcopy(UNSET) is UNSET and copy.copy(UNSET) is UNSET


def test_a_requirement_selects_all_of_its_credentials_or_the_given_ones() -> None:
    key, basic = ApiKey("k", "X-Key"), HttpBasic("u", "p")
    creds = {"key": key, "basic": basic}
    assert select([("key", "basic")], creds) == [key, basic]
    assert select([("bearer",), ("key",)], creds) == [key]
    assert select([("bearer", "key")], creds) == [key]  # incomplete: send what there is
    assert select([()], creds) == []
    assert select([(), ("key",)], creds) == [key]  # optional security: sent when given
    assert select([(), ("bearer",)], creds) == []
    parts = RequestParts()
    for credential in (ApiKey("q", "key", "query"), ApiKey("c", "session", "cookie"), Bearer("t")):
        credential.apply(parts)
    assert (parts.params, parts.cookies, parts.headers) == (
        [("key", "q")],
        {"session": "c"},
        {"Authorization": "Bearer t"},
    )


def test_the_runtime_is_copied_as_it_is() -> None:
    copied = sources()
    assert sorted(copied) == sorted(f"{name}.py" for name in MODULES)
    assert all(
        "from specfirst" not in text and "import specfirst" not in text for text in copied.values()
    )
    assert pickle.loads(pickle.dumps(UNSET)) is UNSET
