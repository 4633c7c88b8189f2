# Copied verbatim from specfirst/runtime/error_bodies.py by specfirst 0.1.0. Do not edit: regenerate.
"""Error bodies that fit any error schema.

A refused request is described by a ``Problem``: its status, a short title (the HTTP
phrase), a detail, a code, the request id, the request's path and URL, and its issues (where
each bad value is, what is wrong with it and its kind). ``fill`` turns a Problem into an
instance of the JSON Schema an operation declares for the error, property by property, by
name, type and format:

- ``status``/``statusCode``/``status_code``: the status (a string where the schema says so);
- ``title``: the HTTP phrase; ``detail``/``message``/``error_description``/``msg``: the detail;
- ``code``/``error_code``/``errorCode``/``error_type``: the code; ``type``: ``about:blank``
  where it is a URI (RFC 9457), the code otherwise; ``instance``: the request's path;
- ``request_id``/``requestId``/``trace_id``: the request id; timestamps: now;
- nested objects (``error: {code, message}``) hold the same; arrays of objects or strings
  (``errors: [{code, message, path}]``, ``errors: {body: [..]}``, FastAPI's
  ``detail: [{loc, msg, type}]``) hold one entry per issue;
- enums give the member that matches the status or code (else their first), consts their
  value; formats (date-time, uuid, uri, email ...) and bounds (lengths, minimum, maximum,
  multipleOf, item counts) are met;
- anything else the schema requires gets a schema-valid value of its own.

``body_for(annotation, problem)`` does this for the pydantic type a route declares: it fills
the type's JSON schema in a few modes (rich: required properties and every optional one the
problem has a value for; required only; minimal), keeps the first candidate the type
validates and answers the type's own JSON dump of it, so the body is an instance of the
declared schema. A schema no candidate fits is logged once.
"""

from __future__ import annotations

import base64
import logging
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from pydantic import TypeAdapter, ValidationError

logger = logging.getLogger("app.errors")

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Issue:
    """One bad value: where it is (``("body", "user", "email")``), what is wrong, its kind."""

    location: Location
    message: str
    type: str

    @property
    def dotted(self) -> str:
        """``body.user.email``."""
        return ".".join(str(part) for part in self.location)

    @property
    def in_body(self) -> bool:
        return self.location[:1] == ("body",)

    @property
    def pointer(self) -> str:
        """A JSON pointer to the value in the request body (``/user/email``); empty when the
        value is not in the body (a parameter: see ``parameter``)."""
        if not self.in_body:
            return ""
        return "".join(
            "/" + str(p).replace("~", "~0").replace("/", "~1") for p in self.location[1:]
        )

    @property
    def parameter(self) -> str:
        """The name of the parameter that holds the value; empty for a value in the body."""
        if self.in_body or not self.location:
            return ""
        return self.name

    @property
    def name(self) -> str:
        """The name of the bad field or parameter (the last named part of its location)."""
        return next((str(p) for p in reversed(self.location) if isinstance(p, str)), "")

    @property
    def described(self) -> str:
        """The message, after where the value is: ``body.user.email: Field required``."""
        return f"{self.dotted}: {self.message}" if self.location else self.message


def phrase(status: int) -> str:
    """HTTP's short title of a status: ``Not Found``."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@dataclass(frozen=True)
class Problem:
    """Everything a service knows about one refusal."""

    status: int
    code: str
    detail: str
    title: str = ""
    request_id: str = ""
    instance: str = ""
    """The request's path (RFC 9457 ``instance``)."""
    url: str = ""
    """The request's full URL, for properties that must be an absolute URI."""
    issues: tuple[Issue, ...] = ()

    def __post_init__(self) -> None:
        if not self.title:
            object.__setattr__(self, "title", phrase(self.status))

    @property
    def all_issues(self) -> tuple[Issue, ...]:
        """The issues, or the problem itself as its one issue."""
        return self.issues or (Issue((), self.detail, self.code),)


def plain_body(problem: Problem) -> dict[str, Any]:
    """The body of an error whose operation declares no schema for it."""
    return {"code": problem.code, "message": problem.detail}


class Unfillable(Exception):
    """No value can satisfy a schema (``false``, contradicting bounds, required recursion)."""


# -- what a property name means ----------------------------------------------------------
# Names are compared lower-case without "_", "-", "." and spaces: errorCode == error_code.

STATUS, TITLE, DETAIL, CODE, TYPE, INSTANCE, PATH, POINTER, PARAMETER, LOCATION = (
    "status",
    "title",
    "detail",
    "code",
    "type",
    "instance",
    "path",
    "pointer",
    "parameter",
    "location",
)
REQUEST_ID, TIME, ERROR, FAILED, ISSUES = "request_id", "time", "error", "failed", "issues"

_MEANINGS: dict[str, str] = {}
for _meaning, _names in (
    (STATUS, "status statuscode httpstatus httpstatuscode httpcode statusnumber"),
    (TITLE, "title reasonphrase statustext statusphrase"),
    (DETAIL, "detail details message messages msg errormessage errormsg errordescription"),
    (DETAIL, "description errordetail errordetails developermessage usermessage text"),
    (DETAIL, "reason explanation summary"),
    (CODE, "code codes errorcode errortype errorkey errorname errorid kind reasoncode"),
    (CODE, "subcode name key"),
    (TYPE, "type"),
    (INSTANCE, "instance"),
    (PATH, "path url uri endpoint href"),
    (POINTER, "pointer jsonpointer"),
    (PARAMETER, "parameter param parametername paramname"),
    (LOCATION, "loc location field fieldname attribute property propertypath source target"),
    (REQUEST_ID, "requestid xrequestid traceid correlationid requestidentifier"),
    (REQUEST_ID, "traceidentifier transactionid"),
    (TIME, "timestamp time datetime date occurredat createdat at"),
    (ERROR, "error"),
    (FAILED, "failed failure iserror haserror haserrors"),
    (ISSUES, "errors issues problems violations invalidparams invalidparameters"),
    (ISSUES, "fielderrors validationerrors suberrors causes"),
):
    _MEANINGS.update(dict.fromkeys(_names.split(), _meaning))

_URI_FORMATS = frozenset({"uri", "iri"})
_URI_REFERENCE_FORMATS = frozenset({"uri-reference", "iri-reference", "uri-template"})
_NUMBERS = frozenset({"integer", "number"})
_DEEP = 12
"""Below this depth only what is required is filled."""
_TOO_DEEP = 40
"""A schema that requires this deep a nesting cannot be filled (required recursion)."""


def _key(name: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower()) if name else ""


def meaning(name: str | None) -> str | None:
    """What a property named ``name`` holds (``None``: nothing a problem knows)."""
    return _MEANINGS.get(_key(name))


def _norm(value: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(value).lower())


def _types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a schema allows (inferred from its keywords where it names none)."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {t for t in declared if isinstance(t, str)}
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return {"object"}
    if "items" in schema or "prefixItems" in schema:
        return {"array"}
    if "const" in schema:
        return {_json_type(schema["const"])}
    if "enum" in schema and isinstance(schema["enum"], list):
        return {_json_type(v) for v in schema["enum"]}
    if any(k in schema for k in ("minLength", "maxLength", "pattern", "format")):
        return {"string"}
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "multipleOf")):
        return {"number"}
    return set()


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and _types(schema) == {"null"}


class _Filler:
    """Fills one JSON schema (``root``, whose ``$ref``s it resolves) from one problem."""

    def __init__(self, problem: Problem, root: Any, mode: str) -> None:
        self.problem = problem
        self.root = root
        self.mode = mode
        self.now = datetime.now(UTC).replace(microsecond=0)

    # -- schema plumbing ---------------------------------------------------------------
    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise Unfillable(f"cannot resolve {ref}")
        node = self.root
        for part in filter(None, ref[1:].split("/")):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise Unfillable(f"cannot resolve {ref}")
        return node

    def resolve(self, schema: Any) -> Any:
        for _ in range(64):
            if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
                return schema
            target = self.lookup(schema["$ref"])
            if not isinstance(target, dict):
                return target
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        raise Unfillable("a $ref cycle")

    def merge(self, schema: dict[str, Any]) -> dict[str, Any]:
        """``allOf`` folded into one schema (properties and required lists united)."""
        out = {k: v for k, v in schema.items() if k != "allOf"}
        for member in schema.get("allOf") or ():
            member = self.resolve(member)
            if member is False:
                raise Unfillable("false schema")
            if not isinstance(member, dict):
                continue
            if "allOf" in member:
                member = self.merge(member)
            for key, value in member.items():
                if key == "properties" and isinstance(value, dict):
                    props = dict(out.get("properties") or {})
                    for name, sub in value.items():
                        props[name] = {"allOf": [props[name], sub]} if name in props else sub
                    out["properties"] = props
                elif key == "required" and isinstance(value, list):
                    out["required"] = list(dict.fromkeys([*(out.get("required") or []), *value]))
                elif key not in out:
                    out[key] = value
        return out

    def wanted(self, name: str | None) -> set[str]:
        """The JSON types that carry what a property named ``name`` means."""
        what = meaning(name)
        if what == STATUS:
            return {"integer", "number"}
        if what == ISSUES:
            return {"array", "object"}
        if what == ERROR:
            return {"object", "string"}
        if what == FAILED:
            return {"boolean"}
        if what == LOCATION and _key(name) == "loc":
            return {"array"}
        return {"string"} if what is not None or name is None else set()

    def member(self, members: list[Any], name: str | None) -> Any:
        """The union member to fill: one that carries the meaning, never null unless minimal."""
        resolved = [self.resolve(m) for m in members]
        nulls = [m for m in resolved if _is_null(m)]
        others = [m for m in resolved if not _is_null(m) and m is not False]
        if self.mode == "minimal" and nulls:
            return nulls[0]
        if not others:
            if nulls:
                return nulls[0]
            raise Unfillable("no union member")
        wanted = self.wanted(name)
        return min(others, key=lambda m: 0 if isinstance(m, dict) and _types(m) & wanted else 1)

    # -- values ------------------------------------------------------------------------
    def value(
        self,
        schema: Any,
        name: str | None = None,
        issue: Issue | None = None,
        siblings: frozenset[str] = frozenset(),
        depth: int = 0,
    ) -> Any:
        """A value valid for ``schema``, for a property ``name`` (None: an array item)."""
        if depth > _TOO_DEEP:
            raise Unfillable("the schema requires unbounded nesting")
        schema = self.resolve(schema)
        if schema is True or schema is None:
            schema = {}
        if schema is False or not isinstance(schema, dict):
            raise Unfillable("false schema")
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list):
            return self.pick(schema["enum"], name, issue, siblings)
        if "allOf" in schema:
            return self.value(self.merge(schema), name, issue, siblings, depth + 1)
        for keyword in ("oneOf", "anyOf"):
            if isinstance(schema.get(keyword), list):
                rest = {k: v for k, v in schema.items() if k != keyword}
                chosen = self.member(schema[keyword], name)
                merged = self.merge({**rest, "allOf": [chosen]}) if chosen is not True else rest
                return self.value(merged, name, issue, siblings, depth + 1)
        result = self.typed(schema, name, issue, siblings, depth)
        if "not" in schema and _plainly_matches(result, self.resolve(schema["not"])):
            raise Unfillable("a value its 'not' excludes")
        return result

    def typed(
        self,
        schema: dict[str, Any],
        name: str | None,
        issue: Issue | None,
        siblings: frozenset[str],
        depth: int,
    ) -> Any:
        types = _types(schema)
        if not types:  # any value: what the name means, else null
            if self.mode == "minimal":
                return None
            types = self.wanted(name) - {"object", "number", "array"} or {"null"}
        if "null" in types and (self.mode == "minimal" or types == {"null"}):
            return None
        wanted = self.wanted(name)
        order = ("object", "array", "string", "integer", "number", "boolean", "null")
        kind = next((t for t in order if t in types & wanted), None) or next(
            t for t in order if t in types or t == "null"
        )
        if kind == "object":
            return self.object(schema, name, issue, depth)
        if kind == "array":
            return self.array(schema, name, issue, depth)
        if kind == "string":
            return self.string(schema, name, issue, siblings)
        if kind in _NUMBERS:
            return self.number(schema, name, kind == "integer")
        if kind == "boolean":
            return meaning(name) in (FAILED, ERROR)
        return None

    def object(
        self, schema: dict[str, Any], name: str | None, issue: Issue | None, depth: int
    ) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties") or {}
        required = [r for r in schema.get("required") or () if isinstance(r, str)]
        extra = schema.get("additionalProperties", True)
        siblings = frozenset(_key(k) for k in [*props, *required])
        out: dict[str, Any] = {}
        for prop in required:
            sub = props.get(prop, extra if isinstance(extra, dict) else {})
            out[prop] = self.value(sub, prop, issue, siblings, depth + 1)
        if self.mode == "rich" and depth < _DEEP:
            for prop, sub in props.items():
                if prop in out or meaning(prop) is None:
                    continue
                try:
                    value = self.value(sub, prop, issue, siblings, depth + 1)
                except Unfillable:
                    continue
                if value not in ("", [], {}, None):  # nothing to say: left out
                    out[prop] = value
            issue_map = meaning(name) in (ISSUES, ERROR)  # a map of issues: {"email": [...]}
            if issue_map and not props and isinstance(extra, dict) and issue is None:
                for each in self.problem.all_issues:
                    key = each.name or each.dotted or self.problem.code
                    out.setdefault(key, self.value(extra, None, each, frozenset(), depth + 1))
        low = schema.get("minProperties")
        if isinstance(low, int):
            for prop, sub in props.items():
                if len(out) >= low:
                    break
                if prop not in out:
                    out[prop] = self.value(sub, prop, issue, siblings, depth + 1)
            index = 0
            while len(out) < low:
                if extra is False:
                    raise Unfillable("minProperties beyond the properties allowed")
                index += 1
                key = f"property{index}"
                if key not in out:
                    sub = extra if isinstance(extra, dict) else {}
                    out[key] = self.value(sub, key, issue, frozenset(), depth + 1)
        high = schema.get("maxProperties")
        if isinstance(high, int) and len(out) > high:
            kept = [k for k in out if k in required] + [k for k in out if k not in required]
            out = {k: out[k] for k in kept[:high]}
        return out

    def array(
        self, schema: dict[str, Any], name: str | None, issue: Issue | None, depth: int
    ) -> list[Any]:
        items = schema.get("items", True)
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
        low = schema.get("minItems") if isinstance(schema.get("minItems"), int) else 0
        high = schema.get("maxItems") if isinstance(schema.get("maxItems"), int) else None
        out = [self.value(s, None, issue, frozenset(), depth + 1) for s in prefix]
        item = self.resolve(items)
        item_types = _types(item) if isinstance(item, dict) else set()
        what = meaning(name)
        if prefix or item is False:
            pass
        elif what == LOCATION:  # FastAPI's loc: ["body", "user", "email"]
            where = issue or self.problem.all_issues[0]
            out = [self.segment(item, part, depth) for part in where.location]
        elif self.mode != "minimal" and depth < _DEEP and item_types & {"object", "string"}:
            if issue is None:  # one entry per issue
                out = [
                    self.value(item, None, i, frozenset(), depth + 1)
                    for i in self.problem.all_issues
                ]
            elif "object" not in item_types:  # the messages of one issue
                out = [self.value(item, None, issue, frozenset(), depth + 1)]
        while len(out) < low:
            if item is False:
                raise Unfillable("minItems beyond the items allowed")
            value = self.value(item, None, issue, frozenset(), depth + 1)
            if schema.get("uniqueItems") and value in out:
                if not isinstance(value, str):
                    raise Unfillable("uniqueItems with one possible item")
                value = f"{value} ({len(out) + 1})"
            out.append(value)
        return out if high is None else out[:high]

    def segment(self, item: Any, part: str | int, depth: int) -> Any:
        """One part of a location, as the item schema of a ``loc`` array takes it."""
        if isinstance(item, dict):
            schemas = [self.resolve(m) for m in item.get("anyOf") or item.get("oneOf") or [item]]
            allowed = set().union(*(_types(s) for s in schemas if isinstance(s, dict)))
            if (
                not allowed
                or _json_type(part) in allowed
                or (isinstance(part, int) and "number" in allowed)
            ):
                return part
            if "string" in allowed:
                return str(part)
        return self.value(item, None, None, frozenset(), depth + 1)

    def pick(
        self, members: list[Any], name: str | None, issue: Issue | None, siblings: frozenset[str]
    ) -> Any:
        """The enum member matching what the property means, the status or the code."""
        if not members:
            raise Unfillable("an empty enum")
        if self.mode == "minimal" and None in members:
            return None
        problem = self.problem
        wanted: list[Any] = []
        what = meaning(name)
        if what in (STATUS, CODE):
            wanted.append(problem.status)
        wanted.append(self.text(what, name, None, issue, siblings))
        wanted += [
            issue.type if issue else problem.code,
            problem.code,
            problem.status,
            problem.title,
            "error",
            "failure",
            "fail",
            "problem",
        ]
        status_class = f"{str(problem.status)[0]}xx"
        wanted.append(status_class)
        for candidate in wanted:
            for member in members:
                if member == candidate and type(member) is type(candidate):
                    return member
            for member in members:
                comparable = isinstance(member, str | int) and not isinstance(member, bool)
                if comparable and _norm(member) and _norm(member) == _norm(candidate):
                    return member
        same_class = [  # a status of the same class: 400 for a 422
            m
            for m in members
            if isinstance(m, int) and not isinstance(m, bool) and m // 100 == problem.status // 100
        ]
        if what in (STATUS, CODE) and same_class:
            return same_class[0]
        return next((m for m in members if m is not None), members[0])

    def text(
        self,
        what: str | None,
        name: str | None,
        fmt: str | None,
        issue: Issue | None,
        siblings: frozenset[str],
    ) -> str:
        """The text a string property holds, by what its name means (and its format)."""
        problem = self.problem
        first = issue or problem.all_issues[0]
        if what is None and name is None:  # an item of a list of messages
            return issue.described if issue else problem.detail
        if what == TITLE:
            return problem.title
        if what == DETAIL:
            return issue.message if issue else problem.detail
        if what == CODE:
            return issue.type if issue else problem.code
        if what == ERROR:
            has_message = any(_MEANINGS.get(s) == DETAIL for s in siblings)
            return self.text(CODE if has_message else DETAIL, name, fmt, issue, siblings)
        if what == TYPE:
            if fmt in _URI_FORMATS or fmt in _URI_REFERENCE_FORMATS:
                return "about:blank"
            if issue is None and siblings & {"title", "instance"}:
                return "about:blank"
            return issue.type if issue else problem.code
        if what == STATUS:
            return str(problem.status)
        if what == INSTANCE or (what == PATH and issue is None):
            return problem.url if fmt in _URI_FORMATS and problem.url else problem.instance
        if what == POINTER:
            return first.pointer
        if what == PARAMETER:
            return first.parameter
        if what in (PATH, LOCATION):
            return first.dotted
        if what == REQUEST_ID:
            return problem.request_id
        if what == TIME:
            return self.now.isoformat().replace("+00:00", "Z")
        return issue.type if issue else problem.code

    def string(
        self,
        schema: dict[str, Any],
        name: str | None,
        issue: Issue | None,
        siblings: frozenset[str],
    ) -> str:
        fmt = schema.get("format") if isinstance(schema.get("format"), str) else None
        what = meaning(name)
        value = self.text(what, name, fmt, issue, siblings)
        value = self.formatted(fmt, what, value)
        low = schema.get("minLength") if isinstance(schema.get("minLength"), int) else 0
        high = schema.get("maxLength") if isinstance(schema.get("maxLength"), int) else None
        pattern = schema.get("pattern") if isinstance(schema.get("pattern"), str) else None
        problem = self.problem
        candidates = [value]
        if pattern is not None:
            base = [value, problem.code, str(problem.status), problem.title, problem.detail]
            candidates += [c.upper() for c in base] + [c.replace("_", "-") for c in base]
            candidates += [c.replace("_", "") for c in base] + ["a", "A", "0", "x", "-", "_"]
        for candidate in candidates:
            fitted = candidate if fmt else _fit_length(candidate, low, high)
            if pattern is None or _search(pattern, fitted):
                return fitted
        return value if fmt else _fit_length(value, low, high)

    def formatted(self, fmt: str | None, what: str | None, value: str) -> str:
        """``value`` in ``fmt`` where it is not already."""
        if fmt is None:
            return value
        problem = self.problem
        if fmt == "date-time":
            return self.now.isoformat().replace("+00:00", "Z")
        if fmt == "date":
            return self.now.date().isoformat()
        if fmt == "time":
            return self.now.time().isoformat() + "Z"
        if fmt == "uuid":
            try:
                return str(uuid.UUID(value))
            except ValueError:
                return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{problem.instance}#{value}"))
        if fmt in _URI_FORMATS:
            return value if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) else "about:blank"
        if fmt in _URI_REFERENCE_FORMATS:
            return value if what in (TYPE, INSTANCE, PATH) else "about:blank"
        if fmt in ("email", "idn-email"):
            return "errors@example.com"
        if fmt in ("hostname", "idn-hostname"):
            return "example.com"
        if fmt == "ipv4":
            return "127.0.0.1"
        if fmt == "ipv6":
            return "::1"
        if fmt == "byte":
            return base64.b64encode(value.encode("utf-8")).decode("ascii")
        if fmt == "duration":
            return "PT0S"
        if fmt == "json-pointer":
            return value if value.startswith("/") or not value else "/" + value
        if fmt == "regex":
            return re.escape(value)
        if fmt in ("int32", "int64", "integer"):
            return str(problem.status)
        return value

    def number(self, schema: dict[str, Any], name: str | None, integer: bool) -> int | float:
        what = meaning(name)
        if what in (STATUS, CODE, ERROR):
            value: float = self.problem.status
        elif what == TIME:
            value = int(self.now.timestamp())
        else:
            value = 0
        return _fit_number(value, schema, integer)


def _search(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True  # a pattern Python cannot read: the validator decides


def _fit_length(value: str, low: int, high: int | None) -> str:
    if len(value) < low:
        value = value + "." * (low - len(value))
    return value if high is None else value[:high]


def _number(schema: dict[str, Any], key: str) -> float | None:
    value = schema.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _fit_number(value: float, schema: dict[str, Any], integer: bool) -> int | float:
    """``value`` if ``schema`` allows it, else the allowed value nearest to it."""
    low, high = _number(schema, "minimum"), _number(schema, "maximum")
    xlow, xhigh = _number(schema, "exclusiveMinimum"), _number(schema, "exclusiveMaximum")
    step = _number(schema, "multipleOf")
    if integer:
        if xlow is not None:
            low = max(low if low is not None else -math.inf, math.floor(xlow) + 1)
        if xhigh is not None:
            high = min(high if high is not None else math.inf, math.ceil(xhigh) - 1)
        low = math.ceil(low) if low is not None and math.isfinite(low) else low
        high = math.floor(high) if high is not None and math.isfinite(high) else high
    else:
        span = (
            (high if high is not None else xhigh) - (low if low is not None else xlow)
            if ((high is not None or xhigh is not None) and (low is not None or xlow is not None))
            else 2.0
        )
        if xlow is not None:
            low = max(low if low is not None else -math.inf, xlow + min(1.0, span / 2))
        if xhigh is not None:
            high = min(high if high is not None else math.inf, xhigh - min(1.0, span / 2))
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    if step:
        multiple = math.ceil(value / step) * step
        if high is not None and multiple > high:
            multiple = math.floor(value / step) * step
        value = multiple
    if low is not None and high is not None and low > high:
        raise Unfillable("no number within the bounds")
    return int(value) if integer else value


def _plainly_matches(value: Any, schema: Any) -> bool:
    """Whether ``value`` is plainly an instance of ``schema`` (const, enum, type): for ``not``."""
    if schema is True or schema == {}:
        return True
    if not isinstance(schema, dict):
        return False
    if "const" in schema:
        return value == schema["const"]
    if isinstance(schema.get("enum"), list):
        return value in schema["enum"]
    types = _types(schema)
    if types and set(schema) <= {"type", "title", "description"}:
        kind = _json_type(value)
        return kind in types or (kind == "integer" and "number" in types)
    return False


MODES = ("rich", "required", "minimal")


def fill(schema: Any, problem: Problem, mode: str = "rich", root: Any = None) -> Any:
    """An instance of the JSON schema ``schema`` describing ``problem`` (``root`` holds the
    targets of its ``$ref``s; default: the schema itself). Raises ``Unfillable``."""
    return _Filler(problem, schema if root is None else root, mode).value(schema)


def candidates(schema: Any, problem: Problem) -> list[Any]:
    """Bodies for ``problem`` that fit ``schema``, best first, one per mode that can fill it."""
    found: list[Any] = []
    for mode in MODES:
        try:
            value = fill(schema, problem, mode)
        except (Unfillable, RecursionError):
            continue
        if value not in found:
            found.append(value)
    return found


_ADAPTERS: dict[Any, tuple[TypeAdapter[Any], Any]] = {}
_WARNED: set[str] = set()


def _adapter(annotation: Any) -> tuple[TypeAdapter[Any], Any]:
    """The type's adapter and JSON schema (None where pydantic cannot write one)."""
    try:
        return _ADAPTERS[annotation]
    except (KeyError, TypeError):
        pass
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    try:
        schema = adapter.json_schema()
    except Exception:  # noqa: BLE001 - a schema pydantic cannot publish is still validated
        schema = None
    try:
        _ADAPTERS[annotation] = (adapter, schema)
    except TypeError:
        pass
    return adapter, schema


def _warn_once(annotation: Any, what: str) -> None:
    label = getattr(annotation, "__name__", None) or repr(annotation)
    if label not in _WARNED:
        _WARNED.add(label)
        logger.warning("%s %s", what, label)


def body_for(annotation: Any, problem: Problem) -> Any:
    """The body describing ``problem`` as an instance of ``annotation`` (the pydantic type a
    response declares), as JSON data. Where no value fits, it logs once and answers its best
    attempt."""
    try:
        adapter, schema = _adapter(annotation)
    except Exception:  # noqa: BLE001 - an error answer must never fail in turn
        _warn_once(annotation, "cannot build an error body for the declared type")
        return plain_body(problem)
    tries = candidates(schema, problem) if schema is not None else []
    plain = plain_body(problem)
    problem_shaped = {
        "type": "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": problem.instance,
    }
    for candidate in [*tries, plain, problem_shaped, problem.detail]:
        try:
            value = adapter.validate_python(candidate)
            return adapter.dump_python(value, mode="json", by_alias=True)
        except (ValidationError, ValueError, TypeError):
            continue
    _warn_once(annotation, "no error body fits the declared schema; answering the closest:")
    return tries[0] if tries else plain
