"""Benchmark of the client generator (``specfirst client``).

    python bench/bench_client.py generate [--doc stripe_api_2023_09] [--peer PATH] [--install-peer] [--mypy]
    python bench/bench_client.py overhead [--calls 2000]
    python bench/bench_client.py corpus [--all]

``generate``: wall time of ``specfirst client`` on one corpus document (default: Stripe)
side by side with openapi-python-client on the same document (with ``literal_enums``;
``--peer`` names its executable; else ``bench/.peers-client/bin/openapi-python-client``,
made by ``--install-peer``, or one on PATH; without one the row says so). ``--mypy`` also
runs ``mypy --strict`` over the generated package and times it.

``overhead``: the same GET answered by a local HTTP server, ``--calls`` times through raw
httpx and through the generated client (sync and async): mean microseconds per call and
the client's overhead (building the request, credentials, parsing into the model).

``corpus``: for every corpus document (public and public2; without ``--all`` the ones
under 1 MB): generation time, ``compileall``, import, and ``mypy --strict`` time and result.

Every measurement runs in a child process; nothing is asserted. The corpus folder is
$SPECFIRST_CORPUS (default ``../shared/corpus/public`` next to the repository).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PEER_VENV = REPO / "bench" / ".peers-client"
LARGE = 1_000_000


def corpus_folders() -> list[Path]:
    first = Path(os.environ.get("SPECFIRST_CORPUS", REPO.parent / "shared" / "corpus" / "public"))
    return [first, Path(os.environ.get("SPECFIRST_CORPUS2", first.parent / "public2"))]


def documents() -> list[tuple[Path, Path]]:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import corpus_roots

    return [(folder, doc) for folder in corpus_folders() for doc in corpus_roots(folder)]


def find_document(name: str) -> tuple[Path, Path]:
    for folder, doc in documents():
        if doc.stem == name:
            return folder, doc
    raise SystemExit(f"{name}: not in the corpus folders {corpus_folders()}")


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, int, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done.returncode, done.stdout + done.stderr


def specfirst_client(doc: Path, folder: Path, out: Path, package: str) -> tuple[float, int, str]:
    cmd = [sys.executable, "-m", "specfirst", "client", str(doc), "--out", str(out)]
    return run([*cmd, "--package", package, "--ref-root", str(folder)])


def mypy_strict(out: Path, package: str) -> tuple[float, int, str]:
    return run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", package], cwd=out)


def peer_executable(given: str | None) -> str | None:
    if given:
        return given
    local = PEER_VENV / "bin" / "openapi-python-client"
    return str(local) if local.exists() else shutil.which("openapi-python-client")


def cmd_generate(args: argparse.Namespace) -> None:
    if args.install_peer:
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(PEER_VENV / "bin" / "pip"), "install", "-q", "openapi-python-client"]
        subprocess.run(pip, check=True)
    folder, doc = find_document(args.doc)
    with tempfile.TemporaryDirectory(prefix="bench-client-") as tmp:
        out = Path(tmp) / "specfirst"
        seconds, code, output = specfirst_client(doc, folder, out, "bench_client")
        files = sum(1 for p in out.rglob("*.py")) if code == 0 else 0
        lines = sum(len(p.read_text().splitlines()) for p in out.rglob("*.py")) if code == 0 else 0
        print(
            f"{doc.name}: specfirst client      {seconds:7.1f} s  exit {code}  {files} modules, {lines} lines"
        )
        if code != 0:
            print(output[-2000:])
        if args.mypy and code == 0:
            m_seconds, m_code, m_out = mypy_strict(out, "bench_client")
            print(
                f"{doc.name}: mypy --strict          {m_seconds:7.1f} s  exit {m_code}  {m_out.strip().splitlines()[-1]}"
            )
        peer = peer_executable(args.peer)
        if peer is None:
            print(
                f"{doc.name}: openapi-python-client  not installed (--install-peer or --peer PATH)"
            )
            return
        peer_out = Path(tmp) / "peer"
        config = Path(tmp) / "peer-config.yml"
        # literal enums: with Enum classes it stops at enums whose values give duplicate keys
        config.write_text("literal_enums: true\n", encoding="utf-8")
        cmd = [peer, "generate", "--path", str(doc), "--output-path", str(peer_out), "--overwrite"]
        cmd += ["--config", str(config)]
        p_seconds, p_code, p_output = run(cmd)
        p_files = sum(1 for _ in peer_out.rglob("*.py")) if peer_out.exists() else 0
        print(
            f"{doc.name}: openapi-python-client {p_seconds:7.1f} s  exit {p_code}  {p_files} modules"
        )
        if p_code != 0:
            print("  " + "\n  ".join(p_output.strip().splitlines()[-5:]))


_SERVER = """
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
BODY = json.dumps({"id": "p1", "petType": "dog", "name": "Rex", "barks": True}).encode()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *a):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""

_MEASURE = """
import asyncio, json, sys, time
import httpx
sys.path.insert(0, sys.argv[1])
import bench_overhead as api
url, calls = sys.argv[2], int(sys.argv[3])
params = {"key": "k"}
headers = {"Cookie": "session=c"}
def timed(fn):
    for _ in range(50):
        fn()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6
with httpx.Client() as raw:
    raw_us = timed(lambda: raw.get(url + "/pets/p1", params=params, headers=headers).json())
with api.Client(base_url=url, query_key="k", cookie_key="c") as client:
    client_us = timed(lambda: client.pets.get_pet("p1"))
async def atimed():
    async with httpx.AsyncClient() as raw, api.AsyncClient(base_url=url, query_key="k", cookie_key="c") as client:
        results = []
        for fn in (lambda: raw.get(url + "/pets/p1", params=params, headers=headers), lambda: client.pets.get_pet("p1")):
            for _ in range(50):
                await fn()
            start = time.perf_counter()
            for _ in range(calls):
                await fn()
            results.append((time.perf_counter() - start) / calls * 1e6)
        return results
araw_us, aclient_us = asyncio.run(atimed())
print(json.dumps({"raw": raw_us, "client": client_us, "araw": araw_us, "aclient": aclient_us}))
"""


def cmd_overhead(args: argparse.Namespace) -> None:
    spec = REPO / "tests" / "client_specs" / "constructs.yml"
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        out = Path(tmp) / "client"
        _, code, output = specfirst_client(spec, spec.parent, out, "bench_overhead")
        if code != 0:
            raise SystemExit(output)
        server = subprocess.Popen(
            [sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, text=True
        )
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            url = f"http://127.0.0.1:{port}"
            _, code, output = run([sys.executable, "-c", _MEASURE, str(out), url, str(args.calls)])
            if code != 0:
                raise SystemExit(output)
            figures = json.loads(output.strip().splitlines()[-1])
        finally:
            server.terminate()
            server.wait()
    print(f"{args.calls} GETs on loopback, mean per call:")
    for label, raw, client in (
        ("sync ", figures["raw"], figures["client"]),
        ("async", figures["araw"], figures["aclient"]),
    ):
        print(
            f"  {label}: raw httpx {raw:7.0f} us   client {client:7.0f} us   overhead {client - raw:+6.0f} us ({client / raw - 1:+.0%})"
        )


def cmd_corpus(args: argparse.Namespace) -> None:
    print(f"{'document':42} {'gen s':>6} {'import':>6} {'mypy s':>7}  mypy --strict")
    for folder, doc in documents():
        if not args.all and doc.stat().st_size > LARGE:
            continue
        with tempfile.TemporaryDirectory(prefix="bench-corpus-") as tmp:
            out = Path(tmp) / "client"
            seconds, code, output = specfirst_client(doc, folder, out, "corpus_client")
            name = doc.relative_to(folder).as_posix()[:42]
            if code != 0:
                print(f"{name:42} {seconds:6.1f}  FAILED: {output.strip().splitlines()[-1][:80]}")
                continue
            check = (
                "import compileall, corpus_client; compileall.compile_dir('corpus_client', quiet=1)"
            )
            _, i_code, _ = run([sys.executable, "-c", check], cwd=out)
            m_seconds, _, m_out = mypy_strict(out, "corpus_client")
            verdict = m_out.strip().splitlines()[-1] if m_out.strip() else ""
            imported = "ok" if i_code == 0 else "FAIL"
            print(
                f"{name:42} {seconds:6.1f} {imported:>6} {m_seconds:7.1f}  {verdict[:60]}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--doc", default="stripe_api_2023_09")
    gen.add_argument("--peer")
    gen.add_argument("--install-peer", action="store_true")
    gen.add_argument("--mypy", action="store_true")
    gen.set_defaults(run=cmd_generate)
    over = sub.add_parser("overhead")
    over.add_argument("--calls", type=int, default=2000)
    over.set_defaults(run=cmd_overhead)
    corp = sub.add_parser("corpus")
    corp.add_argument("--all", action="store_true")
    corp.set_defaults(run=cmd_corpus)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
