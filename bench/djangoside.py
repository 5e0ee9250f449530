"""The bench's few steps inside Django, run as `python -m bench.djangoside`
with the server's environment (same database):

- `setup`: a facilitator account and one session with room for every phone,
  printed as JSON. Only the session's participant cap is set here directly
  (there is no screen for it yet); everything the bench then does goes over
  HTTP like a browser.
- `readback <room code> <what>`: what the database holds at the end, as JSON,
  for the lost-write check. Each write phase names its read-back here.
"""

import json
import os
import secrets
import sys


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "w4r.settings")
    import django

    django.setup()


def setup(max_participants):
    from django.contrib.auth import get_user_model

    from activities import services
    from activities.models import Case

    case = Case.objects.filter(current_version__isnull=False).select_related("current_version")
    version = case.first().current_version
    activity = version.content.activities[0]
    password = secrets.token_urlsafe(16)
    user, _created = get_user_model().objects.get_or_create(username="bench-facilitator")
    user.set_password(password)
    user.save()
    session = services.session_create(
        facilitator=user,
        case_version=version,
        activity_key=activity.key,
        title="Benchmark",
        group_size=4,
        origin="http://127.0.0.1",
    )
    session.max_participants = max_participants
    session.save(update_fields=["max_participants"])
    steps = [step.key for step in activity.steps]
    return {
        "code": session.room_code,
        "username": user.username,
        "password": password,
        "steps": steps,
    }


def _participants(session):
    """nickname -> [nickname] for each row: joins are a set of nicknames."""
    held = {}
    for nickname in session.participants.values_list("nickname", flat=True):
        held.setdefault(nickname, []).append(nickname)
    return held


def _session(session):
    return {"version": [session.version], "current_step": [session.current_step]}


# What a write phase reads back; an autosave or pairing adapter adds its own
# (e.g. "letters": participant nickname -> [draft text]).
READBACKS = {"participants": _participants, "session": _session}


def readback(code, what):
    from activities.models import Session

    session = Session.objects.get(room_code=code)
    return READBACKS[what](session)


def main(argv):
    _django()
    if argv[0] == "setup":
        result = setup(int(argv[1]))
    elif argv[0] == "readback":
        result = readback(argv[1], argv[2])
    else:
        raise SystemExit(f"unknown command {argv[0]!r}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
