#!/usr/bin/env bash
# Runs a command with a fresh graph-emulator on 127.0.0.1 (free port), its URL in GRAPH_EMULATOR_URL.
# Usage: scripts/with-emulator.sh COMMAND [ARGS...]   (the emulator is stopped when the command ends)
set -euo pipefail
bin=${GRAPH_EMULATOR_BIN:-target/debug/graph-emulator}
out=$(mktemp)
"$bin" --port 0 >"$out" 2>"$out.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$out" "$out.err"' EXIT
for _ in $(seq 1 100); do
  url=$(head -n1 "$out" | sed -n 's/^listening on //p')
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$out.err" >&2; echo "graph-emulator exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "${url:-}" ] || { echo "graph-emulator did not print its URL" >&2; exit 1; }
echo "graph-emulator at $url" >&2
GRAPH_EMULATOR_URL=$url "$@"
