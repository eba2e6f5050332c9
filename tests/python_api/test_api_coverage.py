"""durabox's Python SDK (sdk/python/aws_durable_execution_sdk_python, also importable as
durabox_durable) against the public API of AWS's aws_durable_execution_sdk_python.

AWS's package is imported for real (installed by tests/python_api/check.sh from
requirements.txt). Ours has the same module name, so in this process it is loaded from
sdk/python under another name (OURS_NAME, with a custom spec: its imports are relative);
test_module_paths imports it under its real name, and durabox_durable, in a subprocess
that sees only sdk/python and the standard library. Ours imports the WIT bindings
componentize-py generates (`componentize_py_types`, `wit_world`), which exist only inside
a component, so those modules are stubbed in sys.modules before it is imported; nothing
calls into them.

Every check fails when AWS has something durabox_durable neither has nor lists, with a
reason, in excluded.toml; and when excluded.toml lists something stale (AWS no longer
has it, or durabox now has it, or the reason is empty)."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import importlib.util
import inspect
import json
import pkgutil
import subprocess
import sys
import tomllib
import types
from pathlib import Path
from typing import TypeVar

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EXCLUDED = tomllib.loads((HERE / "excluded.toml").read_text())

AWS_NAME = "aws_durable_execution_sdk_python"
OURS_NAME = "durabox_sdk_under_test"  # our aws_durable_execution_sdk_python, renamed
SDK_DIR = ROOT / "sdk" / "python"

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


def _load_ours():
    """sdk/python/aws_durable_execution_sdk_python as the package OURS_NAME."""
    package_dir = SDK_DIR / AWS_NAME
    spec = importlib.util.spec_from_file_location(
        OURS_NAME, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[OURS_NAME] = module
    spec.loader.exec_module(module)
    return module


_stub_wit_bindings()
aws = importlib.import_module(AWS_NAME)
assert str(SDK_DIR) not in str(aws.__file__), "the venv must hold AWS's package"
ours = _load_ours()


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


# ---- module paths and generics, under the real module name ----------------------------

def _aws_public_names(module) -> dict:
    """What a handler can import from an AWS module: every public class and function the
    module defines, and its public UPPER_CASE constants, each with its number of type
    parameters (`SerDes` -> 1 for `SerDes[T]`; 0 when not generic)."""
    names = {}
    for name, value in vars(module).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        if inspect.isclass(value) or inspect.isfunction(value):
            if getattr(value, "__module__", None) != module.__name__:
                continue
            params = getattr(value, "__parameters__", ()) if inspect.isclass(value) else ()
            names[name] = len(params) if isinstance(params, tuple) else 0
        elif name.isupper() and name != "TYPE_CHECKING" and not isinstance(value, TypeVar):
            names[name] = 0
    return names


# Run by test_module_paths in a subprocess that sees only the standard library and
# sdk/python: reads {module: {name: type parameter count}} (AWS's) on stdin, imports ours
# under AWS's module name and reports, as JSON, what it lacks.
_PROBE = """
import importlib, json, sys, types
sys.path.insert(0, SDK_DIR)
exec(STUBS)
_stub_wit_bindings()
wanted = json.load(sys.stdin)
sdk = importlib.import_module(AWS_NAME)
alias = importlib.import_module("durabox_durable")
report = {"file": sdk.__file__, "missing_modules": [], "missing_names": [],
          "not_generic": [], "not_aliased": []}
for rel, names in sorted(wanted.items()):
    full = AWS_NAME + ("." + rel if rel else "")
    try:
        module = importlib.import_module(full)
    except ImportError:
        report["missing_modules"].append(rel)
        continue
    if rel and importlib.import_module("durabox_durable." + rel) is not module:
        report["not_aliased"].append(rel)
    for name, params in sorted(names.items()):
        key = (rel + "." if rel else "") + name
        if not hasattr(module, name):
            report["missing_names"].append(key)
            continue
        if params:
            try:
                getattr(module, name)[(int,) * params if params > 1 else int]
            except TypeError as e:
                report["not_generic"].append(key + ": " + str(e))
for name in [n for n in sdk.__all__ if n != "__version__"]:  # durabox_durable has its own
    if getattr(alias, name, None) is not getattr(sdk, name):
        report["not_aliased"].append("durabox_durable." + name)
exceptions = importlib.import_module(AWS_NAME + ".exceptions")
lambda_service = importlib.import_module(AWS_NAME + ".lambda_service")
report["recorded_types"] = [
    lambda_service.ErrorObject.from_exception(exceptions.StepError("m")).type,
    lambda_service.ErrorObject.from_exception(ValueError("m")).type]
print(json.dumps(report))
"""


def _probe_ours_as_aws() -> dict:
    wanted = {"": {n: 0 for n in aws.__all__ if n != "__version__"}}
    for rel in _submodules(aws):
        wanted[rel] = _aws_public_names(importlib.import_module(f"{AWS_NAME}.{rel}"))
    script = (f"SDK_DIR = {str(SDK_DIR)!r}\nAWS_NAME = {AWS_NAME!r}\n"
              f"STUBS = {inspect.getsource(_stub_wit_bindings)!r}\n" + _PROBE)
    done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", script], input=json.dumps(wanted),
                          capture_output=True, text=True, check=False, cwd=str(SDK_DIR))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


_PROBED: dict = {}


def _probed() -> dict:
    if not _PROBED:
        _PROBED.update(_probe_ours_as_aws())
    return _PROBED


def test_module_paths():
    """`import aws_durable_execution_sdk_python.<module>` works for every public AWS module
    (the package itself included) and `from <module> import <Name>` for every public name
    AWS's defines there, loaded under AWS's module name from sdk/python, unless the module
    or `"<module>.<Name>"` is excluded; `durabox_durable.<module>` is the same module."""
    report = _probed()
    assert Path(report["file"]).resolve().is_relative_to(SDK_DIR), report["file"]
    missing_modules = [m for m in report["missing_modules"] if not _is_excluded_module(m)]
    assert not missing_modules, _missing_report("modules", missing_modules)
    excluded = set(_excluded("submodule_names"))
    missing = [k for k in report["missing_names"]
               if k not in excluded and not _is_excluded_module(k.rpartition(".")[0])]
    assert not missing, _missing_report("module names", missing)
    assert not report["not_aliased"], f"durabox_durable aliases: {report['not_aliased']}"


def test_generics():
    """What is generic in AWS's SDK (`SerDes[T]`, `BatchResult[R]`, `MapConfig[T]`,
    `InvokeConfig[P, R]`, ...) can be subscripted the same way in ours."""
    report = _probed()
    not_generic = [k for k in report["not_generic"]
                   if k.split(":")[0] not in set(_excluded("submodule_names"))]
    assert not not_generic, f"not subscriptable as in AWS's SDK: {not_generic}"


def test_recorded_error_types_are_aws_names():
    """ErrorType of an SDK error is AWS's (`aws_durable_execution_sdk_python.exceptions.
    StepError`), of a builtin its bare name."""
    assert _probed()["recorded_types"] == [f"{AWS_NAME}.exceptions.StepError", "ValueError"]


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
    theirs = aws_serdes.EXTENDED_TYPES_SERDES
    mine = importlib.import_module(f"{OURS_NAME}.serdes").EXTENDED_TYPES_SERDES
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
    models = importlib.import_module(f"{OURS_NAME}.concurrency.models")
    error = importlib.import_module(f"{OURS_NAME}.lambda_service").ErrorObject("m", "T", None, None)
    mine = models.BatchResult(
        [models.BatchItem(0, ours.BatchItemStatus.SUCCEEDED, {"x": 1}),
         models.BatchItem(1, ours.BatchItemStatus.FAILED, None, error)],
        models.CompletionReason.ALL_COMPLETED)
    written = aws_serdes.EXTENDED_TYPES_SERDES.serialize(theirs)
    our_serdes = importlib.import_module(f"{OURS_NAME}.serdes").EXTENDED_TYPES_SERDES
    assert our_serdes.serialize(mine) == written
    assert our_serdes.deserialize(written) == mine
