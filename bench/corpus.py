"""Corpus dashboard: generate, import, validate, test and fuzz every document of some folders.

    python bench/corpus.py DIR... [--only NAME,...] [--skip-fuzz] [--skip-suite]
        [--fuzz-max-ops N] [--jobs N] [--format text|markdown|json] [--out FILE]
        [--work DIR] [--timeout STAGE=SECONDS ...]

A folder's documents are the ``file`` column of its ``SOURCES.tsv`` when it has one (a
multi-file document is named by its root file), else every ``*.yml``/``*.yaml``/``*.json``
at its top level. For each document, in a fresh output directory, the stages are:

- ``generate``: ``python -m specfirst generate`` (exit code, warnings: lines that start
  with ``warning:`` on stdout or stderr);
- ``import``: ``import app.main`` in a child interpreter, from the output directory;
- ``validate``: ``python -m specfirst validate --format json`` (discrepancies by category);
- ``suite``: the generated tests, ``python -m pytest tests -q -p no:cacheprovider`` in the
  output directory (passed, failed, skipped, errors);
- ``fuzz``: ``python -m specfirst fuzz --max-examples 5 --seed 0 --format json`` (failures,
  server errors, spec gaps), only for documents with fewer than ``--fuzz-max-ops``
  operations.

Every stage runs in its own process group with a timeout, and is timed. A stage ends as
``ok``, ``fail`` (a located refusal, discrepancies, failing tests, an app that does not
import ...), ``crash`` (a traceback, an unexpected exit code, output that cannot be read),
``timeout`` or ``skipped`` (with the reason); whatever happens, the next document is run and
the table is printed. ``--out FILE`` writes every figure as JSON (``--format json`` prints
the same). The commands run with this checkout's ``specfirst`` first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from corpus_table import STAGES, render_markdown, render_text, totals

REPO = Path(__file__).resolve().parent.parent
DOCUMENT_SUFFIXES = (".yml", ".yaml", ".json")
DEFAULT_TIMEOUTS = {"generate": 1800, "import": 600, "validate": 1800, "suite": 1800, "fuzz": 1800}
FUZZ_ARGS = ("--max-examples", "5", "--seed", "0")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Environment the generated app and its suite see: no credentials, no DATABASE_URL.
_KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "VIRTUAL_ENV")
_SUITE_FAILED = re.compile(r"^(?:FAILED|ERROR) \S+\.py\b")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\b")
_TRACEBACK = "Traceback (most recent call last)"
_SUITE_COUNT = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)\b")


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Document:
    name: str
    path: Path
    folder: str
    ref_root: Path | None = None
    """A multi-file document whose root sits in a subfolder of the tree its files share (its
    SOURCES.tsv ``file`` has more than one folder level): that tree, passed as ``--ref-root``,
    since ``$ref`` reads only below the root document's own folder by default."""

    @property
    def ref_args(self) -> list[str]:
        return ["--ref-root", str(self.ref_root)] if self.ref_root is not None else []


def _tsv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def documents_in(folder: Path) -> list[Document]:
    """The documents of one folder (see the module docstring), in the order they are listed."""
    sources = folder / "SOURCES.tsv"
    if sources.is_file():
        rows = _tsv_rows(sources)
        if rows and "file" in rows[0]:
            found = []
            for row in rows:
                rel = (row.get("file") or "").strip()
                if rel:
                    name = (row.get("short_name") or "").strip() or Path(rel).stem
                    parts = Path(rel).parts
                    tree = folder / parts[0] if len(parts) > 2 else None
                    found.append(Document(name, folder / rel, folder.name, tree))
            return found
    return [
        Document(p.stem, p, folder.name)
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
    ]


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    """One finished command: exit code (None on timeout), output, wall seconds."""

    code: int | None
    stdout: str
    stderr: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.code is None

    @property
    def traceback(self) -> bool:
        return _TRACEBACK in self.stdout or _TRACEBACK in self.stderr


def run(cmd: Sequence[str], *, cwd: Path | None, env: dict[str, str], timeout: float) -> Run:
    """Run a command in its own process group; on timeout the whole group is killed."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        code = None
    finally:
        _kill_group(proc)  # anything the command left behind (a server, workers)
    return Run(code, out or "", err or "", time.perf_counter() - start)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _exception_line(lines: Sequence[str]) -> str | None:
    """The last ``SomeError: message`` line (a traceback's own last line may be a hint)."""
    found = [ln for ln in lines if _EXCEPTION_LINE.match(ln)]
    return found[-1] if found else None


def first_error_line(result: Run) -> str:
    """What went wrong, in one line: a traceback's exception, else the first line printed."""
    for text in (result.stderr, result.stdout):
        if _TRACEBACK in text:
            lines = [ln for ln in text.splitlines() if ln.strip() and not ln[:1].isspace()]
            exception = _exception_line(lines) or next(
                (ln for ln in reversed(lines) if not ln.startswith(_TRACEBACK)), None
            )
            if exception:
                return _shorten(exception)
    for text in (result.stderr, result.stdout):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            # "cannot import the app in DIR:" says what failed, what follows says why
            if lines[0].endswith(":") and len(lines) > 1:
                return _shorten(f"{lines[0]} {_exception_line(lines[1:]) or lines[1]}", 400)
            return _shorten(lines[0])
    return f"exit code {result.code}" if result.code is not None else ""


def _shorten(text: str, limit: int = 240) -> str:
    """The first line of ``text``, at most ``limit`` characters."""
    lines = text.strip().splitlines()
    text = lines[0].strip() if lines else ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def specfirst_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def app_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in _KEPT_ENV}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["COLUMNS"] = "300"
    return env


# --------------------------------------------------------------------------- stages


@dataclass
class Stage:
    status: str = "skipped"
    """ok, fail, crash, timeout or skipped."""
    seconds: float = 0.0
    exit: int | None = None
    error: str = ""
    """The first line of the error (or why the stage was skipped)."""
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    name: str
    folder: str
    spec: str
    operations: int | None = None
    stages: dict[str, Stage] = field(default_factory=lambda: {s: Stage() for s in STAGES})

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.stages.values())

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 2)
        for stage in data["stages"].values():
            stage["seconds"] = round(stage["seconds"], 2)
        return data


def _ended(stage: Stage, result: Run) -> bool:
    """Fill timing and the outcomes every stage shares; True when the stage is decided."""
    stage.seconds = result.seconds
    stage.exit = result.code
    if result.timed_out:
        stage.status, stage.error = "timeout", "no answer within the timeout"
        return True
    if result.traceback:
        stage.status, stage.error = "crash", first_error_line(result)
        return True
    return False


def stage_generate(doc: Document, out: Path, timeout: float) -> Stage:
    stage = Stage()
    result = run(
        [
            sys.executable,
            "-m",
            "specfirst",
            "generate",
            str(doc.path),
            "--out",
            str(out),
            *doc.ref_args,
        ],
        cwd=None,
        env=specfirst_env(),
        timeout=timeout,
    )
    warnings = [
        line.strip()
        for line in (result.stdout + "\n" + result.stderr).splitlines()
        if line.strip().startswith("warning:")
    ]
    stage.figures["warnings"] = len(warnings)
    stage.figures["warning_lines"] = warnings
    if _ended(stage, result):
        return stage
    if result.code == 0:
        stage.status = "ok"
    elif result.code in (1, 2):
        stage.status, stage.error = "fail", first_error_line(result)
    else:
        stage.status, stage.error = "crash", first_error_line(result)
    return stage


def stage_import(out: Path, timeout: float) -> Stage:
    stage = Stage()
    result = run([sys.executable, "-c", "import app.main"], cwd=out, env=app_env(), timeout=timeout)
    if result.timed_out:
        _ended(stage, result)
        return stage
    stage.seconds, stage.exit = result.seconds, result.code
    if result.code == 0:
        stage.status = "ok"
    else:  # an import error is the stage's answer (its traceback is the message), not a crash
        stage.status, stage.error = "fail", first_error_line(result)
    return stage


def stage_validate(doc: Document, out: Path, timeout: float) -> Stage:
    stage = Stage()
    result = run(
        [
            sys.executable,
            "-m",
            "specfirst",
            "validate",
            str(doc.path),
            "--app",
            str(out),
            *doc.ref_args,
            "--format",
            "json",
        ],
        cwd=None,
        env=specfirst_env(),
        timeout=timeout,
    )
    if _ended(stage, result):
        return stage
    if result.code not in (0, 1):
        stage.status = "fail" if result.code == 2 else "crash"
        stage.error = first_error_line(result)
        return stage
    try:
        found = json.loads(result.stdout)["discrepancies"]
        categories = Counter(d["category"] for d in found)
    except (ValueError, KeyError, TypeError) as exc:
        stage.status, stage.error = "crash", f"unreadable validate output: {exc}"
        return stage
    stage.figures["discrepancies"] = len(found)
    stage.figures["categories"] = dict(sorted(categories.items(), key=lambda kv: (-kv[1], kv[0])))
    stage.status = "ok" if not found else "fail"
    if found:
        stage.error = f"{len(found)} discrepancies"
    return stage


def read_suite_summary(stdout: str) -> dict[str, int] | None:
    """passed, failed, skipped, errors from pytest's last summary line (None if there is none)."""
    for line in reversed(stdout.splitlines()):
        counts = _SUITE_COUNT.findall(line)
        if counts and (" in " in line or line.startswith("=")):
            figures = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}
            for number, word in counts:
                key = "errors" if word.startswith("error") else word
                if key in figures:
                    figures[key] += int(number)
            return figures
        if "no tests ran" in line:
            return {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}
    return None


def stage_suite(out: Path, timeout: float) -> Stage:
    stage = Stage()
    result = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rfE",
            "--tb=line",
        ],
        cwd=out,
        env=app_env(),
        timeout=timeout,
    )
    if result.timed_out:
        _ended(stage, result)
        return stage
    stage.seconds, stage.exit = result.seconds, result.code
    figures = read_suite_summary(result.stdout)
    if figures is None:
        stage.status, stage.error = "crash", first_error_line(result)
        return stage
    stage.figures.update(figures)
    if result.code == 0 or (result.code == 5 and not figures["failed"] and not figures["errors"]):
        stage.status = "ok"
    else:
        stage.status = "fail"
        failed = [ln for ln in result.stdout.splitlines() if _SUITE_FAILED.match(ln)]
        stage.error = _shorten(failed[0]) if failed else first_error_line(result)
    return stage


def stage_fuzz(doc: Document, out: Path, timeout: float) -> Stage:
    stage = Stage()
    result = run(
        [
            sys.executable,
            "-m",
            "specfirst",
            "fuzz",
            str(doc.path),
            "--app",
            str(out),
            *doc.ref_args,
            *FUZZ_ARGS,
            "--format",
            "json",
        ],
        cwd=None,
        env=specfirst_env(),
        timeout=timeout,
    )
    if result.timed_out:
        _ended(stage, result)
        return stage
    stage.seconds, stage.exit = result.seconds, result.code
    if result.code not in (0, 1):
        stage.status = "fail" if result.code == 2 and not result.traceback else "crash"
        stage.error = first_error_line(result)
        return stage
    try:
        report = json.loads(result.stdout)
        failures = report["failures"]
        figures = {
            "tested": len(report.get("tested", [])),
            "skipped": len(report.get("skipped", [])),
            "failures": len(failures),
            "server_errors": sum(1 for f in failures if (f.get("status") or 0) >= 500),
            "spec_gaps": len(report.get("spec_gaps", [])),
            "errors": len(report.get("errors", [])),
        }
        if "test_cases" in report:
            figures["test_cases"] = report["test_cases"]
    except (ValueError, KeyError, TypeError) as exc:
        stage.status, stage.error = "crash", f"unreadable fuzz output: {exc}"
        return stage
    stage.figures.update(figures)
    if figures["failures"] or figures["errors"]:
        stage.status = "fail"
        first = failures[0] if failures else None
        stage.error = _shorten(
            f"{first.get('operation')}: {first.get('check')} ({first.get('status')})"
            if first
            else str(report["errors"][0])
        )
    else:
        stage.status = "ok"
    return stage


def _read_document(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return json.loads(text)
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _path_item(item: Any, base: Path, document: Any) -> Any:
    """A path item, read from its file when it is a ``$ref`` to another file, or from
    ``document`` when the ``$ref`` is local (a bundled document's ``components/pathItems``)."""
    ref = item.get("$ref") if isinstance(item, dict) else None
    if not isinstance(ref, str):
        return item
    name, _, fragment = ref.partition("#")
    target = _read_document(base / name) if name else document
    for token in filter(None, fragment.split("/")):
        target = target[token.replace("~1", "/").replace("~0", "~")]
    return target


def count_operations(doc: Document, out: Path) -> int | None:
    """Operations of the document: from the bundled document the service serves, else the
    root file (path items that are ``$ref``s to other files followed)."""
    served = out / "openapi.json"
    try:
        source = served if served.is_file() else doc.path
        document = _read_document(source)
        items = [
            _path_item(item, source.parent, document)
            for item in (document.get("paths") or {}).values()
        ]
        return sum(
            1
            for item in items
            if isinstance(item, dict)
            for method in item
            if method in HTTP_METHODS
        )
    except Exception:  # noqa: BLE001 - a document the dashboard cannot read has no count
        return None


@dataclass(frozen=True)
class Options:
    skip_fuzz: bool = False
    skip_suite: bool = False
    skip_validate: bool = False
    fuzz_max_ops: int = 300
    timeouts: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TIMEOUTS))


def _skip(result: Result, stages: Iterable[str], reason: str) -> None:
    for name in stages:
        if result.stages[name].status == "skipped" and not result.stages[name].error:
            result.stages[name].error = reason


def run_document(doc: Document, work: Path, options: Options, progress: Any = None) -> Result:
    """Every stage for one document; never raises for anything the document does."""
    result = Result(doc.name, doc.folder, str(doc.path))
    out = work / doc.folder / doc.name / "service"
    if out.exists():  # a service left by an earlier run must not stand in for this one's
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        _run_stages(doc, out, options, result, progress)
    except Exception as exc:  # noqa: BLE001 - a dashboard bug must not lose the other rows
        for stage in result.stages.values():
            if stage.status == "skipped" and not stage.error:
                stage.status, stage.error = "crash", f"dashboard: {type(exc).__name__}: {exc}"
                break
    for stage in result.stages.values():  # the same message wherever the service was written
        stage.error = stage.error.replace(str(out), "OUT")
    return result


def _run_stages(doc: Document, out: Path, options: Options, result: Result, progress: Any) -> None:
    t = options.timeouts
    stages = result.stages
    stages["generate"] = stage_generate(doc, out, t["generate"])
    _note(progress, doc, "generate", stages["generate"])
    result.operations = count_operations(doc, out)
    if not (out / "app" / "main.py").is_file():
        _skip(result, STAGES[1:], "nothing generated")
        return
    stages["import"] = stage_import(out, t["import"])
    _note(progress, doc, "import", stages["import"])
    if stages["import"].status != "ok":
        _skip(result, STAGES[2:], "the app does not import")
        return
    if options.skip_validate:
        _skip(result, ["validate"], "--skip-validate")
    else:
        stages["validate"] = stage_validate(doc, out, t["validate"])
        _note(progress, doc, "validate", stages["validate"])
    if options.skip_suite:
        _skip(result, ["suite"], "--skip-suite")
    elif not (out / "tests").is_dir():
        _skip(result, ["suite"], "no generated tests")
    else:
        stages["suite"] = stage_suite(out, t["suite"])
        _note(progress, doc, "suite", stages["suite"])
    if options.skip_fuzz:
        _skip(result, ["fuzz"], "--skip-fuzz")
    elif result.operations is None or result.operations >= options.fuzz_max_ops:
        _skip(result, ["fuzz"], f"{result.operations} operations (>= {options.fuzz_max_ops})")
    else:
        stages["fuzz"] = stage_fuzz(doc, out, t["fuzz"])
        _note(progress, doc, "fuzz", stages["fuzz"])


_print_lock = threading.Lock()


def _note(progress: Any, doc: Document, name: str, stage: Stage) -> None:
    if progress is None:
        return
    with _print_lock:
        detail = f": {stage.error}" if stage.error else ""
        print(
            f"[{doc.folder}/{doc.name}] {name} {stage.status} {stage.seconds:.1f}s{detail}",
            file=progress,
            flush=True,
        )


def run_all(
    docs: Sequence[Document],
    work: Path,
    options: Options,
    jobs: int = 1,
    progress: Any = None,
    each: Callable[[list[Result]], None] | None = None,
) -> list[Result]:
    """Run every document (``jobs`` at a time), results in the order of ``docs``.

    ``each`` is called with the results finished so far (in that order) after every document.
    """
    finished: dict[int, Result] = {}
    lock = threading.Lock()

    def one(index: int) -> Result:
        result = run_document(docs[index], work, options, progress)
        with lock:
            finished[index] = result
            if each is not None:
                each([finished[i] for i in sorted(finished)])
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, range(len(docs))))


def result_from_json(data: dict[str, Any]) -> Result:
    """A result as ``--out`` wrote it."""
    stages = {name: Stage(**st) for name, st in data["stages"].items()}
    return Result(data["name"], data["folder"], data["spec"], data.get("operations"), stages)


def merge(earlier: Sequence[Result], later: Sequence[Result]) -> list[Result]:
    """``earlier`` updated by ``later``, document by document, new documents appended.

    A stage the later run skipped on request (``--skip-suite`` ...) keeps its earlier figures,
    so e.g. a fuzz-only run completes a run made with ``--skip-fuzz``.
    """
    merged = {(r.folder, r.name): r for r in earlier}
    for r in later:
        before = merged.get((r.folder, r.name))
        if before is not None:
            stages = {
                name: before.stages[name]
                if stage.status == "skipped" and stage.error.startswith("--skip")
                else stage
                for name, stage in r.stages.items()
            }
            r = Result(r.name, r.folder, r.spec, r.operations, stages)
        merged[(r.folder, r.name)] = r
    return list(merged.values())


def to_json(results: Sequence[Result], options: Options) -> dict[str, Any]:
    return {
        "fuzz_args": list(FUZZ_ARGS),
        "fuzz_max_ops": options.fuzz_max_ops,
        "timeouts": options.timeouts,
        "python": sys.version.split()[0],
        "results": [r.to_json() for r in results],
        "totals": totals(results),
    }


# --------------------------------------------------------------------------- command line


def _timeouts(values: Sequence[str]) -> dict[str, float]:
    timeouts: dict[str, float] = dict(DEFAULT_TIMEOUTS)
    for value in values:
        stage, _, seconds = value.partition("=")
        if stage not in timeouts or not seconds:
            raise argparse.ArgumentTypeError(
                f"--timeout {value}: expected STAGE=SECONDS, STAGE one of {', '.join(STAGES)}"
            )
        timeouts[stage] = float(seconds)
    return timeouts


def select(folders: Sequence[Path], only: str | None) -> list[Document]:
    docs = [d for folder in folders for d in documents_in(folder)]
    if only:
        wanted = {n.strip() for n in only.split(",") if n.strip()}
        unknown = wanted - {d.name for d in docs}
        if unknown:
            raise SystemExit(f"error: not in the folders given: {', '.join(sorted(unknown))}")
        docs = [d for d in docs if d.name in wanted]
    return docs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, metavar="DIR")
    parser.add_argument("--only", help="comma-separated document names (short names or file stems)")
    parser.add_argument("--skip-fuzz", action="store_true")
    parser.add_argument("--skip-suite", action="store_true")
    parser.add_argument("--skip-validate", action="store_true")
    parser.add_argument(
        "--fuzz-max-ops",
        type=int,
        default=300,
        help="fuzz only documents with fewer operations (default 300)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="documents run at the same time (default 1)"
    )
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.add_argument(
        "--out",
        type=Path,
        help="write the raw results as JSON to this file (rewritten after every document)",
    )
    parser.add_argument(
        "--from",
        dest="sources",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="start from the results of earlier runs (their --out files); documents run now "
        "replace theirs. With no DIR, only renders the table.",
    )
    parser.add_argument(
        "--work", type=Path, help="keep the generated services here (default: a temporary folder)"
    )
    parser.add_argument(
        "--timeout",
        action="append",
        default=[],
        metavar="STAGE=SECONDS",
        help=f"per-stage timeout (defaults {DEFAULT_TIMEOUTS})",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    if not args.folders and not args.sources:
        parser.error("give at least one DIR (or --from FILE)")
    for folder in args.folders:
        if not folder.is_dir():
            parser.error(f"{folder}: not a folder")
    try:
        timeouts = _timeouts(args.timeout)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    options = Options(
        args.skip_fuzz, args.skip_suite, args.skip_validate, args.fuzz_max_ops, timeouts
    )
    earlier: list[Result] = []
    for source in args.sources:
        try:
            saved = json.loads(source.read_text(encoding="utf-8"))["results"]
            earlier = merge(earlier, [result_from_json(item) for item in saved])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            parser.error(f"--from {source}: not a results file ({exc})")
    docs = select(args.folders, args.only)
    progress = None if args.quiet else sys.stderr

    def save(finished: list[Result]) -> None:
        if args.out:
            data = to_json(merge(earlier, finished), options)
            partial = args.out.with_name(args.out.name + ".partial")
            partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            partial.replace(args.out)

    if not docs:
        results: list[Result] = []
    elif args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        results = run_all(docs, args.work.resolve(), options, args.jobs, progress, save)
    else:
        with tempfile.TemporaryDirectory(prefix="specfirst-corpus-") as tmp:
            results = run_all(docs, Path(tmp), options, args.jobs, progress, save)
    save(results)  # also when nothing ran: the combined file of the --from results
    results = merge(earlier, results)
    data = to_json(results, options)
    if args.format == "json":
        print(json.dumps(data, indent=2))
    elif args.format == "markdown":
        print(render_markdown(results))
    else:
        print(render_text(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
