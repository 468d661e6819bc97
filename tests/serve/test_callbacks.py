"""Status callbacks, sent for real to a loopback receiver (seeds 000 and 004)."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

from tests.serve.conftest import ACCOUNT, RcmlApp, Serve


def test_completed_only_by_default(serve: Serve, rcml_app: RcmlApp) -> None:
    sid = str(serve.create(StatusCallback=serve.app_url + "/cb/default")["sid"])
    serve.wait(sid)
    rcml_app.wait_for("/cb/default")
    [callback] = rcml_app.of("/cb/default", sid)
    params = callback.params
    assert callback.method == "POST"
    assert params["CallStatus"] == "completed"
    assert params["CallbackSource"] == "call-progress-events"
    assert params["SequenceNumber"] == "0"
    assert params["AccountSid"] == ACCOUNT.sid
    assert int(params["CallDuration"]) >= 1
    assert parsedate_to_datetime(params["Timestamp"]).tzinfo is not None


def test_every_event_in_order_with_sequence_numbers(serve: Serve, rcml_app: RcmlApp) -> None:
    sid = str(
        serve.create(
            StatusCallback=serve.app_url + "/cb/all",
            StatusCallbackEvent="initiated,ringing,answered,completed",
            StatusCallbackMethod="GET",
        )["sid"]
    )
    serve.wait(sid)
    rcml_app.wait_for("/cb/all", 4)
    callbacks = sorted(rcml_app.of("/cb/all", sid), key=lambda r: int(r.params["SequenceNumber"]))
    assert [(c.params["SequenceNumber"], c.params["CallStatus"]) for c in callbacks] == [
        ("0", "initiated"),
        ("1", "ringing"),
        ("2", "answered"),
        ("3", "completed"),
    ]
    assert {c.method for c in callbacks} == {"GET"}
    assert "CallDuration" not in callbacks[2].params


def test_answered_and_completed_as_in_the_seeds_example(serve: Serve, rcml_app: RcmlApp) -> None:
    sid = str(
        serve.create(
            To="client:alice",
            StatusCallback=serve.app_url + "/cb/two",
            StatusCallbackEvent="answered,completed",
        )["sid"]
    )
    serve.wait(sid)
    rcml_app.wait_for("/cb/two", 2)
    events = [c.params["CallStatus"] for c in rcml_app.of("/cb/two", sid)]
    assert sorted(events) == ["answered", "completed"]


def test_callbacks_are_paced_to_wall_time(serve: Serve, rcml_app: RcmlApp) -> None:
    # Rings 3 virtual seconds: at speed 50 the answered event comes >= 60 ms after creation.
    created = time.monotonic()
    sid = str(
        serve.create(
            To="+15550000003",
            StatusCallback=serve.app_url + "/cb/paced",
            StatusCallbackEvent="answered",
        )["sid"]
    )
    serve.wait(sid)
    rcml_app.wait_for("/cb/paced")
    [answered] = rcml_app.of("/cb/paced", sid)
    assert answered.at - created >= 0.06
