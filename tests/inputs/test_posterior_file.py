"""Posterior files for `forecast --posterior`: refused with one line per problem, naming the
file (and line and column where there is one) and what is allowed, before anything runs."""

from __future__ import annotations

import pandas as pd
import pytest

from coopsim.errors import InputError
from coopsim.inputs.posterior_file import MAX_SCALE, read_posterior
from coopsim.model.parameter_sets import choose_sets

from .support import BASELINE, refused

HEADER = "chain,draw,founding_scale,founding_dispersion,upgrade_scale,downgrade_scale,"
HEADER += "dissolution_scale,stock_revision\n"
ROWS = ["0,0,1.0,8,1,1,1,3\n", "0,1,1.1,7,1.1,0.9,1,2\n", "1,0,0.9,9,0.95,1.05,1.1,4\n"]


def posterior(tmp_path, text: str):
    path = tmp_path / "posterior.csv"
    path.write_text(text)
    return path


def forecast_refused(tmp_path, path, *extra):
    out = tmp_path / "out"
    argv = ["forecast", BASELINE, "--posterior", path, "--workers", "1", "--out", out, *extra]
    return refused(*argv, out=out)


def test_a_posterior_that_gives_one_parameter_set_is_refused(tmp_path):
    path = posterior(tmp_path, HEADER + "".join(ROWS))
    (problem,) = forecast_refused(tmp_path, path, "--replications", "10")
    assert problem.file == str(path)
    assert "1 set" in problem.rest and "at least 2" in problem.rest
    assert "--replications 20" in problem.rest


def test_a_posterior_with_only_stock_revision_is_refused(tmp_path):
    path = posterior(tmp_path, "stock_revision\n3\n2\n1\n")
    (problem,) = forecast_refused(tmp_path, path, "--replications", "30")
    assert problem.file == str(path)
    assert "none of the parameters a forecast applies" in problem.rest
    assert "founding_scale" in problem.rest


@pytest.mark.parametrize("value", ["1e308", "1e309", "inf", "-inf", "nan", "", "x", "0", "-1"])
def test_a_scale_out_of_range_is_refused_at_its_line_and_column(tmp_path, value):
    rows = list(ROWS)
    rows[1] = f"0,1,{value},7,1.1,0.9,1,2\n"
    path = posterior(tmp_path, HEADER + "".join(rows))
    (problem,) = forecast_refused(tmp_path, path, "--replications", "30")
    assert (problem.file, problem.line, problem.field) == (str(path), 3, "founding_scale")
    assert f"up to {MAX_SCALE:g}" in problem.rest


def test_every_problem_of_a_posterior_is_reported_at_once(tmp_path):
    text = "founding_scale,colour,upgrade_scale,upgrade_scale,dissolution_scale\n"
    text += "1e308,1,1,1,nan\n1,2,1,1,1\n5000,3,1,1,inf\n"
    path = posterior(tmp_path, text)
    problems = forecast_refused(tmp_path, path, "--replications", "30")
    assert [(p.line, p.field) for p in problems] == [
        (1, "colour"),
        (1, "upgrade_scale"),
        (2, "founding_scale"),
        (2, "dissolution_scale"),
    ]
    assert "1 more row below" in problems[2].rest
    assert all(p.file == str(path) for p in problems)


def test_stock_revision_takes_any_finite_number(tmp_path):
    path = posterior(tmp_path, "dissolution_scale,stock_revision\n1,-1e300\n1.1,4\n")
    assert read_posterior(path)["stock_revision"].tolist() == [-1e300, 4]
    path = posterior(tmp_path, "dissolution_scale,stock_revision\n1,inf\n1.1,4\n")
    with pytest.raises(InputError, match="a finite number"):
        read_posterior(path)


def test_draws_given_from_python_are_checked_when_sets_are_chosen():
    draws = pd.DataFrame({"founding_scale": [1.0, 1e308], "stock_revision": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"founding_scale.*draw 1"):
        choose_sets(draws, 20, 2, "mine.csv")
    with pytest.raises(InputError, match="none of the parameters"):
        choose_sets(draws[["stock_revision"]], 20, 2)
    with pytest.raises(InputError, match="at least 2 sets"):
        choose_sets(draws.iloc[:1].assign(founding_scale=1.0), 20, 1)
    sets = choose_sets(draws.assign(founding_scale=[1.0, 2.0]), 20, 10)
    assert sets.count == 2 and sets.values["founding_scale"].tolist() == [1.0, 2.0]


def test_blank_lines_are_skipped_and_lines_still_counted(tmp_path):
    path = posterior(tmp_path, HEADER + ROWS[0] + "\n" + ROWS[1] + "0,2,x,7,1,1,1,2\n\n")
    (problem,) = forecast_refused(tmp_path, path, "--replications", "30")
    assert (problem.line, problem.field) == (5, "founding_scale")
    path = posterior(tmp_path, HEADER + ROWS[0] + "\n" + ROWS[1] + "\n")
    assert len(read_posterior(path)) == 2


def test_a_netcdf_posterior_is_checked_the_same_way(tmp_path):
    import numpy as np
    import xarray as xr

    values = np.array([[1.0, 2e3, 1.1]])
    path = tmp_path / "posterior.nc"
    xr.Dataset({"upgrade_scale": (("chain", "draw"), values)}).to_netcdf(
        path, group="posterior", engine="h5netcdf"
    )
    (problem,) = forecast_refused(tmp_path, path, "--replications", "30")
    assert (problem.file, problem.line, problem.field) == (str(path), None, "upgrade_scale")
    assert problem.rest.startswith("upgrade_scale: draw 1: 2000.0 is not allowed")
