"""Benchmark: generate and validate times and peak memory per document, against peers.

    python bench/bench_generate.py [--corpus DIR] [--docs a,b,...] [--install-peers]

Each measurement runs in a child process (so peak RSS is that run's own). Peers run in
the same process tree: fastapi-code-generator (``fastapi-codegen``) from a virtualenv in
``bench/.peers`` created by ``--install-peers`` (or any ``fastapi-codegen`` on PATH). Prints
one row per document with seconds, MiB and the peer ratio; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PEERS = REPO / "bench" / ".peers"
DEFAULT_DOCS = (
    "ensemble_service,fountainai_v4_ensemble,swagger_petstore3,manifold_catalog,"
    "spotify_web_api_fixed,stripe_api_2023_09"
)


_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], capture_output=True).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def timed(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB of that command alone (via a fresh wrapper), exit code."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    peak_kib = int(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else 0
    return elapsed, peak_kib / 1024, proc.returncode


def peer_codegen() -> str | None:
    local = PEERS / "bin" / "fastapi-codegen"
    if local.exists():
        return str(local)
    return shutil.which("fastapi-codegen")


def install_peers() -> None:
    subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
    subprocess.run(
        [str(PEERS / "bin" / "pip"), "install", "-q", "fastapi-code-generator"], check=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        default=os.environ.get("SPECFIRST_CORPUS", str(REPO.parent / "shared/corpus/public")),
    )
    parser.add_argument("--docs", default=DEFAULT_DOCS)
    parser.add_argument("--install-peers", action="store_true")
    args = parser.parse_args()
    if args.install_peers:
        install_peers()
    peer = peer_codegen()
    corpus = Path(args.corpus)
    rows = []
    print(
        f"{'document':28} {'generate s':>10} {'MiB':>7} {'validate s':>10} {'MiB':>7} {'peer s':>8} {'ratio':>6}"
    )
    for name in args.docs.split(","):
        spec = next(iter(sorted(corpus.glob(f"{name}.y*ml"))), None)
        if spec is None:
            print(f"{name:28} (not in {corpus})")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "service"
            gen_s, gen_mb, gen_rc = timed(
                [sys.executable, "-m", "specfirst", "generate", str(spec), "--out", str(out)]
            )
            val_s, val_mb, val_rc = timed(
                [sys.executable, "-m", "specfirst", "validate", str(spec), "--app", str(out)]
            )
            peer_s = None
            if peer:
                peer_out = Path(tmp) / "peer"
                peer_s, _, peer_rc = timed([peer, "--input", str(spec), "--output", str(peer_out)])
                if peer_rc != 0:
                    peer_s = None
        ratio = f"{gen_s / peer_s:.2f}" if peer_s else "-"
        peer_txt = f"{peer_s:.2f}" if peer_s else ("fail" if peer else "-")
        status = (
            "" if gen_rc == 0 and val_rc == 0 else f"  (generate rc={gen_rc}, validate rc={val_rc})"
        )
        print(
            f"{name:28} {gen_s:10.2f} {gen_mb:7.0f} {val_s:10.2f} {val_mb:7.0f} {peer_txt:>8} {ratio:>6}{status}"
        )
        rows.append({"document": name, "generate_s": gen_s, "validate_s": val_s, "peer_s": peer_s})
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
