"""What a spec edit does to the rows a generated service has already stored.

The migration history (``app/migrations/history.json``, see
:mod:`specfirst.steps.models_and_crud`) keeps, besides its revisions, the rules the stored
values of each resource column obeyed when the tree was last generated (:func:`column_rules`:
required or not, enum, length, item count and numeric bounds, pattern). A new generation
compares its tables and rules with them (:func:`judge`):

- a required property added to an existing table: with a ``default`` the new column gets it
  as its ``server_default`` (every existing row reads it); without one the generation is
  refused;
- an existing property that becomes required: with a ``default`` the revision fills the rows
  that have none; without one the generation is refused;
- a narrower column type, an enum losing values, a tighter bound or a new pattern: existing
  rows may hold values the new spec rejects, so the generation is refused.

``--force`` lets every refused change through; the run then says what the migration does
about it (:attr:`Judgement.notes`). A refusal names the property, its schema and the choices,
located in the document (:meth:`StorageRefusal.located`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specfirst.errors import Problem
from specfirst.ir import NO_VALUE, Schema
from specfirst.resources import Column, Resource, accepts_null

Rules = dict[str, dict[str, dict[str, Any]]]  # table -> column -> rule -> value

UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum")
LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum")

WIDER_TYPES = frozenset(
    {
        ("Integer", "BigInteger"),
        ("Integer", "Float"),
        ("BigInteger", "Float"),
        ("Boolean", "Integer"),
        ("Boolean", "BigInteger"),
    }
)
"""Column type changes every stored value survives (anything else may not)."""

CHOICES = (
    "add a `default` to the property (existing rows get it), make it optional (leave it out "
    "of `required` or let it be null), or regenerate with --force"
)
"""What a required property with no value in the rows already stored can do instead."""
NARROWING_CHOICES = (
    "keep accepting the values stored so far, or update the stored rows and regenerate with --force"
)
"""What a change that stored values may break can do instead."""


def column_rules(resources: list[Resource]) -> Rules:
    """The rules the values stored in each resource column obey (only the rules it has)."""
    rules: Rules = {}
    for r in resources:
        required = set(r.schema.all_required())
        table: dict[str, dict[str, Any]] = {}
        for c in r.columns:
            if c.primary_key:
                continue
            target = c.schema.target()
            rule: dict[str, Any] = {}
            if c.name in required and not accepts_null(c.schema):
                rule["required"] = True
            if target.enum is not None:
                rule["enum"] = list(target.enum)
            for key in (*UPPER_BOUNDS, *LOWER_BOUNDS, "pattern"):
                if key in target.constraints:
                    rule[key] = target.constraints[key]
            if rule:
                table[c.py_name] = rule
        rules[r.name] = table
    return rules


def server_default(sql_type: str, value: Any) -> str | None:
    """The SQL text a column of ``sql_type`` holds for the JSON value ``value`` (None when the
    value does not fit the column)."""
    if value is None:
        return None
    if sql_type == "JSON":
        return json.dumps(value, ensure_ascii=False)
    if sql_type == "Boolean":
        return ("1" if value else "0") if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None
    if sql_type in ("Integer", "BigInteger"):
        return str(value) if isinstance(value, int) else None
    if sql_type == "Float":
        return repr(float(value)) if isinstance(value, (int, float)) else None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Finding:
    """A change that stored rows may not survive, at a schema of the new document."""

    pointer: str
    message: str


@dataclass(frozen=True)
class Fill:
    """Existing rows with no value in ``column`` get ``value`` (a column that became required)."""

    table: str
    column: str
    sql_type: str
    value: Any


@dataclass
class Judgement:
    server_defaults: dict[str, dict[str, str]] = field(default_factory=dict)
    """table -> new column -> its ``server_default`` text."""
    fills: list[Fill] = field(default_factory=list)
    refused: list[Finding] = field(default_factory=list)
    """What needs --force."""
    notes: list[str] = field(default_factory=list)
    """What the migration does about the stored rows, one line each."""


def _default(schema: Schema) -> Any:
    """The property's ``default`` (through its ``$ref``), or NO_VALUE."""
    node: Schema | None = schema
    seen: set[int] = set()
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if node.default is not NO_VALUE:
            return node.default
        node = node.ref
    return NO_VALUE


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _tighter(key: str, before: dict[str, Any], after: dict[str, Any], upper: bool) -> bool:
    """Whether the bound ``key`` of ``after`` rejects values the one of ``before`` accepted."""
    if key not in after:
        return False
    if key not in before:
        return True
    old, new = before[key], after[key]
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (old, new))
    if not numbers:
        return bool(old != new)
    return bool(new < old) if upper else bool(new > old)


def _narrowed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """How the rules ``after`` reject values that ``before`` accepted, one phrase each."""
    found: list[str] = []
    if "enum" in after:
        if "enum" not in before:
            found.append("its values are now limited to an enum")
        else:
            kept = {_shown(v) for v in after["enum"]}
            lost = [_shown(v) for v in before["enum"] if _shown(v) not in kept]
            if lost:
                found.append(f"its enum loses {', '.join(lost)}")
    for keys, upper in ((UPPER_BOUNDS, True), (LOWER_BOUNDS, False)):
        for key in keys:
            if _tighter(key, before, after, upper):
                was = _shown(before[key]) if key in before else "none"
                found.append(f"{key} tightens to {_shown(after[key])} (was {was})")
    if "pattern" in after and after["pattern"] != before.get("pattern"):
        found.append(f"its pattern becomes {_shown(after['pattern'])}")
    return found


def judge(
    old_tables: dict[str, dict[str, dict[str, Any]]],
    old_rules: Rules | None,
    new_tables: dict[str, dict[str, dict[str, Any]]],
    resources: list[Resource],
    *,
    force: bool,
) -> Judgement:
    """What the move from the last generation's tables and rules to ``resources`` does to the
    rows already stored (``old_rules`` None: a history kept before rules were recorded, so only
    added columns and type changes can be judged)."""
    out = Judgement()
    new_rules = column_rules(resources)

    def refuse(c: Column, label: str, what: str, forced: str, choices: str = CHOICES) -> None:
        if force:
            out.notes.append(f"{label}: {what}; forced: {forced}")
        else:
            out.refused.append(Finding(c.schema.pointer, f"{label}: {what}; choices: {choices}"))

    for r in resources:
        before = old_tables.get(r.name)
        if before is None:
            continue  # a new table holds no rows yet
        after = new_tables[r.name]
        rules_before = (old_rules or {}).get(r.name, {})
        rules_after = new_rules.get(r.name, {})
        for c in r.columns:
            if c.primary_key:
                continue
            label = f"property {c.name!r} (table {r.name}, column {c.py_name})"
            required = rules_after.get(c.py_name, {}).get("required", False)
            default = _default(c.schema)
            fitting = server_default(c.sql_type, default) if default is not NO_VALUE else None
            if c.py_name not in before:
                if not required:
                    continue
                if fitting is not None:
                    out.server_defaults.setdefault(r.name, {})[c.py_name] = fitting
                    out.notes.append(
                        f"{label}: new required column; existing rows get its default "
                        f"{_shown(default)}"
                    )
                else:
                    refuse(
                        c,
                        label,
                        _missing(default, "is new and required"),
                        "the column is added empty (NULL) in existing rows, which then fail "
                        "to read until each is updated",
                    )
                continue
            old_type, new_type = before[c.py_name]["type"], after[c.py_name]["type"]
            if old_type != new_type and (old_type, new_type) not in WIDER_TYPES:
                refuse(
                    c,
                    label,
                    f"its column type narrows from {old_type} to {new_type}",
                    f"the column is altered to {new_type}; the database converts each stored "
                    "value, and values that do not convert are lost or fail to read",
                    NARROWING_CHOICES,
                )
            if old_rules is None:
                continue
            was = rules_before.get(c.py_name, {})
            if required and not was.get("required", False):
                if fitting is not None:
                    out.fills.append(Fill(r.name, c.py_name, c.sql_type, default))
                    out.notes.append(
                        f"{label}: becomes required; existing rows without it get its default "
                        f"{_shown(default)}"
                    )
                else:
                    refuse(
                        c,
                        label,
                        _missing(default, "becomes required"),
                        "existing rows without it keep NULL and fail to read until each is updated",
                    )
            for phrase in _narrowed(was, rules_after.get(c.py_name, {})):
                refuse(
                    c,
                    label,
                    f"{phrase}; stored rows may hold values the spec now rejects",
                    "the migration leaves stored values as they are; rows that break the new "
                    "rule fail to read until each is updated",
                    NARROWING_CHOICES,
                )
    return out


def _missing(default: Any, what: str) -> str:
    if default is NO_VALUE:
        return f"{what} and has no default for the rows already stored"
    return f"{what} and its default {_shown(default)} does not fit its column"


class StorageRefusal(Exception):
    """A spec change that rows already stored may not survive; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(problems)

    @classmethod
    def unplaced(cls, findings: list[Finding]) -> StorageRefusal:
        return cls([Problem("", f.pointer, f.message) for f in findings])

    def located(self, spec_path: str | Path, ref_root: str | Path | None) -> StorageRefusal:
        """The same refusal with each problem placed in its file (and line) of the document."""
        from specfirst.errors import SpecError
        from specfirst.loader import load_spec

        try:
            spec = load_spec(spec_path, ref_root=ref_root)
        except SpecError:
            return StorageRefusal(
                [Problem(str(spec_path), p.pointer, p.message) for p in self.problems]
            )
        return StorageRefusal([spec.problem(p.pointer, p.message) for p in self.problems])

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append(
            "nothing was written: the rows a service stored before this edit may not survive it"
        )
        return "\n".join(lines)
