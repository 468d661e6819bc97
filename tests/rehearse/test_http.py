from __future__ import annotations

from pathlib import Path

import pytest

from rcml import TargetError
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
