"""What changed between two versions of an OpenAPI document, and what it breaks.

Public API (what ``specfirst diff`` and ``specfirst generate`` use)::

    from specfirst.diff import compare, compare_specs, load_rules

    report = compare("old.yaml", "new.yaml")          # -> Report; raises SpecError (exit 2)
    report = compare_specs(old_loaded, new_loaded)    # the same from two LoadedSpec
    # a bundled document kept elsewhere (a manifest) is wrapped without reading a file:
    # LoadedSpec(path=Path("previous.yaml"), document=bundled_dict, version=(3, 1))
    report = compare(old, new, levels=load_rules("rules.yaml"))  # levels tuned per rule

    report.changes      # list[Change], most severe first, then in document order
    report.breaking     # the error-level changes (they break existing clients)
    report.counts()     # {"error": n, "warning": n, "info": n}
    report.fails("warning")  # True when a change at or above that level exists
    print(report.summary())  # a one-screen summary (counts and the worst changes)

Each :class:`~specfirst.diff.model.Change` has ``rule_id`` (a stable id of
:data:`~specfirst.diff.rules.RULES`), ``level`` (``error``/``warning``/``info``),
``direction`` (``request``/``response``/``both``), ``old_pointer`` and ``new_pointer`` (JSON
pointers in the bundled documents; ``old_location``/``new_location`` give the file, the
pointer in that file and the line), a one-line ``message``, and the ``operations``
(``"GET /pets/{id}"``) and ``tags`` it affects. A change to a schema shared by many
operations is one change listing all of them.

Both documents are read by :func:`specfirst.loader.load_spec` (multi-file, 3.0 or 3.1, YAML
or JSON; ``$ref`` confined to the document's folder) and compared semantically, with the
validator's neutral normalizations (see :mod:`specfirst.diff.schemas`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from specfirst.diff.canonical import Side
from specfirst.diff.config import load_rules
from specfirst.diff.model import Change, Location, Report
from specfirst.diff.operations import DocumentComparer, OperationFindings
from specfirst.diff.rules import RULES, Level, Rule, level_rank
from specfirst.diff.security import compare_schemes
from specfirst.errors import Problem, SpecError
from specfirst.loader import LoadedSpec, load_spec, pointer_join, split_pointer

__all__ = [
    "RULES",
    "Change",
    "Location",
    "Report",
    "Rule",
    "compare",
    "compare_specs",
    "load_rules",
]


def compare(
    old_path: str | Path,
    new_path: str | Path,
    *,
    levels: Mapping[str, Level | None] | None = None,
    today: dt.date | None = None,
    ref_root: str | Path | None = None,
) -> Report:
    """Load both documents and compare them (see :func:`compare_specs`)."""
    old = load_spec(old_path, ref_root=ref_root)
    new = load_spec(new_path, ref_root=ref_root)
    return compare_specs(old, new, levels=levels, today=today)


def compare_specs(
    old: LoadedSpec,
    new: LoadedSpec,
    *,
    levels: Mapping[str, Level | None] | None = None,
    today: dt.date | None = None,
) -> Report:
    """The changes from ``old`` to ``new``.

    ``levels`` overrides a rule's default level (None turns the rule off); ``today`` is the
    date sunset dates are compared with (default: today).
    """
    old_side, new_side = Side(old), Side(new)
    comparer = DocumentComparer(old_side, new_side, today or dt.date.today())
    try:
        results = comparer.run()
        results.extend(compare_schemes(old_side, new_side))
    except RecursionError:
        raise SpecError(
            [Problem(new.display, "", "the documents are nested too deeply to compare")]
        ) from None
    return _report(old, new, results, levels or {})


def _report(
    old: LoadedSpec,
    new: LoadedSpec,
    results: list[OperationFindings],
    levels: Mapping[str, Level | None],
) -> Report:
    merged: dict[tuple[str, str, str], Change] = {}
    for result in results:
        for finding in result.findings:
            rule = RULES[finding.rule_id]
            level = levels.get(rule.id, rule.level) if rule.id in levels else rule.level
            if level is None:
                continue
            key = (finding.rule_id, finding.old_pointer, finding.new_pointer)
            change = merged.get(key)
            if change is None:
                change = merged[key] = Change(
                    rule_id=rule.id,
                    level=level,
                    direction=rule.direction,
                    old_pointer=finding.old_pointer,
                    new_pointer=finding.new_pointer,
                    message=finding.message,
                )
            if result.operation is not None and result.operation not in change.operations:
                change.operations.append(result.operation)
                change.operation_tags[result.operation] = list(result.tags)
            for tag in result.tags:
                if tag not in change.tags:
                    change.tags.append(tag)
    changes = list(merged.values())
    for change in changes:
        change.old_pointer = _existing(old, change.old_pointer)
        change.new_pointer = _existing(new, change.new_pointer)
        file, pointer = old.locate(change.old_pointer)
        change.old_location = Location(file, pointer, None)  # lines: the new side only
        change.new_location = _locate(new, change.new_pointer)
    order = {id(change): index for index, change in enumerate(changes)}
    changes.sort(key=lambda c: (-level_rank(c.level), order[id(c)]))
    return Report(old.display, new.display, changes)


def _existing(spec: LoadedSpec, pointer: str) -> str:
    """``pointer`` when the document has a node there, else its longest prefix that does (a
    schema the normalization put together is located at the schema it was made from)."""
    tokens = split_pointer(pointer)
    node: object = spec.document
    for length, token in enumerate(tokens):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return pointer_join("", *tokens[:length])
    return pointer


def _locate(spec: LoadedSpec, pointer: str) -> Location:
    """File, pointer in that file and line of a bundled-document pointer."""
    problem = spec.problem(pointer, "")
    return Location(problem.file, problem.pointer, problem.line)
