"""Round-trip fidelity check: normalize the spec and the app's OpenAPI document, then diff.

The names below are imported on first use (PEP 562): ``python -m specfirst.validator.derive``,
the child interpreter of every `specfirst generate`, imports this package first and needs none
of them (the comparison imports deepdiff).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from specfirst.validator.compare import (
        CATEGORIES,
        KINDS,
        MISSING,
        Discrepancy,
        category_of,
        compare_documents,
        diff_normalized,
        json_pointer,
    )
    from specfirst.validator.normalize import NORMALIZATIONS, canonical_json, normalize_document

_HOMES = {
    "CATEGORIES": "compare",
    "KINDS": "compare",
    "MISSING": "compare",
    "Discrepancy": "compare",
    "category_of": "compare",
    "compare_documents": "compare",
    "diff_normalized": "compare",
    "json_pointer": "compare",
    "NORMALIZATIONS": "normalize",
    "canonical_json": "normalize",
    "normalize_document": "normalize",
}

__all__ = [
    "CATEGORIES",
    "KINDS",
    "MISSING",
    "NORMALIZATIONS",
    "Discrepancy",
    "canonical_json",
    "category_of",
    "compare_documents",
    "diff_normalized",
    "json_pointer",
    "normalize_document",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
