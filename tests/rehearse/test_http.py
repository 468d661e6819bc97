from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rcml import TargetError, rehearse
from rcml._rehearse._http import APP_BASE, encode_params, is_asgi, prepare, resolve_target


def test_post_moves_the_query_string_into_the_body_after_restcomms_parameters() -> None:
    method, url, body = prepare("POST", "http://app/x?team=sales&flag#frag", [("CallSid", "CA1")])
    assert (method, url) == ("POST", "http://app/x")
    assert body == b"CallSid=CA1&team=sales&flag"


def test_get_puts_everything_in_the_query_string() -> None:
    _method, url, body = prepare("GET", "http://app/x?a=1", [("Digits", "1#"), ("Speech", None)])
    assert url == "http://app/x?Digits=1%23&Speech&a=1"
    assert body is None


def test_null_values_are_bare_names() -> None:
    assert encode_params([("SpeechResult", None), ("Digits", "")]) == "SpeechResult&Digits="


def test_targets_resolve_to_an_initial_url(tmp_path: Path) -> None:
    doc = tmp_path / "main.xml"
    doc.write_text("<Response/>")
    assert resolve_target(str(doc))[0] == doc.resolve().as_uri()
    assert resolve_target("https://example.com/a")[0] == "https://example.com/a"

    def wsgi(environ: object, start_response: object) -> list[bytes]:
        return []

    assert resolve_target(wsgi, url="/ivr/main")[0] == APP_BASE + "/ivr/main"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing.xml", "no such file"),
        ("app.py", "give the application too"),
        ("no_such_module_xyz:app", "cannot import 'no_such_module_xyz'"),
        ("json:no_such_attr", "has no attribute 'no_such_attr'"),
        ("json:__name__", "is not a WSGI or ASGI application"),
    ],
)
def test_bad_targets_say_why(target: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        resolve_target(target)


def test_asgi_and_wsgi_apps_are_told_apart() -> None:
    async def asgi(scope: object, receive: object, send: object) -> None: ...

    def wsgi(environ: object, start_response: object) -> list[bytes]:
        return []

    assert is_asgi(asgi)
    assert not is_asgi(wsgi)


# ------------------------------------------------- in-process apps see real requests

PAGES = {
    "/main": "<Response><Redirect>/next?x=%C3%A9</Redirect></Response>",
    "/next": "<Response><Hangup/></Response>",
}


def recording_asgi_app(seen: list[tuple[str, str, str, tuple[str, ...], str]]) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = (await receive())["body"].decode()
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        seen.append(
            (
                scope["path"],
                scope["query_string"].decode(),
                headers.get("cookie", ""),
                tuple(sorted(headers)),
                body,
            )
        )
        reply = [(b"content-type", b"application/xml")]
        if scope["path"] == "/main":
            reply.append((b"set-cookie", b"session=abc123; Path=/"))
        await send({"type": "http.response.start", "status": 200, "headers": reply})
        await send({"type": "http.response.body", "body": PAGES[scope["path"]].encode()})

    return app


def recording_wsgi_app(seen: list[tuple[str, str, str, tuple[str, ...], str]]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read().decode()
        headers = {
            k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")
        } | {
            "content-type": environ.get("CONTENT_TYPE", ""),
            "content-length": environ.get("CONTENT_LENGTH", ""),
        }
        path = environ["PATH_INFO"]
        seen.append(
            (
                path,
                environ["QUERY_STRING"],
                headers.get("cookie", ""),
                tuple(sorted(k for k, v in headers.items() if v)),
                body,
            )
        )
        reply = [("Content-Type", "application/xml")]
        if path == "/main":
            reply.append(("Set-Cookie", "session=abc123; Path=/"))
        start_response("200 OK", reply)
        return [PAGES[path].encode()]

    return app


@pytest.mark.parametrize("make", [recording_asgi_app, recording_wsgi_app])
def test_apps_get_the_same_request_and_their_cookies_back(make: Any) -> None:
    seen: list[tuple[str, str, str, tuple[str, ...], str]] = []
    result = rehearse(make(seen), url="/main", seed=1)
    assert result.ok, result.problems
    (first, second) = seen
    assert (first[0], first[2], second[0], second[2]) == ("/main", "", "/next", "session=abc123")
    assert "x=%C3%A9" in second[4] and "CallSid=CA" in second[4]
    assert set(first[3]) >= {"host", "content-type", "content-length", "user-agent"}
