"""Errors a user can act on: bad input reported in one line, with exit status 2."""

from __future__ import annotations


class InputError(Exception):
    """Bad user input: names the file (or option), the field and what is allowed."""

    def __init__(
        self, source: str, message: str, field: str | None = None, line: int | None = None
    ) -> None:
        self.source = source
        self.field = field
        self.message = message
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}, line {self.line}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"


class InputErrors(InputError):
    """Several problems found in one file, reported together."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.source, first.message, first.field, first.line)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


class DataInconsistencyWarning(UserWarning):
    """Published figures that do not add up; the model states how it reconciles them."""


def problems_of(error: InputError) -> list[InputError]:
    """The single problems an InputError carries (itself, or each of several)."""
    return list(getattr(error, "errors", [error]))


def combined(errors: list[InputError]) -> InputError:
    """One error carrying every problem of `errors`, each once, in the order found."""
    seen: dict[str, InputError] = {}
    for error in errors:
        for problem in problems_of(error):
            seen.setdefault(str(problem), problem)
    problems = list(seen.values())
    return problems[0] if len(problems) == 1 else InputErrors(problems)
