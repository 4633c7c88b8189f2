"""The copy of the document each generation came from, kept in the generated tree.

Every run writes, next to the service, the document as the loader bundled it (every
external ``$ref`` file copied in, the loader's repairs made) as one JSON file with sorted
keys: :data:`SOURCE_COPY`. It goes through the writer like every other generated file
(atomically, listed with its digest in ``.specfirst-manifest.json``, refused when edited by
hand), so the next generation can compare the new document with the one the tree was
generated from even after the user's files have changed: `previous_source`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from specfirst.fingerprint import read_manifest
from specfirst.writer import MANIFEST_NAME, OutputFile

SOURCE_COPY = ".specfirst/source.json"
"""Where the bundled source document lives, relative to the output folder."""


def source_file(document: dict[str, Any]) -> OutputFile:
    """The bundled document as the generated file :data:`SOURCE_COPY` (deterministic bytes:
    sorted keys, indent 2, UTF-8, a trailing newline)."""
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    return OutputFile(path=SOURCE_COPY, content=text + "\n")


def previous_source(out_dir: str | Path) -> dict[str, Any] | None:
    """The bundled document the tree in ``out_dir`` was last generated from, or None when
    there is none to trust: no manifest, a tree generated before the copy was kept, or a copy
    that is no longer what the manifest records (edited or damaged since)."""
    root = Path(out_dir)
    manifest = read_manifest(root / MANIFEST_NAME) or {}
    try:
        recorded = manifest["files"][SOURCE_COPY]
        data = (root / SOURCE_COPY).read_bytes()
    except (OSError, KeyError, TypeError):
        return None
    if hashlib.sha256(data).hexdigest() != recorded:
        return None
    try:
        document = json.loads(data)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
