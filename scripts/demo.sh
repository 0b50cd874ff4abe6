#!/usr/bin/env bash
# The demo: the graph emulator plus the static server for www/ (and pkg/ at /pkg/), both on
# 127.0.0.1. Prints the URL to open; Ctrl-C (or TERM) stops both. Run via `make demo`, which
# builds pkg/ and the emulator first.
# Env: DEMO_PORT (page port; default 0 = a free one), DEMO_CYCLE_MS (length of the provisioning
# cycle a start runs on the emulator; default 10000, long enough to watch), GRAPH_EMULATOR_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${GRAPH_EMULATOR_BIN:-target/debug/graph-emulator}
[ -x "$bin" ] || { echo "demo: $bin is missing: run 'make demo' (or 'make emulator')" >&2; exit 1; }
[ -f pkg/browser.js ] || { echo "demo: pkg/ is missing: run 'make demo' (or 'make pkg')" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# Waits for the first stdout line of a child ($1: pid, $2: file, $3: prefix to strip); prints the URL.
first_url() {
  local url=
  for _ in $(seq 1 100); do
    url=$(head -n1 "$2" | sed -n "s|^$3||p")
    [ -n "$url" ] && { echo "$url"; return; }
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  cat "$2.err" >&2 2>/dev/null || true
  return 1
}

"$bin" --port 0 --quiet --cycle-ms "${DEMO_CYCLE_MS:-10000}" >"$tmp/emulator" 2>"$tmp/emulator.err" &
pids+=($!)
emulator=$(first_url "${pids[0]}" "$tmp/emulator" 'listening on ') || { echo "demo: the emulator did not start" >&2; exit 1; }

PORT=${DEMO_PORT:-0} GRAPH_EMULATOR_URL=$emulator node www/serve.mjs >"$tmp/server" &
pids+=($!)
page=$(first_url "${pids[1]}" "$tmp/server" 'serving on ') || { echo "demo: the page server did not start" >&2; exit 1; }

echo "Demo: $page/  (emulator at $emulator; Ctrl-C to stop)"
# Returns when either child exits (or a signal arrives); the traps stop the other one.
wait -n "${pids[@]}" || true
echo "demo: a child process exited; stopping" >&2
