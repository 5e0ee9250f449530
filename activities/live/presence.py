"""Who is connected now: the participants with an open stream.

Each process counts its own streams. With Redis, each process also keeps a
sorted set per session (participant -> expiry), refreshed with every
keep-alive, so the control view served by any process sees everyone; a
process that dies simply stops refreshing and its phones fade out.
"""

import time
from collections import Counter, defaultdict
from functools import cache

from django.conf import settings

TTL_SECONDS = 40
_local = defaultdict(Counter)  # session id -> participant id -> open streams


@cache
def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def _key(session_id):
    return f"w4r:presence:{session_id}"


def _safe(call):
    try:
        return call()
    except Exception:  # presence is a nicety; never fail a stream over it
        return None


def arrive(session_id, participant_id):
    """Count a new stream; True when it is the participant's first here."""
    counts = _local[session_id]
    counts[participant_id] += 1
    if settings.REDIS_URL:
        _safe(lambda: _redis().zadd(_key(session_id), {participant_id: time.time() + TTL_SECONDS}))
    return counts[participant_id] == 1


def leave(session_id, participant_id):
    """Count a closed stream; True when it was the participant's last here."""
    counts = _local[session_id]
    counts[participant_id] -= 1
    if counts[participant_id] > 0:
        return False
    del counts[participant_id]
    if not counts:
        del _local[session_id]
    if settings.REDIS_URL:
        _safe(lambda: _redis().zrem(_key(session_id), participant_id))
    return True


def connected(session_id):
    if settings.REDIS_URL:
        now = time.time()
        members = _safe(lambda: _redis().zrangebyscore(_key(session_id), now, "+inf"))
        if members is not None:
            return {int(member) for member in members}
    return set(_local.get(session_id, ()))


def refresh():
    if not settings.REDIS_URL or not _local:
        return
    expiry = time.time() + TTL_SECONDS

    def write():
        pipe = _redis().pipeline()
        for session_id, counts in list(_local.items()):
            pipe.zadd(_key(session_id), {pid: expiry for pid in counts})
            pipe.zremrangebyscore(_key(session_id), "-inf", time.time())
            pipe.expire(_key(session_id), TTL_SECONDS * 3)
        pipe.execute()

    _safe(write)


def announce(session_id):
    from .bus import CONTROL_ROSTER, publish

    publish(session_id, None, [CONTROL_ROSTER])
