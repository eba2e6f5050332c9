#!/usr/bin/env bash
# The Node package, as a user gets it: `npm install <checkout>/bindings/node` into a fresh
# npm project in a temporary folder outside the checkout, then `node --test` there on the
# unchanged TypeScript quickstart (tests/user_project/ts) and approval.ts, and durabox's own
# powers (powers.test.mjs): mocks and the manual clock on orders.ts, the replay gate and
# crash testing on shipping.ts, shipping-swapped.ts and tally.ts.
# durabox's cache starts empty (a fresh DURABOX_CACHE_DIR); the package drives
# $DURABOX_BIN (default target/debug/durabox).
#
#   tests/bindings_node/run.sh
#
# npm downloads are cached in target/npm-cache. Timings of the first (build) and second
# (cached) runs go to target/bindings/node.txt.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export DURABOX_BIN=${DURABOX_BIN:-$ROOT/target/debug/durabox}
OUT="$ROOT/target/bindings"
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/durabox-bindings-node.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.1f}')"; }

mkdir -p "$WORK/project"
cd "$WORK/project"
echo '{"name": "my-durable-tests", "version": "1.0.0", "private": true, "type": "module"}' > package.json
echo "==> npm install $ROOT/bindings/node (in $WORK/project)"
npm install --cache "$ROOT/target/npm-cache" --no-audit --no-fund --loglevel=error "$ROOT/bindings/node"
cp -r "$ROOT/tests/user_project/ts" quickstart-ts
cp "$HERE/approval.ts" "$HERE/orders.ts" "$HERE/shipping.ts" "$HERE/shipping-swapped.ts" "$HERE/tally.ts" \
    "$HERE/quickstart.test.mjs" "$HERE/powers.test.mjs" .
TESTS=(quickstart.test.mjs powers.test.mjs)
export DURABOX_CACHE_DIR="$WORK/cache" npm_config_cache="$ROOT/target/npm-cache"
status=0
t0=$(now)
echo "==> node --test (first run: builds the handlers into components)"
node --test "${TESTS[@]}" || status=$?
t1=$(now)
if [ "$status" -eq 0 ]; then
    echo "==> node --test (second run: components from the cache)"
    node --test "${TESTS[@]}" || status=$?
fi
t2=$(now)
{
    echo "node --test, first run (six TypeScript handlers built): $(elapsed "$t0" "$t1") s"
    echo "node --test, second run (cached components; includes the 2 s pause): $(elapsed "$t1" "$t2") s"
} | tee "$OUT/node.txt"
exit "$status"
