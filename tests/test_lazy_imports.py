"""A command imports only what it needs (issue 12, item 6): what `generate` and its child
import check leave out, checked in a fresh interpreter, and the commands that still reach
the modules left out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from specfirst.cli import build_parser

REPO = Path(__file__).resolve().parent.parent


def _modules_after(code: str) -> set[str]:
    """The modules loaded in a fresh interpreter after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_generate_parser_leaves_fuzz_out() -> None:
    loaded = _modules_after(
        "from specfirst.cli import build_parser\n"
        "build_parser(['generate', 'x.yml', '--out', 'o']).parse_args(['generate', 'x.yml', '--out', 'o'])"
    )
    assert "specfirst.cli" in loaded
    assert "specfirst.fuzz" not in loaded
    assert "asyncio" not in loaded


def test_derive_child_and_import_check_leave_deepdiff_out() -> None:
    # What the child interpreter of `generate` imports before the app, and what the parent's
    # import check (`pipeline.check_tree`) imports.
    loaded = _modules_after(
        "import specfirst.validator.derive, specfirst.validator.run, specfirst.validator.locate"
    )
    assert "specfirst.validator.derive" in loaded
    assert "deepdiff" not in loaded


def test_package_names_still_resolve() -> None:
    from specfirst import validator
    from specfirst.validator import Discrepancy, normalize_document

    assert Discrepancy.__module__ == "specfirst.validator.compare"
    assert callable(normalize_document)
    with pytest.raises(AttributeError):
        validator.no_such_name  # noqa: B018


def test_fuzz_options_are_there_when_fuzz_is_named() -> None:
    argv = ["fuzz", "spec.yml", "--app", "svc", "--max-examples", "3"]
    args = build_parser(argv).parse_args(argv)
    assert args.max_examples == 3
    assert args.command == "fuzz"
    # the full parser (no argv) has them too
    assert build_parser().parse_args(argv).max_examples == 3


def test_fuzz_help_lists_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    from specfirst.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["fuzz", "--help"])
    assert exited.value.code == 0
    assert "--max-examples" in capsys.readouterr().out
