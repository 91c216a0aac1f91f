"""Run one benchmark: python -m bench NAME (or --list)."""

import argparse
import importlib
import sys

BENCHMARKS = {
    "public": "bench.public",
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("name", nargs="?", help="the benchmark to run")
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    args = parser.parse_args()
    if args.list or not args.name:
        for name, module in BENCHMARKS.items():
            print(f"{name}: {importlib.import_module(module).DESCRIPTION}")
        return 0
    if args.name not in BENCHMARKS:
        parser.error(f"unknown benchmark {args.name!r}; try --list")

    from bench.harness import ensure_database, require_postgres

    ensure_database(require_postgres())
    goals = importlib.import_module(BENCHMARKS[args.name]).run()
    for goal in goals:
        print(goal.line(), flush=True)
    return 0 if all(goal.passed for goal in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
