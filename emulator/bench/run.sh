#!/usr/bin/env bash
# Load benchmark (not a test): requests/s and p50/p99 latency of
# POST /beta/servicePrincipals/{id}/synchronization/jobs/{jobId}/start with the demo token,
# at 1, 16 and 100 concurrent keep-alive connections, DURATION each (default 5s), using wrk.
# Usage: emulator/bench/run.sh            (DURATION=10s CONNECTIONS="1 16 100" to change)
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-"1 16 100"}
SP=3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d
JOB=salesforce.e4bbf44533ea4eabb17027f3a92e92aa

if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "[bench] installing wrk from Debian" >&2
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi

echo "[bench] cargo build --release -p graph-emulator" >&2
cargo build --release -q -p graph-emulator
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')

work=$(mktemp -d)
"$target_dir/release/graph-emulator" --port 0 --quiet >"$work/stdout" 2>"$work/stderr" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/stdout" 2>/dev/null && break
  sleep 0.05
done
base=$(sed -n '1s/^listening on //p' "$work/stdout")
[ -n "$base" ] || { echo "[bench] emulator did not start: $(cat "$work/stderr")" >&2; exit 1; }
url="$base/beta/servicePrincipals/$SP/synchronization/jobs/$JOB/start"

# Warm-up (also resumes the paused job; later calls take the "already Active" path).
wrk -t1 -c4 -d1s -s emulator/bench/post-start.lua "$url" >/dev/null

echo
echo "graph-emulator, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), wrk ${DURATION} per row"
echo
echo "| connections | requests/s | p50 latency | p99 latency | non-2xx | socket errors |"
echo "|---:|---:|---:|---:|---:|---:|"
for c in $CONNECTIONS; do
  threads=$(( c < 2 ? c : 2 ))
  line=$(wrk -t"$threads" -c"$c" -d"$DURATION" --latency -s emulator/bench/post-start.lua "$url" | grep '^RESULT')
  eval "$(echo "$line" | sed 's/^RESULT //')"
  rps=$(awk -v r="$requests" -v s="$seconds" 'BEGIN { printf "%d", r / s }')
  p50=$(awk -v u="$p50_us" 'BEGIN { printf "%.3f ms", u / 1000 }')
  p99=$(awk -v u="$p99_us" 'BEGIN { printf "%.3f ms", u / 1000 }')
  echo "| $c | $rps | $p50 | $p99 | $non2xx | $socket_errors |"
done
rss=$(ps -o rss= -p "$pid" | xargs)
echo
echo "Emulator resident memory after the run: $((rss / 1024)) MiB (the request log keeps the last 10,000 requests)."
