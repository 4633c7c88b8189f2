"""Every document of the foundation list, and the other small OpenAPI Initiative examples of the
corpus (callbacks, links, webhooks, an operation without responses), generates an app whose
derived document matches it exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FOUNDATION_DOCUMENTS, corpus_document

from specfirst.pipeline import generate
from specfirst.validator.run import validate

# In the corpus beside the foundation list; Stripe is left to the benchmarks.
MORE_DOCUMENTS = (
    "oai30_callback_example",
    "oai30_link_example",
    "oai31_non_oauth_scopes",
    "oai31_webhook_example",
)


@pytest.mark.parametrize("name", FOUNDATION_DOCUMENTS + MORE_DOCUMENTS)
def test_zero_discrepancies(name: str, tmp_path: Path) -> None:
    spec = corpus_document(name)
    out = tmp_path / "service"
    first = generate(spec, out)
    assert first.written
    found = validate(spec, out)
    assert found == [], "\n".join(f"{d.category} {d.kind} {d.pointer}" for d in found[:20])
    again = generate(spec, out)
    assert again.written == [] and again.removed == []
