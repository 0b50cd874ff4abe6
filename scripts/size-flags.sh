# Sourced for the release build of pkg/: rebuild std with panic=immediate-abort where the compiler's
# library source is at hand (Debian's rust-web-src), in a target dir of its own so test builds keep
# their cache. Elsewhere the build is the plain release build.
# Without the reference-types target feature wasm-bindgen keeps JS values in its JS-side slab
# instead of a wasm externref table: the table's allocator and shims leave the wasm (0.5 KB gzip
# less in all, README "Size"); without multi-value, strings return through memory (42 B less).
# Every engine that runs the package has both forms.
# The dependencies (the standard library, wasm-bindgen, js-sys) at opt-level 2 while this crate
# stays at "z": 0.5 KB gzip less (2 KB raw) than all at "z", measured against "s", 1 and 3
# (README "Size"); the crate's own code at 2 would be larger.
SIZE_CARGO_ARGS=()
if [ -d /usr/lib/rustlib/src/rust/library ] && [ "$(command -v rustc)" = /usr/bin/rustc ]; then
  export RUSTC_BOOTSTRAP=1
  export RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none -Ctarget-feature=-reference-types,-multivalue"
  export CARGO_TARGET_DIR=target/pkg
  SIZE_CARGO_ARGS=(-Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
    --config 'profile.release.package."*".opt-level=2')
fi
