"""The committed service/ is exactly what the generator writes for openapi3_1.yml, and it validates."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_golden_record_is_current_and_faithful() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "specfirst", "check", "openapi3_1.yml", "--out", "service"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 discrepancies" in result.stdout
