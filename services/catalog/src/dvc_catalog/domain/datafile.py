"""Reading the catalog's data files (``dvc_catalog/data/*.yaml``, shipped inside the package) into pydantic models.

Validation is strict: no unknown key, no type coercion (``"135000"`` is not an amount), and every error names the
file, the line, the entry (a procedure's ``code``, a profile's ``sector``) and the field, e.g.::

    procedures.yaml: 1 problem
      line 74, procedure GPLX-DOI-L4, fee.amount_vnd: Input should be a valid integer (got '135000')
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from importlib.resources import files
from typing import Any, TypeVar

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints (types-PyYAML is not installed)
from pydantic import BaseModel, ValidationError

__all__ = ["DataFileError", "load_data_file", "parse_data"]

Model = TypeVar("Model", bound=BaseModel)

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TYPE_NAMES = frozenset({"int", "float", "str", "bool", "none", "list", "dict", "tuple"})


class DataFileError(ValueError):
    """A data file that cannot be read or is not valid. ``problems`` holds one ``(line, entry, field, message)``
    per error (``line`` 0 when unknown, ``entry`` empty for the file's top level)."""

    def __init__(self, file: str, problems: Sequence[tuple[int, str, str, str]]) -> None:
        self.file = file
        self.problems = list(problems)
        lines = [
            ", ".join(part for part in (f"line {line}" if line else "", entry, field) if part)
            + f": {message}"
            for line, entry, field, message in self.problems
        ]
        count = f"{len(lines)} problem" + ("s" if len(lines) != 1 else "")
        super().__init__(f"{file}: {count}\n  " + "\n  ".join(lines))


def load_data_file(name: str, model: type[Model], entries: Mapping[str, tuple[str, str]]) -> Model:
    """``dvc_catalog/data/<name>`` validated as ``model``. ``entries`` names the lists of entries in the file and
    how an entry is named in errors: ``{"procedures": ("procedure", "code")}``."""
    text = files("dvc_catalog").joinpath("data", name).read_text(encoding="utf-8")
    return parse_data(name, text, model, entries)


def parse_data(name: str, text: str, model: type[Model], entries: Mapping[str, tuple[str, str]]) -> Model:
    """Like ``load_data_file``, from the file's text (``name`` is only used in errors)."""
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataFileError(name, [(mark.line + 1 if mark else 0, "", "", f"not YAML: {exc}")]) from exc
    try:
        return model.model_validate(data, strict=True, extra="forbid")
    except ValidationError as exc:
        node = yaml.compose(text, Loader=_LOADER)  # only now: the nodes know the lines
        problems = [_problem(error, data, node, entries) for error in exc.errors()]
        raise DataFileError(name, problems) from None


def _problem(
    error: Any, data: Any, node: Any, entries: Mapping[str, tuple[str, str]]
) -> tuple[int, str, str, str]:
    """Where an error is: walk the loaded data and the YAML nodes along pydantic's ``loc`` (skipping the tags pydantic
    adds, such as a union member's name) to the deepest element that exists."""
    loc = list(error["loc"])
    path: list[str | int] = []
    line = node.start_mark.line + 1 if node is not None else 0
    entry = ""
    for i, key in enumerate(loc):
        child = _child(data, node, key)
        if child is None:
            if i == len(loc) - 1 and not _union_tag(key):
                path.append(key)  # a missing or unexpected key: still the field to name
            continue
        data, node, line = child
        path.append(key)
        if len(path) == 2 and isinstance(path[0], str) and path[0] in entries and isinstance(key, int):
            label, name_key = entries[path[0]]
            name = data.get(name_key) if isinstance(data, dict) else None
            entry = f"{label} {name}" if isinstance(name, str) else f"{label} #{key + 1}"
    field_path = path[2:] if entry else path
    field = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in field_path).replace(".[", "[")
    message = error["msg"].removeprefix("Value error, ")  # our own checks name the value themselves
    if error["type"] not in ("missing", "extra_forbidden", "value_error") and "input" in error:
        shown = repr(error["input"])
        message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return line, entry, field, message


def _union_tag(key: str | int) -> bool:
    """Whether ``key`` is a union member pydantic names in ``loc`` (``constrained-int``, ``str``, ``DocumentRef``)
    rather than a key of the file (keys are snake_case)."""
    return not isinstance(key, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", key) or key in _TYPE_NAMES


def _child(data: Any, node: Any, key: str | int) -> tuple[Any, Any, int] | None:
    """The value at ``key``, its YAML node and its line (a mapping's: the line of the key)."""
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode) and key in data:
        for key_node, value_node in node.value:
            if key_node.value == str(key):
                return data[key], value_node, key_node.start_mark.line + 1
        return data[key], node, node.start_mark.line + 1
    if isinstance(data, list) and isinstance(key, int) and isinstance(node, yaml.SequenceNode):
        if 0 <= key < len(data):
            return data[key], node.value[key], node.value[key].start_mark.line + 1
    return None
