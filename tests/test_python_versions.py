"""Generated services import and publish the same document on every Python the project supports.

`.ci/run` makes a virtualenv with specfirst installed for each other supported Python it finds
(3.12, 3.13) and lists their interpreters in ``SPECFIRST_EXTRA_PYTHONS`` (separated by the
path separator); without it these tests skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from specfirst.pipeline import generate
from specfirst.validator.derive import derive_app

INTERPRETERS = [p for p in os.environ.get("SPECFIRST_EXTRA_PYTHONS", "").split(os.pathsep) if p]
SPECS = {
    "kitchen_sink": REPO / "tests" / "specs" / "kitchen_sink.yml",
    "repo": REPO / "openapi3_1.yml",
}


def _derive(python: str, app_dir: Path) -> dict[str, Any]:
    derived = derive_app(app_dir, interpreter=python)
    assert derived.failure is None and not derived.underivable, (python, derived)
    assert derived.document is not None
    return derived.document


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("versions")
    out: dict[str, Path] = {}
    for name, spec in SPECS.items():
        out[name] = root / name
        generate(spec, out[name])
    return out


@pytest.mark.skipif(not INTERPRETERS, reason="SPECFIRST_EXTRA_PYTHONS is not set (see .ci/run)")
@pytest.mark.parametrize("python", INTERPRETERS)
@pytest.mark.parametrize("name", sorted(SPECS))
def test_generated_app_imports_and_derives_the_same_document(
    python: str, name: str, services: dict[str, Path]
) -> None:
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version != str(sys.version_info[:2]), f"{python} is the interpreter running the tests"
    assert _derive(python, services[name]) == _derive(sys.executable, services[name])
