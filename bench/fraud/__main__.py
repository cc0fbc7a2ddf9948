"""`make bench-fraud`: the labeled anti-cheat simulation, with its rates per pattern.

.venv/bin/python -m bench.fraud [--honest 3000] [--cheats 60] [--seed 1] [--threshold 75]
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.fraud.simulate import format_report, run

RESULTS = Path(__file__).resolve().parent.parent / "results.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--honest", type=int, default=3000, help="honest members")
    parser.add_argument("--cheats", type=int, default=60, help="members per cheat pattern")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=int, default=75, help="anomaly_threshold")
    args = parser.parse_args()
    started = time.perf_counter()
    report = run(args.honest, args.cheats, args.seed, threshold=args.threshold)
    elapsed = time.perf_counter() - started
    print(format_report(report))
    print(f"\n{elapsed:.1f} s")
    with RESULTS.open("a") as out:
        out.write(
            f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | fraud simulation (seed {args.seed}, "
            f"threshold {args.threshold}) | none | {args.honest} honest members, "
            f"{args.cheats} per cheat pattern: honest days flagged {report.honest.rate:.2%} "
            f"of {report.honest.days}, cheat-days caught {report.cheats.rate:.2%} of "
            f"{report.cheats.days} ({report.told.rate:.2%} of the {report.told.days} the data "
            f"can tell), precision {report.precision:.2%} | "
            f"{platform.python_version()} |\n"
        )


if __name__ == "__main__":
    main()
