"""The Calls resource over loopback: create, fetch, list, and what a call does."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lxml import etree

from tests.serve.conftest import ACCOUNT, FINAL, RcmlApp, Serve, start_serve


def test_create_answers_queued_and_the_call_runs_to_completion(
    serve: Serve, rcml_app: RcmlApp
) -> None:
    call = serve.create()
    assert call["status"] == "queued"
    assert call["sid"].startswith("CA") and len(call["sid"]) == 34
    assert call["account_sid"] == ACCOUNT.sid
    assert call["direction"] == "outbound-api"
    assert call["uri"] == f"/2012-04-24/Accounts/{ACCOUNT.sid}/Calls/{call['sid']}.json"
    assert call["subresource_uris"]["recordings"].endswith(f"{call['sid']}/Recordings.json")
    done = serve.wait(call["sid"])
    assert done["status"] == "completed"
    assert done["start_time"] and done["end_time"]
    assert done["duration"] >= 1
    fetch = rcml_app.of("/hello.xml", call["sid"])
    assert fetch[0].method == "POST"
    assert fetch[0].params["AccountSid"] == ACCOUNT.sid
    assert fetch[0].params["CallStatus"] == "in-progress"
    assert fetch[0].params["Direction"] == "outbound-api"


def test_from_with_an_unencoded_plus_keeps_it(serve: Serve) -> None:
    # curl -d "From=+16175551212" (as every seed writes it) sends a space for the +.
    response = serve.client.post(
        serve.calls + ".json",
        content=f"From=+16175551212&To=client:alice&Url={serve.app_url}/hello.xml",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.json()["from"] == "+16175551212"
    assert response.json()["to"] == "alice"


def test_sip_to_is_listed_by_user_and_custom_headers_reach_the_app(
    serve: Serve, rcml_app: RcmlApp
) -> None:
    call = serve.create(To="sip:bob@127.0.0.1:5060?X-Custom-Header1=1234", **{"X-Other": "9"})
    assert call["to"] == "bob"
    serve.wait(call["sid"])
    [fetch] = rcml_app.of("/hello.xml", call["sid"])
    assert fetch.params["SipHeader_X-Custom-Header1"] == "1234"
    assert fetch.params["SipHeader_X-Other"] == "9"


def test_xml_without_the_json_suffix(serve: Serve) -> None:
    response = serve.client.post(
        serve.calls,
        data={"From": "+15551230000", "To": "+15557770000", "Url": serve.app_url + "/hello.xml"},
    )
    assert response.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    assert root.tag == "RestcommResponse"
    call = root.find("Call")
    assert call is not None
    assert call.findtext("Status") == "queued"
    assert call.find("ParentCallSid") is not None and call.findtext("ParentCallSid") == ""
    sid = call.findtext("Sid")
    assert call.findtext("Uri") == f"/2012-04-24/Accounts/{ACCOUNT.sid}/Calls/{sid}"
    fetched = etree.fromstring(serve.client.get(f"{serve.calls}/{sid}").content)
    assert fetched.findtext("Call/Sid") == sid


def test_every_restcomm_spelling_of_the_path_serves_the_same_call(serve: Serve) -> None:
    sid = serve.create()["sid"]
    for prefix in ("/restcomm/2012-04-24", "/2012-04-24", "/restcomm/20120424"):
        url = f"{prefix}/Accounts/{ACCOUNT.sid}/Calls.json/{sid}"
        assert serve.client.get(url).json()["sid"] == sid
        assert (
            serve.client.get(f"{prefix}/Accounts/{ACCOUNT.sid}/Calls/{sid}.json").json()["sid"]
            == sid
        )


def test_inline_rcml_runs_without_a_url(serve: Serve) -> None:
    response = serve.client.post(
        serve.calls + ".json",
        data={
            "From": "+15551230000",
            "To": "+15557770000",
            "Rcml": "<Response><Say>Inline</Say></Response>",
        },
    )
    assert response.status_code == 200
    assert serve.wait(response.json()["sid"])["status"] == "completed"


def test_timeout_and_no_answer(serve: Serve) -> None:
    call = serve.create(To="+15550000004", Timeout="5")
    done = serve.wait(call["sid"])
    assert done["status"] == "no-answer"
    assert done["start_time"] is None and done["duration"] == 0


def test_busy_scenario(serve: Serve) -> None:
    assert serve.wait(serve.create(To="+15550000005")["sid"])["status"] == "busy"


def test_status_goes_ringing_then_in_progress_in_wall_time(serve: Serve) -> None:
    # Rings 3 virtual seconds; at speed 50, 60 ms.
    call = serve.create("/long.xml", To="+15550000003")
    ringing = serve.wait(call["sid"], lambda c: c["status"] != "queued")
    assert ringing["status"] in ("ringing", "in-progress")
    serve.wait(call["sid"], lambda c: c["status"] == "in-progress")
    serve.client.post(f"{serve.calls}/{call['sid']}.json", data={"Status": "completed"})


def test_dial_legs_are_calls_with_a_parent(serve: Serve) -> None:
    parent = serve.create("/dial.xml", To="+15557770002")
    serve.wait(parent["sid"])
    listed = serve.client.get(serve.calls + ".json", params={"ParentCallSid": parent["sid"]}).json()
    assert [c["direction"] for c in listed["calls"]] == ["outbound-dial"]
    child = listed["calls"][0]
    assert child["parent_call_sid"] == parent["sid"]
    assert child["to"] == "+15550009999"
    assert child["status"] == "completed"


def test_record_serves_the_recording_as_wav(serve: Serve, rcml_app: RcmlApp) -> None:
    call = serve.create("/record.xml", To="+15557770001")
    serve.wait(call["sid"])
    recordings = serve.client.get(f"{serve.calls}/{call['sid']}/Recordings.json").json()
    [recording] = recordings["recordings"]
    assert recording["call_sid"] == call["sid"]
    assert recording["duration"] > 0
    [action] = rcml_app.of("/recorded.xml", call["sid"])
    url = action.params["RecordingUrl"]
    assert url.startswith(serve.url) and url.endswith(f"/Recordings/{recording['sid']}.wav")
    audio = serve.client.get(url)
    assert audio.headers["content-type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF" and audio.content[8:12] == b"WAVE"
    meta = serve.client.get(
        f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Recordings/{recording['sid']}.json"
    )
    assert meta.json()["sid"] == recording["sid"]


def test_delete_a_finished_call(serve: Serve) -> None:
    sid = serve.create()["sid"]
    serve.wait(sid)
    assert serve.client.delete(f"{serve.calls}/{sid}.json").status_code == 204
    assert serve.client.get(f"{serve.calls}/{sid}.json").status_code == 404


def test_calls_run_concurrently(serve: Serve) -> None:
    start = time.monotonic()
    sids = [serve.create("/long.xml")["sid"] for _ in range(20)]
    for sid in sids:
        serve.wait(sid, lambda c: c["status"] == "in-progress")
    for sid in sids:
        serve.client.post(f"{serve.calls}/{sid}.json", data={"Status": "completed"})
    assert {serve.wait(sid)["status"] for sid in sids} == {"completed"}
    assert time.monotonic() - start < 10


def test_every_status_is_final_or_live(serve: Serve) -> None:
    assert FINAL.isdisjoint({"queued", "ringing", "in-progress"})


def test_with_audio_the_recording_holds_what_the_caller_said(
    tmp_path: Path, rcml_app: RcmlApp
) -> None:
    import io

    import numpy as np
    import soundfile as sf

    from rcml import WavBackend

    server, serve = start_serve(
        tmp_path / "calls.sqlite",
        rcml_app,
        media=lambda: WavBackend(tts="placeholder", cache=False),
    )
    try:
        call = serve.create("/record.xml", To="+15557770001")
        serve.wait(call["sid"])
        [action] = rcml_app.of("/recorded.xml", call["sid"])
        samples, rate = sf.read(io.BytesIO(serve.client.get(action.params["RecordingUrl"]).content))
    finally:
        serve.client.close()
        server.__exit__(None, None, None)
    assert rate == 8000 and len(samples) / rate == pytest.approx(
        float(action.params["RecordingDuration"]), abs=0.01
    )
    assert np.abs(samples).max() > 0.005  # the scripted "leave a message", not silence
