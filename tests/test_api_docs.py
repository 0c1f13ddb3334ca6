"""The public API's docstring examples run as written and print what they show."""

from __future__ import annotations

import doctest
import importlib
import inspect
import types

import matplotlib
import pytest

import coopsim

from .conftest import ROOT

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
        "plot_fan",
    }
    assert wanted <= set(DOCUMENTED)
    for name in DOCUMENTED:
        doc = inspect.getdoc(getattr(coopsim, name)) or ""
        assert ">>> " in doc, f"coopsim.{name} has no example in its docstring"
    for method in ("target_table", "plot_fan", "plot_trajectories", "plot_time_to_target"):
        assert inspect.getdoc(getattr(coopsim.ForecastResult, method))


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


def test_calibrate_stays_the_function_after_its_namesake_module_is_imported() -> None:
    """`coopsim.calibrate` is the calibration function even once coopsim.calibrate (the
    module of rate matching) has been imported, as test modules and scripts do."""
    importlib.import_module("coopsim.calibrate")
    assert callable(coopsim.calibrate)
    assert coopsim.calibrate.__module__ == "coopsim.analyses.calibration.workflow"
