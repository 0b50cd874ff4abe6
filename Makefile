# The two commands: `make demo` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
WASM := source scripts/wasm-env.sh &&
WASM_OPT_FEATURES := --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue
EMULATOR := target/debug/graph-emulator

.PHONY: all setup lint test test-native test-wasm test-wasm-node test-wasm-browser test-js test-matrix test-cli test-demo \
  pkg emulator demo bench bench-emulator bench-client bench-size size-by-feature clean test-hostile bench-soak bench-bulk

all: pkg

setup:
	scripts/setup.sh

emulator:
	cargo build -q -p graph-emulator

# The npm package in pkg/: one wasm-pack build (--target web; Node gets the same module as CommonJS
# from assemble.mjs), wasm-opt for size, assembled from pkg-template/. The one wasm optimised once, its
# import, export and module names shortened (assemble.mjs renames the JS glue to match, from the
# long-named copy), in two copies: with its name section for Node (readable stack frames), and
# stripped of it for browsers.
# --flatten --rereloop before -Oz lets -Oz fold more control flow (0.44 KB gzip less than -Oz alone);
# the three passes twice fold a little more (a second -Oz in each round, tried since, gave 48 B gzip
# more: gzip's figure moves by tens of bytes with the pass order). --low-memory-unused lets wasm-opt fold constant address
# offsets into loads and stores: it assumes nothing lives in the first 1 KiB of memory, which Rust's
# layout keeps so (the stack comes first and grows down from 1 MiB: only a stack 1023 KiB deep would
# reach it). Together 85 B gzip less (README "Size").
# On the Debian route the standard library is rebuilt with panic=immediate-abort, which drops
# panic messages and their formatting code (no panic is reachable from input; see README "Size").
pkg: setup
	$(WASM) source scripts/size-flags.sh && \
	  wasm-pack --quiet build --release --no-opt --no-pack --no-typescript --target web --out-dir build/web . \
	    -- $${SIZE_CARGO_ARGS[@]}
	node_modules/.bin/wasm-opt --low-memory-unused --flatten --rereloop -Oz --flatten --rereloop -Oz $(WASM_OPT_FEATURES) -g --strip-dwarf --strip-producers \
	  --strip-target-features build/web/graph_sync_job_bg.wasm -o build/web/graph_sync_job_bg.named.wasm
	node_modules/.bin/wasm-opt $(WASM_OPT_FEATURES) -g --minify-imports-and-exports-and-modules \
	  build/web/graph_sync_job_bg.named.wasm -o build/web/graph_sync_job_bg.short.wasm >/dev/null
	node_modules/.bin/wasm-opt $(WASM_OPT_FEATURES) --strip-debug build/web/graph_sync_job_bg.short.wasm \
	  -o build/web/graph_sync_job_bg.wasm
	node pkg-template/assemble.mjs

lint:
	cargo fmt --all -- --check
	cargo clippy -q --workspace --all-targets -- -D warnings
	$(WASM) GRAPH_EMULATOR_URL=http://127.0.0.1:1 cargo clippy -q -p graph-sync-job --target wasm32-unknown-unknown --all-targets -- -D warnings

test-native:
	cargo test --workspace

test-wasm-node: emulator
	$(WASM) scripts/with-emulator.sh scripts/check-wasm-test-output.sh wasm-pack test --node -- --test start --test resilience --test lifecycle --test hostile

test-wasm-browser: emulator
	$(WASM) WASM_BINDGEN_USE_BROWSER=1 scripts/with-emulator.sh scripts/check-wasm-test-output.sh \
	  wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver -- --test start --test resilience --test lifecycle --test hostile

test-wasm: test-wasm-node test-wasm-browser

# The packed npm package in real consumers: CJS, ESM, tsc, a Vite build in Chromium; size budget.
test-js: pkg emulator
	scripts/with-emulator.sh node --test tests/js/

# Issue #12 alone: the hostile suite and the boundary fuzz (both also run in test-js, which runs
# every tests/js/*.test.mjs). FUZZ_SECONDS=N fuzzes longer; FUZZ_SEED=S replays a run.
test-hostile: pkg emulator
	scripts/with-emulator.sh node --test tests/js/hostile.test.mjs tests/js/fuzz.test.mjs

# The consumer matrix (tests/js/matrix/consumers.mjs, 20-45 s): the packed tarball built with no
# setting by Rollup, esbuild, webpack, Parcel and Vite 5/7/8 (builds and dev servers) and run in
# Chromium, in a service worker, under a CSP, in Node 18/20/22, Deno, Bun and an esbuild Node
# bundle; publint --strict, attw, npm publish --dry-run. Its tools are installed once from
# tests/js/matrix/package-lock.json (skipped while that lockfile is unchanged).
test-matrix: pkg emulator
	@stamp=tests/js/matrix/node_modules/.lock-$$(sha256sum tests/js/matrix/package-lock.json | cut -c1-16); \
	  [ -f "$$stamp" ] || { echo "[test-matrix] npm ci in tests/js/matrix (once, about 30 s)"; \
	    (cd tests/js/matrix && npm ci --no-audit --no-fund --loglevel=error) && touch "$$stamp"; }
	scripts/with-emulator.sh node --test tests/js/matrix/consumers.mjs

# The graph-sync-job command line as users run it: the packed tarball installed, the binary spawned
# against the emulator (tests/cli/).
test-cli: pkg emulator
	scripts/with-emulator.sh node --test tests/cli/

test: setup lint test-native test-wasm test-js test-matrix test-cli test-demo
	@echo "make test: all suites passed"

# Benchmarks (figures, never assertions): emulator load, client overhead vs plain fetch and the
# Microsoft Graph JS client in the same process, browser payload vs the Microsoft Graph JS client.
bench: bench-emulator bench-client bench-size bench-soak bench-bulk

bench-emulator:
	emulator/bench/run.sh

bench-client: pkg emulator
	scripts/with-emulator.sh node bench/client.mjs
	node bench/in-process.mjs

bench-size: pkg
	node bench/size.mjs

# What each feature costs in the browser payload: scratch builds with the bulk calls, then the
# wait, then the hints compiled out (about a minute each; README "Size"). Not part of make bench.
size-by-feature: setup
	node scripts/size-by-feature.mjs

# 10,000 concurrent then 20,000 sequential calls mixing successes, errors, aborts and timeouts;
# wasm memory after each burst (README "Robustness and soak").
bench-soak: pkg emulator
	scripts/with-emulator.sh node bench/soak.mjs

# Issue #9: bulk starts against single starts at 50 ms latency, and under a 50 requests/s throttle
# (README "Bulk figures").
bench-bulk: pkg emulator
	scripts/with-emulator.sh node bench/bulk.mjs

clean:
	rm -rf build pkg target

# The demo page (www/) against a local emulator: prints the URL; Ctrl-C stops everything.
demo: pkg emulator
	scripts/demo.sh

# The demo page end to end in headless Chromium (starts scripts/demo.sh itself).
test-demo: pkg emulator
	node --test tests/e2e/
