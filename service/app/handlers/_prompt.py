"""The system prompt: what the Assistant is told about the registered services.

A private helper of the handlers (its name starts with ``_``: specfirst never generates,
changes or reports it). Both ``generateSystemPrompt`` and the OpenAI assistant use it.

A service whose OpenAPI document cannot be fetched (unreachable, not JSON, not OpenAPI,
refused) keeps its section, which says why its operations are unknown: one unavailable service
does not cost the Assistant the others, and the operation declares no status for a failing
upstream. The documents of the services a prompt covers are fetched at the same time.

Registered ``openapi_url``s are written by admins but fetched by the service, from inside its
network: a fetch goes only to ``http``/``https`` URLs whose host resolves to public addresses
only (every address is checked, and the connection goes to the address checked, so a second
DNS answer cannot swap it), follows redirects one hop at a time with the same checks (at most
``MAX_REDIRECTS``), ignores proxy settings, stops reading past a size and gives up past a
time. Settings (environment variables, read at each fetch):

* ``OPENAPI_FETCH_ALLOW_NETWORKS``: networks fetched from although they are not public,
  comma-separated (``127.0.0.1/32,10.0.0.0/8``; ``0.0.0.0/0,::/0`` allows every address).
  Default: none (loopback, link-local, private and other reserved addresses are refused);
* ``OPENAPI_FETCH_MAX_BYTES``: the largest document read (default 5 MB);
* ``OPENAPI_FETCH_TIMEOUT``: seconds for a whole fetch, redirects included (default 5).
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

Service = dict[str, Any]  # a registry entry, as the services table returns it
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FETCH_TIMEOUT = 5.0  # seconds, per OpenAPI document (redirects included)
MAX_BYTES = 5_000_000  # the largest OpenAPI document read
MAX_REDIRECTS = 5
MAX_PARALLEL = 8  # documents fetched at the same time
ALLOW_NETWORKS_VARIABLE = "OPENAPI_FETCH_ALLOW_NETWORKS"
MAX_BYTES_VARIABLE = "OPENAPI_FETCH_MAX_BYTES"
TIMEOUT_VARIABLE = "OPENAPI_FETCH_TIMEOUT"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

PREAMBLE = (
    "You are the FountainAI Assistant. You help the user by calling the FountainAI services "
    "described below through their HTTP APIs. Use only the operations listed here, refer to "
    "each by its operationId, and say so when no listed operation can do what the user asks."
)


class DocumentUnavailable(Exception):
    """A registered service's OpenAPI document could not be fetched or is not OpenAPI JSON."""


def allowed_networks(text: str | None = None) -> tuple[Network, ...]:
    """The networks fetched from although not public (``OPENAPI_FETCH_ALLOW_NETWORKS``)."""
    text = os.environ.get(ALLOW_NETWORKS_VARIABLE, "") if text is None else text
    networks: list[Network] = []
    for part in text.split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                continue  # not a network: allows nothing
    return tuple(networks)


def _number(variable: str, default: float) -> float:
    try:
        value = float(os.environ.get(variable, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def is_public(address: Address) -> bool:
    """Whether ``address`` is on the public internet (not loopback, private, link-local...)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _checked_address(url: httpx.URL, allowed: Sequence[Network]) -> Address:
    """The address to connect to for ``url``: its host resolved, every address checked."""
    if url.scheme not in ("http", "https"):
        raise DocumentUnavailable(f"{url}: refused: only http and https URLs are fetched")
    if not url.host:
        raise DocumentUnavailable(f"{url}: refused: the URL names no host")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(url.host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise DocumentUnavailable(f"{url}: the host name does not resolve") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    for address in addresses:
        if not is_public(address) and not any(address in network for network in allowed):
            raise DocumentUnavailable(
                f"{url}: refused: the host is a loopback, link-local or private address "
                f"(allowed only by {ALLOW_NETWORKS_VARIABLE})"
            )
    if not addresses:
        raise DocumentUnavailable(f"{url}: the host name does not resolve")
    return addresses[0]


def _read(answer: httpx.Response, url: httpx.URL, max_bytes: int, deadline: float) -> bytes:
    """The body of ``answer``, refused past ``max_bytes`` (declared or read) or the deadline."""
    declared = answer.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise DocumentUnavailable(f"{url}: refused: the document is larger than {max_bytes} bytes")
    body = bytearray()
    for chunk in answer.iter_bytes():  # decompressed: a small gzip bomb is stopped too
        body += chunk
        if len(body) > max_bytes:
            raise DocumentUnavailable(
                f"{url}: refused: the document is larger than {max_bytes} bytes"
            )
        if time.monotonic() > deadline:
            raise DocumentUnavailable(f"{url}: no complete answer in time")
    return bytes(body)


def _hop(
    url: httpx.URL, address: Address, timeout: float, max_bytes: int, deadline: float
) -> httpx.URL | bytes:
    """GET ``url`` from ``address`` (its host as checked, named for HTTP and TLS): where it
    redirects to, or its body. A client of its own: no connection serves two hosts."""
    with httpx.Client(follow_redirects=False, trust_env=False) as client:
        request = client.build_request(
            "GET",
            url.copy_with(host=str(address)),
            headers={"Host": url.netloc.decode("ascii"), "Accept": "application/json"},
            extensions={"sni_hostname": url.host},
            timeout=timeout,
        )
        answer = client.send(request, stream=True)
        try:
            if answer.is_redirect and "location" in answer.headers:
                return url.join(answer.headers["location"])
            if answer.status_code >= 400:
                raise DocumentUnavailable(
                    f"{url}: answered {answer.status_code} {answer.reason_phrase}"
                )
            return _read(answer, url, max_bytes, deadline)
        finally:
            answer.close()


def fetch_document(
    url: str,
    *,
    timeout: float | None = None,
    max_bytes: int | None = None,
    allowed: Sequence[Network] | None = None,
) -> dict[str, Any]:
    """GET the OpenAPI document at ``url`` (JSON); DocumentUnavailable on any failure.

    Defaults come from the settings (module docstring).
    """
    timeout = _number(TIMEOUT_VARIABLE, FETCH_TIMEOUT) if timeout is None else timeout
    max_bytes = int(_number(MAX_BYTES_VARIABLE, MAX_BYTES)) if max_bytes is None else max_bytes
    allowed = allowed_networks() if allowed is None else allowed
    deadline = time.monotonic() + timeout
    try:
        current = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise DocumentUnavailable(f"{url}: not a URL") from None
    for _ in range(MAX_REDIRECTS + 1):
        address = _checked_address(current, allowed)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DocumentUnavailable(f"{url}: no complete answer in time")
        try:
            outcome = _hop(current, address, remaining, max_bytes, deadline)
        except httpx.TimeoutException:
            raise DocumentUnavailable(f"{url}: no complete answer in time") from None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError):
            raise DocumentUnavailable(f"{url}: the fetch failed") from None
        if isinstance(outcome, bytes):
            return _openapi(url, outcome)
        current = outcome
    raise DocumentUnavailable(f"{url}: more than {MAX_REDIRECTS} redirects")


def _openapi(url: str, body: bytes) -> dict[str, Any]:
    """The OpenAPI document in ``body`` (JSON), or DocumentUnavailable."""
    try:
        document = json.loads(body)
    except ValueError:
        raise DocumentUnavailable(f"{url}: the answer is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths", {}), dict):
        raise DocumentUnavailable(f"{url}: the answer is not an OpenAPI document")
    return document


def operation_lines(document: dict[str, Any]) -> list[str]:
    """``METHOD path — operationId: summary``, by path then method."""
    lines: list[str] = []
    for path in sorted(document.get("paths") or {}):
        item = document["paths"][path] or {}
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            line = f"- {method.upper()} {path} — {op.get('operationId', '(no operationId)')}"
            summary = str(op.get("summary") or op.get("description") or "").strip()
            lines.append(f"{line}: {summary.splitlines()[0]}" if summary else line)
    return lines


def describe_service(service: Service, document: dict[str, Any] | None, problem: str = "") -> str:
    """One section of the prompt: the registry entry, then its API (or why it is unknown)."""
    lines = [f"## {service['name']} (id: {service['id']})", str(service.get("description", ""))]
    if document is None:
        lines.append(
            f"Its OpenAPI document could not be fetched ({problem}): its operations are unknown."
        )
        return "\n".join(lines)
    info = document.get("info") or {}
    lines.append(
        f"API: {info.get('title', service['name'])}, version {info.get('version', 'unknown')}"
    )
    if info.get("description"):
        lines.append(str(info["description"]).strip())
    lines.append("Operations:")
    lines.extend(operation_lines(document) or ["- (none)"])
    return "\n".join(lines)


def section(service: Service, document: dict[str, Any] | DocumentUnavailable) -> str:
    """The service's section, from its fetched OpenAPI document (or why it is unavailable)."""
    if isinstance(document, DocumentUnavailable):
        return describe_service(service, None, str(document))
    return describe_service(service, document)


def _fetched(url: Any) -> dict[str, Any] | DocumentUnavailable:
    try:
        return fetch_document(str(url))
    except DocumentUnavailable as exc:
        return exc


def fetch_documents(urls: Iterable[Any]) -> dict[Any, dict[str, Any] | DocumentUnavailable]:
    """Each distinct URL's document (or why it is unavailable), fetched at the same time."""
    distinct = list(dict.fromkeys(urls))
    if len(distinct) <= 1:
        return {url: _fetched(url) for url in distinct}
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(distinct))) as pool:
        return dict(zip(distinct, pool.map(_fetched, distinct), strict=True))


def build_system_prompt(services: Iterable[Service]) -> str:
    """The preamble, then one section per service, in the order given."""
    services = list(services)
    documents = fetch_documents(s["openapi_url"] for s in services)
    return (
        "\n\n".join([PREAMBLE, *(section(s, documents[s["openapi_url"]]) for s in services)]) + "\n"
    )
