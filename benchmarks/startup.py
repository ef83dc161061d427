"""`import dealflow` and `dealflow --help`, against `python -c pass`.
Target: under 0.3 s added."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from benchmarks._common import Figure


def _best(command: list[str], runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main(quick: bool = False) -> list[Figure]:
    runs = 3 if quick else 7
    base = _best([sys.executable, "-c", "pass"], runs)
    imported = _best([sys.executable, "-c", "import dealflow"], runs)
    script = str(Path(sys.executable).with_name("dealflow"))
    helped = _best([script, "--help"], runs)
    return [
        Figure("import dealflow", imported, "s", base, "<= +0.3 s", imported - base <= 0.3),
        Figure("dealflow --help", helped, "s", base, "<= +0.3 s", helped - base <= 0.3),
    ]


if __name__ == "__main__":
    for figure in main("--quick" in sys.argv):
        print(figure.line())
