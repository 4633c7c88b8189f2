"""The command line end to end: exit codes, summaries, refusals, and an untouched tree on bad input."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SPEC

BAD_SPECS = REPO / "tests" / "bad_specs"


def specfirst(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "specfirst", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "service"
    result = specfirst("generate", str(SPEC), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_second_generate_writes_nothing(generated: Path) -> None:
    before = snapshot(generated)
    result = specfirst("generate", str(SPEC), "--out", str(generated))
    assert result.returncode == 0, result.stderr
    assert "written 0," in result.stdout
    assert snapshot(generated) == before


def test_hand_edit_is_refused_then_forced(tmp_path: Path) -> None:
    out = tmp_path / "service"
    assert specfirst("generate", str(SPEC), "--out", str(out)).returncode == 0
    edited = out / "app" / "schemas.py"
    edited.write_text(edited.read_text() + "\n# my change\n")
    before = snapshot(out)
    refused = specfirst("generate", str(SPEC), "--out", str(out))
    assert refused.returncode == 2
    assert "app/schemas.py" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert snapshot(out) == before
    forced = specfirst("generate", str(SPEC), "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "# my change" not in edited.read_text()


@pytest.mark.parametrize("case", sorted(p.name for p in BAD_SPECS.iterdir() if p.is_dir()))
def test_bad_input_exits_2_with_located_message_and_untouched_tree(
    case: str, generated: Path, tmp_path: Path
) -> None:
    folder = BAD_SPECS / case
    spec = next(p for p in sorted(folder.iterdir()) if p.name.startswith("openapi"))
    out = tmp_path / "service"
    subprocess.run(["cp", "-a", str(generated), str(out)], check=True)
    before = snapshot(out)
    # expected.txt is what --strict refuses; a case with warnings.txt loads without it
    result = specfirst("generate", spec.name, "--out", str(out), "--strict", cwd=folder)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    expected = (folder / "expected.txt").read_text().strip()
    assert result.stderr.strip() == expected
    assert snapshot(out) == before


@pytest.mark.parametrize(
    "case",
    sorted(
        p.name for p in BAD_SPECS.iterdir() if p.is_dir() and not (p / "warnings.txt").is_file()
    ),
)
def test_unrepairable_input_is_refused_without_strict_too(
    case: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from specfirst.cli import main

    folder = BAD_SPECS / case
    monkeypatch.chdir(folder)
    spec = next(p for p in sorted(folder.iterdir()) if p.name.startswith("openapi"))
    assert main(["plan", spec.name]) == 2
    refused = capsys.readouterr().err.splitlines()
    expected = (folder / "expected.txt").read_text().splitlines()
    assert refused and set(refused) <= set(expected)


def test_check_passes_on_fresh_output_and_fails_on_stale(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "service"
    subprocess.run(["cp", "-a", str(generated), str(out)], check=True)
    ok = specfirst("check", str(SPEC), "--out", str(out))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (out / "app" / "core" / "types.py").write_text("# stale\n")
    stale = specfirst("check", str(SPEC), "--out", str(out))
    assert stale.returncode == 1
    assert "app/core/types.py" in stale.stdout


def test_missing_spec_file_is_a_clean_error(tmp_path: Path) -> None:
    result = specfirst("generate", str(tmp_path / "nope.yml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "nope.yml" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
