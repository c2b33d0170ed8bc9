"""Who holds a TCP port: the probe `make run` makes before it starts anything, and the
processes listening on a port, found through /proc (Linux; only this user's are visible)."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from collections.abc import Sequence
from pathlib import Path


def in_use(host: str, port: int) -> bool:
    """Whether a server could not bind `host`:`port` now. SO_REUSEADDR, as the servers set it:
    a port whose last connections are in TIME_WAIT is free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return True
            raise RuntimeError(f"cannot bind {host}:{port}: {error.strerror}") from error
    return False


def holders(port: int) -> list[str]:
    """The processes of this user listening on TCP `port`, for a message: "process 4242 (its
    command line)", at most three."""
    found = []
    for pid in sorted(listeners(port))[:3]:
        with contextlib.suppress(OSError):  # exited meanwhile
            found.append(f"process {pid} ({command_line(pid)})")
    return found


def listeners(port: int) -> set[int]:
    """The processes of this user with a socket listening on TCP `port` (any address)."""
    inodes = {
        inode
        for inode, local in listening_sockets().items()
        if int(local.rsplit(":", 1)[1], 16) == port
    }
    found = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        pid = int(fd_dir.parent.name)
        with contextlib.suppress(OSError):  # another user's, or exited meanwhile
            if socket_inodes(pid) & inodes:
                found.add(pid)
    return found


def command_line(pid: int, limit: int = 100) -> str:
    """Process `pid`'s command line, shortened to `limit` characters."""
    words = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    line = " ".join(word.decode(errors="replace") for word in words)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def listening_sockets(tables: Sequence[str] = ("tcp", "tcp6")) -> dict[str, str]:
    """Each listening TCP socket's inode and its local address, hex "IP:port" as in
    /proc/net/tcp*."""
    found = {}
    for table in tables:
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                found[fields[9]] = fields[1]
    return found


def socket_inodes(pid: int) -> set[str]:
    """The inodes of the sockets process `pid` has open (OSError once it has exited)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # a descriptor closed meanwhile
            if (target := os.readlink(fd)).startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes
