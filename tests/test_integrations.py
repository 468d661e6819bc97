"""Flask and Starlette helpers, and the typed request parameters."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import flask
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import rcml
from rcml import CallDirection, CallRequest, CallStatus, DialCallStatus
from rcml.integrations import CONTENT_TYPE
from rcml.integrations import flask as rcml_flask
from rcml.integrations import starlette as rcml_starlette

FORM = {
    "CallSid": "CA0123",
    "AccountSid": "AC42",
    "From": "+15551230000",
    "To": "+15559870000",
    "CallStatus": "in-progress",
    "Direction": "outbound-api",
    "ApiVersion": "2012-04-24",
    "CallerName": "null",
    "ForwardedFrom": "null",
    "CallTimestamp": "2024-05-21T10:00:00.000+02:00",
    "Digits": "12",
    "SpeechResult": "",
    "RecordingDuration": "4.52",
    "DialCallStatus": "no-answer",
    "DialCallDuration": "0",
    "DialCallSid": "null",
    "SipHeader_X-Customer-Id": "c-7",
    "team": "sales",
}


def test_call_request_types_the_standard_parameters() -> None:
    call = CallRequest.from_form(FORM)
    assert call.call_sid == "CA0123" and call.account_sid == "AC42"
    assert (call.from_, call.to) == ("+15551230000", "+15559870000")
    assert call.call_status is CallStatus.IN_PROGRESS
    assert call.direction is CallDirection.OUTBOUND_API
    assert call.caller_name is None and call.forwarded_from is None and call.dial_call_sid is None
    assert call.call_timestamp == datetime(2024, 5, 21, 10, tzinfo=timezone(timedelta(hours=2)))
    assert call.digits == "12" and call.speech_result is None
    assert call.recording_duration == 4.52
    assert call.dial_call_status is DialCallStatus.NO_ANSWER and call.dial_call_duration == 0
    assert call.sip_headers == {"X-Customer-Id": "c-7"}
    assert call.raw["team"] == "sales" and call.raw["CallerName"] == "null"


def test_call_request_tolerates_missing_and_malformed_parameters() -> None:
    assert CallRequest.from_form({}) == CallRequest()
    call = CallRequest.from_form(
        {"CallStatus": "exploded", "RecordingDuration": "n/a", "CallTimestamp": "yesterday"}
    )
    assert (call.call_status, call.recording_duration, call.call_timestamp) == (None, None, None)
    # A speech Gather sends Digits="": that is an answer, not a missing parameter.
    assert CallRequest.from_form({"Digits": ""}).digits == ""


def _flask_app() -> flask.Flask:
    app = flask.Flask(__name__)

    @app.route("/answer", methods=["GET", "POST"])
    def answer() -> flask.Response:
        call = rcml_flask.call_request()
        return rcml_flask.rcml_response(rcml.Response().say(f"Hello {call.from_}"))

    @app.post("/document")
    def document() -> flask.Response:
        return rcml_flask.rcml_response(rcml.Document((rcml.Hangup(),)), status=201)

    return app


def test_flask_response_is_xml_in_utf8() -> None:
    client = _flask_app().test_client()
    for response in (
        client.post("/answer", data={"From": "Zoë"}),
        client.get("/answer", query_string={"From": "Zoë"}),
    ):
        assert (response.status_code, response.content_type) == (200, CONTENT_TYPE)
        assert rcml.parse(response.data) == rcml.Document((rcml.Say("Hello Zoë"),))
    response = client.post("/document")
    assert response.status_code == 201
    assert rcml.parse(response.data) == rcml.Document((rcml.Hangup(),))


async def _answer(request: Request) -> StarletteResponse:
    call = await rcml_starlette.call_request(request)
    text = rcml.Response().say(f"Hello {call.from_} {call.digits}").to_xml()
    return rcml_starlette.RCMLResponse(text)


def test_starlette_response_is_xml_in_utf8() -> None:
    client = TestClient(Starlette(routes=[Route("/answer", _answer, methods=["GET", "POST"])]))
    for response in (
        client.post("/answer?Digits=9", data={"From": "Zoë"}),
        client.get("/answer", params={"From": "Zoë", "Digits": "9"}),
    ):
        assert (response.status_code, response.headers["content-type"]) == (200, CONTENT_TYPE)
        assert rcml.parse(response.content) == rcml.Document((rcml.Say("Hello Zoë 9"),))


def test_the_integrations_package_imports_no_framework() -> None:
    code = (
        "import sys, rcml.integrations; print(*(m in sys.modules for m in ('flask', 'starlette')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    assert done.stdout.split() == ["False", "False"]


def test_the_readme_flask_handler_serves_valid_rcml() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    code = readme.split("## Build RCML", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {"__name__": "readme"}
    exec(compile(code, "README.md", "exec"), namespace)
    app = namespace["app"]
    assert isinstance(app, flask.Flask)
    response = app.test_client().post("/ivr/main", data={"From": "+15551230000"})
    assert response.content_type == CONTENT_TYPE
    gather, redirect = rcml.parse(response.data).verbs
    assert isinstance(gather, rcml.Gather) and gather.num_digits == 1
    assert redirect == rcml.Redirect("/ivr/main")
