"""durabox embedded in Python: run AWS Lambda durable-function handlers in durabox's
sandbox from a test. See `durabox.testing` (AWS's testing-runner API) and the pytest
fixture `durable_runner` (`durabox.pytest_plugin`)."""

from ._native import DuraboxError, build

__all__ = ["DuraboxError", "build"]
