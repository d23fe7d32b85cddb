#!/usr/bin/env bash
# `ferry run` through broker restarts and a network cut, on a private sandbox (own state dir, a
# free port offset; it kills brokers, so never on the shared one), the official Java client as
# the witness. Ferry reaches the destination through two tools/tcp-proxy instances: one in front
# of the destination NameServer, one in front of its broker (clusters.destination.
# broker_address_map sends the advertised broker address to the proxy).
# 1. an 8-queue source topic, a first wave, `ferry run`: lag 0; both proxies carried traffic;
# 2. destination broker kill -9 while the Java producer streams into the source (paced), then
#    `tools/sandbox start-process`: the daemon reports the error and catches up;
# 3. source broker kill -9 right after a wave, while the daemon is still behind (the destination
#    proxy delays every chunk 400 ms, so sends are slow), then start-process: it reports the
#    error and catches up. The producer is idle during this outage: a send cut by the kill may
#    or may not be stored, and the witness must know every message in the source;
# 4. network cut while the producer streams: both proxies blackhole new connections and reset
#    the open ones for CUT_SECONDS, then forward again: error reported, caught up;
# 5. SIGTERM: exit 0, the internal group committed every queue's max offset, and a Java consumer
#    reads the whole destination topic: nothing missing, per destination queue the source offsets
#    in order, duplicates bounded (see below). The daemon never exits on its own in between.
# Duplicate bound: the daemon is never restarted here, so it keeps its pending messages and
# checkpoints in memory; a message is written twice only when a send's outcome is unknown (the
# connection died or the request timed out after the broker may have stored it) and the batch
# is resent. Every such send logs one `send_failed` line and carries at most MAX_BATCH messages,
# so duplicates <= MAX_BATCH x (send_failed lines). Sends refused before reaching a broker also
# log the line, so the bound is loose, never wrong.
source "$(dirname "$0")/lib.sh"

export FERRY_SANDBOX_DIR=${FERRY_FAULTS_SANDBOX_DIR:-$WORK/sandbox}
export FERRY_SANDBOX_PORT_OFFSET=${FERRY_SANDBOX_PORT_OFFSET:-auto}
# Started here unless the CTest fixture (or the developer) already did.
own_sandbox=0
if [[ ! -f "$FERRY_SANDBOX_DIR/env" ]]; then
  own_sandbox=1
  "$SANDBOX" up >"$WORK/sandbox-up.log" 2>&1 || {
    tail -n 20 "$WORK/sandbox-up.log" >&2
    fail "sandbox up failed"
  }
fi
load_env "$FERRY_SANDBOX_DIR/env"
source "$(dirname "$0")/ferry_lib.sh"

QUEUES=8
# Small batches: with the 400 ms delay of step 3 Ferry then moves at most 8 x 32 messages per
# 0.8 s round trip and falls behind the producer; and the duplicate bound is tighter.
MAX_BATCH=32
WAVE=${FERRY_FAULTS_WAVE:-4000}
RATE=${FERRY_FAULTS_RATE:-500}
CUT_SECONDS=${FERRY_FAULTS_CUT_SECONDS:-8}
src_broker=${FERRY_SOURCE_BROKER_NAMES%% *}
dst_broker=${FERRY_DESTINATION_BROKER_NAMES%% *}
dst_broker_addr=${FERRY_DESTINATION_BROKERS#*=}
dst_broker_addr=${dst_broker_addr%% *}

producer_pid=
proxy_pids=()
cleanup() {
  if [[ -n "$producer_pid" ]]; then
    kill -KILL "$producer_pid" 2>/dev/null || true
    wait "$producer_pid" 2>/dev/null || true
  fi
  stop_ferries
  for pid in "${proxy_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # A broker this test stopped is started again, so the fixture's `down` finds it as it was.
  for b in $src_broker $dst_broker; do
    if ! "$SANDBOX" status >/dev/null 2>&1; then
      "$SANDBOX" start-process "$b" >/dev/null 2>&1 || true
    fi
  done
  ((own_sandbox)) && { "$SANDBOX" down >/dev/null 2>&1 || true; }
  cleanup_work
}
trap cleanup EXIT

# start_proxy <name> <target>: a tcp-proxy in front of target; sets <name>_port and <name>_ctl.
start_proxy() {
  local name=$1 i
  "$REPO_ROOT/tools/tcp-proxy" --listen 127.0.0.1:0 --target "$2" --control 127.0.0.1:0 \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  proxy_pids+=($!)
  for ((i = 0; i < 200; i++)); do
    [[ -s "$WORK/$name.out" ]] && break
    kill -0 "${proxy_pids[-1]}" 2>/dev/null || fail "tcp-proxy $name exited: $(cat "$WORK/$name.err")"
    sleep 0.05
  done
  read -r "${name}_port" "${name}_ctl" < <(python3 -c \
    'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r["port"], r["control_port"])' \
    "$WORK/$name.out") || fail "tcp-proxy $name: no ready line"
}

# ctl <control port> <command...>: one control command; fails the test unless the answer is ok.
ctl() {
  local answer
  answer=$(python3 - "$@" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall((" ".join(sys.argv[2:]) + "\n").encode())
print(s.makefile().readline().strip())
PY
  ) || fail "tcp-proxy control $*: no answer"
  [[ "$answer" == ok* ]] || fail "tcp-proxy control $*: $answer"
  printf '%s\n' "$answer"
}

# wait_error_since <ms> <what>: a queue's (or the task's) last_error is newer than ms: the outage
# shows in `ferry status` while it lasts.
wait_error_since() {
  local deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    ferry_alive
    if "$FERRY" status --config "$CONFIG" --json >"$WORK/status-err.json" 2>/dev/null &&
      python3 "$CHECK" error-since "$WORK/status-err.json" "$1" >"$WORK/error.out" 2>&1; then
      log "$2: $(cat "$WORK/error.out")"
      return 0
    fi
    sleep 0.5
  done
  fail "$2: ferry status showed no error newer than the fault within 60 s"
}

# produce <wave> <start index> <count> [extra driver args...]: in the background; sets producer_pid.
produce() {
  local wave=$1 start=$2 count=$3
  shift 3
  "$DRIVER" produce --namesrv "$FERRY_SOURCE_NAMESRV" --topic "$topic" --count "$count" \
    --start-index "$start" --key-prefix "k-" --tag TagA --prop color=blue --prop "run=$run_id" \
    "$@" >"$WORK/sent-$wave" 2>"$WORK/sent-$wave.err" &
  producer_pid=$!
}

topic=$(unique faults)
task=$(unique faults-task)
run_id=$(basename "$WORK")
admin_port=$(free_port)
start_proxy nsproxy "$FERRY_DESTINATION_NAMESRV"
start_proxy brproxy "$dst_broker_addr"
# shellcheck disable=SC2154 # set by start_proxy
log "sandbox offset $FERRY_SANDBOX_PORT_OFFSET; destination NameServer via :$nsproxy_port, broker $dst_broker_addr via :$brproxy_port"
CONFIG=$WORK/ferry.yaml
cat >"$CONFIG" <<EOF
# written by replicate_faults.sh
clusters:
  source:
    namesrv: "$FERRY_SOURCE_NAMESRV"
  destination:
    namesrv: "127.0.0.1:$nsproxy_port"
    broker_address_map:
      "$dst_broker_addr": "127.0.0.1:$brproxy_port"
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
total=0

log "1. $WAVE messages into an 8-queue source topic, then ferry run"
driver "$WORK/create" create-topic --namesrv "$FERRY_SOURCE_NAMESRV" --cluster "$FERRY_SOURCE_CLUSTER" \
  --topic "$topic" --queues "$QUEUES"
produce 1 $total "$WAVE"
wait_producer "$producer_pid" "$WORK/sent-1"
total=$((total + WAVE))
start_ferry "$CONFIG" ferry
wait_caught_up $total 300
for p in nsproxy brproxy; do
  c=${p}_ctl
  ctl "${!c}" status | python3 -c 'import json,sys; s=json.loads(sys.stdin.read()[3:]); assert s["bytes_c2s"] > 0, s' ||
    fail "$p carried no Ferry traffic"
done

log "2. destination broker $dst_broker: kill -9 while $((2 * WAVE)) messages stream in at $RATE/s"
produce 2 $total $((2 * WAVE)) --rate "$RATE"
wait_reported $((total + WAVE / 2)) "$producer_pid"
t0=$(now_ms)
"$SANDBOX" stop-process "$dst_broker" --kill 2>>"$WORK/sandbox.log"
wait_error_since "$t0" "destination broker down"
"$SANDBOX" start-process "$dst_broker" 2>>"$WORK/sandbox.log" || fail "destination broker did not start again"
log "destination broker back after $((($(now_ms) - t0) / 1000)) s"
wait_producer "$producer_pid" "$WORK/sent-2"
producer_pid=
total=$((total + 2 * WAVE))
wait_caught_up $total 300

log "3. source broker $src_broker: kill -9 right after $WAVE messages, the daemon behind"
# Each chunk to and from the destination broker waits 400 ms: a send takes at least 0.8 s, so
# Ferry (at most 8 queues x MAX_BATCH messages per round trip) falls behind the producer.
ctl "$brproxy_ctl" delay 400 >/dev/null
produce 3 $total "$WAVE"
# Kill as soon as the producer reports its last send (not after its JVM exits).
deadline=$((SECONDS + 300))
until grep -q '"event":"done"' "$WORK/sent-3" || ! kill -0 "$producer_pid" 2>/dev/null; do
  ((SECONDS < deadline)) || fail "producer of wave 3 not done within 300 s"
  sleep 0.1
done
t0=$(now_ms)
"$SANDBOX" stop-process "$src_broker" --kill 2>>"$WORK/sandbox.log"
total=$((total + WAVE))
left=$(reported_checkpoints)
[[ "$left" =~ ^[0-9]+$ ]] && left=$((total - left))
log "source broker killed with $left of $total messages not yet replicated"
wait_producer "$producer_pid" "$WORK/sent-3"
producer_pid=
ctl "$brproxy_ctl" delay 0 >/dev/null
wait_error_since "$t0" "source broker down"
"$SANDBOX" start-process "$src_broker" 2>>"$WORK/sandbox.log" || fail "source broker did not start again"
log "source broker back after $((($(now_ms) - t0) / 1000)) s"
wait_caught_up $total 300

log "4. network to the destination cut for $CUT_SECONDS s while $((2 * WAVE)) messages stream in"
produce 4 $total $((2 * WAVE)) --rate "$RATE"
wait_reported $((total + WAVE / 2)) "$producer_pid"
t0=$(now_ms)
for c in "$nsproxy_ctl" "$brproxy_ctl"; do
  ctl "$c" blackhole on >/dev/null
  log "cut: $(ctl "$c" drop)"
done
wait_error_since "$t0" "network cut"
while (($(now_ms) < t0 + CUT_SECONDS * 1000)); do sleep 0.2; done
for c in "$nsproxy_ctl" "$brproxy_ctl"; do ctl "$c" blackhole off >/dev/null; done
log "network restored after $((($(now_ms) - t0) / 1000)) s"
wait_producer "$producer_pid" "$WORK/sent-4"
producer_pid=
total=$((total + 2 * WAVE))
wait_caught_up $total 300

log "5. SIGTERM, then the Java consumer reads everything from the destination"
stop_daemon
send_failures=$(grep -c 'send_failed' "$WORK/ferry.log" || true)
log "ferry logged $send_failures send_failed line(s)"
# kills = unknown-outcome sends, one batch each
verify_replicated "$topic" "$task" "$total" "$send_failures" "$MAX_BATCH" 1
pass
