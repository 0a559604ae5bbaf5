"""Batched statements below the ORM: one bound id list and plain DBAPI executemany.

For hot write paths (scoring a million stored listings, bulk loads) SQLAlchemy's per-row
parameter processing and an ``IN (...)`` of thousands of expanded parameters cost more than the
database's own work.  ``id_in`` binds a whole id list as one parameter (a JSON array read by
``json_each`` on SQLite, an array on PostgreSQL), so the statement compiles once and is cached;
``execute_many`` hands tuples straight to the driver, with values already in the form the
column types would have produced (``bind_timestamp``, ``bind_json``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY

__all__ = ["id_in", "execute_many", "bind_timestamp", "bind_json", "sqlite_timestamp"]


def id_in(column: Any, ids: Sequence[int], dialect: str, *, name: str = "ids") -> ColumnElement[bool]:
    """``column IN ids`` with the ids bound as one parameter (a cached statement, no expansion)."""
    if dialect == "sqlite":
        values: Any = select(literal_column("value")).select_from(func.json_each(bindparam(name, json.dumps(list(ids)))))
        return column.in_(values.scalar_subquery())  # type: ignore[no-any-return]
    return column == any_(bindparam(name, list(ids), type_=ARRAY(BigInteger)))  # type: ignore[no-any-return]


def sqlite_timestamp(value: datetime) -> str:
    """A timestamp as SQLAlchemy's SQLite DATETIME stores it (UTC, no zone), so comparisons agree."""
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def bind_timestamp(value: datetime | None, dialect: str) -> object:
    """``value`` as ``UTCDateTime`` would bind it for ``dialect``."""
    if value is None:
        return None
    if dialect == "sqlite":
        return sqlite_timestamp(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def bind_json(value: object) -> str:
    """A JSON column's value as SQLAlchemy's default serializer writes it."""
    return json.dumps(value)


def execute_many(connection: Connection, statement: str, rows: Sequence[Sequence[object]]) -> None:
    """One driver-level executemany of ``statement`` written with ``?`` placeholders (rewritten to
    ``%s`` for psycopg; statements here never contain a literal ``?`` or ``%``)."""
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        statement = statement.replace("?", "%s")
    connection.exec_driver_sql(statement, list(rows))
