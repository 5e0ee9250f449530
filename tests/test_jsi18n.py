"""JavaScript strings through Django's JavaScript catalog (w4r/jsi18n.py), and
dates, times and numbers in the reader's language."""

import gzip
import re
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import trans_real

from activities import services
from activities.models import Participant
from letters import services as letters_services
from letters.models import Letter
from tests.factories import action_session, live_session, write
from w4r import jsi18n

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_catalogs():
    jsi18n.catalog.cache_clear()
    yield
    jsi18n.catalog.cache_clear()


def script_sources(html):
    return re.findall(r'<script src="([^"]+)" defer></script>', html)


# -- Where pages load it ----------------------------------------------------------


def test_every_page_loads_the_catalog_of_its_language_before_its_scripts(client):
    html = client.get(reverse("home"), headers={"accept-language": "ar"}).content.decode()
    sources = script_sources(html)
    assert sources[0] == jsi18n.catalog_url("ar")
    assert re.fullmatch(r"/jsi18n/ar\.[0-9a-f]{12}\.js", sources[0])
    assert all(source.startswith("/static/") for source in sources[1:])


def test_each_language_has_its_own_address(client):
    urls = {jsi18n.catalog_url(code) for code, _name in settings.LANGUAGES}
    assert len(urls) == len(settings.LANGUAGES)


def test_the_projector_loads_the_projector_language(client):
    session = live_session(projector_language="es")
    client.force_login(session.facilitator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("projector", args=[session.room_code])).content.decode()
    assert script_sources(html)[0] == jsi18n.catalog_url("es")


def test_no_page_passes_messages_to_scripts_in_attributes_any_more():
    """The messages static/w4r/*.js shows come from the catalog, not from
    data-*-message attributes the templates fill."""
    old = re.compile(r"data-(msg-\w+|offline-message|empty-message|copied|general|offline)=")
    for template in (ROOT / "templates").rglob("*.html"):
        assert not old.search(template.read_text(encoding="utf-8")), template
    for script in (ROOT / "static" / "w4r").glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r'getAttribute\("data-(msg-|offline|empty|copied|general)', text)


def test_scripts_have_an_english_fallback_when_the_catalog_is_missing():
    for script in (ROOT / "static" / "w4r").glob("*.js"):
        text = script.read_text(encoding="utf-8")
        if re.search(r"\bgettext\(", text):
            assert "var gettext = window.gettext || function (text) { return text; };" in text


# -- The catalog itself -------------------------------------------------------------------


def test_the_catalog_is_kept_for_a_year_under_its_address(client):
    response = client.get(jsi18n.catalog_url("fr"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body, version = jsi18n.catalog("fr")
    assert response["ETag"] == f'"{version}"'
    assert response.content == body
    assert b"django.gettext = function" in body and b"globals.interpolate" in body


def test_an_old_address_gets_todays_catalog_not_kept(client):
    response = client.get(reverse("js_catalog", args=["fr", "0" * 12]))
    assert response.status_code == 200
    assert response.content == jsi18n.catalog("fr")[0]
    assert response["Cache-Control"] == "no-cache"


def test_a_known_version_answers_not_modified(client):
    _body, version = jsi18n.catalog("es")
    response = client.get(jsi18n.catalog_url("es"), headers={"if-none-match": f'"{version}"'})
    assert response.status_code == 304 and response.content == b""


def test_it_is_compressed_for_browsers_that_say_so(client):
    response = client.get(jsi18n.catalog_url("ar"), headers={"accept-encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == jsi18n.catalog("ar")[0]


@pytest.mark.parametrize("path", ["/jsi18n/de.0123456789ab.js", "/jsi18n/FR.0123456789ab.js"])
def test_a_language_not_offered_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_only_get(client):
    assert client.post(jsi18n.catalog_url("en")).status_code == 405


def test_the_arabic_catalog_is_small():
    """Issue 7's first-load budget is 60 KB compressed: the catalog takes a
    few of them (it holds only our own strings and the language's formats)."""
    body, _version = jsi18n.catalog("ar")
    assert len(gzip.compress(body)) < 4 * 1024
    assert b"jquery" not in body.lower() and b"calendar" not in body.lower()  # not the admin's


def write_mo(path, messages, plural_forms="nplurals=2; plural=(n > 1);"):
    """A GNU .mo file of {msgid: msgstr}, as msgfmt writes it."""
    header = f"Content-Type: text/plain; charset=UTF-8\nPlural-Forms: {plural_forms}\n"
    entries = sorted({"": header, **messages}.items())
    ids = [key.encode() for key, _value in entries]
    strs = [value.encode() for _key, value in entries]
    start = 7 * 4 + 16 * len(entries)
    table_ids, table_strs, data = [], [], b""
    for text in ids:
        table_ids.append((len(text), start + len(data)))
        data += text + b"\0"
    for text in strs:
        table_strs.append((len(text), start + len(data)))
        data += text + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, len(entries), 28, 28 + 8 * len(entries), 0, start)
    body = b"".join(struct.pack("<2I", *pair) for pair in table_ids + table_strs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + body + data)


def test_the_catalog_carries_our_translated_strings(client, settings, tmp_path):
    write_mo(
        tmp_path / "fr" / "LC_MESSAGES" / "djangojs.mo",
        {"Copied": "Copié", "Not saved yet": "Pas encore enregistré"},
    )
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    trans_real._translations = {}
    trans_real._active.value = None
    try:
        body = client.get(jsi18n.catalog_url("fr")).content.decode()
        assert '"Copied": "Copi\\u00e9"' in body
        assert "Pas encore enregistr" in body
    finally:
        trans_real._translations = {}


# -- Dates, times and numbers -------------------------------------------------------------


def render(text, **context):
    return Template("{% load w4r_i18n %}" + text).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "12,345"), ("fr", "12\xa0345"), ("es", "12\xa0345"), ("ar", "12345")],
)
def test_a_count_standing_alone_is_grouped_the_languages_way(language, expected):
    with translation.override(language):
        assert render("{{ n|number }}", n=12345) == expected
        assert render("{{ n|number }}", n=7) == "7"


def test_the_timer_on_a_phone_reads_minutes_and_seconds(client):
    session = live_session()
    join_url = reverse("join_room", args=[session.room_code])
    client.post(join_url, {"nickname": "Ana"})
    session = services.session_next_step(session=session)  # starts the step's timer
    html = client.get(reverse("room", args=[session.room_code])).content.decode()
    value = re.search(r'<span class="timer-value">([^<]+)</span>', html).group(1)
    assert re.fullmatch(r"\d+:\d\d", value)


@pytest.mark.parametrize(
    ("language", "time"), [("en", "2:05 p.m."), ("fr", "14:05"), ("es", "14:05"), ("ar", "2:05 م")]
)
def test_saved_at_follows_the_language(client, settings, language, time):
    settings.TIME_ZONE = "UTC"
    session = action_session()
    client.post(reverse("join_room", args=[session.room_code]), {"nickname": "Ana"})
    person = Participant.objects.get(session=session, nickname="Ana")
    letters_services.safety_choose(participant=person, choice="name")
    letter = write(person)
    Letter.objects.filter(pk=letter.pk).update(updated_at=datetime(2024, 12, 10, 14, 5, tzinfo=UTC))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("letters:panel", args=[session.room_code])).content.decode()
    assert f'T14:05:00+00:00">{time}</time>' in html


def test_dates_on_the_dashboard_follow_the_language(client):
    session = live_session()
    client.force_login(session.facilitator)
    en = client.get(reverse("dashboard")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    fr = client.get(reverse("dashboard")).content.decode()
    assert en != fr
    created = timezone.localtime(session.created_at)
    assert created.strftime("%m/%d/%Y") in en  # SHORT_DATETIME_FORMAT, en: m/d/Y
    assert created.strftime("%d/%m/%Y") in fr  # fr: d/m/Y
