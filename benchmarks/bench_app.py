"""The explorer's speed as a person meets it: time from moving a slider in the page to the
new target probabilities drawn, and to the fan charts loaded, in headless Chromium (Debian's,
driven by Playwright) against `coopsim app` running as its own process.

    python benchmarks/bench_app.py [--changes 20] [--scenario baseline ...]

Each change moves founding.mean_per_year to a value not asked before (so nothing is served
from the explorer's cache of answers), after the previous change's charts have loaded, and
is timed inside the page (performance.now()) from the slider's input event to the table's
redraw with the final answer. Goal: median answer within 300 ms on 2 cores (exact engine).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.app.browser import CHROMIUM, FLAGS  # noqa: E402

LEVER = "founding.mean_per_year"
#: Moves the slider to a value, then resolves with [ms to the answer, ms to its charts].
MOVE = """async ([path, value]) => {
  const row = document.querySelector(`.lever[data-path="${path}"]`);
  const slider = row.querySelector('input[type=range]');
  slider.value = value;
  let wanted = null;  // the text the page sends: the slider's position, written out
  const answered = new Promise((resolve) => {
    const seen = (event) => {
      if (event.detail.changes[path] === wanted && event.detail.final) {
        document.removeEventListener('coopsim:answer', seen);
        resolve(performance.now());
      }
    };
    document.addEventListener('coopsim:answer', seen);
  });
  const start = performance.now();
  slider.dispatchEvent(new Event('input', {bubbles: true}));
  wanted = row.querySelector('input.value').value;
  const drawn = await answered;
  await Promise.all([...document.querySelectorAll('#charts img')].map((img) =>
    img.complete && !img.classList.contains('stale') ? null
      : new Promise((r) => { img.addEventListener('load', r, {once: true});
                             img.addEventListener('error', r, {once: true}); })));
  return [drawn - start, performance.now() - start, wanted];
}"""


def measure(url: str, scenario: str, changes: int) -> dict[str, object]:
    """Median and 90th percentile of the times to the answer and to the charts."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS, bypass_csp=True
        )
        page = context.new_page()
        page.goto(f"{url}?scenario={scenario}")
        page.wait_for_function("window.coopsim && window.coopsim.answers > 0", timeout=60_000)
        page.evaluate(MOVE, [LEVER, "20"])  # warm-up: the first draw of each chart
        answers, charts = [], []
        for i in range(changes):
            answer_ms, chart_ms, _ = page.evaluate(MOVE, [LEVER, f"{21 + 0.7 * i:.1f}"])
            answers.append(answer_ms)
            charts.append(chart_ms)
        context.close()

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "median_ms": round(statistics.median(values), 1),
            "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
            "max_ms": round(ordered[-1], 1),
        }

    return {
        "scenario": scenario,
        "changes": changes,
        "answer": summary(answers),
        "charts": summary(charts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--scenario", action="append", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as exports:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "coopsim",
                "app",
                "scenarios",
                "--quiet",
                "--export-dir",
                exports,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        try:
            url = re.search(r"http://\S+/", server.stdout.readline()).group(0)
            results = [
                measure(url, name, args.changes)
                for name in args.scenario or ["baseline", "resolution20"]
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps({"load_average": os.getloadavg(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
