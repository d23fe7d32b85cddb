#!/usr/bin/env bash
# `ferry run` against problems it must report instead of crashing or moving a checkpoint, on an
# ACL sandbox (`tools/sandbox up --acl`), the official Java client and admin API as witnesses:
# 1. one daemon, three tasks: a healthy one, one whose source topic does not exist yet and one
#    whose destination topic is missing with create_missing_topics off. The healthy task catches
#    up; the other two show `starting` with a last_error naming topic and cluster and have no
#    committed offset; garbage admin requests get JSON errors and the daemon keeps serving; once
#    the topics are created the two tasks replicate everything (no restart);
# 2. a wrong source secret key: the task reports auth_failed naming the source cluster and the
#    broker's refusal; its internal group has no committed offset; SIGTERM exits 0;
# 3. a wrong destination secret key: messages are pulled, every queue is `retrying` with
#    auth_failed naming the destination cluster; the committed offsets stay at the start (0);
#    SIGTERM exits 0; a restart with the right key replicates every message (nothing lost).
source "$(dirname "$0")/lib.sh"
load_env
source "$(dirname "$0")/ferry_lib.sh"

[[ "$FERRY_ACL" == 1 ]] || fail "needs a sandbox up with --acl"
trap 'stop_ferries; cleanup_work' EXIT
ECHECK="$REPO_ROOT/tests/integration/sandbox/error_checks.py"
SNS=$FERRY_SOURCE_NAMESRV DNS=$FERRY_DESTINATION_NAMESRV

# config <file> <source secret> <destination secret> <tasks yaml>
config() {
  cat >"$1" <<EOF
clusters:
  source: { namesrv: "$SNS", access_key: "$FERRY_ACCESS_KEY", secret_key: "$2" }
  destination: { namesrv: "$DNS", access_key: "$FERRY_ACCESS_KEY", secret_key: "$3" }
admin: { listen: "127.0.0.1:$(free_port)" }
tasks:
$4
EOF
}
status_check() { # <config> <error_checks args...>
  local cfg=$1
  shift
  ferry_status "$cfg" "$WORK/status.json" && python3 "$ECHECK" "$1" "$WORK/status.json" "${@:2}"
}
# progress_check <topic> <group> <total> <value>: committed offsets through the Java admin API.
progress_check() {
  driver "$WORK/progress" progress --namesrv "$SNS" --group "$2" --topic "$1"
  python3 "$ECHECK" committed-at "$WORK/progress" "$3" "$4" >&2 || fail "checkpoints of $2 on $1"
}
create() { driver "$WORK/create" create-topic --namesrv "$1" --cluster "$2" --topic "$3" --queues 2; }
produce() { driver "$WORK/sent-$2" produce --namesrv "$SNS" --topic "$1" --count "$2" --key-prefix k-; }

log "1. a healthy task, a missing source topic, a missing destination topic"
ok=$(unique ok) missing_src=$(unique nosrc) missing_dst=$(unique nodst)
create "$SNS" "$FERRY_SOURCE_CLUSTER" "$ok"
create "$SNS" "$FERRY_SOURCE_CLUSTER" "$missing_dst"
produce "$ok" 100
produce "$missing_dst" 50
CFG1=$WORK/one.yaml
config "$CFG1" "$FERRY_SECRET_KEY" "$FERRY_SECRET_KEY" "  - { name: t-ok, source: source, destination: destination, topics: [ $ok ] }
  - { name: t-nosrc, source: source, destination: destination, topics: [ $missing_src ] }
  - { name: t-nodst, source: source, destination: destination, topics: [ $missing_dst ], create_missing_topics: false }"
start_ferry "$CFG1" one
wait_for 120 "t-ok caught up" status_check "$CFG1" caught-up t-ok 2 100
wait_for 60 "t-nosrc error" status_check "$CFG1" task-error t-nosrc starting topic_not_exist \
  "$missing_src" "cluster 'source'"
wait_for 60 "t-nodst error" status_check "$CFG1" task-error t-nodst starting topic_not_exist \
  "destination topic $missing_dst missing on cluster 'destination'" create_missing_topics
progress_check "$missing_dst" ferry-t-nodst 50 0

log "admin API garbage against the running daemon"
admin=$(sed -n 's/^admin: { listen: "\(.*\)" }$/\1/p' "$CFG1")
expect_http() { # <status> <curl args...>
  local got
  got=$(curl -s -o "$WORK/http.out" -w '%{http_code}' "${@:2}") || true
  [[ "$got" == "$1" ]] || fail "curl ${*:2}: HTTP $got, expected $1: $(cat "$WORK/http.out")"
  [[ "$1" == 200 ]] || grep -q '"error"' "$WORK/http.out" || fail "curl ${*:2}: no JSON error: $(cat "$WORK/http.out")"
}
expect_http 404 "http://$admin/v1/nothing"
expect_http 404 "http://$admin/v1/tasks/no-such-task"
expect_http 405 -X POST -d '{"not":"json' "http://$admin/v1/status"
expect_http 405 -X DELETE "http://$admin/v1/tasks/t-ok"
head -c 100000 /dev/zero | tr '\0' x >"$WORK/big"
expect_http 413 -X POST --data-binary "@$WORK/big" "http://$admin/v1/status"
python3 - "${admin%:*}" "${admin##*:}" >"$WORK/raw.out" <<'PY' || true
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"\x00\x01\xff garbage\r\n\r\n")
print(s.recv(4096).decode("latin-1"))
PY
grep -q '^HTTP/1.1 400' "$WORK/raw.out" || fail "raw garbage: $(head -c 200 "$WORK/raw.out")"
expect_http 200 "http://$admin/healthz"
kill -0 "$ferry_pid" || fail "the daemon died from admin requests"

log "the missing topics appear: both tasks pick them up without a restart"
create "$SNS" "$FERRY_SOURCE_CLUSTER" "$missing_src"
produce "$missing_src" 30
create "$DNS" "$FERRY_DESTINATION_CLUSTER" "$missing_dst"
wait_for 120 "t-nosrc caught up" status_check "$CFG1" caught-up t-nosrc 2 30
wait_for 120 "t-nodst caught up" status_check "$CFG1" caught-up t-nodst 2 50
status_check "$CFG1" caught-up t-ok 2 100 >&2 || fail "t-ok"
stop_ferry "$ferry_pid" one
grep -q 'task_error task=t-nosrc' "$WORK/one.log" || fail "no task_error log line for t-nosrc"
progress_check "$missing_src" ferry-t-nosrc 30 15

log "2. a wrong source secret key"
topic=$(unique badsrc)
create "$SNS" "$FERRY_SOURCE_CLUSTER" "$topic"
create "$DNS" "$FERRY_DESTINATION_CLUSTER" "$topic"
produce "$topic" 40
CFG2=$WORK/two.yaml
config "$CFG2" not-the-secret "$FERRY_SECRET_KEY" "  - { name: t-badsrc, source: source, destination: destination, topics: [ $topic ] }"
start_ferry "$CFG2" two
wait_for 60 "t-badsrc error" status_check "$CFG2" task-error t-badsrc starting auth_failed \
  "cluster 'source'" "check signature failed"
stop_ferry "$ferry_pid" two
grep -q 'task_error task=t-badsrc.*auth_failed' "$WORK/two.log" || fail "no task_error log line"
progress_check "$topic" ferry-t-badsrc 40 0

log "3. a wrong destination secret key"
topic=$(unique baddst)
create "$SNS" "$FERRY_SOURCE_CLUSTER" "$topic"
create "$DNS" "$FERRY_DESTINATION_CLUSTER" "$topic"
produce "$topic" 40
tasks="  - { name: t-baddst, source: source, destination: destination, topics: [ $topic ] }"
CFG3=$WORK/three.yaml
config "$CFG3" "$FERRY_SECRET_KEY" not-the-secret "$tasks"
start_ferry "$CFG3" three
wait_for 60 "t-baddst queues retrying" status_check "$CFG3" queue-error t-baddst 2 40 auth_failed \
  "cluster 'destination'" "check signature failed"
stop_ferry "$ferry_pid" three
grep -q 'send_failed task=t-baddst.*auth_failed' "$WORK/three.log" || fail "no send_failed log line"
progress_check "$topic" ferry-t-baddst 40 0
driver "$WORK/dst-offsets" offsets --namesrv "$DNS" --topic "$topic"
python3 -c 'import json,sys; n=sum(e["maxOffset"] for e in map(json.loads, open(sys.argv[1])) if e["event"]=="offset"); assert n==0, n' \
  "$WORK/dst-offsets" || fail "the destination received messages with a wrong secret"
log "the right key: everything arrives"
config "$CFG3" "$FERRY_SECRET_KEY" "$FERRY_SECRET_KEY" "$tasks"
start_ferry "$CFG3" three-fixed
wait_for 120 "t-baddst caught up" status_check "$CFG3" caught-up t-baddst 2 40
stop_ferry "$ferry_pid" three-fixed
progress_check "$topic" ferry-t-baddst 40 20
pass
