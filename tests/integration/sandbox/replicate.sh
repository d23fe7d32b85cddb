#!/usr/bin/env bash
# `ferry run` replicating between the sandbox clusters, the official Java client as the witness:
# 1. an 8-queue topic in the source, N messages (keys, tag, user properties) from the Java
#    producer, then `ferry run` with a fresh config: `ferry status --json` reaches lag 0 on
#    every queue; the destination topic was created by Ferry (8 queues);
# 2. more messages while Ferry runs, `kill -9` of the daemon mid-stream, a restart: lag 0 again;
# 3. SIGTERM: exit 0, and the task's internal group has committed every queue's max offset
#    (official admin API, javadriver progress);
# 4. a Java consumer reads the whole destination topic: every message arrived, body, keys, tags,
#    user properties and UNIQ_KEY identical, stamps naming the source position, per destination
#    queue the source offsets in order, duplicates bounded (replicate_checks.py);
# 5. failures: a bad config (file:line:col: key, exit 4), a second daemon on the same admin port
#    (exit 5), an unreachable cluster (exit 3), `ferry status` without a daemon (exit 3).
# FERRY_REPLICATE_COUNT sets N (default 20000); the second wave is N/2.
source "$(dirname "$0")/lib.sh"
load_env

FERRY=${FERRY_BIN:-$REPO_ROOT/build/debug/bin/ferry}
[[ -x "$FERRY" ]] || fail "no ferry binary at $FERRY (build first, or set FERRY_BIN)"
CHECK="$REPO_ROOT/tests/integration/sandbox/replicate_checks.py"
N=${FERRY_REPLICATE_COUNT:-20000}
N2=$((N / 2))
QUEUES=8
MAX_BATCH=256
KILLS=1

ferry_pid=
producer_pid=
cleanup() {
  for pid in $producer_pid $ferry_pid; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  cleanup_work
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

topic=$(unique repl)
task=$(unique repl-task)
run_id=$(basename "$WORK")
admin_port=$(free_port)
CONFIG=$WORK/ferry.yaml
cat >"$CONFIG" <<EOF
# written by replicate.sh
clusters:
  source:
    namesrv: "$FERRY_SOURCE_NAMESRV"
  destination:
    namesrv: "$FERRY_DESTINATION_NAMESRV"
admin:
  listen: "127.0.0.1:$admin_port"
log:
  level: info
tasks:
  - name: $task
    source: source
    destination: destination
    topics: [ $topic ]
    start: earliest
    batching:
      max_messages: $MAX_BATCH
EOF
log "topic $topic, task $task, admin 127.0.0.1:$admin_port, N=$N"

start_ferry() {
  "$FERRY" run --config "$CONFIG" >>"$WORK/ferry.out" 2>>"$WORK/ferry.log" &
  ferry_pid=$!
}

# wait_caught_up <total> <seconds>: polls `ferry status --json` until every queue is at lag 0.
wait_caught_up() {
  local total=$1 deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    kill -0 "$ferry_pid" 2>/dev/null || { tail -n 30 "$WORK/ferry.log" >&2; fail "ferry run exited"; }
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

log "1. $N messages into an 8-queue source topic, then ferry run"
driver "$WORK/create" create-topic --namesrv "$FERRY_SOURCE_NAMESRV" --cluster "$FERRY_SOURCE_CLUSTER" \
  --topic "$topic" --queues "$QUEUES"
driver "$WORK/sent-1" produce --namesrv "$FERRY_SOURCE_NAMESRV" --topic "$topic" --count "$N" \
  --key-prefix "k-" --tag TagA --prop color=blue --prop "run=$run_id"
start_ferry
wait_caught_up "$N" 300
driver "$WORK/route" route --namesrv "$FERRY_DESTINATION_NAMESRV" --topic "$topic"
python3 - "$WORK/route" "$QUEUES" <<'PY' || fail "destination topic"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if '"route"' in l][0]
assert r["exists"], "ferry did not create the destination topic"
n = sum(q["writeQueueNums"] for q in r["queues"])
assert n == int(sys.argv[2]), "destination topic has %d queues" % n
print("destination topic created by ferry with %d queues" % n)
PY

log "2. $N2 more while ferry runs; kill -9 mid-stream; restart"
"$DRIVER" produce --namesrv "$FERRY_SOURCE_NAMESRV" --topic "$topic" --count "$N2" --start-index "$N" \
  --key-prefix "k-" --tag TagA --prop color=blue --prop "run=$run_id" >"$WORK/sent-2" 2>"$WORK/sent-2.err" &
producer_pid=$!
# Kill once the second wave is visibly under way (or the producer is done).
deadline=$((SECONDS + 120))
while ((SECONDS < deadline)) && kill -0 "$producer_pid" 2>/dev/null; do
  (($(reported_max) >= N + N2 / 4)) && break
  sleep 0.5
done
kill -KILL "$ferry_pid"
wait "$ferry_pid" 2>/dev/null || true
log "killed ferry (-9) when $(grep -c '"event":"sent"' "$WORK/sent-2") of $N2 were sent"
rc=0
wait "$producer_pid" || rc=$?
producer_pid=
((rc == 0)) || { tail -n 20 "$WORK/sent-2.err" >&2; fail "second producer exited $rc"; }
start_ferry
wait_caught_up "$((N + N2))" 300

log "3. SIGTERM: exit 0 with checkpoints committed"
kill -TERM "$ferry_pid"
rc=0
wait "$ferry_pid" || rc=$?
ferry_pid=
((rc == 0)) || { tail -n 30 "$WORK/ferry.log" >&2; fail "ferry run exited $rc after SIGTERM, expected 0"; }
grep -q "signal_received signal=SIGTERM" "$WORK/ferry.log" || fail "no signal_received line in the log"
driver "$WORK/progress" progress --namesrv "$FERRY_SOURCE_NAMESRV" --group "ferry-$task" --topic "$topic"
python3 "$CHECK" committed "$WORK/progress" "$((N + N2))" >&2 || fail "checkpoints"

log "4. the Java consumer reads everything from the destination"
driver "$WORK/offsets" offsets --namesrv "$FERRY_DESTINATION_NAMESRV" --topic "$topic"
stored=$(python3 -c 'import json,sys; print(sum(e["maxOffset"]-e["minOffset"] for e in map(json.loads, open(sys.argv[1])) if e["event"]=="offset"))' "$WORK/offsets")
log "destination holds $stored messages"
driver "$WORK/recv" consume --namesrv "$FERRY_DESTINATION_NAMESRV" --group "$(unique verify)" \
  --topic "$topic" --count "$stored" --timeout-seconds 300
python3 "$CHECK" replicated "$WORK" source "$KILLS" "$MAX_BATCH" >&2 || fail "replicated messages"

log "5. failures: bad config, admin port taken, unreachable cluster, no daemon"
# expect_exit <code> <stderr substring> <args...>
expect_exit() {
  local want=$1 text=$2 rc=0
  shift 2
  timeout 60 "$FERRY" "$@" >"$WORK/fail.out" 2>"$WORK/fail.err" || rc=$?
  ((rc == want)) || fail "ferry $* exited $rc, expected $want: $(cat "$WORK/fail.err")"
  grep -qF -- "$text" "$WORK/fail.err" || fail "ferry $*: stderr lacks '$text': $(cat "$WORK/fail.err")"
}
sed 's/^    start: earliest$/    strat: earliest/' "$CONFIG" >"$WORK/bad.yaml"
line=$(grep -n 'strat:' "$WORK/bad.yaml" | cut -d: -f1)
expect_exit 4 "bad.yaml:$line:5: tasks[0].strat" run --config "$WORK/bad.yaml"
expect_exit 4 "cannot" run --config "$WORK/missing.yaml"
start_ferry
wait_caught_up "$((N + N2))" 120
expect_exit 5 "admin.listen 127.0.0.1:$admin_port" run --config "$CONFIG"
kill -TERM "$ferry_pid"
rc=0
wait "$ferry_pid" || rc=$?
ferry_pid=
((rc == 0)) || fail "ferry run exited $rc after the second SIGTERM, expected 0"
dead_port=$(free_port)
sed "s/namesrv: \"$FERRY_DESTINATION_NAMESRV\"/namesrv: \"127.0.0.1:$dead_port\"/" "$CONFIG" >"$WORK/unreachable.yaml"
expect_exit 3 "cluster 'destination'" run --config "$WORK/unreachable.yaml"
expect_exit 3 "no answer from a Ferry daemon at 127.0.0.1:$admin_port" status --config "$CONFIG"
pass
