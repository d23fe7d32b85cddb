#!/usr/bin/env bash
# `ferry run` replicating between the sandbox clusters, the official Java client as the witness:
# 1. an 8-queue topic in the source, N messages (default 100,000; keys, tag, user properties)
#    from the Java producer (asynchronous single sends, one in flight per queue, so each queue
#    keeps the send order), then `ferry run` with a fresh config: `ferry status --json` reaches
#    lag 0 on every queue; the destination topic was created by Ferry (8 queues);
# 2. N2 more messages while Ferry runs (paced), three times `kill -9` of the daemon mid-stream and
#    a restart at once: lag 0 again;
# 3. SIGTERM: exit 0, and the task's internal group has committed every queue's max offset
#    (official admin API, javadriver progress);
# 4. a Java consumer reads the whole destination topic: every message arrived, body, keys, tags,
#    user properties and UNIQ_KEY identical, stamps naming the source position, per destination
#    queue the source offsets in order, duplicates at most 2 batches per queue per kill
#    (replicate_checks.py);
# 5. failures: a bad config (file:line:col: key, exit 4), a second daemon on the same admin port
#    (exit 5), an unreachable cluster (exit 3), `ferry status` without a daemon (exit 3).
# FERRY_REPLICATE_COUNT sets N (default 100000), FERRY_REPLICATE_COUNT_2 the second wave N2
# (default 10000), sent at FERRY_REPLICATE_RATE messages/s (default 500). The same 100,000 on two
# brokers per cluster: replicate_scale.sh.
source "$(dirname "$0")/lib.sh"
load_env

source "$(dirname "$0")/ferry_lib.sh"
N=${FERRY_REPLICATE_COUNT:-100000}
N2=${FERRY_REPLICATE_COUNT_2:-10000}
QUEUES=8
MAX_BATCH=256
KILLS=3
# The second wave is paced so that it outlasts the kills and restarts: each kill then hits a
# daemon with messages still arriving (at the default 500/s, N2 takes 20 s; at 1000/s a quiet
# machine saw the third kill land after the last message was replicated).
RATE=${FERRY_REPLICATE_RATE:-500}

producer_pid=
cleanup() {
  if [[ -n "$producer_pid" ]]; then
    kill -KILL "$producer_pid" 2>/dev/null || true
    wait "$producer_pid" 2>/dev/null || true
  fi
  stop_ferries
  cleanup_work
}
trap cleanup EXIT

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

log "1. $N messages into an 8-queue source topic, then ferry run"
driver "$WORK/create" create-topic --namesrv "$FERRY_SOURCE_NAMESRV" --cluster "$FERRY_SOURCE_CLUSTER" \
  --topic "$topic" --queues "$QUEUES"
driver "$WORK/sent-1" produce --namesrv "$FERRY_SOURCE_NAMESRV" --topic "$topic" --count "$N" \
  --key-prefix "k-" --tag TagA --prop color=blue --prop "run=$run_id" --inflight "$QUEUES"
start_ferry "$CONFIG" ferry
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

log "2. $N2 more while ferry runs (at most $RATE/s); $KILLS times kill -9 mid-stream and restart"
"$DRIVER" produce --namesrv "$FERRY_SOURCE_NAMESRV" --topic "$topic" --count "$N2" --start-index "$N" \
  --key-prefix "k-" --tag TagA --prop color=blue --prop "run=$run_id" --rate "$RATE" \
  >"$WORK/sent-2" 2>"$WORK/sent-2.err" &
producer_pid=$!
# Kill k at k/(KILLS+1) of the second wave as the daemon sees it (or once the producer is done).
for ((k = 1; k <= KILLS; k++)); do
  wait_reported $((N + N2 * k / (KILLS + 1))) "$producer_pid"
  ferry_alive
  done_so_far=$(reported_checkpoints)
  kill -KILL "$ferry_pid"
  wait "$ferry_pid" 2>/dev/null || true
  log "kill $k: ferry killed (-9) with checkpoints at $done_so_far, $((N + $(grep -c '"event":"sent"' "$WORK/sent-2"))) sent"
  start_ferry "$CONFIG" ferry
done
wait_producer "$producer_pid" "$WORK/sent-2"
producer_pid=
wait_caught_up "$((N + N2))" 300

log "3. SIGTERM: exit 0 with checkpoints committed"
stop_daemon

log "4. the Java consumer reads everything from the destination"
verify_replicated "$topic" "$task" "$((N + N2))" "$KILLS" "$MAX_BATCH"

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
start_ferry "$CONFIG" ferry
wait_caught_up "$((N + N2))" 120
expect_exit 5 "admin.listen 127.0.0.1:$admin_port" run --config "$CONFIG"
stop_daemon
dead_port=$(free_port)
sed "s/namesrv: \"$FERRY_DESTINATION_NAMESRV\"/namesrv: \"127.0.0.1:$dead_port\"/" "$CONFIG" >"$WORK/unreachable.yaml"
expect_exit 3 "cluster 'destination'" run --config "$WORK/unreachable.yaml"
expect_exit 3 "no answer from a Ferry daemon at 127.0.0.1:$admin_port" status --config "$CONFIG"
pass
