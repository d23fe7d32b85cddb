# shellcheck shell=bash
# Shared helpers for the sandbox integration tests (sourced, not executed).
# The tests use bash, python3 (JSON checks) and the two tools they exercise.
set -euo pipefail

TEST_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
# shellcheck disable=SC2034 # used by the tests that source this file
SANDBOX="$REPO_ROOT/tools/sandbox"
DRIVER="$REPO_ROOT/tools/javadriver"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-$TEST_NAME.XXXXXX")
TEST_START=$(date +%s)
unset NAMESRV_ADDR

log() { printf '[%s +%ss] %s\n' "$TEST_NAME" "$(($(date +%s) - TEST_START))" "$*" >&2; }
fail() {
  printf '[%s] FAIL: %s\n' "$TEST_NAME" "$*" >&2
  exit 1
}
pass() { printf '[%s] PASS in %ss\n' "$TEST_NAME" "$(($(date +%s) - TEST_START))" >&2; }

# Exports every key of a sandbox env file (default: $FERRY_SANDBOX_DIR or <repo>/.sandbox).
load_env() {
  local f=${1:-${FERRY_SANDBOX_DIR:-$REPO_ROOT/.sandbox}/env}
  [[ -f "$f" ]] || fail "no sandbox env file at $f (run tools/sandbox up first)"
  set -a
  # shellcheck disable=SC1090
  source "$f"
  set +a
}

# A name no earlier run used, so tests never depend on leftovers.
unique() { printf '%s-%s-%s' "$1" "$(date +%s%N | cut -c8-16)" "$$"; }

# driver <out-file> <args...>: runs the Java driver, stdout to the file; fails the
# test with the driver's last JSON line and stderr tail on a non-zero exit.
driver() {
  local out=$1
  shift
  local rc=0
  "$DRIVER" "$@" >"$out" 2>"$out.err" || rc=$?
  if ((rc != 0)); then
    tail -n 20 "$out.err" >&2
    fail "javadriver $1 exited $rc: $(tail -n 1 "$out")"
  fi
}

# driver_expect_error <out-file> <args...>: the driver must fail; prints its error message.
driver_expect_error() {
  local out=$1
  shift
  if "$DRIVER" "$@" >"$out" 2>"$out.err"; then
    fail "javadriver $1 succeeded but was expected to fail: $(tail -n 1 "$out")"
  fi
  python3 -c 'import json,sys; e=json.loads(open(sys.argv[1]).read().splitlines()[-1]); assert e["event"]=="error", e; print(e["message"])' "$out" ||
    fail "javadriver $1 failed without a JSON error line: $(tail -n 3 "$out" "$out.err")"
}

# check <name> <args...>: one of the JSON checks in checks.py; failure fails the test.
check() { python3 "$REPO_ROOT/tests/integration/sandbox/checks.py" "$@" >&2 || fail "check $1 failed"; }

cleanup_work() { if [[ -z "${FERRY_TEST_KEEP:-}" ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi; }
