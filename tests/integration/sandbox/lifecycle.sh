#!/usr/bin/env bash
# Brings up a second, private sandbox (own state dir, ports shifted by
# FERRY_LIFECYCLE_PORT_OFFSET, default auto: a free offset; FERRY_LIFECYCLE_BROKERS brokers per
# cluster, default 2) beside the shared one, checks every broker is registered
# and takes messages, runs `down`, and proves that none of its processes is
# alive, none of its ports listens and its state dir is gone. Cleans up even
# when a check fails.
source "$(dirname "$0")/lib.sh"

OFFSET=${FERRY_LIFECYCLE_PORT_OFFSET:-auto}
BROKERS=${FERRY_LIFECYCLE_BROKERS:-2}
export FERRY_SANDBOX_DIR="$WORK/sandbox" FERRY_SANDBOX_PORT_OFFSET=$OFFSET
cleanup() {
  "$SANDBOX" down >/dev/null 2>&1 || true
  cleanup_work
}
trap cleanup EXIT

log "up: $BROKERS broker(s) per cluster, port offset $OFFSET, dir $FERRY_SANDBOX_DIR"
"$SANDBOX" up --brokers-per-cluster "$BROKERS" || fail "sandbox up failed"
"$SANDBOX" status >"$WORK/status" || { cat "$WORK/status" >&2; fail "status reports a problem"; }
load_env "$FERRY_SANDBOX_DIR/env"
if [[ "$OFFSET" == auto ]]; then
  [[ "$FERRY_SANDBOX_PORT_OFFSET" =~ ^[0-9]+$ ]] || fail "env has port offset $FERRY_SANDBOX_PORT_OFFSET"
else
  [[ "$FERRY_SANDBOX_PORT_OFFSET" == "$OFFSET" ]] || fail "env has port offset $FERRY_SANDBOX_PORT_OFFSET"
fi
[[ $(wc -w <<<"$FERRY_SOURCE_BROKER_NAMES") == "$BROKERS" ]] || fail "source brokers: $FERRY_SOURCE_BROKER_NAMES"
[[ $(wc -w <<<"$FERRY_DESTINATION_BROKER_NAMES") == "$BROKERS" ]] || fail "destination brokers: $FERRY_DESTINATION_BROKER_NAMES"
grep -q '192\.0\.2\.' "$FERRY_SANDBOX_DIR/env" && fail "a non-loopback address leaked into the env file"

# What must be gone after `down`: every saved pid and every port of every process
# (a broker also listens on listenPort-2 and listenPort+1).
mapfile -t procs <"$FERRY_SANDBOX_DIR/processes"
pids=() ports=()
for p in "${procs[@]}"; do
  read -r name role _ port <<<"$p"
  pids+=("$(cat "$FERRY_SANDBOX_DIR/$name/pid")")
  ports+=("$port")
  [[ "$role" == broker ]] && ports+=($((port - 2)) $((port + 1)))
done
log "processes: ${#pids[@]}, ports: ${ports[*]}"

topic=$(unique life)
produce_on() { # SOURCE|DESTINATION: every broker of the cluster takes messages
  local c=$1 ns_var="FERRY_${1}_NAMESRV" cl_var="FERRY_${1}_CLUSTER" names_var="FERRY_${1}_BROKER_NAMES"
  driver "$WORK/create-$c" create-topic --namesrv "${!ns_var}" --cluster "${!cl_var}" --topic "$topic" --queues 2
  driver "$WORK/sent-$c" produce --namesrv "${!ns_var}" --topic "$topic" --count $((2 * BROKERS)) --key-prefix life-
  check sent-brokers "$WORK/sent-$c" "${!names_var}"
}
produce_on SOURCE & p1=$!
produce_on DESTINATION & p2=$!
rc=0
wait "$p1" || rc=1
wait "$p2" || rc=1
((rc == 0)) || fail "producing on every broker failed"

log "down"
"$SANDBOX" down || fail "sandbox down failed"
for pid in "${pids[@]}"; do
  if kill -0 "$pid" 2>/dev/null; then fail "pid $pid is still alive after down"; fi
done
for port in "${ports[@]}"; do
  if [[ -n "$(ss -Hltn "sport = :$port")" ]]; then fail "port $port still listening after down"; fi
done
[[ ! -e "$FERRY_SANDBOX_DIR" ]] || fail "state dir $FERRY_SANDBOX_DIR still exists"
"$SANDBOX" down || fail "a second down is not a no-op"
pass
