"""Real servers on loopback: ``rcml serve``'s app, and an RCML app that records callbacks.

Both run uvicorn in a background thread on 127.0.0.1, on a port the OS picks, and stop
when the fixture ends.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rcml._rehearse._script import CallerScript
from rcml._serve import Account, SqliteStore, create_app

ACCOUNT = Account("AC" + "1" * 32, "token-one", "one@example.com")
OTHER = Account("AC" + "2" * 32, "token-two")
FINAL = {"completed", "busy", "failed", "no-answer", "canceled"}


class ServerThread:
    """uvicorn serving ``app`` on 127.0.0.1 in a thread of its own."""

    def __init__(self, app: Any) -> None:
        # IPPROTO_TCP: asyncio sets TCP_NODELAY only then (else 40 ms per keep-alive answer).
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="error", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


# ---------------------------------------------------------------------------- the RCML app


def _xml(body: str) -> Response:
    return Response(f"<Response>{body}</Response>", media_type="application/xml")


DOCUMENTS = {
    "/hello.xml": "<Say>Hello from the app</Say>",
    "/long.xml": '<Say>Please hold</Say><Pause length="600"/>',
    "/transfer.xml": "<Say>Transferring you now</Say>",
    "/hangup.xml": "<Hangup/>",
    "/record.xml": '<Record maxLength="5" action="/recorded.xml"/>',
    "/recorded.xml": "<Say>Thanks</Say>",
    "/dial.xml": '<Dial timeout="20"><Number>+15550009999</Number></Dial>',
    "/conference.xml": "<Dial><Conference>room</Conference></Dial>",
    "/side.xml": "<Say>Meanwhile</Say>",
}


@dataclass
class AppRequest:
    path: str
    method: str
    params: dict[str, str]
    at: float


@dataclass
class RcmlApp:
    """The app the calls fetch their RCML from; it keeps every request it gets."""

    url: str
    requests: list[AppRequest] = field(default_factory=list)

    def to(self, path: str) -> list[AppRequest]:
        return [r for r in self.requests if r.path == path]

    def of(self, path: str, sid: str) -> list[AppRequest]:
        """The requests to ``path`` made for call ``sid``."""
        return [r for r in self.to(path) if r.params.get("CallSid") == sid]

    def wait_for(
        self, path: str, count: int = 1, timeout: float = 10.0, sid: str | None = None
    ) -> list[AppRequest]:
        """Wait for ``count`` requests to ``path`` (made for call ``sid``, if given: the
        app serves the whole session, so other tests' calls may have asked for it)."""

        def seen() -> list[AppRequest]:
            return self.to(path) if sid is None else self.of(path, sid)

        deadline = time.monotonic() + timeout
        while len(seen()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{path}: {len(seen())} requests, wanted {count}")
            time.sleep(0.02)
        return seen()


def _rcml_app(seen: list[AppRequest]) -> Starlette:
    async def endpoint(request: Request) -> Response:
        body = (await request.body()).decode()
        params = dict(parse_qsl(body or request.url.query, keep_blank_values=True))
        seen.append(AppRequest(request.url.path, request.method, params, time.monotonic()))
        if request.url.path.startswith("/cb"):
            return Response("", status_code=204)
        document = DOCUMENTS.get(request.url.path)
        if document is None:
            return Response("not here", status_code=404)
        return _xml(document)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])


@pytest.fixture(scope="session")
def rcml_app() -> Iterator[RcmlApp]:
    seen: list[AppRequest] = []
    with ServerThread(_rcml_app(seen)) as server:
        app = RcmlApp(server.url, seen)
        yield app


# ---------------------------------------------------------------------------- rcml serve


@dataclass
class Serve:
    """A running ``rcml serve`` and clients for it."""

    url: str
    db: Path
    client: httpx.Client
    app_url: str

    @property
    def calls(self) -> str:
        return f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Calls"

    def create(self, path: str = "/hello.xml", **params: str) -> dict[str, Any]:
        data = {"From": "+15551230000", "To": "+15557770000", "Url": self.app_url + path}
        data.update(params)
        response = self.client.post(self.calls + ".json", data=data)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def get(self, sid: str) -> dict[str, Any]:
        response = self.client.get(f"{self.calls}/{sid}.json")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait(
        self, sid: str, until: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any]:
        """Poll the call until ``until`` (default: it has ended) holds."""
        check = until or (lambda call: call["status"] in FINAL)
        deadline = time.monotonic() + 15
        while True:
            call = self.get(sid)
            if check(call):
                return call
            if time.monotonic() > deadline:
                raise AssertionError(f"call {sid} stuck: {call['status']}")
            time.sleep(0.02)


def scenario(text: str) -> CallerScript:
    return CallerScript.from_toml(text)


SCENARIOS = {
    # Rings for 3 (virtual) seconds, then answers.
    "+15550000003": scenario("[call]\nanswer_after = 3"),
    # Never answers: rings until the Timeout.
    "+15550000004": scenario('[call]\noutcome = "no-answer"'),
    "+15550000005": scenario('[call]\noutcome = "busy"\nanswer_after = 1'),
    "client:alice": scenario("[call]\nanswer_after = 1"),
    "+15557770001": scenario('[[record]]\nspeech = "leave a message"'),
    "+15557770002": scenario('[dial."+15550009999"]\nanswer_after = 2\ntalk = 5'),
    # A long bridge (100 s, 2 s of wall time at speed 50), and a long conference stay.
    "+15557770003": scenario(
        '[dial."+15550009999"]\nanswer_after = 1\ntalk = 100\n[dial.room]\ntalk = 60'
    ),
}


def start_serve(
    db: Path, rcml_app: RcmlApp, speed: float = 50.0, **options: Any
) -> tuple[ServerThread, Serve]:
    store = SqliteStore(db)
    store.add_account(ACCOUNT)
    store.add_account(OTHER)
    app = create_app(
        store,
        speed=speed,
        scenarios=SCENARIOS,
        recordings_dir=db.parent / "recordings",
        **options,
    )
    server = ServerThread(app).__enter__()
    client = httpx.Client(base_url=server.url, auth=(ACCOUNT.sid, ACCOUNT.auth_token))
    return server, Serve(server.url, db, client, rcml_app.url)


@pytest.fixture
def serve(tmp_path: Path, rcml_app: RcmlApp) -> Iterator[Serve]:
    server, handle = start_serve(tmp_path / "calls.sqlite", rcml_app)
    try:
        yield handle
    finally:
        handle.client.close()
        server.__exit__(None, None, None)
