"""Cursors for the few statements every API call runs (token, rate limit, person, audit).

Django's PostgreSQL backend binds parameters on the client (psycopg's ClientCursor):
each statement reaches the server as new text, so PostgreSQL parses and plans it on
every call. For the API's hot statements that was ~40 % of the server's CPU per call
(measured with the full register: 0.95 ms of PostgreSQL CPU per lookup). `hot_cursor()`
gives, on PostgreSQL, a server-binding psycopg cursor on Django's own connection (same
transaction, same type adapters) whose `execute` prepares each statement once per
connection and then only sends its parameters. On SQLite it is Django's cursor: the
sqlite3 module already keeps compiled statements in its per-connection cache.

Only for fixed SQL with `%s` placeholders; everything else goes through Django.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection


class _Prepared:
    def __init__(self, cursor):
        self._cursor = cursor

    def execute(self, sql: str, params=()):
        # Django's wrapper turns driver errors into django.db errors and marks the
        # connection for the end-of-request health check, as its own cursors do.
        with connection.wrap_database_errors:
            return self._cursor.execute(sql, params, prepare=True)

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self):
        return self._cursor.fetchall()


@contextlib.contextmanager
def hot_cursor() -> Iterator:
    if connection.vendor != "postgresql":
        with connection.cursor() as cur:
            yield cur
        return
    import psycopg

    # Open Django's connection as any of its own queries would, and refuse a connection
    # shared across threads, as Django's cursors do.
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with psycopg.Cursor(connection.connection) as cur:
        yield _Prepared(cur)
