"""Reads made on every API request, compiled to SQL once per process instead of once per call, and on
PostgreSQL also planned once per connection.

Django compiles a queryset to SQL each time it runs: 0.3–0.8 ms of CPU for a one-table read on a 2-core
server, several times what PostgreSQL spends answering it. The patient detail made ten such reads a
request (token, memberships, patient, six kinds of record), most of its time. A `PreparedRead` keeps
the SQL of a `values_list` queryset and runs it with new values; the queryset stays the statement of
what is read, and its rows come back as the ORM would return them (the backend's converters applied:
SQLite's dates are text until converted).

On PostgreSQL the statement is also PREPAREd once per connection (Django prepares none, for the sake of
connection poolers): planning cost PostgreSQL more than running these reads. A pooler in transaction
mode must keep prepared statements per client (PgBouncer's `max_prepared_statements`).
"""
from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

_names = itertools.count(1)


class PreparedRead:
    """`read(*values)` → the rows of `build(*values)`, compiled once with `placeholders`.

    Each placeholder must reach the SQL unchanged, as one parameter: use it in exact lookups only
    (`pk=…`, `key_digest=…`), and pick values no real row has. `columns` names the rows' items.
    """

    def __init__(self, build: Callable[..., QuerySet], *placeholders):
        self.build = build
        self.placeholders = placeholders
        self.number = next(_names)
        self._compiled = {}
        self._prepared_on = weakref.WeakSet()  # the PostgreSQL connections that have the statement

    @property
    def columns(self) -> tuple[str, ...]:
        return self._compile(connections[DEFAULT_DB_ALIAS])["columns"]

    def __call__(self, *values) -> list[tuple]:
        return read_together((self, values))[0]

    def _statement(self, db, cursor, values) -> tuple[str, list]:
        """The SQL to run with its parameters; on PostgreSQL, EXECUTE of the statement, PREPAREd first
        where this connection has not."""
        compiled = self._compile(db)
        params = [values[slot] if slot is not None else param for slot, param in compiled["slots"]]
        if db.vendor != "postgresql":
            return compiled["sql"], params
        if db.connection not in self._prepared_on:
            cursor.execute(compiled["prepare"])
            self._prepared_on.add(db.connection)
        return compiled["execute"], params

    def _rows(self, db, rows: list[tuple]) -> list[tuple]:
        converters = self._compile(db)["converters"]
        return _converted(db, rows, converters) if converters else rows

    def _compile(self, db) -> dict:
        # Per backend: the tests run the same code on SQLite and PostgreSQL.
        compiled = self._compiled.get(db.vendor)
        if compiled is None:
            compiled = self._compiled[db.vendor] = self._compiled_now(db)
        return compiled

    def _compiled_now(self, db) -> dict:
        query = self.build(*self.placeholders).query
        if not query.selected:
            raise TypeError("A prepared read is a values_list() queryset naming its fields.")
        compiler = query.get_compiler(connection=db)
        sql, params = compiler.as_sql()
        slots = _slots(params, self.placeholders)
        if sorted(slot for slot, _ in slots if slot is not None) != list(range(len(self.placeholders))):
            raise ValueError(f"Each placeholder must appear once among the parameters {params!r}.")
        converters = compiler.get_converters([expression for expression, *_ in compiler.select[:compiler.col_count]])
        # The values_list fields, in the order the SQL selects them.
        return _compiled(sql, slots, f"{query.model._meta.db_table}_{self.number}", tuple(query.selected),
                         list(converters.items()))


class PreparedSQL(PreparedRead):
    """A read composed by hand: `build(db)` → (sql, params, column names), for what a queryset does not
    say, such as a document built by PostgreSQL from several querysets' SQL. Every parameter equal to
    a placeholder is that placeholder (it may appear several times); the rows are as the driver reads
    them (no converters)."""

    def _compiled_now(self, db) -> dict:
        sql, params, columns = self.build(db)
        slots = _slots(params, self.placeholders)
        if {slot for slot, _ in slots if slot is not None} != set(range(len(self.placeholders))):
            raise ValueError(f"Each placeholder must appear among the parameters {params!r}.")
        return _compiled(sql, slots, f"sql_{self.number}", tuple(columns), [])


def _slots(params, placeholders) -> list[tuple[int | None, object]]:
    """Each parameter as (the placeholder it is, or None for a constant; its value)."""
    return [(placeholders.index(param) if param in placeholders else None, param) for param in params]


def _compiled(sql: str, slots: list, name: str, columns: tuple, converters: list) -> dict:
    name = f"read_{name}"  # as it shows in query logs
    numbers = itertools.count(1)
    numbered = re.sub(r"%(s|%)", lambda match: f"${next(numbers)}" if match[1] == "s" else "%", sql)
    return {
        "sql": sql, "slots": slots, "columns": columns, "converters": converters,
        "prepare": f"PREPARE {name} AS {numbered}",
        "execute": f"EXECUTE {name}({', '.join(['%s'] * len(slots))})" if slots else f"EXECUTE {name}",
    }


def read_together(*reads: tuple[PreparedRead, tuple]) -> list[list[tuple]]:
    """The rows of each (read, values); on PostgreSQL in one round trip, the statements sent as one
    query: each round trip cost two context switches between the server and PostgreSQL."""
    db = connections[DEFAULT_DB_ALIAS]  # looked up once: each look-up goes through a thread-local
    with db.cursor() as cursor:
        statements = [read._statement(db, cursor, values) for read, values in reads]
        if db.vendor != "postgresql":
            results = []
            for sql, params in statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
        else:
            cursor.execute("; ".join(sql for sql, _ in statements), [p for _, params in statements for p in params])
            results = [cursor.fetchall()]
            while cursor.nextset():
                results.append(cursor.fetchall())
    return [read._rows(db, rows) for (read, _), rows in zip(reads, results, strict=True)]


def _converted(db, rows: list[tuple], converters: list) -> list[tuple]:
    converted = []
    for row in rows:
        row = list(row)
        for position, (functions, expression) in converters:
            for function in functions:
                row[position] = function(row[position], expression, db)
        converted.append(tuple(row))
    return converted
