"""``specfirst diff`` over published versions of real APIs (the corpus's ``history`` folder,
beside ``$SPECFIRST_CORPUS``; skipped when it is absent): every pair of consecutive
versions compares, every change has a rule of the catalogue and pointers that exist in its
documents, and a version compared with itself reports nothing. Documents over 1 MB are left
to bench/diff_history.py, to keep this file fast."""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from pathlib import Path

import pytest

from specfirst.diff import RULES, compare_specs
from specfirst.loader import LoadedSpec, load_spec, split_pointer

REPO = Path(__file__).resolve().parent.parent
MAX_BYTES = 1_000_000


def _history() -> Path:
    corpus = Path(os.environ.get("SPECFIRST_CORPUS", REPO.parent / "shared" / "corpus" / "public"))
    return corpus.parent / "history"


def _pairs() -> list[tuple[Path, Path]]:
    folder = _history()
    if not folder.is_dir():
        return []
    versions: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(folder.iterdir()):
        wanted = path.suffix in (".yml", ".yaml", ".json") and "_" in path.name
        if wanted and path.stat().st_size <= MAX_BYTES:
            versions[path.name.split("_")[0]].append(path)
    return [pair for paths in versions.values() for pair in itertools.pairwise(paths)]


def _exists(spec: LoadedSpec, pointer: str) -> bool:
    node: object = spec.document
    for token in split_pointer(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


PAIRS = _pairs()


@pytest.mark.skipif(not PAIRS, reason="no history corpus (set SPECFIRST_CORPUS)")
@pytest.mark.parametrize(
    ("old_path", "new_path"), PAIRS, ids=[f"{a.stem}..{b.stem}" for a, b in PAIRS]
)
def test_consecutive_versions(old_path: Path, new_path: Path) -> None:
    old, new = load_spec(old_path), load_spec(new_path)
    report = compare_specs(old, new)
    assert report.changes
    for change in report.changes:
        assert change.rule_id in RULES
        assert _exists(old, change.old_pointer), (change.rule_id, change.old_pointer)
        assert _exists(new, change.new_pointer), (change.rule_id, change.new_pointer)
        assert change.new_location is not None and change.new_location.line is not None
    assert compare_specs(new, load_spec(new_path)).changes == []
