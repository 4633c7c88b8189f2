"""Mutation fuzzing of the generator, at a size CI cannot afford.

    python bench/mutation_fuzz.py [DIR_OR_FILE ...] [--mutants 3000] [--seed 20261202]
        [--generate-every 1] [--max-bytes 65536] [--out FILE]

The documents are ``tests/specs/*.yml``, ``openapi3_1.yml`` and every small single-file
``*.yml``/``*.yaml``/``*.json`` document in the folders or files given (e.g. the corpus
folders). Each mutant (1 to 3 random structural mutations, see ``specfirst.mutate``) is
loaded and modelled in this process; each accepted one is rendered (steps and ruff), and every
``--generate-every``-th accepted one goes through the whole ``specfirst generate`` command,
whose child interpreter imports the app (exit 0 means it imports).

Counted: exits by stage, internal errors (unexpected exceptions: specfirst bugs, each printed
with its mutations), refusals whose message is not located, and the time taken. Exits 1 when
anything was not answered properly.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from specfirst.mutate import answer, mutate, seeds, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="more documents, or folders of them")
    parser.add_argument("--mutants", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--generate-every", type=int, default=1)
    parser.add_argument("--max-bytes", type=int, default=64 * 1024)
    parser.add_argument("--out", help="write the figures as JSON")
    args = parser.parse_args(argv)

    paths = sorted(str(p) for p in (ROOT / "tests" / "specs").glob("*.yml")) + [
        str(ROOT / "openapi3_1.yml")
    ]
    for given in map(Path, args.paths):
        found = sorted(given.iterdir()) if given.is_dir() else [given]
        paths += [str(p) for p in found if p.suffix in (".yml", ".yaml", ".json")]
    documents = seeds(paths, args.max_bytes)
    counts: collections.Counter[str] = collections.Counter()
    bad: list[str] = []
    started = time.monotonic()
    accepted = 0
    with tempfile.TemporaryDirectory(prefix="mutation-fuzz-") as scratch:
        for index in range(args.mutants):
            name, document = documents[index % len(documents)]
            rng = random.Random(args.seed + index)
            mutant = mutate(document, rng, count=rng.choice([1, 1, 2, 3]))
            spec = write(mutant.document, Path(scratch) / f"mutant{index}")
            what = f"mutant {index} of {name}: {'; '.join(mutant.steps)}"
            stages = ["load"]
            outcome = answer(str(spec), "load")
            if outcome.exit == 0 and not outcome.internal:
                accepted += 1
                stages.append("render")
                outcome = answer(str(spec), "render")
                if outcome.exit == 0 and accepted % args.generate_every == 0:
                    stages.append("generate")
                    outcome = answer(str(spec), "generate", out=str(Path(scratch) / f"out{index}"))
            counts[f"{outcome.stage} exit {outcome.exit}"] += 1
            unlocated = (
                outcome.exit == 2
                and outcome.stage == "load"
                and not outcome.message.startswith(f"{spec}:")
            )
            if outcome.internal or unlocated or outcome.exit not in (0, 1, 2):
                counts["not answered properly"] += 1
                bad.append(f"{what}\n  {outcome.message.strip()[:600]}")
            spec.unlink()
            if (index + 1) % 100 == 0:
                print(
                    f"{index + 1} mutants, {time.monotonic() - started:.0f}s: {dict(counts)}",
                    file=sys.stderr,
                )
    figures = {
        "documents": [name for name, _ in documents],
        "mutants": args.mutants,
        "seed": args.seed,
        "seconds": round(time.monotonic() - started),
        "outcomes": dict(sorted(counts.items())),
        "not_answered": bad,
    }
    text = json.dumps(figures, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(text)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
