"""durabox_durable against the public API of AWS's aws_durable_execution_sdk_python.

AWS's package is imported for real (installed by tests/python_api/check.sh from
requirements.txt). durabox_durable imports the WIT bindings componentize-py generates
(`componentize_py_types`, `wit_world`), which exist only inside a component, so those two
modules are stubbed in sys.modules before it is imported; nothing calls into them.

Every check fails when AWS has something durabox_durable neither has nor lists, with a
reason, in excluded.toml; and when excluded.toml lists something stale (AWS no longer
has it, or durabox now has it, or the reason is empty)."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import pkgutil
import sys
import tomllib
import types
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EXCLUDED = tomllib.loads((HERE / "excluded.toml").read_text())

AWS_NAME = "aws_durable_execution_sdk_python"
OURS_NAME = "durabox_durable"

# Config / strategy dataclasses handlers build, by the AWS module that defines them.
CONFIG_MODULES = ("config", "retries", "waits", "types", "serdes")


def _stub_wit_bindings() -> None:
    """Stand-ins for the componentize-py bindings: enough to import, nothing to call."""

    class _Anything:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return _Anything

    class _LazyModule(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return _Anything

    cpt = types.ModuleType("componentize_py_types")

    class Err(Exception):
        def __init__(self, value):
            super().__init__(value)
            self.value = value

    class Ok:
        def __init__(self, value):
            self.value = value

    cpt.Err, cpt.Ok = Err, Ok
    world = types.ModuleType("wit_world")
    imports = types.ModuleType("wit_world.imports")
    wit_types = _LazyModule("wit_world.imports.types")
    imports.types = wit_types
    world.imports = imports
    sys.modules.update({"componentize_py_types": cpt, "wit_world": world,
                        "wit_world.imports": imports, "wit_world.imports.types": wit_types})


_stub_wit_bindings()
sys.path.insert(0, str(ROOT / "sdk" / "python"))
aws = importlib.import_module(AWS_NAME)
ours = importlib.import_module(OURS_NAME)


def _excluded(section: str) -> dict:
    return EXCLUDED.get(section, {})


def _submodules(package) -> set:
    """Dotted names of every public submodule, relative to the package."""
    found = set()
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        relative = info.name[len(package.__name__) + 1:]
        if any(part.startswith("_") for part in relative.split(".")):
            continue
        found.add(relative)
    return found


def _is_excluded_module(name: str) -> bool:
    parts = name.split(".")
    return any(".".join(parts[:i]) in _excluded("submodules") for i in range(1, len(parts) + 1))


def _public_members(cls) -> set:
    return {n for n in dir(cls) if not n.startswith("_")}


def _missing_report(kind: str, names) -> str:
    return (f"AWS {kind} missing from {OURS_NAME} and not listed in "
            f"tests/python_api/excluded.toml: {sorted(names)}")


# ---- the three required checks ------------------------------------------------------

def test_aws_package_is_the_pinned_version():
    assert aws.__version__ == "3.0.0", "update requirements.txt and re-check the exclusions"


def test_top_level_names():
    aws_names = set(aws.__all__)
    missing = {n for n in aws_names if not hasattr(ours, n)} - set(_excluded("top_level"))
    assert not missing, _missing_report("top-level names", missing)


def test_submodules():
    aws_modules = _submodules(aws)
    ours_modules = _submodules(ours)
    missing = {m for m in aws_modules - ours_modules if not _is_excluded_module(m)}
    assert not missing, _missing_report("submodules", missing)


def test_submodules_import():
    """Every submodule we mirror imports (with the bindings stubbed)."""
    for name in sorted(_submodules(aws) & _submodules(ours)):
        importlib.import_module(f"{OURS_NAME}.{name}")


def test_durable_context_methods():
    aws_methods = _public_members(aws.DurableContext)
    ours_methods = _public_members(ours.DurableContext)
    missing = aws_methods - ours_methods - set(_excluded("context_methods"))
    assert not missing, _missing_report("DurableContext methods", missing)


# ---- names users import from submodules ---------------------------------------------

def _module_public_names(module) -> set:
    """Classes, functions and enums defined in `module` itself (not imports, not type
    variables or aliases)."""
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
            continue
        if inspect.isclass(value) or inspect.isfunction(value):
            names.add(name)
    return names


def test_submodule_names():
    """What `from aws_durable_execution_sdk_python.<module> import X` can name is importable
    from the same durabox_durable module, unless `"<module>.X"` is excluded."""
    excluded = set(_excluded("submodule_names"))
    missing = set()
    for name in sorted(_submodules(aws) & _submodules(ours)):
        aws_module = importlib.import_module(f"{AWS_NAME}.{name}")
        our_module = importlib.import_module(f"{OURS_NAME}.{name}")
        for attr in _module_public_names(aws_module):
            key = f"{name}.{attr}"
            if key not in excluded and not hasattr(our_module, attr):
                missing.add(key)
    assert not missing, _missing_report("submodule names", missing)


# ---- config dataclass fields and defaults -------------------------------------------

def _normalized_default(f: dataclasses.Field):
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:
        return "<required>"
    return _normalized(value)


def _normalized(value):
    if isinstance(value, enum.Enum):
        return value.value
    if hasattr(value, "to_seconds"):
        return ("seconds", value.to_seconds())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple((f.name, _normalized(getattr(value, f.name)))
                     for f in dataclasses.fields(value))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _aws_dataclasses():
    for module_name in CONFIG_MODULES:
        module = importlib.import_module(f"{AWS_NAME}.{module_name}")
        for name in sorted(_module_public_names(module)):
            cls = getattr(module, name)
            if dataclasses.is_dataclass(cls):
                yield module_name, name, cls


@pytest.mark.parametrize("module_name,name,aws_cls",
                         [pytest.param(*t, id=f"{t[0]}.{t[1]}") for t in _aws_dataclasses()])
def test_dataclass_fields_and_defaults(module_name, name, aws_cls):
    """Same field names, same positional order, same defaults, unless
    `"<Class>.<field>"` is excluded."""
    key = f"{module_name}.{name}"
    if key in _excluded("submodule_names") or _is_excluded_module(module_name):
        pytest.skip("excluded")
    our_cls = getattr(importlib.import_module(f"{OURS_NAME}.{module_name}"), name, None)
    if our_cls is None:
        pytest.skip("missing: reported by test_submodule_names")
    excluded = _excluded("fields")
    assert dataclasses.is_dataclass(our_cls), f"{key} is not a dataclass in {OURS_NAME}"
    ours_fields = {f.name: f for f in dataclasses.fields(our_cls)}
    problems = []
    aws_positional = [f.name for f in dataclasses.fields(aws_cls)
                      if not f.kw_only and f"{name}.{f.name}" not in excluded]
    ours_positional = [f.name for f in dataclasses.fields(our_cls) if not f.kw_only]
    if ours_positional[:len(aws_positional)] != aws_positional:
        problems.append(f"positional fields {ours_positional} do not start with AWS's "
                        f"{aws_positional}")
    for f in dataclasses.fields(aws_cls):
        if f"{name}.{f.name}" in excluded:
            continue
        mine = ours_fields.get(f.name)
        if mine is None:
            problems.append(f"field {f.name} missing")
            continue
        want, have = _normalized_default(f), _normalized_default(mine)
        if want != have and want != "<required>":  # a default AWS lacks is compatible
            problems.append(f"field {f.name}: default {have!r}, AWS {want!r}")
    assert not problems, f"{key}: " + "; ".join(problems)


# ---- exception hierarchy --------------------------------------------------------------

def _aws_exceptions():
    module = importlib.import_module(f"{AWS_NAME}.exceptions")
    for name in sorted(_module_public_names(module)):
        cls = getattr(module, name)
        if inspect.isclass(cls) and issubclass(cls, BaseException):
            yield name, cls


@pytest.mark.parametrize("name,aws_cls", list(_aws_exceptions()))
def test_exception_hierarchy(name, aws_cls):
    """An AWS exception we have derives from every AWS ancestor we also have (so
    `except DurableOperationError:` catches the same errors), and takes AWS's
    constructor parameters."""
    if f"exceptions.{name}" in _excluded("submodule_names"):
        pytest.skip("excluded")
    our_cls = getattr(ours.exceptions, name, None)
    if our_cls is None:
        pytest.skip("missing: reported by test_submodule_names")
    for ancestor in aws_cls.__mro__[1:]:
        if ancestor.__module__ == "builtins":
            assert issubclass(our_cls, ancestor), f"{name} must derive from {ancestor.__name__}"
            continue
        if not ancestor.__module__.startswith(AWS_NAME):
            continue
        mine = getattr(ours.exceptions, ancestor.__name__, None)
        if mine is not None:
            assert issubclass(our_cls, mine), f"{name} must derive from {ancestor.__name__}"
    if not any("__init__" in vars(c) for c in aws_cls.__mro__
               if c.__module__.startswith(AWS_NAME)):
        return  # AWS takes Exception's arguments
    aws_params = list(inspect.signature(aws_cls).parameters)
    try:
        our_params = list(inspect.signature(our_cls).parameters)
    except ValueError:  # Exception's own (*args)
        our_params = ["args"]
    if our_params[:len(aws_params)] != aws_params:
        assert f"exceptions.{name}.__init__" in _excluded("parameters"), (
            f"{name}({', '.join(our_params)}) does not start with AWS's "
            f"({', '.join(aws_params)})")


# ---- decorators -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["durable_step", "durable_with_child_context",
                                  "durable_parallel_branch", "durable_wait_for_callback",
                                  "durable_execution", "with_retry"])
def test_decorator_parameters(name):
    """Same parameters in the same order (minus `"<function>.<parameter>"` exclusions)."""
    excluded = _excluded("parameters")
    aws_params = [p for p in inspect.signature(getattr(aws, name)).parameters
                  if f"{name}.{p}" not in excluded]
    our_params = list(inspect.signature(getattr(ours, name)).parameters)
    assert our_params[:len(aws_params)] == aws_params, f"{name}{our_params} vs AWS {aws_params}"


def test_durable_context_method_parameters():
    """Methods both have take AWS's parameters, in AWS's order."""
    problems = []
    for name in sorted(_public_members(aws.DurableContext) & _public_members(ours.DurableContext)):
        aws_member, our_member = (getattr(aws.DurableContext, name),
                                  getattr(ours.DurableContext, name))
        if not (inspect.isfunction(aws_member) and inspect.isfunction(our_member)):
            continue
        aws_params = [p for p in inspect.signature(aws_member).parameters
                      if f"DurableContext.{name}.{p}" not in _excluded("parameters")]
        our_params = list(inspect.signature(our_member).parameters)
        if our_params[:len(aws_params)] != aws_params:
            problems.append(f"{name}{tuple(our_params)} vs AWS {tuple(aws_params)}")
    assert not problems, "; ".join(problems)


# ---- the exclusion list itself ------------------------------------------------------------

def test_exclusions_are_reasoned_and_current():
    stale = []
    for section, entries in EXCLUDED.items():
        for name, reason in entries.items():
            if not isinstance(reason, str) or len(reason.strip()) < 10:
                stale.append(f"[{section}] {name}: give a reason")
    for name in _excluded("top_level"):
        if name not in aws.__all__:
            stale.append(f"[top_level] {name}: AWS no longer exports it")
        elif hasattr(ours, name):
            stale.append(f"[top_level] {name}: durabox has it now")
    aws_modules, ours_modules = _submodules(aws), _submodules(ours)
    for name in _excluded("submodules"):
        if name not in aws_modules:
            stale.append(f"[submodules] {name}: AWS has no such module")
        elif name in ours_modules:
            stale.append(f"[submodules] {name}: durabox has it now")
    for name in _excluded("context_methods"):
        if name not in _public_members(aws.DurableContext):
            stale.append(f"[context_methods] {name}: AWS has no such method")
        elif name in _public_members(ours.DurableContext):
            stale.append(f"[context_methods] {name}: durabox has it now")
    for key in _excluded("submodule_names"):
        module_name, _, attr = key.rpartition(".")
        aws_module = importlib.import_module(f"{AWS_NAME}.{module_name}")
        if not hasattr(aws_module, attr):
            stale.append(f"[submodule_names] {key}: AWS has no such name")
        elif module_name in ours_modules and hasattr(
                importlib.import_module(f"{OURS_NAME}.{module_name}"), attr):
            stale.append(f"[submodule_names] {key}: durabox has it now")
    assert not stale, "tests/python_api/excluded.toml: " + "; ".join(stale)


# ---- payload formats ------------------------------------------------------------------------

def _serdes_samples():
    import datetime
    import decimal
    import uuid

    return [None, "x", 1, 1.5, True, [1, "a", None], {"a": 1, "b": [1, {"c": (2, 3)}]},
            (1, "two"), b"\x00bytes", uuid.UUID(int=7), decimal.Decimal("1.25"),
            datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc),
            datetime.date(2024, 5, 6), [datetime.date(2024, 1, 1)], {"nested": {"d": None}}]


@pytest.mark.parametrize("value", _serdes_samples(), ids=repr)
def test_extended_type_serdes_writes_and_reads_what_aws_does(value):
    aws_serdes = importlib.import_module(f"{AWS_NAME}.serdes")
    theirs, mine = aws_serdes.EXTENDED_TYPES_SERDES, ours.serdes.EXTENDED_TYPES_SERDES
    context = aws_serdes.SerDesContext("op", "arn")
    written = theirs.serialize(value, context)
    assert mine.serialize(value, None) == written
    assert mine.deserialize(written, None) == value


def test_extended_type_serdes_batch_result_matches_aws():
    aws_models = importlib.import_module(f"{AWS_NAME}.concurrency.models")
    aws_config = importlib.import_module(f"{AWS_NAME}.config")
    aws_serdes = importlib.import_module(f"{AWS_NAME}.serdes")
    error = importlib.import_module(f"{AWS_NAME}.lambda_service").ErrorObject("m", "T", None, None)
    theirs = aws_models.BatchResult(
        [aws_models.BatchItem(0, aws_config.BatchItemStatus.SUCCEEDED, {"x": 1}),
         aws_models.BatchItem(1, aws_config.BatchItemStatus.FAILED, None, error)],
        aws_models.CompletionReason.ALL_COMPLETED)
    mine = ours.BatchResult(
        [ours.BatchItem(0, ours.BatchItemStatus.SUCCEEDED, {"x": 1}),
         ours.BatchItem(1, ours.BatchItemStatus.FAILED, None, ours.ErrorObject("m", "T"))],
        ours.CompletionReason.ALL_COMPLETED)
    written = aws_serdes.EXTENDED_TYPES_SERDES.serialize(theirs)
    assert ours.serdes.EXTENDED_TYPES_SERDES.serialize(mine) == written
    assert ours.serdes.EXTENDED_TYPES_SERDES.deserialize(written) == mine
