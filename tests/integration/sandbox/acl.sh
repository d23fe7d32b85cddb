#!/usr/bin/env bash
# Brings up a private sandbox with --acl (port offset FERRY_ACL_PORT_OFFSET,
# default auto: a free one; version FERRY_ROCKETMQ_VERSION) and checks on the source cluster:
# requests signed with the env file's keys work (admin, produce, consume, mqadmin
# through tools.yml); unsigned requests and a wrong secret key are refused with
# an authentication error.
source "$(dirname "$0")/lib.sh"

export FERRY_SANDBOX_DIR="$WORK/sandbox" FERRY_SANDBOX_PORT_OFFSET=${FERRY_ACL_PORT_OFFSET:-auto}
cleanup() {
  "$SANDBOX" down >/dev/null 2>&1 || true
  cleanup_work
}
trap cleanup EXIT

"$SANDBOX" up --acl || fail "sandbox up --acl failed"
load_env "$FERRY_SANDBOX_DIR/env"
[[ "$FERRY_ACL" == 1 && -n "$FERRY_ACCESS_KEY" && -n "$FERRY_SECRET_KEY" ]] || fail "env file lacks ACL keys"
NS=$FERRY_SOURCE_NAMESRV topic=$(unique acl) group=$(unique aclg)

log "signed requests (keys from the env file)"
driver "$WORK/create" create-topic --namesrv "$NS" --cluster "$FERRY_SOURCE_CLUSTER" --topic "$topic" --queues 2
driver "$WORK/sent" produce --namesrv "$NS" --topic "$topic" --count 2 --key-prefix acl-
driver "$WORK/recv" consume --namesrv "$NS" --group "$group" --topic "$topic" --count 2 --timeout-seconds 60
check received-count "$WORK/recv" 2
# mqadmin's own 3 s client timeout is hit on a saturated machine: retry timeouts only.
admin_topic=$(unique acl-admin)
for attempt in 1 2 3; do
  out=$("$SANDBOX" admin source updateTopic -c "$FERRY_SOURCE_CLUSTER" -t "$admin_topic" -r 1 -w 1 2>&1) ||
    fail "mqadmin failed: $out"
  grep -q 'RemotingTimeoutException' <<<"$out" || break
  log "mqadmin timed out (attempt $attempt/3)"
done
grep -q 'success' <<<"$out" || fail "signed mqadmin updateTopic was not accepted: $out"

# 5.x (ACL 2.0) answers NO_PERMISSION (16); 4.x (ACL 1.0) answers code 1 with an AclException.
log "unsigned request"
msg=$(driver_expect_error "$WORK/unsigned" produce --namesrv "$NS" --topic "$topic" --count 1 --no-acl)
grep -Eqi 'username cannot be null|No accessKey is configured' <<<"$msg" || fail "unexpected error for an unsigned request: $msg"
log "wrong secret key"
msg=$(driver_expect_error "$WORK/wrong" produce --namesrv "$NS" --topic "$topic" --count 1 --secret-key not-the-secret)
grep -Eqi 'check signature failed' <<<"$msg" || fail "unexpected error for a wrong secret: $msg"
log "unknown access key"
msg=$(driver_expect_error "$WORK/unknown" produce --namesrv "$NS" --topic "$topic" --count 1 --access-key nobody12 --secret-key whatever12)
grep -Eqi 'not found|No acl config|accessKey' <<<"$msg" || fail "unexpected error for an unknown key: $msg"
pass
