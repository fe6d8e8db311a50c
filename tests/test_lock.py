"""The run lock: one holder at a time, taken over from a dead holder."""
from __future__ import annotations

import subprocess
import sys

import pytest

from unionnews.lock import LockHeld, RunLock


def test_second_holder_is_refused_with_the_holders_pid(tmp_path):
    path = tmp_path / "nightly.lock"
    with RunLock(path, "nightly"):
        with pytest.raises(LockHeld, match=r"pid \d+"):
            RunLock(path, "nightly").acquire()
    with RunLock(path, "nightly"):
        pass  # released: free again


def test_lock_of_a_killed_process_is_taken_over(tmp_path):
    path = tmp_path / "nightly.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from unionnews.lock import RunLock; lock = RunLock(sys.argv[1], 'nightly').acquire();"
         " print('held', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld):
            RunLock(path, "nightly").acquire()
    finally:
        holder.kill()
        holder.wait()
    with RunLock(path, "nightly"):  # the dead holder's lock file is still there, and is taken over
        assert path.exists()
