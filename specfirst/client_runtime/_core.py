"""The HTTP core shared by a generated ``Client`` and ``AsyncClient``.

A generated method describes its operation once (:class:`OperationSpec`, a module
constant) and each call (:class:`Call`: parameters and body); the core builds the request,
applies the credentials the operation's security requirement needs, sends it with retries,
and turns the answer into the declared type or the declared exception.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
import pydantic

from ._auth import Credential, OAuth2ClientCredentials, RequestParts, Requirement, select
from ._errors import ApiConnectionError, ApiError, ApiTimeoutError, ResponseParseError
from ._models import parse, to_wire
from ._pagination import AsyncPager, Paging, SyncPager
from ._retry import RetryPolicy, may_retry
from ._sse import AsyncStream, Stream
from ._types import UNSET, Unset

T = TypeVar("T")
Timeout = float | httpx.Timeout | None
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


@dataclass(frozen=True)
class OperationSpec:
    """What a generated method knows about its operation.

    ``success`` maps a status (``"200"``, ``"2XX"``, ``"default"``) to the type its body is
    parsed as (``None``: no body, ``str``: text, ``bytes``: raw); ``errors`` maps an error
    status to the exception raised and the type its body is parsed as. ``styles`` gives the
    serialisation (style, explode) of query parameters that are not ``form``, exploded;
    ``json_parameters`` names the parameters declared with JSON ``content``: their value is
    sent as JSON text.
    """

    method: str
    path: str
    security: tuple[Requirement, ...] = ()
    idempotency_header: str | None = None
    success: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, tuple[type[ApiError] | None, Any]] = field(default_factory=dict)
    styles: Mapping[str, tuple[str, bool]] = field(default_factory=dict)
    json_parameters: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Call:
    """One call's values by wire name (``UNSET`` values are left out) and its body.

    ``json`` is a JSON body; ``data`` form fields (with ``files``: multipart);
    ``content`` a raw body of type ``content_type``.
    """

    path: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, Any] = field(default_factory=dict)
    cookies: Mapping[str, Any] = field(default_factory=dict)
    json: Any = UNSET
    data: Mapping[str, Any] | None = None
    files: Mapping[str, Any] | None = None
    content: bytes | None = None
    content_type: str | None = None
    timeout: Timeout | Unset = UNSET
    extra_headers: Mapping[str, str] | None = None
    url: str | None = None  # an absolute URL to fetch instead (a next-page link)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    wire = to_wire(value)
    if isinstance(wire, str):
        return wire
    if isinstance(wire, bool):
        return "true" if wire else "false"
    return str(wire)


def _json_text(value: Any) -> str:
    """A parameter declared with JSON ``content``: its value as compact JSON text."""
    return json.dumps(to_wire(value), separators=(",", ":"), ensure_ascii=False)


_DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


def query_pairs(
    name: str, value: Any, style: str = "form", explode: bool = True
) -> list[tuple[str, str]]:
    """The query pairs of one parameter, serialised as OpenAPI says for its style."""
    if isinstance(value, Unset) or value is None:
        return []
    if isinstance(value, pydantic.BaseModel):
        value = to_wire(value)
    if isinstance(value, Mapping):
        items = [
            (str(k), v) for k, v in value.items() if not isinstance(v, Unset) and v is not None
        ]
        if style == "deepObject":
            return [(f"{name}[{k}]", _scalar(v)) for k, v in items]
        if explode:
            return [(k, _scalar(v)) for k, v in items]
        return [(name, ",".join(part for k, v in items for part in (k, _scalar(v))))]
    if isinstance(value, (list, tuple, set, frozenset)):
        values = [_scalar(v) for v in value]
        if explode:
            return [(name, v) for v in values]
        return [(name, _DELIMITERS.get(style, ",").join(values))]
    return [(name, _scalar(value))]


def _path_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_path_value(v) for v in value)
    return quote(_scalar(value), safe="")


def _both(range_class: type[ApiError], status_class: type[ApiError]) -> type[ApiError]:
    """An exception that is the operation's range (or default) class and the status's own
    class at once: ``except NotFoundError`` still catches a 404 an operation declares as 4XX."""
    return type(range_class.__name__, (range_class, status_class), {})


def _status_key(table: Mapping[str, Any], status: int) -> str | None:
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in table:
            return key
    return None


def _is_json(response: httpx.Response) -> bool:
    kind = str(response.headers.get("content-type", "")).split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def decode(response: httpx.Response, tp: Any) -> Any:
    """The body of an answer as type ``tp`` (``None``: nothing, ``str``, ``bytes``)."""
    if tp is None:
        return None
    if tp is bytes:
        return response.content
    if tp is str and not _is_json(response):
        return response.text
    if not response.content:
        return None  # an empty answer where a body was declared: nothing to parse
    try:
        data = response.json()
    except ValueError as exc:
        if tp is Any:
            return response.text
        raise ResponseParseError(f"the answer is not JSON: {exc}", response) from exc
    try:
        return parse(tp, data)
    except pydantic.ValidationError as exc:
        raise ResponseParseError(
            f"the answer does not fit the declared type: {exc}", response
        ) from exc


def _error_body(response: httpx.Response, tp: Any) -> Any:
    if not response.content:
        return None
    try:
        data = response.json()
    except ValueError:
        return response.text
    if tp is None or tp is Any:
        return data
    try:
        return parse(tp, data)
    except pydantic.ValidationError:
        return data  # an error body that does not fit its model is still worth reading


class BaseCore:
    """Everything that does not wait: building requests, reading answers."""

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, Credential | None],
        timeout: Timeout,
        retry: RetryPolicy,
        headers: Mapping[str, str] | None,
        status_errors: Mapping[int, type[ApiError]],
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = {k: v for k, v in credentials.items() if v is not None}
        self.timeout = timeout
        self.retry = retry
        self.headers = dict(headers or {})
        self.status_errors = dict(status_errors)

    def _credentials(self, op: OperationSpec) -> list[Credential]:
        return select(op.security, self.credentials)

    def _build(
        self,
        http: httpx.Client | httpx.AsyncClient,
        op: OperationSpec,
        call: Call,
        parts: RequestParts,
    ) -> httpx.Request:
        if call.url is not None:  # a next-page link: its own query, as given
            link = httpx.URL(call.url if "://" in call.url else self.base_url + call.url)
            params: list[tuple[str, str]] = list(link.params.multi_items())
            url = str(link.copy_with(query=None))
        else:
            path = op.path
            for name, value in call.path.items():
                text = _json_text(value) if name in op.json_parameters else None
                path = path.replace("{" + name + "}", _path_value(value if text is None else text))
            url = self.base_url + path
            params = []
            for name, value in call.query.items():
                if name in op.json_parameters:
                    if not isinstance(value, Unset):
                        params.append((name, _json_text(value)))
                    continue
                style, explode = op.styles.get(name, ("form", True))
                params.extend(query_pairs(name, value, style, explode))
        params.extend(parts.params)
        headers: dict[str, str] = {**self.headers}
        for name, value in call.headers.items():
            if name in op.json_parameters and not isinstance(value, Unset):
                headers[name] = _json_text(value)
            elif not isinstance(value, Unset) and value is not None:
                headers[name] = (
                    _path_value(value) if isinstance(value, (list, tuple)) else _scalar(value)
                )
        headers.update(parts.headers)
        cookies = {
            n: _json_text(v) if n in op.json_parameters else _scalar(v)
            for n, v in call.cookies.items()
            if not isinstance(v, Unset) and (v is not None or n in op.json_parameters)
        }
        cookies.update(parts.cookies)
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        headers.update(call.extra_headers or {})
        timeout = self.timeout if isinstance(call.timeout, Unset) else call.timeout
        body: dict[str, Any] = {}
        if not isinstance(call.json, Unset):
            body["json"] = to_wire(call.json)
        elif call.content is not None:
            if call.content_type:
                headers.setdefault("Content-Type", call.content_type)
            body["content"] = call.content
        elif call.data is not None or call.files is not None:
            body["data"] = dict(call.data or {})
            body["files"] = dict(call.files) if call.files else None
        return http.build_request(
            op.method,
            url,
            params=httpx.QueryParams(tuple(params)),
            headers=headers,
            extensions={"timeout": httpx.Timeout(timeout).as_dict()},
            **body,
        )

    def _idempotent_call(self, op: OperationSpec, call: Call) -> Call:
        """The call with an idempotency key when the operation takes one and none was given:
        the same key on every retry, so the server runs the call once."""
        name = op.idempotency_header
        if name is None or any(
            k.lower() == name.lower()
            for k in call.headers
            if not isinstance(call.headers[k], Unset)
        ):
            return call
        return replace(call, headers={**call.headers, name: str(uuid.uuid4())})

    def _retry_wait(
        self, op: OperationSpec, retry: int, response: httpx.Response | None
    ) -> float | None:
        """Seconds before the next attempt, or None when there is none."""
        if retry > self.retry.max_retries or not may_retry(op.method, op.idempotency_header):
            return None
        if response is not None and not self.retry.retryable_status(response.status_code):
            return None
        return self.retry.delay(retry, response)

    def _raise_for(self, op: OperationSpec, response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        status = response.status_code
        key = _status_key(op.errors, status)
        cls, tp = op.errors[key] if key is not None else (None, None)
        exact = self.status_errors.get(status)
        if cls is None:
            cls = exact or ApiError
        elif key != str(status) and exact is not None and not issubclass(cls, exact):
            cls = _both(cls, exact)  # the operation's range class, and the status's own
        raise cls(response, _error_body(response, tp))

    def _result(self, op: OperationSpec, response: httpx.Response) -> Any:
        self._raise_for(op, response)
        key = _status_key(op.success, response.status_code)
        return decode(response, op.success[key] if key is not None else Any)


def _connection_error(
    exc: httpx.TransportError, request: httpx.Request | None
) -> ApiConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return ApiTimeoutError(f"no answer in time: {exc}", request)
    return ApiConnectionError(f"the connection failed: {exc}", request)


class SyncCore(BaseCore):
    """The blocking core: one ``httpx.Client`` (given, or made and closed here)."""

    def __init__(self, *, http_client: httpx.Client | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._own_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client()

    def _parts(self, op: OperationSpec) -> tuple[RequestParts, list[OAuth2ClientCredentials]]:
        parts = RequestParts()
        oauth: list[OAuth2ClientCredentials] = []
        for credential in self._credentials(op):
            if isinstance(credential, OAuth2ClientCredentials):
                parts.headers["Authorization"] = f"Bearer {credential.token(self._http)}"
                oauth.append(credential)
            else:
                credential.apply(parts)
        return parts, oauth

    def send(self, op: OperationSpec, call: Call, *, stream: bool = False) -> httpx.Response:
        """Send with retries; the answer as it came (an error status too)."""
        call = self._idempotent_call(op, call)
        retry, refreshed = 0, False
        while True:
            parts, oauth = self._parts(op)
            request = self._build(self._http, op, call, parts)
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                retry += 1
                wait = self._retry_wait(op, retry, None)
                if wait is None:
                    raise _connection_error(exc, request) from exc
                time.sleep(wait)
                continue
            if response.status_code == 401 and oauth and not refreshed:
                refreshed = True  # a token the server no longer takes: fetch a new one, once
                for credential in oauth:
                    credential.invalidate()
                response.close()
                continue
            retry += 1
            wait = self._retry_wait(op, retry, response)
            if wait is None:
                return response
            response.close()
            time.sleep(wait)

    def request(self, op: OperationSpec, call: Call) -> Any:
        """Send and read the answer: the declared type, or the declared exception."""
        return self._result(op, self.send(op, call))

    def paginate(self, op: OperationSpec, call: Call, paging: Paging, item: Any) -> SyncPager[Any]:
        def fetch(query: Mapping[str, Any], url: str | None) -> httpx.Response:
            response = self.send(op, replace(call, query=query, url=url))
            self._raise_for(op, response)
            return response

        return SyncPager(fetch, paging, item, call.query)

    def stream(self, op: OperationSpec, call: Call, item: Any) -> Stream[Any]:
        response = self.send(op, call, stream=True)
        if response.status_code >= 400:
            response.read()
            self._raise_for(op, response)
        return Stream(response, item)

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncCore(BaseCore):
    """The asyncio core: one ``httpx.AsyncClient`` (given, or made and closed here)."""

    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._own_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()

    async def _parts(self, op: OperationSpec) -> tuple[RequestParts, list[OAuth2ClientCredentials]]:
        parts = RequestParts()
        oauth: list[OAuth2ClientCredentials] = []
        for credential in self._credentials(op):
            if isinstance(credential, OAuth2ClientCredentials):
                parts.headers["Authorization"] = f"Bearer {await credential.atoken(self._http)}"
                oauth.append(credential)
            else:
                credential.apply(parts)
        return parts, oauth

    async def send(self, op: OperationSpec, call: Call, *, stream: bool = False) -> httpx.Response:
        """Send with retries; the answer as it came (an error status too)."""
        call = self._idempotent_call(op, call)
        retry, refreshed = 0, False
        while True:
            parts, oauth = await self._parts(op)
            request = self._build(self._http, op, call, parts)
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                retry += 1
                wait = self._retry_wait(op, retry, None)
                if wait is None:
                    raise _connection_error(exc, request) from exc
                await asyncio.sleep(wait)
                continue
            if response.status_code == 401 and oauth and not refreshed:
                refreshed = True
                for credential in oauth:
                    credential.invalidate()
                await response.aclose()
                continue
            retry += 1
            wait = self._retry_wait(op, retry, response)
            if wait is None:
                return response
            await response.aclose()
            await asyncio.sleep(wait)

    async def request(self, op: OperationSpec, call: Call) -> Any:
        """Send and read the answer: the declared type, or the declared exception."""
        return self._result(op, await self.send(op, call))

    def paginate(self, op: OperationSpec, call: Call, paging: Paging, item: Any) -> AsyncPager[Any]:
        async def fetch(query: Mapping[str, Any], url: str | None) -> httpx.Response:
            response = await self.send(op, replace(call, query=query, url=url))
            self._raise_for(op, response)
            return response

        return AsyncPager(fetch, paging, item, call.query)

    async def stream(self, op: OperationSpec, call: Call, item: Any) -> AsyncStream[Any]:
        response = await self.send(op, call, stream=True)
        if response.status_code >= 400:
            await response.aread()
            self._raise_for(op, response)
        return AsyncStream(response, item)

    async def close(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


__all__ = [
    "DEFAULT_TIMEOUT",
    "AsyncCore",
    "BaseCore",
    "Call",
    "OperationSpec",
    "SyncCore",
    "Timeout",
    "decode",
    "query_pairs",
]
