"""The official twilio SDK, pointed at ``rcml serve``, works unchanged (Deliver 8)."""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import httpx
import pytest

twilio_rest = pytest.importorskip("twilio.rest")
from twilio.base.exceptions import TwilioRestException  # noqa: E402

from tests.serve.conftest import ACCOUNT, FINAL, RcmlApp, Serve  # noqa: E402


@pytest.fixture
def client(serve: Serve) -> Iterator[twilio_rest.Client]:
    client = twilio_rest.Client(ACCOUNT.sid, ACCOUNT.auth_token)
    # The one change an app makes: where the API lives.
    client.api.base_url = serve.url
    yield client


def _wait(client: twilio_rest.Client, sid: str) -> object:
    import time

    deadline = time.monotonic() + 15
    while True:
        call = client.calls(sid).fetch()
        if call.status in FINAL or time.monotonic() > deadline:
            return call
        time.sleep(0.02)


def test_create_fetch_and_complete(client: twilio_rest.Client, serve: Serve) -> None:
    call = client.calls.create(
        to="+15557770000",
        from_="+15551230000",
        url=serve.app_url + "/hello.xml",
        status_callback=serve.app_url + "/cb/sdk",
        status_callback_event=["initiated", "answered", "completed"],
    )
    assert call.sid.startswith("CA")
    assert call.status == "queued"
    assert call.to == "+15557770000"
    assert call.to_formatted == "(555) 777-0000"
    assert call.uri == f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls/{call.sid}.json"
    done = _wait(client, call.sid)
    assert done.status == "completed"  # type: ignore[attr-defined]
    assert done.start_time is not None and done.end_time is not None  # type: ignore[attr-defined]
    assert int(done.duration) >= 1  # type: ignore[attr-defined]


def test_status_callback_events_repeated_as_the_sdk_sends_them(
    client: twilio_rest.Client, serve: Serve, rcml_app: RcmlApp
) -> None:
    call = client.calls.create(
        to="+15557770000",
        from_="+15551230000",
        url=serve.app_url + "/hello.xml",
        status_callback=serve.app_url + "/cb/sdk-events",
        status_callback_event=["initiated", "answered", "completed"],
    )
    _wait(client, call.sid)
    rcml_app.wait_for("/cb/sdk-events", 3)
    events = sorted(
        rcml_app.of("/cb/sdk-events", call.sid), key=lambda r: int(r.params["SequenceNumber"])
    )
    assert [e.params["CallStatus"] for e in events] == ["initiated", "answered", "completed"]


def test_twiml_and_update(client: twilio_rest.Client, serve: Serve, rcml_app: RcmlApp) -> None:
    call = client.calls.create(
        to="+15557770000",
        from_="+15551230000",
        twiml='<Response><Say>Hold on</Say><Pause length="600"/></Response>',
    )
    updated = client.calls(call.sid).update(url=serve.app_url + "/transfer.xml", method="GET")
    assert updated.sid == call.sid
    _wait(client, call.sid)
    assert rcml_app.of("/transfer.xml", call.sid)
    second = client.calls.create(
        to="+15557770000", from_="+15551230000", url=serve.app_url + "/long.xml"
    )
    assert client.calls(second.sid).update(status="completed").status == "completed"


def test_list_pages_through_every_call(client: twilio_rest.Client, serve: Serve) -> None:
    sids = {
        client.calls.create(
            to="+15557770000", from_="+15551230000", url=serve.app_url + "/hangup.xml"
        ).sid
        for _ in range(7)
    }
    listed = client.calls.list(page_size=2)
    assert {c.sid for c in listed} == sids
    # Twilio lists newest first.
    created = [c.date_created for c in listed]
    assert created == sorted(created, reverse=True)
    assert len(client.calls.list(to="+15557770000", limit=3)) == 3


def test_delete_and_errors(client: twilio_rest.Client, serve: Serve) -> None:
    call = client.calls.create(
        to="+15557770000", from_="+15551230000", url=serve.app_url + "/hangup.xml"
    )
    _wait(client, call.sid)
    assert client.calls(call.sid).delete() is True
    with pytest.raises(TwilioRestException) as info:
        client.calls(call.sid).fetch()
    assert info.value.status == 404
    with pytest.raises(TwilioRestException) as info:
        client.calls.create(to="+15557770000", from_="+15551230000")
    assert info.value.status == 400
    assert "Url" in info.value.msg


def test_signalwire_laml_path_serves_the_same_calls(serve: Serve) -> None:
    sid = serve.create()["sid"]
    laml = f"/api/laml/2010-04-01/Accounts/{ACCOUNT.sid}/Calls"
    body = serve.client.get(f"{laml}/{sid}.json").json()
    assert body["sid"] == sid
    assert body["uri"] == f"{laml}/{sid}.json"
    listing = serve.client.get(laml + ".json", params={"PageSize": 1}).json()
    assert listing["calls"][0]["subresource_uris"]["recordings"].startswith(laml)
    # RFC 2822 dates on the Twilio-shaped paths.
    assert parsedate_to_datetime(body["date_created"]).tzinfo is not None
    assert httpx.get(serve.url + laml + ".json").status_code == 401
