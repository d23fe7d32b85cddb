#!/usr/bin/env bash
# `ferry run` at scale, on a sandbox with one or two brokers per cluster, the official Java client
# as the witness:
# 1. an 8-queue source topic: with B brokers per cluster, 8/B queues on every source master
#    (create-topic --cluster creates the given count on each master and waits for the route);
# 2. N messages (default 100,000; keys, tag, two user properties) from the Java producer, single
#    sends, asynchronous with one send in flight per queue (so each queue's order is the send
#    order) and 8 in all;
# 3. `ferry run` creates the destination topic (8/B queues on every destination master, 8 in all)
#    and reaches lag 0 on all 8 queues; SIGTERM exits 0 with every checkpoint committed (official
#    admin API);
# 4. a Java consumer reads the whole destination topic: every one of the N messages arrived once
#    (no kill, so no duplicate is allowed), body, keys, tags, user properties and UNIQ_KEY
#    identical, stamped with its source position; per destination queue one source queue, its
#    offsets in increasing order without a gap (replicate_checks.py replicated), and every
#    destination broker received its share (replicate_checks.py spread).
# FERRY_SCALE_COUNT sets N.
source "$(dirname "$0")/lib.sh"
load_env
source "$(dirname "$0")/ferry_lib.sh"
trap 'stop_ferries; cleanup_work' EXIT

N=${FERRY_SCALE_COUNT:-100000}
QUEUES=8
MAX_BATCH=256
BROKERS=${FERRY_BROKERS_PER_CLUSTER:-1}
((QUEUES % BROKERS == 0)) || fail "$QUEUES queues do not split over $BROKERS brokers"
PER_BROKER=$((QUEUES / BROKERS))
topic=$(unique scale)
task=$(unique scale-task)
run_id=$(basename "$WORK")
CONFIG=$WORK/ferry.yaml
cat >"$CONFIG" <<EOF
# written by replicate_scale.sh
clusters:
  source: { namesrv: "$FERRY_SOURCE_NAMESRV" }
  destination: { namesrv: "$FERRY_DESTINATION_NAMESRV" }
admin: { listen: "127.0.0.1:$(free_port)" }
tasks:
  - name: $task
    source: source
    destination: destination
    topics: [ $topic ]
    start: earliest
    batching: { max_messages: $MAX_BATCH }
EOF
log "topic $topic, task $task, $N messages, $BROKERS broker(s) per cluster, $PER_BROKER queues each"

# route_spread <route or create-topic output> <cluster>: the topic has PER_BROKER read and write
# queues on each of the cluster's BROKERS masters.
route_spread() {
  python3 "$CHECK" route-spread "$1" "$BROKERS" "$PER_BROKER" >&2 || fail "route of $topic in $2"
}

log "1. an $QUEUES-queue source topic over $BROKERS broker(s)"
driver "$WORK/create" create-topic --namesrv "$FERRY_SOURCE_NAMESRV" --cluster "$FERRY_SOURCE_CLUSTER" \
  --topic "$topic" --queues "$PER_BROKER"
route_spread "$WORK/create" source

log "2. $N messages from the Java producer (8 in flight, one per queue)"
driver "$WORK/sent-1" produce --namesrv "$FERRY_SOURCE_NAMESRV" --topic "$topic" --count "$N" \
  --key-prefix "k-" --tag TagA --prop color=blue --prop "run=$run_id" --inflight "$QUEUES"
log "produced: $(tail -n 1 "$WORK/sent-1")"

log "3. ferry run to lag 0, then SIGTERM"
start_ferry "$CONFIG" ferry
wait_caught_up "$N" 600
stop_daemon
driver "$WORK/route" route --namesrv "$FERRY_DESTINATION_NAMESRV" --topic "$topic"
route_spread "$WORK/route" destination

log "4. the Java consumer reads all $N from the destination"
verify_replicated "$topic" "$task" "$N" 0 "$MAX_BATCH"
python3 "$CHECK" spread "$WORK/recv" "$BROKERS" "$QUEUES" >&2 || fail "destination queues"
pass
