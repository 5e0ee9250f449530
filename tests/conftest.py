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
def _fresh_counters():
    # Rate-limit counters live in the cache (LocMemCache in tests): every
    # test starts with none, whatever the tests before it did from 127.0.0.1.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
