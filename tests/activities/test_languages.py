"""Languages (issue 9): the language chooser on participants' and
facilitators' pages, the projector's own language, and which language a
screen shows the case in."""

import re
import shutil
from pathlib import Path

import pytest
import yaml
from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import AsyncClient, Client
from django.urls import reverse

from activities import services
from activities.casepacks.loader import load_pack
from activities.casepacks.translations import skeleton
from activities.live import bus
from activities.live.render import render_part
from activities.models import Session
from activities.services import SessionError
from tests.activities.test_live import parse_events
from tests.factories import PACK_2024, UserFactory, join, live_session

pytestmark = pytest.mark.django_db

NOTICE = re.compile(r'<p class="case-language">(.*?)</p>', re.S)


def html_of(response):
    return response.content.decode()


def html_tag(html):
    return re.search(r"<html [^>]*>", html).group(0)


def join_by_phone(client, session, nickname="Ana", **headers):
    return client.post(
        reverse("join_room", args=[session.room_code]), {"nickname": nickname}, headers=headers
    )


@pytest.fixture
def session():
    return live_session()


@pytest.fixture
def facilitator_client(client, session):
    client.force_login(session.facilitator)
    return client


# -- The chooser ------------------------------------------------------------------


def chooser(html):
    """The language form of a page: (its select's options, next, selected code)."""
    form = re.search(r'<form class="language-form".*?</form>', html, re.S)
    assert form, "no language chooser on the page"
    form = form.group(0)
    assert f'action="{reverse("set_language")}"' in form and 'method="post"' in form
    assert '<label for="language-select">' in form
    assert '<select id="language-select" name="language">' in form
    assert re.search(r'<button type="submit"[^>]*>[^<]+</button>', form)
    assert "csrfmiddlewaretoken" in form
    options = re.findall(
        r'<option value="([^"]+)" lang="[^"]+"(?: selected)?>([^<]+)</option>', form
    )
    selected = re.findall(r'<option value="([^"]+)"[^>]* selected>', form)
    next_url = re.search(r'name="next" value="([^"]*)"', form).group(1)
    return options, next_url, selected


class TestTheChooser:
    def test_the_join_page_names_each_language_in_itself(self, client, session):
        url = reverse("join_room", args=[session.room_code])
        options, next_url, selected = chooser(html_of(client.get(url)))
        assert options == [
            ("en", "English"),
            ("fr", "Français"),
            ("es", "Español"),
            ("ar", "العربية"),
        ]
        assert next_url == url
        assert selected == ["en"]

    def test_the_browser_language_is_the_default(self, client, session):
        url = reverse("join_room", args=[session.room_code])
        html = html_of(client.get(url, headers={"accept-language": "es-CO,es;q=0.9"}))
        assert 'lang="es" dir="ltr"' in html_tag(html)
        assert chooser(html)[2] == ["es"]
        html = html_of(client.get(url, headers={"accept-language": "ar"}))
        assert 'lang="ar" dir="rtl"' in html_tag(html)

    def test_choosing_a_language_goes_back_to_the_same_page_in_it(self, client, session):
        url = reverse("join_room", args=[session.room_code])
        response = client.post(
            reverse("set_language"),
            {"language": "fr", "next": url},
            headers={"accept-language": "en"},
        )
        assert response.status_code == 302 and response.url == url
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["httponly"]
        html = html_of(client.get(url, headers={"accept-language": "en"}))
        assert 'lang="fr"' in html_tag(html)  # the choice wins over the browser
        assert chooser(html)[2] == ["fr"]

    def test_a_language_the_app_does_not_offer_changes_nothing(self, client, session):
        url = reverse("join_room", args=[session.room_code])
        client.post(reverse("set_language"), {"language": "de", "next": url})
        assert 'lang="en"' in html_tag(html_of(client.get(url)))

    @pytest.mark.parametrize("name", ["home", "join", "login"])
    def test_other_entry_pages_have_it(self, client, name):
        chooser(html_of(client.get(reverse(name))))

    def test_the_room_has_it(self, client, session):
        join_by_phone(client, session)
        url = reverse("room", args=[session.room_code])
        assert chooser(html_of(client.get(url)))[1] == url

    def test_the_facilitators_pages_have_it(self, facilitator_client, session):
        for url in (reverse("dashboard"), reverse("control", args=[session.room_code])):
            assert chooser(html_of(facilitator_client.get(url)))[1] == url

    def test_the_projector_and_error_pages_do_not(self, facilitator_client, client, session):
        projector = html_of(facilitator_client.get(reverse("projector", args=[session.room_code])))
        assert "language-form" not in projector
        assert "language-form" not in html_of(client.get("/no/such/page"))


# -- The projector's language ----------------------------------------------------------


class TestProjectorLanguage:
    def test_a_new_session_takes_the_facilitators_language(self, client):
        user = UserFactory()
        load_pack(PACK_2024)
        client.force_login(user)
        form = html_of(client.get(reverse("dashboard")))
        activity = re.search(r'<option value="([^"]+)"', form.split('name="activity"')[1]).group(1)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
        response = client.post(
            reverse("session_create"), {"activity": activity, "title": "", "group_size": 4}
        )
        assert response.status_code == 302
        assert Session.objects.get(facilitator=user).projector_language == "ar"

    def test_the_site_default_otherwise(self, session):
        assert session.projector_language == "en"
        assert live_session(projector_language="xx").projector_language == "en"

    def test_the_service_sets_it_bumps_and_pushes_the_projector(
        self, session, monkeypatch, django_capture_on_commit_callbacks
    ):
        sent = []
        monkeypatch.setattr(bus, "publish", lambda sid, version, parts: sent.append(set(parts)))
        with django_capture_on_commit_callbacks(execute=True):
            changed = services.session_set_projector_language(session=session, language="es")
        assert changed.projector_language == "es"
        assert changed.version == session.version + 1
        assert sent == [{bus.PROJECTOR}]
        with django_capture_on_commit_callbacks(execute=True):
            same = services.session_set_projector_language(session=changed, language="es")
        assert same.version == changed.version and len(sent) == 1  # nothing changed

    @pytest.mark.parametrize("language", ["de", "", "fr-FR", "EN", "x" * 50])
    def test_only_an_offered_language(self, session, language):
        with pytest.raises(SessionError, match="not offered"):
            services.session_set_projector_language(session=session, language=language)
        session.refresh_from_db()
        assert session.projector_language == "en"

    def test_the_database_refuses_another(self, session):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            Session.objects.filter(pk=session.pk).update(projector_language="de")

    def test_the_control_view_has_a_labelled_select(self, facilitator_client, session):
        html = html_of(facilitator_client.get(reverse("control", args=[session.room_code])))
        form = re.search(r'<form[^>]*class="inline-form projector-language".*?</form>', html, re.S)
        assert form
        form = form.group(0)
        assert f'action="{reverse("projector_language", args=[session.room_code])}"' in form
        assert '<label for="projector-language">' in form
        assert '<option value="en" lang="en" selected>English</option>' in form

    def test_a_plain_post_redirects_back_to_the_control_view(self, facilitator_client, session):
        url = reverse("projector_language", args=[session.room_code])
        response = facilitator_client.post(url, {"language": "es"})
        assert response.status_code == 302
        assert response.url == reverse("control", args=[session.room_code])
        session.refresh_from_db()
        assert session.projector_language == "es"
        html = html_of(facilitator_client.get(response.url))
        assert '<option value="es" lang="es" selected>Español</option>' in html

    def test_an_htmx_post(self, facilitator_client, session):
        url = reverse("projector_language", args=[session.room_code])
        ok = facilitator_client.post(url, {"language": "ar"}, headers={"HX-Request": "true"})
        assert ok.status_code == 204
        refused = facilitator_client.post(url, {"language": "xx"}, headers={"HX-Request": "true"})
        assert refused.status_code == 409
        assert "not offered" in refused.content.decode()

    def test_another_facilitator_cannot(self, client, session):
        client.force_login(UserFactory())
        url = reverse("projector_language", args=[session.room_code])
        assert client.post(url, {"language": "es"}).status_code == 404
        session.refresh_from_db()
        assert session.projector_language == "en"

    def test_the_projector_page_speaks_it_whatever_the_browser_says(
        self, facilitator_client, session
    ):
        services.session_set_projector_language(session=session, language="ar")
        facilitator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        response = facilitator_client.get(
            reverse("projector", args=[session.room_code]), headers={"accept-language": "es"}
        )
        html = html_of(response)
        assert 'lang="ar" dir="rtl"' in html_tag(html)
        assert response["Content-Language"] == "ar"
        assert 'data-part-language="ar"' in html
        # ...while the control view stays in the facilitator's language.
        control = html_of(facilitator_client.get(reverse("control", args=[session.room_code])))
        assert 'lang="fr"' in html_tag(control)

    def test_the_projectors_poll_speaks_it(self, facilitator_client, session):
        services.session_set_projector_language(session=session, language="es")
        facilitator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        html = html_of(
            facilitator_client.get(reverse("projector_poll", args=[session.room_code]), {"v": 0})
        )
        assert 'data-part-language="es"' in html

    def test_the_pushed_projector_speaks_it_whatever_its_stream_opened_with(self, session):
        """After a change the open stream (opened in the old language) gets the
        new one, and the page reloads on seeing it (static/w4r/live.js)."""
        services.session_set_projector_language(session=session, language="es")
        _name, html, _version = render_part(session.pk, bus.PROJECTOR, "en")
        assert 'data-part-language="es"' in html
        _name, stage, _version = render_part(session.pk, bus.STAGE, "fr")
        assert "data-part-language" not in stage


@pytest.mark.django_db(transaction=True)
def test_the_projector_stream_opens_in_the_projector_language():
    session = live_session(projector_language="es")
    facilitator = session.facilitator

    async def first_projector_event():
        client = AsyncClient()
        await client.aforce_login(facilitator)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        response = await client.get(reverse("projector_events", args=[session.room_code]))
        chunks = []
        async for chunk in response.streaming_content:
            chunks.append(chunk)
            events = dict(parse_events(chunks))
            if "projector" in events:
                await response.streaming_content.aclose()
                return events["projector"]

    assert 'data-part-language="es"' in async_to_sync(first_projector_event)()


# -- Which language the case is shown in -------------------------------------------------


def bracketed(tree, language):
    """Every text of a skeleton, as "[fr] text"."""
    if isinstance(tree, str):
        return f"[{language}] {tree}"
    if isinstance(tree, dict):
        return {key: bracketed(value, language) for key, value in tree.items()}
    if isinstance(tree, list):
        return [bracketed(item, language) for item in tree]
    return tree


@pytest.fixture
def french_session(tmp_path):
    """A session on the 2024 pack with every text translated into "French"."""
    folder = Path(shutil.copytree(PACK_2024, tmp_path / "pack"))
    shutil.rmtree(folder / "translations", ignore_errors=True)
    data = yaml.safe_load((folder / "pack.yaml").read_text(encoding="utf-8"))
    (folder / "translations").mkdir()
    (folder / "translations" / "fr.yaml").write_text(
        yaml.safe_dump(bracketed(skeleton(data), "fr"), allow_unicode=True), encoding="utf-8"
    )
    version = load_pack(folder).version
    return services.session_create(
        facilitator=UserFactory(),
        case_version=version,
        activity_key=version.content.activities[0].key,
        origin="http://testserver",
    )


@pytest.fixture
def english_session(tmp_path):
    """A session on the 2024 pack without its translations."""
    folder = Path(shutil.copytree(PACK_2024, tmp_path / "english"))
    shutil.rmtree(folder / "translations", ignore_errors=True)
    version = load_pack(folder).version
    return services.session_create(
        facilitator=UserFactory(),
        case_version=version,
        activity_key=version.content.activities[0].key,
        origin="http://testserver",
    )


def phone_in(client, session, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    join_by_phone(client, session, f"Ana-{language}")
    return client


def room(client, session):
    return html_of(client.get(reverse("room", args=[session.room_code])))


def step_title(session):
    """The current step's title in the pack's own language."""
    title = session.step.data["title"]
    return title["en"] if isinstance(title, dict) else title


class TestCaseLanguage:
    def test_a_pack_with_the_readers_language_shows_it_with_no_notice(self, client, french_session):
        session = services.session_next_step(session=french_session)
        html = room(phone_in(client, session, "fr"), session)
        assert f"<h1>[fr] {step_title(session)}</h1>" in html
        assert not NOTICE.search(html)
        assert 'lang="en" dir="auto"' not in html

    def test_the_same_pack_in_another_language_says_so_once(self, client, french_session):
        session = services.session_next_step(session=french_session)
        html = room(phone_in(client, session, "es"), session)
        assert f'<h1 lang="en" dir="auto">{step_title(session)}</h1>' in html
        notices = NOTICE.findall(html)
        assert len(notices) == 1
        # The languages are named in the reader's language (Django's own catalog).
        assert "inglés" in notices[0] and "español" in notices[0]

    def test_the_lobby_too(self, client, french_session):
        html = room(phone_in(client, french_session, "es"), french_session)
        assert len(NOTICE.findall(html)) == 1
        assert re.search(r'<p lang="en" dir="auto">Maryia', html)
        html = room(phone_in(Client(), french_session, "fr"), french_session)
        assert not NOTICE.search(html)
        assert "<p>[fr] Maryia" in html

    def test_a_pack_only_partly_translated_says_some(self, client, french_session):
        data = french_session.case_version.data
        index = 0
        data["activities"][0]["steps"][index]["title"] = "Only in English"
        french_session.case_version.save()
        session = services.session_next_step(session=french_session)
        html = room(phone_in(client, session, "fr"), session)
        (notice,) = NOTICE.findall(html)
        assert '<h1 lang="en" dir="auto">Only in English</h1>' in html
        assert "anglais" in notice and "français" in notice  # lower case inside a sentence
        assert "[fr]" in html  # the rest of the step is in French

    def test_an_english_reader_of_an_english_pack_sees_nothing_special(self, client, session):
        session = services.session_next_step(session=session)
        html = room(phone_in(client, session, "en"), session)
        assert not NOTICE.search(html)
        assert 'lang="en" dir="auto"' not in html and f"<h1>{step_title(session)}</h1>" in html

    def test_arabic_readers_get_the_english_text_marked_left_to_right(
        self, client, english_session
    ):
        session = services.session_next_step(session=english_session)
        html = room(phone_in(client, session, "ar"), session)
        assert 'lang="ar" dir="rtl"' in html_tag(html)
        assert f'<h1 lang="en" dir="auto">{step_title(session)}</h1>' in html
        assert len(NOTICE.findall(html)) == 1

    @pytest.mark.parametrize("language", ["fr", "es", "ar"])
    def test_the_bundled_pack_speaks_the_apps_languages(self, client, session, language):
        """casepacks/2024-maryia-kalesnikava/translations/: every step in
        French, Spanish and Arabic, with no notice."""
        phone = phone_in(client, session, language)
        for step in session.activity.steps:
            session = services.session_go_to_step(session=session, step_key=step.key)
            html = room(phone, session)
            title = session.step.data["title"]
            assert isinstance(title, dict) and title[language] in html
            assert not NOTICE.search(html), step.key
            assert 'lang="en" dir="auto"' not in html, step.key

    def test_the_projector_in_its_own_language(self, client, french_session):
        session = services.session_next_step(session=french_session)
        client.force_login(session.facilitator)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"  # the laptop's own language
        services.session_set_projector_language(session=session, language="es")
        html = html_of(client.get(reverse("projector", args=[session.room_code])))
        assert f'<h1 lang="en" dir="auto">{step_title(session)}</h1>' in html
        assert len(NOTICE.findall(html)) == 1
        services.session_set_projector_language(session=session, language="fr")
        html = html_of(client.get(reverse("projector", args=[session.room_code])))
        assert f"<h1>[fr] {step_title(session)}</h1>" in html
        assert not NOTICE.search(html)

    def test_the_control_view(self, client, french_session):
        session = services.session_next_step(session=french_session)
        client.force_login(session.facilitator)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        html = html_of(client.get(reverse("control", args=[session.room_code])))
        assert len(NOTICE.findall(html)) == 1
        assert f'<h2 lang="en" dir="auto">{step_title(session)}</h2>' in html
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        html = html_of(client.get(reverse("control", args=[session.room_code])))
        assert not NOTICE.search(html)

    def test_the_pushed_stage_is_marked_per_language(self, french_session):
        session = services.session_next_step(session=french_session)
        join(session, "Ana")
        _name, spanish, _version = render_part(session.pk, bus.STAGE, "es")
        _name, french, _version = render_part(session.pk, bus.STAGE, "fr")
        assert len(NOTICE.findall(spanish)) == 1 and not NOTICE.search(french)

    @pytest.mark.parametrize("kind_index", range(5))
    def test_every_step_in_french_has_no_notice_and_no_english(
        self, client, french_session, kind_index
    ):
        session = services.session_go_to_step(
            session=french_session, step_key=french_session.activity.steps[kind_index].key
        )
        html = room(phone_in(client, session, "fr"), session)
        assert not NOTICE.search(html)
        assert 'lang="en" dir="auto"' not in html
