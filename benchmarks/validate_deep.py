"""`dealflow validate --deep` on the default playbook, with the default number of examples
(also in --quick: fewer examples could miss a gate's failing case). Target: under 30 s."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from benchmarks._common import Figure

REPO = Path(__file__).resolve().parents[1]


def main(quick: bool = False) -> list[Figure]:
    script = str(Path(sys.executable).with_name("dealflow"))
    args = [script, "validate", "--deep", str(REPO / "playbooks" / "complex-b2b.yaml")]
    start = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    ok = result.returncode == 0
    name = "validate --deep default playbook"
    return [Figure(name, elapsed, "s", None, "< 30 s, no findings", ok and elapsed < 30)]


if __name__ == "__main__":
    for figure in main("--quick" in sys.argv):
        print(figure.line())
