"""Security schemes compared: a scheme that reads its credential elsewhere breaks clients."""

from __future__ import annotations

from typing import Any

from specfirst.diff.canonical import Side
from specfirst.diff.model import Finding
from specfirst.diff.operations import OperationFindings
from specfirst.loader import HTTP_METHODS, pointer_join


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _schemes(side: Side) -> dict[str, tuple[dict[str, Any], str]]:
    out: dict[str, tuple[dict[str, Any], str]] = {}
    schemes = _dict(_dict(side.document.get("components")).get("securitySchemes"))
    for name, raw in schemes.items():
        scheme, pointer = side.deref(raw, pointer_join("/components/securitySchemes", name))
        out[str(name)] = (_dict(scheme), pointer)
    return out


def _users(side: Side) -> dict[str, list[tuple[str, list[str]]]]:
    """Scheme name -> (operation, tags) of every operation whose effective security names it."""
    users: dict[str, list[tuple[str, list[str]]]] = {}
    top = side.document.get("security")
    for path, item in _dict(side.document.get("paths")).items():
        item, _pointer = side.deref(item, pointer_join("/paths", path))
        for method in HTTP_METHODS:
            op = _dict(item).get(method)
            if not isinstance(op, dict):
                continue
            security = op.get("security", top)
            tags = [str(t) for t in op["tags"]] if isinstance(op.get("tags"), list) else []
            for requirement in security if isinstance(security, list) else []:
                for name in _dict(requirement):
                    users.setdefault(str(name), []).append((f"{method.upper()} {path}", tags))
    return users


def _flows(scheme: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(k): _dict(v) for k, v in _dict(scheme.get("flows")).items()}


def _scheme_findings(
    old: dict[str, Any], new: dict[str, Any], op: str, np: str, name: str
) -> list[Finding]:
    out: list[Finding] = []

    def add(rule: str, text: str) -> None:
        out.append(Finding(rule, op, np, f"security scheme {name}: {text}"))

    if old.get("type") != new.get("type"):
        add(
            "api-security-component-type-changed",
            f"type {old.get('type')!s} -> {new.get('type')!s}",
        )
        return out
    kind = old.get("type")
    if kind == "apiKey":
        before = (
            old.get("in"),
            str(old.get("name")).lower() if old.get("in") == "header" else old.get("name"),
        )
        after = (
            new.get("in"),
            str(new.get("name")).lower() if new.get("in") == "header" else new.get("name"),
        )
        if before != after:
            add(
                "api-security-component-api-key-changed",
                f"key read from {old.get('in')!s} {old.get('name')!s}, now {new.get('in')!s} {new.get('name')!s}",
            )
    elif kind == "http":
        if str(old.get("scheme")).lower() != str(new.get("scheme")).lower():
            add(
                "api-security-component-http-scheme-changed",
                f"scheme {old.get('scheme')!s} -> {new.get('scheme')!s}",
            )
    elif kind == "oauth2":
        old_flows, new_flows = _flows(old), _flows(new)
        for flow, before in old_flows.items():
            after = new_flows.get(flow)
            if after is None:
                continue
            if before.get("authorizationUrl") != after.get("authorizationUrl"):
                add("api-security-component-oauth-url-changed", f"{flow} authorizationUrl changed")
            if before.get("tokenUrl") != after.get("tokenUrl"):
                add("api-security-component-oauth-token-url-changed", f"{flow} tokenUrl changed")
            old_scopes, new_scopes = _dict(before.get("scopes")), _dict(after.get("scopes"))
            for scope in old_scopes:
                if scope not in new_scopes:
                    add(
                        "api-security-component-oauth-scope-removed",
                        f"{flow} scope {scope} removed",
                    )
            for scope in new_scopes:
                if scope not in old_scopes:
                    add("api-security-component-oauth-scope-added", f"{flow} scope {scope} added")
    return out


def compare_schemes(old: Side, new: Side) -> list[OperationFindings]:
    """Findings about the security schemes both documents define, one entry per operation
    of the new document that uses the scheme (document level when none does)."""
    old_schemes, new_schemes = _schemes(old), _schemes(new)
    users = _users(new)
    out: list[OperationFindings] = []
    for name, (before, op) in old_schemes.items():
        if name not in new_schemes:
            continue
        after, np = new_schemes[name]
        findings = _scheme_findings(before, after, op, np, name)
        if not findings:
            continue
        for operation, tags in users.get(name, []) or [(None, [])]:  # type: ignore[list-item]
            out.append(OperationFindings(operation, tags, list(findings)))
    return out
