"""Exceptions raised by a generated client.

``ApiError`` is every answer with an error status; a generated client subclasses it once per
declared error status (``NotFoundError`` ...) and once per operation whose error answer has a
declared body model (the parsed body is in ``body``). ``ApiConnectionError`` and its
subclass ``ApiTimeoutError`` are raised when no answer came back at all.
"""

from __future__ import annotations

from typing import Any

import httpx

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-amzn-requestid")


class ClientError(Exception):
    """Base of every exception a generated client raises."""


class ApiError(ClientError):
    """An answer with an error status.

    ``status`` and ``headers`` are the answer's; ``body`` is its parsed body (the declared
    model when the operation declares one for this status, else the JSON value, else the
    text); ``request_id`` is the first request-id header the server sent, if any.
    """

    status: int
    headers: httpx.Headers
    body: Any
    request_id: str | None
    response: httpx.Response

    def __init__(self, response: httpx.Response, body: Any = None) -> None:
        self.response = response
        self.status = response.status_code
        self.headers = response.headers
        self.body = body
        self.request_id = next(
            (response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None
        )
        request = response.request
        super().__init__(
            f"{request.method} {request.url} answered {response.status_code}"
            + (f" {response.reason_phrase}" if response.reason_phrase else "")
            + (f" (request id {self.request_id})" if self.request_id else "")
        )


class ApiConnectionError(ClientError):
    """No answer: the connection failed or broke (after every retry allowed)."""

    def __init__(self, message: str, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class ApiTimeoutError(ApiConnectionError):
    """No answer within the timeout (after every retry allowed)."""


class ResponseParseError(ClientError):
    """A success answer whose body does not fit the declared type."""

    def __init__(self, message: str, response: httpx.Response) -> None:
        super().__init__(message)
        self.response = response
