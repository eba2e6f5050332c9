"""AWS SDK 3.0's `filesystem_serdes`: a SerDes that keeps payloads in files on a mounted
durable filesystem (EFS, S3 Files) and checkpoints a small JSON envelope
(`{"data": <inline payload>}`, or `{"file": <path>[, "preview": {...}]}`).

A durabox component has no filesystem. `FileSystemSerDes` here writes and reads the
inline envelope (OVERFLOW mode with a payload under the checkpoint limit), so such
payloads round-trip as on AWS; writing or reading a file raises a SerDesError saying that
the component has no filesystem."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Optional, Protocol

from .constants import CHECKPOINT_SIZE_LIMIT_BYTES
from .exceptions import SerDesError
from .serdes import EXTENDED_TYPES_SERDES, SerDes, SerDesContext

# An envelope larger than this goes to a file (1 KiB left for the checkpoint's metadata).
_INLINE_LIMIT_BYTES = CHECKPOINT_SIZE_LIMIT_BYTES - 1024

_NO_FILESYSTEM = ("durabox: a component has no filesystem, so FileSystemSerDes cannot {what} "
                  "a file (only OVERFLOW-mode payloads under the checkpoint limit, stored "
                  "inline, work in durabox)")


class FileSystemSerDesMode(StrEnum):
    """ALWAYS: every payload goes to a file; OVERFLOW: inline unless it is too large."""

    ALWAYS = "ALWAYS"
    OVERFLOW = "OVERFLOW"


class FileSystemPathEncoding(StrEnum):
    """How the execution ARN and operation id become path segments."""

    URI = "URI"
    HASH = "HASH"


class GeneratePreview(Protocol):
    def __call__(self, value: Any) -> Optional[dict]: ...


@dataclass(frozen=True)
class FileSystemSerDesConfig:
    storage_mode: FileSystemSerDesMode = FileSystemSerDesMode.ALWAYS
    path_encoding: FileSystemPathEncoding = FileSystemPathEncoding.URI
    generate_preview: Optional[GeneratePreview] = None
    serdes: SerDes[Any] = EXTENDED_TYPES_SERDES


class FileSystemSerDes(SerDes[Any]):
    """`FileSystemSerDes(base_path, config=None)`; see the module docstring for what works
    in a component."""

    def __init__(self, base_path: str, config: Optional[FileSystemSerDesConfig] = None) -> None:
        config = config or FileSystemSerDesConfig()
        self._base_path = base_path
        self._storage_mode = config.storage_mode
        self._path_encoding = config.path_encoding
        self._generate_preview = config.generate_preview
        self._value_serdes = config.serdes

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        if self._storage_mode is FileSystemSerDesMode.OVERFLOW:
            envelope = json.dumps({"data": self._value_serdes.serialize(value, serdes_context)})
            if len(envelope.encode("utf-8")) <= _INLINE_LIMIT_BYTES:
                return envelope
        raise SerDesError(_NO_FILESYSTEM.format(what="write"))

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        envelope = json.loads(data)
        if "file" in envelope:
            raise SerDesError(_NO_FILESYSTEM.format(what="read"))
        return self._value_serdes.deserialize(envelope["data"], serdes_context)
