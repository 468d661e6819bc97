"""One HTTP client for every target: real HTTP, local files, in-process WSGI/ASGI apps.

The interpreter talks to an ``httpx.AsyncClient`` whose transport routes by URL: the
in-process app answers for ``http://testserver``, ``file:`` URLs read local files, and
anything else goes out over real HTTP (the transport for that is created only when first
needed, because building its TLS context costs milliseconds).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import mimetypes
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

import httpx

from rcml._exceptions import RCMLError

__all__ = [
    "APP_BASE",
    "Router",
    "TargetError",
    "encode_params",
    "load_app",
    "prepare",
    "resolve_target",
]

#: The base URL an in-process app is served under.
APP_BASE = "http://testserver"

Params = Sequence[tuple[str, str | None]]


class TargetError(RCMLError):
    """The rehearsal target cannot be used: no such file, module or attribute."""


_PLAIN = re.compile(r"[A-Za-z0-9_.\-~]*")


def _q(text: str) -> str:
    return text if _PLAIN.fullmatch(text) else quote_plus(text)


def encode_params(params: Params) -> str:
    """Form-encode ``params`` as RestComm does: a ``None`` value is a bare name."""
    return "&".join(_q(k) if v is None else f"{_q(k)}={_q(v)}" for k, v in params)


def prepare(method: str, url: str, params: Params) -> tuple[str, str, bytes | None]:
    """(method, url, body) for a request RestComm makes to ``url`` with ``params``.

    Reference §3.2: the URL's own query string is merged after RestComm's parameters and
    the URL reduced to scheme, host, port and path (fragment dropped); GET puts everything
    in the query string, POST in a form body.
    """
    if url.startswith("file:///"):
        # httpx treats a URL without a host as relative and drops its scheme.
        url = "file://localhost/" + url[len("file:///") :]
    parts = urlsplit(url)
    merged = list(params)
    if parts.query:
        for piece in parts.query.split("&"):
            if not piece:
                continue
            name, eq, value = piece.partition("=")
            merged.append(
                (unquote(name.replace("+", " ")), unquote(value.replace("+", " ")) if eq else None)
            )
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
    encoded = encode_params(merged)
    if method == "GET":
        return method, f"{bare}?{encoded}" if encoded else bare, None
    return method, bare, encoded.encode("utf-8")


# ---------------------------------------------------------------------------- transports


class FileTransport(httpx.AsyncBaseTransport):
    """Serves ``file:`` URLs: a local RCML file and its siblings, audio files, recordings.

    Any method reads the file (a static file ignores the parameters); a missing file is a
    404, as a web server would answer.
    """

    _TYPES: ClassVar[dict[str, str]] = {
        ".xml": "application/xml",
        ".rcml": "application/xml",
        ".txt": "text/plain",
    }

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = Path(unquote(request.url.path))
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return httpx.Response(404, headers={"content-type": "text/plain"}, content=b"")
        except OSError as exc:
            raise httpx.ConnectError(f"cannot read {path}: {exc.strerror}") from None
        kind = self._TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
        headers = {"content-type": kind} if kind else {}
        return httpx.Response(200, headers=headers, content=data)


class WSGIAppTransport(httpx.AsyncBaseTransport):
    """Runs a WSGI app in-process for the async client (httpx's own WSGITransport is
    synchronous only)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self._sync = httpx.WSGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        sync_request = httpx.Request(
            request.method, request.url, headers=request.headers, content=body
        )
        # In a worker thread, so that the rehearsal's timeout can give up on a hung app.
        response = await asyncio.to_thread(self._sync.handle_request, sync_request)
        content = response.read()
        return httpx.Response(response.status_code, headers=response.headers, content=content)


class ASGIAppTransport(httpx.AsyncBaseTransport):
    """Runs an ASGI app in-process.

    httpx's own ASGITransport looks for trio on every request (an import attempt that
    walks sys.path when trio is absent); a rehearsal makes thousands of requests, and
    always runs on asyncio.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        url = request.url
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "server": (url.host, url.port or 80),
            "client": ("127.0.0.1", 5080),
            "root_path": "",
        }
        sent_body = False
        done = asyncio.Event()
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        parts: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent_body
            if sent_body:
                await done.wait()
                return {"type": "http.disconnect"}
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await self.app(scope, receive, send)
        return httpx.Response(status, headers=headers, content=b"".join(parts))


class Router(httpx.AsyncBaseTransport):
    """Routes by URL: the app's host, ``file:`` URLs, then real HTTP."""

    def __init__(self, app: httpx.AsyncBaseTransport | None = None, *, verify: bool = True) -> None:
        self.app = app
        self.files = FileTransport()
        self._http: httpx.AsyncBaseTransport | None = None
        self._verify = verify

    def _network(self) -> httpx.AsyncBaseTransport:
        if self._http is None:
            self._http = httpx.AsyncHTTPTransport(verify=self._verify)
        return self._http

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme == "file":
            return await self.files.handle_async_request(request)
        if self.app is not None and url.scheme == "http" and url.host == "testserver":
            return await self.app.handle_async_request(request)
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"cannot fetch {url.scheme}: URLs")
        return await self._network().handle_async_request(request)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()


# ---------------------------------------------------------------------------- targets


def is_asgi(app: Any) -> bool:
    """ASGI apps are ``async (scope, receive, send)``; WSGI apps ``(environ, start_response)``."""
    call = app if inspect.isroutine(app) else getattr(app, "__call__", None)  # noqa: B004
    if call is None:
        return False
    if inspect.iscoroutinefunction(call):
        return True
    try:
        params = [
            p
            for p in inspect.signature(call).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return False
    return len(params) == 3


def load_app(spec: str) -> Any:
    """Import ``module:attr`` or ``path/to/app.py:attr`` (relative imports work: the
    file's package is imported from the first folder above it with no ``__init__.py``)."""
    module_name, _, attr = spec.rpartition(":")
    if not module_name or not attr:
        raise TargetError(f"{spec!r}: expected module:attr or path/to/app.py:attr")
    if module_name.endswith(".py") or "/" in module_name or "\\" in module_name:
        path = Path(module_name).resolve()
        if not path.is_file():
            raise TargetError(f"{module_name}: no such file")
        parts = [path.stem] if path.stem != "__init__" else []
        folder = path.parent
        while (folder / "__init__.py").is_file():
            parts.insert(0, folder.name)
            folder = folder.parent
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
        module_name = ".".join(parts)
    elif importlib.util.find_spec(module_name.split(".")[0]) is None and "" not in sys.path:
        sys.path.insert(0, "")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise TargetError(f"cannot import {module_name!r}: {exc}") from None
    except Exception as exc:  # the user's module failed while importing
        raise TargetError(
            f"importing {module_name!r} failed: {type(exc).__name__}: {exc}"
        ) from None
    obj: Any = module
    for name in attr.split("."):
        try:
            obj = getattr(obj, name)
        except AttributeError:
            raise TargetError(f"module {module_name!r} has no attribute {attr!r}") from None
    if not callable(obj):
        raise TargetError(f"{spec!r} is not a WSGI or ASGI application")
    return obj


def app_transport(app: Any) -> httpx.AsyncBaseTransport:
    if is_asgi(app):
        return ASGIAppTransport(app)
    return WSGIAppTransport(app)


def resolve_target(target: Any, *, url: str | None = None) -> tuple[str, Router]:
    """The initial URL and the transport for ``target``.

    ``target`` is an http(s) URL, a local RCML file, ``module:attr`` /
    ``path/app.py:attr``, or an app object. For an app, ``url`` (a path or a URL) says
    where the call starts (default ``/``).
    """
    if not isinstance(target, str):
        if not callable(target):
            raise TargetError(f"{target!r} is not a URL, a file or an application")
        return _join_app(url), Router(app_transport(target))
    if target.startswith(("http://", "https://")):
        return (url and _absolute(url, target)) or target, Router()
    path = Path(target)
    if path.is_file() and not target.endswith(".py"):
        file_url = path.resolve().as_uri()
        return (url and _absolute(url, file_url)) or file_url, Router()
    if ":" in target and not path.exists():
        return _join_app(url), Router(app_transport(load_app(target)))
    if target.endswith(".py"):
        raise TargetError(f"{target}: give the application too, as {target}:app")
    raise TargetError(f"{target}: no such file, and not a URL or module:attr")


def _absolute(url: str, base: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, url)


def _join_app(url: str | None) -> str:
    if not url:
        return APP_BASE + "/"
    if url.startswith(("http://", "https://", "file:")):
        return url
    return APP_BASE + (url if url.startswith("/") else "/" + url)


def quote_path(path: str) -> str:
    return quote(path)
