"""Live call modification: redirect, hang up, cancel, mute, and the errors."""

from __future__ import annotations

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


def test_mute_and_the_participant_endpoint(serve: Serve) -> None:
    sid = _in_progress(serve)
    path = f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Conferences/CF1/Participants/{sid}"
    answer = serve.client.post(path + ".json", data={"Mute": "true"}).json()
    assert answer["muted"] is True
    assert answer["conference_sid"] == "CF1"
    assert serve.client.post(path, data={"Mute": "false"}).text.count("<Muted>false</Muted>") == 1
    assert _modify(serve, sid, Mute="true")["status"] == "in-progress"
    _modify(serve, sid, Status="completed")


def test_child_call_mode_is_accepted(serve: Serve) -> None:
    sid = _in_progress(serve)
    _modify(serve, sid, Url=serve.app_url + "/hangup.xml", ChildCallMode="StayConnected")
    assert serve.wait(sid)["status"] == "completed"


def test_redirect_ends_a_connected_dial_leg(serve: Serve) -> None:
    sid = str(serve.create("/dial.xml", To="+15557770002")["sid"])
    serve.wait(sid, lambda c: c["status"] == "in-progress")
    _modify(serve, sid, Url=serve.app_url + "/hangup.xml", MoveConnectedCallLeg="false")
    serve.wait(sid)


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
