"""The public API's docstring examples run as written and print what they show."""

from __future__ import annotations

import doctest
import inspect
import types
from pathlib import Path

import matplotlib
import pytest

import coopsim
import coopsim.plots

from .conftest import ROOT

#: The charts, each a function taking a result and `ax=` (or `figure=`).
PLOTS = (
    "plot_fan",
    "plot_trajectories",
    "plot_time_to_target",
    "plot_overlaid_fans",
    "plot_target_probabilities",
    "plot_target_differences",
    "plot_sensitivity",
    "plot_sensitivity_overview",
    "plot_prior_posterior",
    "plot_posterior_predictive",
    "plot_goal_seek",
)
#: The functions a researcher calls; each docstring must carry a short example.
DOCUMENTED = [
    name for name in coopsim.__all__ if isinstance(getattr(coopsim, name), types.FunctionType)
]


def _examples() -> dict[str, doctest.DocTest]:
    """Every docstring example reachable from coopsim's public names, by qualified name."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = {test.name: test for test in finder.find(coopsim, "coopsim")}
    for name in coopsim.__all__:
        obj = getattr(coopsim, name)
        module = inspect.getmodule(obj)
        for test in finder.find(obj, f"coopsim.{name}", module=module, globs={}):
            found.setdefault(test.name, test)
    return {name: test for name, test in found.items() if test.examples}


EXAMPLES = _examples()


def test_the_api_is_exported_and_documented() -> None:
    """The functions the README names are exported, and each documents an example."""
    wanted = {
        "load_scenario",
        "with_setting",
        "list_levers",
        "load_region",
        "forecast",
        "calibrate",
        "compare",
        "goal_seek",
        "sensitivity",
        "report",
        *PLOTS,
    }
    assert wanted <= set(DOCUMENTED)
    for name in DOCUMENTED:
        doc = inspect.getdoc(getattr(coopsim, name)) or ""
        assert ">>> " in doc, f"coopsim.{name} has no example in its docstring"
    for method in ("target_table", "time_to_target_table"):
        assert inspect.getdoc(getattr(coopsim.ForecastResult, method))


def test_the_charts_are_coopsim_plots_functions() -> None:
    """Every chart is a function of coopsim.plots, exported at the top level too."""
    assert set(PLOTS) <= set(coopsim.plots.__all__)
    for name in PLOTS:
        assert getattr(coopsim, name) is getattr(coopsim.plots, name)
        assert getattr(coopsim, name).__module__.startswith("coopsim.plots.")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docstring_example_runs(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run one docstring's examples from the repository root (their paths are relative to it)."""
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)
    test = EXAMPLES[name]
    test.globs = {}
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    failures: list[str] = []
    try:
        runner.run(test, out=failures.append)
    finally:
        plt.close("all")
    assert runner.failures == 0, "".join(failures)


def test_no_submodule_shadows_a_public_name() -> None:
    """A public function (`coopsim.calibrate`, `coopsim.forecast`, ...) is never replaced by a
    submodule of the same name once that submodule is imported: none has such a name."""
    package = Path(coopsim.__file__).parent
    submodules = {p.stem for p in package.glob("*.py")} | {
        p.name for p in package.iterdir() if (p / "__init__.py").exists()
    }
    assert not submodules & set(coopsim.__all__)
    assert coopsim.calibrate.__module__ == "coopsim.analyses.calibration.workflow"
