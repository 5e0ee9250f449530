"""The bench's few steps inside Django, run as `python -m bench.djangoside`
with the server's environment (same database):

- `setup`: a facilitator account and one session with room for every phone,
  printed as JSON. Only the session's participant cap is set here directly
  (there is no screen for it yet); everything the bench then does goes over
  HTTP like a browser.
- `populate <room code> <count> <prefix>`: people already in the room,
  created straight in the database (groups dealt as joining deals them) and
  handed their signed participant cookies, so a run of thousands of phones
  does not spend its time on set-up. A sample of phones still joins through
  the real form (bench/run.py), which keeps the join path measured.
- `goto <room code> <step key>`: show a step (bench.percall only).
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
    return {
        "code": session.room_code,
        "username": user.username,
        "password": password,
        "steps": [step.key for step in activity.steps],
        "step_kinds": {step.key: step.kind for step in activity.steps},
    }


def populate(code, count, prefix):
    """`count` participants, in groups of the session's size, as if each had
    joined; {"cookie": name, "phones": [[nickname, cookie value], ...]}."""
    from django.conf import settings
    from django.db import transaction
    from django.db.models import Max
    from django.http import HttpResponse

    from activities import identity
    from activities.live.bus import EVERYTHING, publish_on_commit
    from activities.models import Group, Participant, Session
    from activities.services import _bump, _locked, nickname_key

    with transaction.atomic():
        session = _locked(Session.objects.get(room_code=code))
        top = session.groups.aggregate(top=Max("number"))["top"] or 0
        size = session.group_size
        groups = Group.objects.bulk_create(
            Group(session=session, number=top + 1 + index)
            for index in range((count + size - 1) // size)
        )
        people = []
        for index in range(count):
            nickname = f"{prefix}{index:05d}"
            people.append(
                Participant(
                    session=session,
                    group=groups[index // size],
                    nickname=nickname,
                    nickname_key=nickname_key(nickname),
                )
            )
        Participant.objects.bulk_create(people, batch_size=500)
        _bump(session)
        publish_on_commit(session, EVERYTHING)
    phones = []
    for person in Participant.objects.filter(session=session, nickname__startswith=prefix).order_by(
        "nickname"
    ):
        # The cookie exactly as joining sets it (activities.identity).
        response = identity.remember(HttpResponse(), person)
        phones.append([person.nickname, response.cookies[settings.PARTICIPANT_COOKIE].value])
    return {"cookie": settings.PARTICIPANT_COOKIE, "phones": phones}


def _participants(session):
    """nickname -> [nickname] for each row: joins are a set of nicknames."""
    held = {}
    for nickname in session.participants.values_list("nickname", flat=True):
        held.setdefault(nickname, []).append(nickname)
    return held


def _session(session):
    return {"version": [session.version], "current_step": [session.current_step]}


def _letters(session):
    """A draft's key (the phone's client_key) -> [[revision, text]] per row."""
    from letters.models import Letter

    held = {}
    for key, revision, text in Letter.objects.filter(session=session).values_list(
        "client_key", "revision", "text"
    ):
        held.setdefault(str(key), []).append([revision, text])
    return held


def _pairs(session):
    """ "<group id>:<experience>:<right>" -> [True] for each pair row."""
    from activities.models import MatchPair

    held = {}
    for group_id, experience, right in MatchPair.objects.filter(
        exercise__session=session
    ).values_list("group_id", "experience", "right"):
        held.setdefault(f"{group_id}:{experience}:{right}", []).append(True)
    return held


# What a write phase reads back (bench/writes.py names its own).
READBACKS = {
    "participants": _participants,
    "session": _session,
    "letters": _letters,
    "pairs": _pairs,
}


def readback(code, what):
    from activities.models import Session

    session = Session.objects.get(room_code=code)
    return READBACKS[what](session)


def goto(code, step_key):
    """Show a step, as the facilitator's click would (for bench.percall)."""
    from activities import services
    from activities.models import Session

    services.session_go_to_step(session=Session.objects.get(room_code=code), step_key=step_key)
    return {"step": step_key}


def main(argv):
    _django()
    if argv[0] == "goto":
        result = goto(argv[1], argv[2])
    elif argv[0] == "setup":
        result = setup(int(argv[1]))
    elif argv[0] == "populate":
        result = populate(argv[1], int(argv[2]), argv[3])
    elif argv[0] == "readback":
        result = readback(argv[1], argv[2])
    else:
        raise SystemExit(f"unknown command {argv[0]!r}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
