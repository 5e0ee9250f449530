import csv
import io

import pytest
from django.urls import reverse

from activities import services as session_services
from letters.models import Tally
from tests.factories import PACK_OTHER, UserFactory, action_session, join, write, writer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def counted():
    """Two sessions of the 2024 case and one of another case, ended."""
    for letters in (2, 1):
        session = action_session()
        for number in range(letters):
            write(writer(session, f"P{number}"), finish=True)
        write(writer(session, "Card"), kind="solidarity", finish=True)
        join(session, "Quiet")
        session_services.session_end(session=session)
    other = action_session(pack=PACK_OTHER)
    join(other, "Solo")
    session_services.session_end(session=other)
    return Tally.objects.all()


def test_every_ended_session_is_counted(counted):
    assert counted.count() == 3


def test_the_totals_add_up_per_campaign_and_case(admin_client, counted):
    html = admin_client.get(reverse("admin:letters_tally_totals")).content.decode()
    assert "Maryia Kalesnikava" in html
    # 2024: 2 sessions, 4 + 3 participants, 3 letters, 2 messages.
    assert "<td>2</td>\n        <td>7</td>\n        <td>3</td>\n        <td>2</td>" in html


def test_the_totals_as_csv(admin_client, counted):
    response = admin_client.get(reverse("admin:letters_tally_totals_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert rows[0] == [
        "Campaign year",
        "Case",
        "Sessions",
        "Participants",
        "Letters",
        "Solidarity messages",
    ]
    maryia = next(row for row in rows if row[1] == "Maryia Kalesnikava")
    assert maryia == ["2024", "Maryia Kalesnikava", "2", "7", "3", "2"]
    assert len(rows) == 3


def test_the_tally_list_links_to_the_totals(admin_client, counted):
    html = admin_client.get(reverse("admin:letters_tally_changelist")).content.decode()
    assert reverse("admin:letters_tally_totals") in html
    assert reverse("admin:letters_tally_totals_csv") in html


def test_facilitators_without_admin_rights_do_not_see_the_totals(client, counted):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:letters_tally_totals")).status_code == 403
    assert client.get(reverse("admin:letters_tally_totals_csv")).status_code == 403
    client.force_login(UserFactory())
    response = client.get(reverse("admin:letters_tally_totals"))
    assert response.status_code == 302 and "/admin/login/" in response.url
