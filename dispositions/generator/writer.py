"""Writing a batch: COPY on PostgreSQL (psycopg 3), multi-row INSERT on SQLite.

Both take the models' own column names and write every table of the batch in one
transaction, parents first. Values are prepared by the model fields on SQLite (aware
datetimes, durations); COPY sends them through psycopg's own adapters.
"""

from __future__ import annotations

import queue
import threading

from django.core.management.color import no_style
from django.db import connection, connections, models, transaction
from django.db.models import JSONField
from psycopg.types.json import Jsonb

from .rows import COLUMNS, WRITE_ORDER, Batch

SQLITE_ROWS_PER_STATEMENT = 200


def _fields(model: type[models.Model]) -> list[models.Field]:  # type: ignore[type-arg]
    return [model._meta.get_field(name) for name in COLUMNS[model]]


# Binary COPY spares the server parsing every timestamp from text: the names psycopg
# knows each column's type by.
_BINARY_TYPES = {
    "bigint": "int8", "integer": "int4", "smallint": "int2", "boolean": "bool",
    "timestamp with time zone": "timestamptz", "double precision": "float8",
    "varchar": "varchar", "text": "text", "jsonb": "jsonb", "interval": "interval",
    "numeric": "numeric",
}  # fmt: skip


def _binary_type(field: models.Field) -> str:  # type: ignore[type-arg]
    declared = (field.db_type(connection) or "").split("(")[0].strip()
    return _BINARY_TYPES[declared]


def _copy(model: type[models.Model], rows: list[tuple[object, ...]]) -> None:
    fields = _fields(model)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    json_columns = [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
        with raw.copy(statement) as copy:  # type: ignore[attr-defined]
            copy.set_types([_binary_type(f) for f in fields])
            for row in rows:
                if json_columns:
                    row = list(row)
                    for i in json_columns:
                        row[i] = Jsonb(row[i])
                copy.write_row(row)


def _insert(model: type[models.Model], rows: list[tuple[object, ...]]) -> None:
    fields = _fields(model)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    prepared = [
        [f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=True)]
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), SQLITE_ROWS_PER_STATEMENT):
            chunk = prepared[start : start + SQLITE_ROWS_PER_STATEMENT]
            values = ", ".join([one] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}",  # noqa: S608 -- our names
                [value for row in chunk for value in row],
            )


def batch_write(batch: Batch) -> None:
    write = _copy if connection.vendor == "postgresql" else _insert
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _skip_foreign_key_triggers()
        for model in WRITE_ORDER:
            rows = batch.rows[model]
            if rows:
                write(model, rows)


def _secondary_indexes() -> list[tuple[str, str]]:
    """(name, CREATE statement) of every index of the generated tables that backs no constraint.

    Primary keys and unique constraints stay (they guard the data); plain and partial
    indexes are cheaper to build once at the end than to maintain row by row.
    """
    tables = [model._meta.db_table for model in WRITE_ORDER]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY i.tablename, i.indexname
            """,
            [tables],
        )
        return list(cursor.fetchall())


class _Suspended:
    """Secondary indexes dropped for a bulk load and built again before its commit.

    DDL is transactional in PostgreSQL: if the load fails, the rollback brings the
    indexes back with everything else.
    """

    def __init__(self) -> None:
        self.indexes: list[tuple[str, str]] = []

    def __enter__(self) -> _Suspended:
        self.indexes = _secondary_indexes()
        with connection.cursor() as cursor:
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is not None:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in self.indexes:
                cursor.execute(definition)


def _skip_foreign_key_triggers() -> None:
    """Rows are consistent by construction; per-row foreign key checks would halve the speed.

    `session_replication_role = replica` (what pg_restore's --disable-triggers uses) needs
    a superuser; without one the checks simply stay on. Local to this transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT generator_fk")
        try:
            cursor.execute("SET LOCAL session_replication_role = replica")
        except Exception:
            cursor.execute("ROLLBACK TO SAVEPOINT generator_fk")
        else:
            cursor.execute("RELEASE SAVEPOINT generator_fk")


def sequences_reset() -> None:
    """After explicit ids, the next ordinary insert must not collide with them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(WRITE_ORDER))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            for model in WRITE_ORDER:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


class BatchWriter:
    """Writes batches on a thread of its own while the next batch is being generated.

    On PostgreSQL the server parses and indexes one batch while Python builds the next
    (psycopg releases the GIL while it waits); on SQLite, or with `threaded=False`,
    batches are written in the caller's thread. At most one batch waits in line, so
    memory stays bounded. An error in the thread is raised by the next `put` or `close`.
    """

    def __init__(self, *, threaded: bool | None = None, one_transaction: bool = False) -> None:
        # A thread writes on a connection of its own, which cannot see what the caller's
        # open transaction wrote and would wait on its row locks forever (a test's
        # transaction, or a caller's atomic block): inside one, write in the caller's thread.
        separate = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.threaded = separate if threaded is None else threaded and separate
        # A big load on PostgreSQL: one transaction, indexes built once at the end.
        self.one_transaction = one_transaction and separate
        self.error: BaseException | None = None
        if self.threaded or self.one_transaction:
            self.line: queue.Queue[Batch | None] = queue.Queue(maxsize=1)
            self.thread = threading.Thread(target=self._run, name="generator-writer")
            self.thread.start()

    def _run(self) -> None:
        try:
            if self.one_transaction:
                with transaction.atomic(), _Suspended():
                    self._drain()
            else:
                self._drain()
        except BaseException as exc:
            self.error = exc
            while self.line.get() is not None:  # drain so the producer never blocks
                pass
        finally:
            connections.close_all()

    def _drain(self) -> None:
        while (batch := self.line.get()) is not None:
            batch_write(batch)

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def put(self, batch: Batch) -> None:
        self._raise()
        if self.threaded or self.one_transaction:
            self.line.put(batch)
        else:
            batch_write(batch)

    def close(self) -> None:
        if self.threaded or self.one_transaction:
            self.line.put(None)
            self.thread.join()
        self._raise()
