import os

# Settings read the environment once, when pytest-django sets Django up
# (after this file is imported): a test-only secret, plain-HTTP cookies.
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault("W4R_DEMO_FACILITATOR", "1")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _plain_static_files(settings, tmp_path):
    # Templates call {% static %}; the hashed-name manifest exists only after
    # collectstatic, which the unit tests do not run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
