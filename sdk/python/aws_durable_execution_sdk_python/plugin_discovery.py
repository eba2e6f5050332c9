"""AWS SDK 3.0's `plugin_discovery`: the plugin factories an execution uses, from
`@durable_execution(plugins=[...])` and the `DURABLE_EXECUTION_PLUGINS` environment
variable (names of installed `aws_durable_execution.plugins` entry points).

A component has no installed distributions, so only explicit factories can be used here:
a name configured in the environment raises PluginLoadError."""

from __future__ import annotations

import os
from typing import Mapping, Optional, Sequence

from .exceptions import PluginLoadError

PLUGIN_ENTRY_POINT_GROUP = "aws_durable_execution.plugins"
PLUGIN_ENVIRONMENT_VARIABLE = "DURABLE_EXECUTION_PLUGINS"


def load_configured_plugins(explicit_plugins: Optional[Sequence] = None, *,
                            environment: Optional[Mapping[str, str]] = None) -> list:
    """The explicit plugin factories, validated, in order."""
    from .plugin import check_registrations

    factories = check_registrations(explicit_plugins)
    environment = os.environ if environment is None else environment
    names = [n.strip() for n in (environment.get(PLUGIN_ENVIRONMENT_VARIABLE) or "").split(",")
             if n.strip()]
    if names:
        raise PluginLoadError(
            f"{PLUGIN_ENVIRONMENT_VARIABLE} names {names}, but a durabox component has no "
            f"installed '{PLUGIN_ENTRY_POINT_GROUP}' entry points; pass the factories with "
            "@durable_execution(plugins=[...])")
    return factories
