"""``specfirst validate``: the source document against the one FastAPI derives from the app."""

from __future__ import annotations

from pathlib import Path

from specfirst.loader import load_spec
from specfirst.validator.compare import Discrepancy, compare_documents
from specfirst.validator.derive import derive_app_document


def validate(spec_path: str | Path, app_dir: str | Path) -> list[Discrepancy]:
    spec = load_spec(spec_path)
    app_document = derive_app_document(app_dir)
    return compare_documents(spec.document, app_document, spec_version=spec.version)
