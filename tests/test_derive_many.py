"""derive_many: several generated apps checked in one child interpreter, each on its own."""

from __future__ import annotations

import shutil
from pathlib import Path

from specfirst.pipeline import generate
from specfirst.validator.derive import derive_app, derive_many

SPECS = Path(__file__).resolve().parent / "specs"


def test_each_app_is_imported_from_its_own_directory(tmp_path: Path) -> None:
    good = tmp_path / "good"
    generate(SPECS / "envelopes.yml", good)
    broken = tmp_path / "broken"
    shutil.copytree(good, broken)
    main = broken / "app" / "main.py"
    main.write_text(main.read_text() + "\nraise RuntimeError('broken on purpose')\n")
    other = tmp_path / "other"
    generate(SPECS / "error_shapes.yml", other)

    answers = derive_many([(good, None), (broken, None), (other, None), (good, [])])

    assert [a.failure is None for a in answers] == [True, False, True, True]
    assert all(a.document is None for a in answers)
    failure = answers[1].failure
    assert failure is not None and "broken on purpose" in failure.error
    assert failure.where is not None and failure.where.file == "app/main.py"
    # the same verdicts as one child per app
    assert derive_app(broken, document=False).failure == failure
    assert [a.underivable for a in answers[:1]] == [derive_app(good, document=False).underivable]


def test_no_apps_no_child() -> None:
    assert derive_many([]) == []
