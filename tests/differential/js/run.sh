#!/usr/bin/env bash
# Differential tests, JavaScript: the handlers in handlers.mjs in AWS's official
# LocalDurableTestRunner (@aws/durable-execution-sdk-js-testing) and in durabox, compared
# event by event (README.md). Report: target/differential/js.md.
#
#   tests/differential/js/run.sh            (needs target/debug/durabox: cargo build -p durabox)
#
# 1. npm ci into tests/differential/js/node_modules (cache target/npm-cache), only when
#    package-lock.json changed (stamp node_modules/.package-lock.sha256);
# 2. durabox build handlers.mjs -o target/differential/js.wasm (durabox skips unchanged inputs);
# 3. node --test tests/differential/js/.
# Environment: DURABOX_BIN (default target/debug/durabox), DIFFERENTIAL_CASES="a,b".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
DURABOX=${DURABOX_BIN:-$ROOT/target/debug/durabox}
COMPONENT="$ROOT/target/differential/js.wasm"

die() { echo "differential/js: $*" >&2; exit 1; }
[ -x "$DURABOX" ] || die "no durabox at $DURABOX (cargo build -p durabox)"

stamp="$HERE/node_modules/.package-lock.sha256"
want=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "==> npm ci (tests/differential/js)"
    (cd "$HERE" && npm ci --cache "$ROOT/target/npm-cache" --no-audit --no-fund --loglevel=error) \
        || die "npm ci failed"
    echo "$want" > "$stamp"
fi

echo "==> durabox build handlers.mjs"
mkdir -p "$ROOT/target/differential"
"$DURABOX" build "$HERE/handlers.mjs" -o "$COMPONENT" || die "durabox build failed"

echo "==> node --test tests/differential/js/"
export DURABOX_BIN="$DURABOX" DIFFERENTIAL_JS_COMPONENT="$COMPONENT"
status=0
node --test "$HERE/" || status=$?
echo "differential/js: report in target/differential/js.md"
exit "$status"
