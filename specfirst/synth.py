"""Synthesize values and HTTP requests that are valid by construction for a spec.

Everything works on the intermediate model (:mod:`specfirst.ir`):

* :func:`example_value` builds a value for a schema, preferring the spec's own examples
  and defaults when they pass :func:`conforms`, the model-level validity check here;
* :func:`valid_request` builds a request that a correct implementation of an operation
  must accept (parameters, body, serialized as OpenAPI's styles say);
* :func:`credentials_for` makes up a credential for the operation's first security
  requirement, and the environment that makes a generated app accept it.

Generation is deterministic: the same schema and seed always give the same value.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
import random
import re
import re._constants as sre_c
import re._parser as sre_parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator

from specfirst import naming
from specfirst.ir import NO_VALUE, Api, MediaType, Operation, Parameter, Schema
from specfirst.jsontype import json_type

__all__ = [
    "RequestSpec",
    "SynthesisError",
    "conforms",
    "credentials_for",
    "env_var_for_scheme",
    "example_value",
    "schema_errors",
    "valid_request",
]


class SynthesisError(Exception):
    """No valid value could be built for a schema (or no request for an operation)."""


# ======================================================================================
# Validity check against the intermediate model
# ======================================================================================

_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_TIME = re.compile(r"^\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)?$")
_DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _date_time_ok(value: str) -> bool:
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def _date_ok(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _ip_ok(value: str, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        kind(value)
    except ValueError:
        return False
    return True


def _uuid_ok(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _base64_ok(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except ValueError:
        return False
    return True


def _format_error(value: Any, fmt: str) -> str | None:
    """Why ``value`` does not have format ``fmt`` (unknown formats always pass)."""
    if fmt in _INT_RANGES and isinstance(value, int) and not isinstance(value, bool):
        low, high = _INT_RANGES[fmt]
        return None if low <= value <= high else f"outside {fmt}"
    if not isinstance(value, str):
        return None
    checks = {
        "date-time": _date_time_ok,
        "date": _date_ok,
        "time": lambda v: bool(_TIME.match(v)),
        "duration": lambda v: bool(_DURATION.match(v)),
        "uuid": _uuid_ok,
        "email": lambda v: bool(_EMAIL.match(v)),
        "uri": lambda v: bool(_URI_SCHEME.match(v)) and not any(c.isspace() for c in v),
        "url": lambda v: bool(_URI_SCHEME.match(v)) and not any(c.isspace() for c in v),
        "uri-reference": lambda v: not any(c.isspace() for c in v),
        "ipv4": lambda v: _ip_ok(v, ipaddress.IPv4Address),
        "ipv6": lambda v: _ip_ok(v, ipaddress.IPv6Address),
        "hostname": lambda v: bool(_HOSTNAME.match(v)),
        "byte": _base64_ok,
    }
    check = checks.get(fmt)
    if check is None or check(value):
        return None
    return f"not a valid {fmt}"


def _type_matches(value: Any, declared: str) -> bool:
    actual = json_type(value)
    if declared == "number":
        return actual in ("integer", "number")
    if declared == "integer":
        return actual == "integer" and not isinstance(value, float)
    return actual == declared


def canonical_value(value: Any) -> str:
    """A JSON text equal for JSON-equal values (``1`` and ``1.0`` alike, ``true`` and ``1`` not)."""

    def normal(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, list):
            return [normal(x) for x in v]
        if isinstance(v, dict):
            return {str(k): normal(x) for k, x in v.items()}
        return v

    return json.dumps(normal(value), sort_keys=True, default=str)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def _multiple_of(value: Any, step: Any) -> bool:
    try:
        return _decimal(value) % _decimal(step) == 0
    except (InvalidOperation, ZeroDivisionError):
        return False


def _pattern_error(value: str, pattern: Any) -> str | None:
    try:
        found = re.search(str(pattern), value) is not None
    except re.error as exc:
        return f"pattern {pattern!r} cannot be checked: {exc}"
    return None if found else f"does not match pattern {pattern!r}"


def _discriminated_member(value: dict[str, Any], s: Schema, members: list[Schema]) -> Schema | None:
    """The member a discriminator value names, or None when it names none."""
    assert s.discriminator is not None
    key = value.get(s.discriminator.property_name)
    if not isinstance(key, str):
        return None
    if key in s.discriminator.mapping:
        return s.discriminator.mapping[key]
    for member in members:
        if member.target().component == key:
            return member
    return None


def _discriminator_resolvable(s: Schema, members: list[Schema]) -> bool:
    return s.discriminator is not None and (
        bool(s.discriminator.mapping) or all(m.target().component for m in members)
    )


def schema_errors(value: Any, schema: Schema, where: str = "$") -> list[str]:
    """Why ``value`` is not valid for ``schema`` (empty when it is), per the intermediate model.

    Covers what the model carries: types, nullable, enum/const, formats, constraints,
    properties/required/additionalProperties, items, allOf/anyOf/oneOf (with
    discriminators), ``not``/``patternProperties``/``dependentRequired`` where the model keeps
    them, and ``$ref`` (plus 3.1 sibling keywords). Keywords the model marks unsupported
    (``if``, ``contains`` ...) are not checked.
    """
    return _Checker().errors(value, schema, where)


def conforms(value: Any, schema: Schema) -> bool:
    """Whether ``value`` is valid for ``schema`` (see :func:`schema_errors`)."""
    return not schema_errors(value, schema)


class _Checker:
    def __init__(self) -> None:
        self.active: set[tuple[int, int]] = set()  # (schema, value) pairs being checked

    def errors(self, value: Any, s: Schema, where: str) -> list[str]:
        key = (id(s), id(value))
        if key in self.active:  # a cycle on the same value cannot add new errors
            return []
        self.active.add(key)
        try:
            return self._errors(value, s, where)
        finally:
            self.active.discard(key)

    def _errors(self, value: Any, s: Schema, where: str) -> list[str]:
        errors: list[str] = []
        if s.ref is not None:
            errors += self.errors(value, s.ref, where)
        if value is None and (s.nullable or s.types == ("null",)):
            return errors
        if s.const is not NO_VALUE and canonical_value(value) != canonical_value(s.const):
            errors.append(f"{where}: must be {s.const!r}")
        if s.enum is not None and canonical_value(value) not in {
            canonical_value(v) for v in s.enum
        }:
            errors.append(f"{where}: must be one of {s.enum!r}")
        if s.types and not any(_type_matches(value, t) for t in s.types):
            errors.append(f"{where}: must be of type {'/'.join(s.types)}, not {json_type(value)}")
            return errors
        if (
            value is None
            and s.ref is None
            and not s.types
            and s.enum is None
            and s.const is NO_VALUE
        ) and (s.properties or s.items is not None):  # generated models refuse null for these
            errors.append(f"{where}: must not be null")
            return errors
        if s.format is not None and (message := _format_error(value, s.format)):
            errors.append(f"{where}: {message}")
        errors += self._constraint_errors(value, s, where)
        if s.keywords:  # self-contained subschemas (see ir.EVALUATED_KEYS)
            errors += [
                f"{where}: {e.message}" for e in Draft202012Validator(s.keywords).iter_errors(value)
            ]
        if isinstance(value, list) and s.items is not None:
            for index, item in enumerate(value):
                errors += self.errors(item, s.items, f"{where}[{index}]")
        if isinstance(value, dict):
            errors += self._object_errors(value, s, where)
        for member in s.all_of:
            errors += self.errors(value, member, where)
        if s.any_of:
            errors += self._choice_errors(value, s, s.any_of, where, exactly_one=False)
        if s.one_of:
            errors += self._choice_errors(value, s, s.one_of, where, exactly_one=True)
        return errors

    def _constraint_errors(self, value: Any, s: Schema, where: str) -> list[str]:
        c = s.constraints
        errors: list[str] = []
        if isinstance(value, str):
            if "minLength" in c and len(value) < c["minLength"]:
                errors.append(f"{where}: shorter than {c['minLength']}")
            if "maxLength" in c and len(value) > c["maxLength"]:
                errors.append(f"{where}: longer than {c['maxLength']}")
            if "pattern" in c and (message := _pattern_error(value, c["pattern"])):
                errors.append(f"{where}: {message}")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in c and value < c["minimum"]:
                errors.append(f"{where}: below minimum {c['minimum']}")
            if "maximum" in c and value > c["maximum"]:
                errors.append(f"{where}: above maximum {c['maximum']}")
            if "exclusiveMinimum" in c and value <= c["exclusiveMinimum"]:
                errors.append(f"{where}: not above {c['exclusiveMinimum']}")
            if "exclusiveMaximum" in c and value >= c["exclusiveMaximum"]:
                errors.append(f"{where}: not below {c['exclusiveMaximum']}")
            if "multipleOf" in c and not _multiple_of(value, c["multipleOf"]):
                errors.append(f"{where}: not a multiple of {c['multipleOf']}")
        elif isinstance(value, list):
            if "minItems" in c and len(value) < c["minItems"]:
                errors.append(f"{where}: fewer than {c['minItems']} items")
            if "maxItems" in c and len(value) > c["maxItems"]:
                errors.append(f"{where}: more than {c['maxItems']} items")
            if c.get("uniqueItems") and len({canonical_value(v) for v in value}) != len(value):
                errors.append(f"{where}: items are not unique")
        elif isinstance(value, dict):
            if "minProperties" in c and len(value) < c["minProperties"]:
                errors.append(f"{where}: fewer than {c['minProperties']} properties")
            if "maxProperties" in c and len(value) > c["maxProperties"]:
                errors.append(f"{where}: more than {c['maxProperties']} properties")
        return errors

    def _object_errors(self, value: dict[str, Any], s: Schema, where: str) -> list[str]:
        errors: list[str] = []
        for name in s.required:
            if name not in value:
                errors.append(f"{where}: missing required property {name!r}")
        for name, item in value.items():
            prop = s.properties.get(name)
            if prop is not None:
                errors += self.errors(item, prop.schema, f"{where}.{name}")
            elif s.additional is False:
                errors.append(f"{where}: property {name!r} is not allowed")
            elif isinstance(s.additional, Schema):
                errors += self.errors(item, s.additional, f"{where}.{name}")
        return errors

    def _choice_errors(
        self, value: Any, s: Schema, members: list[Schema], where: str, *, exactly_one: bool
    ) -> list[str]:
        keyword = "oneOf" if exactly_one else "anyOf"
        if isinstance(value, dict) and _discriminator_resolvable(s, members):
            member = _discriminated_member(value, s, members)
            if member is None:
                assert s.discriminator is not None
                name = s.discriminator.property_name
                return [f"{where}: discriminator {name!r} names no {keyword} member"]
            return self.errors(value, member, where)
        matching = [m for m in members if not self.errors(value, m, where)]
        if not matching:
            return [f"{where}: matches no {keyword} member"]
        if exactly_one and len(matching) > 1:
            return [f"{where}: matches {len(matching)} oneOf members"]
        return []


# ======================================================================================
# Value synthesis
# ======================================================================================

_MAX_DEPTH = 40
_NICE_CHARS = (
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_. "
    "!#$%&'()*+,/:;<=>?@[]^`{|}~\"\\"
)
_STRING_KEYWORDS = ("minLength", "maxLength", "pattern")
_NUMBER_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


@dataclass
class _Flat:
    """Everything a value must satisfy, gathered from a schema, its ``$ref`` chain and ``allOf``."""

    origin: list[Schema]  # the schemas this view stands for (checked at the end)
    types: set[str] | None = None  # None: any type
    type_order: list[str] = field(default_factory=list)
    nullable: bool = True  # every part allows null
    enums: list[list[Any]] = field(default_factory=list)
    consts: list[Any] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    lower: list[tuple[Any, bool]] = field(default_factory=list)  # (bound, exclusive)
    upper: list[tuple[Any, bool]] = field(default_factory=list)
    multiples: list[Any] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    min_length: int = 0
    max_length: int | None = None
    min_items: int = 0
    max_items: int | None = None
    unique: bool = False
    min_props: int = 0
    properties: dict[str, list[Schema]] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    additional: list[Schema | bool] = field(default_factory=list)
    items: list[Schema] = field(default_factory=list)
    # (members, owner, key): the oneOf/anyOf lists still to satisfy; key is (id(owner), keyword)
    choices: list[tuple[list[Schema], Schema, tuple[int, str]]] = field(default_factory=list)
    resolved: frozenset[tuple[int, str]] = frozenset()  # choices settled by an enclosing pick
    discriminators: list[Schema] = field(default_factory=list)  # schemas declaring one
    examples: list[Any] = field(default_factory=list)
    content_encoding: str | None = None


def _examples_of(s: Schema) -> list[Any]:
    found: list[Any] = []
    if "example" in s.annotations:
        found.append(s.annotations["example"])
    examples = s.annotations.get("examples")
    if isinstance(examples, list):
        found.extend(examples)
    if s.default is not NO_VALUE:
        found.append(s.default)
    return found


def _flatten(schemas: list[Schema], resolved: frozenset[tuple[int, str]] = frozenset()) -> _Flat:
    """Gather the constraints of ``schemas``; choices in ``resolved`` were already picked."""
    flat = _Flat(origin=list(schemas), resolved=resolved)
    seen: set[int] = set()

    def add(s: Schema) -> None:
        if id(s) in seen:
            return
        seen.add(id(s))
        flat.examples.extend(_examples_of(s))
        if s.ref is not None:
            add(s.ref)
        if s.types:
            declared = set(s.types)
            flat.types = declared if flat.types is None else flat.types & declared
            flat.type_order.extend(t for t in s.types if t not in flat.type_order)
        flat.nullable = flat.nullable and _allows_null(s)
        if s.enum is not None:
            flat.enums.append(s.enum)
        if s.const is not NO_VALUE:
            flat.consts.append(s.const)
        if s.format:
            flat.formats.append(s.format)
        c = s.constraints
        if "minimum" in c:
            flat.lower.append((c["minimum"], False))
        if "exclusiveMinimum" in c:
            flat.lower.append((c["exclusiveMinimum"], True))
        if "maximum" in c:
            flat.upper.append((c["maximum"], False))
        if "exclusiveMaximum" in c:
            flat.upper.append((c["exclusiveMaximum"], True))
        if "multipleOf" in c:
            flat.multiples.append(c["multipleOf"])
        if "pattern" in c:
            flat.patterns.append(str(c["pattern"]))
        flat.min_length = max(flat.min_length, int(c.get("minLength", 0)))
        flat.max_length = _tighter(flat.max_length, c.get("maxLength"))
        flat.min_items = max(flat.min_items, int(c.get("minItems", 0)))
        flat.max_items = _tighter(flat.max_items, c.get("maxItems"))
        flat.unique = flat.unique or bool(c.get("uniqueItems"))
        flat.min_props = max(flat.min_props, int(c.get("minProperties", 0)))
        for name, prop in s.properties.items():
            flat.properties.setdefault(name, []).append(prop.schema)
        flat.required.extend(n for n in s.required if n not in flat.required)
        if s.additional is not None:
            flat.additional.append(s.additional)
        if s.items is not None:
            flat.items.append(s.items)
        if s.discriminator is not None:
            flat.discriminators.append(s)
        for keyword, members in (("oneOf", s.one_of), ("anyOf", s.any_of)):
            if members and (id(s), keyword) not in resolved:
                flat.choices.append((members, s, (id(s), keyword)))
        if "contentEncoding" in s.annotations:
            flat.content_encoding = str(s.annotations["contentEncoding"])
        for member in s.all_of:
            add(member)

    for s in schemas:
        add(s)
    return flat


def _allows_null(s: Schema) -> bool:
    """Whether this node (not its ``$ref`` or ``allOf`` parts) lets null through."""
    if s.nullable or s.types == ("null",):
        return True
    return not (
        s.types
        or s.properties
        or s.items is not None
        or s.enum is not None
        or s.const is not NO_VALUE
        or s.one_of
        or s.any_of
    )


def _tighter(current: int | None, new: Any) -> int | None:
    if new is None:
        return current
    return int(new) if current is None else min(current, int(new))


class _Synth:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.active: list[int] = []  # ids of schemas whose value is being built
        self.depth = 0  # nesting of value() calls

    # -- entry -----------------------------------------------------------------------------
    def value(
        self,
        schemas: list[Schema],
        variant: int = 0,
        *,
        resolved: frozenset[tuple[int, str]] = frozenset(),
    ) -> Any:
        if self.depth >= _MAX_DEPTH:
            raise SynthesisError(
                "recursion does not terminate: " + " -> ".join(s.pointer for s in schemas)
            )
        key = [id(s.target()) for s in schemas]
        self.active.extend(key)
        self.depth += 1
        try:
            return self._value(_flatten(schemas, resolved), variant)
        finally:
            self.depth -= 1
            del self.active[len(self.active) - len(key) :]

    def recursive(self, schemas: list[Schema]) -> bool:
        return any(id(s.target()) in self.active for s in schemas)

    def _valid(self, value: Any, flat: _Flat) -> bool:
        return all(conforms(value, s) for s in flat.origin)

    def _value(self, flat: _Flat, variant: int) -> Any:
        valid: list[Any] = []
        for candidate in flat.examples:
            if self._valid(candidate, flat) and all(
                canonical_value(candidate) != canonical_value(v) for v in valid
            ):
                valid.append(candidate)
        if variant < len(valid):
            return copy.deepcopy(valid[variant])
        variant -= len(valid)
        problems: list[str] = []
        for candidate in self._candidates(flat, variant, problems):
            if self._valid(candidate, flat):
                return candidate
            problems.extend(e for s in flat.origin for e in schema_errors(candidate, s))
        if flat.nullable and self._valid(None, flat):
            return None
        where = ", ".join(s.pointer or "/" for s in flat.origin)
        detail = "; ".join(dict.fromkeys(problems)) or "no candidate"
        if len(detail) > 600:
            detail = detail[:600] + "..."
        raise SynthesisError(f"cannot build a valid value for {where}: {detail}")

    def _candidates(self, flat: _Flat, variant: int, problems: list[str]) -> Iterator[Any]:
        if flat.consts:
            yield copy.deepcopy(flat.consts[0])
            return
        if flat.enums:
            options = [v for v in flat.enums[0] if all(_in_enum(v, e) for e in flat.enums[1:])]
            ordered = (
                options[variant % len(options) :] + options[: variant % len(options)]
                if options
                else []
            )
            yield from (copy.deepcopy(v) for v in ordered)
            return
        if flat.choices:
            yield from self._choice_candidates(flat, variant, problems)
            return
        if flat.types == {"null"} or (flat.types is not None and not flat.types and flat.nullable):
            yield None
            return
        for kind in self._type_order(flat):
            try:
                yield self._of_type(kind, flat, variant)
            except SynthesisError as exc:
                problems.append(str(exc))

    def _type_order(self, flat: _Flat) -> list[str]:
        if flat.types is not None:
            return [t for t in flat.type_order if t in flat.types and t != "null"]
        inferred: list[str] = []
        if flat.properties or flat.required or flat.additional or flat.min_props:
            inferred.append("object")
        if flat.items or flat.min_items or flat.unique:
            inferred.append("array")
        if flat.patterns or flat.min_length or flat.max_length is not None:
            inferred.append("string")
        if flat.lower or flat.upper or flat.multiples:
            inferred.append("number")
        if any(f in _INT_RANGES for f in flat.formats):
            inferred.insert(0, "integer")
        return inferred or ["string"]

    def _choice_candidates(self, flat: _Flat, variant: int, problems: list[str]) -> Iterator[Any]:
        """One candidate per member of the first open oneOf/anyOf, in declaration order.

        The member's value is built for all the schemas at once plus the member, with this
        choice marked resolved (so a member that refers back to its owner, the usual
        ``Cat: allOf: [Pet]`` with ``Pet: oneOf: [Cat, Dog]``, does not choose again).
        """
        members, owner, key = flat.choices[0]
        resolved = flat.resolved | {key}
        # members that lead back into a value being built come last, so recursion ends
        for member in sorted(members, key=lambda m: self.recursive([m])):
            try:
                value = self.value([*flat.origin, member], variant, resolved=resolved)
            except SynthesisError as exc:
                problems.append(str(exc))
                continue
            yield self._with_discriminator(value, owner, member)

    def _with_discriminator(self, value: Any, owner: Schema, member: Schema) -> Any:
        if owner.discriminator is None or not isinstance(value, dict):
            return value
        key = _discriminator_key(owner, member)
        if key is not None:
            value = {**value, owner.discriminator.property_name: key}
        return value

    # -- by type ---------------------------------------------------------------------------
    def _of_type(self, kind: str, flat: _Flat, variant: int) -> Any:
        if kind == "object":
            return self._object(flat, variant)
        if kind == "array":
            return self._array(flat, variant)
        if kind == "string":
            return self._string(flat, variant)
        if kind in ("integer", "number"):
            return _number(flat, variant, integer=kind == "integer")
        if kind == "boolean":
            return variant % 2 == 0
        raise SynthesisError(f"unknown type {kind!r}")

    def _object(self, flat: _Flat, variant: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        extra_schemas = [a for a in flat.additional if isinstance(a, Schema)]
        closed = any(a is False for a in flat.additional)
        for name in flat.required:
            result[name] = self._property(flat, name, extra_schemas, variant)
        optional = [n for n in flat.properties if n not in result]
        while len(result) < flat.min_props and optional:
            name = optional.pop(0)
            result[name] = self._property(flat, name, extra_schemas, variant)
        counter = 1
        while len(result) < flat.min_props and not closed:
            name = f"key{counter}"
            counter += 1
            if name not in result:
                result[name] = self._property(flat, name, extra_schemas, variant)
        for owner in flat.discriminators:
            assert owner.discriminator is not None
            prop = owner.discriminator.property_name
            named = next((s for s in reversed(flat.origin) if s.target().component), None)
            key = _discriminator_key(owner, named) if named is not None else None
            if key is not None and (prop in result or prop in flat.properties):
                trial = {**result, prop: key}
                if self._valid(trial, flat):
                    result = trial
        return result

    def _property(self, flat: _Flat, name: str, extra: list[Schema], variant: int) -> Any:
        schemas = flat.properties.get(name) or extra
        if not schemas:
            return "example"
        if self.recursive(schemas) and _nullable_all(schemas):
            return None
        return self.value(schemas, variant)

    def _array(self, flat: _Flat, variant: int) -> list[Any]:
        items = flat.items
        wanted = flat.min_items
        recursive = self.recursive(items) if items else False
        if wanted == 0 and not recursive and flat.max_items != 0:
            wanted = 1
        if flat.max_items is not None:
            wanted = min(wanted, flat.max_items)
        try:
            return self._fill_array(items, wanted, flat.unique, variant)
        except SynthesisError:
            if wanted > flat.min_items:
                return self._fill_array(items, flat.min_items, flat.unique, variant)
            raise

    def _fill_array(self, items: list[Schema], count: int, unique: bool, variant: int) -> list[Any]:
        result: list[Any] = []
        seen: set[str] = set()
        attempt = variant
        while len(result) < count:
            if attempt > variant + 4 * count + 20:
                raise SynthesisError(f"cannot build {count} distinct array items")
            value = self.value(items, attempt) if items else f"item{attempt}"
            attempt += 1
            if unique and canonical_value(value) in seen:
                continue
            seen.add(canonical_value(value))
            result.append(value)
        return result

    def _string(self, flat: _Flat, variant: int) -> str:
        def fits(text: str) -> bool:
            if len(text) < flat.min_length:
                return False
            if flat.max_length is not None and len(text) > flat.max_length:
                return False
            if any(_format_error(text, f) for f in flat.formats):
                return False
            return all(_pattern_error(text, p) is None for p in flat.patterns)

        if flat.patterns:
            found = 0
            for text in _pattern_strings(flat.patterns[0], flat.min_length, flat.max_length):
                if fits(text):
                    if found == variant:
                        return text
                    found += 1
            raise SynthesisError(f"cannot build a string matching {flat.patterns[0]!r}")
        for text in _format_strings(flat, variant, self.seed):
            if fits(text):
                return text
        raise SynthesisError(
            f"cannot build a string (format {flat.formats}, length {flat.min_length}..{flat.max_length})"
        )


def _nullable_all(schemas: list[Schema]) -> bool:
    return all(s.nullable or s.target().nullable for s in schemas)


def _in_enum(value: Any, options: list[Any]) -> bool:
    return canonical_value(value) in {canonical_value(v) for v in options}


def _discriminator_key(owner: Schema, member: Schema) -> str | None:
    """The discriminator value that names ``member``: its mapping key, else its component name."""
    assert owner.discriminator is not None
    target = member.target()
    for key, mapped in owner.discriminator.mapping.items():
        if mapped.target() is target:
            return key
    return target.component


# -- numbers ------------------------------------------------------------------------------


def _number(flat: _Flat, variant: int, *, integer: bool) -> int | float:
    low: Decimal | None = None
    low_exclusive = False
    for bound, exclusive in flat.lower:
        b = _decimal(bound)
        if low is None or b > low or (b == low and exclusive):
            low, low_exclusive = b, exclusive
    high: Decimal | None = None
    high_exclusive = False
    for bound, exclusive in flat.upper:
        b = _decimal(bound)
        if high is None or b < high or (b == high and exclusive):
            high, high_exclusive = b, exclusive
    for fmt in flat.formats:
        if fmt in _INT_RANGES:
            integer = True
            fmt_low, fmt_high = (_decimal(v) for v in _INT_RANGES[fmt])
            if low is None or fmt_low > low:
                low, low_exclusive = fmt_low, False
            if high is None or fmt_high < high:
                high, high_exclusive = fmt_high, False
    step = _step(flat.multiples, integer)

    def ok(v: Decimal) -> bool:
        if low is not None and (v < low or (low_exclusive and v == low)):
            return False
        if high is not None and (v > high or (high_exclusive and v == high)):
            return False
        return step is None or v % step == 0

    preferred = _decimal(1 + variant) if integer or step else _decimal(1.5 + variant)
    if low is not None and preferred <= low:
        preferred = low + variant
    if high is not None and preferred >= high:
        preferred = high - variant
    rough = [preferred]
    if low is not None:
        rough.append(low + 1)
    if high is not None:
        rough.append(high - 1)
    if low is not None and high is not None:
        rough += [(low + high) / 2, low + (high - low) / 4]
    candidates: list[Decimal] = []
    for c in rough:
        if step is not None:
            k = (c / step).to_integral_value(rounding=ROUND_CEILING)
            candidates += [k * step, (k + 1) * step, (k - 1) * step]
        elif integer:
            candidates += [c.to_integral_value(ROUND_CEILING), c.to_integral_value(ROUND_FLOOR)]
        else:
            candidates.append(c)
    for c in candidates:
        if integer and c != c.to_integral_value():
            continue
        if ok(c):
            return int(c) if integer else float(c)
    raise SynthesisError(
        f"no {'integer' if integer else 'number'} between {low} and {high} (multiple of {step})"
    )


def _step(multiples: list[Any], integer: bool) -> Decimal | None:
    """The least common multiple of every multipleOf (and 1 for integers)."""
    steps = [_decimal(m) for m in multiples]
    if integer:
        steps.append(Decimal(1))
    if not steps or (integer and len(steps) == 1):
        return None
    scale = max(-s.as_tuple().exponent for s in steps)  # type: ignore[operator]
    scale = max(scale, 0)
    ints = [int(s * (Decimal(10) ** scale)) for s in steps]
    result = ints[0]
    for n in ints[1:]:
        result = result * n // _gcd(result, n)
    return Decimal(result) / (Decimal(10) ** scale)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return abs(a)


# -- strings ------------------------------------------------------------------------------


def _format_strings(flat: _Flat, variant: int, seed: int) -> Iterator[str]:
    """Strings for the schema's format (or plain text), padded or cut to the length limits."""
    rng = random.Random(seed * 7919 + variant)
    n = variant
    samples = {
        "date-time": f"2024-01-{2 + n % 27:02d}T03:04:05Z",
        "date": f"2024-01-{2 + n % 27:02d}",
        "time": f"03:04:{5 + n % 50:02d}Z",
        "duration": f"P{1 + n}D",
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "email": f"user{n or ''}@example.com",
        "idn-email": f"user{n or ''}@example.com",
        "uri": f"https://example.com/resource{n or ''}",
        "url": f"https://example.com/resource{n or ''}",
        "iri": f"https://example.com/resource{n or ''}",
        "uri-reference": f"/resource{n or ''}",
        "iri-reference": f"/resource{n or ''}",
        "uri-template": f"https://example.com/{{id}}{n or ''}",
        "ipv4": f"192.0.2.{1 + n % 254}",
        "ipv6": f"2001:db8::{1 + n:x}",
        "hostname": f"host{n or ''}.example.com",
        "idn-hostname": f"host{n or ''}.example.com",
        "byte": base64.b64encode(f"example{n or ''}".encode()).decode(),
        "binary": f"example{n or ''}",
        "password": f"secret{n or ''}",
        "json-pointer": f"/example/{n}",
        "regex": "^example$",
    }
    bases: list[str] = []
    for fmt in flat.formats:
        if fmt in samples:
            bases.append(samples[fmt])
    if flat.content_encoding == "base64":
        bases.append(base64.b64encode(f"example{n or ''}".encode()).decode())
    bases.append(f"example{n or ''}")
    for text in bases:
        yield text
        if len(text) < flat.min_length:
            yield text + "x" * (flat.min_length - len(text))
        if flat.max_length is not None and len(text) > flat.max_length:
            short = f"{n}" if n else ""
            yield ("e" * flat.max_length + short)[-flat.max_length :] if flat.max_length else ""


def _pattern_strings(pattern: str, min_length: int, max_length: int | None) -> Iterator[str]:
    """Strings the pattern matches, from the shortest walk to longer and more varied ones."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise SynthesisError(f"pattern {pattern!r} is not a Python regex: {exc}") from None
    produced: set[str] = set()
    extras = [0, 1, 2, 3, 5, 8, 16, 32, 64, 128, 256]
    if min_length:
        extras.insert(1, min_length)
    for extra in extras:
        for shift in range(12):
            walker = _RegexWalker(extra=extra, shift=shift)
            try:
                text = walker.walk(parsed)
            except _Unsupported as exc:
                raise SynthesisError(f"pattern {pattern!r}: {exc}") from None
            if text not in produced:
                produced.add(text)
                yield text
            if max_length is not None and len(text) > max_length and shift > 2:
                break


class _Unsupported(Exception):
    pass


_WALK_BUDGET = 4096  # optional repetitions stop once a walk has emitted this many characters


class _RegexWalker:
    """Walks a parsed regex (``re._parser``) and emits one string it matches.

    ``extra`` adds repetitions beyond each quantifier's minimum (capped by its maximum);
    ``shift`` varies which character of a class and which alternative is chosen.
    """

    def __init__(self, *, extra: int, shift: int) -> None:
        self.extra = extra
        self.shift = shift
        self.groups: dict[int, str] = {}
        self.position = 0  # characters emitted so far
        self.picks = 0  # characters chosen from a class so far

    def walk(self, pattern: Any) -> str:
        return "".join(self._item(op, arg) for op, arg in pattern)

    def _item(self, op: Any, arg: Any) -> str:
        if op is sre_c.LITERAL:
            self.position += 1
            return chr(arg)
        if op is sre_c.NOT_LITERAL:
            return self._pick(lambda ch: ord(ch) != arg)
        if op is sre_c.ANY:
            return self._pick(lambda ch: ch != "\n")
        if op is sre_c.IN:
            return self._pick(lambda ch: _in_class(ch, arg), fallback=_class_first(arg))
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            return self._repeat(*arg)
        if op is sre_c.SUBPATTERN:
            group, _add_flags, _del_flags, sub = arg
            text = self.walk(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if op is getattr(sre_c, "ATOMIC_GROUP", None):
            return self.walk(arg)
        if op is sre_c.BRANCH:
            _, alternatives = arg
            return self.walk(alternatives[self.shift % len(alternatives)])
        if op is sre_c.AT:
            return ""
        if op is sre_c.GROUPREF:
            return self.groups.get(arg, "")
        if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            return ""  # lookarounds are left to the final check
        raise _Unsupported(f"regex construct {op} is not supported")

    def _repeat(self, low: int, high: Any, sub: Any) -> str:
        limit = high if high is not sre_c.MAXREPEAT else low + self.extra
        parts: list[str] = []
        for index in range(min(low + self.extra, limit)):
            if index >= low and self.position > _WALK_BUDGET:
                break  # nested quantifiers: stop adding optional repetitions
            parts.append(self.walk(sub))
        return "".join(parts)

    def _pick(self, accepts: Any, fallback: str | None = None) -> str:
        matches = [ch for ch in _NICE_CHARS if accepts(ch)]
        self.position += 1
        self.picks += 1
        if not matches:
            if fallback is None:
                raise _Unsupported("a character class matches no printable ASCII character")
            return fallback
        # vary the first character most, so distinct walks give distinct strings
        index = self.shift if self.picks == 1 else 0
        return matches[index % len(matches)]


_CATEGORIES = {
    sre_c.CATEGORY_DIGIT: str.isdigit,
    sre_c.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdigit(),
    sre_c.CATEGORY_SPACE: str.isspace,
    sre_c.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
    sre_c.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
    sre_c.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_"),
}


def _in_class(ch: str, items: list[tuple[Any, Any]]) -> bool:
    negate = False
    found = False
    for op, arg in items:
        if op is sre_c.NEGATE:
            negate = True
        elif op is sre_c.LITERAL:
            found = found or ord(ch) == arg
        elif op is sre_c.RANGE:
            found = found or arg[0] <= ord(ch) <= arg[1]
        elif op is sre_c.CATEGORY:
            check = _CATEGORIES.get(arg)
            if check is None:
                raise _Unsupported(f"character category {arg} is not supported")
            found = found or check(ch)
        else:
            raise _Unsupported(f"character class item {op} is not supported")
    return found != negate


def _class_first(items: list[tuple[Any, Any]]) -> str | None:
    """A member of a non-negated class outside printable ASCII (e.g. ``[\\u4e00-\\u9fff]``)."""
    if any(op is sre_c.NEGATE for op, _ in items):
        return None
    for op, arg in items:
        if op is sre_c.LITERAL:
            return chr(arg)
        if op is sre_c.RANGE:
            return chr(arg[0])
    return None


def example_value(schema: Schema, *, rng_seed: int = 0) -> Any:
    """A value valid for ``schema`` by construction (checked with :func:`conforms`).

    Prefers the spec's own ``example``, ``examples[0]`` and ``default`` when they are
    valid; otherwise builds the smallest reasonable value: every required property,
    optional ones only when ``minProperties`` needs them, one item per array (none when
    that would recurse). Raises :class:`SynthesisError` when no valid value is found.
    """
    value = _Synth(rng_seed).value([schema])
    problems = schema_errors(value, schema)
    if problems:
        raise SynthesisError(f"built an invalid value for {schema.pointer}: {'; '.join(problems)}")
    return value


# ======================================================================================
# Requests
# ======================================================================================


@dataclass
class RequestSpec:
    """One HTTP request, ready for httpx or Starlette's TestClient (see :meth:`httpx_kwargs`)."""

    method: str  # upper case
    path: str  # path parameters filled in and percent-encoded
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    json: Any = NO_VALUE  # a JSON body (NO_VALUE: none)
    form: dict[str, str | list[str]] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    content: bytes | None = None
    content_type: str | None = None

    @property
    def has_json(self) -> bool:
        return self.json is not NO_VALUE

    def httpx_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``client.request(**kwargs)``; cookies travel as a header."""
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        kwargs: dict[str, Any] = {"method": self.method, "url": self.path}
        if self.query:
            kwargs["params"] = list(self.query)
        if self.has_json:
            kwargs["content"] = json.dumps(self.json).encode()
            headers["Content-Type"] = self.content_type or "application/json"
        elif self.files is not None:
            kwargs["files"] = self.files
            if self.form:
                kwargs["data"] = self.form
        elif self.form is not None:
            kwargs["data"] = self.form
        elif self.content is not None:
            kwargs["content"] = self.content
            if self.content_type:
                headers["Content-Type"] = self.content_type
        kwargs["headers"] = headers
        return kwargs

    def to_json(self) -> dict[str, Any]:
        """A JSON-serializable form (for handing requests to another process)."""
        data: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "query": [list(pair) for pair in self.query],
            "headers": self.headers,
            "cookies": self.cookies,
            "content_type": self.content_type,
        }
        if self.has_json:
            data["json"] = self.json
        if self.form is not None:
            data["form"] = self.form
        if self.files is not None:
            data["files"] = {
                name: [fname, base64.b64encode(blob).decode(), ctype]
                for name, (fname, blob, ctype) in self.files.items()
            }
        if self.content is not None:
            data["content"] = base64.b64encode(self.content).decode()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RequestSpec:
        files = data.get("files")
        return cls(
            method=data["method"],
            path=data["path"],
            query=[(k, v) for k, v in data.get("query", [])],
            headers=dict(data.get("headers", {})),
            cookies=dict(data.get("cookies", {})),
            json=data.get("json", NO_VALUE),
            form=data.get("form"),
            files=(
                {k: (f, base64.b64decode(b), t) for k, (f, b, t) in files.items()}
                if files is not None
                else None
            ),
            content=base64.b64decode(data["content"]) if "content" in data else None,
            content_type=data.get("content_type"),
        )

    def without_credentials(
        self, headers: dict[str, str], query: dict[str, str], cookies: dict[str, str]
    ) -> RequestSpec:
        """The same request minus the given credential headers, query parameters and cookies."""
        lowered = {h.lower() for h in headers}
        return RequestSpec(
            method=self.method,
            path=self.path,
            query=[(k, v) for k, v in self.query if k not in query],
            headers={k: v for k, v in self.headers.items() if k.lower() not in lowered},
            cookies={k: v for k, v in self.cookies.items() if k not in cookies},
            json=self.json,
            form=self.form,
            files=self.files,
            content=self.content,
            content_type=self.content_type,
        )


def _media_examples(mt: MediaType) -> list[Any]:
    found: list[Any] = []
    if mt.example is not NO_VALUE:
        found.append(mt.example)
    for example in (mt.examples or {}).values():
        if isinstance(example, dict) and "value" in example:
            found.append(example["value"])
    return found


def _param_examples(p: Parameter) -> list[Any]:
    found: list[Any] = []
    if p.example is not NO_VALUE:
        found.append(p.example)
    for example in (p.examples or {}).values():
        if isinstance(example, dict) and "value" in example:
            found.append(example["value"])
    for mt in p.content:
        found.extend(_media_examples(mt))
    return found


def _value_for(schema: Schema | None, examples: list[Any], seed: int, fallback: Any) -> Any:
    for example in examples:
        if schema is None or conforms(example, schema):
            return copy.deepcopy(example)
    if schema is None:
        return fallback
    return example_value(schema, rng_seed=seed)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _pairs(value: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(k), _scalar(v)) for k, v in value.items()]


def _serialize_query(p: Parameter, value: Any) -> list[tuple[str, str]]:
    if p.content:
        return [(p.name, json.dumps(value))]
    style = p.style or "form"
    explode = p.explode if p.explode is not None else style == "form"
    if isinstance(value, list):
        if style == "form" and explode:
            return [(p.name, _scalar(v)) for v in value]
        separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
        return [(p.name, separator.join(_scalar(v) for v in value))]
    if isinstance(value, dict):
        if style == "deepObject":
            return [(f"{p.name}[{k}]", v) for k, v in _pairs(value)]
        if explode:
            return _pairs(value)
        return [(p.name, ",".join(f"{k},{v}" for k, v in _pairs(value)))]
    return [(p.name, _scalar(value))]


def _serialize_simple(p: Parameter, value: Any) -> str:
    """Path and header values (``simple`` style), and the ``label``/``matrix`` path styles."""
    if p.content:
        return json.dumps(value)
    explode = bool(p.explode)
    if isinstance(value, list):
        parts = [_scalar(v) for v in value]
        text = ",".join(parts)
    elif isinstance(value, dict):
        pairs = _pairs(value)
        text = ",".join(f"{k}={v}" if explode else f"{k},{v}" for k, v in pairs)
    else:
        text = _scalar(value)
    if p.style == "label":
        return "." + text
    if p.style == "matrix":
        return f";{p.name}={text}"
    return text


def _parameter_value(p: Parameter, seed: int) -> Any:
    schema = p.schema
    if schema is None and p.content:
        schema = p.content[0].schema
    value = _value_for(schema, _param_examples(p), seed, "example")
    if schema is not None and isinstance(value, list) and len(value) == 1:
        value = _two_items(schema, value, seed)
    if value is None and p.location != "query":
        # a path segment or header has no way to say null
        raise SynthesisError(f"parameter {p.name!r} in {p.location}: no non-null value")
    return value


def _two_items(schema: Schema, value: list[Any], seed: int) -> list[Any]:
    """A second item for a one-item array parameter, so its serialization shows (``a,b``)."""
    items = [s.items for s in (schema, schema.target()) if s.items is not None]
    if not items:
        return value
    try:
        extra = _Synth(seed).value(items[:1], variant=1)
    except SynthesisError:
        return value
    longer = [*value, extra]
    return longer if conforms(longer, schema) else value


def valid_request(
    op: Operation, api: Api, *, rng_seed: int = 0, include_optional: bool = False
) -> RequestSpec:
    """A request the operation must accept: every required parameter, a required body, credentials.

    Optional parameters are left out unless ``include_optional``; the body (when declared,
    required or not) uses the first JSON media type, else the first form type, else raw
    bytes of the first media type. Credentials for the first security requirement are
    included (see :func:`credentials_for`).
    """
    path = op.path
    request = RequestSpec(method=op.method.upper(), path=path)
    for p in op.parameters:
        if not (p.required or include_optional):
            continue
        value = _parameter_value(p, rng_seed)
        if p.location == "path":
            text = quote(
                _serialize_simple(p, value),
                safe="" if p.style not in ("label", "matrix") else ".;=,",
            )
            path = path.replace("{" + p.name + "}", text)
        elif p.location == "query":
            request.query.extend(_serialize_query(p, value))
        elif p.location == "header":
            request.headers[p.name] = _serialize_simple(p, value)
        elif p.location == "cookie":
            request.cookies[p.name] = quote(_serialize_simple(p, value), safe="")
    request.path = path
    body = op.request_body
    if body is not None and body.contents:
        _fill_body(request, body.contents, rng_seed)
    _, headers, query, cookies = credentials_for(op, api)
    request.headers.update(headers)
    request.query.extend(query.items())
    request.cookies.update(cookies)
    return request


def _fill_body(request: RequestSpec, contents: list[MediaType], seed: int) -> None:
    json_mt = next((mt for mt in contents if mt.is_json), None)
    if json_mt is not None:
        request.json = _value_for(json_mt.schema, _media_examples(json_mt), seed, {})
        request.content_type = json_mt.media_type
        return
    form_mt = next((mt for mt in contents if mt.is_form), None)
    if form_mt is not None:
        value = _value_for(form_mt.schema, _media_examples(form_mt), seed, {})
        if not isinstance(value, dict):
            raise SynthesisError(f"form body {form_mt.media_type} is not an object")
        _fill_form(request, form_mt, value)
        return
    mt = contents[0]
    request.content_type = mt.media_type
    value = _value_for(mt.schema, _media_examples(mt), seed, None)
    if isinstance(value, bytes):
        request.content = value
    elif isinstance(value, str):
        request.content = value.encode()
    elif value is None:
        request.content = b"\x89example-bytes\x00"
    else:
        request.content = json.dumps(value).encode()


def _is_binary(schemas: list[Schema | None]) -> bool:
    for s in schemas:
        if s is None:
            continue
        t = s.target()
        if t.format == "binary" or s.format == "binary" or "contentMediaType" in t.annotations:
            return True
        if t.items is not None and _is_binary([t.items]):
            return True
    return False


def _fill_form(request: RequestSpec, mt: MediaType, value: dict[str, Any]) -> None:
    schema = mt.schema.target() if mt.schema is not None else None
    multipart = mt.media_type.split(";")[0].strip().lower() == "multipart/form-data"
    form: dict[str, str | list[str]] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    for name, item in value.items():
        prop = schema.properties.get(name) if schema is not None else None
        if multipart and prop is not None and _is_binary([prop.schema]):
            blob = item.encode() if isinstance(item, str) else b"example-bytes"
            files[name] = (f"{name}.bin", blob, "application/octet-stream")
        elif isinstance(item, list):
            form[name] = [_scalar(v) for v in item]
        else:
            form[name] = _scalar(item)
    request.form = form
    if multipart:
        request.files = files
        request.content_type = mt.media_type
    else:
        request.content_type = mt.media_type


# ======================================================================================
# Credentials
# ======================================================================================


def env_var_for_scheme(scheme_name: str) -> str:
    """``fooBar`` -> ``FOO_BAR_KEYS``: where a generated app reads a scheme's accepted keys."""
    return naming.env_var_for_scheme(scheme_name)


def _secret(scheme_name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", scheme_name).strip("-").lower() or "scheme"
    return f"test-{slug}-secret"


def credentials_for(
    op: Operation, api: Api, *, secret: str | None = None
) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    """A made-up credential for each scheme of the first security requirement of ``op``.

    Returns ``(env, headers, query, cookies)``: ``env`` holds the variables that make a
    generated app accept exactly these credentials. An operation without security (or
    whose first requirement is ``{}``, i.e. anonymous) gets four empty mappings. Schemes
    that cannot be satisfied over plain HTTP (``mutualTLS``) raise :class:`SynthesisError`.
    ``secret`` makes every scheme use the same made-up secret (instead of one per scheme).
    """
    env: dict[str, str] = {}
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    cookies: dict[str, str] = {}
    shared = secret
    if not op.effective_security:
        return env, headers, query, cookies
    for name in op.effective_security[0]:
        scheme = api.security_schemes.get(name)
        if scheme is None:
            raise SynthesisError(f"security scheme {name!r} is not defined")
        variable = env_var_for_scheme(name)
        secret = _secret(name) if shared is None else shared
        kind = scheme.type
        http_scheme = (scheme.scheme or "").lower()
        if kind == "apiKey":
            env[variable] = secret
            where = scheme.location or "header"
            target = {"header": headers, "query": query, "cookie": cookies}[where]
            target[scheme.param_name or name] = secret
        elif kind == "http" and http_scheme == "basic":
            user_password = f"user-{secret}:password"
            env[variable] = user_password
            headers["Authorization"] = "Basic " + base64.b64encode(user_password.encode()).decode()
        elif kind == "http" and http_scheme not in ("", "bearer"):
            env[variable] = secret
            headers["Authorization"] = f"{scheme.scheme} {secret}"
        elif kind in ("http", "oauth2", "openIdConnect"):
            env[variable] = secret
            headers["Authorization"] = f"Bearer {secret}"
        else:
            raise SynthesisError(f"security scheme {name!r} ({kind}) cannot be sent in a request")
    return env, headers, query, cookies
