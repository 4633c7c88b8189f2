"""The report as text, Markdown, JSON, JUnit XML, GitHub Actions annotations, or a changelog."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from specfirst.diff.model import Change, Location, Report
from specfirst.diff.rules import REQUEST_SUBJECTS, RESPONSE_SUBJECTS, RULES, SCHEMA_FAMILIES

FORMATS = ("text", "markdown", "json", "junit", "github")


def _where(location: Location | None, pointer: str) -> str:
    if location is None:
        return pointer or "/"
    line = f":{location.line}" if location.line is not None else ""
    return f"{location.file}{line} {location.pointer or '/'}"


def _operations(change: Change) -> str:
    if not change.operations:
        return "document"
    if len(change.operations) <= 3:
        return ", ".join(change.operations)
    return f"{', '.join(change.operations[:3])} (+{len(change.operations) - 3} more)"


def render_text(report: Report) -> str:
    lines = []
    for change in report.changes:
        lines.append(f"{change.level:7} {change.rule_id}  {_operations(change)}")
        lines.append(f"        {change.message}")
        lines.append(f"        new: {_where(change.new_location, change.new_pointer)}")
        lines.append(f"        old: {_where(change.old_location, change.old_pointer)}")
    counts = report.counts()
    lines.append(
        f"{report.old} -> {report.new}: {len(report.changes)} changes: "
        f"{counts['error']} error, {counts['warning']} warning, {counts['info']} info"
    )
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    return (
        json.dumps(
            {
                "old": report.old,
                "new": report.new,
                "counts": report.counts(),
                "changes": [change.to_json() for change in report.changes],
            },
            indent=2,
        )
        + "\n"
    )


def _md(text: str) -> str:
    """Text for a Markdown table cell: pipes escaped, one line."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def render_markdown(report: Report) -> str:
    counts = report.counts()
    lines = [
        f"# Changes from `{_md(report.old)}` to `{_md(report.new)}`",
        "",
        (
            f"{len(report.changes)} changes: {counts['error']} error, "
            f"{counts['warning']} warning, {counts['info']} info."
        ),
        "",
    ]
    if report.changes:
        lines += ["| level | rule | operations | change | where (new) |", "|---|---|---|---|---|"]
        for change in report.changes:
            where = _where(change.new_location, change.new_pointer)
            lines.append(
                f"| {change.level} | `{change.rule_id}` | {_md(_operations(change))} | "
                f"{_md(change.message)} | `{_md(where)}` |"
            )
    return "\n".join(lines) + "\n"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml(text: str) -> str:
    """Text XML 1.0 can hold: a character it cannot is written as ``\\xNN``."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def render_junit(report: Report) -> str:
    """JUnit XML: one test suite per operation (``document`` for the rest), one test case per
    change; error and warning changes are failures."""
    suites: dict[str, list[Change]] = {}
    for change in report.changes:
        for operation in change.operations or ["document"]:
            suites.setdefault(operation, []).append(change)
    root = ET.Element("testsuites", name="specfirst diff")
    total = failures = 0
    for name, changes in suites.items():
        failed = sum(1 for change in changes if change.level != "info")
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_xml(name),
            tests=str(len(changes)),
            failures=str(failed),
            errors="0",
            skipped="0",
        )
        for change in changes:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_xml(name),
                name=_xml(f"{change.rule_id} {change.new_pointer}"),
            )
            text = f"{change.message}\nnew: {_where(change.new_location, change.new_pointer)}\nold: {_where(change.old_location, change.old_pointer)}"
            if change.level != "info":
                failure = ET.SubElement(
                    case, "failure", message=_xml(change.message), type=change.level
                )
                failure.text = _xml(text)
            else:
                ET.SubElement(case, "system-out").text = _xml(text)
        total += len(changes)
        failures += failed
    root.set("tests", str(total))
    root.set("failures", str(failures))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub documents it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: the message escapes plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def render_github(report: Report) -> str:
    """One GitHub Actions annotation per change, on the new document's line (the old one's
    for a removal the new document has no line for)."""
    lines = []
    for change in report.changes:
        location = change.new_location or change.old_location
        props = []
        if location is not None:
            props.append(f"file={escape_property(location.file)}")
            if location.line is not None:
                props.append(f"line={location.line}")
        props.append(f"title={escape_property(f'{change.rule_id} ({_operations(change)})')}")
        lines.append(
            f"::{_COMMANDS[change.level]} {','.join(props)}::{escape_data(change.message)}"
        )
    return "".join(line + "\n" for line in lines)


RENDERERS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
    "junit": render_junit,
    "github": render_github,
}


def render_changelog(report: Report) -> str:
    """A Markdown changelog: breaking changes first, then by tag and operation."""
    counts = report.counts()
    lines = [f"# Changelog: `{_md(report.old)}` → `{_md(report.new)}`", ""]
    if not report.changes:
        return "\n".join([*lines, "No changes.", ""])
    lines += [
        (
            f"{len(report.changes)} changes: {counts['error']} breaking, "
            f"{counts['warning']} that may break clients, {counts['info']} compatible."
        ),
        "",
    ]
    groups: dict[str, dict[str, list[Change]]] = {}
    for change in report.changes:
        for operation in change.operations or ["(whole document)"]:
            tags = change.operation_tags.get(operation) or ["(untagged)"]
            groups.setdefault(tags[0], {}).setdefault(operation, []).append(change)
    for tag in sorted(groups):
        lines += [f"## {_md(tag)}", ""]
        for operation in sorted(groups[tag]):
            lines += [f"### `{_md(operation)}`", ""]
            for change in groups[tag][operation]:
                mark = {"error": "**breaking**", "warning": "*may break*", "info": ""}[change.level]
                prefix = f"{mark}: " if mark else ""
                lines.append(f"- {prefix}{_md(change.message)} (`{change.rule_id}`)")
            lines.append("")
    return "\n".join(lines)


def rules_table(fmt: str) -> str:
    """Every rule with its default level and direction: plain text or JSON, one rule per
    line; Markdown as two tables (schema families by place, then the other rules)."""
    rows = [(rule.id, rule.level, rule.direction, rule.description) for rule in RULES.values()]
    if fmt == "json":
        keys = ("id", "level", "direction", "description")
        return json.dumps([dict(zip(keys, row, strict=True)) for row in rows], indent=2) + "\n"
    if fmt != "markdown":
        return "".join(f"{r:60} {lv:7} {d:8} {t}\n" for r, lv, d, t in rows)
    subjects = [*REQUEST_SUBJECTS.values(), *RESPONSE_SUBJECTS.values()]
    lines = [
        (
            "Schema rules: the id is the place followed by the family "
            "(`request-property-max-length-decreased`); `-` means no rule there."
        ),
        "",
        "| family | " + " | ".join(f"`{s}-`" for s in subjects) + " | what changed |",
        "|---|" + "---|" * len(subjects) + "---|",
    ]
    for family, (_request, _response, text) in SCHEMA_FAMILIES.items():
        cells = [
            RULES[f"{s}-{family}"].level if f"{s}-{family}" in RULES else "-" for s in subjects
        ]
        lines.append(f"| `{family}` | " + " | ".join(cells) + f" | {_md(text)} |")
    lines += ["", "Other rules:", "", "| rule | default level | direction | description |"]
    lines.append("|---|---|---|---|")
    family_ids = {f"{s}-{f}" for s in subjects for f in SCHEMA_FAMILIES}
    lines += [f"| `{r}` | {lv} | {d} | {_md(t)} |" for r, lv, d, t in rows if r not in family_ids]
    return "\n".join(lines) + "\n"


__all__ = ["FORMATS", "RENDERERS", "render_changelog", "rules_table"]
