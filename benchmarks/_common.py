"""Shared helpers of the benchmark scripts: timing, figures, results.json."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results.json")


@dataclass
class Figure:
    """One measured figure against its baseline from the same run."""

    name: str
    value: float
    unit: str
    baseline: float | None
    target: str
    met: bool

    @property
    def ratio(self) -> float | None:
        """value / baseline."""
        return self.value / self.baseline if self.baseline else None

    def to_dict(self) -> dict[str, Any]:
        """The shape stored in results.json."""
        data = asdict(self)
        data["ratio"] = self.ratio
        return data

    def line(self) -> str:
        """One printed line."""
        base = "-" if self.baseline is None else f"{self.baseline:.4g}"
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}x"
        return (f"{self.name:<48} {self.value:>12.4g} {self.unit:<6} baseline {base:>10} "
                f"ratio {ratio:>7}  target {self.target:<24} {'met' if self.met else 'NOT MET'}")


def per_call(fn: Callable[[], Any], *, repeat: int = 5, number: int = 1000) -> float:
    """Best time of `repeat` runs of `number` calls, in microseconds per call."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / number * 1e6


def seconds(fn: Callable[[], Any]) -> float:
    """Wall time of one call, in seconds."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def write_results(figures: list[Figure]) -> None:
    """Merge `figures` into results.json (by name), keeping the others."""
    current: dict[str, dict[str, Any]] = {}
    if RESULTS.exists():
        current = {item["name"]: item for item in json.loads(RESULTS.read_text())}
    for figure in figures:
        current[figure.name] = figure.to_dict()
    RESULTS.write_text(json.dumps(sorted(current.values(), key=lambda d: d["name"]),
                                  indent=2) + "\n")
