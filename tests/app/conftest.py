"""The explorer under test: one server on 127.0.0.1 for the module, with the bundled
scenarios and a fresh export folder, and one headless Chromium (Debian's) driven by
Playwright through its own executable, with a fresh profile."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "tornado", reason='the explorer needs the app extra: pip install "coopsim[app]"'
)

from coopsim.app.explorer import Explorer, Options
from coopsim.app.library import ScenarioLibrary
from coopsim.app.server import Server
from coopsim.cli.main import main
from tests.app.browser import CHROMIUM, FLAGS

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
#: Monte Carlo answers in these tests: two fast blocks, refined in two rounds.
REPLICATIONS = 512
SEED = 2024


@pytest.fixture(scope="package")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exports")


@pytest.fixture(scope="package")
def server(exports: Path) -> Iterator[Server]:
    """The explorer, as `coopsim app scenarios --replications 512 --workers 1` serves it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        library = ScenarioLibrary([SCENARIOS], exports)
        running = Server(
            Explorer(library, Options(replications=REPLICATIONS, seed=SEED, workers=1)),
            folder=ROOT,
        )
        running.start()
        yield running
        running.stop()


@pytest.fixture(scope="package")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A browser context of headless Chromium with a fresh profile (skipped without it)."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium package)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    with sync_api.sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1400, "height": 1000},
            # Playwright's waiting helpers evaluate text; the page's own policy forbids it.
            bypass_csp=True,
        )
        yield context
        context.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """The explorer's page on the baseline, once its first answer is drawn."""
    tab = browser.new_page()
    tab.goto(server.url + "?scenario=baseline")
    tab.wait_for_function("window.coopsim && window.coopsim.answers > 0")
    yield tab
    tab.close()


def answered(tab: Any, path: str, value: str) -> dict[str, Any]:
    """Wait until the page shows the final answer for `path` = `value`; its view."""
    tab.wait_for_function(
        "([p, v]) => window.coopsim.last && window.coopsim.last.changes[p] === v"
        " && window.coopsim.last.final",
        arg=[path, value],
    )
    return tab.evaluate("window.coopsim.last")


def shown_probabilities(tab: Any) -> dict[str, tuple[float, str]]:
    """Per target row: the probability the cell holds, and the text it shows."""
    return tab.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#table tbody tr')].map(
            (tr) => { const cell = tr.querySelector('td.probability');
                      return [tr.dataset.target, [Number(cell.dataset.probability),
                              cell.textContent]]; }))"""
    )


def forecast_summary(tmp_path: Path, scenario: Path, *options: str) -> dict[str, Any]:
    """`coopsim forecast SCENARIO OPTIONS` run here; its summary.json."""
    out = tmp_path / f"forecast-{len(list(tmp_path.iterdir()))}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["forecast", str(scenario), "--out", str(out), "--quiet", *options])
    assert code == 0
    return json.loads((out / "summary.json").read_text())
