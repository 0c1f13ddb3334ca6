"""Time writing a forecast's charts: the baseline's three fan charts and its time-to-target
chart (four PNGs), as `coopsim forecast` writes them (plots.fan.save_forecast_charts: two
processes), in one process, and in one process the way they were written before (a
constrained layout, PNG compression 6), from an exact result (the charts need quantiles and
targets only, so the engine does not matter).

    python benchmarks/bench_charts.py [--repeats 7] [--keep FOLDER]

Prints median seconds over the repeats, the three ways taking turns (matplotlib imported and
its fonts loaded first, as they are by the time a forecast writes charts), and the command's
way in a fresh process with matplotlib's import included.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import BASELINE, median_seconds  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from coopsim.analyses.forecast import forecast  # noqa: E402
from coopsim.inputs.region_data import load_scenario_and_region  # noqa: E402
from coopsim.plots.fan import charted_metrics, plot_fan, save_forecast_charts  # noqa: E402
from coopsim.plots.time_to_target import plot_time_to_target  # noqa: E402

FIRST = """
import sys, tempfile, time, warnings
from pathlib import Path
warnings.simplefilter("ignore")
from coopsim.analyses.forecast import forecast
from coopsim.inputs.region_data import load_scenario_and_region
loaded, region = load_scenario_and_region(sys.argv[1])
result = forecast(loaded.scenario, engine="exact", region=region)
start = time.perf_counter()
from coopsim.plots.fan import save_forecast_charts
with tempfile.TemporaryDirectory() as folder:
    save_forecast_charts(result, Path(folder))
print(time.perf_counter() - start)
"""


def constrained(result: object, folder: Path) -> None:
    """The four charts as they were written before: a constrained layout, compression 6."""
    for metric in [*charted_metrics(result), None]:
        figure = Figure(figsize=(9, 5.2), layout="constrained")
        ax = figure.subplots()
        plot_fan(result, metric, ax=ax) if metric else plot_time_to_target(result, ax=ax)
        figure.savefig(folder / f"{metric or 'time_to_target'}.png", dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="also leave the PNGs here")
    args = parser.parse_args()
    loaded, region = load_scenario_and_region(BASELINE)
    result = forecast(loaded.scenario, engine="exact", region=region)
    ways = {
        "charts_s": lambda folder: save_forecast_charts(result, folder),
        "charts_one_process_s": lambda folder: save_forecast_charts(result, folder, processes=1),
        "charts_constrained_layout_s": lambda folder: constrained(result, folder),
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    with tempfile.TemporaryDirectory() as folder:
        count = len(save_forecast_charts(result, Path(folder)))  # imports and fonts warmed
        constrained(result, Path(folder))
        for _ in range(args.repeats):
            for name, way in ways.items():
                times[name].append(median_seconds(lambda way=way: way(Path(folder)), 1))
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        save_forecast_charts(result, args.keep)
    fresh = sorted(
        float(subprocess.run([sys.executable, "-c", FIRST, str(BASELINE)], check=True,
                             capture_output=True, text=True).stdout)
        for _ in range(3)
    )[1]  # fmt: skip
    report = {"charts": count, **{k: round(statistics.median(v), 3) for k, v in times.items()}}
    print(json.dumps({**report, "charts_in_a_fresh_process_s": round(fresh, 3)}, indent=2))


if __name__ == "__main__":
    main()
