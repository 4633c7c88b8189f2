"""Benchmark: concurrent creates on a generated service and on a hand-written baseline.

    python bench/concurrency.py [--clients 50] [--per-client 40]

Generates the service of tests/specs/concurrent_writes.yml (notes: integer ids the service
makes; labels: string ids clients send) into a temporary directory, and writes there a small
hand-written FastAPI + SQLAlchemy + SQLite service with the same four operations, written the
way the FastAPI tutorial does it (a session per request, ``add``/``commit``/``refresh``, an
autoincrement key, the driver's default journal). Each runs under uvicorn (one worker) on
127.0.0.1 with its own SQLite file; ``--clients`` threads each send ``--per-client`` creates
at once over real HTTP (tests/load.py), first notes, then labels. Afterwards every
acknowledged item is read back.

Prints, per service and resource: creates per second (wall clock, first request to last
answer), p50 and p99 latency, errors (answers other than 201, by status), collisions (ids
acknowledged twice) and lost writes (acknowledged but not read back as answered). Nothing is
asserted: tests/test_concurrent_writes.py checks the same at a small size in CI.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from e2e_server import Server, generate
from load import (
    Outcome,
    collisions,
    create_concurrently,
    errors,
    lost_writes,
    percentile,
)

SPEC = REPO / "tests" / "specs" / "concurrent_writes.yml"

BASELINE = textwrap.dedent(
    '''\
    """A hand-written baseline: the same four operations, FastAPI tutorial style."""

    import os

    from fastapi import Depends, FastAPI, HTTPException
    from pydantic import BaseModel
    from sqlalchemy import Integer, String, create_engine
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

    engine = create_engine(os.environ["DATABASE_URL"], connect_args={"check_same_thread": False})
    SessionLocal = sessionmaker(engine)


    class Base(DeclarativeBase):
        pass


    class Note(Base):
        __tablename__ = "notes"
        id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
        text: Mapped[str] = mapped_column(String)


    class Label(Base):
        __tablename__ = "labels"
        id: Mapped[str] = mapped_column(String, primary_key=True)
        text: Mapped[str] = mapped_column(String)


    Base.metadata.create_all(engine)
    app = FastAPI()


    class NoteInput(BaseModel):
        text: str


    class NoteOut(BaseModel):
        id: int
        text: str


    class LabelBody(BaseModel):
        id: str
        text: str


    def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            db.close()


    @app.post("/notes", status_code=201, response_model=NoteOut)
    def create_note(body: NoteInput, db: Session = Depends(get_db)):
        note = Note(text=body.text)
        db.add(note)
        db.commit()
        db.refresh(note)
        return NoteOut(id=note.id, text=note.text)


    @app.get("/notes/{note_id}", response_model=NoteOut)
    def get_note(note_id: int, db: Session = Depends(get_db)):
        note = db.get(Note, note_id)
        if note is None:
            raise HTTPException(404)
        return NoteOut(id=note.id, text=note.text)


    @app.post("/labels", status_code=201, response_model=LabelBody)
    def create_label(body: LabelBody, db: Session = Depends(get_db)):
        db.add(Label(id=body.id, text=body.text))
        try:
            db.commit()
        except IntegrityError:
            raise HTTPException(409) from None
        return body


    @app.get("/labels/{label_id}", response_model=LabelBody)
    def get_label(label_id: str, db: Session = Depends(get_db)):
        label = db.get(Label, label_id)
        if label is None:
            raise HTTPException(404)
        return LabelBody(id=label.id, text=label.text)
    '''
)


def write_baseline(root: Path) -> Path:
    app = root / "app"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text("", encoding="utf-8")
    (app / "main.py").write_text(BASELINE, encoding="utf-8")
    return root


def figures(
    name: str, resource: str, outcomes: list[Outcome], seconds: float, lost: int
) -> dict[str, str]:
    latencies = [o.seconds * 1000 for o in outcomes if o.status]
    failed = Counter(o.status for o in errors(outcomes))
    return {
        "service": name,
        "creates": f"{resource} ({len(outcomes)})",
        "creates/s": f"{len(outcomes) / seconds:.0f}",
        "p50 ms": f"{percentile(latencies, 0.50):.0f}" if latencies else "-",
        "p99 ms": f"{percentile(latencies, 0.99):.0f}" if latencies else "-",
        "errors": ", ".join(f"{n} x {s or 'no answer'}" for s, n in sorted(failed.items())) or "0",
        "collisions": str(len(collisions(outcomes))),
        "lost": str(lost),
    }


def run(
    name: str, app_dir: Path, database: Path, clients: int, per_client: int
) -> list[dict[str, str]]:
    rows = []
    with Server(app_dir, {}, database) as server:
        for resource, read_path, body in (
            ("notes", "/notes/{id}", lambda c, n: {"text": f"note {c}-{n}"}),
            ("labels", "/labels/{id}", lambda c, n: {"id": f"label-{c}-{n}", "text": f"{c}-{n}"}),
        ):
            outcomes, seconds = create_concurrently(
                server.url, f"/{resource}", body, clients, per_client
            )
            lost = lost_writes(server.url, read_path, outcomes)
            rows.append(figures(name, resource, outcomes, seconds, len(lost)))
            print(rows[-1], flush=True)
            for reason in sorted({str(o.answer)[:160] for o in errors(outcomes)})[:5]:
                print(f"  not created: {reason}", flush=True)
    return rows


def table(rows: list[dict[str, str]]) -> str:
    names = list(rows[0])
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(row[n] for n in names) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--per-client", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="specfirst-concurrency-") as temp:
        root = Path(temp)
        generate(SPEC, root / "generated")
        baseline = write_baseline(root / "baseline")
        rows = run(
            "generated", root / "generated", root / "generated.db", args.clients, args.per_client
        )
        rows += run("baseline", baseline, root / "baseline.db", args.clients, args.per_client)
    print(f"\n{args.clients} clients x {args.per_client} creates, one uvicorn worker each:\n")
    print(table(rows))


if __name__ == "__main__":
    main()
