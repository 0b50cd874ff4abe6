# Sourced by the Makefile before wasm32 builds: rustup's wasm32 target where it is installed
# (a developer laptop), else Debian's rustc-web with the std that scripts/setup.sh built.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  export PATH="/usr/bin:$PATH"
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22
fi
export PATH="$PATH:$HOME/.cargo/bin"
