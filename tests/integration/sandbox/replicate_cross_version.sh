#!/usr/bin/env bash
# The migration case: a RocketMQ 4.9.8 source cluster replicated by `ferry run` into a 5.3.3
# destination (sandbox `up --source-version 4.9.8`), the official Java clients as witnesses:
# 1. the 4.9.8 Java producer writes into a 4-queue source topic: plain messages (keys, tag, user
#    properties), 4.9.8 batches, and bodies above 4 KiB that the 4.9.8 client compresses (zlib);
# 2. `ferry run` creates the destination topic and reaches lag 0 on every queue; SIGTERM exits 0
#    with the task's internal group committed at every source queue's max offset (4.9.8 admin API);
# 3. the 5.3.3 Java consumer reads the destination: every message identical (body SHA-256 after
#    the client inflates it, keys, tag, properties, UNIQ_KEY), stamped with its source position,
#    per destination queue in source order, no duplicates (replicate_checks.py).
# FERRY_CROSS_VERSION_COUNT sets the number of plain messages (default 2000).
source "$(dirname "$0")/lib.sh"
load_env
source "$(dirname "$0")/ferry_lib.sh"

[[ "$FERRY_SOURCE_ROCKETMQ_VERSION" == 4.9.8 && "$FERRY_DESTINATION_ROCKETMQ_VERSION" == 5.* ]] ||
  fail "needs a sandbox up with --source-version 4.9.8 (source $FERRY_SOURCE_ROCKETMQ_VERSION, destination $FERRY_DESTINATION_ROCKETMQ_VERSION)"
trap 'stop_ferries; cleanup_work' EXIT

N=${FERRY_CROSS_VERSION_COUNT:-2000}
BATCHED=200
COMPRESSED=40
QUEUES=4
MAX_BATCH=128
TOTAL=$((N + BATCHED + COMPRESSED))
SRC=(--rocketmq-version "$FERRY_SOURCE_ROCKETMQ_VERSION")
DST=(--rocketmq-version "$FERRY_DESTINATION_ROCKETMQ_VERSION")
topic=$(unique xver)
task=$(unique xver-task)
run_id=$(basename "$WORK")
CONFIG=$WORK/ferry.yaml
cat >"$CONFIG" <<EOF
clusters:
  source: { namesrv: "$FERRY_SOURCE_NAMESRV" }
  destination: { namesrv: "$FERRY_DESTINATION_NAMESRV" }
admin: { listen: "127.0.0.1:$(free_port)" }
tasks:
  - name: $task
    source: source
    destination: destination
    topics: [ $topic ]
    batching: { max_messages: $MAX_BATCH }
EOF
log "source $FERRY_SOURCE_ROCKETMQ_VERSION, destination $FERRY_DESTINATION_ROCKETMQ_VERSION, topic $topic, $TOTAL messages"

log "1. the 4.9.8 producer: $N plain, $BATCHED in batches, $COMPRESSED compressed (> 4 KiB)"
driver "$WORK/create" "${SRC[@]}" create-topic --namesrv "$FERRY_SOURCE_NAMESRV" \
  --cluster "$FERRY_SOURCE_CLUSTER" --topic "$topic" --queues "$QUEUES"
common=(--namesrv "$FERRY_SOURCE_NAMESRV" --topic "$topic" --key-prefix k- --prop color=blue
  --prop "run=$run_id")
driver "$WORK/sent-1" "${SRC[@]}" produce "${common[@]}" --count "$N" --tag TagA
driver "$WORK/sent-2" "${SRC[@]}" produce "${common[@]}" --count "$BATCHED" --start-index "$N" \
  --tag TagB --batch 10
driver "$WORK/sent-3" "${SRC[@]}" produce "${common[@]}" --count "$COMPRESSED" \
  --start-index "$((N + BATCHED))" --tag TagC --body-size 20000 --compress-over 4096

log "2. ferry run into the $FERRY_DESTINATION_ROCKETMQ_VERSION destination"
start_ferry "$CONFIG" ferry
caught_up() { ferry_status "$CONFIG" "$WORK/status.json" && python3 "$CHECK" caught-up "$WORK/status.json" "$QUEUES" "$TOTAL"; }
wait_for 180 "lag 0 on every queue" caught_up
stop_ferry "$ferry_pid" ferry
driver "$WORK/progress" "${SRC[@]}" progress --namesrv "$FERRY_SOURCE_NAMESRV" --group "ferry-$task" --topic "$topic"
python3 "$CHECK" committed "$WORK/progress" "$TOTAL" >&2 || fail "checkpoints"

log "3. the 5.3.3 consumer reads the destination"
driver "$WORK/route" "${DST[@]}" route --namesrv "$FERRY_DESTINATION_NAMESRV" --topic "$topic"
python3 - "$WORK/route" "$QUEUES" <<'PY' || fail "destination topic"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if '"route"' in l][0]
assert r["exists"], "ferry did not create the destination topic"
n = sum(q["writeQueueNums"] for q in r["queues"])
assert n == int(sys.argv[2]), "destination topic has %d queues" % n
PY
driver "$WORK/recv" "${DST[@]}" consume --namesrv "$FERRY_DESTINATION_NAMESRV" \
  --group "$(unique verify)" --topic "$topic" --count "$TOTAL" --timeout-seconds 180
python3 "$CHECK" replicated "$WORK" source 0 "$MAX_BATCH" >&2 || fail "replicated messages"
python3 - "$WORK" "$COMPRESSED" <<'PY' || fail "compressed messages"
import json, sys
recv = [e for e in map(json.loads, open(sys.argv[1] + "/recv")) if e["event"] == "received"]
big = [r for r in recv if r["tags"] == "TagC"]
assert len(big) == int(sys.argv[2]), "%d TagC messages" % len(big)
assert all(r["bodyLength"] == 20000 for r in big), "a compressed body changed length"
# Stored compressed with zlib: compression type bits 0x300 (the 5.3.3 client clears COMPRESSED,
# bit 0, once it has inflated the body, and keeps the type bits).
assert all(r["sysFlag"] & 0x700 == 0x300 for r in big), "a > 4 KiB body was not stored zlib-compressed: %s" % big[0]
print("%d compressed bodies arrived compressed and inflate to the source's bytes" % len(big))
PY
pass
