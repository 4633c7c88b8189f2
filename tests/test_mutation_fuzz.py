"""Mutation fuzzing of the generator: broken documents are answered, never a traceback.

300 random structural mutations (fixed seed; see :mod:`specfirst.mutate`) of the small
documents in ``tests/specs`` and ``openapi3_1.yml`` (and of the corpus's small single-file
documents when ``SPECFIRST_CORPUS`` is set) are each loaded and modelled in this process, as
``specfirst generate`` does: every one must end in exit 0 or 2 with, for 2, a located
message, and never in an unexpected exception (an internal error).

Rendering (the steps and ruff) costs about a second a document and the child interpreter
that imports the app several more, so within CI's budget a fixed share of the accepted
mutants is rendered (and each that holds a value only YAML can write, or a string no text
should hold), and the first few accepted ones go through the whole ``generate``
command, whose child interpreter imports the app: exit 0 there means the app imports.
``bench/mutation_fuzz.py`` runs every accepted mutant through the whole command.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from specfirst.mutate import answer, mutate, seeds, write

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261202
MUTANTS = 300
RENDER_EVERY = 5  # every 5th accepted mutant is rendered too, and each holding an odd value
GENERATED = 3  # the first accepted mutants go through the whole command


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
    stats = {"accepted": 0, "refused": 0, "rendered": 0, "generated": 0}
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
        if stats["generated"] < GENERATED:
            stats["generated"] += 1
            whole = answer(str(spec), "generate", out=str(tmp_path / f"out{index}"))
            assert not whole.internal, f"{what}\n{whole.message}"
            assert whole.exit in (0, 1, 2), f"{what}\n{whole.message}"
            if whole.exit != 0:
                assert whole.message.strip(), what
        elif stats["accepted"] % RENDER_EVERY == 0 or any(
            step.startswith(("exotic", "odd key")) for step in mutant.steps
        ):
            stats["rendered"] += 1
            rendered = answer(str(spec), "render")
            assert not rendered.internal, f"{what}\n{rendered.message}"
            assert rendered.exit in (0, 2), f"{what}\n{rendered.message}"
    assert stats["accepted"] > 30 and stats["refused"] > 30, stats  # the mutations reach both
    print(stats)
