"""Every way a ``$ref`` could read a file outside the document's tree is refused.

Each escape goes through the command line (``specfirst plan``): exit 2, one located line
naming the referring file, line and JSON pointer of the ``$ref``, no traceback, and the
message never carries the contents of a file. An audit hook records every file opened while
the document is loaded: the secret next to the tree is never opened, and neither is a device
or a FIFO (they are refused before anything is read from them).
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from specfirst.cli import main

SECRET_TEXT = "description: TOPSECRET-0xC0FFEE\n"

DOCUMENT = """\
openapi: 3.0.3
info: {title: Escape, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          $ref: REF
"""

_opened: list[str] = []
_recording = threading.local()


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and getattr(_recording, "on", False) and args:
        target = args[0]
        if isinstance(target, (str, bytes, os.PathLike)):
            _opened.append(os.fsdecode(target))


sys.addaudithook(_audit)  # hooks cannot be removed; it records only inside `_recorded`


@pytest.fixture
def recorded() -> Iterator[list[str]]:
    _opened.clear()
    _recording.on = True
    try:
        yield _opened
    finally:
        _recording.on = False


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """``tmp/secret.yaml`` (outside) and ``tmp/api/`` (the document's folder) with a symlink to
    the secret, a symlinked folder leading out, a FIFO and a sub-folder."""
    (tmp_path / "secret.yaml").write_text(SECRET_TEXT)
    api = tmp_path / "api"
    (api / "sub").mkdir(parents=True)
    (api / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    (api / "out").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(api / "pipe.yaml")
    return tmp_path


OUTSIDE = "reaches outside the root document's folder (see --ref-root); refusing to read it"
REMOTE = "is not supported (only local and relative file refs)"

ESCAPES: list[tuple[str, str, str | None]] = [
    # (id, ref ("{tmp}" is the folder holding api/ and the secret), expected message end, --ref-root)
    ("absolute", "{tmp}/secret.yaml", OUTSIDE, None),
    ("absolute-etc", "/etc/passwd", OUTSIDE, None),
    ("dotdot", "../secret.yaml", OUTSIDE, None),
    ("dotdot-deep", "sub/../../secret.yaml", OUTSIDE, None),
    ("percent-dotdot", "%2e%2e/secret.yaml", OUTSIDE, None),
    ("percent-upper-slash", "%2E%2E%2Fsecret.yaml", OUTSIDE, None),
    ("percent-mixed", "sub/%2E%2e/%2e./secret.yaml", OUTSIDE, None),
    ("percent-absolute", "%2Fetc%2Fpasswd", OUTSIDE, None),
    ("symlink-file", "link.yaml", OUTSIDE, None),
    ("symlink-folder", "out/secret.yaml", OUTSIDE, None),
    ("dev-zero", "/dev/zero", OUTSIDE, None),
    ("dev-urandom", "/dev/urandom", OUTSIDE, None),
    ("dev-zero-widened", "/dev/zero", "not a regular file; refusing to read it", "/"),
    ("dev-urandom-widened", "/dev/urandom", "not a regular file; refusing to read it", "/"),
    ("fifo", "pipe.yaml", "pipe.yaml: not a regular file; refusing to read it", None),
    ("directory", "sub", "sub: a directory; refusing to read it", None),
    ("directory-dot", "./", ".: a directory; refusing to read it", None),
    ("http", "http://127.0.0.1:9/x.yaml", REMOTE, None),
    ("https", "https://127.0.0.1:9/x.yaml#/a", REMOTE, None),
    ("file-url", "file://{tmp}/secret.yaml", REMOTE, None),
    ("file-url-upper", "FILE:///etc/passwd", REMOTE, None),
    ("network-path", "//127.0.0.1/secret.yaml", REMOTE, None),
    ("nul", "secret\x00.yaml", "holds a NUL character; refusing to read it", None),
    ("percent-nul", "../secret.yaml%00.json", "holds a NUL character; refusing to read it", None),
    ("nul-fragment", "#/components\x00", "holds a NUL character; refusing to read it", None),
]


@pytest.mark.parametrize(
    ("ref", "expected", "ref_root"), [e[1:] for e in ESCAPES], ids=[e[0] for e in ESCAPES]
)
def test_each_escape_is_refused_where_it_is_written(
    tree: Path,
    recorded: list[str],
    capsys: pytest.CaptureFixture[str],
    ref: str,
    expected: str,
    ref_root: str | None,
) -> None:
    ref = ref.replace("{tmp}", str(tree))
    spec = tree / "api" / "openapi.yaml"
    spec.write_text(DOCUMENT.replace("REF", json.dumps(ref)))
    argv = ["plan", str(spec)] + (["--ref-root", ref_root] if ref_root else [])

    assert main(argv) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    assert "TOPSECRET" not in err
    [line] = err.splitlines()
    assert line.startswith(f"{spec}:8:11: /paths/~1a/get/responses/200: "), line
    assert f"$ref {ref!r}" in line
    assert line.endswith(expected), line
    read = _outside_reads(tree, recorded)
    if ref_root == "/" or ref == "pipe.yaml":  # opened without blocking, refused before reading
        read = [path for path in read if not re.search(r"/dev/(zero|urandom)$|pipe\.yaml$", path)]
    assert read == []


def _outside_reads(tree: Path, recorded: list[str]) -> list[str]:
    """Files opened that are outside ``tree/api`` (the secret, /etc, devices) or the FIFO."""
    never = {
        "/etc/passwd",
        "/dev/zero",
        "/dev/urandom",
        str((tree / "api" / "pipe.yaml").resolve()),
    }
    outside = []
    for path in recorded:
        real = os.path.realpath(path)
        inside_tree = Path(real).is_relative_to(tree.resolve())
        if real in never or (
            inside_tree and not Path(real).is_relative_to((tree / "api").resolve())
        ):
            outside.append(real)
    return outside


def test_escapes_in_extensions_and_examples_are_data_never_read(
    tree: Path, recorded: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """``$ref`` inside ``x-`` values and example/default values is data: kept as written,
    never followed, neither by the bundler nor by the structural check."""
    secret = tree / "secret.yaml"
    refs = [str(secret), f"file://{secret}", "../secret.yaml", "%2e%2e/secret.yaml", "/dev/zero"]
    data = json.dumps([{"$ref": ref} for ref in refs])
    spec = tree / "api" / "openapi.yaml"
    spec.write_text(
        f"""\
openapi: 3.1.0
info: {{title: Data, version: "1", x-logo: {data}}}
paths:
  /a:
    x-group: {data}
    get:
      x-sample: {data}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                default: {{refs: {data}}}
                properties:
                  b: {{type: array, examples: [{data}]}}
              example: {{refs: {data}}}
              examples:
                one: {{value: {data}}}
"""
    )
    assert main(["plan", str(spec)]) == 0
    out, err = capsys.readouterr()
    assert "TOPSECRET" not in out + err
    assert _outside_reads(tree, recorded) == []
