"""Broken input, generated: mutations of the bundled region file, of a posterior file and of
--set values, each refused by the real command with status 2, exactly one line per problem
naming the file and the dotted field, no traceback and no output folder."""

from __future__ import annotations

import copy
import math
import string
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopsim.inputs.posterior_file import MAX_SCALE
from coopsim.inputs.region_data import (
    Flows,
    PublishedSource,
    Region,
    RegionInfo,
    ShareFigure,
    Snapshot,
)

from .support import (
    BACKTEST,
    BASELINE,
    forecast_folder,
    ha_tinh,
    refused,
    scenario_for,
    write_region,
)

pytestmark = pytest.mark.filterwarnings("ignore::coopsim.errors.DataInconsistencyWarning")

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
Key = tuple[str, ...]
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
FINITE = {"allow_nan": False, "allow_infinity": False}
#: Figures that count (whole numbers, at least 0; a snapshot's total at least 1).
COUNTS = {"total", "members", "cooperative_groups", "unions", "founded", "dissolved"}


def figures(data: dict[str, Any]) -> list[tuple[Key, str]]:
    """Every figure table of a region file, with its kind: count, change or share."""
    found: list[tuple[Key, str]] = []
    for year, snap in data["snapshots"].items():
        for name, figure in snap.items():
            if name == "classes":
                found += [(("snapshots", year, "classes", c), "count") for c in figure]
            else:
                found.append((("snapshots", year, name), "share" if "share" in name else "count"))
    for year, flow in data["flows"].items():
        found += [(("flows", year, n), "change" if n == "net_change" else "count") for n in flow]
    return found


def get(data: dict[str, Any], key: Key) -> Any:
    for part in key:
        data = data[part]
    return data


@dataclass(frozen=True)
class Break:
    """One mutation: what it does to the data, and the dotted field a refusal must name."""

    field: str
    apply: Callable[[dict[str, Any]], None]


def set_leaf(key: Key, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: get(data, key[:-1]).__setitem__(key[-1], value)


def fractional(low: float = 0.01) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=1e6, **FINITE).filter(lambda v: v != int(v))


@st.composite
def value_breaks(draw: st.DrawFn, figure: Key, kind: str) -> Break:
    """A bad value for a figure's value (or precision, on shares)."""
    how = ["nonfinite", "negative", "fractional", "text"] if kind != "share" else []
    if kind == "share":
        how = ["nonfinite", "negative", "above_one", "text", "precision"]
    if kind == "change":
        how = ["nonfinite", "fractional", "text"]
    choice = draw(st.sampled_from(how), label="how")
    leaf = "precision" if choice == "precision" else "value"
    bad: Any
    if choice == "nonfinite":
        bad = draw(NON_FINITE)
    elif choice == "negative":
        below = st.floats(max_value=-1e-6, min_value=-1e9, **FINITE)
        bad = draw(st.integers(-(10**9), -1) | below if kind == "count" else below)
    elif choice == "fractional":
        bad = draw(fractional())
    elif choice == "above_one":
        bad = draw(st.floats(min_value=1, exclude_min=True, max_value=1e9, **FINITE))
    elif choice == "text":
        bad = draw(st.text(string.ascii_letters + string.digits, min_size=0, max_size=6))
    else:
        bad = draw(NON_FINITE | st.floats(max_value=-1e-6, min_value=-1e3, **FINITE))
    key = (*figure, leaf)
    return Break(".".join(key), set_leaf(key, bad))


def tables(data: dict[str, Any]) -> list[tuple[Key, type]]:
    """The file's tables that a schema reads (where an unknown key is one problem)."""
    places: list[tuple[Key, type]] = [((), Region), (("region",), RegionInfo)]
    places += [(("sources", s), PublishedSource) for s in data["sources"]]
    places += [(("snapshots", y), Snapshot) for y in data["snapshots"]]
    places += [(("flows", y), Flows) for y in data["flows"]]
    return places + [(key, ShareFigure) for key, _ in figures(data)]


@st.composite
def unknown_key_break(draw: st.DrawFn, data: dict[str, Any], table: Key, schema: type) -> Break:
    """A key no schema has, added to a table."""
    taken = set(schema.model_fields) | set(get(data, table))
    letters = st.text(string.ascii_lowercase + "_", min_size=1, max_size=10)
    name = draw(letters.filter(lambda n: n not in taken), label="unknown key")
    value = draw(st.integers(0, 9) | st.text(string.ascii_letters, max_size=4))
    return Break(".".join((*table, name)), set_leaf((*table, name), value))


@st.composite
def region_breaks(draw: st.DrawFn, data: dict[str, Any], count: int) -> list[Break]:
    """`count` mutations, each of a different figure or table: a bad value, or an unknown
    key (so each is one problem)."""
    targets: list[tuple[str, Key, Any]] = [("value", key, kind) for key, kind in figures(data)]
    targets += [("key", key, schema) for key, schema in tables(data)]
    picked = draw(
        st.lists(st.integers(0, len(targets) - 1), min_size=count, max_size=count, unique=True),
        label="targets",
    )
    chosen = []
    for index in picked:
        what, key, detail = targets[index]
        if what == "value":
            chosen.append(draw(value_breaks(key, detail)))
        else:
            chosen.append(draw(unknown_key_break(data, key, detail)))
    return chosen


COMMANDS = ["validate", "forecast", "calibrate", "compare", "score"]


def command_line(command: str, path: Path, folder: Path, out: Path) -> list[Any]:
    """A command that reads the region file at `path`."""
    if command == "validate":
        return ["validate", scenario_for(path)]
    if command == "forecast":
        return ["forecast", scenario_for(path), "--replications", "2", "--out", out]
    if command == "calibrate":
        return ["calibrate", BACKTEST, "--data", path, "--draws", "100", "--out", out]
    if command == "compare":
        return ["compare", BASELINE, scenario_for(path), "--replications", "2", "--out", out]
    return ["score", forecast_folder(folder / "stored"), "--observed", path]


def check_refusal(command: str, breaks: list[Break], data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for item in breaks:
            item.apply(data)
        path = write_region(folder, data)
        out = folder / "out"
        problems = refused(*command_line(command, path, folder, out), out=out)
        assert sorted(p.field for p in problems) == sorted(b.field for b in breaks), problems
        assert {p.file for p in problems} == {str(path)}, problems
        if command == "score":
            assert sorted(p.name for p in (folder / "stored").iterdir()) == ["summary.json"]


@SETTINGS
@given(data=st.data(), command=st.sampled_from(COMMANDS))
def test_one_broken_figure_or_key_is_one_line_naming_file_and_field(data, command):
    region = ha_tinh()
    breaks = data.draw(region_breaks(region, 1), label="breaks")
    check_refusal(command, breaks, region)


@SETTINGS
@given(data=st.data(), count=st.integers(2, 5), command=st.sampled_from(["validate", "forecast"]))
def test_every_independent_problem_of_a_region_file_is_reported_at_once(data, count, command):
    region = ha_tinh()
    breaks = data.draw(region_breaks(region, count), label="breaks")
    check_refusal(command, breaks, region)


@SETTINGS
@given(
    name=st.sampled_from(["good", "fair", "average", "weak", "unclassified"]),
    change=st.integers(-30, 30).filter(bool),
)
def test_class_counts_off_their_total_are_one_problem_naming_sum_and_total(name, change):
    region = ha_tinh()
    figure = region["snapshots"]["2022"]["classes"][name]
    figure["value"] = max(0, figure["value"] + change)
    counted = sum(f["value"] for f in region["snapshots"]["2022"]["classes"].values())
    if counted == 1020:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = write_region(Path(folder), region)
        (problem,) = refused("validate", scenario_for(path, "backtest"))
    assert (problem.file, problem.field) == (str(path), "snapshots.2022.classes")
    assert f"sum to {counted}" in problem.rest and "1020" in problem.rest


# --- Posterior files --------------------------------------------------------------------------

APPLIED = ["founding_scale", "founding_dispersion", "upgrade_scale", "downgrade_scale"]
APPLIED += ["dissolution_scale"]


def bad_cells(column: str) -> st.SearchStrategy[str]:
    """Cell texts a column must refuse."""
    cells = st.sampled_from(["nan", "inf", "-inf", "", "x", "1e309", "0", "-1"])
    if column.endswith("_scale"):
        cells |= st.floats(min_value=MAX_SCALE, exclude_min=True, **FINITE).map(repr)
    if column == "stock_revision":
        cells = st.sampled_from(["nan", "inf", "-inf", "", "x", "1e309"])
    return cells


@st.composite
def broken_posteriors(draw: st.DrawFn) -> tuple[str, list[tuple[int, str]]]:
    """A posterior.csv with some columns broken (a bad cell each) and perhaps an unknown
    column; the (line, field) of each problem it must be refused with."""
    columns = draw(st.lists(st.sampled_from(APPLIED), min_size=1, max_size=5, unique=True))
    if draw(st.booleans()):
        columns.append("stock_revision")
    rows = draw(st.integers(2, 8))
    cells = {c: [f"{1 + 0.01 * i:g}" for i in range(rows)] for c in columns}
    broken = draw(st.lists(st.sampled_from(columns), min_size=0, max_size=3, unique=True))
    add_unknown = draw(st.booleans()) or not broken
    expected: list[tuple[int, str]] = []
    for column in broken:
        row = draw(st.integers(0, rows - 1))
        bad = bad_cells(column)
        if len(columns) == 1 and not add_unknown:
            bad = bad.filter(bool)  # an empty cell would be a blank line, which CSV skips
        cells[column][row] = draw(bad)
        expected.append((row + 2, column))
    order = list(columns)
    if add_unknown:
        unknown = draw(st.sampled_from(["colour", "founding", "scale", "chains", "upgrade"]))
        order.insert(draw(st.integers(0, len(order))), unknown)
        cells[unknown] = ["1"] * rows
        expected.append((1, unknown))
    lines = [",".join(order)] + [",".join(cells[c][i] for c in order) for i in range(rows)]
    return "\n".join(lines) + "\n", expected


@SETTINGS
@given(case=broken_posteriors())
def test_a_broken_posterior_is_one_line_per_problem(case):
    text, expected = case
    with tempfile.TemporaryDirectory() as name:
        path = Path(name) / "posterior.csv"
        path.write_text(text)
        out = Path(name) / "out"
        argv = ["forecast", BASELINE, "--posterior", path, "--replications", "30"]
        problems = refused(*argv, "--workers", "1", "--out", out, out=out)
    assert sorted((p.line, p.field) for p in problems) == sorted(expected), (text, problems)
    assert {p.file for p in problems} == {str(path)}


# --- --set --------------------------------------------------------------------------------------

RATES = [
    "founding.mean_per_year",
    "quality.upgrade_per_year.fair",
    "quality.upgrade_per_year.weak",
    "quality.downgrade_per_year.good",
    "quality.dissolution_per_year.average",
    "members.dispersion",
    "members.new_cooperative_mean",
]
PROBABILITIES = ["founding.entry_class.good", "founding.entry_class.weak"]
WHOLE = ["members.new_cooperative_minimum"]


def bad_settings(path: str) -> st.SearchStrategy[str]:
    """Values (as typed on the command line) a setting must refuse."""
    values = st.sampled_from(["nan", "inf", "-inf", "+inf", "-nan", "lots", "'12x'"])
    values |= st.floats(max_value=-1e-3, min_value=-1e6, **FINITE).map(repr)
    if path in PROBABILITIES:
        values |= st.floats(min_value=1.001, max_value=1e6, **FINITE).map(repr)
    if path in WHOLE:
        values |= fractional(0.01).map(repr)
    return values


@SETTINGS
@given(data=st.data(), command=st.sampled_from(["validate", "forecast"]))
def test_bad_set_values_are_one_line_each_naming_the_option(data, command):
    paths = data.draw(
        st.lists(
            st.sampled_from(RATES + PROBABILITIES + WHOLE), min_size=1, max_size=3, unique=True
        )
    )
    overrides = [f"{path}={data.draw(bad_settings(path), label=path)}" for path in paths]
    with tempfile.TemporaryDirectory() as name:
        out = Path(name) / "out"
        argv: list[Any] = [command, BASELINE]
        for text in overrides:
            argv += ["--set", text]
        if command == "forecast":
            argv += ["--replications", "2", "--out", out]
        problems = refused(*argv, out=out)
    assert sorted((p.file, p.field) for p in problems) == sorted(
        (f"--set {text}", text.split("=", 1)[0]) for text in overrides
    ), problems


def test_the_unbroken_region_file_is_accepted():
    with tempfile.TemporaryDirectory() as name:
        path = write_region(Path(name), copy.deepcopy(ha_tinh()))
        from .support import run

        for kind in ("scenario", "backtest"):
            status, err = run("validate", scenario_for(path, kind))
            assert status == 0, err
