"""Where ``rcml serve`` keeps accounts, calls and recordings.

:class:`CallStore` is the interface the server uses; :class:`SqliteStore` implements it
on one SQLite file in WAL mode. A server database (PostgreSQL, ...) can be added later
behind the same interface.

Times are stored as UTC ISO-8601 text with microseconds (``2024-05-01T10:00:00.000000Z``)
so that text order is time order and the list filters compare strings on an index.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "FINAL_STATUSES",
    "SORT_COLUMNS",
    "Account",
    "CallFilter",
    "CallStore",
    "RecordingRow",
    "SqliteStore",
    "StoredCall",
    "stamp",
]

#: A call in one of these has ended; any other status is live.
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})

#: SortBy attribute (seeds) -> column.
SORT_COLUMNS = {
    "DateCreated": "date_created",
    "From": "from_",
    "To": "to",
    "Direction": "direction",
    "Status": "status",
    "Duration": "duration",
}


def stamp(moment: datetime) -> str:
    """The stored form of a time: sortable UTC text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class Account:
    sid: str
    auth_token: str
    #: RestComm also accepts the account's e-mail address as the Basic auth user name.
    email: str | None = None


@dataclass(slots=True)
class StoredCall:
    """One call record as stored; times are :func:`stamp` text or ``None``."""

    sid: str
    account_sid: str
    from_: str
    #: The called party as RestComm shows it: the user part of ``client:``/``sip:``.
    to: str
    #: ``To`` as the request gave it (a number, ``client:name`` or a SIP URI).
    to_uri: str
    direction: str
    status: str
    date_created: str
    date_updated: str
    parent_call_sid: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    duration: int = 0
    answered_by: str | None = None
    forwarded_from: str | None = None
    caller_name: str | None = None
    phone_number_sid: str | None = None
    #: The API flavour that created the call (``restcomm`` or ``twilio``), for its shapes.
    api: str = "restcomm"

    @property
    def live(self) -> bool:
        return self.status not in FINAL_STATUSES


@dataclass(frozen=True, slots=True)
class RecordingRow:
    sid: str
    account_sid: str
    call_sid: str
    duration: float
    date_created: str
    path: str


@dataclass(frozen=True, slots=True)
class CallFilter:
    """The list filters of the seeds. Times are :func:`stamp` text bounds (inclusive
    ``*_from``, exclusive ``*_before``)."""

    to: str | None = None
    from_: str | None = None
    status: str | None = None
    parent_call_sid: str | None = None
    start_from: str | None = None
    start_before: str | None = None
    end_from: str | None = None
    end_before: str | None = None


@runtime_checkable
class CallStore(Protocol):
    """What the server needs from its storage. Every method is quick (indexed)."""

    def accounts(self) -> list[Account]: ...

    def add_account(self, account: Account) -> None: ...

    def insert_call(self, call: StoredCall) -> None: ...

    def update_call(self, call: StoredCall) -> None: ...

    def get_call(self, account_sid: str, sid: str) -> StoredCall | None: ...

    def delete_call(self, account_sid: str, sid: str) -> bool: ...

    def list_calls(
        self,
        account_sid: str,
        where: CallFilter,
        *,
        sort: str = "DateCreated",
        descending: bool = False,
        offset: int = 0,
        limit: int = 50,
        after_sid: str | None = None,
    ) -> tuple[list[StoredCall], int]:
        """One page of calls and the total number that match ``where``.

        ``after_sid``: start after this call in the sort order (keyset paging), ignoring
        ``offset``.
        """
        ...

    def fail_live_calls(self, now: str) -> int:
        """Mark every call not in a final status as failed (after a crash or a shutdown)."""
        ...

    def add_recording(self, recording: RecordingRow) -> None: ...

    def recordings(self, account_sid: str, call_sid: str) -> list[RecordingRow]: ...

    def get_recording(self, account_sid: str, sid: str) -> RecordingRow | None: ...

    def close(self) -> None: ...


_CALL_COLUMNS = [f.name for f in fields(StoredCall)]

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS accounts (
    sid TEXT PRIMARY KEY,
    auth_token TEXT NOT NULL,
    email TEXT
);
CREATE TABLE IF NOT EXISTS calls (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    {", ".join(f'"{c}" {"INTEGER" if c == "duration" else "TEXT"}' for c in _CALL_COLUMNS)}
);
CREATE UNIQUE INDEX IF NOT EXISTS calls_sid ON calls (sid);
CREATE INDEX IF NOT EXISTS calls_live ON calls (status)
    WHERE status NOT IN ('completed', 'busy', 'failed', 'no-answer', 'canceled');
{
    "".join(
        f'CREATE INDEX IF NOT EXISTS calls_{c} ON calls (account_sid, "{c}", seq);'
        for c in (
            "date_created",
            "from_",
            "to",
            "to_uri",
            "direction",
            "status",
            "duration",
            "parent_call_sid",
            "start_time",
            "end_time",
        )
    )
}
CREATE TABLE IF NOT EXISTS call_counts (
    account_sid TEXT NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (account_sid, status)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS calls_counted AFTER INSERT ON calls BEGIN
    INSERT INTO call_counts VALUES (new.account_sid, new.status, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS calls_uncounted AFTER DELETE ON calls BEGIN
    UPDATE call_counts SET n = n - 1
        WHERE account_sid = old.account_sid AND status = old.status;
END;
CREATE TRIGGER IF NOT EXISTS calls_recounted AFTER UPDATE OF status ON calls
    WHEN old.status != new.status BEGIN
    UPDATE call_counts SET n = n - 1
        WHERE account_sid = old.account_sid AND status = old.status;
    INSERT INTO call_counts VALUES (new.account_sid, new.status, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TABLE IF NOT EXISTS recordings (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    call_sid TEXT NOT NULL,
    duration REAL NOT NULL,
    date_created TEXT NOT NULL,
    path TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS recordings_call ON recordings (account_sid, call_sid);
"""


class SqliteStore:
    """:class:`CallStore` on one SQLite file (WAL: readers never wait for the writer).

    The server calls it from its event loop thread only; every statement is an indexed
    lookup or a short write. Progress updates of running calls are committed in batches
    (one transaction per event-loop turn, and before any read), new calls, deletions and
    accounts at once: a created call is on disk before the API answers.
    """

    def __init__(self, path: str | Path = "calls.sqlite") -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL survives a crash of the process (not of the machine) with every
        # committed call, at a fraction of FULL's fsyncs.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        placeholders = ", ".join("?" for _ in _CALL_COLUMNS)
        names = ", ".join(f'"{c}"' for c in _CALL_COLUMNS)
        self._insert = f"INSERT INTO calls ({names}) VALUES ({placeholders})"
        settable = [c for c in _CALL_COLUMNS if c not in ("sid", "account_sid")]
        assignments = ", ".join(f'"{c}" = ?' for c in settable)
        self._update = f"UPDATE calls SET {assignments} WHERE sid = ?"
        self._settable = settable
        self._pending: list[tuple[str, Sequence[Any]]] = []
        self._flush_scheduled = False

    # ---------------------------------------------------------------- writing

    def _write(self, sql: str, args: Sequence[Any], *, now: bool) -> None:
        self._pending.append((sql, args))
        if now:
            self.flush()
        elif not self._flush_scheduled:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.flush()
                return
            self._flush_scheduled = True
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Commit the writes not committed yet, in one transaction."""
        self._flush_scheduled = False
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        own = not self._db.in_transaction
        if own:
            self._db.execute("BEGIN")
        try:
            for sql, args in pending:
                self._db.execute(sql, args)
        except BaseException:
            if own:
                self._db.execute("ROLLBACK")
            raise
        if own:
            self._db.execute("COMMIT")

    def _read(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        if self._pending:
            self.flush()
        return self._db.execute(sql, args)

    # ---------------------------------------------------------------- accounts

    def accounts(self) -> list[Account]:
        rows = self._read("SELECT sid, auth_token, email FROM accounts").fetchall()
        return [Account(r["sid"], r["auth_token"], r["email"]) for r in rows]

    def add_account(self, account: Account) -> None:
        self._write(
            "INSERT OR REPLACE INTO accounts (sid, auth_token, email) VALUES (?, ?, ?)",
            (account.sid, account.auth_token, account.email),
            now=True,
        )

    # ---------------------------------------------------------------- calls

    def insert_call(self, call: StoredCall) -> None:
        self._write(self._insert, [getattr(call, c) for c in _CALL_COLUMNS], now=True)

    def update_call(self, call: StoredCall) -> None:
        args = [*(getattr(call, c) for c in self._settable), call.sid]
        self._write(self._update, args, now=False)

    def get_call(self, account_sid: str, sid: str) -> StoredCall | None:
        row = self._read(
            "SELECT * FROM calls WHERE sid = ? AND account_sid = ?", (sid, account_sid)
        ).fetchone()
        return _call(row) if row is not None else None

    def delete_call(self, account_sid: str, sid: str) -> bool:
        self.flush()
        cursor = self._db.execute(
            "DELETE FROM calls WHERE sid = ? AND account_sid = ?", (sid, account_sid)
        )
        return cursor.rowcount > 0

    def list_calls(
        self,
        account_sid: str,
        where: CallFilter,
        *,
        sort: str = "DateCreated",
        descending: bool = False,
        offset: int = 0,
        limit: int = 50,
        after_sid: str | None = None,
    ) -> tuple[list[StoredCall], int]:
        column = f'"{SORT_COLUMNS[sort]}"'
        clauses, args = _where(account_sid, where)
        total = self._count(account_sid, where, clauses, args)
        page_clauses, page_args = list(clauses), list(args)
        if after_sid is not None:
            anchor = self._read(
                f"SELECT {column} AS k, seq FROM calls WHERE sid = ? AND account_sid = ?",
                (after_sid, account_sid),
            ).fetchone()
            if anchor is not None:
                op = "<" if descending else ">"
                page_clauses.append(f"({column} {op} ? OR ({column} = ? AND seq {op} ?))")
                page_args += [anchor["k"], anchor["k"], anchor["seq"]]
                offset = 0
        order = "DESC" if descending else "ASC"
        # With a selective filter (a party or a parent), fetch its few rows by its index
        # and sort them (+column: not by the sort column's index, scanning every call).
        by = f"+{column}" if _selective(where) else column
        rows = self._read(
            f"SELECT * FROM calls WHERE {' AND '.join(page_clauses)}"
            f" ORDER BY {by} {order}, seq {order} LIMIT ? OFFSET ?",
            [*page_args, limit, offset],
        ).fetchall()
        return [_call(r) for r in rows], int(total)

    def _count(
        self, account_sid: str, where: CallFilter, clauses: list[str], args: list[Any]
    ) -> int:
        if where == CallFilter() or where == CallFilter(status=where.status):
            # Kept by triggers: counting 100,000 index entries would take ~20 ms.
            sql = "SELECT COALESCE(SUM(n), 0) FROM call_counts WHERE account_sid = ?"
            count_args: list[Any] = [account_sid]
            if where.status is not None:
                sql += " AND status = ?"
                count_args.append(where.status)
            return int(self._read(sql, count_args).fetchone()[0])
        sql = f"SELECT COUNT(*) FROM calls WHERE {' AND '.join(clauses)}"
        return int(self._read(sql, args).fetchone()[0])

    def fail_live_calls(self, now: str) -> int:
        self.flush()
        cursor = self._db.execute(
            "UPDATE calls SET status = 'failed', date_updated = ?,"
            " end_time = CASE WHEN start_time IS NULL THEN NULL ELSE ? END"
            " WHERE status NOT IN ('completed', 'busy', 'failed', 'no-answer', 'canceled')",
            (now, now),
        )
        return cursor.rowcount

    # ---------------------------------------------------------------- recordings

    def add_recording(self, recording: RecordingRow) -> None:
        self._write(
            "INSERT OR REPLACE INTO recordings (sid, account_sid, call_sid, duration,"
            " date_created, path) VALUES (:sid, :account_sid, :call_sid, :duration,"
            " :date_created, :path)",
            asdict(recording),  # type: ignore[arg-type]
            now=True,
        )

    def recordings(self, account_sid: str, call_sid: str) -> list[RecordingRow]:
        rows = self._read(
            "SELECT * FROM recordings WHERE account_sid = ? AND call_sid = ? ORDER BY date_created",
            (account_sid, call_sid),
        ).fetchall()
        return [RecordingRow(**dict(r)) for r in rows]

    def get_recording(self, account_sid: str, sid: str) -> RecordingRow | None:
        row = self._read(
            "SELECT * FROM recordings WHERE sid = ? AND account_sid = ?", (sid, account_sid)
        ).fetchone()
        return RecordingRow(**dict(row)) if row is not None else None

    def close(self) -> None:
        self.flush()
        self._db.close()


def _where(account_sid: str, f: CallFilter) -> tuple[list[str], list[Any]]:
    clauses = ["account_sid = ?"]
    args: list[Any] = [account_sid]
    # A To given as client:/sip: matches the request's form, a bare name RestComm's.
    to_column = "to_uri" if f.to is not None and ":" in f.to else "to"
    checks: Sequence[tuple[str, str, Any]] = (
        # Most selective first: the planner has no statistics, so every equality after
        # the first is written +column, which keeps it off an index (SQLite's hint).
        ("parent_call_sid", "=", f.parent_call_sid),
        (to_column, "=", f.to),
        ("from_", "=", f.from_),
        ("status", "=", f.status),
        ("start_time", ">=", f.start_from),
        ("start_time", "<", f.start_before),
        ("end_time", ">=", f.end_from),
        ("end_time", "<", f.end_before),
    )
    indexed = False
    for column, op, value in checks:
        if value is not None:
            hint = "+" if indexed and op == "=" else ""
            indexed = indexed or op == "="
            clauses.append(f'{hint}"{column}" {op} ?')
            args.append(value)
    return clauses, args


def _selective(f: CallFilter) -> bool:
    return f.parent_call_sid is not None or f.to is not None or f.from_ is not None


def _call(row: sqlite3.Row) -> StoredCall:
    return StoredCall(**{c: row[c] for c in _CALL_COLUMNS})
