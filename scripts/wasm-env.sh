# Sourced by the Makefile before wasm32 builds. On Debian (what scripts/setup.sh sets up, and what
# CI runs) Debian's rustc-web with the wasm32 std that setup.sh built, always, so builds and the
# size budget do not depend on what rustup happens to have; elsewhere rustup's wasm32 target.
if [ -x /usr/bin/rustc ] && ls /usr/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib >/dev/null 2>&1; then
  export PATH="/usr/bin:$PATH"
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22
fi
export PATH="$PATH:$HOME/.cargo/bin"
