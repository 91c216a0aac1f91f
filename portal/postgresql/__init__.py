"""Django's PostgreSQL backend with a health check that costs no round trip, and prepared statements for the
hottest queries (``base.DatabaseWrapper``)."""

from contextlib import nullcontext
from functools import wraps

from django.db import connection as default_connection


def prepared_statements(connection):
    """A context in which ``connection``'s queries bind their parameters on the server, so psycopg prepares a
    statement the connection runs often and PostgreSQL plans it once (``base.DatabaseWrapper.server_binding``).
    On another database (SQLite locally) nothing changes."""
    binding = getattr(connection, "server_binding", None)
    return binding() if binding is not None else nullcontext()


def prepared_statements_view(view):
    """A view whose queries, the template's included, run in ``prepared_statements``: for the pages opened
    all day whose queries keep their shape (the home pages, a bank's queue, a loan, the reviewers' list:
    ``python -m bench pages`` measured PostgreSQL's planning at most of each short query's time there).
    Not for pages whose best plan depends on what was typed (the search: a generic plan for ``LIKE $1``
    cannot use the prefix index, and the page got twice as slow). The view must render inside itself
    (``render``, not a lazy ``TemplateResponse``)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with prepared_statements(default_connection):
            return view(request, *args, **kwargs)

    return wrapper
