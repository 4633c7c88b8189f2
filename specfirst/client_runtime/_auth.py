"""Credentials, applied to a request as its security requirement says.

A generated client maps each security scheme of the document to one credential; an
operation lists its requirements (alternatives, each needing all of its schemes) and the
core applies the first alternative whose credentials were all given (see ``select``).
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import httpx

from ._errors import ApiError


@dataclass
class RequestParts:
    """What credentials may add to a request."""

    headers: dict[str, str] = field(default_factory=dict)
    params: list[tuple[str, str]] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiKey:
    """An API key sent in a header, a query parameter or a cookie."""

    value: str
    name: str
    location: Literal["header", "query", "cookie"] = "header"

    def apply(self, parts: RequestParts) -> None:
        if self.location == "header":
            parts.headers[self.name] = self.value
        elif self.location == "query":
            parts.params.append((self.name, self.value))
        else:
            parts.cookies[self.name] = self.value


@dataclass(frozen=True)
class HttpBasic:
    """HTTP basic authentication."""

    username: str
    password: str

    def apply(self, parts: RequestParts) -> None:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
        parts.headers["Authorization"] = f"Basic {token}"


@dataclass(frozen=True)
class Bearer:
    """A bearer token (http bearer, or a token of any oauth2 or OpenID Connect flow)."""

    token: str
    scheme: str = "Bearer"

    def apply(self, parts: RequestParts) -> None:
        parts.headers["Authorization"] = f"{self.scheme} {self.token}"


class OAuth2ClientCredentials:
    """The oauth2 client-credentials flow: a token fetched from ``token_url`` when first needed
    and fetched again shortly before it expires (or after the server refused it)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        token_url: str,
        *,
        scopes: Sequence[str] = (),
        refresh_margin: float = 30.0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_url = token_url
        self.scopes = tuple(scopes)
        self.refresh_margin = refresh_margin
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self._alock: asyncio.Lock | None = None

    def _form(self) -> dict[str, str]:
        form = {"grant_type": "client_credentials"}
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        return form

    def _auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.client_id, self.client_secret)

    def _store(self, response: httpx.Response) -> str:
        if response.status_code >= 400:
            raise ApiError(response, response.text)
        payload = response.json()
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(token, str):
            raise ApiError(response, payload)
        expires_in = payload.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) else 3600.0
        self._token = token
        self._expires_at = time.monotonic() + max(lifetime - self.refresh_margin, 0.0)
        return token

    def _valid(self) -> str | None:
        return self._token if self._token and time.monotonic() < self._expires_at else None

    def invalidate(self) -> None:
        """Forget the token (the server refused it): the next request fetches a new one."""
        self._token = None
        self._expires_at = 0.0

    def token(self, http: httpx.Client) -> str:
        with self._lock:
            current = self._valid()
            if current is not None:
                return current
            response = http.post(self.token_url, data=self._form(), auth=self._auth())
            return self._store(response)

    async def atoken(self, http: httpx.AsyncClient) -> str:
        if self._alock is None:
            self._alock = asyncio.Lock()
        async with self._alock:
            current = self._valid()
            if current is not None:
                return current
            response = await http.post(self.token_url, data=self._form(), auth=self._auth())
            return self._store(response)


Credential = ApiKey | HttpBasic | Bearer | OAuth2ClientCredentials
Requirement = tuple[str, ...]
"""The scheme names one alternative needs, all together (an empty one: no credentials)."""


def select(
    requirements: Sequence[Requirement], credentials: Mapping[str, Credential]
) -> list[Credential]:
    """The credentials to send: the first alternative whose schemes all have one (an empty
    alternative, anonymous access, only when no other is complete); failing that, every
    credential given for any of the alternatives (the server then answers with the error it
    declares for missing credentials)."""
    for alternative in requirements:
        if alternative and all(name in credentials for name in alternative):
            return [credentials[name] for name in alternative]
    if any(not alternative for alternative in requirements):
        return []  # anonymous access is one of the alternatives
    given: dict[str, Credential] = {}
    for alternative in requirements:
        for name in alternative:
            if name in credentials:
                given.setdefault(name, credentials[name])
    return list(given.values())
