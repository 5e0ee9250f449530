"""Privacy and retention (docs/security.md, "Privacy" and "A lost laptop")."""

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone

from activities import retention, services
from activities.live import bus
from activities.models import Group, Participant, Session
from tests.factories import join, live_session

pytestmark = pytest.mark.django_db

PRIVACY_TEMPLATE = Path(__file__).resolve().parents[2] / "templates/activities/privacy.html"


def ended(days_ago, *, people=("Ana", "Bea", "Cy")):
    session = live_session()
    for name in people:
        join(session, name)
    services.session_end(session=session)
    Session.objects.filter(pk=session.pk).update(ended_at=timezone.now() - timedelta(days=days_ago))
    session.refresh_from_db()
    return session


class TestPurge:
    def test_deletes_the_people_and_groups_and_keeps_the_counts(self):
        session = ended(31)
        retention.purge_session(session)
        session.refresh_from_db()
        assert not Participant.objects.filter(session=session).exists()
        assert not Group.objects.filter(session=session).exists()
        assert session.kept_counts == {
            "participants": 3,
            "groups": 1,
            "letters": 0,
            "messages": 0,
            "match_pairs": 0,
            "closing_answers": 0,
            "ideas": 0,
            "drawings": 0,
            "ideas_crossed_out": 0,
            "ideas_about_assembly": 0,
            "ideas_about_expression": 0,
            "reflection_answers": 0,
            "group_notes": 0,
            "note_groups": 0,
            "udhr_taps": 0,
            "udhr_people": 0,
        }
        assert session.purged_at is not None
        assert session.room_code and session.case_version_id  # the session row stays

    def test_no_nickname_survives_anywhere_in_the_database(self):
        session = ended(31, people=("Zorblaxia",))
        retention.purge_session(session)
        for model in (Session, Participant, Group):
            for field in model._meta.get_fields():
                if isinstance(field, models.CharField | models.TextField | models.JSONField):
                    found = model.objects.filter(**{f"{field.name}__icontains": "Zorblaxia"})
                    assert not found.exists(), f"{model.__name__}.{field.name}"

    def test_is_idempotent(self):
        session = ended(31)
        first = retention.purge_session(session)
        second = retention.purge_session(session)
        assert first.purged_at == second.purged_at
        assert second.kept_counts["participants"] == 3

    def test_refuses_a_running_session(self):
        with pytest.raises(ValueError):
            retention.purge_session(live_session())

    def test_tells_every_screen(self, monkeypatch, django_capture_on_commit_callbacks):
        sent = []
        monkeypatch.setattr(bus, "publish", lambda sid, version, parts: sent.append(set(parts)))
        session = ended(31)
        with django_capture_on_commit_callbacks(execute=True):
            retention.purge_session(session)
        assert set(bus.EVERYTHING) <= sent[-1]

    def test_later_step_kinds_plug_in_through_the_list(self, monkeypatch):
        calls = []

        def letters(session):
            calls.append(("letters", session.participants.count()))
            return {"letters": 7}

        monkeypatch.setattr(retention, "PURGE_STEPS", [letters, retention.delete_people_and_groups])
        session = retention.purge_session(ended(31))
        # Runs before the people go, and its counts are kept with theirs.
        assert calls == [("letters", 3)]
        assert session.kept_counts == {"letters": 7, "participants": 3, "groups": 1}

    def test_a_failing_step_leaves_everything_as_it_was(self, monkeypatch):
        def broken(session):
            session.participants.all().delete()
            raise RuntimeError("disk full")

        monkeypatch.setattr(retention, "PURGE_STEPS", [broken])
        session = ended(31)
        with pytest.raises(RuntimeError):
            retention.purge_session(session)
        session.refresh_from_db()
        assert session.purged_at is None and session.participants.count() == 3


class TestExpiry:
    def test_what_is_due(self, settings):
        settings.W4R_RETENTION_DAYS = 30
        old, recent = ended(31), ended(29)
        running = live_session()
        forgotten = live_session()
        Session.objects.filter(pk=forgotten.pk).update(
            created_at=timezone.now() - timedelta(days=40)
        )
        due = set(retention.expired_sessions())
        assert old in due and forgotten in due
        assert recent not in due and running not in due

    def test_the_command(self, settings):
        settings.W4R_RETENTION_DAYS = 30
        old, recent = ended(31), ended(2)
        out = StringIO()
        call_command("purge_expired", stdout=out)
        old.refresh_from_db()
        recent.refresh_from_db()
        assert old.purged_at and not recent.purged_at
        assert f"purged {old.room_code}" in out.getvalue()
        assert "1 session purged." in out.getvalue()
        assert recent.participants.count() == 3

    def test_the_command_ends_a_session_forgotten_open(self):
        forgotten = live_session()
        join(forgotten, "Ana")
        Session.objects.filter(pk=forgotten.pk).update(
            created_at=timezone.now() - timedelta(days=40)
        )
        call_command("purge_expired", stdout=StringIO())
        forgotten.refresh_from_db()
        assert forgotten.is_ended and forgotten.purged_at and not forgotten.participants.exists()

    def test_dry_run_and_days(self):
        session = ended(3)
        out = StringIO()
        call_command("purge_expired", "--days", "2", "--dry-run", stdout=out)
        assert f"would purge {session.room_code}" in out.getvalue()
        session.refresh_from_db()
        assert session.purged_at is None
        call_command("purge_expired", "--days", "2", stdout=StringIO())
        session.refresh_from_db()
        assert session.purged_at is not None
        with pytest.raises(CommandError):
            call_command("purge_expired", "--days", "-1")

    def test_the_control_view_says_when(self, client, settings):
        settings.W4R_RETENTION_DAYS = 30
        session = ended(1)
        client.force_login(session.facilitator)
        page = client.get(reverse("control", args=[session.room_code])).content.decode()
        assert "everything participants wrote will be deleted on" in page


class TestDeleteNow:
    def test_the_facilitator_deletes_at_once(self, client):
        session = live_session()
        join(session, "Ana")
        client.force_login(session.facilitator)
        page = client.get(reverse("control", args=[session.room_code])).content.decode()
        assert "Delete everyone&#x27;s data now" in page or "Delete everyone's data now" in page
        response = client.post(reverse("delete_data", args=[session.room_code]), {"confirm": "1"})
        assert response.status_code == 302
        session.refresh_from_db()
        assert session.is_ended and session.purged_at
        assert not session.participants.exists()
        page = client.get(reverse("control", args=[session.room_code])).content.decode()
        assert "Only the count is kept: 1 person took part." in page

    def test_it_needs_the_confirmation(self, client):
        session = live_session()
        join(session, "Ana")
        client.force_login(session.facilitator)
        response = client.post(
            reverse("delete_data", args=[session.room_code]), HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 409
        assert "Tick the box" in response.content.decode()
        assert session.participants.count() == 1

    def test_a_phone_of_a_deleted_session_is_told_it_ended(self, client):
        session = live_session()
        client.post(reverse("join_room", args=[session.room_code]), {"nickname": "Ana"})
        retention.session_delete_data(session=session)
        response = client.get(reverse("room", args=[session.room_code]), follow=True)
        assert "This session has ended" in response.content.decode()
        assert "Ana" not in response.content.decode()


class TestPrivacyPage:
    def test_reachable_from_the_join_pages(self, client):
        session = live_session()
        for url in (
            reverse("home"),
            reverse("join"),
            reverse("join_room", args=[session.room_code]),
        ):
            assert f'href="{reverse("privacy")}"' in client.get(url).content.decode(), url

    def test_says_it_plainly(self, client, settings):
        settings.W4R_RETENTION_DAYS = 30
        page = client.get(reverse("privacy")).content.decode()
        assert "Only a nickname" in page
        assert "30 days after the session ends" in page
        assert "No ads, no tracking" in page

    def test_is_translatable(self):
        # Take out every translated string: no words may be left over.
        text = PRIVACY_TEMPLATE.read_text(encoding="utf-8")
        text = re.sub(r"{% blocktranslate.*?{% endblocktranslate %}", "", text, flags=re.S)
        text = re.sub(r"{%.*?%}|{{.*?}}|<[^>]+>", "", text, flags=re.S)
        assert re.sub(r"W4R Live|·", "", text).strip() == ""

    def test_a_participant_gives_a_nickname_and_nothing_else(self):
        fields = {
            field.name
            for field in Participant._meta.get_fields()
            if field.concrete and not field.is_relation
        }
        assert fields == {"id", "nickname", "nickname_key", "joined_at", "waiting", "removed_at"}


def test_no_model_stores_an_address():
    """No IP address is stored with content (docs/security.md, "Privacy")."""
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.app_label in ("axes", "admin", "auth", "sessions", "contenttypes"):
            continue
        for field in model._meta.concrete_fields:
            assert not isinstance(field, models.GenericIPAddressField), field
            assert "ip" not in field.name.split("_"), field
            assert "address" not in field.name or model is Session, field
