"""Start-up as a user meets it: `coopsim --help`, `coopsim validate` and an exact forecast of
the baseline (`coopsim forecast --engine exact`: start-up, the exact summary, charts and files)
end to end, each a new process (interpreter start and imports included), median of --repeats
runs.

    python benchmarks/bench_startup.py [--repeats 5]

Goals: --help <= 0.3 s, validate <= 0.6 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BASELINE, command, median_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    out = str(Path(folder.name) / "out")
    cases = {
        "help_s": command("--help"),
        "validate_s": command("validate", str(BASELINE)),
        "forecast_exact_s": command(
            "forecast", str(BASELINE), "--engine", "exact", "--quiet", "--overwrite", "--out", out
        ),
    }
    results = {}
    with folder:
        for name, argv in cases.items():
            subprocess.run(argv, check=True, capture_output=True)  # warm the file cache once
            results[name] = round(
                median_seconds(
                    lambda argv=argv: subprocess.run(argv, check=True, capture_output=True),
                    args.repeats,
                ),
                3,
            )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
