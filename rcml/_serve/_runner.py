"""Runs the calls the API creates: one rehearsal engine per call, paced to wall time.

Each call is an asyncio task. Its :class:`Pacer` is the engine's ``CallControl``: it
sleeps until each virtual second is due (``speed`` virtual seconds per wall second),
delivers live modifications, and writes the call to the store whenever its state
changes, so a GET or a list sees the call as it is now.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from rcml._rehearse._engine import Engine, LiveCommand
from rcml._rehearse._http import Router
from rcml._rehearse._media import MediaBackend, TimingBackend
from rcml._rehearse._model import CallRecord
from rcml._rehearse._script import CallerScript
from rcml._serve._store import CallStore, RecordingRow, StoredCall, stamp

__all__ = ["INLINE_HOST", "CallRequest", "CallRunner", "Pacer", "TooBusyError"]

#: Inline RCML (the ``Rcml``/``Twiml`` parameter) is served to the engine from this host.
INLINE_HOST = "inline.rcml.invalid"


class TooBusyError(Exception):
    """More calls are in progress than the server allows."""


@dataclass(frozen=True, slots=True)
class CallRequest:
    """A validated create request (the POST to Calls)."""

    from_: str
    to: str
    url: str | None = None
    rcml: str | None = None
    method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_event: tuple[str, ...] | None = None
    timeout: float = 60.0
    sip_headers: tuple[tuple[str, str], ...] = ()


class Pacer:
    """The engine's clock and mailbox for one call (see ``CallControl``)."""

    def __init__(
        self, speed: float, progress: Callable[[], None], *, origin: float | None = None
    ) -> None:
        self.speed = speed
        self._progress = progress
        self._loop = asyncio.get_running_loop()
        self._origin = self._loop.time() if origin is None else origin
        self._commands: list[LiveCommand] = []
        self._wake = asyncio.Event()

    async def wait(self, t: float) -> None:
        delay = self._origin + t / self.speed - self._loop.time()
        if delay > 0 and not self._commands:
            # What happened before now is stored now (a call starts ringing, then rings).
            self._progress()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
        self._progress()

    def now(self) -> float:
        return (self._loop.time() - self._origin) * self.speed

    def command(self) -> LiveCommand | None:
        return self._commands.pop(0) if self._commands else None

    def push(self, command: LiveCommand) -> None:
        self._commands.append(command)
        self._wake.set()

    def fork(self) -> Pacer:
        """The clock of an interpreter beside the call's (ChildCallMode Move and
        StayConnected): the same time, a mailbox of its own."""
        return Pacer(self.speed, self._progress, origin=self._origin)


class _ServedEngine(Engine):
    """The engine, with recordings served by the Calls API instead of ``file:`` URLs."""

    def __init__(
        self,
        *,
        recording_base: str,
        on_recording: Callable[[str, str, float, float], None],
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.recording_base = recording_base
        self.on_recording = on_recording

    def _store_recording(self, sid: str, start: float, end: float) -> str:
        super()._store_recording(sid, start, end)
        self.on_recording(sid, self._leg.record.sid, start, end)
        return f"{self.recording_base}{sid}.wav"


#: httpcore writes a POST's headers and body separately; without TCP_NODELAY the body
#: waits for the app's delayed ACK, 40 ms on every RCML fetch and status callback.
_NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


class _Transport(httpx.AsyncBaseTransport):
    """Inline documents, real HTTP (one pool shared by every call), then the rehearsal's
    router (``file:`` URLs)."""

    def __init__(self) -> None:
        self.router = Router()
        self.network = httpx.AsyncHTTPTransport(
            socket_options=_NODELAY, limits=httpx.Limits(max_connections=200)
        )
        self.inline: dict[str, bytes] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == INLINE_HOST:
            body = self.inline.get(request.url.path.lstrip("/"))
            if body is None:
                return httpx.Response(404, headers={"content-type": "text/plain"})
            return httpx.Response(200, headers={"content-type": "application/xml"}, content=body)
        if request.url.scheme in ("http", "https"):
            return await self.network.handle_async_request(request)
        return await self.router.handle_async_request(request)

    async def aclose(self) -> None:
        await self.network.aclose()
        await self.router.aclose()


@dataclass
class LiveCall:
    stored: StoredCall
    engine: _ServedEngine
    pacer: Pacer
    flavour: str
    task: asyncio.Task[None] | None = None
    muted: bool = False
    #: Dial legs (moved with ChildCallMode=Move) muted through the participant endpoint.
    muted_legs: dict[str, bool] = field(default_factory=dict)
    #: What the store last saw: (status, start, end, updated) of the engine's record.
    saved: tuple[Any, ...] = ()
    #: Dial legs already stored in a final status.
    children_done: set[str] = field(default_factory=set)
    #: Set once the call's final status is stored.
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class CallRunner:
    """Starts, steers and stops the calls of one server."""

    def __init__(
        self,
        store: CallStore,
        *,
        speed: float = 1.0,
        scenarios: Mapping[str, CallerScript] | None = None,
        recordings_dir: Path,
        profile: str = "restcomm",
        http_timeout: float = 6.0,
        media: Callable[[], MediaBackend] = TimingBackend,
        max_live: int = 10_000,
    ) -> None:
        self.store = store
        self.speed = speed
        self.scenarios = dict(scenarios or {})
        self.recordings_dir = recordings_dir
        self.profile = profile
        self.http_timeout = http_timeout
        self.media = media
        self.max_live = max_live
        self.transport = _Transport()
        self._live: dict[str, LiveCall] = {}
        # Dial legs still in progress, and what the store last saw of each.
        self._children: dict[str, tuple[StoredCall, tuple[Any, ...]]] = {}

    def live(self, sid: str) -> LiveCall | None:
        return self._live.get(sid)

    def script_for(self, to: str, display: str) -> CallerScript:
        for key in (to, display, "default"):
            if key in self.scenarios:
                return self.scenarios[key]
        return CallerScript()

    def start(
        self, stored: StoredCall, request: CallRequest, *, flavour: str, recording_base: str
    ) -> None:
        """Insert ``stored`` and run the call in the background."""
        if len(self._live) >= self.max_live:
            raise TooBusyError(f"{len(self._live)} calls are in progress (the limit)")
        url = request.url
        if request.rcml is not None:
            self.transport.inline[stored.sid] = request.rcml.encode("utf-8")
            url = f"http://{INLINE_HOST}/{stored.sid}"
        assert url is not None
        base = self.script_for(request.to, stored.to)
        spec = replace(
            base.call,
            from_=request.from_,
            to=request.to if flavour == "twilio" else stored.to,
            direction="outbound-api",
            url=url,
            method=request.method,
            fallback_url=request.fallback_url,
            fallback_method=request.fallback_method,
            status_callback=request.status_callback,
            status_callback_method=request.status_callback_method,
            status_callback_event=request.status_callback_event,
            timeout=request.timeout,
            sip_headers=base.call.sip_headers + request.sip_headers,
        )
        epoch = _parse(stored.date_created)
        client = httpx.AsyncClient(
            transport=self.transport, follow_redirects=False, trust_env=False
        )
        pacer = Pacer(self.speed, lambda: self._sync(stored.sid))
        engine = _ServedEngine(
            recording_base=recording_base,
            on_recording=lambda sid, call_sid, start, end: self._recorded(
                stored.account_sid, epoch, sid, call_sid, start, end
            ),
            script=replace(base, call=spec),
            client=client,
            url=url,
            media=self.media(),
            profile=self.profile,
            http_timeout=self.http_timeout,
            recordings_dir=self.recordings_dir,
            epoch=epoch,
            control=pacer,
        )
        # The API has already answered with these Sids; the engine's call takes them.
        engine.account_sid = stored.account_sid
        engine.main.record.sid = stored.sid
        engine.main.record.account_sid = stored.account_sid
        live = LiveCall(stored, engine, pacer, flavour)
        self.store.insert_call(stored)
        self._live[stored.sid] = live
        live.task = asyncio.create_task(self._run(live), name=f"call {stored.sid}")

    async def _run(self, live: LiveCall) -> None:
        try:
            await live.engine.run()
        except asyncio.CancelledError:
            self._fail(live)
            raise
        except Exception:
            # An engine bug must not leave the record "in-progress" forever.
            self._fail(live)
        else:
            self._sync(live.stored.sid, final=True)
        finally:
            live.ended.set()
            self._live.pop(live.stored.sid, None)
            self.transport.inline.pop(live.stored.sid, None)

    def command(self, sid: str, command: LiveCommand) -> bool:
        live = self._live.get(sid)
        if live is None:
            return False
        if command.kind == "mute":
            live.muted = command.muted
        live.pacer.push(command)
        return True

    def _engine_of(self, sid: str, parent_sid: str | None) -> LiveCall | None:
        """The live call whose engine runs call ``sid`` (itself, or its parent's)."""
        live = self._live.get(sid)
        if live is None and parent_sid is not None:
            live = self._live.get(parent_sid)
        return live

    def conference_of(self, sid: str, parent_sid: str | None = None) -> str | None:
        """The conference room call ``sid`` is in now (None: none)."""
        live = self._engine_of(sid, parent_sid)
        if live is None:
            return None
        now = live.pacer.now() + 1e-6
        room: str | None = None
        for event in live.engine.out.events:
            if event.call_sid != sid or event.t > now:
                continue
            if event.type == "conference-join":
                room = str(event.details.get("room"))
            elif event.type == "conference-leave":
                room = None
        return room

    def mute(self, sid: str, parent_sid: str | None, muted: bool) -> bool:
        """Mute (unmute) call ``sid``, a call of the API or a Dial leg moved with it."""
        live = self._live.get(sid)
        if live is not None:
            return self.command(sid, LiveCommand("mute", muted=muted))
        live = self._engine_of(sid, parent_sid)
        if live is None:
            return False
        live.muted_legs[sid] = muted
        return True

    def muted(self, sid: str, parent_sid: str | None = None) -> bool:
        live = self._live.get(sid)
        if live is not None:
            return live.muted
        live = self._engine_of(sid, parent_sid)
        return live.muted_legs.get(sid, False) if live is not None else False

    def redirect_inline(self, sid: str, rcml: str) -> str:
        """Serve ``rcml`` for a live redirect (Twilio's ``Twiml`` on update); its URL."""
        key = f"{sid}/{len(self.transport.inline)}"
        self.transport.inline[key] = rcml.encode("utf-8")
        return f"http://{INLINE_HOST}/{key}"

    def set_callbacks(self, sid: str, **changes: Any) -> None:
        """Change the call's StatusCallback / Fallback settings from now on."""
        live = self._live.get(sid)
        if live is None or not changes:
            return
        engine = live.engine
        engine.script = replace(engine.script, call=replace(engine.script.call, **changes))

    async def aclose(self) -> None:
        """Stop every call in progress; each is stored as failed."""
        tasks = [live.task for live in self._live.values() if live.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.transport.aclose()

    # ------------------------------------------------------------------ persistence

    def _recorded(
        self,
        account_sid: str,
        epoch: datetime,
        sid: str,
        call_sid: str,
        start: float,
        end: float,
    ) -> None:
        path = self.recordings_dir / f"{sid}.wav"
        created = stamp(epoch + timedelta(seconds=start))
        self.store.add_recording(
            RecordingRow(sid, account_sid, call_sid, round(end - start, 2), created, str(path))
        )

    def _sync(self, sid: str, *, final: bool = False) -> None:
        """Write the call (and its Dial legs) to the store if anything changed.

        The engine computes a verb's effects ahead of wall time (a Dial leg's whole life
        at once); a change stamped later than now waits for its moment, unless ``final``.
        """
        live = self._live.get(sid)
        if live is None:
            return
        now = float("inf") if final else live.pacer.now() + 1e-6
        record = live.engine.out.call
        key = _key(record)
        if key != live.saved and record.updated <= now:
            live.saved = key
            _apply(live.stored, record)
            self.store.update_call(live.stored)
            if not live.stored.live:
                live.ended.set()
        for child_record in live.engine.out.child_calls:
            if child_record.sid in live.children_done:
                continue
            key = _key(child_record)
            if child_record.updated > now:
                continue
            known = self._children.get(child_record.sid)
            if known is None:
                child = _stored(child_record, live.stored)
                self.store.insert_call(child)
            elif known[1] != key:
                child = known[0]
                _apply(child, child_record)
                self.store.update_call(child)
            else:
                continue
            if child.live:
                self._children[child.sid] = (child, key)
            else:
                self._children.pop(child.sid, None)
                live.children_done.add(child.sid)

    def _fail(self, live: LiveCall) -> None:
        stored = live.stored
        now = stamp(datetime.now(UTC))
        stored.status = "failed"
        stored.date_updated = now
        if stored.start_time is not None and stored.end_time is None:
            stored.end_time = now
        self.store.update_call(stored)
        for child, _ in list(self._children.values()):
            if child.parent_call_sid == stored.sid:
                child.status, child.date_updated = "failed", now
                self.store.update_call(child)
                del self._children[child.sid]


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _key(record: CallRecord) -> tuple[Any, ...]:
    return (record.status, record.start, record.end, record.updated)


def _apply(stored: StoredCall, record: CallRecord) -> None:
    stored.status = record.status
    stored.date_updated = stamp(record.at(record.updated))
    stored.start_time = stamp(record.at(record.start)) if record.start is not None else None
    stored.end_time = stamp(record.at(record.end)) if record.end is not None else None
    stored.duration = record.duration
    stored.answered_by = record.answered_by


def _stored(record: CallRecord, parent: StoredCall) -> StoredCall:
    target = record.to
    stored = StoredCall(
        sid=record.sid,
        account_sid=parent.account_sid,
        from_=record.from_,
        to=display_to(target),
        to_uri=target,
        direction=record.direction,
        status=record.status,
        date_created=stamp(record.at(record.created)),
        date_updated=stamp(record.at(record.updated)),
        parent_call_sid=record.parent_call_sid or parent.sid,
        api=parent.api,
    )
    _apply(stored, record)
    return stored


def display_to(to: str) -> str:
    """The called party as RestComm lists it: ``client:alice`` and ``sip:alice@host`` are
    ``alice`` (seeds 001: To=sip:alice@127.0.0.1:5061 answers ``"to": "alice"``)."""
    target = to.split("?", 1)[0]
    if target.startswith("client:"):
        return target[len("client:") :]
    if target.startswith(("sip:", "sips:")):
        user = target.split(":", 1)[1]
        return user.split("@", 1)[0] if "@" in user else user
    return target


def load_scenarios(folder: Path) -> dict[str, CallerScript]:
    """The caller scripts in ``folder``, keyed by their ``[call] to`` or file name.

    ``default.toml`` (key ``"default"``) serves every number no other script names.
    """
    import tomllib

    from rcml._rehearse._script import ScriptError, load_script

    scripts: dict[str, CallerScript] = {}
    for path in sorted(folder.glob("*.toml")):
        script = load_script(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:  # pragma: no cover - load_script said so
            raise ScriptError(str(exc), source=str(path)) from None
        to = data.get("call", {}).get("to") if isinstance(data.get("call"), dict) else None
        key = path.stem if path.stem == "default" or not isinstance(to, str) else to
        scripts[key] = script
    return scripts
