"""Run one benchmark: python -m bench NAME (or --list)."""

import argparse
import importlib
import sys

# "module" runs module.run() (described by DESCRIPTION); "module:name" runs module.run_<name>()
# (described by <NAME>_DESCRIPTION), for a module holding several benchmarks over one data set.
BENCHMARKS = {
    "public": "bench.public",
    "sweep": "bench.registrations:sweep",
    "workbench": "bench.registrations:workbench",
    "loan_import": "bench.loan_import",
    "loan_list": "bench.loans:loan_list",
    "whitelist_publish": "bench.whitelist:publish",
    "whitelist_pull": "bench.whitelist:pull",
    "subsidies": "bench.subsidies",
    "stats": "bench.stats",
    "pages": "bench.pages",
}


def _entry(spec: str):
    module_name, _sep, name = spec.partition(":")
    module = importlib.import_module(module_name)
    if not name:
        return module.DESCRIPTION, module.run
    return getattr(module, f"{name.upper()}_DESCRIPTION"), getattr(module, f"run_{name}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("name", nargs="?", help="the benchmark to run")
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    args = parser.parse_args()
    if args.list or not args.name:
        for name, spec in BENCHMARKS.items():
            print(f"{name}: {_entry(spec)[0]}")
        return 0
    if args.name not in BENCHMARKS:
        parser.error(f"unknown benchmark {args.name!r}; try --list")

    from bench.harness import ensure_database, require_postgres

    ensure_database(require_postgres())
    goals = _entry(BENCHMARKS[args.name])[1]()
    for goal in goals:
        print(goal.line(), flush=True)
    return 0 if all(goal.passed for goal in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
