"""The example IVR app serves valid RCML on every path, through Flask and Starlette.

Both versions of the app (builder: ivr.app, templates: ivr.app_templates) are driven through
the frameworks' test clients; every answer must parse against the schema, and the two
versions must answer with the same bytes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qsl, urlsplit

import flask
import pytest
from starlette.testclient import TestClient

import rcml
from rcml.integrations import CONTENT_TYPE

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
from ivr import app as builder_app
from ivr import app_templates

Post = Callable[[str, dict[str, str]], tuple[int, str, str]]

#: (path, form) covering every route and every branch of it.
REQUESTS = [
    ("/ivr/main", {}),
    ("/ivr/menu", {"Digits": "1"}),
    ("/ivr/menu", {"Digits": "2"}),
    ("/ivr/menu", {"Digits": "0"}),
    ("/ivr/menu", {"Digits": "7"}),
    ("/ivr/menu", {}),
    ("/ivr/sales", {}),
    ("/ivr/sales/choice", {"Digits": "1"}),
    ("/ivr/sales/choice", {"Digits": "*"}),
    ("/ivr/sales/choice", {"Digits": "5"}),
    ("/ivr/support", {}),
    ("/ivr/support/choice", {"Digits": "", "SpeechResult": "My Internet is down"}),
    ("/ivr/support/choice", {"Digits": "2"}),
    ("/ivr/support/choice", {"Digits": "*"}),
    ("/ivr/support/choice", {"Digits": "", "SpeechResult": "hello?"}),
    ("/ivr/agent?team=sales", {"To": "+15550109999", "CallSid": "CA1"}),
    ("/ivr/agent?team=nobody", {}),
    ("/ivr/agent/done?team=sales", {"DialCallStatus": "completed", "DialCallDuration": "42"}),
    ("/ivr/agent/done?team=sales", {"DialCallStatus": "canceled"}),
    ("/ivr/agent/done?team=sales", {"DialCallStatus": "busy"}),
    ("/ivr/voicemail", {}),
    ("/ivr/voicemail/done", {"RecordingUrl": "file:///rec/RE1.wav", "RecordingDuration": "4.5"}),
    ("/ivr/voicemail/done", {"RecordingDuration": "0.0", "Digits": "hangup"}),
    ("/ivr/goodbye", {}),
]

APPS = {"builder": builder_app, "templates": app_templates}


def _flask(app: ModuleType) -> Post:
    client = app.wsgi_app.test_client()

    def post(path: str, form: dict[str, str]) -> tuple[int, str, str]:
        response = client.post(path, data=form)
        return response.status_code, response.content_type, response.get_data(as_text=True)

    return post


def _starlette(app: ModuleType) -> Post:
    client = TestClient(app.asgi_app)

    def post(path: str, form: dict[str, str]) -> tuple[int, str, str]:
        response = client.post(path, data=form)
        return response.status_code, response.headers["content-type"], response.text

    return post


@pytest.fixture(params=[(a, s) for a in APPS for s in ("flask", "starlette")], ids="-".join)
def post(request: pytest.FixtureRequest) -> Post:
    flavor, server = request.param
    return (_flask if server == "flask" else _starlette)(APPS[flavor])


@pytest.mark.parametrize(("path", "form"), REQUESTS, ids=[f"{p} {f}" for p, f in REQUESTS])
def test_every_path_serves_valid_rcml(post: Post, path: str, form: dict[str, str]) -> None:
    status, content_type, body = post(path, form)
    assert (status, content_type) == (200, CONTENT_TYPE)
    assert len(rcml.parse(body)) > 0


@pytest.mark.parametrize(("path", "form"), REQUESTS, ids=[f"{p} {f}" for p, f in REQUESTS])
def test_builder_and_templates_serve_the_same_bytes(path: str, form: dict[str, str]) -> None:
    answers = {_flask(app)(path, form)[2] for app in APPS.values()}
    answers |= {_starlette(app)(path, form)[2] for app in APPS.values()}
    assert len(answers) == 1


def test_the_requests_cover_every_route() -> None:
    for app in APPS.values():
        assert isinstance(app.wsgi_app, flask.Flask)
        routes = {r.rule for r in app.wsgi_app.url_map.iter_rules()} - {"/static/<path:filename>"}
        assert routes == {urlsplit(path).path for path, _ in REQUESTS}
        assert routes == {r.path for r in app.asgi_app.routes}


# ---------------------------------------------------------------------------- whole calls


def _next(
    verbs: list[rcml.Node], choices: Iterator[dict[str, str]]
) -> tuple[str, dict[str, str]] | None:
    """Where RestComm goes after this document, with what the caller does next."""
    for verb in verbs:
        match verb:
            case rcml.Gather(action=str(action)):
                choice = next(choices, None)
                if choice is not None:
                    return action, choice
            case rcml.Dial(action=str(action)) | rcml.Record(action=str(action)):
                return action, next(choices)
            case rcml.Redirect(url=url):
                return url, {}
            case rcml.Hangup():
                return None
    return None


CALLS = {
    "operator-busy-voicemail": [
        {"Digits": "0"}, {"DialCallStatus": "no-answer"}, {"RecordingUrl": "file:///r.wav"}
    ],
    "sales-answered": [{"Digits": "1"}, {"Digits": "2"}, {"DialCallStatus": "completed"}],
    "support-by-voice": [
        {"Digits": "2"}, {"Digits": "", "SpeechResult": "phone"}, {"DialCallStatus": "failed"},
        {"Digits": "hangup"},
    ],
}  # fmt: skip


@pytest.mark.parametrize("script", CALLS.values(), ids=CALLS.keys())
def test_whole_calls_end_with_goodbye(post: Post, script: list[dict[str, str]]) -> None:
    choices = iter(script)
    step: tuple[str, dict[str, str]] | None = ("/ivr/main", {})
    visited = []
    while step is not None:
        url, form = step
        visited.append(urlsplit(url).path)
        status, _, body = post(url, form | dict(parse_qsl(urlsplit(url).query)))
        assert status == 200, url
        step = _next(list(rcml.parse(body).verbs), choices)
        assert len(visited) < 20
    assert visited[-1] == "/ivr/goodbye"
    assert next(choices, None) is None
