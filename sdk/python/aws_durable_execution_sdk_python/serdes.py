"""Payload (de)serialization, named after `aws_durable_execution_sdk_python.serdes`.

Without a serdes, step, child-context, map / parallel (each branch and the whole
`BatchResult`) and condition payloads are written by `ExtendedTypeSerDes`, the AWS SDK's
default: primitives and lists of primitives as compact JSON, anything else in its typed
envelope `{"t": tag, "v": value}`, byte for byte as the AWS SDK writes them. Invoke
payloads and results default to `JsonSerDes` (`json.dumps`), as in the AWS SDK. A custom `SerDes`
(`StepConfig.serdes`, `ChildConfig.serdes`, `CallbackConfig.serdes`,
`MapConfig/ParallelConfig.item_serdes` and `.serdes`, `WaitForConditionConfig.serdes`,
`InvokeConfig.serdes_payload/serdes_result`) writes any string it likes; the host stores
it as is and hands it back to the same serdes on replay."""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Generic, Optional, TypeVar

from .exceptions import InvocationError, SerDesError


@dataclass(frozen=True)
class SerDesContext:
    """What a serdes is told about the payload's operation. `operation_id` is None when
    the host replays a recorded result without naming its operation."""

    operation_id: Optional[str] = ""
    durable_execution_arn: str = ""


T = TypeVar("T")

# The keys of ExtendedTypeSerDes's envelope `{"t": <tag>, "v": <value>}`.
TYPE_TOKEN = "t"
VALUE_TOKEN = "v"


class SerDes(ABC, Generic[T]):
    """A custom payload format: `serialize` returns the string to checkpoint,
    `deserialize` reads such a string back."""

    @abstractmethod
    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        ...

    @abstractmethod
    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        ...


class JsonSerDes(SerDes[T]):
    """`json.dumps(value)` (default separators, as the AWS SDK's JsonSerDes), the default
    of invoke payloads and results."""

    def serialize(self, value, serdes_context=None) -> str:
        return json.dumps(value)

    def deserialize(self, data, serdes_context=None):
        return loads(data)


class PassThroughSerDes(SerDes[T]):
    """Strings as they are: the default of callback results."""

    def serialize(self, value, serdes_context=None) -> str:
        return value

    def deserialize(self, data, serdes_context=None):
        return data


class ExtendedTypeSerDes(SerDes[T]):
    """AWS's typed JSON format, the default serdes (as in the AWS SDK): primitives and
    lists of primitives are plain compact JSON; anything else is an envelope
    `{"t": <tag>, "v": <value>}`, nested, so that dicts, tuples, bytes, UUID, Decimal,
    datetime, date and BatchResult read back as the same types. Payloads are byte for
    byte what the AWS SDK writes, so either side can read them. An unsupported type
    raises SerDesError("Unsupported type: ...")."""

    def serialize(self, value, serdes_context=None) -> str:
        encoded = value if _is_plain(value) else _encode(value)
        return json.dumps(encoded, separators=(",", ":"))

    def deserialize(self, data, serdes_context=None):
        obj = json.loads(data)
        if _is_plain(obj):
            return obj
        if not (isinstance(obj, dict) and "t" in obj and "v" in obj):
            raise SerDesError('Malformed envelope: missing "t" or "v" at root.')
        return _decode(obj["t"], obj["v"])


def _is_plain(value) -> bool:
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    return isinstance(value, list) and all(_is_plain(v) for v in value)


def _encode(value) -> dict:
    """The envelope of one value (recursively)."""
    from .concurrency.models import BatchResult

    if value is None:
        return {"t": "n", "v": None}
    for tag, kind in (("s", str), ("b", bool), ("i", int), ("f", float)):  # bool before int
        if isinstance(value, kind):
            return {"t": tag, "v": value}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"t": "B", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"t": "u", "v": str(value)}
    if isinstance(value, decimal.Decimal):
        return {"t": "d", "v": str(value)}
    if isinstance(value, datetime.datetime):  # a datetime is also a date
        return {"t": "dt", "v": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"t": "D", "v": value.isoformat()}
    if isinstance(value, BatchResult):
        return {"t": "br", "v": _encode(value.to_dict())["v"]}
    if isinstance(value, list):
        return {"t": "l", "v": [_encode(v) for v in value]}
    if isinstance(value, tuple):
        return {"t": "t", "v": [_encode(v) for v in value]}
    if isinstance(value, dict):
        if any(isinstance(k, tuple) for k in value):
            raise SerDesError("Tuple keys not supported")
        return {"t": "m", "v": {k: _encode(v) for k, v in value.items()}}
    raise SerDesError(f"Unsupported type: {type(value)}")


def _unwrap(value):
    if isinstance(value, dict) and "t" in value and "v" in value:
        return _decode(value["t"], value["v"])
    return value


def _decode(tag: str, value):
    simple = {"n": lambda v: None, "s": str, "b": bool, "i": int, "f": float,
              "B": lambda v: base64.b64decode(v.encode("ascii")), "u": uuid.UUID,
              "d": decimal.Decimal, "D": datetime.date.fromisoformat,
              "dt": lambda v: datetime.datetime.fromisoformat(
                  v[:-1] + "+00:00" if isinstance(v, str) and v.endswith("Z") else v)}
    if tag in simple:
        return simple[tag](value)
    if tag in ("l", "t"):
        if not isinstance(value, list):
            raise SerDesError(f"Expected list, got {type(value)}")
        items = [_unwrap(v) for v in value]
        return items if tag == "l" else tuple(items)
    if tag in ("m", "br"):
        if not isinstance(value, dict):
            raise SerDesError(f"Expected dict, got {type(value)}")
        mapping = {k: _unwrap(v) for k, v in value.items()}
        if tag == "m":
            return mapping
        from .concurrency.models import BatchResult

        return BatchResult.from_dict(mapping)
    raise SerDesError(f'Unknown type tag: "{tag}"')


DEFAULT_JSON_SERDES = JsonSerDes()
EXTENDED_TYPES_SERDES = ExtendedTypeSerDes()


def dumps(value) -> str:
    """Compact JSON (`"a"`, `[1,2]`, `null`); failures raise SerDesError."""
    try:
        return json.dumps(value, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise SerDesError(str(e)) from None


def loads(payload):
    """A JSON payload back to its value (an absent payload is None)."""
    return None if payload is None or payload == "" else json.loads(payload)


def serialize(serdes: Optional[SerDes], value, operation_id, arn) -> str:
    """`value` through `serdes` (`EXTENDED_TYPES_SERDES` when None, as in the AWS SDK);
    failures raise SerDesError (a serdes's own SerDesError unchanged, anything else with
    the AWS SDK's message)."""
    active = serdes if serdes is not None else EXTENDED_TYPES_SERDES
    try:
        data = active.serialize(value, SerDesContext(operation_id, arn))
    except (SerDesError, InvocationError):  # classified by the serdes (RetryableSerDesError)
        raise
    except Exception as e:  # noqa: BLE001  (user code)
        raise SerDesError(f"Serialization failed for id: {operation_id}, error: {e}.") from None
    if not isinstance(data, str):
        raise SerDesError(f"{type(active).__name__}.serialize returned "
                          f"{type(data).__name__}, not str")
    return data


def deserialize(serdes: Optional[SerDes], data, operation_id, arn):
    """A recorded payload through `serdes` (`EXTENDED_TYPES_SERDES` when None). An absent
    payload is None without asking the serdes, as in the AWS SDK (and so is an empty one
    for the default serdes)."""
    if data is None or (serdes is None and data == ""):
        return None
    active = serdes if serdes is not None else EXTENDED_TYPES_SERDES
    try:
        return active.deserialize(data, SerDesContext(operation_id, arn))
    except (SerDesError, InvocationError):  # classified by the serdes (RetryableSerDesError)
        raise
    except Exception as e:  # noqa: BLE001  (user code)
        raise SerDesError(f"Deserialization failed for id: {operation_id}, error: {e}.") from None
