#!/usr/bin/env bash
# Runs a wasm-bindgen-test command and fails when it skipped anything or ran no test:
# wasm-bindgen-test prints "skipping" and still passes when a suite meant for another runtime runs.
set -uo pipefail
log=$(mktemp)
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then rm -f "$log"; exit "$rc"; fi
if grep -qiE "skipping|ignored; [1-9]|(^|[^0-9])0 passed" "$log"; then
  echo "FAIL: a wasm-bindgen-test suite skipped tests or ran none" >&2; rm -f "$log"; exit 1
fi
if ! grep -q "test result: ok. [1-9]" "$log"; then
  echo "FAIL: no wasm-bindgen-test result line with passed tests" >&2; rm -f "$log"; exit 1
fi
rm -f "$log"
