"""``<field>__any_of=[...]``: the field's value is one of a list, sent to PostgreSQL as one array parameter
(``= ANY(%s)``) instead of one parameter per value (``IN (%s, %s, ...)``).

PostgreSQL plans both alike (it turns an IN list into ``= ANY(ARRAY[...])``), but Django prepares, renders
and quotes an IN list value by value: the global search puts the few hundred enterprises a name matches
into every group's query, and the lists were a third of its Python time (``python -m bench pages``). The
statement's text also no longer depends on the list's length. On other databases (SQLite locally) it is
an IN list.
"""

from django.db.models import Field
from django.db.models.fields.related import ForeignObject
from django.db.models.lookups import In, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]  # ids only: checked here, in one pass

    def as_sql(self, compiler, connection):
        # Elsewhere: Django's own IN list (an empty list matches nothing, as IN does).
        return In(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Typed as the column (psycopg would pick the smallest integer type that holds the values).
        array_type = self.lhs.output_field.cast_db_type(connection)
        return f"{lhs} = ANY(%s::{array_type}[])", [*lhs_params, self.rhs]


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)
