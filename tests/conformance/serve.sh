#!/usr/bin/env bash
# Serves every conformance handler of tests/conformance/<LANG>.yaml on 127.0.0.1:PORT, in
# real time (the suite's callback timeouts and 2 s polling need it), in the foreground.
#
#   tests/conformance/serve.sh PORT LANG      e.g. tests/conformance/serve.sh 9000 rust
#
# Builds the CLI and the guests, writes target/conformance/<LANG>.toml registering each
# `functions:` entry ("<id>": <name>) as <name> -> the mapping's `component:` with the
# environment variable `env_var:`=<id>, then execs `durabox serve`. Guest logs go to
# target/conformance/logs/<LANG>/<function>.jsonl (harness.py --logs-dir reads them).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 PORT LANG" >&2
    exit 2
fi
PORT=$1
LANG_NAME=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAPPING="$ROOT/tests/conformance/$LANG_NAME.yaml"
if [ ! -f "$MAPPING" ]; then
    echo "serve.sh: no mapping $MAPPING" >&2
    exit 2
fi
cd "$ROOT"

cargo build -p durabox >&2
cargo xtask build-guests >&2

# Top-level `component:` and `env_var:`; the `functions:` block's "id": name pairs.
top_value() {
    sed -n "s/^$1:[[:space:]]*\"\{0,1\}\([^\"#]*[^\"#[:space:]]\)\"\{0,1\}.*$/\1/p" "$MAPPING" | head -n 1
}
COMPONENT=$(top_value component)
ENV_VAR=$(top_value env_var)
ENV_VAR=${ENV_VAR:-DURABOX_CONFORMANCE_FN}
if [ -z "$COMPONENT" ]; then
    echo "serve.sh: $MAPPING has no component:" >&2
    exit 2
fi
case "$COMPONENT" in
    /*) ;;
    *) COMPONENT="$ROOT/$COMPONENT" ;;
esac
if [ ! -f "$COMPONENT" ]; then
    echo "serve.sh: component $COMPONENT was not built" >&2
    exit 2
fi

OUT="$ROOT/target/conformance"
CONFIG="$OUT/$LANG_NAME.toml"
LOGS="$OUT/logs/$LANG_NAME"
mkdir -p "$OUT"
rm -rf "$LOGS"
mkdir -p "$LOGS"

awk -v component="$COMPONENT" -v env_var="$ENV_VAR" '
    BEGIN { print "skip_time = false"; print "" }
    /^[^[:space:]#]/ {
        in_functions = ($0 ~ /^functions:[[:space:]]*(#.*)?$/)
        in_targets = ($0 ~ /^targets:[[:space:]]*(#.*)?$/)
        next
    }
    (in_functions || in_targets) && /^[[:space:]]+[^[:space:]#]/ {
        line = $0
        sub(/#.*/, "", line)
        n = split(line, parts, ":")
        if (n < 2) next
        # functions: "<requirement id>": <function name>; targets: <function name>: <handler id>
        if (in_functions) { id = parts[1]; name = parts[2] } else { name = parts[1]; id = parts[2] }
        gsub(/[[:space:]"\047]/, "", id); gsub(/[[:space:]"\047]/, "", name)
        if (id == "" || name == "") next
        printf "[functions.\"%s\"]\ncomponent = \"%s\"\nenv = { %s = \"%s\" }\n\n", name, component, env_var, id
        count++
    }
    END { if (count == 0) exit 3 }
' "$MAPPING" > "$CONFIG" || {
    echo "serve.sh: no functions in $MAPPING" >&2
    exit 2
}
echo "serve.sh: $(grep -c '^\[functions' "$CONFIG") functions from $MAPPING -> $CONFIG" >&2

exec "$ROOT/target/debug/durabox" serve --port "$PORT" --config "$CONFIG" --logs-dir "$LOGS"
