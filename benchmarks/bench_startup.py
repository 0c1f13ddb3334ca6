"""Start-up as a user meets it: `coopsim --help` and `coopsim validate` end to end, each a new
process (interpreter start and imports included), median of --repeats runs.

    python benchmarks/bench_startup.py [--repeats 5]

Goals: --help <= 0.3 s, validate <= 0.6 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BASELINE, command, median_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cases = {
        "help_s": command("--help"),
        "validate_s": command("validate", str(BASELINE)),
    }
    results = {}
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
