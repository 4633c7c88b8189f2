"""Query parameters that hold an object or an array of objects (FastAPI takes neither itself).

OpenAPI leaves their form encoding undefined; the service reads each value as JSON text,
validates it with the declared type, and publishes the parameter as the document writes it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import REPO

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPEC = REPO / "tests" / "specs" / "object_queries.yml"


def test_object_query_parameters_import_validate_and_are_read_as_json(tmp_path: Path) -> None:
    out = tmp_path / "service"
    generate(SPEC, out)
    found = validate(SPEC, out)
    assert found == [], [f"{d.pointer}: {d.spec!r} vs {d.app!r}" for d in found]
    script = textwrap.dedent(
        """
        import json, warnings
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
        from app.main import create_app
        client = TestClient(create_app())
        good = {"filters": json.dumps({"scope": "global"}), "near": json.dumps({"x": 1})}
        print(client.get("/search", params=good).status_code)
        print(client.get("/search", params={"filters": json.dumps({"scope": "nope"})}).status_code)
        print(client.get("/search", params={"filters": "not json"}).status_code)
        """
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=out,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # the valid request reaches the (unwritten) handler; the others get the declared 400
    assert done.stdout.split() == ["501", "400", "400"], done.stdout
