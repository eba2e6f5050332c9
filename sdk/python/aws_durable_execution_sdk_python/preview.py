"""AWS SDK 3.0's `preview`: `build_preview` makes a small dict of selected fields of a
value (e.g. to store inline next to a pointer written by an offloading serdes). Pure
Python; works in a component as it does on AWS."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, List, Optional


class PreviewMode(StrEnum):
    """INCLUDE_ALL: every field is shown except `exclude`; EXCLUDE_ALL: only `include`
    (and `mask`) fields are shown."""

    INCLUDE_ALL = "INCLUDE_ALL"
    EXCLUDE_ALL = "EXCLUDE_ALL"


class FieldMatchMode(StrEnum):
    """ANYWHERE: the name matches a field at any depth; PATH: the name is the dotted path
    of the field from the root."""

    ANYWHERE = "ANYWHERE"
    PATH = "PATH"


@dataclass(frozen=True)
class PreviewField:
    name: str
    match: FieldMatchMode = FieldMatchMode.ANYWHERE


@dataclass(frozen=True)
class PreviewConfig:
    """Which fields `build_preview` shows (excluded fields never; masked fields as
    `mask_string`), and the JSON size budget of the preview."""

    mode: PreviewMode
    include: List[PreviewField] = field(default_factory=list)
    exclude: List[PreviewField] = field(default_factory=list)
    mask: List[PreviewField] = field(default_factory=list)
    mask_string: str = "***"
    max_preview_bytes: int = 4096


def _selects(rules: List[PreviewField], path: List[str]) -> bool:
    dotted = ".".join(path)
    for rule in rules:
        if rule.match is FieldMatchMode.PATH:
            if dotted == rule.name:
                return True
        elif rule.name in path:
            return True
    return False


def build_preview(value: Any, config: PreviewConfig) -> Optional[dict]:
    """The visible leaf fields of the dict `value`, nested as in `value` (list elements'
    fields merged at the list's path, keys containing dots skipped), taken in order while
    the preview stays within `config.max_preview_bytes` of JSON; None when `value` is not
    a dict or nothing is visible."""
    if not isinstance(value, dict):
        return None
    leaves: list = []

    def walk(node: Any, path: List[str]) -> None:
        if isinstance(node, list):
            for element in node:
                walk(element, path)
            return
        if not isinstance(node, dict):
            return
        for key, child in node.items():
            if "." in str(key):
                continue
            child_path = path + [str(key)]
            excluded = _selects(config.exclude, child_path)
            masked = _selects(config.mask, child_path)
            if excluded:
                continue
            shown = (masked or config.mode is PreviewMode.INCLUDE_ALL
                     or _selects(config.include, child_path))
            if shown and masked:
                leaves.append((child_path, config.mask_string))
            elif shown and not isinstance(child, (dict, list)):
                leaves.append((child_path, child))
            else:
                walk(child, child_path)

    walk(value, [])
    preview: dict = {}
    size = len("{}")
    for path, leaf in leaves:
        cost = len(f'"{".".join(path)}":{json.dumps(leaf)},'.encode())
        if size + cost > config.max_preview_bytes:
            break
        size += cost
        node = preview
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[path[-1]] = leaf
    return preview or None
