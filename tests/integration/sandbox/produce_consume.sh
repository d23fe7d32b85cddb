#!/usr/bin/env bash
# On each cluster of the running sandbox: create a topic, produce messages with
# keys, tags, user properties (single sends, then compressed batches) through
# the Java driver, consume them with a push consumer group, and check that every
# message arrives once with the same ids, keys, tags, properties and body hash,
# and that the group's committed offsets reach the end of every queue.
source "$(dirname "$0")/lib.sh"
trap cleanup_work EXIT
load_env

N=${FERRY_TEST_MESSAGES:-20}

check_cluster() { # cluster-prefix
  local c=$1 topic group d="$WORK/$1"
  local ns_var="FERRY_${c^^}_NAMESRV" cluster_var="FERRY_${c^^}_CLUSTER"
  local ns=${!ns_var} cluster=${!cluster_var}
  mkdir -p "$d"
  topic=$(unique "pc-$c")
  group=$(unique "pcg-$c")
  driver "$d/create" create-topic --namesrv "$ns" --cluster "$cluster" --topic "$topic" --queues 4
  driver "$d/sent1" produce --namesrv "$ns" --topic "$topic" --count "$N" --key-prefix "key-$c-" \
    --tag "tag-$c" --prop color=blue --prop "origin=$c"
  driver "$d/sent2" produce --namesrv "$ns" --topic "$topic" --count "$N" --start-index "$N" \
    --key-prefix "key-$c-" --tag "tag-$c" --prop color=green --batch 4 --body-size 2048 --compress-over 1024
  driver "$d/recv" consume --namesrv "$ns" --group "$group" --topic "$topic" --count $((2 * N)) --timeout-seconds 90
  driver "$d/progress" progress --namesrv "$ns" --group "$group" --topic "$topic"
  check produce-consume "$d" "$N" "$c"
}

log "checking both clusters in parallel (2 x $N messages each)"
check_cluster source & src=$!
check_cluster destination & dst=$!
rc=0
wait "$src" || rc=1
wait "$dst" || rc=1
((rc == 0)) || fail "a cluster check failed"
pass
