"""Two canonical schemas compared: every change located on both sides and named by a rule.

Two schemas are compared once per (old node, new node, direction, place): recursive
schemas stop at a pair already being compared, and a component shared by many operations is
compared once. See :mod:`specfirst.diff.canonical` for how a schema is read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from specfirst.diff.canonical import (
    PROPERTY_HOMES,
    Side,
    enum_values,
    flatten_all_of,
    split_nullable,
    types_of,
)
from specfirst.diff.model import Finding
from specfirst.diff.rules import BOUNDS, bound_family, schema_rule_id
from specfirst.loader import pointer_join, split_pointer
from specfirst.validator.normalize import canonical_json

JSON = Any


def _admits(types: frozenset[str], kind: str) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """True when every type of ``narrow`` is admitted by ``wide``."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(_admits(wide, kind) for kind in narrow)


def _number(value: JSON) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _bound(node: dict[Any, Any], keyword: str) -> float | None:
    value = _number(node.get(keyword))
    if value == 0 and keyword in ("minLength", "minItems", "minProperties"):
        return None  # a lower bound of 0 admits everything
    return value


def _show(value: JSON) -> str:
    text = canonical_json(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ------------------------------------------------------------------------- the comparison


class SchemaComparer:
    """Compares schemas of two sides; one instance per diff (all memo tables on it)."""

    def __init__(self, old: Side, new: Side) -> None:
        self.old = old
        self.new = new
        self._memo: dict[tuple[Any, ...], list[Finding]] = {}
        self._busy: set[tuple[Any, ...]] = set()
        self._keep: list[Any] = []

    def compare(
        self,
        old: JSON,
        new: JSON,
        old_pointer: str,
        new_pointer: str,
        direction: str,
        subject: str,
        label: str = "",
    ) -> list[Finding]:
        """Findings for ``old`` -> ``new`` at the root of ``subject`` (``body``,
        ``parameter`` or ``header``); below the root every schema is a ``property``.
        ``label`` names the root in messages (``query parameter limit``)."""
        return self._compare(old, new, old_pointer, new_pointer, direction, subject, label)

    def _compare(
        self,
        old: JSON,
        new: JSON,
        old_pointer: str,
        new_pointer: str,
        direction: str,
        subject: str,
        label: str = "",
    ) -> list[Finding]:
        old = self.old.resolve(old)
        new = self.new.resolve(new)
        old_pointer = getattr(old, "pointer", old_pointer)
        new_pointer = getattr(new, "pointer", new_pointer)
        key = (id(old), id(new), old_pointer, new_pointer, direction, subject, label)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if key in self._busy:
            return []  # a recursive schema compared against itself: judged where it started
        self._busy.add(key)
        try:
            findings: list[Finding] = []
            _Pair(
                self, old, new, old_pointer, new_pointer, direction, subject, findings, label
            ).run()
        finally:
            self._busy.discard(key)
        self._memo[key] = findings
        self._keep.append((old, new))  # keeps both alive, so their ids stay unique
        return findings

    def equal(self, old: JSON, new: JSON, direction: str) -> bool:
        """True when comparing ``old`` with ``new`` finds nothing."""
        return not self._compare(old, new, "", "", direction, "property")


_SUBJECT_IDS = {
    ("request", "body"): "request-body",
    ("request", "property"): "request-property",
    ("request", "parameter"): "request-parameter",
    ("response", "body"): "response-body",
    ("response", "property"): "response-property",
    ("response", "header"): "response-header",
}


class _Pair:
    """The comparison of one pair of schema nodes."""

    def __init__(
        self,
        comparer: SchemaComparer,
        old: JSON,
        new: JSON,
        old_pointer: str,
        new_pointer: str,
        direction: str,
        subject: str,
        findings: list[Finding],
        label: str,
    ) -> None:
        self.c = comparer
        self.label = label
        self.old_raw, self.new_raw = old, new
        self.old_pointer, self.new_pointer = old_pointer, new_pointer
        self.direction = direction
        self.subject = subject
        self.findings = findings
        self.subject_id = _SUBJECT_IDS[(direction, subject)]

    def emit(self, family: str, message: str, old_pointer: str, new_pointer: str) -> None:
        rule_id = schema_rule_id(self.subject_id, family)
        self.emit_rule(rule_id, message, old_pointer, new_pointer)

    def emit_member(self, rule_id: str, message: str, old_pointer: str, new_pointer: str) -> None:
        """A finding about a property of the object at (old, new) pointers of this pair."""
        label = schema_label(self.new_pointer) or schema_label(self.old_pointer) or self.label
        text = f"{label}: {message}" if label else message
        self.findings.append(Finding(rule_id, old_pointer, new_pointer, text))

    def emit_rule(self, rule_id: str, message: str, old_pointer: str, new_pointer: str) -> None:
        label = schema_label(new_pointer) or schema_label(old_pointer) or self.label
        text = f"{label}: {message}" if label else message
        self.findings.append(Finding(rule_id, old_pointer, new_pointer, text))

    def child(self, old: JSON, new: JSON, old_pointer: str, new_pointer: str) -> None:
        self.findings.extend(
            self.c._compare(old, new, old_pointer, new_pointer, self.direction, "property")
        )

    # ---------------------------------------------------------------------------------

    def run(self) -> None:
        old, old_nullable, old_own = split_nullable(self.old_raw, self.c.old)
        new, new_nullable, new_own = split_nullable(self.new_raw, self.c.new)
        op = old_own or self.old_pointer
        np = new_own or self.new_pointer
        old, new = flatten_all_of(old, self.c.old), flatten_all_of(new, self.c.new)
        if old_nullable != new_nullable:
            family = "became-nullable" if new_nullable else "became-not-nullable"
            self.emit(family, f"{family.replace('-', ' ')}", self.old_pointer, self.new_pointer)
        composed = self._composition(old, new, op, np)
        if composed == "wrapped":
            return  # the side without the oneOf/anyOf was compared whole, as one member
        if composed == "none":
            self._types(old, new, op, np)
        self._enum(old, new, op, np)
        self._keywords(old, new, op, np)
        self._bounds(old, new, op, np)
        self._discriminator(old, new, op, np)
        self._all_of(old, new, op, np)
        self._object(old, new, op, np)
        self._items(old, new, op, np)

    # ---- type and format ------------------------------------------------------------

    def _types(self, old: dict[Any, Any], new: dict[Any, Any], op: str, np: str) -> None:
        old_types, new_types = types_of(old), types_of(new)
        if old_types != new_types:
            wider = _covers(new_types, old_types)
            narrower = _covers(old_types, new_types)
            text = f"type {_types_text(old_types)} -> {_types_text(new_types)}"
            if self.direction == "request":
                self.emit("type-generalized" if wider else "type-changed", text, op, np)
            else:
                self.emit("type-specialized" if narrower else "type-changed", text, op, np)
            return  # the other keywords of another type say nothing more
        old_format, new_format = old.get("format"), new.get("format")
        if old_format != new_format:
            if old_format is None:
                self.emit("format-added", f"format {new_format!s} added", op, np)
            elif new_format is None:
                self.emit("format-removed", f"format {old_format!s} removed", op, np)
            else:
                self.emit("format-changed", f"format {old_format!s} -> {new_format!s}", op, np)

    # ---- enum -------------------------------------------------------------------------

    def _enum(self, old: dict[Any, Any], new: dict[Any, Any], op: str, np: str) -> None:
        extensible_old, extensible_new = old.get("x-extensible-enum"), new.get("x-extensible-enum")
        if isinstance(extensible_old, list) and isinstance(extensible_new, list):
            kept = {canonical_json(v) for v in extensible_new}
            gone = [v for v in extensible_old if canonical_json(v) not in kept]
            if gone:
                text = ", ".join(_show(v) for v in gone)
                self.emit(
                    "x-extensible-enum-value-removed",
                    f"x-extensible-enum value(s) removed: {text}",
                    op,
                    np,
                )
        before, after = enum_values(old), enum_values(new)
        if before is None and after is None:
            return
        if before is None:
            values = ", ".join(_show(v) for v in (after or {}).values())
            self.emit("became-enum", f"restricted to enum values {values}", op, np)
            return
        if after is None:
            self.emit("became-not-enum", "no longer restricted to its enum values", op, np)
            return
        removed = [v for k, v in before.items() if k not in after]
        added = [v for k, v in after.items() if k not in before]
        if removed:
            text = ", ".join(_show(v) for v in removed)
            self.emit("enum-value-removed", f"enum value(s) removed: {text}", op, np)
        if added:
            text = ", ".join(_show(v) for v in added)
            self.emit("enum-value-added", f"enum value(s) added: {text}", op, np)

    # ---- plain keywords --------------------------------------------------------------

    def _keywords(self, old: dict[Any, Any], new: dict[Any, Any], op: str, np: str) -> None:
        for keyword, stem in (("pattern", "pattern"), ("multipleOf", "multiple-of")):
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            if before is None:
                family, text = (
                    f"{stem}-{'added' if stem == 'pattern' else 'set'}",
                    f"{keyword} {_show(after)} set",
                )
            elif after is None:
                family, text = (
                    f"{stem}-{'removed' if stem == 'pattern' else 'unset'}",
                    f"{keyword} {_show(before)} removed",
                )
            else:
                family, text = f"{stem}-changed", f"{keyword} {_show(before)} -> {_show(after)}"
            self.emit(family, text, op, np)
        if bool(old.get("uniqueItems")) != bool(new.get("uniqueItems")):
            family = "unique-items-set" if new.get("uniqueItems") else "unique-items-unset"
            self.emit(family, family.replace("-", " "), op, np)
        if "default" in old or "default" in new:
            before, after = old.get("default"), new.get("default")
            if "default" not in old:
                self.emit("default-value-added", f"default {_show(after)} added", op, np)
            elif "default" not in new:
                self.emit("default-value-removed", f"default {_show(before)} removed", op, np)
            elif canonical_json(before) != canonical_json(after):
                self.emit(
                    "default-value-changed", f"default {_show(before)} -> {_show(after)}", op, np
                )

    def _bounds(self, old: dict[Any, Any], new: dict[Any, Any], op: str, np: str) -> None:
        for keyword in BOUNDS:
            before, after = _bound(old, keyword), _bound(new, keyword)
            family = bound_family(keyword, before, after)
            if family is not None:
                text = f"{keyword} {_num(before)} -> {_num(after)}"
                self.emit(family, text, op, np)

    # ---- composition --------------------------------------------------------------------

    def _composition(self, old: dict[Any, Any], new: dict[Any, Any], op: str, np: str) -> str:
        """Compare oneOf/anyOf member by member: "none" when neither side has one, "both"
        when both have it, "wrapped" when one side has it and the other side was compared
        whole as its only member."""
        compared = "none"
        for keyword, stem in (("oneOf", "one-of"), ("anyOf", "any-of")):
            before, after = old.get(keyword), new.get(keyword)
            if not isinstance(before, list) and not isinstance(after, list):
                continue
            if isinstance(before, list) != isinstance(after, list):
                compared = "wrapped"
            elif compared == "none":
                compared = "both"
            old_members = before if isinstance(before, list) else [_without(old, keyword)]
            new_members = after if isinstance(after, list) else [_without(new, keyword)]
            old_base = pointer_join(op, keyword) if isinstance(before, list) else None
            new_base = pointer_join(np, keyword) if isinstance(after, list) else None
            self._members(old_members, new_members, old_base, new_base, op, np, stem)
        return compared

    def _members(
        self,
        old_members: list[JSON],
        new_members: list[JSON],
        old_base: str | None,
        new_base: str | None,
        op: str,
        np: str,
        stem: str,
    ) -> None:
        def place(base: str | None, index: int, fallback: str, member: JSON) -> str:
            own = getattr(member, "pointer", None)
            if own is not None:
                return str(own)
            return pointer_join(base, index) if base is not None else fallback

        pairs, lost, gained = match_members(
            old_members, new_members, lambda a, b: self.c.equal(a, b, self.direction)
        )
        for i, j in pairs:
            self.child(
                old_members[i],
                new_members[j],
                place(old_base, i, op, old_members[i]),
                place(new_base, j, np, new_members[j]),
            )
        for i in lost:
            where = place(old_base, i, op, old_members[i])
            self.emit(
                f"{stem}-removed",
                f"member {_member_name(old_members[i], where)} removed",
                where,
                np,
            )
        for j in gained:
            where = place(new_base, j, np, new_members[j])
            self.emit(
                f"{stem}-added", f"member {_member_name(new_members[j], where)} added", op, where
            )

    def _all_of(self, old: dict[Any, Any], new: dict[Any, Any], op: str, np: str) -> None:
        before, after = old.get("allOf"), new.get("allOf")
        if not isinstance(before, list) and not isinstance(after, list):
            return
        self._members(
            before if isinstance(before, list) else [],
            after if isinstance(after, list) else [],
            pointer_join(op, "allOf"),
            pointer_join(np, "allOf"),
            op,
            np,
            "all-of",
        )

    def _discriminator(self, old: dict[Any, Any], new: dict[Any, Any], op: str, np: str) -> None:
        before, after = old.get("discriminator"), new.get("discriminator")
        if not isinstance(before, dict) and not isinstance(after, dict):
            return
        if not isinstance(before, dict):
            self.emit("discriminator-added", "discriminator added", op, np)
            return
        if not isinstance(after, dict):
            self.emit("discriminator-removed", "discriminator removed", op, np)
            return
        if before.get("propertyName") != after.get("propertyName"):
            text = f"discriminator property {before.get('propertyName')!s} -> {after.get('propertyName')!s}"
            self.emit("discriminator-property-name-changed", text, op, np)
        old_map = before.get("mapping") if isinstance(before.get("mapping"), dict) else {}
        new_map = after.get("mapping") if isinstance(after.get("mapping"), dict) else {}
        removed = [k for k in old_map if k not in new_map]
        added = [k for k in new_map if k not in old_map]
        if removed:
            self.emit(
                "discriminator-mapping-deleted",
                f"mapping {', '.join(map(str, removed))} removed",
                op,
                np,
            )
        if added:
            self.emit(
                "discriminator-mapping-added", f"mapping {', '.join(map(str, added))} added", op, np
            )
        changed = [
            k
            for k in old_map
            if k in new_map and not self.c.equal(old_map[k], new_map[k], self.direction)
        ]
        if changed:
            self.emit(
                "discriminator-mapping-changed",
                f"mapping {', '.join(map(str, changed))} names another schema",
                op,
                np,
            )

    # ---- objects and arrays ---------------------------------------------------------------

    def _object(self, old: dict[Any, Any], new: dict[Any, Any], op: str, np: str) -> None:
        old_props = old.get("properties") if isinstance(old.get("properties"), dict) else {}
        new_props = new.get("properties") if isinstance(new.get("properties"), dict) else {}
        old_required = (
            set(old.get("required") or []) if isinstance(old.get("required"), list) else set()
        )
        new_required = (
            set(new.get("required") or []) if isinstance(new.get("required"), list) else set()
        )
        request = self.direction == "request"
        hidden = "readOnly" if request else "writeOnly"
        for name in _union(old_props, new_props):
            in_old, in_new = name in old_props, name in new_props
            old_prop = self.c.old.resolve(old_props.get(name)) if in_old else None
            new_prop = self.c.new.resolve(new_props.get(name)) if in_new else None
            old_home = old.get(PROPERTY_HOMES, {}).get(name, op)
            new_home = new.get(PROPERTY_HOMES, {}).get(name, np)
            old_place = (
                _property_place(old_props.get(name), old_home, name, self.c.old) if in_old else op
            )
            new_place = (
                _property_place(new_props.get(name), new_home, name, self.c.new) if in_new else np
            )
            old_hidden = in_old and _flag(old_prop, hidden, self.c.old)
            new_hidden = in_new and _flag(new_prop, hidden, self.c.new)
            label = f"`{name}`"
            if not in_old:
                if new_hidden:
                    continue
                if request:
                    rule = (
                        "new-required-request-property"
                        if name in new_required
                        else "new-optional-request-property"
                    )
                else:
                    rule = (
                        "response-required-property-added"
                        if name in new_required
                        else "response-optional-property-added"
                    )
                self.emit_member(rule, f"property {label} added", old_place, new_place)
                continue
            if not in_new:
                if old_hidden:
                    continue
                if request:
                    rule = "request-property-removed"
                else:
                    rule = (
                        "response-required-property-removed"
                        if name in old_required
                        else "response-optional-property-removed"
                    )
                self.emit_member(rule, f"property {label} removed", old_place, new_place)
                continue
            required_now = name in new_required
            if old_hidden != new_hidden:
                if request:
                    state = "required" if required_now else "optional"
                    rule = f"request-{state}-property-became-{'read-only' if new_hidden else 'not-read-only'}"
                else:
                    state = "required" if name in old_required else "optional"
                    rule = (
                        f"response-{state}-property-became-write-only"
                        if new_hidden
                        else "response-property-became-not-write-only"
                    )
                self.emit_member(
                    rule,
                    f"property {label}: {rule.split('became-')[1].replace('-', ' ')}",
                    old_place,
                    new_place,
                )
            if not new_hidden:
                was_required = name in old_required
                if was_required != required_now and not (request and old_hidden):
                    side = "request" if request else "response"
                    state = "required" if required_now else "optional"
                    self.emit_member(
                        f"{side}-property-became-{state}",
                        f"property {label} became {state}",
                        old_place,
                        new_place,
                    )
                old_deprecated = _flag(old_prop, "deprecated", self.c.old)
                new_deprecated = _flag(new_prop, "deprecated", self.c.new)
                if old_deprecated != new_deprecated:
                    side = "request" if request else "response"
                    what = "deprecated" if new_deprecated else "reactivated"
                    self.emit_member(
                        f"{side}-property-{what}", f"property {label} {what}", old_place, new_place
                    )
            if old_hidden and new_hidden:
                continue
            self.child(old_props[name], new_props[name], old_place, new_place)
        # required names that no properties entry declares
        for name in sorted((new_required ^ old_required) - set(old_props) - set(new_props)):
            side = "request" if request else "response"
            state = "required" if name in new_required else "optional"
            self.emit_member(
                f"{side}-property-became-{state}",
                f"property `{name}` became {state}",
                pointer_join(op, "required"),
                pointer_join(np, "required"),
            )
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        old_closed = old_extra is False or _is_false_schema(old_extra)
        new_closed = new_extra is False or _is_false_schema(new_extra)
        if old_closed != new_closed:
            family = (
                "additional-properties-restricted"
                if new_closed
                else "additional-properties-allowed"
            )
            self.emit(family, family.replace("-", " "), op, np)
        elif isinstance(old_extra, dict) and isinstance(new_extra, dict) and not old_closed:
            self.child(
                old_extra,
                new_extra,
                pointer_join(op, "additionalProperties"),
                pointer_join(np, "additionalProperties"),
            )

    def _items(self, old: dict[Any, Any], new: dict[Any, Any], op: str, np: str) -> None:
        before, after = old.get("items"), new.get("items")
        if isinstance(before, dict) and isinstance(after, dict):
            self.child(before, after, pointer_join(op, "items"), pointer_join(np, "items"))
        elif isinstance(before, dict) != isinstance(after, dict):
            # items: {} is dropped by the normalization; a side without items takes anything
            self.child(
                before if isinstance(before, dict) else {},
                after if isinstance(after, dict) else {},
                pointer_join(op, "items") if isinstance(before, dict) else op,
                pointer_join(np, "items") if isinstance(after, dict) else np,
            )


def schema_label(pointer: str) -> str:
    """A short name for the schema at ``pointer``: ``Pet.tags[].name`` for a component's
    property, ``.name`` for a property of an inline schema, "" for an inline root."""
    try:
        tokens = split_pointer(pointer)
    except ValueError:
        return ""
    if tokens[:2] == ["components", "schemas"] and len(tokens) >= 3:
        base, rest = tokens[2], tokens[3:]
    elif "schema" in tokens:
        index = len(tokens) - 1 - tokens[::-1].index("schema")
        base, rest = "", tokens[index + 1 :]
    else:
        return ""
    out = base
    i = 0
    while i < len(rest):
        token = rest[i]
        if token in ("properties", "patternProperties") and i + 1 < len(rest):
            out += f".{rest[i + 1]}"
            i += 2
        elif token in ("oneOf", "anyOf", "allOf") and i + 1 < len(rest):
            out += f"({token}[{rest[i + 1]}])"
            i += 2
        elif token == "items":
            out += "[]"
            i += 1
        elif token == "additionalProperties":
            out += ".*"
            i += 1
        else:
            i += 1
    return out


def _property_place(node: JSON, parent: str, name: str, side: Side) -> str:
    """Where a property is written: its own pointer when it is written inline, else the
    ``properties`` entry of the schema (``parent`` or one of its allOf members) declaring it."""
    own = getattr(node, "pointer", None)
    suffix = pointer_join("", "properties", name)
    if isinstance(own, str) and own.endswith(suffix):
        return own
    home = side.property_home(parent, name)
    return pointer_join(home if home is not None else parent, "properties", name)


def _num(value: float | None) -> str:
    if value is None:
        return "none"
    return str(int(value)) if value.is_integer() else str(value)


def _types_text(types: frozenset[str] | None) -> str:
    return "any" if types is None else "/".join(sorted(types))


def _without(node: dict[Any, Any], keyword: str) -> dict[Any, Any]:
    return {k: v for k, v in node.items() if k != keyword}


def _union(a: dict[str, Any], b: dict[str, Any]) -> Iterator[str]:
    yield from a
    yield from (k for k in b if k not in a)


def _flag(node: JSON, keyword: str, side: Side) -> bool:
    core, _nullable, _own = split_nullable(node, side)
    return core.get(keyword) is True or (isinstance(node, dict) and node.get(keyword) is True)


def _is_false_schema(node: JSON) -> bool:
    return isinstance(node, dict) and list(node) == ["not"] and node["not"] == {}


def _member_name(member: JSON, where: str) -> str:
    if isinstance(member, dict) and isinstance(member.get("title"), str):
        return f"`{member['title']}`"
    tokens = split_pointer(where) if where.startswith("/") else []
    if len(tokens) >= 3 and tokens[0] == "components" and tokens[1] == "schemas":
        return f"`{tokens[2]}`"
    return f"at {where or '/'}"


def match_members(
    old: list[JSON], new: list[JSON], equal: Callable[[JSON, JSON], bool]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair the members of two oneOf/anyOf/allOf lists: (pairs, old left over, new left over).

    Members pair up when they are the same schema (the same place), then when they compare
    equal, then by title, then when each is the only one left of its type on its side, then
    one to one when exactly one member is left on each side.
    """
    pairs: list[tuple[int, int]] = []
    free_old = list(range(len(old)))
    free_new = list(range(len(new)))

    def take(test: Callable[[JSON, JSON], bool]) -> None:
        for i in list(free_old):
            for j in free_new:
                if test(old[i], new[j]):
                    pairs.append((i, j))
                    free_old.remove(i)
                    free_new.remove(j)
                    break

    def same_place(a: JSON, b: JSON) -> bool:
        pa, pb = getattr(a, "pointer", None), getattr(b, "pointer", None)
        return pa is not None and pa == pb and pa.startswith("/components/")

    def same_title(a: JSON, b: JSON) -> bool:
        ta = a.get("title") if isinstance(a, dict) else None
        return ta is not None and isinstance(b, dict) and ta == b.get("title")

    take(same_place)
    if free_old and free_new:
        take(equal)
    if free_old and free_new:
        take(same_title)
    if free_old and free_new:

        def kind(member: JSON) -> frozenset[str] | None:
            return types_of(member) if isinstance(member, dict) else None

        def only_of_its_type(a: JSON, b: JSON) -> bool:
            wanted = kind(a)
            return (
                wanted is not None
                and kind(b) == wanted
                and [kind(old[i]) for i in free_old].count(wanted) == 1
                and [kind(new[j]) for j in free_new].count(wanted) == 1
            )

        take(only_of_its_type)
    if len(free_old) == 1 and len(free_new) == 1:
        pairs.append((free_old.pop(), free_new.pop()))
    return sorted(pairs), free_old, free_new
