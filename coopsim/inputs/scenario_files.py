"""Scenario files as written: `extends` inheritance, `--set` overrides, where each value came
from (file and line, for error messages), and writing a resolved scenario back as TOML.

A file may say `extends = "parent.toml"` (relative to itself): the parent's settings are
inherited and the file's own are deep-merged over them (tables merge key by key, other values
replace). `replace = ["targets"]` drops inherited keys first, so the file's own table replaces
the parent's instead of merging into it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coopsim.errors import InputError
from coopsim.inputs.validation import read_toml_with_text

Key = tuple[str, ...]


@dataclass
class RawScenario:
    """A scenario's merged TOML data, and for every key the file (or override) that set it."""

    data: dict[str, Any]
    origins: dict[Key, str] = field(default_factory=dict)
    lines: dict[str, dict[Key, int]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)

    def where(self, loc: Key) -> tuple[str, int | None]:
        """The file (or --set) that set the longest known prefix of `loc`, with its line."""
        for n in range(len(loc), -1, -1):
            origin = self.origins.get(loc[:n])
            if origin is not None:
                line = self.lines.get(origin, {}).get(loc[:n])
                return origin, line
        return str(self.files[0]) if self.files else "scenario", None


def read_scenario_data(path: Path, overrides: list[str] | tuple[str, ...] = ()) -> RawScenario:
    """Read a scenario file, resolve its `extends` chain and apply `--set` overrides."""
    raw = _resolve(path, ())
    for text in overrides:
        key, value = parse_override(text)
        for created in _set(raw.data, key, value):
            raw.origins[created] = f"--set {text}"
        _record(raw.origins, key, value, f"--set {text}")
        raw.overrides.append(text)
    return raw


def _resolve(path: Path, chain: tuple[Path, ...]) -> RawScenario:
    """Read `path` and, first, the chain of files it extends (`chain`: files already being
    read, to refuse cycles); merge this file's settings over the inherited ones."""
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise InputError(str(path), f"extends forms a cycle: {cycle}", "extends")
    text, data = read_toml_with_text(path)
    own_lines = toml_key_lines(text)
    parent_name = data.pop("extends", None)
    replaced = data.pop("replace", [])
    if not isinstance(replaced, list) or not all(isinstance(k, str) for k in replaced):
        raise InputError(str(path), "replace must be a list of dotted key names", "replace")
    if parent_name is None:
        raw = RawScenario(data={}, files=[])
    else:
        if not isinstance(parent_name, str):
            raise InputError(str(path), "extends must be a file name (a string)", "extends")
        parent = path.parent / parent_name
        if not parent.is_file():
            raise InputError(
                str(path),
                f"extends '{parent_name}', but {parent} does not exist "
                f"(paths are relative to {path.parent})",
                "extends",
                own_lines.get(("extends",)),
            )
        raw = _resolve(parent, (*chain, resolved))
    for dotted in replaced:
        _drop(raw.data, tuple(dotted.split(".")))
    _merge(raw.data, data)
    _record(raw.origins, (), data, str(path))
    raw.lines[str(path)] = own_lines
    raw.files.insert(0, path)
    return raw


def _merge(base: dict[str, Any], update: dict[str, Any]) -> None:
    """Deep merge: tables merge key by key; any other value replaces the inherited one."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _drop(data: dict[str, Any], key: Key) -> None:
    """Forget an inherited value, so the child's own (if any) replaces it instead of merging."""
    node = data
    for part in key[:-1]:
        node = node.get(part, {})
        if not isinstance(node, dict):
            return
    node.pop(key[-1], None)


def _record(origins: dict[Key, str], prefix: Key, value: Any, origin: str) -> None:
    if prefix:
        origins[prefix] = origin
    if isinstance(value, dict):
        for key, inner in value.items():
            _record(origins, (*prefix, str(key)), inner, origin)


def parse_override(text: str) -> tuple[Key, Any]:
    """`a.b.c=value` -> (('a', 'b', 'c'), value), the value read as TOML (a bare word is a
    string): `--set founding.mean_per_year=30`, `--set levers.credit.start=2025-01-01`."""
    name, sep, value_text = text.partition("=")
    key = tuple(part.strip() for part in name.strip().split("."))
    if not sep or not all(key):
        raise InputError("--set", f"'{text}' must look like dotted.path=value")
    try:
        value = tomllib.loads(f"v = {value_text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text.strip()
    return key, value


def _set(data: dict[str, Any], key: Key, value: Any) -> list[Key]:
    """Set a dotted key, creating tables on the way; returns the keys of the tables created."""
    node = data
    created: list[Key] = []
    for depth, part in enumerate(key[:-1], start=1):
        if part not in node:
            node[part] = {}
            created.append(key[:depth])
        child = node[part]
        if not isinstance(child, dict):
            raise InputError("--set", f"{'.'.join(key)}: {part} is not a table")
        node = child
    node[key[-1]] = value
    return created


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-\".' ]+?)\s*=")
_INLINE_KEY = re.compile(r"([A-Za-z0-9_\-]+)\s*=")


def _split_key(text: str) -> Key:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


def toml_key_lines(text: str) -> dict[Key, int]:
    """Line numbers (1-based) of table headers and keys, by dotted key: enough to point an
    error message at the line that set a value."""
    found: dict[Key, int] = {}
    table: Key = ()
    open_quote: str | None = None  # inside a multi-line string opened by this delimiter
    for number, line in enumerate(text.splitlines(), start=1):
        if open_quote is not None:
            if line.count(open_quote) % 2 == 1:
                open_quote = None
            continue
        for quote in ('"""', "'''"):
            if line.count(quote) % 2 == 1:
                open_quote = quote
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
            found.setdefault(table, number)
            continue
        assign = _ASSIGN.match(line)
        if not assign:
            continue
        key = (*table, *_split_key(assign.group(1)))
        found.setdefault(key, number)
        rest = line[assign.end() :]
        if rest.strip().startswith("{"):
            for inner in _INLINE_KEY.findall(rest):
                found.setdefault((*key, inner), number)
    return found


def to_toml(data: dict[str, Any]) -> str:
    """Nested tables as TOML (tomli-w): an unset (None) value is left out, as TOML has no null;
    a None inside a list cannot be written and is refused, naming its place."""
    import tomli_w

    return tomli_w.dumps(_writable(data, ()))


def _writable(value: Any, where: Key) -> Any:
    """`value` with None left out of tables and tuples as lists; ValueError on a None in a list."""
    if isinstance(value, dict):
        return {k: _writable(v, (*where, k)) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        if any(item is None for item in value):
            raise ValueError(f"{'.'.join(where)}: a list holding an unset value cannot be TOML")
        return [_writable(item, (*where, str(i))) for i, item in enumerate(value)]
    return value
