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


MODES = ("set", "last", "revision", "toggle")


def check_writes(acked, stored, *, mode, uncertain=()):
    """Compare what the server acknowledged with what it holds at the end.

    `acked` is a list of (key, value) pairs the server answered 2xx to, in
    the order they were sent; `stored` maps each key to the list of values
    read back from the database. Four kinds of write:

    - mode="set": every acknowledged value must be stored exactly once
      (joins): a missing one is lost, a repeated one duplicated;
    - mode="last": the key's stored value must be the last acknowledged one;
      anything else is lost; more than one row for a key is duplicated;
    - mode="revision" (autosaved drafts): values are (revision, text); the
      draft must hold the last acknowledged revision with its text. A higher
      revision stored is a later save whose answer did not arrive
      (unacknowledged, not an error); a lower one, or other text, is lost;
    - mode="toggle" (pairs made and undone): values are True (made) or False
      (undone); a key whose last acknowledged write made it must be stored
      exactly once, one undone must be gone (stored: lost; twice: duplicated).

    `uncertain` names keys with a write sent after their last acknowledged
    one whose answer never came (a timeout): what it did is unknown, so a
    difference there is counted as `unacknowledged`, never as lost.
    Values stored but never acknowledged are `unacknowledged` too.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    uncertain = set(uncertain)
    lost = duplicated = unacknowledged = 0
    if mode == "set":
        sent = Counter(acked)
        held = Counter((key, value) for key, values in stored.items() for value in values)
        for item, count in sent.items():
            have = held.get(item, 0)
            lost += max(0, count - have)
            duplicated += max(0, have - count)
        unacknowledged = sum(count for item, count in held.items() if item not in sent)
        return _checked(acked, lost, duplicated, unacknowledged)
    last = {}
    for key, value in acked:
        last[key] = value
    for key, value in last.items():
        values = stored.get(key, [])
        if len(values) > 1:
            duplicated += 1
        if mode == "toggle":
            differs = bool(values) != bool(value)
        elif mode == "revision":
            held = tuple(values[-1]) if values else None
            if held is not None and held[0] > tuple(value)[0]:
                unacknowledged += 1  # a later save, its answer lost on the way
                continue
            differs = held != tuple(value)
        else:
            differs = not values or values[-1] != value
        if differs and key in uncertain:
            unacknowledged += 1
        elif differs:
            lost += 1
    unacknowledged += sum(1 for key, values in stored.items() if key not in last and values)
    return _checked(acked, lost, duplicated, unacknowledged)


def _checked(acked, lost, duplicated, unacknowledged):
    return {
        "acked": len(acked),
        "lost": lost,
        "duplicated": duplicated,
        "unacknowledged": unacknowledged,
    }


def ms(seconds):
    """Seconds as whole milliseconds, for the table (None stays None)."""
    return None if seconds is None else round(seconds * 1000)
