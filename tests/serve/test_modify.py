"""Live call modification: redirect, hang up, cancel, mute, and the errors."""

from __future__ import annotations

import time

from rcml._serve import conference_sid
from tests.serve.conftest import ACCOUNT, RcmlApp, Serve


def _modify(serve: Serve, sid: str, **params: str) -> dict[str, object]:
    response = serve.client.post(f"{serve.calls}/{sid}.json", data=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _in_progress(serve: Serve, path: str = "/long.xml", **params: str) -> str:
    sid = str(serve.create(path, **params)["sid"])
    serve.wait(sid, lambda c: c["status"] == "in-progress")
    return sid


def test_url_redirects_a_live_call_now(serve: Serve, rcml_app: RcmlApp) -> None:
    sid = _in_progress(serve)
    _modify(serve, sid, Url=serve.app_url + "/transfer.xml", Method="GET")
    done = serve.wait(sid)
    assert done["status"] == "completed"
    [fetch] = rcml_app.of("/transfer.xml", sid)
    assert fetch.method == "GET"
    # The 600 s Pause was cut short: at speed 50 it would have taken 12 s.
    assert done["duration"] < 120


def test_the_seeds_example_redirect_with_from_and_to_as_well(
    serve: Serve, rcml_app: RcmlApp
) -> None:
    sid = _in_progress(serve)
    _modify(
        serve,
        sid,
        From="+16175551212",
        To="sip:alice@127.0.0.1:5061",
        Url=serve.app_url + "/hangup.xml",
    )
    assert serve.wait(sid)["status"] == "completed"
    assert rcml_app.of("/hangup.xml", sid)


def test_status_completed_hangs_up_an_in_progress_call(serve: Serve) -> None:
    sid = _in_progress(serve)
    answer = _modify(serve, sid, Status="completed")
    assert answer["status"] == "completed"
    assert answer["end_time"] is not None


def test_status_canceled_ends_a_ringing_call(serve: Serve) -> None:
    # Rings for 1 virtual second... at speed 50 that is 20 ms, so use the long ringer.
    sid = str(serve.create("/hello.xml", To="+15550000004", Timeout="600")["sid"])
    serve.wait(sid, lambda c: c["status"] == "ringing")
    answer = _modify(serve, sid, Status="canceled")
    assert answer["status"] == "canceled"
    assert answer["start_time"] is None


def test_status_canceled_does_not_affect_a_call_in_progress(serve: Serve) -> None:
    sid = _in_progress(serve)
    assert _modify(serve, sid, Status="canceled")["status"] == "in-progress"
    _modify(serve, sid, Status="completed")


def test_redirect_while_ringing_starts_the_call_at_the_new_url(
    serve: Serve, rcml_app: RcmlApp
) -> None:
    sid = str(serve.create("/long.xml", To="+15550000003")["sid"])
    _modify(serve, sid, Url=serve.app_url + "/hello.xml")
    serve.wait(sid)
    assert rcml_app.of("/hello.xml", sid) and not rcml_app.of("/long.xml", sid)


def test_status_callback_can_be_changed_on_a_live_call(serve: Serve, rcml_app: RcmlApp) -> None:
    sid = _in_progress(serve)
    _modify(
        serve, sid, StatusCallback=serve.app_url + "/cb/changed", Url=serve.app_url + "/hangup.xml"
    )
    serve.wait(sid)
    [callback] = rcml_app.wait_for("/cb/changed") and rcml_app.of("/cb/changed", sid)
    assert callback.params["CallStatus"] == "completed"


def _participant(serve: Serve, conference: str, sid: str) -> str:
    return (
        f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Conferences/{conference}/Participants/{sid}"
    )


def _bridged(serve: Serve) -> tuple[str, str]:
    """A call whose Dial leg is connected (for 100 virtual s): its Sid and the leg's."""
    sid = str(serve.create("/dial.xml", To="+15557770003")["sid"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        legs = serve.client.get(serve.calls + ".json", params={"ParentCallSid": sid}).json()
        live = [c for c in legs["calls"] if c["status"] == "in-progress"]
        if live:
            return sid, str(live[0]["sid"])
        time.sleep(0.02)
    raise AssertionError("the Dial leg never connected")


def _joined(serve: Serve, conference: str, sid: str) -> None:
    """Wait until call ``sid`` is a participant of ``conference``."""
    deadline = time.monotonic() + 10
    while serve.client.get(_participant(serve, conference, sid) + ".json").status_code != 200:
        assert time.monotonic() < deadline, f"{sid} never joined {conference}"
        time.sleep(0.02)


def test_mute_needs_the_call_to_be_in_that_conference(serve: Serve) -> None:
    sid = _in_progress(serve)  # in a Pause, not in any conference
    for method in ("GET", "POST"):
        response = serve.client.request(
            method, _participant(serve, "CF1", sid) + ".json", data={"Mute": "true"}
        )
        assert (response.status_code, response.json()["code"]) == (404, 20404)
    assert _modify(serve, sid, Mute="true")["status"] == "in-progress"  # the call's own Mute
    _modify(serve, sid, Status="completed")


def test_mute_a_participant_by_conference_sid_or_name(serve: Serve) -> None:
    sid = _in_progress(serve, "/conference.xml", To="+15557770003")
    room = conference_sid(ACCOUNT.sid, "room")
    _joined(serve, room, sid)
    answer = serve.client.post(_participant(serve, room, sid) + ".json", data={"Mute": "true"})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["muted"], answer.json()["conference_sid"]) == (True, room)
    xml = serve.client.post(_participant(serve, "room", sid), data={"Mute": "false"}).text
    assert xml.count("<Muted>false</Muted>") == 1
    other = conference_sid(ACCOUNT.sid, "another")
    response = serve.client.post(_participant(serve, other, sid) + ".json", data={"Mute": "true"})
    assert response.status_code == 404
    _modify(serve, sid, Status="completed")


def test_child_call_mode_hangup_ends_the_dial_leg_at_the_redirect(
    serve: Serve, rcml_app: RcmlApp
) -> None:
    sid, leg = _bridged(serve)
    _modify(serve, sid, Url=serve.app_url + "/conference.xml", ChildCallMode="Hangup")
    child = serve.wait(leg)
    assert child["status"] == "completed" and child["duration"] < 100
    rcml_app.wait_for("/conference.xml", sid=sid)
    assert rcml_app.of("/conference.xml", sid) and not rcml_app.of("/conference.xml", leg)
    _modify(serve, sid, Status="completed")


def test_redirect_ends_a_connected_dial_leg(serve: Serve) -> None:
    sid = str(serve.create("/dial.xml", To="+15557770002")["sid"])
    serve.wait(sid, lambda c: c["status"] == "in-progress")
    _modify(serve, sid, Url=serve.app_url + "/hangup.xml", MoveConnectedCallLeg="false")
    serve.wait(sid)


def test_child_call_mode_move_takes_both_legs_to_the_new_url(
    serve: Serve, rcml_app: RcmlApp
) -> None:
    sid, leg = _bridged(serve)
    _modify(serve, sid, Url=serve.app_url + "/conference.xml", ChildCallMode="Move")
    deadline = time.monotonic() + 10
    while not (rcml_app.of("/conference.xml", sid) and rcml_app.of("/conference.xml", leg)):
        assert time.monotonic() < deadline, "both legs should fetch the new URL"
        time.sleep(0.02)
    [moved] = rcml_app.of("/conference.xml", leg)
    assert moved.params["Direction"] == "outbound-dial"
    assert moved.params["CallStatus"] == "in-progress"
    # Both legs are in the conference now: each is one of its participants.
    room = conference_sid(ACCOUNT.sid, "room")
    for call in (sid, leg):
        _joined(serve, room, call)
        muted = serve.client.post(_participant(serve, room, call) + ".json", data={"Mute": "true"})
        assert muted.json()["muted"] is True, muted.text
    assert serve.get(leg)["status"] == "in-progress"
    # The moved leg is a call of its own: hanging up the parent leaves it in the room.
    _modify(serve, sid, Status="completed")
    assert serve.get(leg)["status"] == "in-progress"
    assert serve.wait(leg)["status"] == "completed"


def test_move_connected_call_leg_true_is_move(serve: Serve, rcml_app: RcmlApp) -> None:
    sid, leg = _bridged(serve)
    _modify(serve, sid, Url=serve.app_url + "/transfer.xml", MoveConnectedCallLeg="true")
    assert serve.wait(leg)["status"] == "completed"
    assert serve.wait(sid)["status"] == "completed"
    assert rcml_app.of("/transfer.xml", sid) and rcml_app.of("/transfer.xml", leg)


def test_stay_connected_runs_the_new_rcml_beside_the_call(serve: Serve, rcml_app: RcmlApp) -> None:
    sid, leg = _bridged(serve)
    _modify(serve, sid, Url=serve.app_url + "/side.xml", ChildCallMode="StayConnected")
    deadline = time.monotonic() + 10
    while not rcml_app.of("/side.xml", sid):
        assert time.monotonic() < deadline, "the new URL should be fetched for the call"
        time.sleep(0.02)
    [side] = rcml_app.of("/side.xml", sid)
    assert side.params["CallStatus"] == "in-progress"
    time.sleep(0.3)  # the parallel RCML (one Say) is over by now; the call is not
    assert serve.get(sid)["status"] == "in-progress"
    assert serve.get(leg)["status"] == "in-progress"
    assert not rcml_app.of("/side.xml", leg)
    # The call ends when its existing RCML does: the bridge runs its whole 100 s.
    done, child = serve.wait(sid), serve.wait(leg)
    assert done["status"] == child["status"] == "completed"
    assert child["duration"] >= 99


def test_stay_connected_rcml_does_not_outlive_the_call(serve: Serve) -> None:
    sid, _ = _bridged(serve)
    _modify(serve, sid, Url=serve.app_url + "/long.xml", ChildCallMode="StayConnected")
    done = serve.wait(sid)
    assert done["status"] == "completed"
    assert done["duration"] < 200  # the bridge's 100 s, not the parallel 600 s Pause


def test_stay_connected_hangup_verb_ends_the_call(serve: Serve, rcml_app: RcmlApp) -> None:
    sid, leg = _bridged(serve)
    _modify(serve, sid, Url=serve.app_url + "/hangup.xml", ChildCallMode="StayConnected")
    done, child = serve.wait(sid), serve.wait(leg)
    assert done["status"] == child["status"] == "completed"
    assert child["duration"] < 100
    assert rcml_app.of("/hangup.xml", sid)


def test_live_fallback_url_is_used_when_the_new_url_fails(serve: Serve, rcml_app: RcmlApp) -> None:
    sid = _in_progress(serve)
    _modify(
        serve,
        sid,
        Url=serve.app_url + "/missing.xml",
        FallbackUrl=serve.app_url + "/transfer.xml",
        FallbackMethod="GET",
    )
    assert serve.wait(sid)["status"] == "completed"
    assert rcml_app.of("/missing.xml", sid)
    [fallback] = rcml_app.of("/transfer.xml", sid)
    assert fallback.method == "GET"


def test_modifying_a_finished_call_is_refused(serve: Serve) -> None:
    sid = str(serve.create()["sid"])
    serve.wait(sid)
    response = serve.client.post(
        f"{serve.calls}/{sid}.json", data={"Url": serve.app_url + "/hello.xml"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == 21220
    assert sid in response.json()["message"]


def test_deleting_a_live_call_is_refused(serve: Serve) -> None:
    sid = _in_progress(serve)
    response = serve.client.delete(f"{serve.calls}/{sid}.json")
    assert (response.status_code, response.json()["code"]) == (400, 20009)
    _modify(serve, sid, Status="completed")
