"""The client generates, compiles and imports for every document of the corpus.

The corpus is read from SPECFIRST_CORPUS (and public2 next to it); the test skips when it
is absent. Documents over ``LARGE`` bytes are left to ``bench/bench_client.py`` (with
``mypy --strict``), which reports the figures in README.md: generating and importing them
takes longer than this suite may spend. Each client is imported in a child interpreter, so
that nothing of one package stays behind for the next.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import corpus2_dir, corpus_dir, corpus_roots

from specfirst.client import generate_client

LARGE = 1_000_000
FOLDERS = (corpus_dir(), corpus2_dir())
DOCUMENTS = [
    (folder, document)
    for folder in FOLDERS
    for document in corpus_roots(folder)
    if document.is_file() and document.stat().st_size <= LARGE
]


@pytest.mark.skipif(not DOCUMENTS, reason="corpus not found (set SPECFIRST_CORPUS)")
@pytest.mark.parametrize(
    ("folder", "document"), DOCUMENTS, ids=[d.relative_to(f).as_posix() for f, d in DOCUMENTS]
)
def test_the_client_generates_compiles_and_imports(
    folder: Path, document: Path, tmp_path: Path
) -> None:
    result = generate_client(document, tmp_path, package="corpus_client", ref_root=folder)
    assert result.write.written and not result.changes
    check = (
        "import compileall, sys\n"
        "ok = compileall.compile_dir('corpus_client', quiet=1)\n"
        "import corpus_client\n"
        "client = corpus_client.Client(base_url='http://127.0.0.1:9')\n"
        "client.close()\n"
        "sys.exit(0 if ok else 1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
