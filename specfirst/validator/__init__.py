"""Round-trip fidelity check: normalize the spec and the app's OpenAPI document, then diff."""

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
