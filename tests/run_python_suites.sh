#!/usr/bin/env bash
# The Python test suites against `durabox serve`:
#   1. tests/boto3       pytest suite driving every Lambda durable-execution route through boto3;
#   2. the guides' handler tests (guest-examples/python/test_*.py with pytest,
#      guest-examples/js/*.test.mjs with node --test), which run `durabox run --json`;
#   3. the SDK API checks against AWS's own packages (tests/js_api, tests/python_api);
#   4. the AWS CLI check (tests/awscli);
#   5. the new-user check (tests/user_project): AWS-style Python and TypeScript handlers
#      built and run from a folder outside the checkout with a fresh cache, beside AWS's
#      official Python testing runner; then the Python package (tests/bindings_python):
#      `pip install ./bindings/python` into a fresh venv outside the checkout, and the same
#      pytest file run with AWS's runner and with durabox.testing; and the Node package
#      (tests/bindings_node): `npm install ./bindings/node` in a fresh npm project, node --test
#      with LocalDurableTestRunner on the untouched TypeScript quickstart; and durabox as a
#      Rust library (tests/rust_project): a crate outside the checkout, durabox::TestRunner;
#   6. the differential tests (tests/differential/python): the same AWS-style handlers in
#      AWS's official Python testing runner and in durabox, histories compared event by
#      event; known differences are strict xfails (known_differences.toml); the report goes
#      to target/differential/python.md; then tests/differential/js/run.sh, the same against
#      AWS's JS testing runner (@aws/durable-execution-sdk-js-testing), report
#      target/differential/js.md;
#   7. the AWS conformance suite (tests/conformance/harness.py), every suite, in
#      each language, on a real-time server from serve.sh; reports go to
#      target/conformance/<LANG>.md (docs/conformance/ keeps the committed copies).
# Project-local virtualenvs: target/venv-boto3 and target/venv-conformance (python3 >= 3.11).
# Exits non-zero if any suite fails.
#
# Environment:
#   PYTHON=python3                  interpreter used to create the venvs
#   CONFORMANCE_SUITES=...          suites for the harness (default: all ten)
#   CONFORMANCE_LANGS="rust python js" languages (mappings tests/conformance/<LANG>.yaml)
#   CONFORMANCE_LOGS=0              skip ExpectedLogs (checked by default from the server's
#                                   --logs-dir capture, a stand-in for CloudWatch Logs)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3}
SUITES=${CONFORMANCE_SUITES:-step,wait,child,callback,wait_for_callback,invoke,wait_for_condition,parallel,map,plugin}
LANGS=${CONFORMANCE_LANGS:-rust python js}
OUT="$ROOT/target/conformance"
mkdir -p "$OUT"

step() { echo "==> $*"; }
die() { echo "run_python_suites: $*" >&2; exit 1; }

# A venv whose packages are (re)installed only when its requirements file changes.
make_venv() {
    local dir=$1 requirements=$2
    shift 2
    local stamp="$dir/.requirements.sha256"
    local want
    want=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ ! -x "$dir/bin/python" ]; then
        "$PYTHON" -m venv "$dir" || die "cannot create $dir"
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@" -r "$requirements" \
            || die "pip install -r $requirements failed"
        echo "$want" > "$stamp"
    fi
}

# The URL a `durabox serve` logging to LOG (process PID) listens on, once it says so;
# empty if PID exits or SECONDS pass first.
endpoint_of() {
    local log=$1 pid=$2 seconds=$3 endpoint=""
    for _ in $(seq 1 $((seconds * 5))); do
        endpoint=$(sed -n 's/^durabox listening on \(http:[^ ]*\).*/\1/p' "$log" | head -n 1)
        [ -n "$endpoint" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    echo "$endpoint"
}

step "building durabox and the guests"
cargo build -p durabox || die "cargo build failed"
cargo xtask build-guests || die "cargo xtask build-guests failed"

step "virtualenvs"
make_venv target/venv-boto3 tests/boto3/requirements.txt
make_venv target/venv-conformance tests/conformance/requirements.txt --ignore-requires-python --no-deps

step "boto3 suite (tests/boto3)"
target/venv-boto3/bin/python -m pytest tests/boto3 -p no:cacheprovider
boto3_status=$?

step "the guides' handler tests (guest-examples/python, guest-examples/js)"
target/venv-boto3/bin/python -m pytest guest-examples/python -p no:cacheprovider
examples_status=$?
node --test guest-examples/js/ || examples_status=1

api_status=0
step "JS SDK API coverage against @aws/durable-execution-sdk-js (tests/js_api)"
node tests/js_api/check.mjs || api_status=1
node --test tests/js_api/ || api_status=1
step "Python SDK API coverage against aws-durable-execution-sdk-python (tests/python_api)"
PYTHON="$PYTHON" tests/python_api/check.sh || api_status=1

step "a new user's AWS handlers, outside the checkout (tests/user_project)"
make_venv target/venv-user-project tests/user_project/requirements.txt --no-deps
target/venv-user-project/bin/python -m pytest tests/user_project -p no:cacheprovider -v
user_project_status=$?

step "the Python package durabox.testing, outside the checkout (tests/bindings_python)"
tests/bindings_python/run.sh
bindings_status=$?

step "the Node package durabox-testing, outside the checkout (tests/bindings_node)"
tests/bindings_node/run.sh || bindings_status=1

step "durabox as a Rust library in a user's crate, outside the checkout (tests/rust_project)"
tests/rust_project/run.sh || bindings_status=1

step "differential tests, Python (tests/differential/python)"
make_venv target/venv-differential tests/user_project/requirements.txt --no-deps
target/venv-differential/bin/python -m pytest tests/differential/python -p no:cacheprovider -q
differential_status=$?
echo "differential report: target/differential/python.md"

step "differential tests, JavaScript (tests/differential/js)"
tests/differential/js/run.sh || differential_status=1

step "AWS CLI (tests/awscli)"
make_venv target/venv-awscli tests/awscli/requirements.txt
AWSCLI_LOG="$OUT/serve-awscli.log"
target/debug/durabox serve --port 0 --skip-time \
    --function quickstart=target/guests/rust/quickstart.wasm \
    --function scenarios=target/guests/rust/scenarios.wasm > "$AWSCLI_LOG" 2>&1 &
AWSCLI_PID=$!
AWSCLI_ENDPOINT=$(endpoint_of "$AWSCLI_LOG" "$AWSCLI_PID" 60)
if [ -n "$AWSCLI_ENDPOINT" ]; then
    bash tests/awscli/check.sh "$AWSCLI_ENDPOINT" target/venv-awscli/bin/aws
    awscli_status=$?
else
    cat "$AWSCLI_LOG" >&2
    awscli_status=1
fi
kill "$AWSCLI_PID" 2>/dev/null
wait "$AWSCLI_PID" 2>/dev/null

# One real-time server per language (tests/conformance/serve.sh), the harness against it;
# the report goes to target/conformance/<LANG>.md.
run_conformance() {
    local lang=$1
    step "conformance suite ($SUITES) in $lang against tests/conformance/serve.sh 0 $lang"
    local server_log="$OUT/serve-$lang.log"
    tests/conformance/serve.sh 0 "$lang" > "$server_log" 2>&1 &
    SERVER_PID=$!  # serve.sh execs durabox: same pid
    trap stop_server EXIT
    local endpoint
    endpoint=$(endpoint_of "$server_log" "$SERVER_PID" 600)  # serve.sh may build first
    if [ -z "$endpoint" ]; then
        cat "$server_log" >&2
        echo "run_python_suites: the $lang conformance server did not start (log: $server_log)" >&2
        stop_server
        return 1
    fi
    echo "server at $endpoint (log: $server_log)"
    local log_args=()
    if [ "${CONFORMANCE_LOGS:-1}" = "1" ]; then
        log_args=(--logs-dir "target/conformance/logs/$lang")
    fi
    local status=0
    target/venv-conformance/bin/python tests/conformance/harness.py \
        --endpoint "$endpoint" \
        --mapping "tests/conformance/$lang.yaml" \
        --suites "$SUITES" \
        --report "$OUT/$lang.md" \
        "${log_args[@]}" || status=$?
    stop_server
    trap - EXIT
    return "$status"
}
stop_server() {
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
}

conformance_status=0
conformance_summary=""
for lang in $LANGS; do
    run_conformance "$lang"
    lang_status=$?
    conformance_summary="$conformance_summary $lang=$lang_status"
    [ "$lang_status" -ne 0 ] && conformance_status=1
done

echo "run_python_suites: boto3 suite exit $boto3_status, guide tests exit $examples_status, SDK API checks exit $api_status, new-user check exit $user_project_status, Python/Node/Rust test APIs exit $bindings_status, differential tests exit $differential_status, AWS CLI exit $awscli_status, conformance harness exits:$conformance_summary"
if [ "$boto3_status" -ne 0 ] || [ "$examples_status" -ne 0 ] || [ "$api_status" -ne 0 ] || [ "$user_project_status" -ne 0 ] || [ "$bindings_status" -ne 0 ] || [ "$differential_status" -ne 0 ] || [ "$awscli_status" -ne 0 ] || [ "$conformance_status" -ne 0 ]; then
    exit 1
fi
exit 0
