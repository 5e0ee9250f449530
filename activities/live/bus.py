"""Publishing "session S changed" to every app process, after the commit.

Service functions call `publish_on_commit`; nothing is sent when the
transaction rolls back, and screens never see a state the database does not
hold. With REDIS_URL the message goes through one Redis channel that every
process's hub subscribes to; without it, straight to this process's hub.
"""

import json
import logging
from functools import cache

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

CHANNEL = "w4r:live"

# The parts of the screens a change can touch (see activities.live.render).
STAGE = "stage"
GROUPS = "groups"
PROJECTOR = "projector"
CONTROL_STEP = "control-step"
CONTROL_ROSTER = "control-roster"
EVERYTHING = (STAGE, GROUPS, PROJECTOR, CONTROL_STEP, CONTROL_ROSTER)
# Not a part but an order: every phone reconnects (its group may have changed).
PARTICIPANTS_RECONNECT = "participants"


def group_part(group_id):
    return f"group:{group_id}"


def participant_part(participant_id):
    """A phone's own channel. A message on it makes that phone reconnect, after
    telling it why when it was removed: its group, or its right to be here,
    changed, and a stream's subscriptions are fixed when it opens."""
    return f"participant:{participant_id}"


def participant_parts(participant_id, group_id):
    """What a phone let into the room follows: the stage, its own channel and
    its group's panel."""
    parts = [STAGE, participant_part(participant_id)]
    if group_id:
        parts.append(group_part(group_id))
    return parts


def admission_part(participant_id):
    """What a phone waiting to be let in shows ("approve each join")."""
    return f"admission:{participant_id}"


@cache
def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def publish(session_id, version, parts):
    from .fastpath import versions

    # This process's unchanged polls (activities.live.fastpath) stop at once.
    versions.heard(session_id, version)
    message = {"s": session_id, "v": version, "parts": sorted(set(parts))}
    if settings.REDIS_URL:
        try:
            _redis().publish(CHANNEL, json.dumps(message))
            return
        except Exception:  # Redis down: this process's screens still hear it.
            log.warning("Redis publish failed; delivering in this process only", exc_info=True)
    from .hub import hub

    hub.deliver_threadsafe(message)


def publish_on_commit(session, parts):
    session_id, version = session.pk, session.version
    transaction.on_commit(lambda: publish(session_id, version, parts))
