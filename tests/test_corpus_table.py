"""The corpus table (``bench/corpus.py``) over both public corpus folders, held to issue 9's bars.

For every document of ``$SPECFIRST_CORPUS`` (``public``) and of ``public2`` beside it (or
``$SPECFIRST_CORPUS2``), except the few largest (``LEFT_TO_THE_BENCH``), the dashboard runs
generate, import and validate once (one module-scoped run); each document is then checked
against the targets:

- ``generate``: exits 0 in its default mode (warnings allowed);
- ``import``: the generated app imports;
- ``no-crash``: no stage printed a traceback, died or ran out of time;
- ``validate``: 0 discrepancies outside the categories of constructs FastAPI cannot
  publish (``UNPUBLISHABLE``, each documented in the README).

A document that misses a bar today for a known, documented reason is listed in
``KNOWN_GAPS`` with that reason: its check is a strict xfail, so the test goes red when
something regresses and also when a gap is closed without the list being updated. The
generated suites and fuzzing (minutes per document) stay in ``bench/corpus.py``; the
README's "Corpus dashboard" section has the full table and the time each part takes.
Skips cleanly when the corpus is not there.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, corpus_dir

sys.path.insert(0, str(REPO / "bench"))  # bench/corpus.py and the table module beside it
import corpus as dashboard

BARS = ("generate", "import", "no-crash", "validate")

# Discrepancy categories of constructs FastAPI cannot publish, each with its reason in the
# README; discrepancies in them do not count against the validate bar.
UNPUBLISHABLE: frozenset[str] = frozenset({"unpublishable", "unenforced", "objects-only"})

# Generate + import + validate of these take minutes each (measured with --jobs 1, see the
# README's "Corpus dashboard" section); bench/corpus.py runs them.
LEFT_TO_THE_BENCH: dict[str, str] = {
    "stripe_api_2023_09": "468 operations, 3 MB",
    "box_platform": "296 operations, 1.7 MB",
    "plaid_2020_09_14": "329 operations, 2275 schemas, 3 MB",
}

# What each document misses today, by bar, and why (the README's "Corpus dashboard" table
# shows the same). A document refused at generate has no app to import or validate.
KNOWN_GAPS: dict[str, dict[str, str]] = {}


def corpus_folders() -> list[Path]:
    public = corpus_dir()
    second = Path(os.environ.get("SPECFIRST_CORPUS2", public.parent / "public2"))
    return [folder for folder in (public, second) if folder.is_dir()]


def table_documents() -> list[Any]:
    return [
        doc
        for folder in corpus_folders()
        for doc in dashboard.documents_in(folder)
        if doc.name not in LEFT_TO_THE_BENCH
    ]


def _cases() -> list[Any]:
    docs = table_documents()
    if not docs:
        return [pytest.param(None, None, id="no-corpus")]
    cases = []
    for doc in docs:
        for bar in BARS:
            reason = KNOWN_GAPS.get(doc.name, {}).get(bar)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(doc.name, bar, marks=marks, id=f"{doc.name}-{bar}"))
    return cases


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    docs = table_documents()
    if not docs:
        pytest.skip(f"corpus not found at {corpus_dir()} (set SPECFIRST_CORPUS)")
    options = dashboard.Options(skip_fuzz=True, skip_suite=True)
    jobs = int(os.environ.get("SPECFIRST_CORPUS_JOBS", min(2, os.cpu_count() or 1)))
    results = dashboard.run_all(docs, tmp_path_factory.mktemp("corpus"), options, jobs=jobs)
    print("\n" + dashboard.render_text(results))
    return {r.name: r for r in results}


def _outcome(result: Any) -> str:
    lines = [
        f"{name} {stage.status}" + (f": {stage.error}" if stage.error else "")
        for name, stage in result.stages.items()
        if stage.status != "skipped" or stage.error
    ]
    return f"{result.name}: " + "; ".join(lines)


@pytest.mark.parametrize(("name", "bar"), _cases())
def test_corpus_bar(table: dict[str, Any], name: str, bar: str) -> None:
    result = table[name]
    stages = result.stages
    if bar == "generate":
        assert stages["generate"].status == "ok", _outcome(result)
    elif bar == "import":
        assert stages["import"].status == "ok", _outcome(result)
    elif bar == "no-crash":
        broken = [n for n, st in stages.items() if st.status in ("crash", "timeout")]
        assert not broken, _outcome(result)
    else:
        validate = stages["validate"]
        assert validate.status in ("ok", "fail") and "discrepancies" in validate.figures, _outcome(
            result
        )
        counted = {
            k: v for k, v in validate.figures["categories"].items() if k not in UNPUBLISHABLE
        }
        assert not counted, f"{name}: {sum(counted.values())} discrepancies: {counted}"


def test_lists_name_documents_of_the_corpus() -> None:
    """Every document the lists above name is in the corpus (a renamed one is not silently dropped)."""
    folders = corpus_folders()
    if len(folders) < 2:
        pytest.skip("both corpus folders are needed")
    names = {doc.name for folder in folders for doc in dashboard.documents_in(folder)}
    stale = (set(KNOWN_GAPS) | set(LEFT_TO_THE_BENCH)) - names
    assert not stale, f"not in the corpus: {sorted(stale)}"
    left = set(KNOWN_GAPS) & set(LEFT_TO_THE_BENCH)
    assert not left, f"both in KNOWN_GAPS and left to the bench: {sorted(left)}"
    unknown = {bar for gaps in KNOWN_GAPS.values() for bar in gaps} - set(BARS)
    assert not unknown, f"unknown bars in KNOWN_GAPS: {sorted(unknown)}"


# --------------------------------------------------------------------------- the dashboard itself

_ROOT = """\
openapi: 3.0.3
info: {title: Shelf, version: "1"}
paths:
  /books/{id}:
    get:
      operationId: getBook
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: A book
          content:
            application/json:
              schema: {$ref: "../models/book.yml"}
        "404": {description: No such book}
"""
_BOOK = """\
type: object
required: [id, title]
properties:
  id: {type: integer}
  title: {type: string}
"""


def test_dashboard_rows_on_a_folder_of_its_own(tmp_path: Path) -> None:
    """A SOURCES.tsv ``file`` column names a multi-file root; a refused document is a row too."""
    folder = tmp_path / "docs"
    (folder / "shelf" / "reference").mkdir(parents=True)
    (folder / "shelf" / "models").mkdir()
    (folder / "shelf" / "reference" / "api.yml").write_text(_ROOT, encoding="utf-8")
    (folder / "shelf" / "models" / "book.yml").write_text(_BOOK, encoding="utf-8")
    (folder / "broken.yaml").write_text("openapi: 3.0.3\ninfo: [unclosed\n", encoding="utf-8")
    (folder / "ignored.yml").write_text(_ROOT, encoding="utf-8")  # not listed: not a document
    (folder / "SOURCES.tsv").write_text(
        "short_name\tfile\nshelf\tshelf/reference/api.yml\nbroken\tbroken.yaml\n", encoding="utf-8"
    )
    docs = dashboard.documents_in(folder)
    assert [(d.name, d.path) for d in docs] == [
        ("shelf", folder / "shelf" / "reference" / "api.yml"),
        ("broken", folder / "broken.yaml"),
    ]
    options = dashboard.Options(skip_fuzz=True)
    shelf, broken = dashboard.run_all(docs, tmp_path / "work", options, jobs=2)

    assert shelf.operations == 1
    assert [shelf.stages[s].status for s in dashboard.STAGES] == ["ok", "ok", "ok", "ok", "skipped"]
    assert shelf.stages["validate"].figures["discrepancies"] == 0
    suite = shelf.stages["suite"].figures
    assert suite["passed"] > 0 and suite["failed"] == suite["errors"] == 0
    assert shelf.stages["fuzz"].error == "--skip-fuzz"

    generate = broken.stages["generate"]
    assert (generate.status, generate.exit) == ("fail", 2)
    assert "broken.yaml" in generate.error
    assert all(broken.stages[s].status == "skipped" for s in dashboard.STAGES[1:])

    text = dashboard.render_text([shelf, broken])
    assert text.splitlines()[2].split()[:6] == ["shelf", "1", "ok", "0", "ok", "0"]
    assert "total (2)" in text and "1/2 ok" in text
    assert f"broken: generate fail: {generate.error}" in text
    saved = json.loads(json.dumps(dashboard.to_json([shelf, broken], options)))["results"]
    again = [dashboard.result_from_json(item) for item in saved]
    assert dashboard.render_text(again) == text  # --from renders what --out wrote
    assert [r.name for r in dashboard.merge(again, [broken])] == ["shelf", "broken"]
    rerun = dashboard.result_from_json(saved[0])
    rerun.stages["suite"] = dashboard.Stage(error="--skip-suite")
    rerun.stages["fuzz"] = dashboard.Stage(status="ok", figures={"failures": 0})
    (combined,) = dashboard.merge(again[:1], [rerun])  # a fuzz-only run completes the row
    assert combined.stages["suite"].figures == suite
    assert combined.stages["fuzz"].status == "ok"
    (folder / "shelf" / "models" / "book.yml").unlink()  # the same work folder, a dangling $ref
    (again,) = dashboard.run_all(docs[:1], tmp_path / "work", options)
    assert again.stages["generate"].status == "fail"
    assert again.stages["import"].error == "nothing generated"  # not the earlier run's app
    markdown = dashboard.render_markdown([shelf, broken])
    assert markdown.startswith("| document | ops |") and "| **total (2)** |" in markdown


def test_dashboard_reads_what_commands_print() -> None:
    run = dashboard.Run
    crash = run(
        1, "", "Traceback (most recent call last):\n  File \"x\", line 1\nKeyError: 'k'\n", 0.1
    )
    assert crash.traceback and dashboard.first_error_line(crash) == "KeyError: 'k'"
    located = run(2, "", "spec.yml: /paths: not a mapping (line 3)\nmore\n", 0.1)
    assert dashboard.first_error_line(located) == "spec.yml: /paths: not a mapping (line 3)"
    derive = run(
        2,
        "",
        'error: cannot import the app in OUT:\n  File "a.py", line 1\n'
        "pydantic.errors.PydanticUserError: not defined\n\nFor further information visit x\n",
        0.1,
    )
    assert dashboard.first_error_line(derive) == (
        "error: cannot import the app in OUT: pydantic.errors.PydanticUserError: not defined"
    )
    summary = "....s.F\nFAILED tests/test_a.py::test_x - boom\n1 failed, 5 passed, 1 skipped, 2 errors in 3.1s\n"
    assert dashboard.read_suite_summary(summary) == {
        "passed": 5,
        "failed": 1,
        "skipped": 1,
        "errors": 2,
    }
    assert dashboard.read_suite_summary("ImportError while loading conftest\n") is None
