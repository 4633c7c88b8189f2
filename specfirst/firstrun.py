"""The first run of ``run_setup.sh --local``: accepted keys in ``.env`` and a request to try.

``python -m specfirst.firstrun keys SPEC --env-file .env`` gives every security scheme of the
document that reads keys from an environment variable an accepted key: the environment's
value when set, else the one in ``.env``, else a new random one written into ``.env`` (and
printed once, here).

``python -m specfirst.firstrun try SPEC --env-file .env --base-url URL [--check]`` prints a
``curl`` line that calls one operation of the served service with those keys (a GET that
needs no parameter value and answers 2xx, preferring one that needs a key); with
``--check`` it sends the same request and says what the service answered.

Exit codes: 0 done, 1 the check got no 2xx answer, 2 bad input (a located message, no
traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shlex
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from specfirst.ir import Api, Operation, SecurityScheme
from specfirst.steps.authentication import env_var

BASIC_USER = "local"
"""The user name of generated HTTP Basic credentials (``user:password`` entries)."""


# -- .env --------------------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a .env file (comments and blank lines skipped; values as written)."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        key = key.strip()
        if sep and key and not key.startswith("#"):
            values.setdefault(key, value.strip())
    return values


def write_env_value(path: Path, key: str, value: str) -> None:
    """Set ``key`` in a .env file: its first ``key=`` line is replaced, or a line is appended."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for index, line in enumerate(lines):
        if line.partition("=")[0].strip() == key and "=" in line:
            lines[index] = f"{key}={value}"
            break
    else:
        lines.append(f"{key}={value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


def current_value(key: str, env: Mapping[str, str], env_file: Mapping[str, str]) -> tuple[str, str]:
    """The value of a setting and where it comes from; the environment wins over .env."""
    if env.get(key, "").strip():
        return env[key].strip(), "the environment"
    if env_file.get(key, "").strip():
        return env_file[key].strip(), ".env"
    return "", ""


# -- keys --------------------------------------------------------------------------------------


def keyed_schemes(api: Api) -> dict[str, SecurityScheme]:
    """The schemes whose accepted credentials the generated service reads from a variable
    and for which a random value is a valid credential (not mutualTLS: those are
    certificate fingerprints)."""
    return {s.name: s for s in api.security_schemes.values() if s.type != "mutualTLS"}


def new_credential(scheme: SecurityScheme) -> str:
    token = secrets.token_urlsafe(24)
    if scheme.type == "http" and (scheme.scheme or "").lower() == "basic":
        return f"{BASIC_USER}:{token}"
    return token


@dataclass
class KeyReport:
    lines: list[str] = field(default_factory=list)
    generated: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created when missing): two runs that fill in the
    same .env at once do not overwrite each other's new keys."""
    import fcntl

    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_keys(api: Api, env_file: Path, env: Mapping[str, str] = os.environ) -> KeyReport:
    """Give each keyed scheme an accepted credential (see the module docstring)."""
    with _locked(env_file):
        return _ensure_keys(api, env_file, env)


def _ensure_keys(api: Api, env_file: Path, env: Mapping[str, str]) -> KeyReport:
    report = KeyReport()
    done: set[str] = set()
    for scheme in keyed_schemes(api).values():
        var = env_var(scheme.name)
        if var in done:
            continue
        done.add(var)
        value, origin = current_value(var, env, read_env_file(env_file))
        if value:
            report.lines.append(f"{var} ({scheme.name}): from {origin}")
            continue
        value = new_credential(scheme)
        write_env_value(env_file, var, value)
        report.generated[var] = value
        report.lines.append(f"{var} ({scheme.name}): generated, kept in {env_file}: {value}")
    for scheme in api.security_schemes.values():
        if scheme.type == "mutualTLS":
            report.lines.append(
                f"{env_var(scheme.name)} ({scheme.name}): mutualTLS, set the accepted certificate"
                " fingerprints yourself"
            )
    return report


# -- a request to try --------------------------------------------------------------------------


@dataclass
class TryRequest:
    url: str
    operation: Operation | None = None
    query: dict[str, str] = field(default_factory=dict)  # already in ``url``
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    basic: str | None = None  # user:password

    def curl(self) -> str:
        words = ["curl", "-i"]
        if self.basic is not None:
            words += ["-u", self.basic]
        for name, value in self.headers.items():
            words += ["-H", f"{name}: {value}"]
        if self.cookies:
            words += ["--cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items())]
        words.append(self.url)
        return shlex.join(words)

    def send(self, timeout: float = 10.0) -> int:
        headers = dict(self.headers)
        if self.basic is not None:
            import base64

            headers["Authorization"] = "Basic " + base64.b64encode(self.basic.encode()).decode()
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(self.url, headers=headers, method="GET")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


def _needs_no_values(op: Operation) -> bool:
    return "{" not in op.path and not any(p.required for p in op.parameters)


def _answers_2xx(op: Operation) -> bool:
    primary = op.primary_response()
    return primary is not None and primary.status.startswith("2")  # 2xx or 2XX


def _credentials_for(
    requirement: Mapping[str, object], api: Api, keys: Mapping[str, str]
) -> TryRequest | None:
    """Headers, query items, cookies for one requirement alternative, when every scheme has a key."""
    req = TryRequest(url="")
    for name in requirement:
        scheme = api.security_schemes.get(name)
        key = keys.get(env_var(name), "") if scheme is not None else ""
        if scheme is None or not key or scheme.type == "mutualTLS":
            return None
        if scheme.type == "apiKey":
            where = {"header": req.headers, "query": req.query, "cookie": req.cookies}[
                scheme.location or "header"
            ]
            where[scheme.param_name or ""] = key
        elif scheme.type == "http" and (scheme.scheme or "").lower() == "basic":
            req.basic = key
        elif scheme.type == "http" and (scheme.scheme or "").lower() != "bearer":
            req.headers["Authorization"] = f"{scheme.scheme} {key}"
        else:  # bearer, oauth2, openIdConnect: a bearer token
            req.headers["Authorization"] = f"Bearer {key}"
    return req


def pick_request(api: Api, base_url: str, keys: Mapping[str, str]) -> TryRequest | None:
    """A GET that needs no value and answers 2xx; one that needs a key first, then the shortest path."""
    found: list[tuple[int, int, int, TryRequest]] = []
    for index, op in enumerate(api.operations):
        if op.method != "get" or not _needs_no_values(op) or not _answers_2xx(op):
            continue
        alternatives = op.effective_security or [{}]
        for requirement in alternatives:
            req = _credentials_for(requirement, api, keys)
            if req is None:
                continue
            req.operation = op
            req.url = base_url.rstrip("/") + urllib.parse.quote(op.path, safe="/-._~!$&'()*+,;=:@")
            if req.query:
                req.url += "?" + urllib.parse.urlencode(req.query)
            anonymous = 0 if requirement else 1
            found.append((anonymous, op.path.count("/"), index, req))
            break
    if not found:
        return None
    return min(found, key=lambda item: item[:3])[3]


# -- command line ------------------------------------------------------------------------------


def _keys_from(api: Api, env_file: Path, env: Mapping[str, str]) -> dict[str, str]:
    file_values = read_env_file(env_file)
    keys: dict[str, str] = {}
    for name in api.security_schemes:
        value, _ = current_value(env_var(name), env, file_values)
        if value:
            keys[env_var(name)] = value.split(",")[0].strip()
    return keys


def main(argv: Sequence[str] | None = None) -> int:
    from specfirst.cli import run_guarded
    from specfirst.pipeline import load_api

    parser = argparse.ArgumentParser(
        prog="python -m specfirst.firstrun", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    keys = commands.add_parser("keys", help="accepted keys of the security schemes, in .env")
    tryit = commands.add_parser("try", help="a curl line that calls the served service")
    for command in (keys, tryit):
        command.add_argument("spec")
        command.add_argument("--env-file", default=".env", type=Path)
    tryit.add_argument("--base-url", required=True)
    tryit.add_argument(
        "--check", action="store_true", help="send the request and say what came back"
    )
    args = parser.parse_args(argv)

    def action() -> int:
        api = load_api(args.spec)
        if args.command == "keys":
            report = ensure_keys(api, args.env_file)
            for line in report.lines or ["the document declares no security scheme: no key needed"]:
                print(f"    {line}")
            return 0
        request = pick_request(api, args.base_url, _keys_from(api, args.env_file, os.environ))
        lines: list[str] = []
        status: int | None = None
        if request is None:
            lines.append("try:   (no GET operation that needs no parameter value; see /docs)")
        else:
            lines.append(f"try:   {request.curl()}")
            if args.check:
                try:
                    status = request.send()
                    lines.append(
                        f"       ({request.operation.wire_id if request.operation else 'it'} answered {status} just now)"
                    )
                except OSError as exc:
                    lines.append(f"       (the service did not answer it: {exc})")
        names = sorted({env_var(name) for name in keyed_schemes(api)})
        lines.append(
            f"keys:  {', '.join(names)} (in {args.env_file}; the environment wins; restart to apply a change)"
            if names
            else "keys:  none (the document declares no security scheme)"
        )
        print("\n".join(f"    {line}" for line in lines), flush=True)
        if args.check and request is not None and (status is None or not 200 <= status < 300):
            return 1
        return 0

    return run_guarded(action)


if __name__ == "__main__":
    raise SystemExit(main())
