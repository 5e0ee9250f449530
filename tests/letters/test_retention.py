"""Letters under the session rules of issue 8: waiting phones, deleting the content."""

import pytest
from django.test import Client
from django.urls import reverse

from activities import retention
from activities import services as session_services
from letters import services
from letters.models import Letter, SafetyChoice, Tally
from tests.factories import action_session, join, write, writer

pytestmark = pytest.mark.django_db


def test_a_phone_waiting_to_be_let_in_writes_nothing():
    session = action_session()
    session_services.session_set_approve_joins(session=session, approve_joins=True)
    waiting = join(session, "Ana")
    assert waiting.waiting
    with pytest.raises(services.SessionError, match="lets you in"):
        services.safety_choose(participant=waiting, choice="name")


def test_a_waiting_phone_has_no_panel(client):
    session = action_session()
    session_services.session_set_approve_joins(session=session, approve_joins=True)
    client.post(reverse("join_room", args=[session.room_code]), {"nickname": "Ana"})
    assert client.get(reverse("letters:panel", args=[session.room_code])).status_code == 404


def test_deleting_the_content_keeps_the_counts():
    session = action_session()
    ana = writer(session, "Ana")
    write(ana, "A letter", finish=True)
    write(ana, "A draft")
    write(ana, "A message", kind="solidarity", finish=True)
    writer(session, "Bo")
    retention.session_delete_data(session=session)
    session.refresh_from_db()
    assert not Letter.objects.exists() and not SafetyChoice.objects.exists()
    assert session.kept_counts["letters"] == 1 and session.kept_counts["messages"] == 1
    tally = Tally.objects.get(session=session)
    assert (tally.participants, tally.letters, tally.messages) == (2, 1, 1)


def test_no_letter_text_survives_anywhere_in_the_database():
    from django.db import models

    session = action_session()
    write(writer(session, "Ana"), "Zorblaxia was here", signoff_name="Quaxelot", finish=True)
    retention.session_delete_data(session=session)
    for model in (Letter, SafetyChoice, Tally):
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField):
                for word in ("Zorblaxia", "Quaxelot"):
                    found = model.objects.filter(**{f"{field.name}__icontains": word})
                    assert not found.exists(), f"{model.__name__}.{field.name}"


def test_the_summary_of_a_deleted_session_shows_its_counts():
    session = action_session()
    write(writer(session, "Ana"), "A letter", finish=True)
    retention.session_delete_data(session=session)
    client = Client()
    client.force_login(session.facilitator)
    html = client.get(reverse("session_summary", args=[session.room_code])).content.decode()
    assert "1 person took part." in html
    assert "only their numbers are kept" in html
    assert "data-finished>1<" in html
    assert "Ana" not in html


def test_a_save_after_the_deletion_is_refused():
    session = action_session()
    ana = writer(session, "Ana")
    letter = write(ana, "A letter")
    retention.session_delete_data(session=session)
    with pytest.raises(services.NotInRoom):  # the participant is gone too
        services.letter_save(
            participant=ana,
            kind="authority",
            client_key=letter.client_key,
            revision=5,
            text="more",
        )
    assert not Letter.objects.exists()
