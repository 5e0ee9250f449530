"""Hostile input (docs/security.md, "A curious participant" and "Hostile
input"): every kind of bad text on the join form and the services, raw and
malformed requests, and text always shown as text, in every page and in the
live stream's framing."""

import html
import unicodedata

import pytest
from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from activities import identity, services
from activities.forms import NicknameForm, SessionCreateForm
from activities.live import bus, render
from activities.live.hub import sse_event
from activities.models import Participant
from activities.services import NICKNAME_MAX, SessionError, clean_nickname
from activities.textrules import TextRefused, clean_text, csv_cell
from tests.activities.test_live import parse_events
from tests.factories import join, live_session

pytestmark = pytest.mark.django_db

# Every code point, surrogates and unassigned ones included.
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=80)
INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}
# No example database on disk (the suite writes no caches); no deadline, as
# CI machines are slow and shared.
PROPERTY = hypothesis_settings(max_examples=200, deadline=None, database=None)
DB_EXAMPLES = hypothesis_settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

XSS = "<img src=x onerror=alert(1)>"
HTMX = 'hx-get="/x" hx-trigger=load'


def join_by_phone(client, session, nickname):
    return client.post(reverse("join_room", args=[session.room_code]), {"nickname": nickname})


def raw_post(client, url, body, content_type="application/x-www-form-urlencoded"):
    return client.generic("POST", url, body, content_type=content_type)


@pytest.fixture
def session():
    return live_session()


# -- The rules, as properties --------------------------------------------------


def assert_clean_line(text, max_length):
    assert 1 <= len(text) <= max_length
    assert text == text.strip() and "  " not in text
    assert unicodedata.is_normalized("NFC", text)
    assert "\x00" not in text and "\ufffd" not in text
    for index, char in enumerate(text):
        if unicodedata.category(char) in INVISIBLE:
            # Only a zero-width joiner between two emoji, or a (non-)joiner
            # inside a word (activities/textrules.py).
            assert char in "\u200c\u200d" and 0 < index < len(text) - 1


@PROPERTY
@given(ANY_TEXT)
def test_a_nickname_is_refused_or_clean(raw):
    try:
        nickname = clean_nickname(raw)
    except SessionError:
        return
    assert_clean_line(nickname, NICKNAME_MAX)


@PROPERTY
@given(ANY_TEXT)
def test_the_nickname_form_never_crashes(raw):
    form = NicknameForm(data={"nickname": raw})
    if form.is_valid():
        assert_clean_line(form.cleaned_data["nickname"], NICKNAME_MAX)
    else:
        assert form.errors["nickname"]


@PROPERTY
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=300))
def test_long_text_is_refused_or_clean(raw):
    try:
        text = clean_text(raw, max_length=200)
    except TextRefused:
        return
    assert 1 <= len(text) <= 200
    assert "\r" not in text and "\t" not in text and "\x00" not in text
    assert not text.startswith("\n") and not text.endswith("\n")
    for char in text:
        assert char in "\n\u200c\u200d" or unicodedata.category(char) not in INVISIBLE


@DB_EXAMPLES
@given(raw=ANY_TEXT)
def test_joining_with_any_text_stores_it_or_refuses_it_before_the_database(session, raw):
    # PostgreSQL refuses NUL in text and rejects what does not fit a column:
    # the service must refuse such text itself, never let the database fail.
    with transaction.atomic():
        try:
            person = services.participant_join(session=session, nickname=raw)
        except SessionError:
            pass
        else:
            stored = Participant.objects.get(pk=person.pk)
            assert stored.nickname == person.nickname
            assert_clean_line(stored.nickname, NICKNAME_MAX)
        transaction.set_rollback(True)


@DB_EXAMPLES
@given(raw=ANY_TEXT)
def test_the_join_view_answers_any_text_without_a_server_error(session, raw):
    # A browser cannot send a lone surrogate: it arrives as UTF-8 bytes that
    # decode to U+FFFD (the raw-body tests below send those bytes).
    raw = raw.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    with transaction.atomic():
        response = join_by_phone(Client(), session, raw)
        assert response.status_code in (302, 400)
        transaction.set_rollback(True)


# -- Each kind of bad input, by name ------------------------------------------


REFUSED = [
    ("", "Choose a nickname"),
    ("   \t  ", "Choose a nickname"),
    ("x" * (NICKNAME_MAX + 1), "at most 30 characters"),
    ("Ana\x07", "control or invisible"),
    ("Ana\x00", "Null characters are not allowed"),  # Django's form refuses NUL first
    ("Ana\nBea", "control or invisible"),
    ("\u202eanA", "control or invisible"),  # right-to-left override
    ("A\u200bna", "control or invisible"),  # zero-width space
    ("A\u2060na", "control or invisible"),  # word joiner
    ("Sa\u200cm", "control or invisible"),  # a non-joiner in a Latin name: a look-alike
    ("\u200cسارة", "control or invisible"),  # a non-joiner outside the word
    ("Ana\ufeff", "control or invisible"),  # byte order mark
    ("\ue000Ana", "control or invisible"),  # private use
    ("Ana\ufffd", "control or invisible"),  # what invalid UTF-8 decodes to
    ("A" + "\u0301" * 8, "control or invisible"),  # combining marks piled up
    ("ﷺ" * 6, "at most 30 characters"),  # 6 characters that unfold into 108
]


@pytest.mark.parametrize("nickname, message", REFUSED)
def test_bad_nicknames_are_refused_with_a_reason(client, session, nickname, message):
    response = join_by_phone(client, session, nickname)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not session.participants.exists()


ACCEPTED = [
    "🙂 Sam",
    "👩‍💻 Dev",  # emoji joined by a zero-width joiner
    "سارة",  # right to left
    "نگار\u200cها",  # Persian: a zero-width non-joiner inside a word
    "क्\u200dष",  # Devanagari: a zero-width joiner inside a word
    "אורי כהן",
    "Zoë",
    "李小龙",
    XSS,
    HTMX,
    "x'); DROP TABLE x;--",
    '=HYPERLINK("http://x")',
    "@SUM(1+1)",
    "ß" * 30,
]


@pytest.mark.parametrize("nickname", ACCEPTED)
def test_odd_but_harmless_nicknames_are_kept_as_typed(client, session, nickname):
    session.filter_nicknames = False
    session.save()
    response = join_by_phone(client, session, nickname)
    assert response.status_code == 302
    assert Participant.objects.get(session=session).nickname == unicodedata.normalize(
        "NFC", nickname
    )


def test_sql_looking_text_is_just_text(session):
    join(session, "x'); DROP TABLE x;--")
    assert "activities_participant" in connection.introspection.table_names()
    assert session.participants.filter(nickname__contains="DROP TABLE").count() == 1


def test_csv_formulas_are_defused_for_spreadsheets():
    assert csv_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert csv_cell("+1") == "'+1" and csv_cell("-1") == "'-1" and csv_cell("@SUM") == "'@SUM"
    assert csv_cell("\tx") == "'\tx"
    assert csv_cell("Ana") == "Ana" and csv_cell(None) == "" and csv_cell(3) == "3"


def test_a_session_title_is_cleaned_too(session):
    with pytest.raises(SessionError, match="control or invisible"):
        live_session(title="Class\u202e9B")
    form = SessionCreateForm(data={"title": "Class\x009B", "group_size": 4, "activity": ""})
    assert not form.is_valid() and "title" in form.errors


class TestRawRequests:
    @pytest.mark.parametrize(
        "body",
        [
            b"nickname=%FF%FE%FD",  # invalid UTF-8, percent-encoded
            b"nickname=\xff\xfe\xfd",  # invalid UTF-8, raw
            b"nickname=%ED%A0%80",  # a lone surrogate, UTF-8 encoded
            b"nickname=Ana%00",  # NUL
            b"nickname=%C0%80",  # an overlong NUL
            b"nickname",  # no value
            b"",  # nothing
            b"nickname=a&nickname=%00",  # the field twice
            b"%%%%%%=&&&&==",  # garbage
        ],
    )
    def test_malformed_bodies_are_refused_not_crashed_on(self, client, session, body):
        response = raw_post(client, reverse("join_room", args=[session.room_code]), body)
        # Refused (400), or an empty post shown the form again (200), or --
        # raw bytes that are not UTF-8 are read as Latin-1 by Django -- a
        # harmless nickname ("ÿþý") joined (302). Never a server error, and
        # nothing stored that the rules refuse.
        assert response.status_code in (200, 302, 400)
        for person in session.participants.all():
            assert_clean_line(person.nickname, NICKNAME_MAX)
        if b"%00" in body or b"%ED" in body or b"%FF" in body or b"%C0" in body:
            assert not session.participants.exists()

    @pytest.mark.parametrize(
        "content_type, body",
        [
            ("application/json", b'{"nickname": "Ana"}'),
            ("text/plain", b"nickname=Ana"),
            ("application/xml", b"<nickname>Ana</nickname>"),
            ("multipart/form-data; boundary=zzz", b"--zzz\r\nbroken"),
        ],
    )
    def test_wrong_content_types_are_refused(self, client, session, content_type, body):
        # Django reads only form encodings into POST: anything else is an
        # empty form, shown again; a broken multipart body is a 400.
        response = raw_post(
            client, reverse("join_room", args=[session.room_code]), body, content_type
        )
        assert response.status_code in (200, 400)
        assert 'name="nickname"' in response.content.decode() or response.status_code == 400
        assert not session.participants.exists()

    def test_a_file_where_text_belongs(self, client, session):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("nick.txt", b"Ana", content_type="text/plain")
        response = client.post(reverse("join_room", args=[session.room_code]), {"nickname": upload})
        assert response.status_code in (200, 400)
        assert not session.participants.exists()

    def test_a_huge_body_is_refused_before_it_is_read(self, client, session):
        body = b"nickname=" + b"A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
        response = raw_post(client, reverse("join_room", args=[session.room_code]), body)
        assert response.status_code == 400
        assert not session.participants.exists()

    def test_thousands_of_fields_are_refused(self, client, session):
        body = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
        response = raw_post(client, reverse("join_room", args=[session.room_code]), body.encode())
        assert response.status_code == 400

    @pytest.mark.parametrize(
        "code", ["%00", "A%00AAAAA", "a" * 5000, "%ED%A0%80", "..%2F..%2Fetc", "K7M-4PXA", "<b>"]
    )
    def test_hostile_codes_in_urls(self, client, session, code):
        client.force_login(session.facilitator)
        for url in (f"/join/{code}", f"/r/{code}", f"/r/{code}/events", f"/r/{code}/poll"):
            assert client.get(url).status_code in (403, 404), url
        for url in (f"/sessions/{code}/", f"/sessions/{code}/projector"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/sessions/{code}/next").status_code == 404

    @pytest.mark.parametrize(
        "value", ["²", "٣", "9" * 5000, "99999999999999999999", "-1", "1e3", ""]
    )
    def test_hostile_ids_are_a_404(self, client, session, value):
        person = join(session, "Ana")
        client.force_login(session.facilitator)
        url = reverse("move_participant", args=[session.room_code, person.pk])
        assert client.post(url, {"group": value}).status_code == 404
        too_big = f"/sessions/{session.room_code}/people/{'9' * 30}/remove"
        assert client.post(too_big).status_code == 404


class TestForgeries:
    def test_a_forged_csrf_token_changes_nothing(self, session):
        facilitator = Client(enforce_csrf_checks=True)
        facilitator.force_login(session.facilitator)
        facilitator.get(reverse("control", args=[session.room_code]))
        response = facilitator.post(
            reverse("end_session", args=[session.room_code]),
            {"csrfmiddlewaretoken": "forged" * 8},
            HTTP_X_CSRFTOKEN="forged" * 8,
        )
        assert response.status_code == 403
        session.refresh_from_db()
        assert not session.is_ended

    def test_a_join_from_another_site_is_refused(self, session):
        response = Client(enforce_csrf_checks=True).post(
            reverse("join_room", args=[session.room_code]), {"nickname": "Ana"}
        )
        assert response.status_code == 403
        assert not session.participants.exists()

    @pytest.mark.parametrize(
        "value",
        ["", "1", "1:forged", "x" * 4096, "\x00", "1:" + "A" * 27, "e30:1oabc:xyz"],
    )
    def test_tampered_participant_cookies_are_nobody(self, client, session, value):
        join(session, "Ana")
        client.cookies[settings.PARTICIPANT_COOKIE] = value
        response = client.get(reverse("room", args=[session.room_code]))
        assert response.status_code == 302
        assert client.get(reverse("room_poll", args=[session.room_code])).status_code == 403

    def test_a_valid_cookie_of_another_session_is_nobody_here(self, client, session):
        other = live_session()
        stranger = join(other, "Eve")
        signed = signing.get_cookie_signer(salt=settings.PARTICIPANT_COOKIE + identity.SALT).sign(
            str(stranger.pk)
        )
        client.cookies[settings.PARTICIPANT_COOKIE] = signed
        assert identity.participant_id(client.get("/").wsgi_request) == stranger.pk
        assert client.get(reverse("room", args=[session.room_code])).status_code == 302
        assert client.get(reverse("room_poll", args=[session.room_code])).status_code == 403

    def test_a_tampered_session_cookie_is_signed_out(self, client, session):
        client.force_login(session.facilitator)
        client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"
        response = client.get(reverse("control", args=[session.room_code]))
        assert response.status_code == 302 and "/accounts/login/" in response.url


class TestReplays:
    def test_a_replayed_next_step_moves_once(self, client, session):
        client.force_login(session.facilitator)
        url = reverse("next_step", args=[session.room_code])
        for _ in range(3):
            assert client.post(url, {"from": ""}).status_code == 302
        session.refresh_from_db()
        assert session.current_step == session.activity.steps[0].key

    def test_a_replayed_previous_step_moves_once(self, client, session):
        services.session_go_to_step(session=session, step_key=session.activity.steps[2].key)
        client.force_login(session.facilitator)
        url = reverse("previous_step", args=[session.room_code])
        from_step = session.activity.steps[2].key
        for _ in range(3):
            client.post(url, {"from": from_step}, HTTP_HX_REQUEST="true")
        session.refresh_from_db()
        assert session.current_step == session.activity.steps[1].key

    def test_a_replayed_join_with_its_cookie_is_the_same_person(self, client, session):
        for _ in range(3):
            assert join_by_phone(client, session, "Ana").status_code == 302
        assert session.participants.count() == 1

    def test_a_replayed_join_without_its_cookie_makes_no_twin(self, session):
        assert join_by_phone(Client(), session, "Ana").status_code == 302
        assert join_by_phone(Client(), session, "Ana").status_code == 400
        assert session.participants.count() == 1

    def test_replayed_removals_and_admissions_are_harmless(self, client, session):
        person = join(session, "Ana")
        client.force_login(session.facilitator)
        url = reverse("remove_participant", args=[session.room_code, person.pk])
        first, second = client.post(url), client.post(url)
        assert first.status_code == second.status_code == 302
        assert session.participants.count() == 1


# -- Text is shown as text, everywhere -----------------------------------------


@pytest.fixture
def hostile_room(session):
    session.filter_nicknames = False
    session.save()
    xss = join(session, XSS)
    htmx = join(session, HTMX)
    return session, xss, htmx


def assert_shown_as_text(page):
    assert XSS not in page and "<img" not in page
    assert html.escape(XSS) in page or XSS.replace("<", "&lt;").replace(">", "&gt;") in page
    assert HTMX not in page  # its quotes are escaped: never an attribute
    assert "hx-get=&quot;/x&quot;" in page or "hx-get=&#x27;" in page


class TestShownAsText:
    def test_the_control_view(self, client, hostile_room):
        session, *_ = hostile_room
        client.force_login(session.facilitator)
        assert_shown_as_text(
            client.get(reverse("control", args=[session.room_code])).content.decode()
        )

    def test_the_participant_page(self, client, hostile_room):
        session, xss, htmx = hostile_room
        client.cookies[settings.PARTICIPANT_COOKIE] = signing.get_cookie_signer(
            salt=settings.PARTICIPANT_COOKIE + identity.SALT
        ).sign(str(xss.pk))
        page = client.get(reverse("room", args=[session.room_code])).content.decode()
        assert xss.group_id == htmx.group_id  # both in the group panel
        assert_shown_as_text(page)

    def test_the_projector(self, client, hostile_room):
        session, *_ = hostile_room
        client.force_login(session.facilitator)
        page = client.get(reverse("projector", args=[session.room_code])).content.decode()
        assert "<img" not in page and HTMX not in page

    def test_the_live_stream(self, hostile_room):
        session, xss, _htmx = hostile_room
        for part in (bus.CONTROL_ROSTER, bus.group_part(xss.group_id), bus.PROJECTOR):
            name, fragment, version = render.render_part(session.pk, part, "en")
            events = parse_events([sse_event(name, fragment, version)])
            assert [event for event, _data in events] == [name]
            if part != bus.PROJECTOR:
                assert_shown_as_text(events[0][1])

    def test_the_waiting_list(self, client, session):
        services.session_set_approve_joins(session=session, approve_joins=True)
        session.filter_nicknames = False
        session.save()
        join(session, XSS)
        join(session, HTMX)
        client.force_login(session.facilitator)
        assert_shown_as_text(
            client.get(reverse("control", args=[session.room_code])).content.decode()
        )


class TestStreamFraming:
    """A line break in user text never starts an SSE field of its own. The
    services never store one in a nickname; a row written some other way
    (an old version, the database by hand) is still framed safely."""

    @pytest.mark.parametrize("breaker", ["\n", "\r", "\r\n", "\n\n", "\r\r"])
    def test_a_line_break_in_stored_text_stays_inside_its_event(self, session, breaker):
        evil = f"A{breaker}event: x{breaker}data: <b>{breaker}id: 9"  # fits the column
        Participant.objects.create(
            session=session, group=join(session, "Bea").group, nickname=evil, nickname_key="evil"
        )
        for part in (bus.CONTROL_ROSTER, bus.group_part(session.groups.first().pk)):
            name, fragment, version = render.render_part(session.pk, part, "en")
            payload = sse_event(name, fragment, version).decode()
            events = parse_events([payload.encode()])
            assert [event for event, _data in events] == [name]
            fields = [line.split(":", 1)[0] for line in payload.split("\n") if line]
            assert fields.count("event") == 1 and fields.count("id") == 1
            assert set(fields) == {"event", "id", "data"}
            assert "<b>" not in events[0][1]

    def test_the_services_never_store_a_line_break(self, session):
        for breaker in ("\n", "\r", "\r\n", "\u2028", "\x85"):
            try:
                person = join(session, f"Ana{breaker}Bea")
            except SessionError:
                continue
            assert "\n" not in person.nickname and "\r" not in person.nickname
            person.delete()
