"""The write phases' read-back: what bench.djangoside reads from the database,
compared with what the phones were told, for drafts and pairs; and the
adapters' reading of the pages they write from (the real templates)."""

import asyncio
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from bench import djangoside
from bench.stats import check_writes
from bench.writes import _HIDDEN, _PAIR_URL, Pairing
from letters import services as letters
from tests.factories import MATCHING_STEP, action_session, matching_session, pair, writer

pytestmark = pytest.mark.django_db


def _save(participant, key, revision, text):
    return letters.letter_save(
        participant=participant, kind="authority", client_key=key, revision=revision, text=text
    )


class TestDraftsReadBack:
    def test_each_draft_holds_its_last_acknowledged_save(self):
        session = action_session()
        ana, ben = writer(session, "Ana"), writer(session, "Ben")
        a, b = str(uuid.uuid4()), str(uuid.uuid4())
        acked = []
        for revision, text in [(2, "Dear"), (3, "Dear Minister")]:
            _save(ana, a, revision, text)
            acked.append((a, (revision, text)))
        _save(ben, b, 2, "Hello")
        acked.append((b, (2, "Hello")))
        _save(ana, a, 2, "Dear")  # an older save arriving late changes nothing
        stored = djangoside.readback(session.room_code, "letters")
        assert stored == {a: [[3, "Dear Minister"]], b: [[2, "Hello"]]}
        assert check_writes(acked, stored, mode="revision")["lost"] == 0

    def test_a_save_the_database_does_not_hold_is_found_lost(self):
        session = action_session()
        ana = writer(session, "Ana")
        key = str(uuid.uuid4())
        _save(ana, key, 2, "Dear")
        acked = [(key, (2, "Dear")), (key, (3, "Dear Minister"))]  # 3 never reached it
        stored = djangoside.readback(session.room_code, "letters")
        assert check_writes(acked, stored, mode="revision")["lost"] == 1


class TestPairsReadBack:
    def test_made_pairs_are_held_once_and_undone_ones_are_gone(self):
        from activities.steps.matching import services as matching

        session, (ana, ben, *_rest) = matching_session(groups=2, per_group=2)
        pair(ana, "arrested", "art-9")
        pair(ana, "arrested", "art-3")
        matching.pair_remove(
            participant=ana,
            group=ana.group,
            step_key=MATCHING_STEP,
            experience="arrested",
            right="art-9",
        )
        pair(ben, "expression", "art-19")
        group = ana.group_id
        acked = [
            (f"{group}:arrested:art-9", True),
            (f"{group}:arrested:art-3", True),
            (f"{group}:arrested:art-9", False),
            (f"{ben.group_id}:expression:art-19", True),
        ]
        stored = djangoside.readback(session.room_code, "pairs")
        assert stored == {
            f"{group}:arrested:art-3": [True],
            f"{ben.group_id}:expression:art-19": [True],
        }
        assert check_writes(acked, stored, mode="toggle") == {
            "acked": 4,
            "lost": 0,
            "duplicated": 0,
            "unacknowledged": 0,
        }


class TestWhatTheAdaptersReadFromPages:
    def test_the_letter_editor_after_the_safety_choice(self):
        session = action_session()
        phone = Client()
        phone.post(reverse("join_room", args=[session.room_code]), {"nickname": "Ana"})
        response = phone.post(
            reverse("letters:choose", args=[session.room_code]),
            {"choice": "name"},
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        form = html[html.index('name="kind" value="authority"') :]
        key = re.search(_HIDDEN.format("client_key"), form).group(1)
        assert uuid.UUID(key)
        assert re.search(_HIDDEN.format("revision"), form).group(1) == "1"

    def test_the_group_board_names_its_pair_url_cards_and_rights(self):
        session, (ana, *_rest) = matching_session(groups=1, per_group=2)
        phone = Client()
        for name, value in _cookie_of(ana).items():
            phone.cookies[name] = value
        html = phone.get(reverse("room", args=[session.room_code])).content.decode()
        url, group_id = _PAIR_URL.search(html).groups()
        assert int(group_id) == ana.group_id
        assert url == reverse("matching_pair", args=[session.room_code, MATCHING_STEP, group_id])
        assert "arrested" in re.findall(_HIDDEN.format("experience"), html)
        assert "art-9" in re.findall(r'name="(?:pair|unpair)" value="([^"]+)"', html)

    def test_a_member_pairs_two_cards_then_undoes_the_first(self):
        phase = Pairing(run=None, count=6)
        keys = [("e1", "r1"), ("e1", "r2"), ("e2", "r1"), ("e2", "r2")]
        phase.paired = {}
        sent = []

        async def tap(url, fields):
            sent.append(fields)

            class Answer:
                status = 200

            return Answer

        phone = type("Phone", (), {"htmx_post": staticmethod(tap)})()
        phase.groups = [("/pair", "7", [phone])]
        phase.taps = {phone: (keys, 0)}
        acked = [asyncio.run(phase.write(seq)) for seq in range(6)]
        assert acked == [
            ("7:e1:r1", True),
            ("7:e1:r2", True),
            ("7:e1:r1", False),
            ("7:e2:r1", True),
            ("7:e2:r2", True),
            ("7:e2:r1", False),
        ]
        assert sent[2] == {"experience": "e1", "unpair": "r1"}


def _cookie_of(participant):
    from django.conf import settings
    from django.http import HttpResponse

    from activities import identity

    response = identity.remember(HttpResponse(), participant)
    return {settings.PARTICIPANT_COOKIE: response.cookies[settings.PARTICIPANT_COOKIE].value}
