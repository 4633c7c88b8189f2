"""Every document of the foundation list generates an app whose derived document matches it exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FOUNDATION_DOCUMENTS, corpus_document
from specfirst.pipeline import generate
from specfirst.validator.run import validate


@pytest.mark.parametrize("name", FOUNDATION_DOCUMENTS)
def test_zero_discrepancies(name: str, tmp_path: Path) -> None:
    spec = corpus_document(name)
    out = tmp_path / "service"
    first = generate(spec, out)
    assert first.written
    found = validate(spec, out)
    assert found == [], "\n".join(f"{d.category} {d.kind} {d.pointer}" for d in found[:20])
    again = generate(spec, out)
    assert again.written == [] and again.removed == []
