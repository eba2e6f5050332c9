"""JSON payloads, as the AWS Python SDK writes them."""

import json

from .exceptions import SerDesError


def dumps(value) -> str:
    """Step, child-context and condition payloads: compact JSON (`"a"`, `[1,2]`, `null`)."""
    try:
        return json.dumps(value, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise SerDesError(str(e)) from None


def loads(payload):
    """A recorded payload back to its value (an absent payload is None)."""
    return None if payload is None or payload == "" else json.loads(payload)
