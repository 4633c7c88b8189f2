"""Benchmark: the comparison step of ``specfirst validate`` alone, per document.

    python bench/bench_compare.py SPEC APP_DIR [--budget SECONDS] [--json OUT]

Loads SPEC and derives the document of the app generated in APP_DIR (not timed), then
times ``compare_derived`` (process CPU seconds) and reports the peak RSS of the process.
``--budget`` stops the comparison after that many CPU seconds and says so; ``--json``
writes the discrepancies (``validate --format json`` order) to diff two versions' output.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import time


class _OverBudget(Exception):
    pass


def _stop(*_: object) -> None:
    raise _OverBudget


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec")
    parser.add_argument("app")
    parser.add_argument("--budget", type=int, default=0, help="CPU seconds (0: none)")
    parser.add_argument("--json", help="write the discrepancies to this file")
    args = parser.parse_args()

    from specfirst.loader import load_spec
    from specfirst.validator.derive import derive_app
    from specfirst.validator.run import compare_derived, unreached_components

    spec = load_spec(args.spec)
    derived = derive_app(args.app, components=unreached_components(spec.document))
    if args.budget:
        signal.signal(signal.SIGXCPU, _stop)
        used = int(time.process_time()) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (used + args.budget, resource.RLIM_INFINITY))
    start = time.process_time()
    try:
        found = compare_derived(spec, derived)
    except _OverBudget:
        print(f"{args.spec}: compare did not finish in {args.budget} CPU s", flush=True)
        return 1
    seconds = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.spec}: {len(found)} discrepancies, compare {seconds:.2f} CPU s, peak RSS {peak:.0f} MiB"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([d.to_json() for d in found], out, indent=1, sort_keys=True, default=repr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
