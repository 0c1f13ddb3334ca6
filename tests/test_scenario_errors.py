"""Bad scenario input, generated: every mutation of a valid scenario is refused cleanly.

The contract: `coopsim validate` and `coopsim forecast` return exit status 2; stderr has one
line per problem, `coopsim: error: FILE[, line N]: dotted.field.path: message (got BADVALUE)`;
no traceback; and no output folder is created. Each test starts from the bundled baseline plus
a lever, a programme, a clean-up, the 2023 Law and founding from cooperative groups (so those
schemas are covered too), writes it as TOML in a layout hypothesis chooses (tables as
[sections], { inline } tables or dotted.keys, with a few leading comment lines), breaks one
thing and runs the command in-process.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import json
import re
import string
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from coopsim.cli.main import main
from coopsim.inputs.policies import (
    ClassProbabilities,
    Cleanup,
    GroupConversion,
    HazardEffects,
    Law2023,
    Lever,
    LeverEffects,
    Programme,
)
from coopsim.inputs.scenario import (
    ClassDistribution,
    ClassRates,
    DowngradeRates,
    Founding,
    Initial,
    Members,
    Quality,
    Reporting,
    Scenario,
    Target,
    UpgradeRates,
)
from coopsim.inputs.validation import shown

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

Key = tuple[str, ...]

# Valid sections the baseline lacks, so that their schemas are mutated too. Their names are
# drawn (a bare key, a quoted one with a space, a non-ASCII one).
LEVER = {
    "group": "credit",
    "description": "cheaper credit for weak and average cooperatives",
    "start": dt.date(2025, 1, 1),
    "end": dt.date(2028, 1, 1),
    "ramp_up_years": 1.0,
    "classes": ["average", "weak"],
    "effects": {
        "upgrade": 1.3,
        "downgrade": 0.8,
        "dissolution": 0.9,
        "founding": 1.1,
        "group_conversion": 1.2,
    },
}
PROGRAMME = {
    "description": "advisory support",
    "start": dt.date(2024, 7, 1),
    "end": dt.date(2027, 7, 1),
    "capacity_per_year": 20,
    "cost_per_cooperative_million_vnd": 150.0,
    "budget_million_vnd": 6000.0,
    "targeting": "weakest_first",
    "eligible_classes": ["average", "weak"],
    "support_years": 2.0,
    "effects": {"upgrade": 1.5, "downgrade": 0.7, "dissolution": 0.8},
}
CLEANUP = {
    "description": "strike off nominal-only cooperatives",
    "date": dt.date(2025, 6, 30),
    "removal_probability": {"average": 0.05, "weak": 0.3},
}
LAW_2023 = {
    "in_force": dt.date(2024, 7, 1),
    "charter_deadline": dt.date(2026, 1, 1),
    "founding_multiplier": 1.1,
    "removal_at_deadline": {"weak": 0.2},
}
FROM_GROUPS = {"conversion_per_year": 0.02, "new_groups_per_year": 10.0, "initial_pool": 300}
POLICY_NAMES = {
    "levers": ["credit", "credit support", "tín dụng"],
    "programmes": ["advisory", "advisory 2024", "hỗ trợ"],
    "cleanups": ["wave_2025", "wave 2025", "rà soát"],
}


def base_scenario(lever: str, programme: str, cleanup: str) -> dict[str, Any]:
    with BASELINE.open("rb") as handle:
        data = tomllib.load(handle)
    data["founding"]["from_groups"] = copy.deepcopy(FROM_GROUPS)
    data["levers"] = {lever: copy.deepcopy(LEVER)}
    data["programmes"] = {programme: copy.deepcopy(PROGRAMME)}
    data["cleanups"] = {cleanup: copy.deepcopy(CLEANUP)}
    data["law_2023"] = copy.deepcopy(LAW_2023)
    return data


def schema_at(path: Key) -> type[BaseModel] | None:
    """The model that a table at `path` is validated against (None: a table of names)."""
    fixed: dict[Key, type[BaseModel]] = {
        (): Scenario,
        ("initial",): Initial,
        ("founding",): Founding,
        ("founding", "entry_class"): ClassDistribution,
        ("founding", "from_groups"): GroupConversion,
        ("quality",): Quality,
        ("quality", "upgrade_per_year"): UpgradeRates,
        ("quality", "downgrade_per_year"): DowngradeRates,
        ("quality", "dissolution_per_year"): ClassRates,
        ("members",): Members,
        ("reporting",): Reporting,
        ("law_2023",): Law2023,
        ("law_2023", "removal_at_deadline"): ClassProbabilities,
    }
    if path in fixed:
        return fixed[path]
    named: dict[tuple[str, int], type[BaseModel]] = {
        ("levers", 2): Lever,
        ("levers", 3): LeverEffects,
        ("programmes", 2): Programme,
        ("programmes", 3): HazardEffects,
        ("cleanups", 2): Cleanup,
        ("cleanups", 3): ClassProbabilities,
        ("targets", 2): Target,
    }
    return named.get((path[0], len(path))) if path else None


def valid_keys(path: Key) -> set[str]:
    model = schema_at(path)
    assert model is not None, path
    keys = set(model.model_fields)
    return keys | {"extends", "replace"} if path == () else keys


# --- Writing TOML, remembering the line of every key -------------------------------------------

BARE = re.compile(r"[A-Za-z0-9_-]+")


def toml_key(key: str) -> str:
    return key if BARE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(value)


def is_bare(path: Key) -> bool:
    return all(BARE.fullmatch(part) for part in path)


@dataclass
class Written:
    """A scenario as written: its text, the line of every key and the keys written plainly."""

    text: str
    lines: dict[Key, int] = field(default_factory=dict)
    # Keys a reader cannot miss: a [section] header, the key of `key = value` or
    # `a.b.c = value` in a section, or a key directly inside a one-level { inline } table.
    plain: set[Key] = field(default_factory=set)


class TomlWriter:
    def __init__(self, styles: dict[Key, str], preamble: int) -> None:
        self.styles = styles
        self.out: list[str] = [f"# generated scenario, comment {n}" for n in range(preamble)]
        self.lines: dict[Key, int] = {}
        self.plain: set[Key] = set()

    def emit(self, text: str, paths: list[Key], plain: list[Key]) -> None:
        self.out.append(text)
        for path in paths:
            self.lines.setdefault(path, len(self.out))
        self.plain.update(p for p in plain if is_bare(p))

    def section(self, path: Key, table: dict[str, Any]) -> None:
        if path:
            self.out.append("")
            self.emit(f"[{'.'.join(toml_key(k) for k in path)}]", [path], [path])
        later = []
        for key, value in table.items():
            child = (*path, key)
            style = self.styles.get(child, "section") if isinstance(value, dict) else "value"
            if style == "section":
                later.append((child, value))
            elif style == "dotted":
                self.dotted(child, (key,), value)
            else:
                self.assign(child, toml_key(key), value)
        for child, value in later:
            self.section(child, value)

    def dotted(self, path: Key, written: Key, table: dict[str, Any]) -> None:
        for key, value in table.items():
            child, name = (*path, key), (*written, key)
            if isinstance(value, dict) and self.styles.get(child) != "inline":
                self.dotted(child, name, value)
            else:
                self.assign(child, ".".join(toml_key(k) for k in name), value, prefix=path)

    def assign(self, path: Key, written: str, value: Any, prefix: Key = ()) -> None:
        paths, plain = [path], [path]
        n = len(path) - len(prefix)
        paths += [path[: len(path) - k] for k in range(1, n)]  # dotted keys' tables
        if isinstance(value, dict):
            paths += [(*path, *sub) for sub in nested_keys(value)]
            plain += [(*path, k) for k in value]
        self.emit(f"{written} = {toml_value(value)}", paths, plain)

    def render(self, data: dict[str, Any]) -> Written:
        self.section((), data)
        return Written("\n".join(self.out) + "\n", self.lines, self.plain)


def nested_keys(table: dict[str, Any]) -> Iterator[Key]:
    for key, value in table.items():
        yield (key,)
        if isinstance(value, dict):
            yield from ((key, *sub) for sub in nested_keys(value))


def table_paths(data: dict[str, Any], prefix: Key = ()) -> list[Key]:
    found = []
    for key, value in data.items():
        if isinstance(value, dict):
            found.append((*prefix, key))
            found += table_paths(value, (*prefix, key))
    return found


def leaves(data: dict[str, Any], prefix: Key = ()) -> Iterator[tuple[Key, Any]]:
    for key, value in data.items():
        if isinstance(value, dict):
            yield from leaves(value, (*prefix, key))
        else:
            yield (*prefix, key), value


def get(data: dict[str, Any], path: Key) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: dict[str, Any], path: Key, value: Any) -> None:
    get(data, path[:-1])[path[-1]] = value


@dataclass
class Case:
    data: dict[str, Any]
    styles: dict[Key, str]
    preamble: int

    def write(self, path: Path) -> Written:
        written = TomlWriter(self.styles, self.preamble).render(self.data)
        path.write_text(written.text, encoding="utf-8")
        return written


@st.composite
def valid_cases(draw: st.DrawFn) -> Case:
    names = {kind: draw(st.sampled_from(options)) for kind, options in POLICY_NAMES.items()}
    data = base_scenario(names["levers"], names["programmes"], names["cleanups"])
    styles = {
        path: draw(st.sampled_from(["section", "section", "inline", "dotted"]))
        for path in table_paths(data)
    }
    return Case(data, styles, draw(st.integers(0, 3)))


# --- Running the command and checking the contract --------------------------------------------


def run(*argv: str | Path) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main([str(arg) for arg in argv])
        except SystemExit as exit_:  # argparse refusing an option
            status = exit_.code if isinstance(exit_.code, int) else 1
    return status, err.getvalue()


@dataclass
class Problem:
    file: str
    line: int | None
    rest: str  # "dotted.field.path: message (got BADVALUE)"


def refused(scenario: Path, *extra: str) -> list[Problem]:
    """Run `validate` and `forecast` on a scenario; both must refuse it the same way, cleanly,
    writing nothing. Returns the problems reported, one per stderr line."""
    folder = scenario.parent
    before = sorted(p.name for p in folder.iterdir())
    out = folder / "out"
    status, checked = run("validate", scenario, *extra)
    assert status == 2, checked
    status, ran = run(
        "forecast", scenario, *extra, "--replications", "2", "--workers", "1", "--out", out
    )
    assert status == 2, ran
    assert not out.exists()
    assert sorted(p.name for p in folder.iterdir()) == before, "something was written"
    assert ran == checked, "validate and forecast report differently"
    assert "Traceback" not in checked
    problems = []
    for text in checked.splitlines():
        head = re.match(r"coopsim: error: (.+?)(?:, line (\d+))?: (.+)$", text)
        assert head, text
        line = int(head[2]) if head[2] else None
        problems.append(Problem(head[1], line, head[3]))
    assert problems, "no problem reported"
    return problems


def one_problem(scenario: Path) -> Problem:
    (problem,) = refused(scenario)
    assert problem.file == str(scenario), problem
    return problem


def check_field(
    problem: Problem, written: Written, field_path: Key, bad: Any, *, table: bool = False
) -> None:
    """The problem names the dotted field, shows the bad value's repr (for a check across a
    table's fields, somewhere in the table shown) and, if it gives a line, the line that key
    is on; it must give one for keys written plainly."""
    dotted = ".".join(field_path)
    assert problem.rest.startswith(f"{dotted}: "), problem
    if table:
        assert "(got {" in problem.rest and shown(bad) in problem.rest, problem
    else:
        assert problem.rest.endswith(f"(got {shown(bad)})"), problem
    if field_path in written.plain:
        assert problem.line is not None, f"no line for {dotted}: {problem}"
    if problem.line is not None:
        assert problem.line == written.lines[field_path], (problem, written.lines[field_path])


@contextlib.contextmanager
def scenario_file() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / "scenario.toml"


@SETTINGS
@given(case=valid_cases())
def test_valid_scenario_in_any_layout_is_accepted(case):
    """The unmutated scenario validates, so each mutation below is what gets it refused."""
    with scenario_file() as path:
        written = case.write(path)
        assert tomllib.loads(written.text) == case.data
        status, err = run("validate", path)
        assert status == 0, err
        assert err == ""


# --- Value errors ---------------------------------------------------------------------------


def numeric_leaves(data: dict[str, Any]) -> list[Key]:
    return [
        path
        for path, value in leaves(data)
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]


def rate_leaves(data: dict[str, Any]) -> list[Key]:
    return [p for p in numeric_leaves(data) if any(part.endswith("_per_year") for part in p)]


def probability_leaves(data: dict[str, Any]) -> list[Key]:
    groups = {"entry_class", "removal_probability", "removal_at_deadline"}
    return [p for p in numeric_leaves(data) if len(p) > 1 and p[-2] in groups]


def is_int_field(data: dict[str, Any], path: Key) -> bool:
    return isinstance(get(data, path), int)


negative_floats = st.floats(max_value=0, exclude_max=True, allow_infinity=False)
negative_ints = st.integers(min_value=-(2**63), max_value=-1)


@SETTINGS
@given(case=valid_cases(), data=st.data())
def test_negative_rate_is_refused(case, data):
    path = data.draw(st.sampled_from(rate_leaves(case.data)), label="rate")
    if is_int_field(case.data, path):
        bad = data.draw(negative_ints, label="bad")
    else:
        bad = data.draw(negative_floats | negative_ints, label="bad")
    put(case.data, path, bad)
    with scenario_file() as file:
        written = case.write(file)
        problem = one_problem(file)
    check_field(problem, written, path, bad)
    assert "greater than or equal to 0" in problem.rest


@SETTINGS
@given(case=valid_cases(), data=st.data())
def test_probability_above_one_is_refused(case, data):
    path = data.draw(st.sampled_from(probability_leaves(case.data)), label="probability")
    above = st.floats(min_value=1, exclude_min=True, allow_infinity=False)
    bad = data.draw(above | st.integers(min_value=2, max_value=2**63 - 1), label="bad")
    put(case.data, path, bad)
    with scenario_file() as file:
        written = case.write(file)
        problem = one_problem(file)
    check_field(problem, written, path, bad)
    assert "less than or equal to 1" in problem.rest


def not_a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


words = st.text(string.ascii_letters + " -_/", min_size=0, max_size=12).filter(not_a_number)


@SETTINGS
@given(case=valid_cases(), data=st.data())
def test_string_where_a_number_is_expected_is_refused(case, data):
    path = data.draw(st.sampled_from(numeric_leaves(case.data)), label="number")
    bad = data.draw(words, label="bad")
    put(case.data, path, bad)
    with scenario_file() as file:
        written = case.write(file)
        problem = one_problem(file)
    check_field(problem, written, path, bad)
    assert "valid number" in problem.rest or "valid integer" in problem.rest


DATE_PAIRS = {  # table with two dates that must be in order: (earlier, later)
    "levers": ("start", "end"),
    "programmes": ("start", "end"),
    "law_2023": ("in_force", "charter_deadline"),
}
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


@SETTINGS
@given(case=valid_cases(), data=st.data())
def test_dates_out_of_order_are_refused(case, data):
    kind = data.draw(st.sampled_from(sorted(DATE_PAIRS)), label="kind")
    table = (kind,) if kind == "law_2023" else (kind, next(iter(case.data[kind])))
    first, second = DATE_PAIRS[kind]
    early = data.draw(dates, label=first)
    late = data.draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=early), label=second)
    put(case.data, (*table, first), early)
    put(case.data, (*table, second), late)  # on or before the first date
    with scenario_file() as file:
        written = case.write(file)
        problem = one_problem(file)
    check_field(problem, written, (*table, second), late)
    assert f"must be after {first} ({early.isoformat()})" in problem.rest


# --- Unknown keys -------------------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def near_misses(key: str, others: set[str]) -> list[str]:
    """One-edit typos of `key` that are two or more edits from every other valid key."""
    letters = string.ascii_lowercase + "_"
    found = set()
    for i in range(len(key) + 1):
        found.add(key[:i] + key[i + 1 :])
        found.update(key[:i] + c + key[i:] for c in letters)
        found.update(key[:i] + c + key[i + 1 :] for c in letters)
        found.add(key[:i] + key[i + 1 : i + 2] + key[i : i + 1] + key[i + 2 :])
    return sorted(
        typo
        for typo in found
        if typo
        and typo != key
        and typo not in others
        and all(edit_distance(typo, other) >= 2 for other in others - {key})
    )


@SETTINGS
@given(case=valid_cases(), data=st.data())
def test_near_miss_key_suggests_the_real_one(case, data):
    tables = [p for p in [(), *table_paths(case.data)] if schema_at(p) is not None]
    table = data.draw(st.sampled_from(tables), label="table")
    real = data.draw(st.sampled_from(sorted(get(case.data, table))), label="real key")
    typo = data.draw(st.sampled_from(near_misses(real, valid_keys(table))), label="typo")
    get(case.data, table)[typo] = copy.deepcopy(get(case.data, (*table, real)))
    if (*table, real) in case.styles:  # a table keeps its layout under the new name
        case.styles[(*table, typo)] = case.styles[(*table, real)]
    with scenario_file() as file:
        written = case.write(file)
        problem = one_problem(file)
    dotted = ".".join((*table, typo))
    assert problem.rest.startswith(f"{dotted}: unknown key '{typo}'"), problem
    assert "did you mean" in problem.rest, problem
    assert f"did you mean '{real}'?" in problem.rest, problem
    assert problem.line is None or problem.line == written.lines[(*table, typo)], problem
    if (*table, typo) in written.plain:
        assert problem.line is not None, problem


# --- extends --------------------------------------------------------------------------------

file_names = st.text(string.ascii_lowercase + string.digits + "_-", min_size=1, max_size=10)


@SETTINGS
@given(
    parent=file_names.map(lambda n: n + ".toml"),
    folder=st.sampled_from(["", "sub/", "../elsewhere/"]),
    via_middle=st.booleans(),
)
def test_missing_extends_parent_is_refused(parent, folder, via_middle):
    missing = folder + parent
    with scenario_file() as file:
        first = file
        if via_middle:  # the child is fine; the file it extends names the missing one
            middle = file.with_name("middle.toml")
            file.write_text('extends = "middle.toml"\nname = "child"\n')
            file = middle
        file.write_text(f'# a scenario\nextends = "{missing}"\nname = "orphan"\n')
        (problem,) = refused(first)
    assert problem.file == str(file), problem
    assert problem.line in (None, 2), problem
    assert problem.rest.startswith("extends: "), problem
    assert repr(missing) in problem.rest and "does not exist" in problem.rest, problem


@SETTINGS
@given(names=st.lists(file_names, min_size=1, max_size=3, unique=True), body=st.booleans())
def test_extends_cycle_is_refused(names, body):
    baseline = BASELINE.read_text(encoding="utf-8") if body else 'name = "loop"\n'
    with scenario_file() as file:
        paths = [file.with_name(n + ".toml") for n in names]
        for path, parent in zip(paths, [*paths[1:], paths[0]], strict=True):
            path.write_text(f'extends = "{parent.name}"\n{baseline}', encoding="utf-8")
        (problem,) = refused(paths[0])
    assert problem.file == str(paths[0]), problem
    assert problem.line in (None, 1), problem
    assert problem.rest.startswith("extends: "), problem
    assert "cycle" in problem.rest, problem
    for path in paths:
        assert path.name in problem.rest, problem


# --- Malformed TOML -------------------------------------------------------------------------


def break_line(kind: str, text: str) -> tuple[str, str] | None:
    """One line broken one way (None if that way does not apply to the line)."""
    if kind == "unclosed header":
        return (text[:-1], "") if text.startswith("[") else None
    if " = " not in text or text.startswith(("[", "#")):
        return None
    key, value = text.split(" = ", 1)
    if kind == "no equals sign":
        return f"{key} {value}", ""
    if kind == "no value":
        return f"{key} =", ""
    if kind == "unterminated string":
        return (f'{key} = "{value.strip(chr(34))}', "") if value.startswith('"') else None
    if kind == "duplicate key":
        return text, text
    return None


MALFORMATIONS = [
    "unclosed header",
    "no equals sign",
    "no value",
    "unterminated string",
    "duplicate key",
]


@SETTINGS
@given(case=valid_cases(), data=st.data())
def test_malformed_toml_is_refused_with_its_line(case, data):
    with scenario_file() as file:
        lines = case.write(file).text.splitlines()
        kind = data.draw(st.sampled_from(MALFORMATIONS), label="kind")
        usable = [n for n, text in enumerate(lines) if break_line(kind, text) is not None]
        if not usable:
            kind, usable = "no value", [n for n, t in enumerate(lines) if " = " in t]
        n = data.draw(st.sampled_from(usable), label="line index")
        broken, extra = break_line(kind, lines[n])
        lines[n : n + 1] = [broken, extra] if extra else [broken]
        file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        bad_line = n + 2 if kind == "duplicate key" else n + 1
        problem = one_problem(file)
    assert problem.line is None or problem.line == bad_line, problem
    assert problem.rest.startswith("is not valid TOML"), problem
    assert re.search(rf"\bline {bad_line}\b", problem.rest), (kind, bad_line, problem)


# --- --set ----------------------------------------------------------------------------------


def test_set_with_a_bad_value_is_refused():
    override = "founding.mean_per_year=-1"
    with tempfile.TemporaryDirectory() as folder:
        copy_ = Path(folder) / "baseline.toml"
        copy_.write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
        (problem,) = refused(copy_, "--set", override)
    assert problem.file == f"--set {override}", problem
    assert problem.line is None, problem
    assert problem.rest.startswith("founding.mean_per_year: "), problem
    assert "(got -1)" in problem.rest and "greater than or equal to 0" in problem.rest


def test_set_with_a_good_value_is_accepted():
    status, err = run("validate", BASELINE, "--set", "founding.mean_per_year=30")
    assert status == 0, err
    assert err == ""


# --- Cases that once broke the contract -----------------------------------------------------


def plain_case() -> Case:
    """The extended scenario with every table as a [section] and bare names."""
    return Case(base_scenario("credit", "advisory", "wave_2025"), {}, 0)


def line_of(text: str, line: str) -> int:
    return text.splitlines().index(line) + 1


@pytest.mark.parametrize("quote", ['"""', "'''"])
def test_line_numbers_ignore_multiline_strings(quote):
    text = BASELINE.read_text(encoding="utf-8") + (
        f'\n[levers.credit]\ngroup = "credit"\ndescription = {quote}\nCheaper credit, planned:\n'
        f'start = 2025, for three years\n{quote}\nstart = "next spring"\n'
        "effects = { upgrade = 1.2 }\n"
    )
    with scenario_file() as file:
        file.write_text(text, encoding="utf-8")
        problem = one_problem(file)
    assert problem.rest.startswith("levers.credit.start: "), problem
    assert "(got 'next spring')" in problem.rest, problem
    assert problem.line in (None, line_of(text, 'start = "next spring"')), problem


@pytest.mark.parametrize(
    ("typo", "real", "value"),
    [("extnds", "extends", '"other.toml"'), ("replase", "replace", '["targets"]')],
)
def test_near_miss_of_extends_or_replace_suggests_it(typo, real, value):
    with scenario_file() as file:
        file.write_text(f"{typo} = {value}\n" + BASELINE.read_text(encoding="utf-8"))
        problem = one_problem(file)
    assert problem.line in (None, 1), problem
    assert problem.rest.startswith(f"{typo}: unknown key '{typo}'"), problem
    assert f"did you mean '{real}'?" in problem.rest, problem


CROSS_FIELD = [  # (key path, bad value): checked by Scenario._years_in_order
    (("horizon_year",), 2020),
    (("targets", "new_cooperatives_2024", "year"), 2040),
    (("cleanups", "wave_2025", "date"), dt.date(2040, 6, 30)),
]


@pytest.mark.parametrize(("path", "bad"), CROSS_FIELD)
def test_years_outside_the_simulation_name_their_field_and_line(path, bad):
    case = plain_case()
    put(case.data, path, bad)
    with scenario_file() as file:
        written = case.write(file)
        problem = one_problem(file)
    check_field(problem, written, path, bad)
    assert problem.line == written.lines[path], problem


def test_every_target_outside_the_simulation_is_reported():
    case = plain_case()
    for target in case.data["targets"].values():
        target["year"] = 2040
    with scenario_file() as file:
        case.write(file)
        problems = refused(file)
    assert len(problems) == len(case.data["targets"]), problems


def test_region_path_with_a_nul_byte_is_refused():
    case = plain_case()
    case.data["region"] = "ha\x00tinh.toml"
    with scenario_file() as file:
        case.write(file)
        (problem,) = refused(file)
    assert "region" in problem.file + problem.rest, problem


def test_absurd_horizon_is_refused_by_validate():
    case = plain_case()
    case.data["horizon_year"] = 100_000_000_000
    with scenario_file() as file:
        written = case.write(file)
        status, err = run("validate", file)  # not forecast: it would try to allocate 11 TiB
    assert status == 2, err
    where = f"coopsim: error: {file}, line {written.lines[('horizon_year',)]}: "
    assert err.startswith(where + "horizon_year: "), err
    assert "(got 100000000000)" in err, err


def test_table_created_by_set_is_blamed_on_the_set():
    overrides = ["levers.extra.group=credit", "levers.extra.start=2025-01-01"]
    with tempfile.TemporaryDirectory() as folder:
        copy_ = Path(folder) / "baseline.toml"
        copy_.write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
        (problem,) = refused(copy_, "--set", overrides[0], "--set", overrides[1])
    assert problem.rest == "levers.extra.effects: Field required", problem
    assert problem.file in {f"--set {text}" for text in overrides}, problem


@settings(SETTINGS, max_examples=5)
@given(case=valid_cases(), data=st.data())
def test_every_problem_gets_its_own_error_line(case, data):
    rates = st.sampled_from(rate_leaves(case.data))
    paths = data.draw(st.lists(rates, min_size=2, max_size=4, unique=True), label="rates")
    for path in paths:
        put(case.data, path, -1)
    with scenario_file() as file:
        written = case.write(file)
        problems = refused(file)
    assert len(problems) == len(paths), problems
    for path in paths:
        (problem,) = [p for p in problems if p.rest.startswith(".".join(path) + ": ")]
        check_field(problem, written, path, -1)
