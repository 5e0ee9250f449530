"""The bench's arithmetic: percentiles, summaries and the lost-write check.

Kept free of I/O so it can be tested on its own (tests/bench/test_stats.py).
"""

import math
from collections import Counter


def percentile(values, p):
    """The p-th percentile (0-100) by the nearest-rank method, or None when empty.

    Nearest rank never invents a value between two measurements: the p95 of
    a run is a latency some phone really saw, and the p100 is the slowest.
    """
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {p}")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values):
    """count, median, p95 and max of a list of numbers (None where empty)."""
    values = list(values)
    return {
        "count": len(values),
        "median": percentile(values, 50),
        "p95": percentile(values, 95),
        "max": max(values) if values else None,
    }


def check_writes(acked, stored, *, mode):
    """Compare what the server acknowledged with what it holds at the end.

    `acked` is a list of (key, value) pairs the server answered 2xx to, in
    the order they were sent; `stored` maps each key to the list of values
    read back from the database. Two kinds of write:

    - mode="set": every acknowledged value must be stored exactly once
      (joins, pairings): a missing one is lost, a repeated one duplicated;
    - mode="last": the key's stored value must be the last acknowledged one
      (autosaved drafts): anything else is lost; more than one row for a key
      is duplicated.

    Values stored but never acknowledged (a write that committed while its
    reply was lost) are counted as `unacknowledged`, which is not an error.
    """
    if mode not in ("set", "last"):
        raise ValueError(f"mode must be 'set' or 'last', got {mode!r}")
    lost = duplicated = unacknowledged = 0
    if mode == "set":
        sent = Counter(acked)
        held = Counter((key, value) for key, values in stored.items() for value in values)
        for item, count in sent.items():
            have = held.get(item, 0)
            lost += max(0, count - have)
            duplicated += max(0, have - count)
        unacknowledged = sum(count for item, count in held.items() if item not in sent)
    else:
        last = {}
        for key, value in acked:
            last[key] = value
        for key, value in last.items():
            values = stored.get(key, [])
            if len(values) > 1:
                duplicated += 1
            if not values or values[-1] != value:
                lost += 1
        unacknowledged = sum(1 for key in stored if key not in last)
    return {
        "acked": len(acked),
        "lost": lost,
        "duplicated": duplicated,
        "unacknowledged": unacknowledged,
    }


def ms(seconds):
    """Seconds as whole milliseconds, for the table (None stays None)."""
    return None if seconds is None else round(seconds * 1000)
