"""Directives that write reference tables from the code itself, so the contracts page says what
the installed coopsim does:

- ``coopsim-help [COMMAND]``: the command's ``--help`` text (no argument: ``coopsim --help``);
- ``coopsim-commands``: one row per command with its one-line help;
- ``coopsim-exit-codes``: the exit statuses the command uses;
- ``coopsim-metrics``: every metric name with its label and unit;
- ``coopsim-targets``: the targets of every bundled scenario;
- ``coopsim-schema MODEL``: the keys of a TOML file, read from its pydantic schema.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import re
import types
import typing
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

#: Width of the help text, in characters (argparse reads COLUMNS).
HELP_COLUMNS = 96


# ---------------------------------------------------------------------------------------------
# Building docutils tables


def _cell(value: Any) -> nodes.Node:
    if isinstance(value, nodes.Node):
        return value
    return nodes.paragraph(text=str(value))


def _code(text: str) -> nodes.paragraph:
    return nodes.paragraph("", "", nodes.literal(text=text))


def _table(headers: list[str], rows: list[list[Any]], widths: list[int] | None = None):
    table = nodes.table(classes=["coopsim-generated"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths or [1] * len(headers):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    row = nodes.row()
    head += row
    for header in headers:
        entry = nodes.entry()
        entry += nodes.paragraph(text=header)
        row += entry
    body = nodes.tbody()
    group += body
    for values in rows:
        row = nodes.row()
        body += row
        for value in values:
            entry = nodes.entry()
            entry += _cell(value)
            row += entry
    return table


# ---------------------------------------------------------------------------------------------
# The command line


@contextmanager
def _columns(width: int):
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = before


def _commands() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    from coopsim.cli.main import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return parser, dict(action.choices)
    return parser, {}


def _command_helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {choice.dest: choice.help or "" for choice in action._choices_actions}
    return {}


def _help_block(parser: argparse.ArgumentParser) -> nodes.literal_block:
    with _columns(HELP_COLUMNS):
        text = parser.format_help()
    block = nodes.literal_block(text, text)
    block["language"] = "text"
    return block


class HelpDirective(SphinxDirective):
    """The ``--help`` text of one command (``coopsim-help forecast``) or, with no argument,
    of ``coopsim`` and then of every command it has, each under a heading of its own."""

    optional_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        parser, commands = _commands()
        if self.arguments:
            name = self.arguments[0]
            if name not in commands:
                known = ", ".join(commands)
                raise self.error(f"coopsim has no command {name!r} (it has {known})")
            return [_help_block(commands[name])]
        found: list[nodes.Node] = [_help_block(parser)]
        for name, command in commands.items():
            heading = nodes.rubric("", "", nodes.literal(text=f"coopsim {name}"))
            anchor = f"coopsim-{name}"
            heading["ids"].append(anchor)
            found += [heading, _help_block(command)]
        return found


class CommandsDirective(SphinxDirective):
    """A table of the commands and what each does."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        parser, commands = _commands()
        helps = _command_helps(parser)
        rows = []
        for name in commands:
            link = nodes.reference("", "", nodes.literal(text=f"coopsim {name}"))
            link["refid"] = f"coopsim-{name}"
            rows.append([nodes.paragraph("", "", link), helps.get(name, "")])
        return [_table(["command", "what it does"], rows, [2, 5])]


#: What each exit status of the command means, by its name in coopsim.cli.options.
EXIT_MEANINGS = {
    "EXIT_OK": "success: every result file is written",
    "EXIT_INPUT": (
        "bad input (a missing or unreadable file, invalid TOML, a value out of range, an unknown "
        "key or option, a --resume whose arguments differ, Dask asked for but not installed), "
        "an --out that another run is writing or that --overwrite may not replace, or an "
        "output that cannot be written (no space, no permission): one line per problem on "
        "stderr, no traceback, no output folder"
    ),
    "EXIT_INTERRUPTED": (
        "Ctrl-C: no result file is written; a forecast's finished chunks stay in "
        "DIR/.checkpoints/ for --resume"
    ),
    "EXIT_TERMINATED": "SIGTERM, handled as Ctrl-C is",
}


class ExitCodesDirective(SphinxDirective):
    """The exit statuses, read from coopsim.cli.options."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        options = importlib.import_module("coopsim.cli.options")
        names = sorted(
            (name for name in dir(options) if name.startswith("EXIT_")),
            key=lambda name: getattr(options, name),
        )
        unknown = [name for name in names if name not in EXIT_MEANINGS]
        if unknown:
            raise self.error(f"exit statuses without a meaning in the docs: {unknown}")
        rows = [[str(getattr(options, name)), EXIT_MEANINGS[name]] for name in names]
        return [_table(["status", "meaning"], rows, [1, 8])]


# ---------------------------------------------------------------------------------------------
# Metrics and targets


class MetricsDirective(SphinxDirective):
    """Every metric, in the order of the per-replicate arrays' last axis."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from coopsim.metrics import METRICS

        rows = [[_code(m.name), m.label, m.unit] for m in METRICS]
        return [_table(["metric", "label (on charts)", "unit"], rows, [3, 6, 3])]


def _condition(target: Any) -> str:
    if target.comparison == "between":
        low, high = target.range
        return f"between {low:g} and {high:g}"
    return f"{target.comparison} {target.threshold:g}"


class TargetsDirective(SphinxDirective):
    """The targets of every bundled scenario file (after ``extends``)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from coopsim import load_scenario

        folder = Path(self.env.config.coopsim_root) / "scenarios"
        rows = []
        for path in sorted(folder.glob("*.toml")):
            self.env.note_dependency(str(path))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scenario = load_scenario(path).scenario
            for name, target in scenario.targets.items():
                rows.append(
                    [
                        _code(path.name),
                        _code(name),
                        _code(target.metric),
                        str(target.year),
                        _condition(target),
                        target.description,
                    ]
                )
        headers = ["scenario file", "target", "metric", "year", "met when", "description"]
        return [_table(headers, rows, [3, 5, 4, 1, 3, 6])]


# ---------------------------------------------------------------------------------------------
# TOML schemas, from the pydantic models


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _constraints(metadata: list[Any]) -> str:
    bounds = {}
    for item in metadata:
        for key in ("ge", "gt", "le", "lt", "min_length"):
            value = getattr(item, key, None)
            if value is not None:
                bounds[key] = value
        # Field(...) objects nested in Annotated carry their own metadata
        if hasattr(item, "metadata") and not isinstance(item, type):
            nested = _constraints(list(item.metadata))
            if nested:
                return nested
    if "ge" in bounds and "le" in bounds:
        return f" in [{bounds['ge']:g}, {bounds['le']:g}]"
    parts = []
    for key, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
        if key in bounds:
            parts.append(f"{sign} {bounds[key]:g}")
    return (" " + ", ".join(parts)) if parts else ""


def _type_name(annotation: Any, metadata: list[Any] = ()) -> str:
    annotation, _ = _strip_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _type_name(base, [*metadata, *extra])
    if origin is typing.Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation)
        return f"list of {_plural(_type_name(item))}"
    if origin is tuple:
        args = typing.get_args(annotation)
        return "[" + ", ".join(_type_name(a) for a in args) + "]"
    simple = {
        float: "number",
        int: "whole number",
        str: "text",
        bool: "true or false",
        dt.date: "date",
    }
    if annotation in simple:
        return simple[annotation] + _constraints(list(metadata))
    return getattr(annotation, "__name__", str(annotation))


def _plural(name: str) -> str:
    if name.startswith("one of "):
        return "values, each " + name
    if name.startswith("number") or name.startswith("whole number"):
        return name.replace("number", "numbers", 1)
    return name


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else f"{value:.1f}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def _is_model(annotation: Any) -> bool:
    from pydantic import BaseModel

    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _first_sentence(text: str | None) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    end = re.search(r"(?<!e\.g)(?<!i\.e)\.\s+(?=[A-Z])", text)
    return text if end is None else text[: end.start() + 1]


def _key_placeholder(key_type: Any) -> tuple[str, str]:
    """The placeholder of a table's keys, and what may stand there."""
    key_type, _ = _strip_optional(key_type)
    if typing.get_origin(key_type) is typing.Literal:
        allowed = ", ".join(str(a) for a in typing.get_args(key_type))
        return "KEY", f"KEY is one of {allowed}"
    if key_type is int:
        return "YEAR", "YEAR is a year, e.g. 2023"
    return "NAME", "NAME is a name of your choice"


def _default(field: Any) -> str | None:
    """A field's default as TOML writes it; "required", or None for an optional field or
    table with nothing in it by default."""
    if field.is_required():
        return "required"
    made = field.default_factory() if field.default_factory is not None else field.default
    if made is None or made == {} or _is_model(type(made)):
        return None
    return _toml_value(made)


def _type_cell(type_name: str, default: str | None) -> nodes.paragraph:
    """The type, then "required" or the default in code (so no quote is made curly)."""
    cell = nodes.paragraph(text=type_name)
    if default == "required":
        cell += nodes.Text("; required")
    elif default is not None:
        cell += nodes.Text("; default ")
        cell += nodes.literal(text=default)
    return cell


def _prose(text: str) -> nodes.paragraph:
    """Text whose `backticked` words are code, as the docstrings write them."""
    cell = nodes.paragraph()
    for index, part in enumerate(text.split("`")):
        if part:
            cell += nodes.literal(text=part) if index % 2 else nodes.Text(part)
    return cell


def _schema_rows(model: Any, prefix: str, rows: list[list[Any]], collapse: Any = None) -> None:
    """One row per key of `model`, tables first and then their keys; a table of type
    `collapse` (e.g. a published figure) is one row, its keys described once elsewhere."""

    def collapsed(annotation: Any) -> bool:
        return collapse is not None and _is_model(annotation) and issubclass(annotation, collapse)

    def collapsed_type(annotation: Any) -> str:
        value = annotation.model_fields["value"]
        constraint = _constraints(list(value.metadata))
        kind = collapse.__name__.lower()
        return f"{kind}, value{constraint}" if constraint else kind

    def extra_rows(annotation: Any, key: str) -> None:
        """The keys a figure of this kind has besides every figure's."""
        for extra, field in annotation.model_fields.items():
            if extra not in collapse.model_fields:
                cell = _type_cell(
                    _type_name(field.annotation, list(field.metadata)), _default(field)
                )
                rows.append([_code(f"{key}.{extra}"), cell, _prose(field.description or "")])

    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        annotation, _ = _strip_optional(field.annotation)
        default = _default(field)
        description = field.description or ""
        origin = typing.get_origin(annotation)
        if collapsed(annotation):
            doc = description or _first_sentence(annotation.__doc__)
            cell = _type_cell(collapsed_type(annotation), default)
            rows.append([_code(f"[{key}]"), cell, _prose(doc)])
            extra_rows(annotation, key)
            continue
        if _is_model(annotation):
            doc = description or _first_sentence(annotation.__doc__)
            rows.append([_code(f"[{key}]"), _type_cell("table", default), _prose(doc)])
            _schema_rows(annotation, f"{key}.", rows, collapse)
            continue
        if origin is dict:
            key_type, value_type = typing.get_args(annotation)
            placeholder, meaning = _key_placeholder(key_type)
            if _is_model(value_type):
                doc = description or _first_sentence(value_type.__doc__)
                doc = f"{doc} ({meaning})" if doc else f"({meaning})"
                kind = collapsed_type(value_type) if collapsed(value_type) else "table"
                cell = _type_cell(f"{kind}, one for each key", default)
                rows.append([_code(f"[{key}.{placeholder}]"), cell, _prose(doc)])
                if collapsed(value_type):
                    extra_rows(value_type, f"{key}.{placeholder}")
                else:
                    _schema_rows(value_type, f"{key}.{placeholder}.", rows, collapse)
                continue
            cell = _type_cell(f"table of {_type_name(value_type)}", default)
            rows.append([_code(key), cell, _prose(f"{description} ({meaning})".strip())])
            continue
        type_name = _type_name(field.annotation, list(field.metadata))
        rows.append([_code(key), _type_cell(type_name, default), _prose(description)])


def _import(dotted: str) -> Any:
    module_name, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


class SchemaDirective(SphinxDirective):
    """The keys a TOML file may hold, with their types, defaults and meaning."""

    required_arguments = 1
    option_spec = {"prefix": directives.unchanged, "collapse": directives.unchanged}
    has_content = False

    def run(self) -> list[nodes.Node]:
        model = _import(self.arguments[0])
        collapse = _import(self.options["collapse"]) if "collapse" in self.options else None
        rows: list[list[Any]] = []
        _schema_rows(model, self.options.get("prefix", ""), rows, collapse)
        table = _table(["key", "type", "meaning"], rows, [6, 4, 5])
        table["classes"].append("coopsim-schema")
        return [table]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("coopsim_root", "", "env")
    app.add_directive("coopsim-help", HelpDirective)
    app.add_directive("coopsim-commands", CommandsDirective)
    app.add_directive("coopsim-exit-codes", ExitCodesDirective)
    app.add_directive("coopsim-metrics", MetricsDirective)
    app.add_directive("coopsim-targets", TargetsDirective)
    app.add_directive("coopsim-schema", SchemaDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
