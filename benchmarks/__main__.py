"""Run every benchmark: `python -m benchmarks [--quick] [NAME ...]`.

Each script measures its figures against a baseline run in the same process; this runner
prints every figure, its baseline and the ratio, and merges them into
`benchmarks/results.json`. `--quick` runs every figure at a smaller size (about two
minutes in all).
"""

from __future__ import annotations

import argparse
import importlib
import time

from benchmarks._common import Figure, write_results

SCRIPTS = ("advance", "rules", "checklist", "store_ops", "memory", "bulk_import", "analytics_1m",
           "crm_import_1m", "validate_deep", "startup")


#: Scripts whose main() takes command-line arguments instead of `quick`.
ARGV = {"analytics_1m": (["--events", "100000", "--no-save"], ["--no-save"])}


def _run(name: str, quick: bool) -> list[Figure]:
    module = importlib.import_module(f"benchmarks.{name}")
    if name in ARGV:
        figures = module.main(ARGV[name][0 if quick else 1])
    else:
        figures = module.main(quick=quick)
    return [f if isinstance(f, Figure) else Figure(
        name=f["name"], value=f["value"], unit=f["unit"], baseline=f.get("baseline"),
        target=f["target"], met=f["met"]) for f in figures]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, ~2 minutes")
    parser.add_argument("names", nargs="*", choices=[*SCRIPTS, []], default=[],
                        metavar="NAME", help=f"only these: {', '.join(SCRIPTS)}")
    args = parser.parse_args()
    figures: list[Figure] = []
    for name in args.names or SCRIPTS:
        start = time.perf_counter()
        try:
            found = _run(name, args.quick)
        except ModuleNotFoundError as exc:
            print(f"{name}: skipped ({exc})")
            continue
        for figure in found:
            print(figure.line(), flush=True)
        print(f"  ({name}: {time.perf_counter() - start:.1f} s)", flush=True)
        figures.extend(found)
    write_results(figures)
    missed = [f.name for f in figures if not f.met]
    print(f"\n{len(figures)} figures, {len(figures) - len(missed)} met their target"
          + (f"; not met: {', '.join(missed)}" if missed else ""))


if __name__ == "__main__":
    main()
