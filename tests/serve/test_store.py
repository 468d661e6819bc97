"""SqliteStore on its own: the CallStore interface, WAL, indexes and keyset paging."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcml._serve import CallFilter, CallStore, SqliteStore, StoredCall
from rcml._serve._store import Account, RecordingRow


def _call(i: int, status: str = "completed", account: str = "AC1") -> StoredCall:
    moment = f"2024-05-01T12:{i:02d}:00.000000Z"
    return StoredCall(
        sid=f"CA{i:032x}",
        account_sid=account,
        from_="+1555",
        to=f"+{i % 2}",
        to_uri=f"+{i % 2}",
        direction="outbound-api",
        status=status,
        date_created=moment,
        date_updated=moment,
        duration=10 - i,
    )


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "calls.sqlite")


def test_is_a_call_store(store: SqliteStore) -> None:
    assert isinstance(store, CallStore)


def test_wal_mode(store: SqliteStore) -> None:
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_list_queries_use_indexes(store: SqliteStore) -> None:
    plan = store._db.execute(
        'EXPLAIN QUERY PLAN SELECT * FROM calls WHERE account_sid = ? ORDER BY "duration", seq'
        " LIMIT 50",
        ("AC1",),
    ).fetchall()
    assert any("USING INDEX" in str(tuple(row)) for row in plan)


def test_insert_update_get_delete(store: SqliteStore) -> None:
    call = _call(1, "queued")
    store.insert_call(call)
    call.status = "in-progress"
    store.update_call(call)
    assert store.get_call("AC1", call.sid) == call
    assert store.get_call("AC2", call.sid) is None
    assert not store.delete_call("AC2", call.sid)
    assert store.delete_call("AC1", call.sid)
    assert store.get_call("AC1", call.sid) is None


def test_keyset_paging_is_the_same_as_offset_paging(store: SqliteStore) -> None:
    for i in range(10):
        store.insert_call(_call(i))
    by_offset = [
        c.sid
        for page in range(4)
        for c in store.list_calls("AC1", CallFilter(), sort="Duration", offset=page * 3, limit=3)[0]
    ]
    by_key: list[str] = []
    after = None
    while True:
        page, total = store.list_calls(
            "AC1", CallFilter(), sort="Duration", limit=3, after_sid=after
        )
        if not page:
            break
        by_key += [c.sid for c in page]
        after = page[-1].sid
    assert by_key == by_offset
    assert total == 10


def test_fail_live_calls(store: SqliteStore) -> None:
    store.insert_call(_call(1, "in-progress"))
    store.insert_call(_call(2, "completed"))
    assert store.fail_live_calls("2024-06-01T00:00:00.000000Z") == 1
    assert store.get_call("AC1", f"CA{1:032x}").status == "failed"  # type: ignore[union-attr]
    assert store.get_call("AC1", f"CA{2:032x}").status == "completed"  # type: ignore[union-attr]


def test_accounts_and_recordings_persist(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite"
    first = SqliteStore(path)
    first.add_account(Account("AC1", "token", "a@example.com"))
    first.add_recording(RecordingRow("RE1", "AC1", "CA1", 1.5, "2024-05-01T12:00:00.000000Z", "x"))
    first.close()
    again = SqliteStore(path)
    assert again.accounts() == [Account("AC1", "token", "a@example.com")]
    assert [r.sid for r in again.recordings("AC1", "CA1")] == ["RE1"]
    assert again.get_recording("AC2", "RE1") is None
