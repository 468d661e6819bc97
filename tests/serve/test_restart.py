"""State survives a restart; a call in progress at shutdown is stored as failed."""

from __future__ import annotations

from pathlib import Path

from rcml._serve import SqliteStore, StoredCall
from tests.serve.conftest import ACCOUNT, RcmlApp, start_serve


def test_calls_survive_a_restart_and_live_ones_end_failed(
    tmp_path: Path, rcml_app: RcmlApp
) -> None:
    db = tmp_path / "calls.sqlite"
    server, serve = start_serve(db, rcml_app)
    try:
        finished = serve.create()["sid"]
        serve.wait(finished)
        live = serve.create("/long.xml")["sid"]
        serve.wait(live, lambda c: c["status"] == "in-progress")
    finally:
        serve.client.close()
        server.__exit__(None, None, None)
    server, serve = start_serve(db, rcml_app)
    try:
        assert serve.get(finished)["status"] == "completed"
        stopped = serve.get(live)
        assert stopped["status"] == "failed"
        assert stopped["end_time"] is not None
        assert serve.client.get(serve.calls + ".json").json()["total"] == 2
    finally:
        serve.client.close()
        server.__exit__(None, None, None)


def test_calls_left_live_by_a_crash_are_failed_on_start(tmp_path: Path, rcml_app: RcmlApp) -> None:
    db = tmp_path / "calls.sqlite"
    store = SqliteStore(db)
    store.add_account(ACCOUNT)
    stamp = "2024-05-01T12:00:00.000000Z"
    store.insert_call(
        StoredCall(
            sid="CA" + "a" * 32,
            account_sid=ACCOUNT.sid,
            from_="+1",
            to="+2",
            to_uri="+2",
            direction="outbound-api",
            status="ringing",
            date_created=stamp,
            date_updated=stamp,
        )
    )
    store.close()
    server, serve = start_serve(db, rcml_app)
    try:
        call = serve.get("CA" + "a" * 32)
        assert call["status"] == "failed"
        assert call["end_time"] is None  # it was never answered
    finally:
        serve.client.close()
        server.__exit__(None, None, None)
