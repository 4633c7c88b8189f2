"""Benchmark: the generated petstore service against a hand-written equivalent, under load.

    python bench/bench_service.py [--rounds 5] [--requests 1500] [--connections 32]

Generates the service of a small petstore document (written here: list, create, get one and
update of ``/pets``) into a temporary directory, and writes there a hand-written FastAPI +
SQLAlchemy + SQLite service with the same four operations and the same database settings
(WAL, ``synchronous=NORMAL``, a 5 s busy timeout, the same connection pool, sessions that do
not expire on commit; plain ``def`` routes run in the thread pool, as the generated ones).
Each runs as ``uvicorn app.main:app --workers 1 --no-access-log`` on 127.0.0.1 with its own
SQLite file (the generated service keeps its own JSON request log at its default level,
written to a file). Both are seeded with the same pets, then loaded by the same client: an
``httpx.AsyncClient`` with ``--connections`` connections kept busy, ``--requests`` requests
per operation and round. Rounds are interleaved (generated and hand-written take turns on
each operation, the order swapped every round) so that a slow spell of the shared machine
hits both.

Prints, per operation and service: requests/s (minimum and median over the rounds), p50 and
p99 latency (medians over the rounds), errors (answers other than the expected status, or
none), and the ratio generated / hand-written of the median and of the minimum requests/s.
Nothing is asserted: the figures go into README.md (Benchmarks).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import httpx

REPO = Path(__file__).resolve().parent.parent

PETSTORE = textwrap.dedent(
    """\
    openapi: 3.1.0
    info: {title: Petstore bench, version: "1"}
    paths:
      /pets:
        get:
          operationId: listPets
          parameters:
            - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 100}}
          responses:
            "200":
              description: the pets
              content:
                application/json:
                  schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
        post:
          operationId: createPet
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/NewPet"}
          responses:
            "201":
              description: created
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Pet"}
            "422": {description: not a pet}
      /pets/{petId}:
        get:
          operationId: getPet
          parameters:
            - {name: petId, in: path, required: true, schema: {type: integer}}
          responses:
            "200":
              description: the pet
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Pet"}
            "404": {description: no such pet}
        put:
          operationId: updatePet
          parameters:
            - {name: petId, in: path, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/NewPet"}
          responses:
            "200":
              description: updated
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Pet"}
            "404": {description: no such pet}
            "422": {description: not a pet}
    components:
      schemas:
        NewPet:
          type: object
          required: [name]
          properties:
            name: {type: string, maxLength: 100}
            tag: {type: string, maxLength: 100}
        Pet:
          type: object
          required: [id, name]
          properties:
            id: {type: integer}
            name: {type: string}
            tag: {type: string}
    """
)

HAND_WRITTEN = textwrap.dedent(
    '''\
    """The same four petstore operations, written by hand (FastAPI tutorial style)."""

    from typing import Annotated

    import os

    from fastapi import Depends, FastAPI, HTTPException, Query
    from pydantic import BaseModel, Field
    from sqlalchemy import BigInteger, Integer, String, create_engine, event, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

    engine = create_engine(
        os.environ["DATABASE_URL"],
        connect_args={"check_same_thread": False},
        pool_size=10,
        max_overflow=40,
    )


    @event.listens_for(engine, "connect")
    def sqlite_pragmas(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


    SessionLocal = sessionmaker(engine, expire_on_commit=False)


    class Base(DeclarativeBase):
        pass


    class PetRow(Base):
        __tablename__ = "pets"
        id: Mapped[int] = mapped_column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
        )
        name: Mapped[str] = mapped_column(String())
        tag: Mapped[str | None] = mapped_column(String(), nullable=True)


    Base.metadata.create_all(engine)
    app = FastAPI(title="Petstore bench", version="1")


    class NewPet(BaseModel):
        name: str = Field(max_length=100)
        tag: str | None = Field(default=None, max_length=100)


    class Pet(BaseModel):
        id: int
        name: str
        tag: str | None = None


    def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            db.close()


    def answer(row: PetRow) -> Pet:
        return Pet(id=row.id, name=row.name, tag=row.tag)


    @app.get("/pets", response_model=list[Pet], response_model_exclude_none=True)
    def list_pets(
        db: Annotated[Session, Depends(get_db)],
        limit: Annotated[int | None, Query(ge=1, le=100)] = None,
    ):
        rows = db.scalars(select(PetRow).order_by(PetRow.id).limit(limit)).all()
        return [answer(row) for row in rows]


    @app.post("/pets", status_code=201, response_model=Pet, response_model_exclude_none=True)
    def create_pet(body: NewPet, db: Annotated[Session, Depends(get_db)]):
        row = PetRow(name=body.name, tag=body.tag)
        db.add(row)
        db.commit()
        return answer(row)


    @app.get("/pets/{petId}", response_model=Pet, response_model_exclude_none=True)
    def get_pet(pet_id: Annotated[int, Path(alias="petId")], db: Annotated[Session, Depends(get_db)]):
        row = db.get(PetRow, pet_id)
        if row is None:
            raise HTTPException(404, "no such pet")
        return answer(row)


    @app.put("/pets/{petId}", response_model=Pet, response_model_exclude_none=True)
    def update_pet(
        pet_id: Annotated[int, Path(alias="petId")],
        body: NewPet,
        db: Annotated[Session, Depends(get_db)],
    ):
        row = db.get(PetRow, pet_id)
        if row is None:
            raise HTTPException(404, "no such pet")
        row.name = body.name
        row.tag = body.tag
        db.commit()
        return answer(row)
    '''
).replace("from fastapi import Depends,", "from fastapi import Depends, Path,")

# CPU per request, in process: the app under a TestClient, one request at a time (the client's
# share is the same for every service); printed as microseconds of process CPU time
CPU_PROBE = textwrap.dedent(
    """\
    import json, sys, time
    from fastapi.testclient import TestClient
    from app.main import app
    operations, count = sys.argv[1].split(","), int(sys.argv[2])
    figures = {}
    with TestClient(app) as client:
        ids = [client.post("/pets", json={"name": f"seed {n}"}).json()["id"] for n in range(50)]
        calls = {
            "get one": lambda n: client.get(f"/pets/{ids[n % 50]}"),
            "list": lambda n: client.get("/pets?limit=20"),
            "create": lambda n: client.post("/pets", json={"name": f"pet {n}", "tag": "t"}),
            "update": lambda n: client.put(f"/pets/{ids[n % 50]}", json={"name": f"x {n}"}),
        }
        for operation in operations:
            for n in range(50):
                calls[operation](n)
            best = None
            for _ in range(3):
                started = time.process_time()
                for n in range(count):
                    calls[operation](n)
                spent = (time.process_time() - started) / count * 1e6
                best = spent if best is None else min(best, spent)
            figures[operation] = best
    print(json.dumps(figures))
    """
)

SEEDED = 200  # pets created in each service before the first round
LIST_LIMIT = 20


@dataclass
class Figures:
    """One operation on one service: every round's requests/s, p50, p99 and errors."""

    rates: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """``uvicorn app.main:app`` in ``root``, one worker, no access log, its own SQLite file."""

    def __init__(self, name: str, root: Path) -> None:
        self.name = name
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{self.root / 'bench.db'}"}
        env.pop("TYPESENSE_URL", None)
        command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", "1", "--no-access-log"]
        command += ["--timeout-keep-alive", "60"]
        command += ["--log-level", "warning"]
        with (self.root / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.root / 'server.log'}")
            try:
                if httpx.get(f"{self.url}/pets", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start: see {self.root / 'server.log'}")

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def request_for(operation: str, n: int, ids: list[int]) -> tuple[str, str, Any, int]:
    """Method, path, JSON body and the expected status of request ``n`` of ``operation``."""
    if operation == "get one":
        return "GET", f"/pets/{ids[n % len(ids)]}", None, 200
    if operation == "list":
        return "GET", f"/pets?limit={LIST_LIMIT}", None, 200
    if operation == "create":
        return "POST", "/pets", {"name": f"pet {n}", "tag": "bench"}, 201
    if operation == "update":
        return "PUT", f"/pets/{ids[n % len(ids)]}", {"name": f"renamed {n}", "tag": "x"}, 200
    raise ValueError(operation)


async def load(
    url: str, operation: str, requests: int, connections: int, ids: list[int]
) -> tuple[float, list[float], Counter[str]]:
    """``requests`` requests of ``operation`` over ``connections`` busy connections.

    Requests/s (wall clock, first request to last answer), every latency (ms) and the errors.
    """
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            for n in counter:
                method, path, body, expected = request_for(operation, n, ids)
                started = time.perf_counter()
                try:
                    response = await client.request(method, path, json=body)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != expected:
                    errors[str(response.status_code)] += 1

        # open the connections before the clock starts
        await asyncio.gather(*(client.get("/pets?limit=1") for _ in range(connections)))
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        seconds = time.perf_counter() - started
    return requests / seconds, latencies, errors


def cpu_per_request(root: Path, operations: list[str], count: int) -> dict[str, float]:
    """Microseconds of process CPU time per request of each operation (best of 3 runs)."""
    database = root / "cpu.db"
    for path in root.glob("cpu.db*"):
        path.unlink()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "LOG_LEVEL": "INFO"}
    env.pop("TYPESENSE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", CPU_PROBE, ",".join(operations), str(count)],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def seed(url: str) -> list[int]:
    with httpx.Client(base_url=url, timeout=30) as client:
        ids = []
        for n in range(SEEDED):
            response = client.post("/pets", json={"name": f"seed {n}", "tag": "seed"})
            response.raise_for_status()
            ids.append(response.json()["id"])
    return ids


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else 0


def table(results: dict[tuple[str, str], Figures], operations: list[str]) -> str:
    lines = [
        (
            "| operation | service | req/s min | req/s median | p50 ms | p99 ms | errors "
            "| ratio (median) | ratio (min) |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    names = list(dict.fromkeys(name for _, name in results))
    for operation in operations:
        hand = results[(operation, "hand-written")]
        for name in names:
            fig = results[(operation, name)]
            errors = ", ".join(f"{n} x {s}" for s, n in sorted(fig.errors.items())) or "0"
            ratios = ("", "")
            if name != "hand-written":
                ratio_median = statistics.median(fig.rates) / statistics.median(hand.rates)
                ratio_min = min(fig.rates) / min(hand.rates)
                ratios = (f"**{ratio_median:.2f}×**", f"{ratio_min:.2f}×")
            lines.append(
                f"| {operation} | {name} | {min(fig.rates):.0f} | "
                f"{statistics.median(fig.rates):.0f} | {statistics.median(fig.p50):.1f} | "
                f"{statistics.median(fig.p99):.1f} | {errors} | {ratios[0]} | {ratios[1]} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1500, help="per operation and round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--operations", default="get one,list,create,update", help="comma-separated"
    )
    parser.add_argument("--keep", type=Path, help="build the services here and keep them")
    parser.add_argument(
        "--before",
        type=Path,
        help="also serve the service another checkout of specfirst generates (e.g. a worktree "
        "of the previous commit), as 'generated (before)'",
    )
    parser.add_argument(
        "--cpu",
        type=int,
        default=0,
        metavar="N",
        help="instead of the load: CPU microseconds per request, N requests in process",
    )
    args = parser.parse_args()
    operations = [o.strip() for o in args.operations.split(",")]

    with tempfile.TemporaryDirectory(prefix="specfirst-svcbench-") as temp:
        root = args.keep or Path(temp)
        root.mkdir(parents=True, exist_ok=True)
        spec = root / "petstore.yml"
        spec.write_text(PETSTORE, encoding="utf-8")
        builds = {"generated": REPO}
        if args.before is not None:
            builds["generated (before)"] = args.before.resolve()
        roots = {}
        for name, checkout in builds.items():
            roots[name] = root / name.replace(" (before)", "-before")
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "specfirst",
                    "generate",
                    str(spec),
                    "--out",
                    str(roots[name]),
                ],
                cwd=checkout,
                env={**os.environ, "PYTHONPATH": str(checkout)},
                check=True,
                capture_output=True,
            )
        hand = roots["hand-written"] = root / "hand-written"
        (hand / "app").mkdir(parents=True, exist_ok=True)
        (hand / "app" / "__init__.py").write_text("", encoding="utf-8")
        (hand / "app" / "main.py").write_text(HAND_WRITTEN, encoding="utf-8")
        for directory in roots.values():
            for path in directory.glob("bench.db*"):
                path.unlink()

        if args.cpu:
            cpu = {
                name: cpu_per_request(path, operations, args.cpu) for name, path in roots.items()
            }
            print(f"CPU µs per request (in process, {args.cpu} requests, best of 3):\n")
            print(
                "| operation | " + " | ".join(cpu) + " | ratio (hand-written CPU / generated CPU) |"
            )
            print("|---|" + "---|" * (len(cpu) + 1))
            for operation in operations:
                ratio = cpu["hand-written"][operation] / cpu["generated"][operation]
                cells = " | ".join(f"{cpu[name][operation]:.0f}" for name in cpu)
                print(f"| {operation} | {cells} | {ratio:.2f}× |")
            return

        results = {(o, s): Figures() for o in operations for s in roots}
        with contextlib.ExitStack() as stack:
            services = [stack.enter_context(Service(name, path)) for name, path in roots.items()]
            ids = {service.name: seed(service.url) for service in services}
            for round_ in range(args.rounds):
                for operation in operations:
                    order = services if round_ % 2 == 0 else services[::-1]
                    for service in order:
                        rate, latencies, errors = asyncio.run(
                            load(
                                service.url,
                                operation,
                                args.requests,
                                args.connections,
                                ids[service.name],
                            )
                        )
                        fig = results[(operation, service.name)]
                        fig.rates.append(rate)
                        fig.p50.append(percentile(latencies, 0.50))
                        fig.p99.append(percentile(latencies, 0.99))
                        fig.errors.update(errors)
                        print(
                            f"round {round_ + 1} {operation:8} {service.name:18} "
                            f"{rate:7.0f} req/s  p50 {percentile(latencies, 0.5):6.1f} ms  "
                            f"p99 {percentile(latencies, 0.99):6.1f} ms  "
                            f"errors {sum(errors.values())}",
                            flush=True,
                        )
    print(
        f"\n{args.connections} connections, {args.requests} requests per operation and round, "
        f"{args.rounds} interleaved rounds, one uvicorn worker each:\n"
    )
    print(table(results, operations))


if __name__ == "__main__":
    main()
