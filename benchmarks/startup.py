"""Whole processes against `python -c pass`: `import dealflow`, `dealflow --help`, and the
commands people run most on the demo database (`dealflow demo` makes it in a temporary
folder): `deal show`, `checklist`, `fact set` and `funnel`. The best of several runs of
each, wall time; the CPU time (user + system) of the same runs is reported beside it, as
it varies less on a shared machine.

Target: under 0.3 s added to `python -c pass`.

dealflow's own modules are compiled to bytecode first (`compileall`), as installing a
wheel does: in an editable install under `PYTHONDONTWRITEBYTECODE` (set on the machine
the figures were first taken on) every process compiled them from source, about 0.1 s
of each command that no installed dealflow pays.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import Figure

DEAL = "zhenhai-cracker-dcs"


def _best(command: list[str], runs: int, cwd: Path | None = None) -> tuple[float, float]:
    """(best wall time, best CPU time) of `runs` runs of `command`, in seconds."""
    wall = cpu = float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=cwd)
        wall = min(wall, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = min(cpu, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return wall, cpu


def main(quick: bool = False) -> list[Figure]:
    runs = 3 if quick else 7
    import dealflow

    subprocess.run([sys.executable, "-m", "compileall", "-q",
                    str(Path(dealflow.__file__).parent)], check=True, capture_output=True)
    script = str(Path(sys.executable).with_name("dealflow"))
    base, base_cpu = _best([sys.executable, "-c", "pass"], runs)
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run([script, "demo"], check=True, capture_output=True, cwd=folder)
        db = ["--db", "sqlite:///dealflow-demo.db"]
        commands = {
            "import dealflow": [sys.executable, "-c", "import dealflow"],
            "dealflow --help": [script, "--help"],
            "dealflow deal show (demo db)": [script, "deal", "show", DEAL, *db],
            "dealflow checklist (demo db)": [script, "checklist", DEAL, *db],
            "dealflow fact set (demo db)": [script, "fact", "set", DEAL, "competitor",
                                            "Acme", "--actor", "bench", *db],
            "dealflow funnel (demo db)": [script, "funnel", *db],
        }
        for name, command in commands.items():
            wall, cpu = _best(command, runs, folder)
            figures.append(Figure(name, wall, "s", base, "<= +0.3 s", wall - base <= 0.3))
            figures.append(Figure(f"{name}: CPU", cpu, "s", base_cpu, "reported", True))
    return figures


if __name__ == "__main__":
    for figure in main("--quick" in sys.argv):
        print(figure.line())
