"""Diff a normalized spec document against a normalized app document."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from specfirst.ir import EVALUATED_KEYS, UNSUPPORTED_SCHEMA_KEYS
from specfirst.loader import split_pointer
from specfirst.validator.normalize import (
    HTTP_METHODS,
    RECURSIVE,
    is_marker,
    normalize_document,
    public_value,
    resolve_marker,
)

__all__ = [
    "CATEGORIES",
    "KINDS",
    "MISSING",
    "Discrepancy",
    "category_of",
    "compare_documents",
    "diff_normalized",
    "json_pointer",
]

CATEGORIES: Final = (
    "info",
    "server",
    "tag",
    "operation",
    "parameter",
    "request-body",
    "response",
    "schema",
    "security",
    "webhook",
    "callback",
    "component",
    "underivable",
    "unenforced",  # a schema keyword the generated service cannot express (README, known limits)
    "unpublishable",  # a construct FastAPI has no way to publish (README: Known limits)
    "objects-only",  # an untyped schema with object keywords: the service takes objects only (README)
)
KINDS: Final = ("missing-in-app", "extra-in-app", "changed")


class _Missing:
    """The value on the side where something is absent (one instance: :data:`MISSING`)."""

    def __repr__(self) -> str:
        return "<absent>"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def _render(value: Any) -> Any:
    return "<absent>" if value is MISSING else value


@dataclass(frozen=True)
class Discrepancy:
    """One difference between the normalized spec and the normalized app document."""

    pointer: str  # JSON pointer into the normalized spec (same layout on the app side)
    spec: Any  # value in the spec, or MISSING
    app: Any  # value in the app, or MISSING
    category: str  # one of CATEGORIES
    kind: str  # one of KINDS
    reason: str | None = None  # why the app side could not be derived ("underivable" only)

    def to_json(self) -> dict[str, Any]:
        result = {
            "pointer": self.pointer,
            "category": self.category,
            "kind": self.kind,
            "spec": _render(self.spec),
            "app": _render(self.app),
        }
        if self.reason is not None:
            result["reason"] = self.reason
        return result


def json_pointer(tokens: Sequence[Any]) -> str:
    """RFC 6901 pointer from path tokens (``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def category_of(tokens: Sequence[Any]) -> str:
    """Category of a difference from its location in the normalized document.

    Top-level sections map directly (externalDocs counts as info, components/securitySchemes
    as security, everything under webhooks is "webhook"). Below a path: an operation's
    callbacks are "callback", path-item or operation servers are "server", anything inside a
    Schema Object (parameter, header or media-type schema) is "schema", then the operation
    field decides (parameters, requestBody, responses, security), else "operation".
    """
    parts = [str(t) for t in tokens]
    if not parts:
        return "operation"
    head = parts[0]
    if head in ("info", "externalDocs"):
        return "info"
    if head == "servers":
        return "server"
    if head == "tags":
        return "tag"
    if head == "components":
        return "security" if parts[1:2] == ["securitySchemes"] else "component"
    if head == "webhooks":
        return "webhook"
    if head != "paths":
        return "operation"
    rest = parts[2:]  # [method or path-item field, operation field, ...]
    if rest[1:2] == ["callbacks"]:
        return "callback"
    if rest[:1] == ["servers"] or rest[1:2] == ["servers"]:
        return "server"
    if _inside_schema(parts):
        return "schema"
    field = rest[1] if len(rest) > 1 and rest[0] in HTTP_METHODS else ""
    return {
        "parameters": "parameter",
        "requestBody": "request-body",
        "responses": "response",
        "security": "security",
    }.get(field, "operation")


def _inside_schema(parts: Sequence[str]) -> bool:
    """Whether the path enters a Schema Object: {parameters,headers}/<name>/schema or
    content/<media type>/schema (the first match is always structural)."""
    return any(
        parts[i] == "schema" and parts[i - 2] in ("parameters", "headers", "content")
        for i in range(2, len(parts))
    )


# Booleans are encoded as strings for DeepDiff, which treats True == 1 in lists and with
# ignore_numeric_type_changes; integral floats become ints so 1 == 1.0 everywhere.
_TRUE: Final = "\x00specfirst:true"
_FALSE: Final = "\x00specfirst:false"


def _encode(value: Any) -> Any:
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if is_marker(value):
        return {RECURSIVE: ""}  # markers are compared by what they stand for, never by name
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items() if isinstance(k, str)}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if value == _TRUE and isinstance(value, str):
        return True
    if value == _FALSE and isinstance(value, str):
        return False
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _kind(report_type: str) -> str:
    if report_type.endswith("_added"):
        return "extra-in-app"
    if report_type.endswith("_removed"):
        return "missing-in-app"
    return "changed"


def _discrepancy(tokens: Sequence[Any], spec: Any, app: Any, kind: str) -> Discrepancy:
    category = category_of(tokens)
    keyword = [str(t) for t in tokens[-2:]]
    if category == "schema" and kind == "missing-in-app" and _is_unenforced_keyword(keyword):
        category = "unenforced"
    return Discrepancy(
        pointer=json_pointer(tokens),
        spec=public_value(spec),
        app=public_value(app),
        category=category,
        kind=kind,
    )


_UNENFORCED = frozenset((*UNSUPPORTED_SCHEMA_KEYS, *EVALUATED_KEYS))
_NAMED = frozenset(
    (
        "properties",
        "patternProperties",
        "$defs",
        "definitions",
        "dependentSchemas",
        "dependentRequired",
    )
)


def _is_unenforced_keyword(last_two: list[str]) -> bool:
    """A keyword the generated service cannot express (not a property that happens to share its name)."""
    return len(last_two) == 2 and last_two[1] in _UNENFORCED and last_two[0] not in _NAMED


def _same(left: Any, right: Any) -> bool:
    """JSON equality in which 1 == 1.0 but true != 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(v, right[k]) for k, v in left.items())
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right)


# A difference found below a pair of nodes: (tokens relative to the pair, spec, app, kind).
_Relative = tuple[tuple[Any, ...], Any, Any, str]
# A pair below a pair of nodes where either side is a recursion marker: (tokens, spec, app).
_Deferred = tuple[tuple[Any, ...], Any, Any]


class _Memo(dict[tuple[int, int], tuple[Any, Any, list[_Relative], list[_Deferred]]]):
    """For every (spec node, app node) pair compared: its differences and the pairs of
    recursion markers below it, each with pointers relative to the pair."""

    def __init__(self) -> None:
        super().__init__()
        self.aligned: dict[tuple[int, int], tuple[Any, Any, Any]] = {}


def _diff_values(prefix: list[Any], spec: Any, app: Any, out: list[Discrepancy]) -> None:
    """Append the differences between ``spec`` and ``app`` (found at ``prefix``) to ``out``.

    A pair where either side is a recursion marker is not walked where it is met but queued:
    the schemas the markers stand for are compared once per pair of markers (the app's
    aligned to the spec's first), where the pair is first met (through the fewest recursive
    schemas, then in document order); meeting it again, through its own cycle or by another
    path, adds nothing. A marker is one place that refers to a recursive component, so each
    difference inside one is reported once per place that refers to it (the schemas
    themselves are compared once, memoized), and the work is proportional to the pairs of
    places, not to the paths through the reference cycles.
    """
    from specfirst.validator.align import align_schema

    memo = _Memo()
    met: dict[tuple[int, int], tuple[Any, Any]] = {}
    queue: deque[tuple[tuple[Any, ...], Any, Any]] = deque([(tuple(prefix), spec, app)])
    while queue:
        where, left, right = queue.popleft()
        if is_marker(left) or is_marker(right):
            key = (id(left), id(right))
            if key in met:
                continue
            met[key] = (left, right)  # keeps both alive: ids stay unique
            left = resolve_marker(left)
            right = align_schema(resolve_marker(right), left, memo.aligned)
        found, deferred = _diff_pair(left, right, memo)
        for tokens, spec_value, app_value, kind in found:
            out.append(_discrepancy([*where, *tokens], spec_value, app_value, kind))
        queue.extend(((*where, *tokens), l, r) for tokens, l, r in deferred)


def _diff_pair(spec: Any, app: Any, memo: _Memo) -> tuple[list[_Relative], list[_Deferred]]:
    """The differences between two values, and the pairs of recursion markers below them
    (see `_diff_values`), with pointers relative to them.

    Dicts (the keyed normalized structure) are walked key by key, so every report carries an
    exact pointer and DeepDiff never sees deep trees (its cost grows with the square of the
    depth). Lists that differ go to DeepDiff, which reports insertions and removals instead
    of index-by-index changes; same-length lists of objects (anyOf members, requirement
    objects...) are walked element by element.

    Normalized documents share sub-schemas (one object per component, used in many places):
    ``memo`` holds the differences of every (spec node, app node) pair already compared, so
    each pair is walked once however many paths lead to it, and its differences are only
    re-labelled with each path (walking the paths instead is exponential in the reference
    graph).
    """
    if spec is MISSING and app is MISSING:
        return [], []
    if spec is MISSING:
        return [((), MISSING, app, "extra-in-app")], []
    if app is MISSING:
        return [((), spec, MISSING, "missing-in-app")], []
    if is_marker(spec) or is_marker(app):
        return [], [((), spec, app)]
    containers = isinstance(spec, (dict, list)) and isinstance(app, (dict, list))
    if containers:
        hit = memo.get((id(spec), id(app)))
        if hit is not None:
            return hit[2], hit[3]
    found: list[_Relative] = []
    deferred: list[_Deferred] = []
    below: list[tuple[Any, Any, Any]] = []
    if isinstance(spec, dict) and isinstance(app, dict):
        below = [
            (key, spec.get(key, MISSING), app.get(key, MISSING))
            for key in sorted(set(spec) | set(app), key=str)
        ]
    elif isinstance(spec, list) and isinstance(app, list):
        if len(spec) == len(app) and any(isinstance(v, (dict, list)) for v in (*spec, *app)):
            # element by element (memoized) rather than a deep equality test first, which
            # would walk shared members once per path
            below = [(index, *pair) for index, pair in enumerate(zip(spec, app, strict=True))]
        elif not _same(spec, app):
            found.extend(_deepdiff(spec, app))
    elif not _same(spec, app):
        found.append(((), spec, app, "changed"))
    for token, left_value, right_value in below:
        child_found, child_deferred = _diff_pair(left_value, right_value, memo)
        found.extend(
            ((token, *tokens), left, right, kind) for tokens, left, right, kind in child_found
        )
        deferred.extend(((token, *tokens), left, right) for tokens, left, right in child_deferred)
    if len(deferred) > 1:
        deferred = _first_of_each_pair(deferred)
    if containers:
        memo[(id(spec), id(app))] = (
            spec,
            app,
            found,
            deferred,
        )  # keeps both alive: ids stay unique
    return found, deferred


def _first_of_each_pair(deferred: list[_Deferred]) -> list[_Deferred]:
    """One entry per pair of nodes (the first, in document order): the others would only be
    skipped when their turn comes."""
    seen: set[tuple[int, int]] = set()
    kept: list[_Deferred] = []
    for entry in deferred:
        key = (id(entry[1]), id(entry[2]))
        if key not in seen:
            seen.add(key)
            kept.append(entry)
    return kept


def _deepdiff(spec: Any, app: Any) -> list[_Relative]:
    from deepdiff import DeepDiff  # here: importing it costs generate's import check ~0.1 s

    diff = DeepDiff(
        _encode(spec),
        _encode(app),
        ignore_numeric_type_changes=True,
        ignore_order=False,
        verbose_level=2,
        threshold_to_diff_deeper=0,
        view="tree",
    )
    found: list[_Relative] = []
    for report_type, levels in diff.items():
        kind = _kind(report_type)
        for level in levels:
            tokens = tuple(level.path(output_format="list"))
            left = MISSING if kind == "extra-in-app" else _decode(level.t1)
            right = MISSING if kind == "missing-in-app" else _decode(level.t2)
            found.append((tokens, left, right, kind))
    return found


def diff_normalized(spec: Mapping[str, Any], app: Mapping[str, Any]) -> list[Discrepancy]:
    """Diff two already normalized documents; sorted by pointer, deterministic."""
    out: list[Discrepancy] = []
    _diff_values([], dict(spec), dict(app), out)
    return sorted(out, key=lambda d: (d.pointer, d.kind))


def _without(document: dict[str, Any], pointers: Sequence[str]) -> dict[str, Any]:
    """``document`` without the operations at ``pointers`` (``/paths/<path>/<method>`` or
    ``/webhooks/<name>/<method>``); a path item left with no operation goes too. Copies only
    what it changes."""
    result = dict(document)
    for pointer in pointers:
        tokens = split_pointer(pointer)
        if len(tokens) != 3 or tokens[0] not in ("paths", "webhooks"):
            continue
        section, key, method = tokens
        items = result.get(section)
        if (
            not isinstance(items, dict)
            or not isinstance(items.get(key), dict)
            or "$ref" in items[key]
        ):
            continue
        item = {k: v for k, v in items[key].items() if k != method}
        items = dict(items)
        if any(k in HTTP_METHODS for k in item):
            items[key] = item
        else:
            del items[key]
        result[section] = items
    return result


def _security_as_fastapi_writes_it(requirements: list[Any]) -> str:
    """The requirement list FastAPI derives for a route whose dependencies check ``requirements``.

    FastAPI writes one requirement object per security dependency (scopes merged), whatever
    the document combines with AND; ``{}`` (no credential) comes from ``openapi_extra``.
    """
    scopes: dict[str, set[str]] = {}
    for requirement in requirements:
        for name, wanted in requirement.items():
            scopes.setdefault(str(name), set()).update(map(str, wanted or []))
    written = [{name: sorted(wanted)} for name, wanted in scopes.items()]
    if any(not requirement for requirement in requirements):
        written.append({})
    return _canonical_security(written)


def _canonical_security(requirements: list[Any]) -> str:
    """A requirement list as an order-free string (objects, their schemes and scopes sorted)."""
    return json.dumps(
        sorted(
            json.dumps(
                sorted([str(name), sorted(map(str, scopes or []))] for name, scopes in r.items())
            )
            for r in requirements
        )
    )


def _unpublishable(spec: dict[str, Any], app: dict[str, Any]) -> list[Discrepancy]:
    """Report constructs FastAPI cannot publish once each, in their own category.

    A vendor extension on the info object is one (FastAPI builds info from fixed fields), a
    mutualTLS security scheme another (FastAPI's OpenAPI model has no such type).
    A requirement object naming several schemes (they are required together) is another: where
    the app publishes exactly what FastAPI writes for it, the operation's security is
    reported as ``unpublishable`` and not again as missing and extra requirement objects.
    Any other difference in the app's security is still reported as ``security``.
    """
    found: list[Discrepancy] = []
    info, app_info = spec.get("info"), app.get("info")
    if isinstance(info, dict) and isinstance(app_info, dict):
        for key, value in info.items():
            if isinstance(key, str) and key.startswith("x-") and key not in app_info:
                # FastAPI builds info from its fixed fields (title, version, contact, ...)
                found.append(
                    Discrepancy(
                        json_pointer(["info", key]),
                        value,
                        MISSING,
                        "unpublishable",
                        "missing-in-app",
                    )
                )
                app_info[key] = value
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    for name, scheme in schemes.items() if isinstance(schemes, dict) else ():
        published = (app.get("components") or {}).get("securitySchemes") or {}
        if isinstance(scheme, dict) and scheme.get("type") == "mutualTLS" and name not in published:
            # FastAPI's OpenAPI model has no mutualTLS scheme type (the service enforces it)
            pointer = json_pointer(["components", "securitySchemes", name])
            found.append(Discrepancy(pointer, scheme, MISSING, "unpublishable", "missing-in-app"))
            app.setdefault("components", {}).setdefault("securitySchemes", {})[name] = scheme
    for path, item in (spec.get("paths") or {}).items():
        app_item = (app.get("paths") or {}).get(path)
        if not (isinstance(item, dict) and isinstance(app_item, dict)):
            continue
        for method, op in item.items():
            app_op = app_item.get(method)
            if method not in HTTP_METHODS or not (
                isinstance(op, dict) and isinstance(app_op, dict)
            ):
                continue
            requirements = op.get("security")
            if not (
                isinstance(requirements, list)
                and all(isinstance(r, dict) for r in requirements)
                and any(len(r) > 1 for r in requirements)
            ):
                continue
            published = app_op.get("security") or []
            if not all(isinstance(r, dict) for r in published):
                continue
            if _canonical_security(published) != _security_as_fastapi_writes_it(requirements):
                continue
            found.append(
                Discrepancy(
                    pointer=json_pointer(["paths", path, method, "security"]),
                    spec=requirements,
                    app=published,
                    category="unpublishable",
                    kind="changed",
                )
            )
            app_op["security"] = requirements
    return found


def compare_documents(
    spec_doc: dict[str, Any],
    app_doc: dict[str, Any],
    *,
    spec_version: tuple[int, int],
    skip: tuple[str, ...] | list[str] = (),
) -> list[Discrepancy]:
    """Normalize both documents and report every remaining difference, sorted by pointer.

    ``skip`` holds pointers of operations (under /paths or /webhooks) left out on both
    sides before anything else: the parts the app could not derive, reported on their own.
    """
    if skip:
        spec_doc, app_doc = _without(spec_doc, skip), _without(app_doc, skip)
    spec_normalized = normalize_document(spec_doc, side="spec", spec_version=spec_version)
    app_normalized = normalize_document(
        app_doc, side="app", spec_version=spec_version, reference=spec_normalized
    )
    unpublishable = _unpublishable(spec_normalized, app_normalized)
    found = [
        replace(d, category="unpublishable") if _written_by_fastapi_so(d) else d
        for d in diff_normalized(spec_normalized, app_normalized)
    ]
    found = [
        replace(d, category="objects-only") if _objects_only(d, spec_normalized) else d
        for d in found
    ]
    return sorted(found + unpublishable, key=lambda d: (d.pointer, d.kind))


def _node_at(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = resolve_marker(node)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return MISSING
    return node


_OBJECT_KEYWORDS: Final = frozenset(("properties", "required", "additionalProperties"))


def _objects_only(d: Discrepancy, spec: Mapping[str, Any]) -> bool:
    """The ``type: object`` a generated class publishes where the schema declares object
    keywords without a ``type``: JSON Schema also accepts any non-object value there, a
    pydantic model accepts objects only, and the app publishes what it enforces."""
    if d.category != "schema" or d.kind != "extra-in-app" or d.app != "object":
        return False
    if not d.pointer.endswith("/type"):
        return False
    node = resolve_marker(_node_at(spec, d.pointer[: -len("/type")]))
    return isinstance(node, dict) and "type" not in node and bool(_OBJECT_KEYWORDS & node.keys())


_PATH_ITEM_TEXT: Final = frozenset({"summary", "description"})


def _written_by_fastapi_so(d: Discrepancy) -> bool:
    """A difference that comes from how FastAPI writes any document, not from the app: a
    path item's ``summary``, ``description`` and ``x-`` extensions, and a path item with no
    operation at all (FastAPI writes a path item from its operations only), and a ``description`` cut at its first form feed (FastAPI keeps the
    text before it, its convention for docstrings)."""
    tokens = split_pointer(d.pointer)
    if d.kind == "missing-in-app" and len(tokens) == 2 and tokens[0] in ("paths", "webhooks"):
        return isinstance(d.spec, dict) and not any(key in HTTP_METHODS for key in d.spec)
    if d.kind == "missing-in-app" and len(tokens) == 3 and tokens[0] in ("paths", "webhooks"):
        return tokens[2] in _PATH_ITEM_TEXT or tokens[2].startswith("x-")
    if d.kind == "changed" and tokens and tokens[-1] == "description":
        spec, app = d.spec, d.app
        if isinstance(spec, str) and isinstance(app, str) and "\f" in spec:
            return app.strip() == spec.split("\f", 1)[0].strip()
    return False
