"""Tests for specfirst.writer: incremental, conflict-aware, crash-safe output writing."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from specfirst import writer
from specfirst.writer import (
    MANIFEST_NAME,
    STAGING_NAME,
    FormatError,
    OutputFile,
    UserFunction,
    WriteConflict,
    diff_tree,
    format_python,
    plan_changes,
    write_tree,
)

BASE = [
    OutputFile("app/main.py", "print('main')\n"),
    OutputFile("app/api/routes/pets.py", "ROUTES = ['pets']\n"),
    OutputFile("README.md", "# service\n"),
]


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every entry below `root`: file bytes, or None for directories."""
    result: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        result[rel] = None if path.is_dir() else path.read_bytes()
    return result


def mtimes(root: Path) -> dict[str, int]:
    """Nanosecond mtimes of every file below `root`."""
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*")}


def with_content(files: list[OutputFile], path: str, content: str) -> list[OutputFile]:
    """`files` with one file's content replaced."""
    return [OutputFile(f.path, content, f.user_owned) if f.path == path else f for f in files]


class Crash(BaseException):
    """Stands in for the process being killed: not caught by the writer's cleanup."""


# --------------------------------------------------------------------------- basic writing


def test_first_write_creates_files_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = write_tree(out, BASE, source="petstore.yaml")

    assert result.written == ["README.md", "app/api/routes/pets.py", "app/main.py", MANIFEST_NAME]
    assert result.unchanged == [] and result.removed == []
    assert result.summary() == "written 4, unchanged 0, removed 0"
    for file in BASE:
        assert (out / file.path).read_text() == file.content
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["source"] == "petstore.yaml"
    assert manifest["generator_version"] == "0.1.0"
    assert manifest["files"] == {
        f.path: hashlib.sha256(f.content.encode()).hexdigest()
        for f in sorted(BASE, key=lambda f: f.path)
    }
    raw = (out / MANIFEST_NAME).read_text()
    assert raw.endswith("}\n") and raw == json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    assert not (out / STAGING_NAME).exists()


def test_second_identical_run_writes_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, BASE, source="spec.yaml")
    before = snapshot(tmp_path)
    times = mtimes(tmp_path)

    result = write_tree(tmp_path, BASE, source="spec.yaml")

    assert result.written == [] and result.removed == []
    assert result.unchanged == ["README.md", "app/api/routes/pets.py", "app/main.py"]
    assert result.summary() == "written 0, unchanged 3, removed 0"
    assert snapshot(tmp_path) == before
    assert mtimes(tmp_path) == times


def test_changed_content_writes_only_that_file(tmp_path: Path) -> None:
    write_tree(tmp_path, BASE)
    times = mtimes(tmp_path)

    result = write_tree(tmp_path, with_content(BASE, "app/main.py", "print('v2')\n"))

    assert result.written == ["app/main.py", MANIFEST_NAME]
    assert (tmp_path / "app/main.py").read_text() == "print('v2')\n"
    after = mtimes(tmp_path)
    for rel in ("README.md", "app/api/routes/pets.py"):
        assert after[rel] == times[rel]
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert manifest["files"]["app/main.py"] == hashlib.sha256(b"print('v2')\n").hexdigest()


def test_dropped_file_is_removed_and_empty_dirs_pruned(tmp_path: Path) -> None:
    (tmp_path / "app/keep").mkdir(parents=True)  # an unrelated empty dir stays
    write_tree(tmp_path, BASE)

    result = write_tree(tmp_path, [f for f in BASE if f.path != "app/api/routes/pets.py"])

    assert result.removed == ["app/api/routes/pets.py"]
    assert not (tmp_path / "app/api").exists()
    assert (tmp_path / "app/main.py").exists() and (tmp_path / "app/keep").is_dir()
    assert (
        "app/api/routes/pets.py" not in json.loads((tmp_path / MANIFEST_NAME).read_text())["files"]
    )


def test_pruning_keeps_directories_that_still_hold_something(tmp_path: Path) -> None:
    write_tree(tmp_path, BASE)
    (tmp_path / "app/api/routes/notes.txt").write_text("mine\n")

    write_tree(tmp_path, [f for f in BASE if f.path != "app/api/routes/pets.py"])

    assert (tmp_path / "app/api/routes/notes.txt").read_text() == "mine\n"


def test_file_can_turn_into_directory_and_back(tmp_path: Path) -> None:
    write_tree(tmp_path, [OutputFile("app/models", "old\n")])
    write_tree(tmp_path, [OutputFile("app/models/pet.py", "new\n")])
    assert (tmp_path / "app/models/pet.py").read_text() == "new\n"
    write_tree(tmp_path, [OutputFile("app/models", "again\n")])
    assert (tmp_path / "app/models").read_text() == "again\n"


# --------------------------------------------------------------------------- conflicts


def test_hand_edit_is_detected_and_tree_untouched(tmp_path: Path) -> None:
    write_tree(tmp_path, BASE)
    (tmp_path / "app/main.py").write_text("print('my tweak')\n")
    before = snapshot(tmp_path)

    new = with_content(BASE, "app/main.py", "print('v2')\n")
    with pytest.raises(WriteConflict) as caught:
        write_tree(tmp_path, new)

    assert caught.value.paths == ["app/main.py"]
    assert "app/main.py" in str(caught.value) and "--force" in str(caught.value)
    assert snapshot(tmp_path) == before
    assert plan_changes(tmp_path, new).conflicts == {"app/main.py": writer._EDITED}


def test_hand_edit_of_a_file_to_be_removed_is_a_conflict(tmp_path: Path) -> None:
    write_tree(tmp_path, BASE)
    (tmp_path / "README.md").write_text("edited\n")
    before = snapshot(tmp_path)

    with pytest.raises(WriteConflict) as caught:
        write_tree(tmp_path, [f for f in BASE if f.path != "README.md"])

    assert caught.value.paths == ["README.md"]
    assert snapshot(tmp_path) == before


def test_force_overrides_hand_edits(tmp_path: Path) -> None:
    write_tree(tmp_path, BASE)
    (tmp_path / "app/main.py").write_text("print('my tweak')\n")
    (tmp_path / "README.md").write_text("edited\n")

    files = with_content(BASE, "app/main.py", "print('v2')\n")[:2]  # README dropped
    result = write_tree(tmp_path, files, force=True)

    assert result.written == ["app/main.py", MANIFEST_NAME]
    assert result.removed == ["README.md"]
    assert (tmp_path / "app/main.py").read_text() == "print('v2')\n"
    assert not (tmp_path / "README.md").exists()


def test_foreign_file_in_the_way_is_a_conflict(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app/main.py").write_text("someone else's\n")
    before = snapshot(tmp_path)

    with pytest.raises(WriteConflict) as caught:
        write_tree(tmp_path, BASE)

    assert caught.value.paths == ["app/main.py"]
    assert "not generated by specfirst" in str(caught.value)
    assert snapshot(tmp_path) == before

    write_tree(tmp_path, BASE, force=True)
    assert (tmp_path / "app/main.py").read_text() == BASE[0].content


def test_identical_foreign_file_is_adopted(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(BASE[2].content)
    result = write_tree(tmp_path, BASE)
    assert result.unchanged == ["README.md"]
    assert "README.md" in json.loads((tmp_path / MANIFEST_NAME).read_text())["files"]


def test_conflict_message_names_every_file(tmp_path: Path) -> None:
    write_tree(tmp_path, BASE)
    for rel in ("app/main.py", "README.md"):
        (tmp_path / rel).write_text("edited\n")
    (tmp_path / "extra.txt").write_text("foreign\n")
    files = [*with_content(BASE, "README.md", "v2\n")[1:], OutputFile("extra.txt", "gen\n")]

    with pytest.raises(WriteConflict) as caught:
        write_tree(tmp_path, files)

    assert caught.value.paths == ["README.md", "app/main.py", "extra.txt"]
    for rel in caught.value.paths:
        assert rel in str(caught.value)


def test_directory_in_the_way_cannot_be_forced(tmp_path: Path) -> None:
    (tmp_path / "app/main.py").mkdir(parents=True)
    (tmp_path / "app/main.py/data.txt").write_text("x\n")
    with pytest.raises(WriteConflict) as caught:
        write_tree(tmp_path, BASE, force=True)
    assert caught.value.paths == ["app/main.py"]
    assert (tmp_path / "app/main.py/data.txt").read_text() == "x\n"


def test_empty_directory_or_foreign_file_blocking_a_directory(tmp_path: Path) -> None:
    (tmp_path / "app/main.py").mkdir(parents=True)
    (tmp_path / "app/api").write_text("foreign\n")
    with pytest.raises(WriteConflict) as caught:
        write_tree(tmp_path, BASE, force=True)
    assert caught.value.paths == ["app/api/routes/pets.py", "app/main.py"]
    assert "app/api is not a directory" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app"]


# --------------------------------------------------------------------------- user-owned files


def test_user_owned_file_created_once_kept_and_never_removed(tmp_path: Path) -> None:
    handler = OutputFile("app/handlers/pets.py", "def list_pets(): ...\n", user_owned=True)
    result = write_tree(tmp_path, [*BASE, handler])
    assert result.created_user_files == ["app/handlers/pets.py"]
    assert "user files created 1, kept 0" in result.summary()
    assert "app/handlers/pets.py" not in json.loads((tmp_path / MANIFEST_NAME).read_text())["files"]

    (tmp_path / "app/handlers/pets.py").write_text("def list_pets(): return []\n")
    changed = OutputFile(handler.path, "def list_pets(): raise NotImplementedError\n", True)
    result = write_tree(tmp_path, [*BASE, changed])
    assert result.kept_user_files == ["app/handlers/pets.py"]
    assert result.written == [] and result.created_user_files == []
    assert (tmp_path / handler.path).read_text() == "def list_pets(): return []\n"

    result = write_tree(tmp_path, BASE)
    assert result.removed == []
    assert (tmp_path / handler.path).read_text() == "def list_pets(): return []\n"


# --------------------------------------------------------------------------- user modules

HANDLERS = "app/handlers/pets.py"
HEADER = '"""Handlers for pets: fill these in."""\n\nfrom app import models\n'


def stub(name: str) -> UserFunction:
    """A formatted handler stub, as the generator would render it."""
    return UserFunction(name, f"def {name}(request):\n    raise NotImplementedError\n")


def handler_module(*names: str) -> OutputFile:
    """The user-owned handler module declaring `names`, with a fresh content of all stubs."""
    functions = tuple(stub(name) for name in names)
    content = HEADER + "".join(f"\n\n{f.source}" for f in functions)
    return OutputFile(HANDLERS, content, user_owned=True, functions=functions)


def user_functions(root: Path) -> dict[str, list[str]]:
    return json.loads((root / MANIFEST_NAME).read_text()).get("user_functions", {})


def test_stub_module_is_created_once_and_recorded(tmp_path: Path) -> None:
    module = handler_module("list_pets", "show_pet")
    result = write_tree(tmp_path, [*BASE, module])
    assert result.created_user_files == [HANDLERS]
    assert result.updated_user_files == [] and result.orphaned_handlers == []
    assert (tmp_path / HANDLERS).read_text() == module.content
    assert user_functions(tmp_path) == {HANDLERS: ["list_pets", "show_pet"]}
    assert HANDLERS not in json.loads((tmp_path / MANIFEST_NAME).read_text())["files"]

    before, times = snapshot(tmp_path), mtimes(tmp_path)
    again = write_tree(tmp_path, [*BASE, module])
    assert again.written == [] and again.kept_user_files == [HANDLERS]
    assert again.summary() == "written 0, unchanged 3, removed 0, user files created 0, kept 1"
    assert snapshot(tmp_path) == before and mtimes(tmp_path) == times


def test_new_operation_appends_a_stub_and_keeps_the_users_code(tmp_path: Path) -> None:
    write_tree(tmp_path, [*BASE, handler_module("list_pets")])
    edited = HEADER + "\n\ndef list_pets(request):\n    return models.Pet.all()  # mine\n\n\n\n"
    (tmp_path / HANDLERS).write_text(edited)
    os.chmod(tmp_path / HANDLERS, 0o640)

    files = [*BASE, handler_module("list_pets", "find_pets", "add_pet")]
    assert plan_changes(tmp_path, files).has_changes
    result = write_tree(tmp_path, files)

    assert result.updated_user_files == [f"{HANDLERS}: +find_pets, +add_pet"]
    assert result.kept_user_files == [] and result.written == [MANIFEST_NAME]
    assert result.summary() == (
        "written 1, unchanged 3, removed 0, user files created 0, kept 0, updated 1"
    )
    text = (tmp_path / HANDLERS).read_text()
    assert text == (
        edited.rstrip("\n")
        + "\n\n\ndef find_pets(request):\n    raise NotImplementedError\n"
        + "\n\ndef add_pet(request):\n    raise NotImplementedError\n"
    )
    assert text.startswith(edited.rstrip("\n") + "\n")  # the user's code, byte for byte
    assert (tmp_path / HANDLERS).stat().st_mode & 0o777 == 0o640
    assert user_functions(tmp_path) == {HANDLERS: ["add_pet", "find_pets", "list_pets"]}
    assert not (tmp_path / STAGING_NAME).exists()

    before = snapshot(tmp_path)
    again = write_tree(tmp_path, files)
    assert again.written == [] and again.updated_user_files == []
    assert snapshot(tmp_path) == before


def test_defined_names_count_however_they_are_bound(tmp_path: Path) -> None:
    write_tree(tmp_path, [*BASE, handler_module("a")])
    (tmp_path / HANDLERS).write_text(
        "from app.impl import b\n"
        "c = make_handler()\n"
        "async def d(request): ...\n"
        "if True:\n    def e(request): ...\n"
        "def a(request): ...\n"
        "def g(request):\n    def f(request): ...\n"
    )
    result = write_tree(tmp_path, [*BASE, handler_module("a", "b", "c", "d", "e", "f")])
    assert result.updated_user_files == [f"{HANDLERS}: +f"]  # f is nested, not top level


def test_unterminated_or_empty_user_module_gets_clean_stubs(tmp_path: Path) -> None:
    write_tree(tmp_path, [*BASE, handler_module("a")])
    (tmp_path / HANDLERS).write_text("def a(request):\n    return 1")
    write_tree(tmp_path, [*BASE, handler_module("a", "b")])
    assert (tmp_path / HANDLERS).read_text() == (
        "def a(request):\n    return 1\n\n\ndef b(request):\n    raise NotImplementedError\n"
    )
    (tmp_path / HANDLERS).write_text("\n\n")
    write_tree(tmp_path, [*BASE, handler_module("a")])
    assert (tmp_path / HANDLERS).read_text() == "def a(request):\n    raise NotImplementedError\n"


def test_removed_operation_is_reported_as_orphan_and_kept(tmp_path: Path) -> None:
    write_tree(tmp_path, [*BASE, handler_module("list_pets", "delete_pet")])
    (tmp_path / HANDLERS).write_text(
        (tmp_path / HANDLERS).read_text() + "\n\ndef _private(): ...\n"
    )
    before = snapshot(tmp_path)

    files = [*BASE, handler_module("list_pets")]
    result = write_tree(tmp_path, files)
    assert result.orphaned_handlers == [
        f"{HANDLERS}: delete_pet (its operation is gone from the spec)"
    ]
    assert result.updated_user_files == [] and result.kept_user_files == [HANDLERS]
    assert result.summary().endswith("kept 1; 1 orphaned handler")
    assert {k: v for k, v in snapshot(tmp_path).items() if k != MANIFEST_NAME} == {
        k: v for k, v in before.items() if k != MANIFEST_NAME
    }
    # Reported on every run until the user deletes it; the manifest stays put meanwhile.
    manifest = (tmp_path / MANIFEST_NAME).read_bytes()
    again = write_tree(tmp_path, files)
    assert again.written == [] and len(again.orphaned_handlers) == 1
    assert (tmp_path / MANIFEST_NAME).read_bytes() == manifest

    text = (tmp_path / HANDLERS).read_text()
    (tmp_path / HANDLERS).write_text(text.replace("def delete_pet", "def _delete_pet"))
    assert write_tree(tmp_path, files).orphaned_handlers == []
    assert user_functions(tmp_path) == {HANDLERS: ["list_pets"]}
    assert diff_tree(tmp_path, files) == []


def test_module_whose_every_operation_left_the_spec(tmp_path: Path) -> None:
    write_tree(tmp_path, [*BASE, handler_module("list_pets")])
    before = (tmp_path / HANDLERS).read_bytes()
    result = write_tree(tmp_path, BASE)
    assert result.removed == [] and (tmp_path / HANDLERS).read_bytes() == before
    assert result.orphaned_handlers == [
        f"{HANDLERS}: list_pets (its operation is gone from the spec)"
    ]
    (tmp_path / HANDLERS).unlink()
    assert write_tree(tmp_path, BASE).orphaned_handlers == []
    assert user_functions(tmp_path) == {}


def test_user_helpers_are_never_reported(tmp_path: Path) -> None:
    write_tree(tmp_path, [*BASE, handler_module("list_pets")])
    (tmp_path / HANDLERS).write_text(
        (tmp_path / HANDLERS).read_text()
        + "\n\ndef paginate(items):\n    return items\n\n\nasync def audit(): ...\n"
    )
    for names in (("list_pets",), ("list_pets", "show_pet"), ("show_pet",)):
        result = write_tree(tmp_path, [*BASE, handler_module(*names)])
        assert not any("paginate" in line or "audit" in line for line in result.orphaned_handlers)
    assert result.orphaned_handlers == [
        f"{HANDLERS}: list_pets (its operation is gone from the spec)"
    ]
    assert "def paginate(items):" in (tmp_path / HANDLERS).read_text()


def test_unparsable_user_module_is_left_alone_with_a_warning(tmp_path: Path) -> None:
    write_tree(tmp_path, [*BASE, handler_module("list_pets", "delete_pet")])
    (tmp_path / HANDLERS).write_text("def list_pets(request):\n    return [\n")
    before = (tmp_path / HANDLERS).read_bytes()

    files = [*BASE, handler_module("list_pets", "show_pet")]
    result = write_tree(tmp_path, files)
    assert (tmp_path / HANDLERS).read_bytes() == before
    assert result.updated_user_files == [] and result.orphaned_handlers == []
    assert result.kept_user_files == [HANDLERS]
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"{HANDLERS}: left untouched")
    assert "SyntaxError" in result.warnings[0] and "line 2" in result.warnings[0]
    assert result.summary().endswith("; 1 warning")
    assert diff_tree(tmp_path, files) == []  # regenerating would not change it

    # Once fixed, the stub is added and the operation that left meanwhile is still reported.
    (tmp_path / HANDLERS).write_text(
        "def list_pets(request):\n    return []\n\n\ndef delete_pet(request): ...\n"
    )
    result = write_tree(tmp_path, files)
    assert result.warnings == []
    assert result.updated_user_files == [f"{HANDLERS}: +show_pet"]
    assert result.orphaned_handlers == [
        f"{HANDLERS}: delete_pet (its operation is gone from the spec)"
    ]


def test_diff_tree_flags_user_module_behind_the_spec_only(tmp_path: Path) -> None:
    files = [*BASE, handler_module("list_pets")]
    write_tree(tmp_path, files)
    (tmp_path / HANDLERS).write_text(HEADER + "\n\ndef list_pets(request):\n    return []\n")
    assert diff_tree(tmp_path, files) == []

    grown = [*BASE, handler_module("list_pets", "add_pet")]
    before = snapshot(tmp_path)
    assert diff_tree(tmp_path, grown) == [HANDLERS]
    assert snapshot(tmp_path) == before

    write_tree(tmp_path, grown)
    assert diff_tree(tmp_path, grown) == []
    text = (tmp_path / HANDLERS).read_text()
    (tmp_path / HANDLERS).write_text(text.replace("raise NotImplementedError", "return 'ok'"))
    assert diff_tree(tmp_path, grown) == []
    assert diff_tree(tmp_path, [*BASE, handler_module("list_pets")]) == []  # orphans: fine
    (tmp_path / HANDLERS).unlink()
    assert diff_tree(tmp_path, grown) == [HANDLERS]


def test_functions_are_only_for_user_owned_python_modules(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only user-owned .py modules"):
        write_tree(tmp_path, [OutputFile("app/x.py", "", functions=(stub("a"),))])
    with pytest.raises(ValueError, match="only user-owned .py modules"):
        write_tree(tmp_path, [OutputFile("x.md", "", True, (stub("a"),))])
    with pytest.raises(ValueError, match="duplicate function 'a'"):
        write_tree(tmp_path, [OutputFile("x.py", "", True, (stub("a"), stub("a")))])
    with pytest.raises(ValueError, match="does not define it"):
        write_tree(tmp_path, [OutputFile("x.py", "", True, (UserFunction("a", "def b(): ..."),))])
    assert list(tmp_path.iterdir()) == []


def test_interrupted_stub_append_rolls_forward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, [*BASE, handler_module("a")])
    files = [*BASE, handler_module("a", "b")]

    def crash(root: Path, journal: object) -> None:
        raise Crash

    real_apply = writer._apply
    monkeypatch.setattr(writer, "_apply", crash)
    with pytest.raises(Crash):
        write_tree(tmp_path, files)
    assert "def b" not in (tmp_path / HANDLERS).read_text()
    assert diff_tree(tmp_path, files) == []  # the committed journal counts as done
    monkeypatch.setattr(writer, "_apply", real_apply)

    result = write_tree(tmp_path, files)
    assert result.updated_user_files == [] and result.kept_user_files == [HANDLERS]
    assert (tmp_path / HANDLERS).read_text().count("def b(request)") == 1


# --------------------------------------------------------------------------- interruption


def test_interruption_after_commit_rolls_forward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, BASE)
    new = [
        *with_content(BASE, "app/main.py", "print('v2')\n")[:2],  # README dropped
        OutputFile("app/api/routes/users.py", "ROUTES = ['users']\n"),
        OutputFile("app/handlers/users.py", "# yours\n", user_owned=True),
    ]
    new = with_content(new, "app/api/routes/pets.py", "ROUTES = ['pets', 'v2']\n")
    real_replace = os.replace
    moved: list[str] = []

    def flaky_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == "main.py":  # journal committed; some files already moved
            raise Crash("killed mid-apply")
        moved.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", flaky_replace)
    with pytest.raises(Crash):
        write_tree(tmp_path, new, source="v2.yaml")
    monkeypatch.undo()

    assert "journal.json" in moved and "pets.py" in moved  # really half-applied
    assert (tmp_path / STAGING_NAME / "journal.json").exists()
    assert (tmp_path / "app/main.py").read_text() == "print('main')\n"
    assert diff_tree(tmp_path, new) == []  # check sees the committed state

    result = write_tree(tmp_path, new, source="v2.yaml")

    assert result.written == [] and result.removed == []
    assert not (tmp_path / STAGING_NAME).exists()
    assert (tmp_path / "app/main.py").read_text() == "print('v2')\n"
    assert (tmp_path / "app/api/routes/users.py").read_text() == "ROUTES = ['users']\n"
    assert (tmp_path / "app/handlers/users.py").read_text() == "# yours\n"
    assert not (tmp_path / "README.md").exists()
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert manifest["source"] == "v2.yaml"
    assert sorted(manifest["files"]) == [
        "app/api/routes/pets.py",
        "app/api/routes/users.py",
        "app/main.py",
    ]


def test_roll_forward_of_file_turning_into_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, [OutputFile("app/models", "old\n"), OutputFile("z.py", "z\n")])
    new = [OutputFile("app/models/a.py", "a\n"), OutputFile("app/models/b.py", "b\n")]
    real_replace = os.replace

    def flaky_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == "b.py":
            raise Crash("killed mid-apply")
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", flaky_replace)
    with pytest.raises(Crash):
        write_tree(tmp_path, new)
    monkeypatch.undo()

    assert (tmp_path / "app/models/a.py").exists() and not (tmp_path / "z.py").exists()
    assert write_tree(tmp_path, new).summary() == "written 0, unchanged 2, removed 0"
    assert sorted(snapshot(tmp_path)) == [
        MANIFEST_NAME,
        "app",
        "app/models",
        "app/models/a.py",
        "app/models/b.py",
    ]


def test_plan_changes_also_rolls_forward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, BASE)
    new = with_content(BASE, "app/main.py", "print('v2')\n")
    real_replace = os.replace

    def flaky_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == MANIFEST_NAME:
            raise Crash("killed before the manifest")
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", flaky_replace)
    with pytest.raises(Crash):
        write_tree(tmp_path, new)
    monkeypatch.undo()

    plan = plan_changes(tmp_path, new)
    assert not plan.has_changes and not plan.conflicts
    assert not (tmp_path / STAGING_NAME).exists()


def test_interruption_before_commit_leaves_old_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, BASE)
    before = snapshot(tmp_path)
    real_replace = os.replace

    def crash_at_commit(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == "journal.json":
            raise Crash("killed while staging")
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", crash_at_commit)
    new = [*with_content(BASE, "app/main.py", "print('v2')\n")[:2], OutputFile("new.py", "x\n")]
    with pytest.raises(Crash):
        write_tree(tmp_path, new)
    monkeypatch.undo()

    leftover = snapshot(tmp_path)
    assert (tmp_path / STAGING_NAME).is_dir()
    assert {k: v for k, v in leftover.items() if not k.startswith(STAGING_NAME)} == before
    assert diff_tree(tmp_path, BASE) == []  # the old tree is what counts

    assert plan_changes(tmp_path, BASE).has_changes is False
    assert snapshot(tmp_path) == before  # staging dir removed, nothing else changed
    write_tree(tmp_path, new)
    assert diff_tree(tmp_path, new) == []


def test_ordinary_error_before_commit_cleans_up_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, BASE)
    before = snapshot(tmp_path)

    def failing_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(writer.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        write_tree(tmp_path, with_content(BASE, "README.md", "v2\n"))
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------------- diff_tree


def test_diff_tree_reports_changed_missing_and_stale(tmp_path: Path) -> None:
    handler = OutputFile("app/handlers/pets.py", "# stub\n", user_owned=True)
    write_tree(tmp_path, [*BASE, handler, OutputFile("old.py", "stale\n")])
    assert diff_tree(tmp_path, [*BASE, handler, OutputFile("old.py", "stale\n")]) == []
    (tmp_path / "app/handlers/pets.py").write_text("# edited by the user: fine\n")
    before = snapshot(tmp_path)

    files = [
        *with_content(BASE, "app/main.py", "print('v2')\n"),
        handler,
        OutputFile("app/api/routes/users.py", "ROUTES = ['users']\n"),
    ]
    assert diff_tree(tmp_path, files) == ["app/api/routes/users.py", "app/main.py", "old.py"]
    assert snapshot(tmp_path) == before

    (tmp_path / "app/handlers/pets.py").unlink()
    assert "app/handlers/pets.py" in diff_tree(tmp_path, files)
    assert diff_tree(tmp_path / "missing", BASE) == sorted(f.path for f in BASE)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "../outside.py",
        "app/../../x.py",
        "app//x.py",
        "./x.py",
        "",
        "app\\x.py",
        "C:/x.py",
        MANIFEST_NAME,
        f"{STAGING_NAME}/x",
    ],
)
def test_invalid_paths_are_rejected(tmp_path: Path, path: str) -> None:
    with pytest.raises(ValueError, match="invalid output path"):
        write_tree(tmp_path, [OutputFile(path, "x\n")])
    assert list(tmp_path.iterdir()) == []


def test_duplicate_and_file_directory_clash_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"duplicate output path 'a\.py'"):
        plan_changes(tmp_path, [OutputFile("a.py", "1"), OutputFile("a.py", "2")])
    with pytest.raises(ValueError, match="'app'"):
        diff_tree(tmp_path, [OutputFile("app", "1"), OutputFile("app/x.py", "2")])


@pytest.mark.skipif(os.name != "posix", reason="needs symlinks")
def test_never_writes_through_a_symlink_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "app").symlink_to(outside, target_is_directory=True)
    with pytest.raises(WriteConflict, match="outside the output directory"):
        write_tree(out, BASE, force=True)
    assert list(outside.iterdir()) == []


# --------------------------------------------------------------------------- formatting


def test_format_python_formats_and_sorts_imports() -> None:
    ugly = OutputFile(
        "app/main.py",
        "import yaml\nfrom app import models\nimport sys, os\nimport json\n\n"
        "def f( x ):\n  return (yaml, models, sys, os, x)\n",
    )
    untouched = OutputFile("README.md", "#  not python  \n")
    stub = OutputFile("app/handlers/h.py", "x=1\n", user_owned=True)

    result = format_python([untouched, ugly, stub, OutputFile("app/models.py", "")])

    assert [f.path for f in result] == [
        "README.md",
        "app/main.py",
        "app/handlers/h.py",
        "app/models.py",
    ]
    assert result[0] is untouched
    assert result[1].content == (
        "import os\nimport sys\n\nimport yaml\n\nfrom app import models\n\n\n"
        "def f(x):\n    return (yaml, models, sys, os, x)\n"
    )
    assert result[2] == OutputFile("app/handlers/h.py", "x = 1\n", user_owned=True)


def test_format_python_formats_stubs_and_never_reads_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app/handlers").mkdir(parents=True)
    (tmp_path / "app/handlers/pets.py").write_text("def  list_pets( ):  return  1\n")
    monkeypatch.chdir(tmp_path)
    module = OutputFile(
        "app/handlers/pets.py",
        "def list_pets( ):\n  raise NotImplementedError\n",
        user_owned=True,
        functions=(UserFunction("list_pets", "def list_pets( ):\n  raise NotImplementedError"),),
    )
    [result] = format_python([module])
    expected = "def list_pets():\n    raise NotImplementedError\n"
    assert result.content == expected
    assert result.functions == (UserFunction("list_pets", expected),)
    assert (tmp_path / "app/handlers/pets.py").read_text() == "def  list_pets( ):  return  1\n"

    broken = replace(module, functions=(UserFunction("list_pets", "def list_pets(:"),))
    with pytest.raises(FormatError, match=r"pets\.py \(stub of list_pets\)") as caught:
        format_python([broken])
    assert caught.value.paths == ["app/handlers/pets.py"]


def test_format_python_ignores_cwd_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ruff]\nline-length = 20\n[tool.ruff.format]\nquote-style = "single"\n'
    )
    monkeypatch.chdir(tmp_path)
    source = 'VALUE = {"alpha": 1, "beta": 2, "gamma": 3}\n'
    assert format_python([OutputFile("build/x.py", source)])[0].content == source


def test_format_python_reports_syntax_errors() -> None:
    files = [OutputFile("app/ok.py", "x = 1\n"), OutputFile("app/bad.py", "def (:\n")]
    with pytest.raises(FormatError, match=r"app/bad\.py") as caught:
        format_python(files)
    assert caught.value.paths == ["app/bad.py"]
    assert "generator bug" in str(caught.value)
