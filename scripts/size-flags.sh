# Sourced for the release build of pkg/: rebuild std with panic=immediate-abort where the compiler's
# library source is at hand (Debian's rust-web-src), in a target dir of its own so test builds keep
# their cache. Elsewhere the build is the plain release build.
SIZE_CARGO_ARGS=()
if [ -d /usr/lib/rustlib/src/rust/library ] && [ "$(command -v rustc)" = /usr/bin/rustc ]; then
  export RUSTC_BOOTSTRAP=1
  export RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none"
  export CARGO_TARGET_DIR=target/pkg
  SIZE_CARGO_ARGS=(-Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size)
fi
