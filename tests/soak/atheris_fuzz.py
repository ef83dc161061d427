"""Coverage-guided fuzzing with atheris (libFuzzer for Python), by hand only.

    pip install atheris        # not a dependency of dealflow: a manylinux wheel for x86-64
    python -m tests.soak.atheris_fuzz --target yaml|dealfile|jsonl|rule --seconds 300

Feeds libFuzzer's inputs to the same checks as tests/security/test_fuzz.py (see
`tests/security/_fuzzing.py`), starting from the same seed documents. A failing check is
recorded and fuzzing goes on; at the end the executions and every distinct failure
(kind and innermost dealflow frame) are printed. Exits 1 when any failed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["dealflow", "yaml", "jinja2", "json"]):
    from dealflow.store import Store
    from tests.security import _fuzzing as fz

TARGETS = ("yaml", "dealfile", "jsonl", "rule")


def _signature(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/dealflow/" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    first = str(exc).splitlines()[0][:120] if str(exc) else ""
    return f"{type(exc).__name__} at {where}: {first}"


def _seeds(target: str) -> tuple[bytes, ...]:
    if target == "yaml":
        return fz.playbook_seeds(with_default=True)
    if target == "dealfile":
        return fz.deal_file_seeds()
    if target == "jsonl":
        return (fz.jsonl_seed(),)
    return tuple(rule.encode("utf-8") for rule in fz.rule_seeds())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak.atheris_fuzz",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=TARGETS, required=True)
    parser.add_argument("--seconds", type=int, default=300)
    args = parser.parse_args(argv)
    failures: dict[str, tuple[int, bytes]] = {}
    runs = [0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = folder / "corpus"
        corpus.mkdir()
        for index, seed in enumerate(_seeds(args.target)):
            (corpus / f"seed{index}").write_bytes(seed)
        store = Store(f"sqlite:///{folder}/fuzz.db", playbook=fz.default_playbook())
        store.register_playbook(fz.minimal_playbook())
        checks: dict[str, Callable[[bytes], object]] = {
            "yaml": lambda data: fz.check_playbook(data, folder),
            "dealfile": lambda data: fz.check_deal_file(data, folder),
            "jsonl": lambda data: fz.check_import(data, folder, store),
            "rule": lambda data: fz.check_rule(data.decode("utf-8", "replace")),
        }
        check = checks[args.target]

        def one_input(data: bytes) -> None:
            runs[0] += 1
            if time.monotonic() - started > args.seconds:
                report()  # libFuzzer ends the process without Python's exit handlers
                store.close()
                shutil.rmtree(folder, ignore_errors=True)
                os._exit(1 if failures else 0)
            try:
                check(data)
            except Exception as exc:  # noqa: BLE001 - every failure is recorded
                signature = _signature(exc)
                hits, first = failures.get(signature, (0, data))
                if not hits:
                    print(f"FAILURE {signature}\n  input: {data[:300]!r}", flush=True)
                failures[signature] = (hits + 1, first)

        def report() -> None:
            elapsed = time.monotonic() - started
            print(f"{args.target}: {runs[0]} executions in {elapsed:.0f} s; "
                  f"distinct failures: {len(failures)}", flush=True)
            print("outcomes:", ", ".join(f"{k} {v}" for k, v in sorted(fz.TALLY.counts.items())))
            for signature, (hits, data) in failures.items():
                print(f"  {hits}x {signature}\n     {data[:300]!r}", flush=True)

        started = time.monotonic()
        atheris.Setup([sys.argv[0], f"-max_total_time={args.seconds + 60}", "-rss_limit_mb=4096",
                       "-max_len=65536", "-print_final_stats=1", str(corpus)], one_input)
        atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
