"""Mutation fuzzing of the generator: broken documents are answered, never a traceback.

300 random structural mutations (fixed seed; see :mod:`specfirst.mutate`) of the small
documents in ``tests/specs`` and ``openapi3_1.yml`` (and of the corpus's small single-file
documents when ``SPECFIRST_CORPUS`` is set) are each loaded and modelled in this process, as
``specfirst generate`` does: every one must end in exit 0 or 2 with, for 2, a located
message, and never in an unexpected exception (an internal error).

Every accepted mutant is then rendered and written as ``specfirst generate`` writes it, and
all the trees are imported and derived in one child interpreter
(:func:`specfirst.validator.derive.derive_many`: the check ``generate`` makes in a child of
its own, without paying for a fresh interpreter per tree). A tree whose app does not import
or derive is sent through the whole ``generate`` command, which must refuse it (exit 1 or
2, a message, no internal error) rather than exit 0. ``bench/mutation_fuzz.py`` runs more
mutants through the whole command.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from specfirst.mutate import answer, mutate, seeds, write
from specfirst.validator.derive import derive_many

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261202
MUTANTS = 300


def _documents() -> list[tuple[str, dict]]:
    paths = sorted(str(p) for p in (ROOT / "tests" / "specs").glob("*.yml")) + [
        str(ROOT / "openapi3_1.yml")
    ]
    corpus = os.environ.get("SPECFIRST_CORPUS")
    if corpus:
        paths += sorted(
            str(p) for p in Path(corpus).iterdir() if p.suffix in (".yml", ".yaml", ".json")
        )
    return seeds(paths)


def test_every_mutant_is_answered(tmp_path: Path) -> None:
    documents = _documents()
    assert len(documents) >= 8
    stats = {"accepted": 0, "refused": 0, "written": 0, "imported": 0, "refused by generate": 0}
    written: list[tuple[Path, Path, str]] = []
    for index in range(MUTANTS):
        name, document = documents[index % len(documents)]
        rng = random.Random(SEED + index)
        mutant = mutate(document, rng, count=rng.choice([1, 1, 2, 3]))
        spec = write(mutant.document, tmp_path / f"mutant{index}")
        what = f"mutant {index} of {name}: {'; '.join(mutant.steps)}"

        loaded = answer(str(spec), "load")
        assert not loaded.internal, f"{what}\n{loaded.message}"
        assert loaded.exit in (0, 2), f"{what}\n{loaded.message}"
        if loaded.exit == 2:
            stats["refused"] += 1
            assert loaded.message.startswith(f"{spec}:"), f"{what}\n{loaded.message}"
            continue
        stats["accepted"] += 1
        out = tmp_path / f"out{index}"
        wrote = answer(str(spec), "write", out=str(out))
        assert not wrote.internal, f"{what}\n{wrote.message}"
        assert wrote.exit in (0, 2), f"{what}\n{wrote.message}"
        if wrote.exit == 0:
            stats["written"] += 1
            written.append((spec, out, what))

    derived = derive_many([(out, None) for _, out, _ in written])
    for (spec, out, what), result in zip(written, derived, strict=True):
        if result.failure is None and not result.underivable:
            stats["imported"] += 1
            continue
        # the command checks the tree before it writes: it must refuse, and say why
        whole = answer(str(spec), "generate", out=str(out.with_name(out.name + "-whole")))
        assert not whole.internal, f"{what}\n{whole.message}"
        assert whole.exit in (1, 2), f"{what}: generate exited 0 with {result}"
        assert whole.message.strip(), what
        stats["refused by generate"] += 1
    assert stats["accepted"] > 30 and stats["refused"] > 30, stats  # the mutations reach both
    print(stats)
