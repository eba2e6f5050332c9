"""Session fixtures for the differential tests: the component (built once with
`durabox build`), one `durabox serve --skip-time` for the callback cases, and the report
(target/differential/python.md) written at the end of the session."""

from __future__ import annotations

import logging

import pytest

import differential

COMPARISONS: list[differential.Comparison] = []


@pytest.fixture(scope="session")
def component():
    if not differential.DURABOX.exists():
        pytest.fail(f"{differential.DURABOX} is missing: cargo build -p durabox", pytrace=False)
    differential.build_component()
    return differential.COMPONENT


@pytest.fixture(scope="session")
def server(component):
    s = differential.Server()
    yield s
    s.stop()


@pytest.fixture(autouse=True)
def quiet_aws_runner():
    # The AWS SDK logs a traceback for every failed step attempt.
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


def pytest_sessionfinish(session, exitstatus):
    if COMPARISONS:
        order = list(differential.handlers.CASES)
        COMPARISONS.sort(key=lambda c: order.index(c.case))
        differential.write_report(COMPARISONS, differential.known_differences(),
                                  differential.REPORT)
