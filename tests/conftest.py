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
