"""Accessibility rules the templates keep, checked without a browser (the
browser tests in tests/browser/ run axe-core, keyboards and slow phones):
the password reset pages in the app's own frame, the markup live.js needs to
keep the focus and to announce changes, the hint for phones without
scripts, and the test-only axe-core file out of the app's static files."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.urls import reverse

from activities import services
from activities.models import Participant
from activities.steps import protest_ideas
from tests.factories import ROOT, UserFactory, join, live_session

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def in_app_frame(html):
    """The app's own page: skip link, main landmark, no admin styles."""
    return (
        'class="skip-link" href="#main"' in html
        and '<main id="main"' in html
        and ("admin/css" not in html)
    )


class TestPasswordReset:
    def test_the_whole_reset_in_the_apps_own_pages(self, client):
        UserFactory(username="teacher", email="teacher@example.org")
        page = client.get(reverse("password_reset")).content.decode()
        assert in_app_frame(page)
        assert '<label for="id_email">Email</label>' in page

        response = client.post(reverse("password_reset"), {"email": "teacher@example.org"})
        assert response.status_code == 302
        done = client.get(response.url).content.decode()
        assert in_app_frame(done) and "We’ve emailed you instructions" in done

        link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
        response = client.get(link)  # Django moves the token out of the address
        assert response.status_code == 302
        form = client.get(response.url).content.decode()
        assert in_app_frame(form)
        assert '<label for="id_new_password1">New password</label>' in form
        assert '<label for="id_new_password2">New password confirmation</label>' in form
        response = client.post(
            response.url,
            {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"},
        )
        assert response.status_code == 302
        complete = client.get(response.url).content.decode()
        assert in_app_frame(complete) and "Your password has been set" in complete

    def test_a_spent_link_says_so_and_offers_a_new_one(self, client):
        page = client.get("/accounts/reset/MQ/set-password/").content.decode()
        assert in_app_frame(page)
        assert "The password reset link was invalid" in page
        assert f'href="{reverse("password_reset")}"' in page

    def test_the_forgotten_password_link_is_a_target_of_its_own(self, client):
        page = client.get(reverse("login")).content.decode()
        assert '<p class="link-line"><a href="/accounts/password_reset/">' in page


class TestLiveMarkup:
    def test_phones_without_scripts_are_told_how_to_follow(self, client):
        session = live_session()
        client.post(reverse("join_room", args=[session.room_code]), {"nickname": "Ana"})
        html = client.get(reverse("room", args=[session.room_code])).content.decode()
        note = re.search(r'<p class="no-live notice">(.*?)</p>', html, re.S).group(1)
        assert "does not change by itself" in note
        assert f'href="{reverse("room", args=[session.room_code])}"' in note

    def test_the_control_view_keeps_typed_values_and_names_its_buttons(self, client):
        session = live_session()
        client.force_login(session.facilitator)
        html = client.get(reverse("control", args=[session.room_code])).content.decode()
        size = re.search(r'<input id="group-size"[^>]*>', html).group(0)
        assert "hx-preserve" in size
        for button in ("next-step-button", "previous-step-button", "end-session-button"):
            assert html.count(f'id="{button}"') == 1
        services.session_next_step(session=session, from_step="")
        html = client.get(reverse("control", args=[session.room_code])).content.decode()
        assert html.count('id="timer-button"') == 1

    def test_a_groups_ideas_mark_the_others_and_ones_own_crossed_out(self, client):
        session = live_session()
        step = next(s for s in session.activity.steps if s.kind == "protest_ideas")
        session = services.session_go_to_step(session=session, step_key=step.key)
        client.post(reverse("join_room", args=[session.room_code]), {"nickname": "Ana"})
        ana = Participant.objects.get(session=session, nickname="Ana")
        bo = join(session, "Bo")
        protest_ideas.idea_add(participant=bo, step_key=step.key, text="Bo's idea")
        mine = protest_ideas.idea_add(participant=ana, step_key=step.key, text="Ana's idea")
        protest_ideas.idea_cross_out(idea=mine)

        html = client.get(reverse("group_ideas", args=[session.room_code])).content.decode()
        watcher = re.search(r'<div id="group-ideas-[^"]+"[^>]*>', html).group(0)
        assert 'data-announce-more="[data-theirs]"' in watcher
        assert 'data-announce-message="A new idea in your group."' in watcher
        crossed = re.search(r'<ul class="idea-list"[^>]*>', html).group(0)
        assert 'data-announce-more="[data-mine-crossed]"' in crossed
        items = re.findall(r'<li class="idea[^"]*"[^>]*>', html)
        assert len(items) == 2
        assert sum("data-theirs" in item for item in items) == 1
        assert sum("data-mine-crossed" in item for item in items) == 1


class TestAdminPages:
    def test_the_admin_carries_the_apps_fixes(self, client):
        admin = UserFactory(username="section-admin", is_staff=True, is_superuser=True)
        client.force_login(admin)
        for url in (reverse("admin:index"), reverse("admin:activities_case_changelist")):
            html = client.get(url).content.decode()
            assert re.search(r'<link rel="stylesheet" href="/static/w4r/admin\.css">', html), url
            assert "W4R Live" in html  # the branding kept
        css = (ROOT / "static" / "w4r" / "admin.css").read_text(encoding="utf-8")
        assert ".breadcrumbs a { text-decoration: underline; }" in css


class TestAxeAsset:
    def test_axe_core_is_a_test_asset_the_app_never_serves(self):
        asset = ROOT / "tests" / "browser" / "assets" / "axe.min.js"
        assert asset.read_text(encoding="utf-8").startswith("/*! axe v4.14.1")
        assert (
            (asset.parent / "LICENSE")
            .read_text(encoding="utf-8")
            .startswith("Mozilla Public License")
        )
        assert finders.find("axe.min.js") is None
        assert finders.find("assets/axe.min.js") is None
