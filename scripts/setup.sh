#!/usr/bin/env bash
# Installs everything the build and the tests need, skipping each step whose result is already present.
# Route for wasm32 follows ../shared/TOOLCHAIN.md: on Debian (this project's machines and CI),
# Debian's rustc-web with a wasm32 standard library built once from Debian's library source, always,
# so the build does not depend on what rustup can fetch that day; elsewhere rustup's target.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
WASM_PACK_VERSION=0.15.1
log() { printf '[setup] %s\n' "$*" >&2; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo

if ! command -v apt-get >/dev/null 2>&1; then
  # Not Debian: rustup's target, and the browser tests need chromium + chromedriver on PATH.
  rustup target add wasm32-unknown-unknown
  DEBIAN=false
else
  DEBIAN=true
fi

apt_missing=()
for p in rustc-web cargo-web rust-web-src rust-web-clippy lld-22 chromium chromium-driver; do
  $DEBIAN || break
  dpkg -s "$p" >/dev/null 2>&1 || apt_missing+=("$p")
done
if [ "${#apt_missing[@]}" -gt 0 ]; then
  log "apt-get install ${apt_missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

# wasm32 standard library for Debian's rustc (fixed sysroot /usr).
sysroot_lib=/usr/lib/rustlib/wasm32-unknown-unknown/lib
stamp="$sysroot_lib/.built-for-$($DEBIAN && /usr/bin/rustc --version | tr -c 'a-zA-Z0-9.\n' '_' || true)"
if $DEBIAN && [ ! -f "$stamp" ]; then
  log "building the wasm32 standard library from Debian's rust-web-src (about a minute)"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/src" && echo 'fn main() {}' > "$tmp/src/main.rs"
  printf '[package]\nname = "stdbuild"\nversion = "0.0.0"\nedition = "2021"\n[profile.release]\npanic = "abort"\n' > "$tmp/Cargo.toml"
  (cd "$tmp" && PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22 \
    cargo build -q --release --target wasm32-unknown-unknown \
    -Zbuild-std=std,panic_abort,panic_unwind,test,proc_macro)
  $SUDO mkdir -p "$sysroot_lib"
  $SUDO rm -f "$sysroot_lib"/*.rlib
  find "$tmp/target/wasm32-unknown-unknown/release/deps" -name '*.rlib' ! -name 'libstdbuild*' -exec $SUDO cp {} "$sysroot_lib/" \;
  $SUDO touch "$stamp"
  rm -rf "$tmp"
fi

have_version() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"; }
if ! have_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes)"
  cargo install -q --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if ! have_version wasm-pack "$WASM_PACK_VERSION"; then
  log "cargo install wasm-pack $WASM_PACK_VERSION (about 2 minutes)"
  cargo install -q --force wasm-pack --locked --version "$WASM_PACK_VERSION"
fi

# npm tools (binaryen's wasm-opt, vite, typescript, playwright-core), from the lockfile; skipped when
# node_modules was installed from this very lockfile.
stamp_npm=node_modules/.lock-$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f "$stamp_npm" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp_npm"
fi
log "toolchain ready"
