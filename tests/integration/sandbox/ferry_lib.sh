# shellcheck shell=bash
# Helpers for the sandbox tests that run the `ferry` daemon (sourced after lib.sh and load_env).
# Every daemon a test starts goes through start_ferry, so that stop_ferries (in the test's EXIT
# trap) kills exactly those processes.

FERRY=${FERRY_BIN:-$REPO_ROOT/build/debug/bin/ferry}
[[ -x "$FERRY" ]] || fail "no ferry binary at $FERRY (build first, or set FERRY_BIN)"
CHECK="$REPO_ROOT/tests/integration/sandbox/replicate_checks.py"
FERRY_PIDS=()

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_ferry <config> <log-prefix>: `ferry run` in the background, stderr to $WORK/<prefix>.log;
# sets ferry_pid.
start_ferry() {
  "$FERRY" run --config "$1" >>"$WORK/$2.out" 2>>"$WORK/$2.log" &
  ferry_pid=$!
  FERRY_PIDS+=("$ferry_pid")
}

# stop_ferry <pid> <log-prefix>: SIGTERM, and the daemon must exit 0 (drained, checkpoints written).
stop_ferry() {
  local rc=0
  kill -TERM "$1"
  wait "$1" || rc=$?
  ((rc == 0)) || { tail -n 30 "$WORK/$2.log" >&2; fail "ferry run exited $rc after SIGTERM, expected 0"; }
}

stop_ferries() {
  local pid
  for pid in "${FERRY_PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# ferry_status <config> <out-file>: `ferry status --json`; non-zero when the daemon did not answer.
ferry_status() { "$FERRY" status --config "$1" --json >"$2" 2>"$2.err"; }

# wait_for <seconds> <what> <command...>: runs the command every second until it succeeds, while
# the last started daemon lives; fails the test with the command's output after <seconds>.
wait_for() {
  local seconds=$1 deadline=$((SECONDS + $1)) what=$2
  shift 2
  while ((SECONDS < deadline)); do
    kill -0 "$ferry_pid" 2>/dev/null || fail "ferry run exited while waiting for $what"
    if "$@" >"$WORK/wait.out" 2>&1; then
      log "$(tail -n 1 "$WORK/wait.out")"
      return 0
    fi
    sleep 1
  done
  cat "$WORK/wait.out" >&2 || true
  fail "$what not reached within $seconds s"
}
