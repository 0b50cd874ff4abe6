#!/usr/bin/env bash
# Prints raw and gzip -9 sizes from pkg/: what a browser downloads with the default entry (the wasm
# and browser.js, which bundles the JS glue; the size budget's files), then with the inline entry
# (graph-sync-job/inline, also what dev servers, esbuild and Rollup get), then the Node copy of the
# wasm (with its name section).
set -euo pipefail
cd "$(dirname "$0")/.."
report() {
  local title=$1; shift
  local total=0 f raw gz
  for f in "$@"; do
    raw=$(wc -c <"$f"); gz=$(gzip -9c "$f" | wc -c); total=$((total + gz))
    printf '%-60s %8d raw %8d gzip\n' "$f" "$raw" "$gz"
  done
  printf '%-60s %8s     %8d gzip\n\n' "$title" "" "$total"
}
report "browser payload (default entry)" pkg/web/graph_sync_job_bg.wasm pkg/browser.js
report "browser payload (inline entry)" pkg/web/wasm-inline.js pkg/inline.js
report "Node's wasm (name section kept)" pkg/node/graph_sync_job_bg.wasm
