"""Django's SQLite backend, with the app's writers queued in the process.

SQLite lets one transaction write at a time; the settings make every
transaction take the write lock at BEGIN (IMMEDIATE), and a writer that finds
it taken waits in SQLite's busy handler: it sleeps and tries again, 1, 2, 5
... up to 100 ms at a time. With a few writers that is fine. With a hall of
phones saving drafts (hundreds of request threads at once), the lock is free
most of the time while every waiter sleeps, and throughput collapses: the
benchmark saw 6 saves a second on a core half idle (docs/performance.md).

Here a transaction first takes a lock of this process, so the process's own
writers queue in line and each starts the moment the one before commits;
SQLite's busy handler is left to arbitrate between processes (a management
command beside the server). Waiting longer than the busy timeout fails as
SQLite would, with "database is locked".
"""

import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_writers = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer_lock = False

    def _start_transaction_under_autocommit(self):
        timeout = self.settings_dict.get("OPTIONS", {}).get("timeout", 5)
        if not _writers.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        self._holds_writer_lock = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _release_writer_lock(self):
        if self._holds_writer_lock:
            self._holds_writer_lock = False
            _writers.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer_lock()
