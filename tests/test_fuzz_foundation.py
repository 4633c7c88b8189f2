"""`specfirst fuzz` finds no failure in the service generated for each foundation document.

Each document is generated into a temporary directory and fuzzed with the README's figures
(``--max-examples 10 --seed 0``). Spec gaps (an undeclared status where the document
declares none that fits: see ``specfirst.refusals``) are not failures; they and the
skipped (not implemented) operations are printed per document. Skips without the corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FOUNDATION_DOCUMENTS, corpus_document

from specfirst.fuzz import run_fuzz
from specfirst.pipeline import generate

pytest.importorskip("schemathesis", reason="schemathesis is in the test extras")

MAX_EXAMPLES = 10  # as recorded in the README
SEED = 0


@pytest.mark.parametrize("name", FOUNDATION_DOCUMENTS)
def test_fuzz_finds_no_failure(name: str, tmp_path: Path) -> None:
    spec = corpus_document(name)
    out = tmp_path / "service"
    generate(spec, out)
    report = run_fuzz(spec, out, max_examples=MAX_EXAMPLES, seed=SEED)
    print(f"\n{name}: {report.render().splitlines()[-1]}")
    for gap in report.spec_gaps:
        print(f"  spec gap: {gap.explanation}")
    for skipped in report.skipped:
        print(f"  skipped: {skipped.operation}: {skipped.reason}")
    assert report.test_cases > 0
    assert not report.errors, "\n".join(report.errors)
    assert not report.failures, "\n".join(f.render() for f in report.failures)
