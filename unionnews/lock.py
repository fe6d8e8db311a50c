"""One run at a time: an exclusive lock file holding the holder's pid.

``flock`` is released by the kernel when the holder dies, however it dies (SIGKILL
included), so a stale lock from a dead process is simply taken over; the pid and start
time written into the file are for the operator's message.
"""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from archive.errors import UserError


class LockHeld(UserError):
    exit_code = 3


class RunLock:
    """``with RunLock(path, "nightly"):`` — raises LockHeld at once if another process has it."""

    def __init__(self, path: str | Path, purpose: str):
        self.path = Path(path)
        self.purpose = purpose
        self._handle = None

    def acquire(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise LockHeld(f"another {self.purpose} run holds {self.path} ({holder}); "
                           "it is still running, so this one exits") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
