"""Django's PostgreSQL backend with a health check that costs no round trip, and prepared statements for the
hottest queries (``base.DatabaseWrapper``)."""

from contextlib import nullcontext


def prepared_statements(connection):
    """A context in which ``connection``'s queries bind their parameters on the server, so psycopg prepares a
    statement the connection runs often and PostgreSQL plans it once (``base.DatabaseWrapper.server_binding``).
    On another database (SQLite locally) nothing changes."""
    binding = getattr(connection, "server_binding", None)
    return binding() if binding is not None else nullcontext()
