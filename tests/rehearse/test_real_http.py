"""A rehearsal over real HTTP, against a server on the loopback interface."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from rcml import rehearse

DOCS = {
    "/voice": b'<Response><Gather action="/menu" numDigits="1"><Say>Press 1</Say></Gather>'
    b"</Response>",
    "/menu": b"<Response><Say>You pressed one</Say><Hangup/></Response>",
}


@pytest.fixture
def server() -> Iterator[tuple[str, list[tuple[str, dict[str, str]]]]]:
    seen: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            seen.append((self.path, dict(parse_qsl(self.rfile.read(length).decode()))))
            body = DOCS.get(self.path, b"")
            self.send_response(200 if self.path in DOCS or self.path == "/status" else 404)
            self.send_header("content-type", "application/xml")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_url_target_is_rehearsed_over_real_http(server: tuple[str, list]) -> None:
    base, seen = server
    r = rehearse(
        f"{base}/voice",
        {"gather": [{"digits": "1"}], "call": {"status_callback": "/status"}},
    )
    assert r.ok, r.problems
    assert [path for path, _ in seen] == ["/voice", "/menu", "/status"]
    assert seen[1][1]["Digits"] == "1" and seen[2][1]["CallStatus"] == "completed"
    assert r.heard("You pressed one") and r.call.status == "completed"


def test_a_server_that_is_down_fails_the_call() -> None:
    r = rehearse("http://127.0.0.1:9/voice", http_timeout=2)
    assert r.call.status == "failed" and "fetch failed" in r.problems[0]
