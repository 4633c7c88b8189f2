"""The system prompt: what the Assistant is told about the registered services.

A private helper of the handlers (its name starts with ``_``: specfirst never generates,
changes or reports it). Both ``generateSystemPrompt`` and the OpenAI assistant use it.

A service whose OpenAPI document cannot be fetched (unreachable, not JSON, not OpenAPI) keeps
its section, which says why its operations are unknown: one unavailable service does not
cost the Assistant the others, and the operation declares no status for a failing upstream.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

Service = dict[str, Any]  # a registry entry, as the services table returns it

FETCH_TIMEOUT = 5.0  # seconds, per OpenAPI document
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

PREAMBLE = (
    "You are the FountainAI Assistant. You help the user by calling the FountainAI services "
    "described below through their HTTP APIs. Use only the operations listed here, refer to "
    "each by its operationId, and say so when no listed operation can do what the user asks."
)


class DocumentUnavailable(Exception):
    """A registered service's OpenAPI document could not be fetched or is not OpenAPI JSON."""


def fetch_document(url: str, *, timeout: float = FETCH_TIMEOUT) -> dict[str, Any]:
    """GET the OpenAPI document at ``url`` (JSON); DocumentUnavailable on any failure."""
    try:
        answer = httpx.get(url, timeout=timeout, follow_redirects=True)
        answer.raise_for_status()
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # ValueError: odd URLs
        raise DocumentUnavailable(f"{url}: {exc}") from None
    try:
        document = answer.json()
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


def section(service: Service) -> str:
    """The service's section, from its OpenAPI document fetched now."""
    try:
        return describe_service(service, fetch_document(service["openapi_url"]))
    except DocumentUnavailable as exc:
        return describe_service(service, None, str(exc))


def build_system_prompt(services: Iterable[Service]) -> str:
    """The preamble, then one section per service, in the order given."""
    return "\n\n".join([PREAMBLE, *(section(s) for s in services)]) + "\n"
