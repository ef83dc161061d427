"""The long fuzz run: the properties of tests/security/test_fuzz.py with many more examples.

    python -m tests.soak.fuzz --minutes 5 [--target yaml|dealfile|jsonl|rule|all] [--seed N]

Runs batches of fresh random examples for each target in turn until the time is up, and
prints the examples run, their outcomes and every distinct failure (its kind, where it
was raised, and the smallest input hypothesis found for it). Exits 1 when any failed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as seed_of
from hypothesis import strategies as st

from dealflow.limits import Limits
from dealflow.store import Store
from tests.security import _fuzzing as fz
from tests.soak._common import machine

TARGETS = ("yaml", "dealfile", "jsonl", "rule")


@dataclass
class Failure:
    """One distinct failure: first seen input, how often it was hit."""

    signature: str
    example: str
    hits: int = 1


@dataclass
class Run:
    examples: dict[str, int] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)


def _property(target: str, folder: Path, store: Store) -> tuple[Callable[..., None],
                                                                 dict[str, Any]]:
    """The check of `target` and the strategies of its arguments."""
    if target == "yaml":
        return (lambda data: fz.check_playbook(data, folder),
                {"data": fz.playbook_bytes(with_default=True)})
    if target == "dealfile":
        return (lambda data, suffix: fz.check_deal_file(data, folder, suffix=suffix),
                {"data": fz.deal_file_bytes(), "suffix": st.sampled_from([".json", ".yaml"])})
    if target == "jsonl":
        def imported(data: bytes, small: bool, preload: int) -> None:
            limits = Limits(max_line_bytes=600) if small else None
            fz.check_import(data, folder, store, limits, preload=preload)
        return imported, {"data": fz.jsonl_bytes(), "small": st.booleans(),
                          "preload": st.sampled_from([0, 0, 3, 8])}

    def rule(source: str, embed: bool, max_length: int) -> None:
        if embed:
            fz.check_rule_in_playbook(source)
        else:
            fz.check_rule(source, max_length)
    return rule, {"source": fz.rule_text(), "embed": st.sampled_from([False] * 4 + [True]),
                  "max_length": st.sampled_from([2_000, 20_000])}


def _signature(exc: BaseException) -> str:
    """The kind of failure and the innermost frame of dealflow (or of the check) it came
    from: two failures with the same signature are one bug."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/dealflow/" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    first = str(exc).splitlines()[0][:120] if str(exc) else ""
    return f"{type(exc).__name__} at {where}: {first}"


def run_batch(target: str, examples: int, seed: int, run: Run, folder: Path,
              store: Store) -> None:
    """Up to `examples` random examples of `target`; a failure is recorded and ends it."""
    check, strategies = _property(target, folder, store)
    seen: list[Any] = []

    def counted(**kwargs: Any) -> None:
        run.examples[target] = run.examples.get(target, 0) + 1
        seen[:] = [kwargs]
        check(**kwargs)

    test = seed_of(seed)(settings(
        max_examples=examples, deadline=None, database=None, derandomize=False,
        phases=[Phase.generate, Phase.shrink], report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck))(given(**strategies)(counted)))
    try:
        test()
    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
        signature = _signature(exc)
        if signature in run.failures:
            run.failures[signature].hits += 1
        else:
            run.failures[signature] = Failure(signature, repr(seen[0])[:2000] if seen else "")
            print(f"  FAILURE {signature}\n    smallest input: {run.failures[signature].example}",
                  flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0, help="time for all targets")
    parser.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    parser.add_argument("--batch", type=int, default=100, help="examples per batch")
    parser.add_argument("--seed", type=int, default=None, help="seed of the first batch")
    args = parser.parse_args(argv)
    targets = TARGETS if args.target == "all" else (args.target,)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"fuzzing {', '.join(targets)} for {args.minutes} min; seed {seed}; {machine()}",
          flush=True)
    run = Run()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Store(f"sqlite:///{folder}/fuzz.db", playbook=fz.default_playbook()) as store:
            store.register_playbook(fz.minimal_playbook())
            deadline = time.monotonic() + args.minutes * 60
            share = args.minutes * 60 / len(targets)
            for index, target in enumerate(targets):
                until = min(deadline, time.monotonic() + share) if index < len(targets) - 1 \
                    else deadline
                started = time.monotonic()
                while time.monotonic() < until:
                    run_batch(target, args.batch, seed, run, folder, store)
                    seed += 1
                elapsed = time.monotonic() - started
                count = run.examples.get(target, 0)
                print(f"{target}: {count} examples in {elapsed:.0f} s "
                      f"({count / max(elapsed, 1e-9):.1f}/s)", flush=True)
    print("outcomes:", ", ".join(f"{k} {v}" for k, v in sorted(fz.TALLY.counts.items())))
    print(f"examples: {sum(run.examples.values())} "
          f"({', '.join(f'{t} {n}' for t, n in run.examples.items())}); "
          f"distinct failures: {len(run.failures)}")
    for failure in run.failures.values():
        print(f"  {failure.hits}x {failure.signature}\n     {failure.example[:300]}")
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
