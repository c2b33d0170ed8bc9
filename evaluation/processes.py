"""What the benchmark and the tests read of running processes, through /proc (Linux; only this
user's are visible): a process tree's resident memory, the process listening on a port, a
process's descendants and whether it runs."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

from orchestration.ports import listeners


def parents() -> dict[int, int]:
    """Each process's parent, by process id."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):  # exited meanwhile
            found[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    return found


def descendants(pid: int) -> set[int]:
    """The processes started by `pid`, and by them, ..."""
    of, tree = parents(), {pid}
    while grown := {child for child, parent in of.items() if parent in tree} - tree:
        tree |= grown
    return tree - {pid}


def running(pid: int) -> bool:
    """Whether `pid` runs (a zombie, not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants, in MB (0 for those that exited)."""
    total_kb = 0
    for member in {pid} | descendants(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def listening_pid(port: int) -> int | None:
    """The process that listens on TCP `port`: of those holding its socket, the first one whose
    parent does not (a server's workers share it)."""
    holders = listeners(port)
    of = parents()
    roots = [pid for pid in holders if of.get(pid) not in holders]
    return min(roots) if roots else None


def memory(ports: Mapping[str, int]) -> dict[str, float | None]:
    """The resident memory (MB) of the process tree listening on each port, by name; None when
    nothing listens."""
    pids = {name: listening_pid(port) for name, port in ports.items()}
    return {name: None if pid is None else rss_mb(pid) for name, pid in pids.items()}
