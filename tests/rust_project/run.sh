#!/usr/bin/env bash
# durabox as a Rust library in a user's own crate: a temporary crate outside the checkout
# depends on durabox by path and tests the unchanged quickstart app.py and approval.py
# (tests/bindings_python/) with durabox::TestRunner, through `cargo test`. durabox's cache
# starts empty. The crate uses the workspace's Cargo.lock and target folder, so the
# compiled dependencies are reused.
#
#   tests/rust_project/run.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/durabox-rust-project.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/crate/tests"
sed "s|@DURABOX@|$ROOT/host|" "$HERE/Cargo.toml.in" > "$WORK/crate/Cargo.toml"
mkdir -p "$WORK/crate/src"
echo "//! Tests only." > "$WORK/crate/src/lib.rs"
cp "$HERE/tests/handlers.rs" "$WORK/crate/tests/"
cp "$ROOT/guest-examples/python/quickstart/app.py" "$ROOT/tests/bindings_python/approval.py" "$WORK/crate/"
cp "$ROOT/Cargo.lock" "$WORK/crate/Cargo.lock"
cd "$WORK/crate"
export DURABOX_CACHE_DIR="$WORK/cache" CARGO_TARGET_DIR="$ROOT/target"
unset VIRTUAL_ENV
echo "==> cargo test in $WORK/crate (durabox = { path = \"$ROOT/host\" })"
cargo test -q 2>&1
