"""Hardened production settings and the security headers of every kind of
response (docs/security.md, "Headers and cookies")."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import OperationalError
from django.test import AsyncClient, Client
from django.urls import reverse

from activities.views import participant as participant_views
from tests.factories import join, live_session

ROOT = Path(__file__).resolve().parent.parent

EXPECTED_CSP = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}


def csp_directives(header):
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_hardened(response):
    """The headers every response carries, whatever made it."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert csp_directives(csp) == EXPECTED_CSP, csp
    assert "unsafe" not in csp and "http" not in csp and "data:" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy
    # HSTS is sent on HTTPS only; these requests are secure=True with the
    # production value switched on.
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.fixture
def https(settings):
    """What DJANGO_HTTPS=1 (the production default) turns on."""
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    return settings


pytestmark = pytest.mark.django_db


class TestEveryKindOfResponse:
    def test_an_html_page(self, client, https):
        response = client.get(reverse("home"), secure=True)
        assert response.status_code == 200
        assert_hardened(response)

    def test_a_redirect(self, client, https):
        response = client.get(reverse("dashboard"), secure=True)
        assert response.status_code == 302
        assert_hardened(response)

    def test_a_204_answer_to_htmx(self, client, https):
        session = live_session()
        client.force_login(session.facilitator)
        response = client.post(
            reverse("next_step", args=[session.room_code]), secure=True, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 204
        assert_hardened(response)

    def test_the_unchanged_poll(self, client, https):
        session = live_session()
        client.force_login(session.facilitator)
        response = client.get(
            reverse("control_poll", args=[session.room_code]),
            {"v": session.version},
            secure=True,
        )
        assert response.status_code == 204
        assert_hardened(response)

    def test_the_event_stream(self, https):
        session = live_session()
        person = join(session, "Ana")
        phone = Client()
        phone.post(reverse("join_room", args=[session.room_code]), {"nickname": "Bea"})
        cookie = phone.cookies[settings.PARTICIPANT_COOKIE].value

        async def open_stream():
            client = AsyncClient()
            client.cookies[settings.PARTICIPANT_COOKIE] = cookie
            return await client.get(reverse("room_events", args=[session.room_code]), secure=True)

        response = async_to_sync(open_stream)()
        assert person.pk  # the room has people in it
        assert response.status_code == 200
        assert response.streaming
        assert response["Content-Type"] == "text/event-stream"
        assert_hardened(response)

    def test_the_refused_event_stream(self, https):
        session = live_session()

        async def open_stream():
            return await AsyncClient().get(
                reverse("room_events", args=[session.room_code]), secure=True
            )

        response = async_to_sync(open_stream)()
        assert response.status_code == 403
        assert_hardened(response)

    def test_a_static_file_through_whitenoise(self, https):
        https.WHITENOISE_USE_FINDERS = True
        https.WHITENOISE_AUTOREFRESH = True
        response = Client().get("/static/w4r/app.css", secure=True)
        assert response.status_code == 200
        assert type(response).__name__ == "WhiteNoiseFileResponse"
        assert_hardened(response)

    def test_404(self, client, https):
        response = client.get("/no/such/page", secure=True)
        assert response.status_code == 404
        assert "There is nothing here" in response.content.decode()
        assert_hardened(response)

    def test_403_forged_csrf(self, https):
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("join"), {"code": "AAA-AAAA"}, secure=True)
        assert response.status_code == 403
        assert "That form has expired" in response.content.decode()
        assert_hardened(response)

    def test_400_too_big_a_body(self, client, https):
        response = client.post(
            reverse("join"), {"code": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}, secure=True
        )
        assert response.status_code == 400
        assert "The server could not understand that" in response.content.decode()
        assert_hardened(response)

    def test_405(self, client, https):
        response = client.delete(reverse("join"), secure=True)
        assert response.status_code == 405
        assert_hardened(response)

    def test_429(self, client, https):
        https.W4R_WRONG_CODE_RATE = "1/m"
        client.post(reverse("join"), {"code": "AAA-AAAA"}, secure=True)
        response = client.post(reverse("join"), {"code": "AAA-AAAA"}, secure=True)
        assert response.status_code == 429
        assert_hardened(response)

    def test_500(self, https, monkeypatch):
        def boom(*args, **kwargs):
            raise RuntimeError("a bug")

        monkeypatch.setattr(participant_views, "RoomCodeForm", boom)
        response = Client(raise_request_exception=False).get(reverse("home"), secure=True)
        assert response.status_code == 500
        assert "Something went wrong" in response.content.decode()
        assert "a bug" not in response.content.decode()
        assert_hardened(response)

    def test_503(self, https, monkeypatch):
        def down(*args, **kwargs):
            raise OperationalError("database is locked")

        monkeypatch.setattr(participant_views, "RoomCodeForm", down)
        response = Client(raise_request_exception=False).get(reverse("home"), secure=True)
        assert response.status_code == 503
        assert_hardened(response)

    def test_the_admin(self, admin_client, https):
        response = admin_client.get(reverse("admin:index"), secure=True)
        assert response.status_code == 200
        assert_hardened(response)


class TestCookies:
    @pytest.fixture
    def production(self, settings):
        settings.HTTPS = True
        settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
        settings.LANGUAGE_COOKIE_SECURE = True
        settings.SESSION_COOKIE_NAME = "__Host-sessionid"
        settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
        settings.LANGUAGE_COOKIE_NAME = "__Host-language"
        settings.PARTICIPANT_COOKIE = "__Host-w4r-participant"
        return settings

    def assert_host_cookie(self, cookie, name):
        # __Host-: Secure, path "/", no Domain; the browser refuses it otherwise.
        assert cookie.key == name
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""

    def test_the_participant_and_csrf_cookies(self, client, production):
        session = live_session()
        page = client.get(reverse("join_room", args=[session.room_code]), secure=True)
        self.assert_host_cookie(page.cookies["__Host-csrftoken"], "__Host-csrftoken")
        response = client.post(
            reverse("join_room", args=[session.room_code]), {"nickname": "Ana"}, secure=True
        )
        assert response.status_code == 302
        self.assert_host_cookie(
            response.cookies["__Host-w4r-participant"], "__Host-w4r-participant"
        )

    def test_the_session_cookie(self, client, production, django_user_model):
        django_user_model.objects.create_user("facilitator", password="a long passphrase 42")
        response = client.post(
            reverse("login"),
            {"username": "facilitator", "password": "a long passphrase 42"},
            secure=True,
        )
        assert response.status_code == 302
        self.assert_host_cookie(response.cookies["__Host-sessionid"], "__Host-sessionid")

    def test_the_language_cookie(self, client, production):
        response = client.post(reverse("set_language"), {"language": "fr"}, secure=True)
        self.assert_host_cookie(response.cookies["__Host-language"], "__Host-language")


@pytest.fixture(scope="module")
def production_env(tmp_path_factory):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "W4R_", "DATABASE_", "REDIS_"))
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-real-secret-" + "k3y-" * 12,
        W4R_DATA_DIR=str(tmp_path_factory.mktemp("deploy-check")),
    )
    return env


def run(env, *args):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


class TestWithoutASecretKey:
    """Commands run without DJANGO_SECRET_KEY; serving and `check --deploy` refuse."""

    @pytest.fixture
    def env(self, production_env):
        return {k: v for k, v in production_env.items() if k != "DJANGO_SECRET_KEY"}

    def test_checks_and_migrations_run(self, env):
        for command in (["check"], ["makemigrations", "--check", "--dry-run"]):
            result = run(env, "manage.py", *command)
            assert result.returncode == 0, result.stdout + result.stderr

    def test_check_deploy_fails(self, env):
        result = run(env, "manage.py", "check", "--deploy")
        assert result.returncode != 0
        assert "w4r.E001" in result.stderr and "Set DJANGO_SECRET_KEY" in result.stderr

    @pytest.mark.parametrize("module", ["w4r.asgi", "w4r.wsgi"])
    def test_serving_refuses(self, env, module):
        result = run(env, "-c", f"import {module}")
        assert result.returncode != 0
        assert "ImproperlyConfigured: Set DJANGO_SECRET_KEY" in result.stderr

    @pytest.mark.parametrize("module", ["w4r.asgi", "w4r.wsgi"])
    def test_development_serves_without_one(self, env, module):
        result = run({**env, "DJANGO_DEBUG": "1"}, "-c", f"import {module}")
        assert result.returncode == 0, result.stderr


class TestProductionSettings:
    @pytest.mark.parametrize("redis", [False, True], ids=["embedded", "with-redis"])
    def test_check_deploy_is_clean(self, production_env, redis):
        # The checks do not connect: no Redis server is needed for them.
        env = dict(production_env)
        if redis:
            env["REDIS_URL"] = "redis://127.0.0.1:6399/0"
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_cookies_and_hsts(self, production_env):
        code = (
            "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE']='w4r.settings';"
            "django.setup(); from django.conf import settings as s;"
            "print(json.dumps({k: getattr(s, k) for k in ["
            "'SESSION_COOKIE_NAME','SESSION_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY',"
            "'CSRF_COOKIE_NAME','CSRF_COOKIE_SECURE','CSRF_COOKIE_HTTPONLY',"
            "'LANGUAGE_COOKIE_NAME','LANGUAGE_COOKIE_SECURE','PARTICIPANT_COOKIE',"
            "'SECURE_HSTS_SECONDS','SECURE_SSL_REDIRECT','DEBUG']}))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=production_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        values = json.loads(result.stdout)
        assert values == {
            "SESSION_COOKIE_NAME": "__Host-sessionid",
            "SESSION_COOKIE_SECURE": True,
            "SESSION_COOKIE_HTTPONLY": True,
            "CSRF_COOKIE_NAME": "__Host-csrftoken",
            "CSRF_COOKIE_SECURE": True,
            "CSRF_COOKIE_HTTPONLY": True,
            "LANGUAGE_COOKIE_NAME": "__Host-language",
            "LANGUAGE_COOKIE_SECURE": True,
            "PARTICIPANT_COOKIE": "__Host-w4r-participant",
            "SECURE_HSTS_SECONDS": 31_536_000,
            "SECURE_SSL_REDIRECT": True,
            "DEBUG": False,
        }


INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on* event attribute"),
    (re.compile(r"\s(data-)?hx-on", re.I), "an hx-on attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"\|\s*safe\b"), "|safe (user text must stay text)"),
]
# Already-rendered, escaped template output passed through as a whole.
ALLOWED = {("templates/activities/_oob.html", "|safe")}


def test_no_template_needs_unsafe_inline():
    """Every template keeps to the CSP: scripts and styles from static files
    only. A new template (a step kind's too) that breaks this fails here."""
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE_CODE:
            for match in pattern.finditer(text):
                if (str(path.relative_to(ROOT)), match.group().replace(" ", "")) in ALLOWED:
                    continue
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert problems == []


def test_htmx_is_configured_without_eval_or_injected_styles(client):
    html = client.get(reverse("home")).content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', html).group(1)
    config = json.loads(config)
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["selfRequestsOnly"] is True
    # htmx's settling copies "style" with setAttribute, which the CSP refuses.
    assert "style" not in config["attributesToSettle"]
