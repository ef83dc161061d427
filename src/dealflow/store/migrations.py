"""Schema migrations: each step brings the database from one schema version to the next.

dealflow keeps its own small migration list instead of Alembic: the schema is ours alone,
steps run in one transaction each, and the version lives in the `meta` table. To change
the schema: bump `SCHEMA_VERSION` in `tables.py`, add a function here that turns version
N-1 into N with plain SQL, and add a test that opens a database of every older version.
Version 1 is the first released schema, so there is no step yet.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, update

from dealflow.store.tables import META, SCHEMA_VERSION

__all__ = ["STEPS", "migrate"]

#: `STEPS[n]` turns a database of schema version `n` into version `n + 1`.
STEPS: dict[int, Callable[[Connection], None]] = {}


def migrate(engine: Engine, version: int) -> None:
    """Run every step from `version` up to `SCHEMA_VERSION`, one transaction each."""
    while version < SCHEMA_VERSION:
        step = STEPS[version]
        with engine.execution_options(dealflow_write=True).begin() as conn:
            step(conn)
            conn.execute(update(META).where(META.c.key == "schema_version")
                         .values(value=str(version + 1)))
        version += 1
