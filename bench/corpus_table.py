"""The corpus dashboard's table (``bench/corpus.py``): a row per document, a totals row, and
below them each stage that did not end ``ok`` with the first line of its error; as aligned
text or as Markdown. Reads the results only (their ``name``, ``operations`` and ``stages``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corpus import Result, Stage

STAGES = ("generate", "import", "validate", "suite", "fuzz")

COLUMNS = (
    "document",
    "ops",
    "generate",
    "warnings",
    "import",
    "validate",
    "suite p/f/s/e",
    "fuzz fail/5xx/gaps",
    "seconds g/i/v/s/f",
)


def _cell_generate(s: Stage) -> str:
    if s.status == "ok":
        return "ok"
    if s.status in ("crash", "timeout", "skipped"):
        return s.status
    return f"exit {s.exit}"


def _cell_validate(s: Stage) -> str:
    if s.status in ("ok", "fail") and "discrepancies" in s.figures:
        total = s.figures["discrepancies"]
        if not total:
            return "0"
        parts = ", ".join(f"{k} {v}" for k, v in s.figures["categories"].items())
        return f"{total} ({parts})"
    return s.status if s.status != "fail" else f"fail (exit {s.exit})"


def _cell_suite(s: Stage) -> str:
    if "passed" in s.figures:
        f = s.figures
        return f"{f['passed']}/{f['failed']}/{f['skipped']}/{f['errors']}"
    return "-" if s.status == "skipped" else s.status


def _cell_fuzz(s: Stage) -> str:
    if "failures" in s.figures:
        f = s.figures
        return f"{f['failures']}/{f['server_errors']}/{f['spec_gaps']}" + (
            f" +{f['errors']} errors" if f["errors"] else ""
        )
    if s.status == "skipped":
        return "-"
    return s.status if s.status != "fail" else f"fail (exit {s.exit})"


def _seconds(result: Result) -> str:
    return "/".join(
        f"{st.seconds:.0f}" if st.status != "skipped" else "-" for st in result.stages.values()
    )


def row(result: Result) -> list[str]:
    s = result.stages
    return [
        result.name,
        "?" if result.operations is None else str(result.operations),
        _cell_generate(s["generate"]),
        str(s["generate"].figures.get("warnings", 0)),
        s["import"].status,
        _cell_validate(s["validate"]),
        _cell_suite(s["suite"]),
        _cell_fuzz(s["fuzz"]),
        _seconds(result),
    ]


def totals(results: Sequence[Result]) -> dict[str, Any]:
    """The figures of the totals row (also written to the JSON)."""

    def count(stage: str, status: str = "ok") -> int:
        return sum(1 for r in results if r.stages[stage].status == status)

    def ran(stage: str) -> int:
        return sum(1 for r in results if r.stages[stage].status != "skipped")

    def add(stage: str, key: str) -> int:
        return sum(int(r.stages[stage].figures.get(key, 0)) for r in results)

    crashes = sum(
        1 for r in results for st in r.stages.values() if st.status in ("crash", "timeout")
    )
    return {
        "documents": len(results),
        "operations": sum(r.operations or 0 for r in results),
        "generate_ok": count("generate"),
        "warnings": add("generate", "warnings"),
        "import_ok": count("import"),
        "import_ran": ran("import"),
        "validate_clean": count("validate"),
        "validate_ran": ran("validate"),
        "discrepancies": add("validate", "discrepancies"),
        "suite": {k: add("suite", k) for k in ("passed", "failed", "skipped", "errors")},
        "suite_ran": ran("suite"),
        "fuzz": {k: add("fuzz", k) for k in ("failures", "server_errors", "spec_gaps", "errors")},
        "fuzz_ran": ran("fuzz"),
        "crashes_or_timeouts": crashes,
        "seconds": {
            name: round(sum(r.stages[name].seconds for r in results), 1) for name in STAGES
        },
    }


def totals_row(results: Sequence[Result]) -> list[str]:
    t = totals(results)
    n = t["documents"]
    suite, fuzz = t["suite"], t["fuzz"]
    return [
        f"total ({n})",
        str(t["operations"]),
        f"{t['generate_ok']}/{n} ok",
        str(t["warnings"]),
        f"{t['import_ok']}/{t['import_ran']} ok",
        f"{t['validate_clean']}/{t['validate_ran']} clean, {t['discrepancies']}",
        f"{suite['passed']}/{suite['failed']}/{suite['skipped']}/{suite['errors']}"
        if t["suite_ran"]
        else "-",
        f"{fuzz['failures']}/{fuzz['server_errors']}/{fuzz['spec_gaps']}"
        + (f" +{fuzz['errors']} errors" if fuzz["errors"] else "")
        if t["fuzz_ran"]
        else "-",
        "/".join(f"{t['seconds'][s]:.0f}" for s in STAGES),
    ]


def problems(results: Sequence[Result]) -> list[str]:
    """One line per stage that did not end ok: document, stage, status and first error line."""
    lines = []
    for r in results:
        for name, st in r.stages.items():
            if st.status in ("fail", "crash", "timeout") and not (
                name == "validate" and st.status == "fail" and "discrepancies" in st.figures
            ):
                lines.append(f"{r.name}: {name} {st.status}: {st.error}")
    return lines


def render_text(results: Sequence[Result]) -> str:
    rows = [list(COLUMNS), *(row(r) for r in results), totals_row(results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = []
    for index, cells in enumerate(rows):
        if index == len(rows) - 1:
            lines.append("  ".join("-" * w for w in widths))
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = problems(results)
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def _md(cell: str) -> str:
    return cell.replace("|", "\\|")


def render_markdown(results: Sequence[Result]) -> str:
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *("| " + " | ".join(_md(c) for c in row(r)) + " |" for r in results),
        "| " + " | ".join(f"**{_md(c)}**" for c in totals_row(results)) + " |",
    ]
    notes = problems(results)
    if notes:
        lines += ["", *(f"- {_md(n)}" for n in notes)]
    return "\n".join(lines)
