#!/usr/bin/env bash
# Checks that the Python SDK (sdk/python/aws_durable_execution_sdk_python, alias
# durabox_durable) covers the public API, modules and generics of AWS's
# aws_durable_execution_sdk_python (version pinned in requirements.txt), minus the
# reasoned exclusions in excluded.toml. Creates target/venv-python-api (python >= 3.11,
# PyPI only) and runs tests/python_api/test_api_coverage.py with pytest.
#   PYTHON=python3   interpreter used to create the venv
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3}
VENV=target/venv-python-api
REQS=tests/python_api/requirements.txt
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
want=$(sha256sum "$REQS" | cut -d' ' -f1)
if [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$REQS"
    echo "$want" > "$VENV/.requirements.sha256"
fi
exec "$VENV/bin/python" -m pytest tests/python_api -p no:cacheprovider "$@"
