"""``rcml.rehearse``: run a whole call against an app, a URL or a file, offline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx

from rcml._rehearse._engine import Engine
from rcml._rehearse._http import resolve_target
from rcml._rehearse._media import MediaBackend, TimingBackend
from rcml._rehearse._model import Rehearsal
from rcml._rehearse._script import CallerScript, load_script

__all__ = ["arehearse", "rehearse"]

Profile = Literal["restcomm", "docs"]
CallerArg = CallerScript | Mapping[str, Any] | str | Path | None


class _Cookies(httpx.Cookies):
    """Keeps cookies as RestComm's HTTP client does, but only parses responses that set
    one: httpx's cookie extraction costs more than the rest of an in-process request."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)

    def set_cookie_header(self, request: httpx.Request) -> None:
        if self.jar:
            super().set_cookie_header(request)


def _script(caller: CallerArg) -> CallerScript:
    if caller is None:
        return CallerScript()
    if isinstance(caller, CallerScript):
        return caller
    if isinstance(caller, Mapping):
        return CallerScript.from_mapping(caller, source="<caller>")
    if isinstance(caller, Path) or ("\n" not in caller and caller.endswith(".toml")):
        return load_script(caller)
    return CallerScript.from_toml(str(caller), source="<caller>")


async def arehearse(
    target: Any,
    caller: CallerArg = None,
    *,
    url: str | None = None,
    from_: str | None = None,
    to: str | None = None,
    profile: Profile = "restcomm",
    media: MediaBackend | Callable[[], MediaBackend] | None = None,
    max_documents: int = 50,
    http_timeout: float = 6.0,
    recordings_dir: str | Path | None = None,
    epoch: datetime | None = None,
    seed: int | None = None,
    client: httpx.AsyncClient | None = None,
) -> Rehearsal:
    """Rehearse one call; the coroutine form of :func:`rehearse`."""
    if profile not in ("restcomm", "docs"):
        raise ValueError(f"profile must be 'restcomm' or 'docs', not {profile!r}")
    script = _script(caller)
    spec = script.call
    overrides: dict[str, Any] = {}
    if from_ is not None:
        overrides["from_"] = from_
    if to is not None:
        overrides["to"] = to
    if overrides:
        from dataclasses import replace

        script = replace(script, call=replace(spec, **overrides))
    initial, transport = resolve_target(target, url=url or spec.url)
    backend = media() if callable(media) and not isinstance(media, MediaBackend) else media
    own_client = client is None
    http = client or httpx.AsyncClient(
        transport=transport, follow_redirects=False, cookies=_Cookies()
    )
    try:
        engine = Engine(
            script=script,
            client=http,
            url=initial,
            media=backend if backend is not None else TimingBackend(),
            profile=profile,
            max_documents=max_documents,
            http_timeout=http_timeout,
            recordings_dir=Path(recordings_dir) if recordings_dir is not None else None,
            epoch=epoch or datetime.now(UTC),
            seed=seed,
        )
        return await engine.run()
    finally:
        if own_client:
            await http.aclose()


def rehearse(target: Any, caller: CallerArg = None, **options: Any) -> Rehearsal:
    """Rehearse one call against ``target`` with a scripted caller.

    :param target: an http(s) URL, a local RCML file, ``"module:app"`` /
        ``"path/app.py:app"``, or a WSGI/ASGI application object.
    :param caller: a caller script: a :class:`CallerScript`, a mapping shaped like the
        TOML, TOML text, or the path of a ``.toml`` file. ``None``: an inbound call that
        presses nothing.
    :param options: see :func:`arehearse` (``url``, ``from_``, ``to``, ``profile``,
        ``media``, ``max_documents``, ``http_timeout``, ``recordings_dir``, ``epoch``,
        ``seed``).
    :raises ScriptError: the caller script is invalid.
    :raises TargetError: the target cannot be loaded.
    """
    return asyncio.run(arehearse(target, caller, **options))
