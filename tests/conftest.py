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


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    # On SQLite the test database is a file, as in production (WAL, busy
    # timeout, IMMEDIATE transactions), not Django's shared in-memory database,
    # whose table locks fail concurrent writers at once instead of queueing
    # them: tests with several writers at the same time then test what runs.
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("database") / "test.sqlite3"
        )
