"""Creates sent by many clients at once over real HTTP, and what became of them.

    outcomes, seconds = create_concurrently(url, "/notes", lambda c, i: {"text": f"{c}-{i}"}, 10, 20)
    problems = lost_writes(url, "/notes/{id}", outcomes)

Each client is a thread with its own ``httpx.Client`` (its own connection); the clients start
together (a barrier) and send their creates one after the other. Used at a small size by
tests/test_concurrent_writes.py and at full size by bench/concurrency.py.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Outcome:
    """One create: the body sent, the status answered (0: no answer) and the answer."""

    client: int
    body: dict[str, Any]
    status: int
    answer: Any
    seconds: float


def create_concurrently(
    base_url: str,
    path: str,
    make_body: Callable[[int, int], dict[str, Any]],
    clients: int,
    per_client: int,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> tuple[list[Outcome], float]:
    """``clients`` threads each POST ``per_client`` bodies to ``path``; the outcomes and the
    wall-clock seconds from the first request to the last answer."""
    barrier = threading.Barrier(clients + 1)
    outcomes: list[list[Outcome]] = [[] for _ in range(clients)]

    def run(client: int) -> None:
        with httpx.Client(base_url=base_url, timeout=timeout, headers=dict(headers or {})) as http:
            barrier.wait()
            for n in range(per_client):
                body = make_body(client, n)
                start = time.perf_counter()
                try:
                    response = http.post(path, json=body)
                except httpx.HTTPError as exc:
                    outcomes[client].append(Outcome(client, body, 0, repr(exc), 0.0))
                    continue
                elapsed = time.perf_counter() - start
                try:
                    answer: Any = response.json()
                except ValueError:
                    answer = response.text
                outcomes[client].append(
                    Outcome(client, body, response.status_code, answer, elapsed)
                )

    threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return [o for per in outcomes for o in per], time.perf_counter() - start


def errors(outcomes: list[Outcome], created: int = 201) -> list[Outcome]:
    """The creates not answered ``created``."""
    return [o for o in outcomes if o.status != created]


def collisions(outcomes: list[Outcome], id_name: str = "id") -> dict[Any, int]:
    """Ids acknowledged more than once, with how many times."""
    counts = Counter(
        o.answer[id_name] for o in outcomes if isinstance(o.answer, dict) and id_name in o.answer
    )
    return {item_id: n for item_id, n in counts.items() if n > 1}


def lost_writes(
    base_url: str,
    read_path: str,
    outcomes: list[Outcome],
    *,
    created: int = 201,
    id_name: str = "id",
    headers: Mapping[str, str] | None = None,
) -> list[str]:
    """Each acknowledged create whose item does not read back as it was answered.

    ``read_path`` has ``{id}`` where the id goes.
    """
    problems: list[str] = []
    with httpx.Client(base_url=base_url, timeout=60, headers=dict(headers or {})) as http:
        for outcome in outcomes:
            if outcome.status != created:
                continue
            item_id = outcome.answer[id_name]
            read = http.get(read_path.format(id=item_id))
            if read.status_code != 200 or read.json() != outcome.answer:
                problems.append(f"{item_id!r}: {read.status_code} {read.text[:200]}")
    return problems


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]
