#!/usr/bin/env bash
# Self-test of tools/tcp-proxy. Needs no broker: the proxy forwards to a tiny Python echo server
# started here. Checks forwarding, frame capture across odd chunk boundaries (both directions),
# pause/resume, delay, drop (RST), refuse, blackhole and clean exit on SIGTERM.
# Every process it starts is stopped on exit, pass or fail. Exit 0 = pass.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tcp-proxy-selftest.XXXXXX")
echo_pid=""
proxy_pid=""

cleanup() {
  local rc=$?
  for pid in "$proxy_pid" "$echo_pid"; do
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [[ $rc -ne 0 ]]; then
    echo "--- proxy stderr (last 40 lines)"; tail -n 40 "$work/proxy.err" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# first_line FILE PID: wait (up to 10 s) for the first line a background process prints.
first_line() {
  local file=$1 pid=$2 i
  for ((i = 0; i < 200; i++)); do
    if [[ -s $file ]] && IFS= read -r line <"$file"; then
      printf '%s\n' "$line"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "process $pid exited early" >&2; return 1; }
    sleep 0.05
  done
  echo "no output from $pid in $file" >&2
  return 1
}
json_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

python3 "$here/proxy_selftest.py" echo-server >"$work/echo.out" 2>"$work/echo.err" &
echo_pid=$!
echo_port=$(json_field "$(first_line "$work/echo.out" "$echo_pid")" port)

"$repo/tools/tcp-proxy" --listen 127.0.0.1:0 --target "127.0.0.1:$echo_port" \
  --control 127.0.0.1:0 --capture-dir "$work/capture" >"$work/proxy.out" 2>"$work/proxy.err" &
proxy_pid=$!
ready=$(first_line "$work/proxy.out" "$proxy_pid")
[[ $(json_field "$ready" event) == listening ]] || { echo "bad ready line: $ready"; exit 1; }
proxy_port=$(json_field "$ready" port)
control_port=$(json_field "$ready" control_port)
echo "echo server :$echo_port, proxy :$proxy_port, control :$control_port"

python3 "$here/proxy_selftest.py" checks "$proxy_port" "$control_port" "$work/capture"

# SIGTERM: the proxy must exit 0 promptly.
kill -TERM "$proxy_pid"
for ((i = 0; i < 100; i++)); do kill -0 "$proxy_pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$proxy_pid" 2>/dev/null; then echo "FAIL sigterm: proxy still running after 5 s"; exit 1; fi
rc=0; wait "$proxy_pid" || rc=$?
proxy_pid=""
[[ $rc -eq 0 ]] || { echo "FAIL sigterm: proxy exited $rc"; exit 1; }
echo "PASS sigterm_clean_exit"
echo "tcp_proxy_selftest: all checks passed"
