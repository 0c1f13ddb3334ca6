"""Load TOML files into pydantic models, with messages naming the file, field and allowed values."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import tomllib
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from coopsim.errors import InputError, InputErrors

ModelT = TypeVar("ModelT", bound=BaseModel)


class StrictModel(BaseModel):
    """Base for every schema: unknown keys are refused, values are checked on assignment, and
    no number may be nan or infinite (TOML can write both)."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False
    )


class _NotShown:
    """A problem's value when the message says it all (e.g. a check across a whole table)."""

    def __repr__(self) -> str:
        return "(not shown)"


NOT_SHOWN = _NotShown()


def field_errors(title: str, problems: list[tuple[tuple[str | int, ...], str, Any]]) -> None:
    """Raise the problems found by a cross-field check as a ValidationError whose entries each
    carry their own location and bad value, as field errors do (nothing if there are none;
    a value of NOT_SHOWN is left out of the message)."""
    if problems:
        raise ValidationError.from_exception_data(
            title,
            [
                InitErrorDetails(
                    type=PydanticCustomError("value_error", message.replace("{", "{{")),
                    loc=loc,
                    input=value,
                )
                for loc, message, value in problems
            ],
        )


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning I/O and syntax problems into an InputError naming the file."""
    return read_toml_with_text(path)[1]


def read_toml_with_text(path: Path) -> tuple[str, dict[str, Any]]:
    """The file's text and its parsed TOML (for callers that also look at the lines)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a directory, not a TOML file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(str(path), f"cannot be read ({exc.__class__.__name__}: {exc})") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), f"is not valid TOML: {exc}") from None


Locator = Callable[[tuple[str, ...]], tuple[str, int | None]]


def validate(
    model: type[ModelT],
    data: dict[str, Any],
    source: str,
    locate: Locator | None = None,
    context: dict[str, Any] | None = None,
) -> ModelT:
    """Validate data against a model; every problem becomes one line naming its dotted field
    and, where `locate` knows it, the file and line that set it. `context` reaches the
    models' validators (e.g. the names a file defines, for checks that refer to them)."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            where, line = locate(tuple(str(p) for p in error["loc"])) if locate else (source, None)
            errors.append(_describe(model, error, where, line))
        raise InputErrors(errors) from None


def _describe(model: type[BaseModel], error: Any, source: str, line: int | None) -> InputError:
    loc = tuple(error["loc"])
    field = ".".join(str(part) for part in loc) or None
    if error["type"] == "extra_forbidden":
        valid = _valid_keys_at(model, loc[:-1])
        unknown = str(loc[-1])
        message = f"unknown key '{unknown}'"
        close = difflib.get_close_matches(unknown, valid, n=1)
        if close:
            message += f"; did you mean '{close[0]}'?"
        if valid:
            message += f" Valid keys here: {', '.join(valid)}"
        return InputError(source, message, field, line)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] not in ("missing",) and "input" in error:
        value = error["input"]
        long_table = isinstance(value, dict) and len(repr(value)) > SHOWN_LENGTH
        said = isinstance(value, str) and repr(value) in message  # the message quotes it
        if value is not NOT_SHOWN and not long_table and not said:
            message += f" (got {shown(value)})"  # a whole table is not repeated back
    return InputError(source, message, field, line)


#: The longest bad value repeated in a message; longer ones are cut short.
SHOWN_LENGTH = 60


def shown(value: Any) -> str:
    """A bad value as a person wrote it: dates as ISO dates, everything else as its repr, cut
    short past SHOWN_LENGTH characters."""
    text = value.isoformat() if isinstance(value, dt.date) else repr(value)
    if len(text) > SHOWN_LENGTH:
        text = text[: SHOWN_LENGTH - 3] + "..."
    return text


def _valid_keys_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Follow a validation location through nested models to list the keys allowed there."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _step(annotation: Any, part: Any) -> Any:
    """One step of a location: a field of a model, or the value type of a dict."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return _unwrap(field.annotation) if field else None
    origin = typing.get_origin(annotation)
    if origin is dict:
        return _unwrap(typing.get_args(annotation)[1])
    return None


def _unwrap(annotation: Any) -> Any:
    """Reduce Optional[X] and Annotated[X, ...] to X."""
    while True:
        args = typing.get_args(annotation)
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = args[0]
        elif origin in (typing.Union, types.UnionType):
            models = [a for a in args if a is not type(None)]
            if len(models) != 1:
                return annotation
            annotation = models[0]
        else:
            return annotation


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, for provenance."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
