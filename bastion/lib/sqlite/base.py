"""Django's SQLite backend, with writers queued on a lock instead of sleeping on SQLite's.

SQLite lets one writer at a time hold the database; a connection that finds it taken sleeps
and retries (1 ms, 2 ms, 5 ms, 10 ms … up to the timeout), however soon the holder lets go.
At the morning peak, with two server processes of several threads each, those sleeps left
a quarter of the machine idle while check-ins waited. Here every write transaction (Bastion
opens them all with BEGIN IMMEDIATE) first takes an exclusive flock on `<database>.lock`:
the kernel wakes the next writer the moment the lock is released, in every process. Threads
of one process queue on a threading lock first, with the same timeout as SQLite's, so a
stuck transaction still ends in "database is locked" rather than a hang.

In-memory databases (the test suite) are one process's own: nothing to lock.
"""

import fcntl
import os
import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_PROCESS_LOCKS: dict = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def _process_lock(path: str):
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(path, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd: int | None = None
    _lock_held = None  # the process lock, while this connection holds the write lock

    def _write_lock_acquire(self) -> None:
        if self.is_in_memory_db():
            return
        path = f"{self.settings_dict['NAME']}.lock"
        lock = _process_lock(path)
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not lock.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        try:
            if self._lock_fd is None:
                self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        except BaseException:
            lock.release()
            raise
        self._lock_held = lock

    def _write_lock_release(self) -> None:
        lock, self._lock_held = self._lock_held, None
        if lock is None:
            return
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        finally:
            lock.release()

    def _start_transaction_under_autocommit(self):
        self._write_lock_acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._write_lock_release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._write_lock_release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._write_lock_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._write_lock_release()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
