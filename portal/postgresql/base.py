"""Django's PostgreSQL backend, with a health check that costs no round trip when the connection is fine, and
server-side parameter binding (prepared statements) on request.

Health check. With ``CONN_HEALTH_CHECKS`` Django runs ``SELECT 1`` before the first query of every request
that reuses a persistent connection: a whole round trip to the server, a third of what the loan list API
spends talking to PostgreSQL (docs/performance.md §1). An idle connection has nothing to read, so a socket
with data waiting, or closed, is one the server has spoken on or hung up: a restart, a failover,
``pg_terminate_backend`` or an idle timeout all send a FATAL message and close. Only then is ``SELECT 1``
run (which also tells a harmless parameter-status message from a dead connection); otherwise the connection
is used as it is. A connection cut without a word (a pulled cable, no FIN) is not seen by either check until
a query fails, and Django replaces it after that request.

Prepared statements. Django binds parameters on the client (``server_side_binding`` off), so PostgreSQL
parses and plans every query afresh; for the short queries an API request runs (a token's identity, a page
of loans) planning costs as much as executing. Binding on the server lets psycopg prepare a query the
connection has run five times (``PREPARE_THRESHOLD``). It is used only where asked (``server_binding``):
turned on for every query it changes how some SQL the ORM writes is typed (a GROUP BY over a CASE with
parameters is refused). Prepared statements need a session of one's own: behind PgBouncer, use session
pooling or PgBouncer 1.21+ with ``max_prepared_statements`` (docs/operations.md).
"""

import select
from contextlib import contextmanager

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper
from django.db.backends.postgresql.base import ServerBindingCursor

PREPARE_THRESHOLD = 5  # runs of one query on a connection before it is prepared (psycopg's default)


class DatabaseWrapper(PostgresDatabaseWrapper):
    def is_usable(self):
        if self.connection is None or self.connection.closed or self.connection.broken:
            return False
        try:
            readable, _writable, _failed = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        if readable:
            return super().is_usable()
        return True

    @contextmanager
    def server_binding(self):
        """Cursors opened inside bind parameters on the server (see the module's docstring)."""
        self.ensure_connection()
        raw = self.connection
        previous = raw.cursor_factory, raw.prepare_threshold
        # Django turns preparing off for the connection (for poolers); here it is psycopg's default again.
        raw.cursor_factory, raw.prepare_threshold = ServerBindingCursor, PREPARE_THRESHOLD
        try:
            yield
        finally:
            raw.cursor_factory, raw.prepare_threshold = previous
