"""Goal seeking: known answers, both directions, unreachable goals, whole-number levers, and a
forecast with the value found confirming its probability."""

from __future__ import annotations

import json
import math

import pytest
from scipy.optimize import brentq
from scipy.stats import nbinom

from coopsim.analyses.goal_seek import goal_seek
from coopsim.cli.main import main
from coopsim.errors import InputError
from coopsim.inputs.policies import HazardEffects, Programme
from coopsim.inputs.scenario import Scenario, Target
from tests.test_cli import BASELINE

AT_LEAST_20 = "new_cooperatives_2024_at_least_20"


def run_main(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """Run the command in this process: exit status, stdout, stderr."""
    try:
        status = main([str(a) for a in args])
    except SystemExit as stop:  # argparse's errors
        status = stop.code
    out, err = capsys.readouterr()
    return int(status or 0), out, err


LEVER = "founding.mean_per_year"


def p_at_least_20(mean: float, shape: float = 8.0) -> float:
    """Closed form: founded in 2024 is negative binomial (mean `mean`, gamma shape 8) in the
    baseline, which founds directly only; P(at least 20)."""
    return float(nbinom.sf(19, shape, shape / (shape + mean)))


def p_at_most_40(mean: float, shape: float = 8.0) -> float:
    return float(nbinom.cdf(40, shape, shape / (shape + mean)))


@pytest.fixture(scope="module")
def with_ceiling(baseline: Scenario) -> Scenario:
    """The baseline with a target whose probability falls as founding rises."""
    ceiling = Target(metric="founded", year=2024, comparison="<=", threshold=40)
    return baseline.model_copy(update={"targets": {**baseline.targets, "at_most_40": ceiling}})


def test_exact_engine_finds_the_closed_form_answer(baseline, region):
    truth = brentq(lambda m: p_at_least_20(m) - 0.9, 20, 60)  # 36.217
    found = goal_seek(baseline, AT_LEAST_20, LEVER, 0.9, engine="exact", region=region)
    assert found.reachable and found.direction == "increasing"
    assert found.resolution == 0.1
    # The smallest value on the 0.1 grid that reaches 0.9: the truth rounded up.
    assert found.value == pytest.approx(math.ceil(truth * 10) / 10)
    assert found.probability == pytest.approx(p_at_least_20(found.value), abs=1e-9)
    assert found.probability >= 0.9 > p_at_least_20(found.value - found.resolution)
    assert found.current_probability == pytest.approx(p_at_least_20(35.0), abs=1e-9)


def test_fast_engine_finds_the_known_answer_within_monte_carlo_error(baseline, region):
    """Tolerance: 4 standard errors of P at the answer, over the true slope dP/dmean, plus
    one grid step (with 2,048 replicates about 2.9 cooperatives a year)."""
    n = 2048
    truth = brentq(lambda m: p_at_least_20(m) - 0.9, 20, 60)
    found = goal_seek(
        baseline,
        AT_LEAST_20,
        LEVER,
        0.9,
        engine="fast",
        replications=n,
        seed=3,
        workers=1,
        region=region,
        bounds=(20.0, 60.0),
    )
    slope = (p_at_least_20(truth + 0.5) - p_at_least_20(truth - 0.5)) / 1.0
    tolerance = 4 * math.sqrt(0.9 * 0.1 / n) / slope + found.resolution
    assert found.reachable and found.replications == n
    assert abs(found.value - truth) <= tolerance, (found.value, truth, tolerance)
    assert found.probability >= 0.9


@pytest.mark.slow
def test_fast_engine_known_answer_with_many_replicates(baseline, region):
    """The default 10,000 replicates: within 4 standard errors over the slope (about 1.3)."""
    truth = brentq(lambda m: p_at_least_20(m) - 0.9, 20, 60)
    found = goal_seek(baseline, AT_LEAST_20, LEVER, 0.9, engine="fast", region=region)
    slope = p_at_least_20(truth + 0.5) - p_at_least_20(truth - 0.5)
    assert found.replications == 10_000
    assert abs(found.value - truth) <= 4 * math.sqrt(0.09 / 10_000) / slope + found.resolution


def test_a_lever_that_lowers_the_probability_is_searched_downwards(with_ceiling, region):
    truth = brentq(lambda m: p_at_most_40(m) - 0.5, 20, 80)  # 42.42
    found = goal_seek(with_ceiling, "at_most_40", LEVER, 0.5, engine="exact", region=region)
    assert found.direction == "decreasing" and found.reachable
    assert "falls" in found.note and "largest" in found.note
    # The largest value on the grid that still reaches 0.5: the truth rounded down.
    assert found.value == pytest.approx(math.floor(truth * 10) / 10)
    assert p_at_most_40(found.value) >= 0.5 > p_at_most_40(found.value + found.resolution)


def test_an_unreachable_probability_reports_the_best_end(baseline, region):
    found = goal_seek(
        baseline, AT_LEAST_20, LEVER, 0.9, engine="exact", bounds=(5.0, 20.0), region=region
    )
    assert not found.reachable
    assert found.value == 20.0  # the end where the probability is highest
    assert found.probability == pytest.approx(p_at_least_20(20.0), abs=1e-9)
    assert found.as_dict()["reachable"] is False and found.value_stderr is None
    assert "No value in the range reaches it" in found.note


def test_already_met_at_the_start_of_the_range(baseline, region):
    found = goal_seek(
        baseline, AT_LEAST_20, LEVER, 0.5, engine="exact", bounds=(40.0, 60.0), region=region
    )
    assert found.reachable and found.value == 40.0
    assert "whole range" in found.note


@pytest.mark.parametrize(
    ("engine", "replications", "ran"), [("fast", 256, "fast"), ("auto", 4, "des")]
)
def test_whole_number_levers_take_whole_values(baseline, region, engine, replications, ran):
    """A programme with ample budget supports as many as its capacity: the smallest capacity
    that supports at least 10 in 2024 is 10 (on fast, and on des, which auto picks for a
    scenario with a programme, as a forecast does)."""
    programme = Programme(
        start="2024-01-01",
        capacity_per_year=3,
        cost_per_cooperative_million_vnd=1.0,
        budget_million_vnd=1000.0,
        support_years=1.0,
        effects=HazardEffects(upgrade=2.0),
    )
    ten = Target(metric="supported", year=2024, comparison=">=", threshold=10)
    scenario = baseline.model_copy(
        update={"programmes": {"support": programme}, "targets": {"ten": ten}, "horizon_year": 2024}
    )
    found = goal_seek(
        scenario,
        "ten",
        "programmes.support.capacity_per_year",
        0.5,
        engine=engine,
        replications=replications,
        workers=1,
        region=region,
    )
    assert found.engine == ran
    assert found.value == 10 and isinstance(found.value, int)
    assert found.resolution == 1.0 and found.probability == 1.0
    assert all(float(e.value).is_integer() for e in found.path)


def test_bad_arguments_raise_input_errors_naming_the_option(baseline):
    with pytest.raises(InputError, match=r"--target.*unknown target 'nope'.*new_cooperatives_2024"):
        goal_seek(baseline, "nope", LEVER, 0.5, engine="exact")
    with pytest.raises(InputError, match=r"--lever.*unknown lever path 'founding.mean'.*did you"):
        goal_seek(baseline, AT_LEAST_20, "founding.mean", 0.5, engine="exact")
    with pytest.raises(InputError, match=r"--probability.*strictly between 0 and 1"):
        goal_seek(baseline, AT_LEAST_20, LEVER, 1.0, engine="exact")
    with pytest.raises(InputError, match=r"--range.*0 <= LOW < HIGH <= 105"):
        goal_seek(baseline, AT_LEAST_20, LEVER, 0.5, engine="exact", bounds=(10.0, 200.0))


def test_command_writes_goal_seek_json_and_a_forecast_confirms_it(tmp_path, capsys):
    out = tmp_path / "seek"
    options = ["--replications", "512", "--seed", "9", "--engine", "fast", "--workers", "1"]
    seek = ["--target", AT_LEAST_20, "--lever", LEVER, "--probability", "0.85"]
    status, stdout, err = run_main(
        capsys, "goal-seek", BASELINE, *seek, "--out", out, "--quiet", *options
    )
    assert status == 0, err
    found = json.loads((out / "goal_seek.json").read_text())
    for key in ("lever", "value", "probability", "stderr", "reachable", "search", "direction"):
        assert key in found
    assert found["lever"] == LEVER and found["reachable"] is True
    assert found["probability"] >= 0.85 and found["replications"] == 512
    assert {"goal_seek.png", "provenance.json"} <= {p.name for p in out.iterdir()}
    assert f"--set {LEVER}={found['value']!r}" in found["confirm"] in stdout
    check = tmp_path / "check"
    setting = f"{LEVER}={found['value']!r}"
    status, _, err = run_main(
        capsys, "forecast", BASELINE, "--set", setting, "--out", check, "--quiet", *options
    )
    assert status == 0, err
    summary = json.loads((check / "summary.json").read_text())
    assert summary["targets"][AT_LEAST_20]["probability"] == found["probability"]
    assert summary["targets"][AT_LEAST_20]["stderr"] == found["stderr"]


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        (["--target", "nope"], ["--target", "unknown target 'nope'", "new_cooperatives_2024"]),
        (["--lever", "levers.x.effects.upgrade"], ["--lever", "founding.mean_per_year"]),
        (["--probability", "1.5"], ["--probability", "strictly between 0 and 1"]),
        (["--probability", "0"], ["--probability", "strictly between 0 and 1"]),
        (["--probability", "half"], ["--probability", "'half' is not a number"]),
        (["--range", "0", "500"], ["--range", "0 <= LOW < HIGH <= 105"]),
    ],
)
def test_command_refuses_bad_input_with_exit_status_2(tmp_path, capsys, extra, needles):
    args = ["--target", AT_LEAST_20, "--lever", LEVER, "--probability", "0.5"]
    for i in range(0, len(args), 2):
        if args[i] in extra:
            args[i + 1] = extra[extra.index(args[i]) + 1]
    if extra[0] not in args:
        args += extra
    out = tmp_path / "never"
    status, _, err = run_main(
        capsys, "goal-seek", BASELINE, *args, "--engine", "exact", "--out", out
    )
    assert status == 2
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err
    assert not out.exists()
