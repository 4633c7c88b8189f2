"""Benchmark: ``specfirst diff`` between consecutive published versions of real APIs.

    python bench/diff_history.py [HISTORY_DIR] [--json OUT]

HISTORY_DIR (default ``$SPECFIRST_CORPUS/../history``, else ``../shared/corpus/history``)
holds versions named ``<api>_<date>.<ext>`` and a SOURCES.tsv. For each API the versions
are sorted by date and each consecutive pair is compared; the script prints, per pair, the
seconds spent loading both documents and comparing them, and the number of changes per
level. ``--json`` writes every change of every pair (for checking findings by hand).
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path


def _default_dir() -> Path:
    corpus = os.environ.get("SPECFIRST_CORPUS")
    if corpus:
        return Path(corpus).parent / "history"
    return Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "history"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("history", nargs="?", type=Path, default=_default_dir())
    parser.add_argument("--json", help="write every change of every pair to this file")
    args = parser.parse_args()

    from specfirst.diff import compare_specs
    from specfirst.loader import load_spec

    versions: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(args.history.glob("*_*.y*ml")) + sorted(args.history.glob("*_*.json")):
        versions[path.name.split("_")[0]].append(path)
    if not versions:
        print(f"no versions under {args.history}", file=sys.stderr)
        return 2
    dump = []
    print(f"{'pair':62} {'load s':>7} {'diff s':>7} {'error':>6} {'warning':>8} {'info':>6}")
    for api in sorted(versions):
        paths = sorted(versions[api])
        for old_path, new_path in itertools.pairwise(paths):
            started = time.perf_counter()
            old, new = load_spec(old_path), load_spec(new_path)
            loaded = time.perf_counter()
            report = compare_specs(old, new)
            done = time.perf_counter()
            counts = report.counts()
            pair = f"{old_path.name} -> {new_path.name}"
            print(
                f"{pair:62} {loaded - started:7.2f} {done - loaded:7.2f} "
                f"{counts['error']:6} {counts['warning']:8} {counts['info']:6}"
            )
            dump.append(
                {
                    "old": old_path.name,
                    "new": new_path.name,
                    "changes": [change.to_json() for change in report.changes],
                }
            )
    if args.json:
        Path(args.json).write_text(json.dumps(dump, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
