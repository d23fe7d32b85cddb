#!/usr/bin/env bash
# `ferry inspect` against the running sandbox, with the official Java client as the witness:
# - clusters: the brokers tools/sandbox started, at their addresses, with their version;
# - topic: per-queue max offsets equal to what the Java producer was told (last offset + 1);
# - group (offline): per-queue committed offsets equal to what the official admin API reports
#   (javadriver progress = DefaultMQAdminExt.examineConsumeStats);
# - group (online): a live Java push consumer is listed, language JAVA, with its subscription;
# - failures: unknown topic exits 4, unknown group 5, unreachable NameServer 3, each with a
#   message naming what was not found or not reached.
source "$(dirname "$0")/lib.sh"
load_env

FERRY=${FERRY_BIN:-$REPO_ROOT/build/debug/bin/ferry}
[[ -x "$FERRY" ]] || fail "no ferry binary at $FERRY (build first, or set FERRY_BIN)"
NS=$FERRY_SOURCE_NAMESRV
consumer_pid=
cleanup() {
  exec 7>&-
  if [[ -n "$consumer_pid" ]]; then kill "$consumer_pid" 2>/dev/null || true; wait "$consumer_pid" 2>/dev/null || true; fi
  cleanup_work
}
trap cleanup EXIT

# inspect <out-file> <args...>: must succeed, JSON to the file.
inspect() {
  local out=$1
  shift
  "$FERRY" inspect --namesrv "$NS" --json "$@" >"$out" 2>"$out.err" ||
    fail "ferry inspect $* exited $?: $(cat "$out.err")"
}
# inspect_fails <expected-exit> <expected-stderr-substring> <args...>
inspect_fails() {
  local want=$1 text=$2 rc=0
  shift 2
  "$FERRY" inspect "$@" >"$WORK/fail.out" 2>"$WORK/fail.err" || rc=$?
  ((rc == want)) || fail "ferry inspect $* exited $rc, expected $want: $(cat "$WORK/fail.err")"
  grep -qF -- "$text" "$WORK/fail.err" || fail "ferry inspect $*: stderr lacks '$text': $(cat "$WORK/fail.err")"
  [[ ! -s "$WORK/fail.out" ]] || fail "ferry inspect $* printed to stdout on failure"
}

topic=$(unique inspect)
group=$(unique inspect-g)
log "topic $topic, group $group"
driver "$WORK/create" create-topic --namesrv "$NS" --cluster "$FERRY_SOURCE_CLUSTER" --topic "$topic" --queues 4
driver "$WORK/sent" produce --namesrv "$NS" --topic "$topic" --count 37 --key-prefix k-

log "clusters"
inspect "$WORK/clusters.json" clusters
python3 - "$WORK/clusters.json" "$FERRY_SOURCE_BROKERS" "$FERRY_ROCKETMQ_VERSION" <<'EOF' || fail "clusters"
import json, sys
report = json.load(open(sys.argv[1]))
want = dict(p.split("=", 1) for p in sys.argv[2].split())
got = {b["broker"]: b["address"] for b in report["brokers"] if b["brokerId"] == 0}
assert got == want, f"masters {got} != sandbox {want}"
version = "V" + sys.argv[3].replace(".", "_")
assert all(b["version"] == version for b in report["brokers"]), report["brokers"]
print(f"clusters: {len(got)} master(s) as started, version {version}")
EOF

log "topic"
inspect "$WORK/topic.json" topic "$topic"
python3 - "$WORK/topic.json" "$WORK/sent" <<'EOF' || fail "topic offsets"
import json, sys
report = json.load(open(sys.argv[1]))
sent = [json.loads(l) for l in open(sys.argv[2]) if '"event":"sent"' in l]
want = {}
for s in sent:
    key = (s["brokerName"], s["queueId"])
    want[key] = max(want.get(key, 0), s["queueOffset"] + 1)
got = {(q["broker"], q["queueId"]): q["maxOffset"] for q in report["queues"]}
for key in got:
    want.setdefault(key, 0)
assert got == want, f"ferry {got} != java producer {want}"
assert sum(q["messages"] for q in report["queues"]) == len(sent) == 37
assert all(b["permText"] == "RW" and b["writeQueues"] == 4 for b in report["brokers"]), report["brokers"]
print(f"topic: {len(got)} queues, max offsets = producer's last offset + 1")
EOF

log "group, offline: committed offsets vs the official admin API"
driver "$WORK/recv" consume --namesrv "$NS" --group "$group" --topic "$topic" --count 37 --timeout-seconds 90
driver "$WORK/progress" progress --namesrv "$NS" --group "$group" --topic "$topic"
inspect "$WORK/group.json" group "$group"
python3 - "$WORK/group.json" "$WORK/progress" "$topic" <<'EOF' || fail "group offsets"
import json, sys
report = json.load(open(sys.argv[1]))
rows = [json.loads(l) for l in open(sys.argv[2]) if '"event":"progress"' in l]
want = {(r["brokerName"], r["queueId"]): r["consumerOffset"] for r in rows}
got = {(q["broker"], q["queueId"]): q["committedOffset"] for q in report["queues"] if q["topic"] == sys.argv[3]}
assert got == want, f"ferry {got} != admin API {want}"
assert sum(got.values()) == 37, got
assert report["online"] is False and report["totalLag"] == 0, report
print(f"group: {len(got)} committed offsets equal the admin API's, lag 0, offline")
EOF

log "group, online: a live Java push consumer"
# It runs until its stdin closes: a FIFO whose write end this script holds on fd 7.
mkfifo "$WORK/live.stdin"
"$DRIVER" consume --namesrv "$NS" --group "$group" --topic "$topic" --tag-expr "TagA || TagB" \
  >"$WORK/live" 2>"$WORK/live.err" <"$WORK/live.stdin" &
consumer_pid=$!
exec 7>"$WORK/live.stdin"
online=0
for _ in $(seq 1 60); do
  if grep -q '"event":"started"' "$WORK/live" 2>/dev/null; then
    inspect "$WORK/online.json" group "$group"
    if python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["online"] else 1)' "$WORK/online.json"; then
      online=1
      break
    fi
  fi
  kill -0 "$consumer_pid" 2>/dev/null || fail "the Java consumer exited: $(tail -n 5 "$WORK/live.err")"
  sleep 1
done
((online == 1)) || fail "the live Java consumer never showed as online"
python3 - "$WORK/online.json" "$topic" <<'EOF' || fail "online group"
import json, sys
report = json.load(open(sys.argv[1]))
clients = report["clients"]
assert len(clients) == 1 and clients[0]["language"] == "JAVA", clients
assert report["subscriptions"].get(sys.argv[2]) == "TagA || TagB", report["subscriptions"]
assert report["messageModel"] == "CLUSTERING" and report["consumeType"] == "CONSUME_PASSIVELY", report
print(f"online: {clients[0]['clientId']} ({clients[0]['version']}), subscription '{report['subscriptions'][sys.argv[2]]}'")
EOF
exec 7>&-
wait "$consumer_pid" || fail "the Java consumer did not stop cleanly: $(tail -n 5 "$WORK/live.err")"
consumer_pid=

log "failures"
inspect_fails 4 "topic 'no-such-topic-$topic' does not exist" --namesrv "$NS" topic "no-such-topic-$topic"
inspect_fails 5 "group 'no-such-group-$group' not found" --namesrv "$NS" group "no-such-group-$group"
inspect_fails 3 "cannot reach NameServer 127.0.0.1:1" --namesrv 127.0.0.1:1 --timeout-ms 2000 clusters
inspect_fails 2 "A subcommand is required" --namesrv "$NS" no-such-command
pass
