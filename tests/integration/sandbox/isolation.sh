#!/usr/bin/env bash
# The two clusters of the running sandbox share nothing: a topic created in one
# is absent from the other's NameServer routes (both directions), and a group's
# committed offsets and connections in one cluster do not appear in the other.
source "$(dirname "$0")/lib.sh"
trap cleanup_work EXIT
load_env

SRC=$FERRY_SOURCE_NAMESRV DST=$FERRY_DESTINATION_NAMESRV
t_src=$(unique iso-src) t_dst=$(unique iso-dst) group=$(unique iso-group)

log "topics: $t_src only in source, $t_dst only in destination"
driver "$WORK/c1" create-topic --namesrv "$SRC" --cluster "$FERRY_SOURCE_CLUSTER" --topic "$t_src" --queues 2 &
p1=$!
driver "$WORK/c2" create-topic --namesrv "$DST" --cluster "$FERRY_DESTINATION_CLUSTER" --topic "$t_dst" --queues 2 &
p2=$!
rc=0
wait "$p1" || rc=1
wait "$p2" || rc=1
((rc == 0)) || fail "topic creation failed"

driver "$WORK/r1" route --namesrv "$SRC" --topic "$t_src"
check route-exists "$WORK/r1" true "$FERRY_SOURCE_BROKER_NAMES"
driver "$WORK/r2" route --namesrv "$DST" --topic "$t_src"
check route-exists "$WORK/r2" false
driver "$WORK/r3" route --namesrv "$DST" --topic "$t_dst"
check route-exists "$WORK/r3" true "$FERRY_DESTINATION_BROKER_NAMES"
driver "$WORK/r4" route --namesrv "$SRC" --topic "$t_dst"
check route-exists "$WORK/r4" false

log "group $group consumes in source only"
driver "$WORK/p" produce --namesrv "$SRC" --topic "$t_src" --count 4 --key-prefix iso-
driver "$WORK/recv" consume --namesrv "$SRC" --group "$group" --topic "$t_src" --count 4 --timeout-seconds 60
check received-count "$WORK/recv" 4
driver "$WORK/g1" progress --namesrv "$SRC" --group "$group" --topic "$t_src"
check progress-queues "$WORK/g1" gt 0
driver "$WORK/g2" progress --namesrv "$DST" --group "$group"
check progress-queues "$WORK/g2" eq 0
driver "$WORK/k2" connections --namesrv "$DST" --group "$group"
check offline "$WORK/k2"
pass
