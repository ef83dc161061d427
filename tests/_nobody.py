"""Running a piece of a test as an ordinary user: root ignores file permissions."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any


def as_nobody(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`work()` in a forked child that runs as user `nobody` when we are root; its result
    comes back as JSON. The child can import nothing the parent has not imported (the
    interpreter's own files may be root's alone), so use what the test module imports."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            result = json.dumps(work())
        except BaseException as exc:  # noqa: B036 - reported to the parent
            result = json.dumps({"failed": repr(exc)})
        with os.fdopen(write, "w") as out:
            out.write(result)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as incoming:
        text = incoming.read()
    os.waitpid(pid, 0)
    result: dict[str, Any] = json.loads(text)
    assert "failed" not in result, result["failed"]
    return result
