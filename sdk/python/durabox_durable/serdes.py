"""Payload (de)serialization, named after `aws_durable_execution_sdk_python.serdes`.

Without a serdes, step, child-context, batch and condition payloads are compact JSON (what
the AWS Python SDK writes for primitives and lists of primitives). A custom `SerDes`
(`StepConfig.serdes`, `ChildConfig.serdes`, `CallbackConfig.serdes`,
`MapConfig/ParallelConfig.item_serdes` and `.serdes`, `WaitForConditionConfig.serdes`,
`InvokeConfig.serdes_payload/serdes_result`) writes any string it likes; the host stores
it as is and hands it back to the same serdes on replay."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Optional

from .exceptions import SerDesError


@dataclass(frozen=True)
class SerDesContext:
    """What a serdes is told about the payload's operation. `operation_id` is None when
    the host replays a recorded result without naming its operation."""

    operation_id: Optional[str]
    durable_execution_arn: str


class SerDes(ABC):
    """A custom payload format: `serialize` returns the string to checkpoint,
    `deserialize` reads such a string back."""

    @abstractmethod
    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        ...

    @abstractmethod
    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        ...


class JsonSerDes(SerDes):
    """Compact JSON, the default format of step and child-context payloads."""

    def serialize(self, value, serdes_context=None) -> str:
        return dumps(value)

    def deserialize(self, data, serdes_context=None):
        return loads(data)


class PassThroughSerDes(SerDes):
    """Strings as they are: the default of callback results."""

    def serialize(self, value, serdes_context=None) -> str:
        return value

    def deserialize(self, data, serdes_context=None):
        return data


def dumps(value) -> str:
    """Step, child-context and condition payloads: compact JSON (`"a"`, `[1,2]`, `null`)."""
    try:
        return json.dumps(value, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise SerDesError(str(e)) from None


def loads(payload):
    """A recorded payload back to its value (an absent payload is None)."""
    return None if payload is None or payload == "" else json.loads(payload)


def serialize(serdes: Optional[SerDes], value, operation_id, arn) -> str:
    """`value` through `serdes` (compact JSON when None); failures raise SerDesError."""
    if serdes is None:
        return dumps(value)
    try:
        data = serdes.serialize(value, SerDesContext(operation_id, arn))
    except Exception as e:  # noqa: BLE001  (user code)
        raise SerDesError(f"serialization failed for id {operation_id}: {e}") from None
    if not isinstance(data, str):
        raise SerDesError(f"{type(serdes).__name__}.serialize returned "
                          f"{type(data).__name__}, not str")
    return data


def deserialize(serdes: Optional[SerDes], data, operation_id, arn):
    """A recorded payload through `serdes` (JSON when None). An absent payload is None
    without asking the serdes, as in the AWS SDK."""
    if serdes is None or data is None:
        return loads(data)
    try:
        return serdes.deserialize(data, SerDesContext(operation_id, arn))
    except Exception as e:  # noqa: BLE001  (user code)
        raise SerDesError(f"deserialization failed for id {operation_id}: {e}") from None
