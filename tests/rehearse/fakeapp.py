"""A tiny in-process app server for rehearsal tests: routes map a path to RCML (or to a
full response), and every request it receives is kept for assertions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

Route = str | tuple[int, str | None, str | bytes] | Callable[[dict[str, str]], str]


@dataclass
class FakeApp:
    """An ASGI app answering RCML from ``routes``; unknown paths get 404."""

    routes: Mapping[str, Route]
    received: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        params = dict(parse_qsl(scope["query_string"].decode(), keep_blank_values=True))
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
        self.received.append((scope["method"], scope["path"], params))
        if self.delay:
            await asyncio.sleep(self.delay)
        route = self.routes.get(scope["path"])
        status, ctype, content = 404, "text/plain", b"not found"
        if isinstance(route, str):
            status, ctype, content = 200, "application/xml", route.encode()
        elif isinstance(route, tuple):
            status, ctype, raw = route
            content = raw.encode() if isinstance(raw, str) else raw
        elif route is not None:
            status, ctype, content = 200, "application/xml", route(params).encode()
        headers = [(b"content-length", str(len(content)).encode())]
        if ctype is not None:
            headers.append((b"content-type", ctype.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def params(self, path: str) -> list[dict[str, str]]:
        return [p for _, route, p in self.received if route == path]


def rcml(*verbs: str) -> str:
    return "<Response>" + "".join(verbs) + "</Response>"
