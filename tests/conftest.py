"""Shared fixtures: repository paths and the public corpus (tests that need it skip without it)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The Typesense server fixture, registered before any test module imports typesense_server so
# that pytest rewrites its asserts (a test module's own pytest_plugins comes after its imports).
pytest_plugins = ["typesense_server"]

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "openapi3_1.yml"

# The foundation list: every one of these must generate, import, answer and validate cleanly.
FOUNDATION_DOCUMENTS = (
    "ensemble_service",
    "fountainai_v4_action",
    "fountainai_v4_central_sequence",
    "fountainai_v4_character",
    "fountainai_v4_core_script",
    "fountainai_v4_ensemble",
    "fountainai_v4_paraphrase",
    "fountainai_v4_session_context",
    "fountainai_v4_spoken_word",
    "fountainai_v4_story_factory",
    "oai30_petstore",
    "oai30_petstore_expanded",
    "oai30_uspto",
    "oai30_api_with_examples",
    "oai31_tictactoe",
    "swagger_petstore3",
    "manifold_catalog",
    "spotify_web_api_fixed",
)


def _forget_app_modules() -> None:
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        del sys.modules[name]


@contextlib.contextmanager
def importable_service(root: Path) -> Iterator[None]:
    """The generated tree ``root``'s package importable as ``app`` in this process: every
    ``app`` module imported before (another tree's) is forgotten first, and this tree's
    after, so that no test sees another test's service under the same name."""
    _forget_app_modules()
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        _forget_app_modules()


@pytest.fixture
def fresh_app_modules() -> Iterator[None]:
    """For a test that imports a generated tree as ``app`` itself (its folder on sys.path):
    no ``app`` module of another tree before it, none of its own after it."""
    _forget_app_modules()
    yield
    _forget_app_modules()


def corpus_dir() -> Path:
    return Path(os.environ.get("SPECFIRST_CORPUS", REPO.parent / "shared" / "corpus" / "public"))


def corpus2_dir() -> Path:
    """The second corpus folder (real APIs): $SPECFIRST_CORPUS2, else ``public2`` next to
    the first one."""
    default = corpus_dir().parent / "public2"
    return Path(os.environ.get("SPECFIRST_CORPUS2", default))


def corpus_roots(folder: Path) -> list[Path]:
    """The root document of every description in a corpus folder: the ``file`` column of its
    SOURCES.tsv when it has one (multi-file descriptions live in sub-folders), else every
    YAML and JSON file in it; ``[]`` when the folder is absent."""
    if not folder.is_dir():
        return []
    sources = folder / "SOURCES.tsv"
    if sources.is_file():
        rows = [line.split("\t") for line in sources.read_text().splitlines() if line.strip()]
        if rows and "file" in rows[0]:
            column = rows[0].index("file")
            return [folder / row[column] for row in rows[1:] if len(row) > column]
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json"))


def corpus_document(name: str) -> Path:
    """The corpus file for a short name, or a clean skip when the corpus is not here."""
    root = corpus_dir()
    if not root.is_dir():
        pytest.skip(f"corpus not found at {root} (set SPECFIRST_CORPUS)")
    matches = sorted(root.glob(f"{name}.y*ml")) + sorted(root.glob(f"{name}.json"))
    if not matches:
        pytest.skip(f"{name} not in the corpus at {root}")
    return matches[0]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def run_generated_suite(service: Path) -> subprocess.CompletedProcess[str]:
    """The generated service's own pytest suite, run in a child with a bare environment."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=service,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
