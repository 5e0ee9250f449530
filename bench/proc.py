"""CPU and memory of processes, read from /proc (Linux), without psutil.

Two numbers per process are all the bench needs: resident memory (VmRSS,
and the kernel's own peak VmHWM) and CPU time (utime + stime). Reading them
from /proc costs a few lines and no dependency.
"""

import os
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    # After the command name: state is field 3, utime 14 and stime 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory(pid):
    """(resident bytes now, peak resident bytes), or (None, None) if gone."""
    rss = hwm = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return rss, hwm


def children(pid):
    """The pids of a process's whole tree (itself included)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children") as f:
                todo.extend(int(child) for child in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


class Meter:
    """CPU (in cores: 1.0 is one core busy) of a group of processes over a
    window, and their peak resident memory while they were watched."""

    def __init__(self, pids_fn):
        self.pids_fn = pids_fn  # called each time: processes come and go
        self.peak_rss = 0
        self._start = None

    def _cpu(self):
        total = 0.0
        for pid in self.pids_fn():
            seconds = cpu_seconds(pid)
            if seconds is not None:
                total += seconds
        return total

    def sample_memory(self):
        total = 0
        for pid in self.pids_fn():
            rss, _hwm = memory(pid)
            total += rss or 0
        self.peak_rss = max(self.peak_rss, total)
        return total

    def start(self):
        self._start = (time.monotonic(), self._cpu())
        self.sample_memory()

    def stop(self):
        """Cores used since start()."""
        wall0, cpu0 = self._start
        wall, cpu = time.monotonic(), self._cpu()
        self.sample_memory()
        return (cpu - cpu0) / max(wall - wall0, 1e-6)
