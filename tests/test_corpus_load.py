"""Every corpus document loads without a traceback, leniently and with ``--strict``.

In its default mode every description loads (each repaired defect listed as a warning);
with ``--strict`` it loads or is refused with located messages (exit 2), never a traceback.
The corpus folders come from $SPECFIRST_CORPUS and $SPECFIRST_CORPUS2 (see conftest); the
test skips when they are absent.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from conftest import corpus2_dir, corpus_dir, corpus_roots

from specfirst.cli import main, run_guarded
from specfirst.loader import load_spec

FOLDERS = (corpus_dir(), corpus2_dir())
DOCUMENTS = [document for folder in FOLDERS for document in corpus_roots(folder)]


def _plan(document: Path, *flags: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    # multi-file descriptions may keep their root in a sub-folder next to the files it
    # refers to: $refs may read anything inside the corpus folder
    folder = next(folder for folder in FOLDERS if document.is_relative_to(folder))
    try:
        code = main(["plan", *flags, "--ref-root", str(folder), str(document)])
    except BaseException:  # noqa: BLE001 - a traceback is what this test looks for
        pytest.fail(
            f"specfirst plan {' '.join(flags)} {document} raised:\n{traceback.format_exc()}"
        )
    return code, capsys.readouterr().err


def _strict_load(document: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``--strict`` refuses while loading: the loader alone, behind the command line's guard
    (the plan itself was made above)."""
    folder = next(folder for folder in FOLDERS if document.is_relative_to(folder))

    def load() -> int:
        load_spec(document, strict=True, ref_root=folder)
        return 0

    try:
        code = run_guarded(load)
    except BaseException:  # noqa: BLE001 - a traceback is what this test looks for
        pytest.fail(f"strict load of {document} raised:\n{traceback.format_exc()}")
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "document", DOCUMENTS or [None], ids=lambda path: path.name if path else "no-corpus"
)
def test_corpus_document_loads_leniently_and_strictly(
    document: Path | None, capsys: pytest.CaptureFixture[str]
) -> None:
    if document is None:
        pytest.skip(f"no corpus at {corpus_dir()} or {corpus2_dir()} (set SPECFIRST_CORPUS)")
    code, err = _plan(document, capsys=capsys)
    assert code == 0, err
    warnings = err.splitlines()
    assert all(line.startswith("warning: ") and "; assumed: " in line for line in warnings), err
    code, err = _strict_load(document, capsys=capsys)
    assert code == (2 if warnings else 0), err
    assert "Traceback" not in err
    refused = [line.removeprefix("warning: ").partition("; assumed: ")[0] for line in warnings]
    assert err.splitlines() == refused
