"""Run the benchmarks: python -m bench [NAME ...]

Without names every bench/bench_*.py runs in turn, each in its own process so
one's memory and caches do not colour the next. Figures are medians (and p99
where it matters) of repeated rounds, with ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"which to run: {', '.join(available)} (default: all)",
    )
    names = parser.parse_args().names or available
    unknown = sorted(set(names) - set(available))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}; choose from {', '.join(available)}")
    failed = 0
    for name in names:
        print(f"\n=== bench_{name} ===", flush=True)
        done = subprocess.run([sys.executable, "-m", f"bench.bench_{name}"], cwd=HERE.parent)
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
