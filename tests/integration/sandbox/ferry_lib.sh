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

# ---- one daemon replicating one topic (replicate.sh, replicate_faults.sh) -----------------------
# The test sets CONFIG (its config file) and QUEUES (queues of its one topic), starts the daemon
# with `start_ferry "$CONFIG" ferry` (output in $WORK/ferry.log) and keeps ferry_pid.

now_ms() { date +%s%3N; }

# Fails the test when the daemon is gone (it must never exit on its own).
ferry_alive() {
  kill -0 "$ferry_pid" 2>/dev/null || {
    tail -n 30 "$WORK/ferry.log" >&2
    fail "ferry run exited on its own"
  }
}

# wait_caught_up <total> <seconds>: polls `ferry status --json` until every queue is at lag 0.
wait_caught_up() {
  local total=$1 deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    ferry_alive
    if "$FERRY" status --config "$CONFIG" --json >"$WORK/status.json" 2>"$WORK/status.err" &&
      python3 "$CHECK" caught-up "$WORK/status.json" "$QUEUES" "$total" >"$WORK/caught.out" 2>&1; then
      log "$(cat "$WORK/caught.out")"
      return 0
    fi
    sleep 1
  done
  cat "$WORK/caught.out" "$WORK/status.err" >&2 || true
  tail -n 30 "$WORK/ferry.log" >&2
  fail "not caught up with $total messages within $2 s"
}

# sum of the source max offsets the daemon reports (0 while unknown)
reported_max() {
  "$FERRY" status --config "$CONFIG" --json 2>/dev/null |
    python3 -c 'import json,sys; print(sum(q["source_max_offset"] or 0 for t in json.load(sys.stdin)["tasks"] for q in t["queues"]))' 2>/dev/null ||
    echo 0
}

# wait_reported <at least> <while pid>: until the daemon has seen that many source messages, or
# the process (a producer) is gone, or 120 s.
wait_reported() {
  local deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)) && kill -0 "$2" 2>/dev/null; do
    (($(reported_max) >= $1)) && return 0
    sleep 0.5
  done
}

# stop_daemon: SIGTERM to ferry_pid; it must exit 0 after logging the signal.
stop_daemon() {
  stop_ferry "$ferry_pid" ferry
  ferry_pid=
  grep -q "signal_received signal=SIGTERM" "$WORK/ferry.log" || fail "no signal_received line in the log"
}

# wait_producer <pid> <out file>: the background producer must exit 0.
wait_producer() {
  local rc=0
  wait "$1" || rc=$?
  ((rc == 0)) || {
    tail -n 20 "$2.err" >&2
    fail "producer $2 exited $rc"
  }
}

# verify_replicated <topic> <task> <total> <replicated-check args...>: the internal group committed
# every queue's max offset, then a Java consumer reads the whole destination topic and
# replicate_checks.py `replicated` judges it (args after <total>: kills, max batch, ...).
verify_replicated() {
  local topic=$1 task=$2 total=$3 stored
  shift 3
  driver "$WORK/progress" progress --namesrv "$FERRY_SOURCE_NAMESRV" --group "ferry-$task" --topic "$topic"
  python3 "$CHECK" committed "$WORK/progress" "$total" >&2 || fail "checkpoints"
  driver "$WORK/offsets" offsets --namesrv "$FERRY_DESTINATION_NAMESRV" --topic "$topic"
  stored=$(python3 -c 'import json,sys; print(sum(e["maxOffset"]-e["minOffset"] for e in map(json.loads, open(sys.argv[1])) if e["event"]=="offset"))' "$WORK/offsets")
  log "destination holds $stored messages"
  driver "$WORK/recv" consume --namesrv "$FERRY_DESTINATION_NAMESRV" --group "$(unique verify)" \
    --topic "$topic" --count "$stored" --timeout-seconds 300
  python3 "$CHECK" replicated "$WORK" source "$@" >&2 || fail "replicated messages"
}

# sum of the queues' checkpoints the daemon reports ("?" while it does not answer). Unlike the
# lag, which is computed from the source max offset of the last pull (stale while a queue has a
# full batch pending), the checkpoint is exact: total minus it is what is still to replicate.
reported_checkpoints() {
  "$FERRY" status --config "$CONFIG" --json 2>/dev/null |
    python3 -c 'import json,sys; print(sum(q["checkpoint"] or 0 for t in json.load(sys.stdin)["tasks"] for q in t["queues"]))' 2>/dev/null ||
    echo "?"
}
