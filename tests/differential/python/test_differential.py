"""Differential tests: every case of handlers.py runs in AWS's official Python testing
runner (aws-durable-execution-sdk-python-testing 1.4.0, DurableFunctionTestRunner with
skipped time) and in durabox (`durabox run --json`, or `durabox serve --skip-time` + boto3
for callbacks); status, result, error and the history, event by event, must be the same
(differential.py says what is compared and what differs by construction).

Cases listed in known_differences.toml are xfail(strict=True) with their reasons: a fix in
durabox makes them pass, which fails the run until the entry is removed. The report
target/differential/python.md (match / first differing event per case) is written at the
end of the session; `python differential.py` writes it without pytest.

    target/venv-differential/bin/python -m pytest tests/differential/python -p no:cacheprovider
"""

from __future__ import annotations

import pytest

import differential
from conftest import COMPARISONS
from handlers import CASES

KNOWN = differential.known_differences()


def params():
    for case in CASES:
        marks = []
        if case in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[case]))
        yield pytest.param(case, marks=marks, id=case)


def test_known_differences_name_real_cases():
    assert set(KNOWN) <= set(CASES), set(KNOWN) - set(CASES)


@pytest.mark.parametrize("case", list(params()))
def test_same_as_aws(case, component, request):
    server = request.getfixturevalue("server") if CASES[case][0] == "callback" else None
    expected = differential.run_aws(case)
    got = differential.run_durabox(case, server)
    comparison = differential.compare(case, expected, got)
    COMPARISONS.append(comparison)
    assert comparison.matches, "\n".join(comparison.differences)
