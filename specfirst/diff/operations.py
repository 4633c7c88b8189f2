"""The document walk: paths, operations, parameters, bodies, responses and security.

Paths match by their template with parameter names left out (``/pets/{id}`` is
``/pets/{petId}``), operations by method, parameters by ``in`` and name (header names
case-insensitive, order ignored, path-item parameters pushed into each operation, as the
validator's normalization does), responses by status, media types by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from specfirst.diff.canonical import Side
from specfirst.diff.model import Finding
from specfirst.diff.schemas import SchemaComparer
from specfirst.loader import HTTP_METHODS, pointer_join
from specfirst.validator.normalize import (
    drop_parameter_defaults,
    parameter_key,
    path_shape,
    path_variables,
    status_key,
)

JSON = Any


@dataclass
class OperationFindings:
    """The findings of one operation (``operation`` None: document level)."""

    operation: str | None
    tags: list[str]
    findings: list[Finding] = field(default_factory=list)


def _dict(value: JSON) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sunset(node: dict[str, Any]) -> dt.date | None:
    """The sunset date an object declares (``x-sunset``, as oasdiff reads it), if any."""
    value = node.get("x-sunset")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _media_base(media: str) -> str:
    return media.split(";")[0].strip().lower()


def _success(code: str) -> bool:
    return code.startswith("2") or code.upper() == "2XX"


class DocumentComparer:
    """Walks two documents side by side and collects findings per operation."""

    def __init__(self, old: Side, new: Side, today: dt.date) -> None:
        self.old = old
        self.new = new
        self.today = today
        self.schemas = SchemaComparer(old, new)

    def run(self) -> list[OperationFindings]:
        out: list[OperationFindings] = []
        old_paths = _dict(self.old.document.get("paths"))
        new_paths = _dict(self.new.document.get("paths"))
        new_by_shape = {path_shape(p): p for p in new_paths if p.startswith("/")}
        old_by_shape = {path_shape(p): p for p in old_paths if p.startswith("/")}
        for old_path in old_paths:
            if not old_path.startswith("/"):
                continue
            new_path = new_by_shape.get(path_shape(old_path))
            if new_path is None:
                out.extend(self._path_removed(old_path))
            else:
                out.extend(self._path(old_path, new_path))
        for shape, new_path in new_by_shape.items():
            if shape not in old_by_shape:
                out.extend(self._path_added(new_path))
        return out

    # ---- paths and operations -------------------------------------------------------------

    def _item(self, side: Side, path: str) -> tuple[dict[str, Any], str]:
        pointer = pointer_join("/paths", path)
        item, pointer = side.deref(side.at(pointer), pointer)
        return _dict(item), pointer

    def _operations(self, item: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield method, item[method]

    @staticmethod
    def _tags(op: dict[str, Any]) -> list[str]:
        tags = op.get("tags")
        return [str(t) for t in tags] if isinstance(tags, list) else []

    def _path_removed(self, path: str) -> Iterator[OperationFindings]:
        item, pointer = self._item(self.old, path)
        for method, op in self._operations(item):
            rule = self._removal_rule("api-path-removed", op)
            result = OperationFindings(f"{method.upper()} {path}", self._tags(op))
            result.findings.append(
                Finding(rule, pointer_join(pointer, method), "/paths", f"path {path} removed")
            )
            yield result

    def _removal_rule(self, stem: str, node: dict[str, Any]) -> str:
        if node.get("deprecated") is not True:
            return f"{stem}-without-deprecation"
        sunset = _sunset(node)
        if sunset is not None and sunset > self.today:
            return f"{stem}-before-sunset"
        return f"{stem}-with-deprecation"

    def _path_added(self, path: str) -> Iterator[OperationFindings]:
        item, pointer = self._item(self.new, path)
        for method, op in self._operations(item):
            result = OperationFindings(f"{method.upper()} {path}", self._tags(op))
            result.findings.append(
                Finding(
                    "endpoint-added", "/paths", pointer_join(pointer, method), "operation added"
                )
            )
            yield result

    def _path(self, old_path: str, new_path: str) -> Iterator[OperationFindings]:
        old_item, old_pointer = self._item(self.old, old_path)
        new_item, new_pointer = self._item(self.new, new_path)
        new_ops = dict(self._operations(new_item))
        old_ops = dict(self._operations(old_item))
        for method, old_op in old_ops.items():
            name = f"{method.upper()} {new_path}"
            op_pointer = pointer_join(old_pointer, method)
            if method not in new_ops:
                result = OperationFindings(name, self._tags(old_op))
                rule = self._removal_rule("api-removed", old_op)
                result.findings.append(
                    Finding(rule, op_pointer, new_pointer, f"operation {method.upper()} removed")
                )
                yield result
                continue
            result = OperationFindings(name, self._tags(new_ops[method]) or self._tags(old_op))
            _OperationPair(
                self,
                result.findings,
                (old_path, new_path),
                (old_item, old_op, old_pointer, op_pointer),
                (new_item, new_ops[method], new_pointer, pointer_join(new_pointer, method)),
            ).run()
            yield result
        for method, new_op in new_ops.items():
            if method not in old_ops:
                result = OperationFindings(f"{method.upper()} {new_path}", self._tags(new_op))
                result.findings.append(
                    Finding(
                        "endpoint-added",
                        old_pointer,
                        pointer_join(new_pointer, method),
                        "operation added",
                    )
                )
                yield result


class _OperationPair:
    def __init__(
        self,
        doc: DocumentComparer,
        findings: list[Finding],
        paths: tuple[str, str],
        old: tuple[dict[str, Any], dict[str, Any], str, str],
        new: tuple[dict[str, Any], dict[str, Any], str, str],
    ) -> None:
        self.doc = doc
        self.findings = findings
        self.old_path, self.new_path = paths
        self.old_item, self.old_op, self.old_item_pointer, self.op = old
        self.new_item, self.new_op, self.new_item_pointer, self.np = new

    def add(self, rule: str, old_pointer: str, new_pointer: str, message: str) -> None:
        self.findings.append(Finding(rule, old_pointer, new_pointer, message))

    def run(self) -> None:
        self._metadata()
        self._parameters()
        self._request_body()
        self._responses()
        self._security()

    # ---- operation metadata ---------------------------------------------------------------

    def _metadata(self) -> None:
        old, new = self.old_op, self.new_op
        old_deprecated = old.get("deprecated") is True
        new_deprecated = new.get("deprecated") is True
        if not old_deprecated and new_deprecated:
            sunset = _sunset(new)
            if sunset is not None:
                self.add(
                    "endpoint-deprecated-with-sunset",
                    self.op,
                    self.np,
                    f"deprecated, sunset {sunset.isoformat()}",
                )
            else:
                self.add("endpoint-deprecated", self.op, self.np, "deprecated")
        elif old_deprecated and not new_deprecated:
            self.add("endpoint-reactivated", self.op, self.np, "no longer deprecated")
        elif old_deprecated and new_deprecated:
            before, after = _sunset(old), _sunset(new)
            if before is not None and after is not None and after < before:
                self.add(
                    "api-sunset-date-changed-too-small",
                    pointer_join(self.op, "x-sunset"),
                    pointer_join(self.np, "x-sunset"),
                    f"sunset moved from {before.isoformat()} to {after.isoformat()}",
                )
        old_id, new_id = old.get("operationId"), new.get("operationId")
        if old_id is not None and old_id != new_id:
            text = f"operationId {old_id!s} " + (
                "removed" if new_id is None else f"replaced by {new_id!s}"
            )
            self.add("api-operation-id-removed", self.op, self.np, text)
        elif old_id is None and new_id is not None:
            self.add("api-operation-id-added", self.op, self.np, f"operationId {new_id!s} added")
        old_tags, new_tags = DocumentComparer._tags(old), DocumentComparer._tags(new)
        for tag in old_tags:
            if tag not in new_tags:
                self.add("api-tag-removed", self.op, self.np, f"tag {tag} removed")
        for tag in new_tags:
            if tag not in old_tags:
                self.add("api-tag-added", self.op, self.np, f"tag {tag} added")

    # ---- parameters ----------------------------------------------------------------------

    def _params(
        self,
        side: Side,
        path: str,
        item: dict[str, Any],
        op: dict[str, Any],
        item_pointer: str,
        op_pointer: str,
    ) -> dict[str, tuple[dict[str, Any], str]]:
        """Parameters by identity: ``in:name`` (header names lower-cased), and a path
        parameter by its place in the template, so that renaming it changes nothing."""
        places = {name: index for index, name in enumerate(path_variables(path))}
        out: dict[str, tuple[dict[str, Any], str]] = {}
        for owner, base in ((item, item_pointer), (op, op_pointer)):
            params = owner.get("parameters")
            if not isinstance(params, list):
                continue
            for index, raw in enumerate(params):
                param, pointer = side.deref(raw, pointer_join(base, "parameters", index))
                if isinstance(param, dict) and "name" in param and "in" in param:
                    key = parameter_key(param)
                    if param["in"] == "path" and str(param["name"]) in places:
                        key = f"path#{places[str(param['name'])]}"
                    out[key] = (param, pointer)
        return out

    def _parameters(self) -> None:
        old = self._params(
            self.doc.old, self.old_path, self.old_item, self.old_op, self.old_item_pointer, self.op
        )
        new = self._params(
            self.doc.new, self.new_path, self.new_item, self.new_op, self.new_item_pointer, self.np
        )
        removed = [k for k in old if k not in new]
        added = [k for k in new if k not in old]
        moved: set[str] = set()
        for key in removed:
            name = str(old[key][0].get("name")).lower()
            for other in added:
                if other not in moved and str(new[other][0].get("name")).lower() == name:
                    param, pointer = old[key]
                    self.add(
                        "request-parameter-in-changed",
                        pointer,
                        new[other][1],
                        f"parameter {param.get('name')!s} moved from {param.get('in')!s} "
                        f"to {new[other][0].get('in')!s}",
                    )
                    moved.update((key, other))
                    break
        for key in removed:
            if key in moved:
                continue
            param, pointer = old[key]
            rule = self._param_removal(param)
            self.add(
                rule,
                pointer,
                self.np,
                f"{param.get('in')!s} parameter {param.get('name')!s} removed",
            )
        for key in added:
            if key in moved:
                continue
            param, pointer = new[key]
            required = param.get("required") is True or param.get("in") == "path"
            rule = (
                "new-required-request-parameter" if required else "new-optional-request-parameter"
            )
            self.add(
                rule, self.op, pointer, f"{param.get('in')!s} parameter {param.get('name')!s} added"
            )
        for key in old:
            if key in new:
                self._parameter(old[key], new[key])

    def _param_removal(self, param: dict[str, Any]) -> str:
        if param.get("deprecated") is not True:
            return "request-parameter-removed"
        sunset = _sunset(param)
        if sunset is not None and sunset > self.doc.today:
            return "request-parameter-removed-before-sunset"
        return "request-parameter-removed-with-deprecation"

    def _parameter(
        self, old_entry: tuple[dict[str, Any], str], new_entry: tuple[dict[str, Any], str]
    ) -> None:
        (old_raw, op), (new_raw, np) = old_entry, new_entry
        label = f"{new_raw.get('in')!s} parameter {new_raw.get('name')!s}"
        old = drop_parameter_defaults(dict(old_raw), old_raw.get("in"))
        new = drop_parameter_defaults(dict(new_raw), new_raw.get("in"))
        if old.get("required") is not True and new.get("required") is True:
            self.add("request-parameter-became-required", op, np, f"{label} became required")
        elif old.get("required") is True and new.get("required") is not True:
            self.add("request-parameter-became-optional", op, np, f"{label} became optional")
        for keyword, rule in (("style", "style-changed"), ("explode", "explode-changed")):
            if old.get(keyword) != new.get(keyword):
                self.add(
                    f"request-parameter-{rule}",
                    op,
                    np,
                    f"{label}: {keyword} {_text(old.get(keyword))} -> {_text(new.get(keyword))}",
                )
        for keyword, rule in (
            ("allowReserved", "allow-reserved-removed"),
            ("allowEmptyValue", "allow-empty-value-removed"),
        ):
            if old.get(keyword) is True and new.get(keyword) is not True:
                self.add(f"request-parameter-{rule}", op, np, f"{label}: {keyword} removed")
        if old.get("deprecated") is not True and new.get("deprecated") is True:
            self.add("request-parameter-deprecated", op, np, f"{label} deprecated")
        elif old.get("deprecated") is True and new.get("deprecated") is not True:
            self.add("request-parameter-reactivated", op, np, f"{label} no longer deprecated")
        old_schema, new_schema = _param_schema(old_raw, op), _param_schema(new_raw, np)
        if old_schema is not None and new_schema is not None:
            if old_schema[2] != new_schema[2]:
                self.add(
                    "request-parameter-media-type-changed",
                    op,
                    np,
                    f"{label}: content {old_schema[2]} -> {new_schema[2]}",
                )
            self.findings.extend(
                self.doc.schemas.compare(
                    self.doc.old.schema(old_schema[1]),
                    self.doc.new.schema(new_schema[1]),
                    old_schema[1],
                    new_schema[1],
                    "request",
                    "parameter",
                    label,
                )
            )

    # ---- request body --------------------------------------------------------------------

    def _request_body(self) -> None:
        old_raw, new_raw = self.old_op.get("requestBody"), self.new_op.get("requestBody")
        if old_raw is None and new_raw is None:
            return
        old, op = self.doc.old.deref(old_raw, pointer_join(self.op, "requestBody"))
        new, np = self.doc.new.deref(new_raw, pointer_join(self.np, "requestBody"))
        old, new = _dict(old), _dict(new)
        if old_raw is None:
            rule = (
                "request-body-added-required"
                if new.get("required") is True
                else "request-body-added-optional"
            )
            self.add(rule, self.op, np, "request body added")
            return
        if new_raw is None:
            self.add("request-body-removed", op, self.np, "request body removed")
            return
        if old.get("required") is not True and new.get("required") is True:
            self.add("request-body-became-required", op, np, "request body became required")
        elif old.get("required") is True and new.get("required") is not True:
            self.add("request-body-became-optional", op, np, "request body became optional")
        self._content(old, new, op, np, "request", "request-body", "request body")

    def _content(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        op: str,
        np: str,
        direction: str,
        stem: str,
        label: str,
    ) -> None:
        old_content, new_content = _dict(old.get("content")), _dict(new.get("content"))
        pairs, lost, gained = _match_media(list(old_content), list(new_content))
        for media in lost:
            self.add(
                f"{stem}-media-type-removed",
                pointer_join(op, "content", media),
                np,
                f"media type {media} removed",
            )
        for media in gained:
            self.add(
                f"{stem}-media-type-added",
                op,
                pointer_join(np, "content", media),
                f"media type {media} added",
            )
        for old_media, new_media in pairs:
            old_mt, new_mt = _dict(old_content[old_media]), _dict(new_content[new_media])
            if "schema" not in old_mt and "schema" not in new_mt:
                continue
            old_pointer = pointer_join(op, "content", old_media, "schema")
            new_pointer = pointer_join(np, "content", new_media, "schema")
            old_schema = self.doc.old.schema(old_pointer) if "schema" in old_mt else {}
            new_schema = self.doc.new.schema(new_pointer) if "schema" in new_mt else {}
            self.findings.extend(
                self.doc.schemas.compare(
                    old_schema,
                    new_schema,
                    old_pointer,
                    new_pointer,
                    direction,
                    "body",
                    f"{label} {new_media}",
                )
            )

    # ---- responses -----------------------------------------------------------------------

    def _responses(self) -> None:
        old_raw = _dict(self.old_op.get("responses"))
        new_raw = _dict(self.new_op.get("responses"))
        old = {status_key(k): k for k in old_raw if not str(k).startswith("x-")}
        new = {status_key(k): k for k in new_raw if not str(k).startswith("x-")}
        base_old, base_new = pointer_join(self.op, "responses"), pointer_join(self.np, "responses")
        for code, raw_code in old.items():
            if code in new:
                continue
            pointer = pointer_join(base_old, raw_code)
            if code == "default":
                rule = "response-default-removed"
            elif _success(code):
                rule = "response-success-status-removed"
            else:
                rule = "response-non-success-status-removed"
            self.add(rule, pointer, base_new, f"response {code} removed")
        for code, raw_code in new.items():
            if code in old:
                continue
            pointer = pointer_join(base_new, raw_code)
            if code == "default":
                rule = "response-default-added"
            elif "default" not in old:
                rule = "response-status-added-without-default"
            elif _success(code):
                rule = "response-success-status-added"
            else:
                rule = "response-non-success-status-added"
            self.add(rule, base_old, pointer, f"response {code} added")
        for code, raw_code in old.items():
            if code in new:
                self._response(
                    code,
                    pointer_join(base_old, raw_code),
                    old_raw[raw_code],
                    pointer_join(base_new, new[code]),
                    new_raw[new[code]],
                )

    def _response(self, code: str, op: str, old_raw: JSON, np: str, new_raw: JSON) -> None:
        old, op = self.doc.old.deref(old_raw, op)
        new, np = self.doc.new.deref(new_raw, np)
        old, new = _dict(old), _dict(new)
        old_content, new_content = _dict(old.get("content")), _dict(new.get("content"))
        if old_content and not new_content:
            self.add("response-body-removed", op, np, f"response {code}: body removed")
        elif new_content and not old_content:
            self.add("response-body-added", op, np, f"response {code}: body added")
        else:
            self._content(old, new, op, np, "response", "response", f"response {code}")
        self._headers(code, old, new, op, np)

    def _headers(
        self, code: str, old: dict[str, Any], new: dict[str, Any], op: str, np: str
    ) -> None:
        old_headers = {str(k).lower(): k for k in _dict(old.get("headers"))}
        new_headers = {str(k).lower(): k for k in _dict(new.get("headers"))}
        for key, name in old_headers.items():
            header, pointer = self.doc.old.deref(
                _dict(old.get("headers"))[name], pointer_join(op, "headers", name)
            )
            header = _dict(header)
            if key not in new_headers:
                rule = (
                    "required-response-header-removed"
                    if header.get("required") is True
                    else "optional-response-header-removed"
                )
                self.add(rule, pointer, np, f"response {code}: header {name} removed")
                continue
            new_name = new_headers[key]
            new_header, new_pointer = self.doc.new.deref(
                _dict(new.get("headers"))[new_name], pointer_join(np, "headers", new_name)
            )
            new_header = _dict(new_header)
            if header.get("required") is True and new_header.get("required") is not True:
                self.add(
                    "response-header-became-optional",
                    pointer,
                    new_pointer,
                    f"response {code}: header {name} became optional",
                )
            elif header.get("required") is not True and new_header.get("required") is True:
                self.add(
                    "response-header-became-required",
                    pointer,
                    new_pointer,
                    f"response {code}: header {name} became required",
                )
            old_schema, new_schema = (
                _param_schema(header, pointer),
                _param_schema(new_header, new_pointer),
            )
            if old_schema is not None and new_schema is not None:
                self.findings.extend(
                    self.doc.schemas.compare(
                        self.doc.old.schema(old_schema[1]),
                        self.doc.new.schema(new_schema[1]),
                        old_schema[1],
                        new_schema[1],
                        "response",
                        "header",
                        f"response {code} header {name}",
                    )
                )
        for key, name in new_headers.items():
            if key not in old_headers:
                self.add(
                    "response-header-added",
                    op,
                    pointer_join(np, "headers", name),
                    f"response {code}: header {name} added",
                )

    # ---- security ------------------------------------------------------------------------

    def _effective(
        self, side: Side, op: dict[str, Any], op_pointer: str
    ) -> tuple[list[dict[str, list[str]]], str]:
        if "security" in op:
            raw, pointer = op.get("security"), pointer_join(op_pointer, "security")
        elif "security" in side.document:
            raw, pointer = side.document.get("security"), "/security"
        else:
            raw, pointer = None, op_pointer  # no requirement anywhere: the operation
        out: list[dict[str, list[str]]] = []
        if isinstance(raw, list):
            for requirement in raw:
                if isinstance(requirement, dict):
                    out.append(
                        {
                            str(name): sorted(str(s) for s in scopes)
                            if isinstance(scopes, list)
                            else []
                            for name, scopes in requirement.items()
                        }
                    )
        return out, pointer

    def _security(self) -> None:
        old, op = self._effective(self.doc.old, self.old_op, self.op)
        new, np = self._effective(self.doc.new, self.new_op, self.np)
        old_open = not old or {} in old
        new_open = not new or {} in new
        if old_open and not new_open:
            self.add("api-security-became-required", op, np, "credentials now required")
        elif new_open and not old_open:
            self.add("api-security-became-optional", op, np, "credentials no longer required")

        def covers(new_req: dict[str, list[str]], old_req: dict[str, list[str]]) -> bool:
            return set(new_req) <= set(old_req) and all(
                set(scopes) <= set(old_req[name]) for name, scopes in new_req.items()
            )

        if not old_open:
            for requirement in old:
                if any(covers(candidate, requirement) for candidate in new):
                    continue
                names = ", ".join(sorted(requirement)) or "(none)"
                if any(set(candidate) == set(requirement) for candidate in new):
                    self.add("api-security-scope-added", op, np, f"security {names}: scope added")
                else:
                    self.add("api-security-removed", op, np, f"security {names} no longer accepted")
        for requirement in new:
            if old_open or requirement in old or not requirement:
                continue
            names = ", ".join(sorted(requirement))
            same = [r for r in old if set(r) == set(requirement)]
            if any(covers(requirement, r) for r in same):
                self.add("api-security-scope-removed", op, np, f"security {names}: scope removed")
            elif not same:
                self.add("api-security-added", op, np, f"security {names} added")


def _text(value: JSON) -> str:
    return (
        "default"
        if value is None
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )


def _param_schema(param: dict[str, Any], pointer: str) -> tuple[str, str, str] | None:
    """(kind, schema pointer, media type or "") of a parameter or header."""
    if "schema" in param:
        return "schema", pointer_join(pointer, "schema"), ""
    content = param.get("content")
    if isinstance(content, dict) and content:
        media = next(iter(content))
        if isinstance(content[media], dict) and "schema" in content[media]:
            return "content", pointer_join(pointer, "content", media, "schema"), _media_base(media)
    return None


def _match_media(
    old: list[str], new: list[str]
) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    pairs = [(m, m) for m in old if m in new]
    lost = [m for m in old if m not in new]
    gained = [m for m in new if m not in old]
    for media in list(lost):
        for other in gained:
            if _media_base(other) == _media_base(media):
                pairs.append((media, other))
                lost.remove(media)
                gained.remove(other)
                break
    return pairs, lost, gained
