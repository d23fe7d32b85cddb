#!/usr/bin/env bash
# Runs every sandbox test the way CTest fixtures would: `tools/sandbox up`, the
# tests that need the shared sandbox, the self-contained ones, `tools/sandbox
# down` (always), then one timing line per step and "N passed, N failed".
# Usage: tests/integration/sandbox/run_all.sh [test-name ...]
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/../../.." && pwd)
SANDBOX="$REPO_ROOT/tools/sandbox"
shared=(produce_consume isolation)
own=(lifecycle acl tls)
if (($# > 0)); then selected=("$@"); else selected=("${shared[@]}" "${own[@]}"); fi
wants() { local t; for t in "${selected[@]}"; do [[ "$t" == "$1" ]] && return 0; done; return 1; }

passed=0 failed=0 report=()
step() { # name command...
  local name=$1 start rc=0
  shift
  start=$(date +%s)
  "$@" || rc=$?
  report+=("$(printf '%-16s %-4s %4ss' "$name" "$([[ $rc == 0 ]] && echo ok || echo FAIL)" "$(($(date +%s) - start))")")
  return "$rc"
}
run_test() {
  if step "$1" "$HERE/$1.sh"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

need_shared=0
for t in "${shared[@]}"; do wants "$t" && need_shared=1; done
if ((need_shared)); then
  # Interrupted: still stop the shared sandbox (the self-contained tests clean up themselves).
  trap '"$SANDBOX" down; exit 130' INT TERM
  if step "sandbox-up" "$SANDBOX" up; then
    for t in "${shared[@]}"; do wants "$t" && run_test "$t"; done
  else
    for t in "${shared[@]}"; do wants "$t" && failed=$((failed + 1)); done
  fi
  step "sandbox-down" "$SANDBOX" down || failed=$((failed + 1))
  trap - INT TERM
fi
for t in "${own[@]}"; do wants "$t" && run_test "$t"; done

printf '%s\n' "---- RocketMQ ${FERRY_ROCKETMQ_VERSION:-5.3.3}, load average now: $(cut -d' ' -f1-3 /proc/loadavg)" "${report[@]}"
echo "$passed passed, $failed failed"
((failed == 0))
