import os
import shutil

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
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, tmp_path_factory, request
):
    # SQLite tests use a database file, in WAL mode like production, not the
    # in-memory database Django tests default to: two connections to a
    # shared in-memory database fail with "database table is locked" where
    # two requests to the real file queue behind the busy timeout, so only a
    # file lets a test run concurrent writers (test_matching_concurrency).
    # The file goes to memory-backed /dev/shm where there is one: on disk,
    # the flushes between transactional tests double the suite's time.
    import tempfile
    from pathlib import Path

    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        shm = Path("/dev/shm")
        if shm.is_dir() and os.access(shm, os.W_OK):
            folder = Path(tempfile.mkdtemp(prefix="w4r-tests-", dir=shm))
            request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
        else:
            folder = tmp_path_factory.mktemp("sqlite")
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
