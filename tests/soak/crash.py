"""SIGKILL a writer at random moments, many times over, on one store.

    python -m tests.soak.crash --backend sqlite --runs 300
    python -m tests.soak.crash --backend postgresql --url URL --runs 300

Each run forks a writer (create, advance, move back, add a stakeholder, set a fact,
complete an item, in a loop), kills it 0 to --max-delay seconds after it is ready, and
checks the store: it opens (SQLite: `PRAGMA integrity_check` is ok), every acknowledged
write is stored exactly as acknowledged, every deal equals the replay of its events, no
event without its projection or the other way round, and at most the one write in flight
per kill is stored without an acknowledgement. The next run continues on the same store.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.soak._common import add_backend_options, empty_database, machine
from tests.store._crash import check_store, kill_round


def main() -> None:
    """Run the kills and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_backend_options(parser)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--max-delay", type=float, default=0.5,
                        help="longest time from ready to kill, in seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = empty_database(args.backend, args.url, workdir)
        acks: list[dict[str, object]] = []
        unacknowledged = 0
        for run in range(args.runs):
            acks += kill_round(url, args.seed * 100_000 + run, workdir,
                               max_delay=args.max_delay)
            found = check_store(url, acks)  # type: ignore[arg-type]
            assert 0 <= found <= run + 1, f"run {run}: {found} unacknowledged events stored"
            unacknowledged = found
            if (run + 1) % 50 == 0:
                print(f"{run + 1} runs, {len(acks)} acknowledged writes", flush=True)
    print(f"{args.backend}: {args.runs} kills, {len(acks)} acknowledged writes all present, "
          f"{unacknowledged} writes in flight at a kill were committed (allowed: at most one "
          f"per kill), every deal equal to its replay; {time.monotonic() - started:.0f} s "
          f"on {machine()}")


if __name__ == "__main__":
    main()
