#!/usr/bin/env bash
# Prints raw and gzip -9 sizes of what a browser downloads from pkg/ (wasm, JS glue, entry).
set -euo pipefail
cd "$(dirname "$0")/.."
total=0
for f in pkg/web/graph_sync_job_bg.wasm pkg/web/graph_sync_job.js pkg/web/snippets/*/src/js/glue.js pkg/browser.js; do
  raw=$(wc -c <"$f"); gz=$(gzip -9c "$f" | wc -c); total=$((total + gz))
  printf '%-60s %8d raw %8d gzip\n' "$f" "$raw" "$gz"
done
printf '%-60s %8s     %8d gzip\n' "browser payload" "" "$total"
