import time

import pytest


@pytest.fixture(autouse=True)
def _plain_static_files(settings, tmp_path):
    # Templates call {% static %}; the hashed-name manifest exists only after
    # collectstatic, which the unit tests do not run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOADS_ROOT = tmp_path / "uploads"
    # Hashing a password the production way takes a good part of a second;
    # tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_language_left_behind():
    # A request through LocaleMiddleware leaves its language (a French
    # cookie, an Arabic browser) active in the thread: the next test would
    # read its messages in that language.
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _nothing_kept_from_the_test_before():
    # The app keeps each case version's content for the process's life (a
    # loaded version never changes), and a poll's renders for two seconds;
    # tests change a version in place and roll it back, and the next test's
    # session may get the same id: none may see what the test before it kept.
    yield
    from activities.live.render import forget_recent_renders
    from activities.models import forget_case_contents

    forget_case_contents()
    forget_recent_renders()


@pytest.fixture(autouse=True)
def _fresh_counters(monkeypatch):
    # Rate-limit counters live in the cache (LocMemCache in tests): every
    # test starts with none, whatever the tests before it did from 127.0.0.1.
    # And the limiter's clock stands still: its minute windows are fixed in
    # time, so a test whose requests straddled the turn of one saw its count
    # start again (seen once in a full run).
    from types import SimpleNamespace

    import django_ratelimit.core
    from django.core.cache import cache

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    # On SQLite the test database is a file, as in production (WAL, busy
    # timeout, IMMEDIATE transactions), not Django's shared in-memory database,
    # whose table locks fail concurrent writers at once instead of queueing
    # them: tests with several writers at the same time then test what runs.
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] in ("w4r.sqlite", "django.db.backends.sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("database") / "test.sqlite3"
        )
