#!/usr/bin/env bash
# The Python package, as a user gets it: `pip install <checkout>/bindings/python` into a
# fresh virtualenv in a temporary folder outside the checkout, then pytest there on the
# unchanged quickstart handler (guest-examples/python/quickstart/app.py) and approval.py,
# with the same tests run by AWS's runner and by durabox.testing (test_with_runners.py),
# and durabox's own powers (mocks, the manual clock) on orders.py, the replay gate (a
# history recorded by AWS's runner) and crash testing on shipping.py and tally.py
# (test_durabox_powers.py).
# durabox's cache starts empty (a fresh DURABOX_CACHE_DIR in the temporary folder).
#
#   tests/bindings_python/run.sh
#
# pip downloads are cached in target/pip-cache; the extension's Rust build goes to the
# workspace's target/ (maturin builds the workspace member durabox-python, release).
# Timings of the install and of the first (build) and second (cached) test runs go to
# target/bindings/python.txt.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT="$ROOT/target/bindings"
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/durabox-bindings-python.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.1f}')"; }

echo "==> fresh virtualenv in $WORK/venv; pip install bindings/python (+ AWS's SDK and runner, pytest)"
python3 -m venv "$WORK/venv"
t0=$(now)
"$WORK/venv/bin/pip" install --quiet --cache-dir "$ROOT/target/pip-cache" \
    "$ROOT/bindings/python" \
    aws-durable-execution-sdk-python==3.0.0 aws-durable-execution-sdk-python-testing==1.4.0 \
    pytest==8.4.2
t1=$(now)

mkdir -p "$WORK/project"
cp "$ROOT/guest-examples/python/quickstart/app.py" "$HERE/approval.py" "$HERE/orders.py" \
    "$HERE/shipping.py" "$HERE/tally.py" \
    "$HERE/test_with_runners.py" "$HERE/test_durabox_powers.py" "$WORK/project/"
cd "$WORK/project"
export DURABOX_CACHE_DIR="$WORK/cache"
unset VIRTUAL_ENV
TESTS=(test_with_runners.py test_durabox_powers.py)
status=0
echo "==> pytest (first run: builds the handlers into components)"
"$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider "${TESTS[@]}" || status=$?
t2=$(now)
if [ "$status" -eq 0 ]; then
    echo "==> pytest (second run: components from the cache)"
    "$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider "${TESTS[@]}" -k durabox \
        || status=$?
fi
t3=$(now)
{
    echo "pip install ./bindings/python (+ deps): $(elapsed "$t0" "$t1") s"
    echo "pytest, first run (both runners; durabox builds six components): $(elapsed "$t1" "$t2") s"
    echo "pytest, second run (durabox only, cached components): $(elapsed "$t2" "$t3") s"
} | tee "$OUT/python.txt"
exit "$status"
