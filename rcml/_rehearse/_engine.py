"""The interpreter: runs a call the way RestComm's VoiceInterpreter does, on a virtual clock.

Reference sections are cited as §n (``shared/spec/rcml-reference.md``). Where RestComm's
docs and code disagree, ``profile="restcomm"`` follows the code and ``"docs"`` the docs;
every such fork is marked ``# profile:``.

The clock never waits: ``self.t`` is advanced by what each verb would take (prompt
lengths, timeouts, ringing), so a ten-minute call rehearses in milliseconds. A
:class:`CallControl` (``rcml serve``) paces it to wall time instead, and hands in live
call modifications, which the engine applies between verbs.
"""

from __future__ import annotations

import asyncio
import copy
import random
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, NoReturn, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from rcml import _ast as a
from rcml._exceptions import DocumentError
from rcml._rehearse._http import APP_BASE, ASGIAppTransport, prepare
from rcml._rehearse._media import Clip, MediaBackend, MediaError, TimingBackend
from rcml._rehearse._model import (
    API_VERSION,
    CallRecord,
    HttpExchange,
    Recording,
    Rehearsal,
    RehearsalEvent,
    SentMessage,
    clock,
)
from rcml._rehearse._script import CallerScript, DialSpec, GatherInput, RecordInput


class Answer(Protocol):
    """What the interpreter reads of a response: httpx's, or an in-process app's."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Any: ...  # a mapping with lower-case keys
    @property
    def content(self) -> bytes: ...


_APP_PREFIX = APP_BASE + "/"
# Sent with every request, by httpx or straight to an in-process app alike.
_HEADERS = {
    "accept": "*/*",
    "accept-encoding": "gzip, deflate",
    "connection": "keep-alive",
    "user-agent": "rcml-rehearse (RestComm interpreter)",
}
_APP_HEADERS = [(b"host", b"testserver")] + [(k.encode(), v.encode()) for k, v in _HEADERS.items()]
_FORM_TYPE = "application/x-www-form-urlencoded"

Params = list[tuple[str, str | None]]

_XML_TYPES = ("text/xml", "application/xml", "text/html")
_WAV_TYPES = ("audio/wav", "audio/wave", "audio/x-wav")
_ALL_EVENTS = ("initiated", "ringing", "answered", "completed")
_NOUN_SEQUENCE = {"initiated": 0, "ringing": 1, "answered": 2, "completed": 3}
#: What the caller does by default after the prompts before pressing the first key.
THINK_SECONDS = 1.0
#: RestComm waits this long for a screening document (§2.7).
SCREENING_LIMIT = 60.0


class _CallOver(Exception):
    """The call has ended (hung up, rejected, failed); nothing more runs on it."""


class _Stall(Exception):
    """RestComm would leave the call up with nothing happening (§2.14, §3.5, §3.6)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


@dataclass
class Leg:
    record: CallRecord
    answered: bool = False
    ended: bool = False
    outbound_sid: str | None = None
    sip_headers: Sequence[tuple[str, str]] = ()
    gathers: list[GatherInput] = field(default_factory=list)
    records: list[RecordInput] = field(default_factory=list)
    screening: bool = False


@dataclass(frozen=True, slots=True)
class LiveCommand:
    """A live call modification (the Calls API's POST to a call), applied between verbs.

    ``kind``: ``"redirect"`` (run the RCML at ``url`` now), ``"hangup"`` (``status``
    ``completed`` ends any call, ``canceled`` one that is not answered yet) or ``"mute"``.

    ``child_call_mode`` (a redirect): ``Hangup`` ends a connected Dial leg; ``Move`` sends
    it to ``url`` as well, where it runs the RCML as a call of its own; ``StayConnected``
    leaves the call as it is and runs ``url`` beside it. The last two need a control
    with ``fork()``; without one they act as ``Hangup``.
    """

    kind: str
    url: str | None = None
    method: str = "POST"
    status: str | None = None
    muted: bool = False
    child_call_mode: str = "Hangup"
    #: What the transcript says of a hangup (default: "hung up through the Calls API").
    reason: str | None = None


class CallControl(Protocol):
    """Paces the virtual clock and delivers live commands; without one the clock never waits."""

    async def wait(self, t: float) -> None:
        """Return once virtual second ``t`` is due, or earlier if a command is pending."""

    def now(self) -> float:
        """The virtual second it is now (less than a pending wait's ``t`` when cut short)."""

    def command(self) -> LiveCommand | None:
        """The next pending command, removing it."""


class ForkingControl(CallControl, Protocol):
    """A control that can also pace interpreters running beside the call's own (a Dial
    leg moved with its parent, RCML run in parallel): ``ChildCallMode`` needs one."""

    def fork(self) -> CallControl:
        """A control on the same clock with a mailbox of its own."""

    def push(self, command: LiveCommand) -> None:
        """Deliver ``command`` to this control's interpreter (waking its wait)."""


class FetchFailed(Exception):
    def __init__(self, reason: str, status: int | None = None) -> None:
        self.reason = reason
        self.status = status


class Engine:
    def __init__(
        self,
        *,
        script: CallerScript,
        client: httpx.AsyncClient,
        app: ASGIAppTransport | None = None,
        url: str,
        media: MediaBackend,
        profile: str = "restcomm",
        max_documents: int = 50,
        http_timeout: float = 6.0,
        recordings_dir: Path | None = None,
        epoch: datetime,
        seed: int | None = None,
        control: CallControl | None = None,
    ) -> None:
        self.script = script
        self.control = control
        self.client = client
        self.app = app
        self.url = url
        self.media = media
        self.profile = profile
        self.max_documents = max_documents
        self.http_timeout = http_timeout
        self.recordings_dir = recordings_dir
        self.epoch = epoch
        self.rng = random.Random(seed)
        self.t = 0.0
        self.documents = 0
        self.account_sid = self._sid("AC")
        self.instance_id = self._sid("ID")
        spec = script.call
        self.deadline = spec.hangup_after if spec.hangup_after is not None else float("inf")
        record = CallRecord(
            sid=self._sid("CA"),
            account_sid=self.account_sid,
            from_=spec.from_,
            to=spec.to,
            direction=spec.direction,
            status="queued",
            caller_name=spec.caller_name,
            forwarded_from=spec.forwarded_from,
            phone_number_sid=self._sid("PN") if spec.direction == "inbound" else None,
            epoch=epoch,
        )
        self.main = Leg(
            record,
            sip_headers=spec.sip_headers,
            gathers=list(script.gather),
            records=list(script.record),
        )
        self.out = Rehearsal(call=record, profile=profile, media=media.name)
        self.num_digits: int | None = None  # §4.10: carries over between Gathers
        self._callback_seq = 0
        # Status callbacks due but not sent yet (answering happens inside sync code).
        self._pending: list[tuple[str, float]] = []
        self._audio_cache: dict[str, Clip] = {}
        self._line: int | None = None
        self._timeout = {"timeout": httpx.Timeout(http_timeout).as_dict()}
        # Interpreters beside this one (ChildCallMode Move / StayConnected; control only).
        self._moved: list[asyncio.Task[None]] = []
        self._parallel: list[asyncio.Task[None]] = []
        self._moved_sids: set[str] = set()
        self._hung_up = False

    # ------------------------------------------------------------------ helpers

    def _sid(self, prefix: str) -> str:
        return prefix + f"{self.rng.getrandbits(128):032x}"

    def event(
        self, type_: str, node: a.Node | None = None, doc: str | None = None, **details: Any
    ) -> None:
        # Verbs run as effective copies shared between calls (see _effective), whose pos
        # may be another document's: the line is the running verb's.
        line = self._line if node is not None else None
        self.out.events.append(
            RehearsalEvent(
                self.t,
                type_,
                verb=node.TAG if node is not None else None,
                url=doc,
                line=line,
                details=details,
                call_sid=self._leg.record.sid,
            )
        )

    def say(self, text: str) -> None:
        prefix = "  " if self._leg.screening else ""
        self.out.transcript.append(f"{clock(self.t)}  {prefix}{text}")

    def problem(self, text: str) -> None:
        self.out.problems.append(text)
        self.say(f"!! {text}")

    _leg: Leg

    def params(self, leg: Leg, **extra: str | None) -> Params:
        """The standard parameters (§3.1) plus ``extra``."""
        r = leg.record
        status = "completed" if leg.ended else "in-progress" if leg.answered else r.status
        p: Params = [("CallSid", r.sid), ("InstanceId", self.instance_id)]
        if leg.outbound_sid:
            p.append(("OutboundCallSid", leg.outbound_sid))
        p += [
            ("AccountSid", r.account_sid),
            ("From", r.from_),
            ("To", r.to),
            ("CallStatus", status),
            ("ApiVersion", API_VERSION),
            ("Direction", r.direction),
            ("CallerName", r.caller_name or "null"),
            ("ForwardedFrom", r.forwarded_from or "null"),
            ("CallTimestamp", r.at(r.created).isoformat(timespec="milliseconds")),
        ]
        for name, value in leg.sip_headers:
            p.append((f"SipHeader_{name}", value))
        p += list(extra.items())
        return p

    def _advance(self, seconds: float) -> bool:
        """Move the clock on by ``seconds``; False if the caller hangs up first."""
        end = self.t + max(0.0, seconds)
        if not self._leg.screening and end > self.deadline:
            self.t = max(self.t, self.deadline)
            return False
        self.t = end
        return True

    def _caller_hangs_up(self, reason: str | None = None) -> NoReturn:
        leg = self.main
        self._leg = leg
        after = self.script.call.hangup_after
        if reason is None:
            reason = f"hangup_after = {after:g} s" if after is not None else "script over"
        self.say(f"caller hangs up ({reason})")
        self.event("caller-hangup")
        self._end(leg, "completed" if leg.answered else "canceled")
        raise _CallOver

    def _end(self, leg: Leg, status: str) -> None:
        if leg.ended:
            return
        leg.ended = True
        r = leg.record
        r.status = status
        r.updated = self.t
        if leg.answered:
            r.end = self.t

    # ------------------------------------------------------------------ the call

    async def run(self) -> Rehearsal:
        try:
            return await self._run()
        finally:
            for task in self._moved + self._parallel:
                task.cancel()

    async def _run(self) -> Rehearsal:
        leg = self.main
        self._leg = leg
        spec = self.script.call
        r = leg.record
        try:
            try:
                if spec.direction == "outbound-api":
                    await self._place_outbound(leg)
                else:
                    r.status = "ringing"
                    self.say(f"incoming call {r.sid} from {r.from_} to {r.to}")
                    self.event("ringing")
                    await self._status_callback("ringing")
                document = await self._initial_fetch(leg)
                while document is not None:
                    document = await self._run_document(document, leg)
                    if document is None and self.control is not None:
                        document = await self._checkpoint(leg)
                # Ran off the end of the document (§4.1.4).
                if leg.answered:
                    self.say("end of RCML: RestComm hangs up")
                    self.event("hangup", reason="end-of-document")
                    self._end(leg, "completed")
                else:
                    self.say("end of RCML before answering: RestComm answers SIP 500")
                    self.event("sip-response", code=500, reason="end-of-document")
                    self._end(leg, "failed")
            except _Stall as stall:
                self.say(f"call stalls: {stall.reason}")
                self.event("stall", reason=stall.reason)
                if self.deadline != float("inf"):
                    self.t = max(self.t, self.deadline)
                    self._caller_hangs_up()
                self.problem(f"the call stalls: {stall.reason}, and the caller never hangs up")
                self._end(leg, "completed" if leg.answered else "failed")
        except _CallOver:
            pass
        if not leg.ended:  # pragma: no cover - every path ends the leg
            self._end(leg, "completed")
        for task in self._parallel:
            task.cancel()  # StayConnected: the call ends with its existing RCML
        if self.control is not None:
            await self.control.wait(self.t)
        await self._flush_callbacks()
        await self._status_callback("completed")
        if self._moved:
            # ChildCallMode=Move: a moved leg is a call of its own now; it runs to its end.
            await asyncio.gather(*self._moved, return_exceptions=True)
        self.media.finish(self.t)
        self._summary()
        return self.out

    async def _place_outbound(self, leg: Leg) -> None:
        spec = self.script.call
        r = leg.record
        self.say(f"outbound call {r.sid} from {r.from_} to {r.to}")
        self.event("initiated")
        await self._status_callback("initiated")
        r.status = "ringing"
        self.event("ringing")
        await self._status_callback("ringing")
        if spec.outcome is not None or spec.answer_after >= spec.timeout:
            outcome = spec.outcome or "no-answer"
            wait = spec.timeout if outcome == "no-answer" else min(spec.answer_after, spec.timeout)
            self.t += wait
            await self._checkpoint(leg)
            self.say(f"called party: {outcome}")
            self.event("outcome", status=outcome)
            self._end(leg, outcome)
            raise _CallOver
        self.t += spec.answer_after
        await self._checkpoint(leg)
        self._answer(leg)

    async def _checkpoint(self, leg: Leg) -> a.Document | None:
        """Wait for wall time to catch up with the clock, applying live commands.

        A command that changes the call's course cuts the wait short: the clock goes
        back to the moment it arrived, so the verb that was playing (or the ringing)
        ends there. Mute, and a cancel of an answered call, change nothing.
        """
        command = await self._next_command(leg)
        if command is None:
            return None
        return await self._apply(leg, command)

    async def _next_command(self, leg: Leg) -> LiveCommand | None:
        """Wait until the clock's time is due; the first command that changes the call's
        course, with the clock set back to when it came (None: none came)."""
        if self.control is None:
            return None
        while True:
            await self.control.wait(self.t)
            command = self.control.command()
            if command is None or leg.ended:
                return None
            self._leg = leg
            details: dict[str, Any] = {"to": command.url, "status": command.status}
            if command.url:
                details["child_call_mode"] = command.child_call_mode
            self.event("live-" + command.kind, **details)
            if command.kind == "mute":
                self.say("muted" if command.muted else "unmuted")
                continue
            if command.kind == "hangup" and command.status == "canceled" and leg.answered:
                continue  # seeds: canceled does not affect a call already in progress
            if (
                command.kind == "redirect"
                and command.child_call_mode == "StayConnected"
                and leg.answered
                and self._start_parallel(leg, command)
            ):
                continue  # the call goes on as it was
            break
        self.t = min(self.t, self.control.now())
        return command

    async def _apply(self, leg: Leg, command: LiveCommand) -> a.Document | None:
        """Apply a command :meth:`_next_command` returned: hang up, or the new RCML."""
        for child in self.out.child_calls:
            # ChildCallMode=Hangup (the default): a connected Dial leg ends with the change.
            if child.sid in self._moved_sids:
                continue
            if child.end is not None and child.end > self.t:
                child.end = child.updated = max(child.start or self.t, self.t)
        if command.kind == "hangup":
            self.say(command.reason or f"hung up through the Calls API (Status={command.status})")
            self._end(leg, "completed" if leg.answered else "canceled")
            raise _CallOver
        assert command.url is not None
        if not leg.answered:
            # Still ringing: the new URL is where the call will start once answered.
            self.url = command.url
            self.script = replace(
                self.script, call=replace(self.script.call, method=command.method)
            )
            return None
        self.say(f"redirected through the Calls API to {_short(command.url)}")
        return await self._live_fetch(command.url, command.method, leg)

    async def _live_fetch(self, url: str, method: str, leg: Leg) -> a.Document | None:
        """Fetch the RCML a live modification names, then its FallbackUrl if that fails
        (the modification's own, or else the call's)."""
        spec = self.script.call
        try:
            return await self._fetch_document("live-redirect", url, method, leg)
        except FetchFailed as failure:
            if spec.fallback_url is None:
                self._fetch_failed(leg, failure)
            fallback = urljoin(url, spec.fallback_url)
            self.say(f"live redirect fetch failed ({failure.reason}): trying the fallback URL")
            try:
                return await self._fetch_document("fallback", fallback, spec.fallback_method, leg)
            except FetchFailed as second:
                self._fetch_failed(leg, second)

    # ------------------------------------------------------------------ beside the call

    def _side_engine(self, leg: Leg, url: str, deadline: float) -> Engine | None:
        """An interpreter for ``leg`` on this call's clock, sharing its record of the
        rehearsal (None: the control cannot fork)."""
        fork = getattr(self.control, "fork", None)
        if fork is None:
            return None
        side = copy.copy(self)
        side.control = fork()
        side.main = side._leg = leg
        side.url = url
        side.deadline = deadline
        # The caller's audio is the call's own; prompts of another interpreter are not in it.
        side.media = TimingBackend()
        side.documents = 0
        side.num_digits = None
        side._pending = []
        side._moved, side._parallel = [], []
        side._hung_up = False
        side._line = None
        return side

    def _start_parallel(self, leg: Leg, command: LiveCommand) -> bool:
        """ChildCallMode=StayConnected: run ``command.url`` beside the call's own RCML."""
        assert command.url is not None
        now = min(self.t, self.control.now()) if self.control is not None else self.t
        # A leg of its own on a copy of the record: when the parallel RCML ends, the call
        # does not; a <Hangup> in it hangs the call up through this control.
        shadow = Leg(
            replace(leg.record),
            answered=True,
            outbound_sid=leg.outbound_sid,
            sip_headers=leg.sip_headers,
            gathers=leg.gathers,
            records=leg.records,
        )
        side = self._side_engine(shadow, command.url, self.deadline)
        if side is None:
            return False
        side.t = now
        self.say(f"runs {_short(command.url)} in parallel (ChildCallMode=StayConnected)")
        task = asyncio.create_task(side._run_beside(command, parallel=True, parent=self.control))
        self._parallel.append(task)
        return True

    def _start_moved(self, b: _Branch, command: LiveCommand, bridge_start: float) -> bool:
        """ChildCallMode=Move: the connected Dial leg runs ``command.url`` as well."""
        assert command.url is not None
        talk = b.spec.talk if b.spec.talk is not None else 10.0
        leg = Leg(b.child, answered=True, gathers=list(b.spec.gather))
        # The dialled party still hangs up when its script says.
        side = self._side_engine(leg, command.url, bridge_start + talk)
        if side is None:
            return False
        side.t = self.t
        self._moved_sids.add(b.child.sid)
        self.say(f"{b.target} moves to {_short(command.url)} too (ChildCallMode=Move)")
        task = asyncio.create_task(side._run_beside(command, parallel=False, branch=b))
        self._moved.append(task)
        return True

    async def _run_beside(
        self,
        command: LiveCommand,
        *,
        parallel: bool,
        branch: _Branch | None = None,
        parent: CallControl | None = None,
    ) -> None:
        """Run ``command.url`` on this (side) interpreter's leg until it ends."""
        assert command.url is not None
        leg = self.main
        self._leg = leg
        try:
            try:
                document = await self._live_fetch(command.url, command.method, leg)
                while document is not None:
                    document = await self._run_document(document, leg)
                    if document is None and self.control is not None:
                        document = await self._checkpoint(leg)
                if parallel:
                    self.say("end of the parallel RCML: the call goes on")
                    self.event("parallel-end")
                else:
                    self.say("end of RCML: RestComm hangs up")
                    self.event("hangup", reason="end-of-document")
                    self._end(leg, "completed")
            except _Stall as stall:
                self.say(f"call stalls: {stall.reason}")
                self.event("stall", reason=stall.reason)
                if not parallel:
                    self.t = max(self.t, self.deadline) if self.deadline != float("inf") else self.t
                    self._end(leg, "completed")
        except _CallOver:
            pass
        if parallel:
            if self._hung_up and parent is not None:
                push = getattr(parent, "push", None)
                if push is not None:
                    reason = "the parallel RCML hung up (<Hangup>): the call ends"
                    push(LiveCommand("hangup", status="completed", reason=reason))
            return
        if self.control is not None:
            await self.control.wait(self.t)
        if branch is not None:
            await self._noun_callback(branch, "completed")

    def _answer(self, leg: Leg) -> None:
        if leg.answered:
            return
        leg.answered = True
        leg.record.status = "in-progress"
        leg.record.start = self.t
        leg.record.updated = self.t
        if not leg.screening:
            self.say("call answered")
            self.event("answered")
            self._pending.append(("answered", self.t))

    # ------------------------------------------------------------------ fetching

    async def _initial_fetch(self, leg: Leg) -> a.Document | None:
        spec = self.script.call
        try:
            return await self._fetch_document("initial", self.url, spec.method, leg)
        except FetchFailed as failure:
            if spec.fallback_url is None:
                self._fetch_failed(leg, failure)
            fallback = urljoin(self.url, spec.fallback_url)
            self.say(f"initial fetch failed ({failure.reason}): trying the fallback URL")
            try:
                return await self._fetch_document("fallback", fallback, spec.fallback_method, leg)
            except FetchFailed as second:
                self._fetch_failed(leg, second)

    def _fetch_failed(self, leg: Leg, failure: FetchFailed) -> NoReturn:
        """§3.6: what RestComm does when a document cannot be fetched."""
        if failure.status == 404:
            self.event("notification", code=21402, reason=failure.reason)
            if not leg.answered:
                self.say("document not found: RestComm answers SIP 404")
                self.event("sip-response", code=404)
                self.problem(f"fetch failed: {failure.reason}")
                self._end(leg, "failed")
                raise _CallOver
            self.problem(f"fetch failed: {failure.reason}")
            raise _Stall("RestComm received no further instructions (HTTP 404)")
        self.problem(f"fetch failed: {failure.reason}")
        if leg.answered:
            self.say("RestComm hangs up: the call failed")
            self.event("hangup", reason="fetch-failed")
        else:
            self.say("RestComm answers SIP 500 Problem to setup the call")
            self.event("sip-response", code=500)
        self._end(leg, "failed")
        raise _CallOver

    async def _call_app(
        self, app: ASGIAppTransport, method: str, url: str, body: bytes | None
    ) -> Answer:
        path, _, query = url[len(APP_BASE) :].partition("?")
        headers = list(_APP_HEADERS)
        if body is not None:
            headers += [
                (b"content-type", _FORM_TYPE.encode()),
                (b"content-length", b"%d" % len(body)),
            ]
        jar = self.client.cookies
        if jar.jar:  # RestComm's HTTP client sends back the cookies the app set
            probe = httpx.Request(method, url)
            jar.set_cookie_header(probe)
            if "cookie" in probe.headers:
                headers.append((b"cookie", probe.headers["cookie"].encode("latin-1")))
        answer = await app.call(method, path, query.encode(), headers, body or b"")
        if any(name.lower() == b"set-cookie" for name, _ in answer.raw):
            jar.extract_cookies(
                httpx.Response(
                    answer.status_code, headers=answer.raw, request=httpx.Request(method, url)
                )
            )
        return answer

    async def _request(
        self, purpose: str, url: str, method: str, params: Params, leg: Leg
    ) -> Answer | None:
        """Make one request and log it; None when no response came."""
        if self._pending and purpose != "status-callback":
            await self._flush_callbacks()
        if self.control is not None:
            await self.control.wait(self.t)
        method, final_url, body = prepare(method, url, params)
        headers = {**_HEADERS, "content-type": _FORM_TYPE} if body is not None else _HEADERS
        response = None
        error = None
        try:
            # wait_for also bounds in-process apps, which httpx's timeouts do not cover.
            # A Request built directly skips the client's base-URL merging, which costs
            # more than an in-process app's whole answer.
            if self.app is not None and final_url.startswith(_APP_PREFIX):
                pending: Awaitable[Answer] = self._call_app(self.app, method, final_url, body)
            else:
                request = httpx.Request(
                    method, final_url, headers=headers, content=body, extensions=self._timeout
                )
                if self.client.cookies.jar:  # send() alone does not add the client's cookies
                    self.client.cookies.set_cookie_header(request)
                pending = self.client.send(request)
            response = await asyncio.wait_for(pending, self.http_timeout)
        except (httpx.TimeoutException, TimeoutError):
            error = f"no answer within {self.http_timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except Exception as exc:  # an in-process app that raised
            error = f"the application raised {type(exc).__name__}: {exc}"
        self.out.requests.append(
            HttpExchange(
                t=self.t,
                purpose=purpose,
                method=method,
                url=url.split("#")[0],
                params=tuple(params),
                status=response.status_code if response is not None else None,
                content_type=response.headers.get("content-type") if response is not None else None,
                error=error,
                call_sid=leg.record.sid,
            )
        )
        return response

    async def _fetch_document(
        self,
        purpose: str,
        url: str,
        method: str,
        leg: Leg,
        extra: Params | None = None,
        *,
        sync: bool = True,
    ) -> a.Document | None:
        """Fetch RCML. ``sync``: the synchronous client path (§3.3: follows redirects,
        pre-parses any non-empty body as XML)."""
        if self.documents >= self.max_documents:
            self.problem(
                f"more than {self.max_documents} documents in one call (a redirect loop?);"
                " the rehearsal stops here"
            )
            self.event("document-cap", limit=self.max_documents)
            self._end(leg, "completed" if leg.answered else "failed")
            raise _CallOver
        params = self.params(leg, **dict(extra or []))
        if extra:
            params = self.params(leg) + list(extra)
        target = url
        for _ in range(10):
            response = await self._request(purpose, target, method, params, leg)
            if response is None:
                raise FetchFailed(self.out.requests[-1].error or "no response")
            if (
                sync
                and response.status_code in (301, 302, 303, 307)
                and "location" in response.headers
            ):
                target = urljoin(target, response.headers["location"])
                purpose = "redirect-follow"
                continue
            break
        else:
            raise FetchFailed(f"too many HTTP redirects from {url}")
        status = response.status_code
        short = _short(target)
        self.say(f"{method} {short} -> {status} ({purpose})")
        if status != 200:
            raise FetchFailed(f"{method} {short} answered HTTP {status}", status)
        body = response.content
        content_type = response.headers.get("content-type")
        kind = (content_type or "").lower()
        xml = any(t in kind for t in _XML_TYPES)
        # (An XML body is parsed below anyway, which fails the same way.)
        if sync and body and not xml and "content-length" in response.headers:
            # §3.3: the synchronous client checks every non-empty body is well-formed XML.
            try:
                from lxml import etree

                etree.fromstring(body, _safe_parser())
            except etree.XMLSyntaxError as exc:
                raise FetchFailed(f"{short}: the response is not well-formed XML ({exc})") from None
        self.documents += 1
        if not content_type:
            self.problem(f"{short}: the response has no Content-Type; RestComm hangs up")
            self.event("hangup", reason="no-content-type")
            self._end(leg, "failed")
            raise _CallOver
        if xml:
            return self._parse(body, target, leg, sync=sync)
        if any(t in kind for t in _WAV_TYPES):
            # §3.5: RestComm plays the request URL.
            return a.Document((a.Play(url=target),), url=target)
        if "text/plain" in kind:
            return a.Document((a.Say(text=body.decode("utf-8", "replace")),), url=target)
        raise _Stall(f"{short} answered {content_type}, which RestComm does not handle")

    def _parse(self, body: bytes, url: str, leg: Leg, *, sync: bool) -> a.Document:
        from rcml._parse import parse

        cached = _DOCUMENTS.get((body, url))
        try:
            try:
                document = cached if cached is not None else parse(body, url=url)
            except DocumentError as exc:
                if type(exc).__name__ != "SchemaError":
                    raise
                document = parse(body, url=url, strict=False)
        except DocumentError as exc:
            if sync:
                # §3.3: the synchronous client's XML check fails the fetch itself.
                short = _short(url)
                raise FetchFailed(f"{short}: the response is not well-formed XML ({exc})") from None
            self.problem(f"{_short(url)}: the RCML cannot be parsed: {exc}")
            self.event("hangup", reason="unparsable-rcml", error=str(exc))
            self._end(leg, "failed")
            raise _CallOver from None
        if cached is None:
            if len(_DOCUMENTS) >= 256:
                _DOCUMENTS.clear()
            _DOCUMENTS[(body, url)] = document
        path = urlsplit(url).path
        self._leg = leg
        self.event("document", doc=url, path=path, verbs=len(document.verbs))
        for w in document.warnings:
            self.event("warning", doc=url, kind=w.kind, message=w.message, line=w.line)
            self.say(f"   warning ({w.kind}) line {w.line}: {w.message}")
        return document

    async def _flush_callbacks(self) -> None:
        pending, self._pending = self._pending, []
        now = self.t
        for event, t in pending:
            self.t = t
            await self._status_callback(event)
        self.t = now

    async def _status_callback(self, event: str) -> None:
        """The call's own status callbacks ([call] status_callback; seeds: default completed)."""
        spec = self.script.call
        if spec.status_callback is None:
            return
        events = spec.status_callback_event or ("completed",)
        if event not in events:
            return
        leg = self.main
        extra: Params = []
        if event == "completed":
            extra.append(("CallDuration", str(leg.record.duration)))
        extra += [
            ("Timestamp", format_datetime(leg.record.at(self.t))),
            ("CallbackSource", "call-progress-events"),
            ("SequenceNumber", str(self._callback_seq)),
        ]
        self._callback_seq += 1
        params = self.params(leg)
        params = [(k, event if k == "CallStatus" else v) for k, v in params] + extra
        url = urljoin(self.url, spec.status_callback)
        await self._request("status-callback", url, spec.status_callback_method, params, leg)

    # ------------------------------------------------------------------ documents

    async def _run_document(self, document: a.Document, leg: Leg) -> a.Document | None:
        url = document.url or self.url
        for verb in document.verbs:
            if leg.ended:
                return None
            if self.control is not None:
                redirected = await self._checkpoint(leg)
                if redirected is not None:
                    return redirected
            if not leg.screening and self.t >= self.deadline:
                self._caller_hangs_up()
            handler = _HANDLERS.get(type(verb))
            if handler is None:
                continue
            pos = verb.pos
            self._line = pos.line if pos is not None else None
            verb = self._effective(verb)
            nxt: a.Document | None = await handler(self, verb, url, leg)
            if nxt is not None:
                return nxt
        return None

    def _effective(self, verb: a.Verb) -> a.Verb:
        key = (verb, self.profile)
        try:
            return _EFFECTIVE[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value somewhere: no caching
            return verb.effective("docs" if self.profile == "docs" else "restcomm")
        done = verb.effective("docs" if self.profile == "docs" else "restcomm")
        if len(_EFFECTIVE) >= 1024:
            _EFFECTIVE.clear()
        _EFFECTIVE[key] = done
        return done

    def _answer_for(self, verb: a.Node, leg: Leg) -> None:
        # §4.1.3: any verb but Reject and Pause answers a ringing inbound call first.
        if not leg.answered and not isinstance(verb, a.Reject | a.Pause):
            self._answer(leg)

    def _resolve(self, url: str, ref: str, verb: a.Node, leg: Leg) -> str:
        try:
            resolved = urljoin(url, ref.strip())
            parts = urlsplit(resolved)
            if not parts.scheme or " " in ref.strip():
                raise ValueError(ref)
            return resolved
        except ValueError:
            self.event("notification", verb, url, code=11100, value=ref)
            self.problem(f"{verb.TAG}: {ref!r} is not a valid URL; RestComm hangs up (11100)")
            self._end(leg, "failed" if not leg.answered else "completed")
            raise _CallOver from None

    def _place(self, clip: Clip, *, channel: str = "heard", length: float | None = None) -> None:
        if self._leg.screening:
            return
        self.media.place(clip, self.t, channel=channel, length=length)  # type: ignore[arg-type]

    def _loops(self, loop: int | None) -> int | None:
        """How many times a prompt plays; None: until the caller hangs up (docs, loop=0)."""
        n = 1 if loop is None else loop
        if n > 0:
            return n
        return None if self.profile == "docs" else 1  # profile: code omits it= (one play)

    # ------------------------------------------------------------------ Say / Play / Pause

    async def _say(self, verb: a.Say, url: str, leg: Leg) -> None:
        text = verb.text
        if not text:
            self.event("skipped", verb, url, reason="empty text")
            return
        self._answer_for(verb, leg)
        clip = self._speech(text, str(verb.voice or "man"), verb.language or "en", verb, url, leg)
        await self._play_clip(
            clip,
            verb,
            url,
            leg,
            self._loops(verb.loop),
            "say",
            text=text,
            voice=str(verb.voice),
            language=verb.language,
        )
        return None

    def _speech(
        self, text: str, voice: str, language: str, verb: a.Node, url: str, leg: Leg
    ) -> Clip:
        try:
            return self.media.speech(text, voice=voice, language=language)
        except MediaError as exc:
            self.event("notification", verb, url, code=13233, error=str(exc))
            self.problem(f"text to speech failed ({exc}); RestComm hangs up")
            self._end(leg, "completed")
            raise _CallOver from None

    async def _play_clip(
        self,
        clip: Clip,
        verb: a.Node,
        doc: str,
        leg: Leg,
        loops: int | None,
        kind: str,
        **details: Any,
    ) -> None:
        label = details.get("text") or details.get("url") or clip.label
        times = "" if loops == 1 else (" (looping until hangup)" if loops is None else f" x{loops}")
        who = f"[{details['voice']}] " if "voice" in details else ""
        self.say(f"{kind.capitalize()} {who}{_quote(label)}{times}")
        if clip.note:
            self.say(f"   note: {clip.note}")
        self.event(kind, verb, doc, duration=clip.duration, loop=loops, note=clip.note, **details)
        if loops is None and self.deadline == float("inf"):
            self.problem(
                f"{verb.TAG} loop=0 plays until the caller hangs up, and the caller never does"
            )
            self._end(leg, "completed")
            raise _CallOver
        count = 0
        while loops is None or count < loops:
            self._place(clip)
            if not self._advance(clip.duration):
                self._caller_hangs_up()
            count += 1

    async def _play(self, verb: a.Play, url: str, leg: Leg) -> None:
        if not verb.url:
            self.event("skipped", verb, url, reason="empty URL")
            return
        self._answer_for(verb, leg)
        media_url = self._resolve(url, verb.url, verb, leg)
        clip = await self._audio(media_url, verb, url, leg)
        await self._play_clip(clip, verb, url, leg, self._loops(verb.loop), "play", url=media_url)

    async def _audio(self, media_url: str, verb: a.Node, url: str, leg: Leg) -> Clip:
        cached = self._audio_cache.get(media_url)
        if cached is not None:
            return cached
        response = await self._request("media", media_url, "GET", [], leg)
        reason = None
        clip = None
        if response is None:
            reason = self.out.requests[-1].error
        elif response.status_code != 200:
            reason = f"HTTP {response.status_code}"
        else:
            try:
                clip = self.media.audio(
                    response.content,
                    content_type=response.headers.get("content-type"),
                    source=media_url,
                )
            except MediaError as exc:
                reason = str(exc)
        if clip is None:
            # §2.2: a media download failure is notification 13233 and the call is hung up.
            self.event("notification", verb, url, code=13233, media_url=media_url, error=reason)
            self.problem(f"{verb.TAG} {_short(media_url)} failed ({reason}); RestComm hangs up")
            self.event("hangup", verb, url, reason="media-failed")
            self._end(leg, "completed" if leg.answered else "failed")
            raise _CallOver
        self._audio_cache[media_url] = clip
        return clip

    async def _pause(self, verb: a.Pause, url: str, leg: Leg) -> None:
        length = max(0, verb.length or 0)
        state = "" if leg.answered else " (still ringing: RestComm waits without answering)"
        self.say(f"Pause {length} s{state}")
        self.event("pause", verb, url, length=length, answered=leg.answered)
        if not self._advance(length):
            self._caller_hangs_up()

    # ------------------------------------------------------------------ Gather

    def _pick(self, entries: list[Any], url: str, prompt_text: str) -> Any:
        path = urlsplit(url).path
        for i, entry in enumerate(entries):
            m = entry.match
            if m is not None and (m in (path, url) or m.casefold() in prompt_text.casefold()):
                return entries.pop(i)
        for i, entry in enumerate(entries):
            if entry.match is None:
                return entries.pop(i)
        return None

    async def _gather(self, verb: a.Gather, url: str, leg: Leg) -> a.Document | None:
        self._answer_for(verb, leg)
        # Prompts (§4.3.1): each child with its loops; a Say loop="0" drops the prompt.
        prompts: list[tuple[Clip, str, str]] = []
        texts: list[str] = []
        for child in verb.prompts:
            if isinstance(child, a.Say):
                if not child.text or (child.loop is not None and child.loop <= 0):
                    continue
                clip = self._speech(
                    child.text, str(child.voice or "man"), child.language or "en", child, url, leg
                )
                prompts += [(clip, "say", child.text)] * max(1, child.loop or 1)
                texts.append(child.text)
            elif isinstance(child, a.Play):
                if not child.url:
                    continue
                media_url = self._resolve(url, child.url, child, leg)
                clip = await self._audio(media_url, child, url, leg)
                prompts += [(clip, "play", media_url)] * max(1, child.loop or 1)
            elif isinstance(child, a.Pause):
                length = max(0, child.length if child.length is not None else 1)
                prompts.append((Clip("tone", float(length), "pause"), "pause", ""))
        prompt_length = sum(c.duration for c, _, _ in prompts)
        finish = verb.finish_on_key or ""
        if verb.finish_on_key == "":
            finish = "" if self.profile == "docs" else "#"  # profile: code turns '' into '#'
        if verb.num_digits is not None:
            self.num_digits = verb.num_digits
        num_digits = self.num_digits if self.profile == "restcomm" else verb.num_digits
        timeout = float(verb.timeout if verb.timeout is not None else 5)
        modes = str(verb.input or "dtmf")
        dtmf_on, speech_on = "dtmf" in modes, "speech" in modes
        hints = verb.hints or ()
        if len(hints) > 50 or any(len(h) > 100 for h in hints):
            self.problem(
                "Gather hints are over RestComm's limits (50 phrases, 100 characters each);"
                " the call fails"
            )
            self.event("hangup", verb, url, reason="hints-limit")
            self._end(leg, "failed")
            raise _CallOver
        start = self.t
        pool = leg.gathers
        entry: GatherInput | None = self._pick(pool, url, " ".join(texts))
        if entry is None and not leg.screening and self.deadline != float("inf"):
            entry = GatherInput(silence=True)  # the caller waits for hangup_after, silent
        if entry is None:
            self.say(
                f"Gather ({_describe_gather(num_digits, finish, timeout, modes)}) plays "
                f"{prompt_length:.1f} s of prompts"
            )
            self._prompts(prompts, None)
            if leg.screening:
                self.say("  the dialled party has no input left and hangs up")
                raise _ScreeningHangup
            self.problem(
                f"no [[gather]] entry left for the Gather at {_short(url)} line {_line(verb)};"
                " the scripted caller hangs up"
            )
            self.t = min(self.deadline, start + prompt_length)
            self._caller_hangs_up("no input left in the script")
        self.say(f"Gather ({_describe_gather(num_digits, finish, timeout, modes)})")
        self.event(
            "gather",
            verb,
            url,
            num_digits=num_digits,
            finish_on_key=finish,
            timeout=timeout,
            input=modes,
            prompts=round(prompt_length, 3),
        )
        first = start + (entry.after if entry.after is not None else prompt_length + THINK_SECONDS)
        timeout_at = start + prompt_length + timeout
        digits = ""
        speech = ""
        end: float
        hung_up = False
        if entry.hangup and not entry.digits and not entry.speech:
            end = first
            hung_up = True
        elif entry.digits and dtmf_on:
            end, digits, ended_by = self._keys(
                entry,
                first,
                start + prompt_length,
                timeout,
                finish,
                num_digits,
                verb.start_input_key or "*0123456789",
            )
            if ended_by == "hangup":
                hung_up = True
        elif entry.speech and speech_on:
            clip = self.media.speech(
                entry.speech, voice="caller", language=verb.language or "en-US"
            )
            if first > timeout_at:
                end = timeout_at
            else:
                speech = entry.speech
                end = first + clip.duration
                if not leg.screening:
                    self.media.place(clip, first, channel="sent")
                self.event("caller-speech", verb, url, text=speech, at=round(first, 3))
                await self._partial_results(verb, url, leg, speech, first, clip.duration)
            if entry.hangup:
                hung_up = True
        else:
            end = timeout_at
            if entry.hangup:
                hung_up = True
                end = first
        # The prompts play until the first key or word (barge-in) or to their end.
        cut = min(end, first) if (digits or speech or hung_up) else None
        self.t = start
        self._prompts(prompts, None if cut is None else cut - start)
        if not leg.screening and end > self.deadline:
            self.t = self.deadline
            self._caller_hangs_up()
        self.t = end
        if hung_up:
            if leg.screening:
                raise _ScreeningHangup
            self.deadline = min(self.deadline, end)
            self._caller_hangs_up()
        result = digits or speech
        if digits:
            self.say(f"caller pressed {digits}")
        elif speech:
            self.say(f"caller said {_quote(speech)}")
        else:
            self.say(f"no input: Gather timed out after {timeout:g} s")
        self.event("gather-end", verb, url, digits=digits, speech=speech)
        action = verb.action
        if action is None and self.profile == "docs":
            action = url  # profile: docs default the action to the current document
        on_empty = self.profile == "docs" and bool(verb.action_on_empty_result)
        if action is None or (not result and not on_empty):
            return None
        target = self._resolve(url, action, verb, leg)
        extra: Params = [("Digits", digits), ("SpeechResult", speech or None)]
        # §2.4: the Gather action goes through the asynchronous client (no XML pre-check).
        return await self._follow(
            "action", target, str(verb.method or "POST"), leg, extra, sync=False
        )

    def _keys(
        self,
        entry: GatherInput,
        first: float,
        prompts_end: float,
        timeout: float,
        finish: str,
        num_digits: int | None,
        start_keys: str,
    ) -> tuple[float, str, str]:
        """Press the scripted keys; (end time, collected digits, what ended it)."""
        collected = ""
        last = first
        if first > prompts_end + timeout:
            return prompts_end + timeout, "", "timeout"
        t = first
        for i, key in enumerate(entry.digits):
            t = first + i * entry.interval
            if i and t - last > timeout:
                return last + timeout, collected, "timeout"
            if not self._leg.screening:
                # The key counts when it is released: its tone ends at t, so a last key
                # that ends the call is still in the audio.
                tone = self.media.tone("dtmf", digit=key)
                self.media.place(tone, max(0.0, t - tone.duration), channel="sent")
            last = t
            if key in finish:
                return t, collected, "finish"
            if not collected and key not in start_keys:
                continue
            collected += key
            if num_digits is not None and len(collected) >= num_digits:
                return t, collected, "num-digits"
        if entry.hangup:
            return t, collected, "hangup"
        return t + timeout, collected, "timeout"

    def _prompts(self, prompts: list[tuple[Clip, str, str]], limit: float | None) -> None:
        """Place the Gather's prompts from self.t, cut after ``limit`` seconds."""
        t0 = self.t
        for clip, kind, label in prompts:
            offset = self.t - t0
            if limit is not None and offset >= limit:
                break
            length = None if limit is None or offset + clip.duration <= limit else limit - offset
            if kind != "pause":
                self._place(clip, length=length)
                text = _quote(label) if kind == "say" else _short(label)
                cut = " (cut short by the caller)" if length is not None else ""
                self.say(f"  {kind.capitalize()} {text}{cut}")
                self.event(
                    kind,
                    None,
                    None,
                    text=label if kind == "say" else None,
                    url=label if kind == "play" else None,
                    duration=clip.duration,
                    in_gather=True,
                    cut=length is not None,
                )
            self.t += clip.duration if length is None else length

    async def _partial_results(
        self, verb: a.Gather, url: str, leg: Leg, speech: str, start: float, duration: float
    ) -> None:
        if not verb.partial_result_callback:
            return
        target = self._resolve(url, verb.partial_result_callback, verb, leg)
        words = speech.split()
        saved = self.t
        for n in range(1, len(words)):
            self.t = start + duration * n / len(words)
            params = [*self.params(leg), ("UnstableSpeechResult", " ".join(words[:n]))]
            await self._request(
                "partial-result",
                target,
                str(verb.partial_result_callback_method or "POST"),
                params,
                leg,
            )
        self.t = saved

    # ------------------------------------------------------------------ Record

    async def _record(self, verb: a.Record, url: str, leg: Leg) -> a.Document | None:
        self._answer_for(verb, leg)
        if verb.play_beep is not False:
            beep = self.media.tone("beep")
            self._place(beep)
            self.say("beep")
            if not self._advance(beep.duration):
                self._caller_hangs_up()
        start = self.t
        finish = verb.finish_on_key or "#"
        if finish == "-1":
            finish = ""
        timeout = float(verb.timeout if verb.timeout is not None else 5)
        max_length = float(verb.max_length if verb.max_length is not None else 3600)
        entry: RecordInput | None = self._pick(leg.records, url, "")
        if entry is None and self.deadline != float("inf"):
            entry = RecordInput(seconds=0.0)  # the caller waits for hangup_after, silent
        self.event(
            "record", verb, url, finish_on_key=finish, timeout=timeout, max_length=max_length
        )
        digits: str | None = None
        if entry is None:
            self.problem(
                f"no [[record]] entry left for the Record at {_short(url)} line {_line(verb)};"
                " the scripted caller hangs up"
            )
            end = start
            digits = "hangup"
        else:
            if entry.speech:
                clip = self.media.speech(entry.speech, voice="caller", language="en")
                active = clip.duration
                self._place(clip, channel="sent")
                self.say(f"caller says {_quote(entry.speech)}")
            elif entry.audio is not None:
                clip = self.media.audio(
                    entry.audio.read_bytes(), content_type=None, source=str(entry.audio)
                )
                active = clip.duration
                self._place(clip, channel="sent")
                self.say(f"caller plays {entry.audio.name}")
            else:
                active = float(entry.seconds or 0)
            if entry.hangup:
                end, digits = start + active, "hangup"
            elif entry.finish_on_key and entry.finish_on_key in finish:
                end, digits = start + active, entry.finish_on_key
                if not leg.screening:
                    self.media.place(
                        self.media.tone("dtmf", digit=entry.finish_on_key), end, channel="sent"
                    )
            elif entry.speech or entry.audio is not None:
                end = start + active + timeout  # silence detection after the caller stops
            else:
                end = start + timeout
            if end - start > max_length:
                end, digits = start + max_length, None
        hung_up = digits == "hangup"
        if end > self.deadline:
            end, digits, hung_up = self.deadline, "hangup", True
        self.t = end
        duration = round(end - start, 2)
        rec_sid = self._sid("RE")
        rec_url = self._store_recording(rec_sid, start, end)
        self.out.recordings.append(Recording(rec_sid, leg.record.sid, rec_url, duration, start))
        self.say(f"recorded {duration:g} s" + (f", ended by {digits}" if digits else ""))
        self.event("record-end", verb, url, duration=duration, digits=digits, recording_url=rec_url)
        if hung_up:
            self.event("caller-hangup")
            self.say("caller hangs up")
            self._end(leg, "completed")
        if verb.transcribe or verb.transcribe_callback:
            await self._transcribe(verb, leg, entry, rec_url)
        action = verb.action
        if action is None and self.profile == "docs":
            action = url
        if action is None or (duration == 0 and self.profile == "docs"):
            if hung_up:
                raise _CallOver
            return None
        target = self._resolve(url, action, verb, leg)
        extra: Params = []
        if duration > 0:
            extra += [("RecordingUrl", rec_url), ("PublicRecordingUrl", rec_url)]
        extra += [("RecordingDuration", str(float(duration))), ("Digits", digits)]
        if hung_up:
            # §4.1.6: the action is still requested after a hangup; its answer is ignored.
            await self._request(
                "action", target, str(verb.method or "POST"), self.params(leg) + extra, leg
            )
            raise _CallOver
        return await self._follow("action", target, str(verb.method or "POST"), leg, extra)

    def _store_recording(self, sid: str, start: float, end: float) -> str:
        data = self.media.recording(start, end)
        if self.recordings_dir is None:
            import tempfile

            self.recordings_dir = Path(tempfile.mkdtemp(prefix="rcml-recordings-"))
        self.recordings_dir.mkdir(parents=True, exist_ok=True)
        path = self.recordings_dir / f"{sid}.wav"
        path.write_bytes(data)
        return path.resolve().as_uri()

    async def _transcribe(
        self, verb: a.Record, leg: Leg, entry: RecordInput | None, rec_url: str
    ) -> None:
        if not verb.transcribe_callback:
            self.event("transcription", verb, None, text=entry.speech if entry else "")
            return
        extra: Params = []
        if self.profile == "docs":
            extra = [
                ("TranscriptionText", entry.speech if entry else ""),
                ("TranscriptionStatus", "completed"),
                ("RecordingUrl", rec_url),
            ]
        # §2.5: the callback URL is used as given, not resolved against the document.
        await self._request(
            "transcribe-callback", verb.transcribe_callback, "POST", self.params(leg) + extra, leg
        )

    # ------------------------------------------------------------------ Dial

    async def _dial(self, verb: a.Dial, url: str, leg: Leg) -> a.Document | None:
        self._answer_for(verb, leg)
        if leg.screening:
            raise _ScreeningHangup("a screening document dialled")
        nouns: list[a.Node]
        if verb.target:
            # §2.6: text wins; nouns next to text are dropped.
            text = verb.target
            if "@" in text:
                nouns = [a.Sip(uri=text)]
            elif text.startswith("client"):
                nouns = [a.Client(login=text.removeprefix("client:").removeprefix("client"))]
            else:
                nouns = [a.Number(number=text)]
        else:
            nouns = [
                n.effective("docs" if self.profile == "docs" else "restcomm") for n in verb.nouns
            ]
        if not nouns:
            self.event("skipped", verb, url, reason="nothing to dial")
            return None
        conference = next((n for n in nouns if isinstance(n, a.Conference)), None)
        if conference is not None:
            return await self._conference(verb, conference, url, leg)
        return await self._dial_parties(verb, nouns, url, leg)

    def _dial_spec(self, target: str) -> DialSpec:
        dial = self.script.dial
        for key in (
            target,
            target.removeprefix("client:"),
            f"client:{target}",
            target.removeprefix("sip:"),
            f"sip:{target}",
        ):
            if key in dial:
                return dial[key]
        return DialSpec()

    async def _dial_parties(
        self, verb: a.Dial, nouns: list[a.Node], url: str, leg: Leg
    ) -> a.Document | None:
        t0 = self.t
        timeout = float(verb.timeout if verb.timeout is not None else 30)
        time_limit = float(verb.time_limit if verb.time_limit is not None else 14400)
        caller_id = verb.caller_id or leg.record.from_
        branches: list[_Branch] = []
        for noun in nouns:
            target = _noun_target(noun)
            child = CallRecord(
                sid=self._sid("CA"),
                account_sid=self.account_sid,
                from_=caller_id,
                to=target.split("?")[0],
                direction="outbound-dial",
                parent_call_sid=leg.record.sid,
                status="queued",
                created=t0,
                updated=t0,
                epoch=self.epoch,
            )
            self.out.child_calls.append(child)
            branches.append(_Branch(noun, target, child, self._dial_spec(target.split("?")[0])))
        names = ", ".join(b.target for b in branches)
        self.say(f"Dial {names} (timeout {timeout:g} s)")
        self.event(
            "dial",
            verb,
            url,
            targets=[b.target for b in branches],
            timeout=timeout,
            caller_id=caller_id,
        )
        for b in branches:
            await self._noun_callback(b, "initiated")
            b.child.status = "ringing"
            await self._noun_callback(b, "ringing")
        # Who answers first (§4.5): the earliest answering branch within the timeout.
        answering = [
            b for b in branches if b.spec.outcome is None and b.spec.answer_after < timeout
        ]
        winner = min(answering, key=lambda b: b.spec.answer_after, default=None)
        if winner is not None:
            ring_end = t0 + winner.spec.answer_after
        else:
            failing = [b.spec for b in branches]
            ring_end = t0 + (
                timeout
                if any(s.outcome in (None, "no-answer") for s in failing)
                else max(
                    min(s.answer_after, timeout) if s.outcome == "busy" else 0.0 for s in failing
                )
            )
        # A line that is busy answers 486 before it ever rings: the caller hears the
        # busy tone, not ringback, until RestComm gives up on it.
        busy = winner is None and all(b.spec.outcome == "busy" for b in branches)
        ringback = self.media.tone("busy" if busy else "ringback", max(0.0, ring_end - t0))
        self._place(ringback)
        caller_left = ring_end > self.deadline
        self.t = min(ring_end, self.deadline)
        leg.record.dial_ringing += self.t - t0
        for b in branches:
            b.child.updated = self.t
            if b is winner and not caller_left:
                continue
            if b.spec.outcome in ("busy", "failed") and (
                b.spec.outcome == "failed" or t0 + b.spec.answer_after <= self.t
            ):
                b.child.status = b.spec.outcome
            elif b.spec.outcome == "no-answer" or winner is None:
                b.child.status = "no-answer" if self.profile == "docs" else "canceled"
            else:
                b.child.status = "canceled"
            b.child.end = None
            await self._noun_callback(b, "completed")
        ring_seconds = round(self.t - t0, 3)
        leg.outbound_sid = (winner or branches[-1]).child.sid
        if caller_left:
            self.say("caller hangs up while the Dial rings")
            self.event("caller-hangup")
            self._end(leg, "canceled" if not leg.answered else "completed")
            if winner is not None:
                winner.child.status = "canceled"
                await self._noun_callback(winner, "completed")
            await self._dial_action(
                verb,
                url,
                leg,
                "canceled",
                winner or branches[-1],
                0,
                ring_seconds,
                None,
                after_hangup=True,
            )
            raise _CallOver
        if winner is None:
            status = _dial_status([b.child.status for b in branches])
            self.say(f"no one answered: DialCallStatus={status}")
            self.event("dial-end", verb, url, status=status, ring=ring_seconds)
            return await self._dial_action(
                verb, url, leg, status, branches[-1], 0, ring_seconds, None
            )
        w = winner
        w.child.status = "in-progress"
        w.child.start = self.t
        self.say(f"{w.target} answers after {ring_seconds:g} s")
        self.event(
            "dial-answered", verb, url, target=w.target, call_sid=w.child.sid, ring=ring_seconds
        )
        await self._noun_callback(w, "answered")
        screening_url = getattr(w.noun, "url", None)
        if screening_url:
            await self._screen(
                w,
                self._resolve(url, screening_url, verb, leg),
                str(getattr(w.noun, "method", None) or "POST"),
                leg,
            )
        bridge_start = self.t
        talk = w.spec.talk if w.spec.talk is not None else 10.0
        end = bridge_start + min(talk, time_limit)
        by = "the far end hangs up" if talk <= time_limit else f"timeLimit ({time_limit:g} s)"
        caller_left = end > self.deadline
        if caller_left:
            end, by = self.deadline, "the caller hangs up"
        self.say(f"connected to {w.target}")
        if self.control is not None:
            await self.control.wait(self.t)  # the leg is connected now (and stored so)
        self.t = end
        command = None
        if self.control is not None:
            # A live modification during the bridge ends it there (or, StayConnected,
            # runs beside it and the bridge goes on).
            command = await self._next_command(leg)
            if command is not None:
                end = self.t = max(bridge_start, self.t)
                by, caller_left = "the call was modified through the Calls API", False
        bridged = round(end - bridge_start, 3)
        moved = (
            command is not None
            and command.kind == "redirect"
            and command.child_call_mode == "Move"
            and self._start_moved(w, command, bridge_start)
        )
        if moved:
            w.child.updated = end
            self.event(
                "dial-end", verb, url, status="moved", target=w.target, bridged=bridged, ended_by=by
            )
        else:
            w.child.status = "completed"
            w.child.end = end
            w.child.updated = end
            self.say(f"call with {w.target} ends after {bridged:g} s: {by}")
            self.event(
                "dial-end",
                verb,
                url,
                status="completed",
                target=w.target,
                bridged=bridged,
                ended_by=by,
            )
            await self._noun_callback(w, "completed")
        recording = None
        if verb.record:
            rec_sid = self._sid("RE")
            recording = self._store_recording(rec_sid, bridge_start, end)
            self.out.recordings.append(
                Recording(rec_sid, leg.record.sid, recording, bridged, bridge_start)
            )
        if command is not None:
            # The new RCML replaces the rest of the Dial: its action is not requested.
            return await self._apply(leg, command)
        if caller_left:
            self.event("caller-hangup")
            self._end(leg, "completed")
            await self._dial_action(
                verb, url, leg, "completed", w, bridged, ring_seconds, recording, after_hangup=True
            )
            raise _CallOver
        return await self._dial_action(
            verb, url, leg, "completed", w, bridged, ring_seconds, recording
        )

    async def _dial_action(
        self,
        verb: a.Dial,
        url: str,
        leg: Leg,
        status: str,
        branch: _Branch,
        bridged: float,
        ring: float,
        recording: str | None,
        *,
        after_hangup: bool = False,
    ) -> a.Document | None:
        if verb.action is None:
            return None
        target = self._resolve(url, verb.action, verb, leg)
        extra: Params = [
            ("DialCallStatus", status),
            ("DialCallSid", branch.child.sid),
            ("DialCallDuration", str(int(bridged + 0.999999) if bridged else 0)),
            ("DialRingDuration", str(int(ring + 0.999999) if ring else 0)),
            ("RecordingUrl", recording),
        ]
        if recording:
            extra.append(("PublicRecordingUrl", recording))
        method = str(verb.method or "POST")
        if after_hangup:
            await self._request("action", target, method, self.params(leg) + extra, leg)
            return None
        return await self._follow("action", target, method, leg, extra)

    async def _noun_callback(self, b: _Branch, event: str) -> None:
        noun = b.noun
        callback = getattr(noun, "status_callback", None)
        if not callback:
            return
        events = getattr(noun, "status_callback_event", None)
        if events is None:
            # profile: code sends all four by default, the docs only completed.
            wanted: Sequence[str] = _ALL_EVENTS if self.profile == "restcomm" else ("completed",)
        else:
            wanted = [str(e) for e in events]
        if event not in wanted:
            return
        c = b.child
        params: Params = [
            ("InstanceId", self.instance_id),
            ("AccountSid", c.account_sid),
            ("CallSid", c.sid),
            ("From", c.from_),
            ("To", c.to),
            ("Direction", "outbound-dial"),
            ("CallerName", "null"),
            ("ForwardedFrom", "null"),
            ("ParentCallSid", c.parent_call_sid),
            ("CallStatus", event),
        ]
        if event == "completed":
            params.append(("CallDuration", str(c.duration)))
        params += [
            ("Timestamp", format_datetime(c.at(self.t))),
            ("CallbackSource", "call-progress-events"),
            ("SequenceNumber", str(_NOUN_SEQUENCE[event])),
        ]
        url = urljoin(self.url, callback)
        method = str(getattr(noun, "status_callback_method", None) or "POST")
        await self._request("status-callback", url, method, params, self.main)

    async def _screen(self, b: _Branch, url: str, method: str, leg: Leg) -> None:
        """Run the screening document on the answered leg (§2.7)."""
        child = Leg(b.child, answered=True, screening=True, gathers=list(b.spec.gather))
        saved_leg, saved_t = self._leg, self.t
        self._leg = child
        self.say(f"screening {b.target} with {_short(url)}")
        reason = None
        try:
            document = await self._fetch_document("screening", url, method, child)
            while document is not None:
                document = await self._run_document(document, child)
        except FetchFailed as failure:
            reason = f"the screening fetch failed ({failure.reason})"
        except _ScreeningHangup as hangup:
            reason = hangup.reason
        except _CallOver:
            reason = "the screening document hung up"
        except _Stall as stall:
            reason = f"the screening stalled ({stall.reason})"
        if self.t - saved_t > SCREENING_LIMIT and reason is None:
            reason = f"the screening took over {SCREENING_LIMIT:g} s"
        self._leg = saved_leg
        if reason is not None:
            # §2.7: unlike TwiML, the whole call is hung up.
            self.say(f"{reason}: RestComm hangs up the whole call")
            self.event("hangup", reason="screening", details=reason)
            b.child.status = "completed"
            b.child.end = self.t
            self._end(leg, "completed")
            raise _CallOver

    async def _conference(
        self, verb: a.Dial, room: a.Conference, url: str, leg: Leg
    ) -> a.Document | None:
        name = room.name if room.video is not None and room.name else room.room
        spec = self._dial_spec(name)
        time_limit = float(verb.time_limit if verb.time_limit is not None else 14400)
        moderator = room.start_conference_on_enter is not False
        self.say(
            f"Dial Conference {_quote(name)}" + ("" if moderator else " (waits for a moderator)")
        )
        self.event(
            "conference-join", verb, url, room=name, muted=bool(room.muted), moderator=moderator
        )
        if room.beep is not False and moderator:
            beep = self.media.tone("conference-enter")
            self._place(beep)
            self._advance(beep.duration)
        start = self.t
        stay = spec.talk if spec.talk is not None else 10.0
        end = start + min(stay, time_limit)
        if not moderator:
            await self._wait_music(room, url, leg, end - start)
        caller_left = end > self.deadline
        self.t = min(end, self.deadline)
        command = None
        if self.control is not None:
            command = await self._next_command(leg)  # a live modification ends the stay
            caller_left = caller_left and command is None
        self.say(f"leaves the conference after {self.t - start:g} s")
        self.event("conference-leave", verb, url, room=name, seconds=round(self.t - start, 3))
        if command is not None:
            return await self._apply(leg, command)
        if caller_left:
            self._caller_hangs_up()
        if verb.action is None:
            return None
        target = self._resolve(url, verb.action, verb, leg)
        # §2.9: after a conference the action gets the standard parameters only.
        return await self._follow("action", target, str(verb.method or "POST"), leg, [])

    async def _wait_music(self, room: a.Conference, url: str, leg: Leg, seconds: float) -> None:
        wait = room.wait_url
        if not wait or wait.startswith("/restcomm/music/"):
            self.event(
                "wait-music",
                None,
                url,
                media_url=wait or "",
                note="RestComm's own music; not fetched",
            )
            return
        music_url = urljoin(url, wait)
        if urlsplit(music_url).path.endswith(".wav"):
            clip = await self._audio(music_url, room, url, leg)
            t = self.t
            while t < self.t + seconds and clip.duration > 0:
                if not leg.screening:
                    self.media.place(clip, t, length=min(clip.duration, self.t + seconds - t))
                t += clip.duration
            self.event("wait-music", None, url, media_url=music_url)

    # ------------------------------------------------------------------ the rest

    async def _follow(
        self, purpose: str, target: str, method: str, leg: Leg, extra: Params, *, sync: bool = True
    ) -> a.Document | None:
        try:
            return await self._fetch_document(purpose, target, method, leg, extra, sync=sync)
        except FetchFailed as failure:
            if leg.screening:
                raise
            self._fetch_failed(leg, failure)

    async def _hangup(self, verb: a.Hangup, url: str, leg: Leg) -> None:
        self._answer_for(verb, leg)
        if leg.screening:
            raise _ScreeningHangup("the screening document hung up")
        self.say("Hangup")
        self.event("hangup", verb, url, reason="hangup-verb")
        self._hung_up = True
        self._end(leg, "completed")
        raise _CallOver

    async def _reject(self, verb: a.Reject, url: str, leg: Leg) -> None:
        if leg.answered:
            # §2.11: once answered, Reject is silently skipped.
            self.say("Reject skipped: the call is already answered")
            self.event("skipped", verb, url, reason="already answered")
            return
        code = 486 if verb.reason is a.RejectReason.BUSY else 603
        self.say(f"Reject: RestComm answers SIP {code}")
        self.event("reject", verb, url, code=code, reason=str(verb.reason))
        self._end(leg, "busy")
        raise _CallOver

    async def _redirect(self, verb: a.Redirect, url: str, leg: Leg) -> a.Document | None:
        if not verb.url:
            self.event("skipped", verb, url, reason="empty URL")
            return None
        self._answer_for(verb, leg)
        target = self._resolve(url, verb.url, verb, leg)
        self.event("redirect", verb, url, to=target)
        return await self._follow("redirect", target, str(verb.method or "POST"), leg, [])

    async def _sms(self, verb: a.Sms | a.Message, url: str, leg: Leg) -> a.Document | None:
        if isinstance(verb, a.Message) and self.profile == "restcomm":
            self.event("skipped", verb, url, reason="Message is not implemented by RestComm's code")
            self.say("Message skipped (RestComm's code does not know it)")
            return None
        self._answer_for(verb, leg)
        r = leg.record
        if not verb.body:
            self.event("notification", verb, url, code=14103)
            self.problem("Sms with an empty body: RestComm hangs up (14103)")
            self._end(leg, "completed")
            raise _CallOver
        to = verb.to or r.from_
        # profile: code sends from the called number, the docs from the calling party.
        sender = verb.from_ or (r.to if self.profile == "restcomm" else r.from_)
        self.out.messages.append(SentMessage(self.t, "sms", to, sender, verb.body, call_sid=r.sid))
        self.say(f"SMS to {to}: {_quote(verb.body)}")
        self.event("sms", verb, url, to=to, from_=sender, body=verb.body)
        if verb.action is None:
            return None
        target = self._resolve(url, verb.action, verb, leg)
        extra: Params = [("SmsStatus", "sending")]
        if self.profile == "docs":
            extra = [("SmsSid", self._sid("SM")), ("SmsStatus", "sent")]
        return await self._follow("action", target, str(verb.method or "POST"), leg, extra)

    async def _email(self, verb: a.Email, url: str, leg: Leg) -> None:
        self._answer_for(verb, leg)
        if not verb.to or not verb.from_:
            missing = "to" if not verb.to else "from"
            raise _Stall(f"Email without '{missing}' (RestComm logs the error and never moves on)")
        self.out.messages.append(
            SentMessage(
                self.t,
                "email",
                verb.to,
                verb.from_,
                verb.body,
                subject=verb.subject,
                call_sid=leg.record.sid,
            )
        )
        self.say(f"Email to {verb.to}: {_quote(verb.subject or '')}")
        self.event("email", verb, url, to=verb.to, subject=verb.subject)

    async def _fax(self, verb: a.Fax, url: str, leg: Leg) -> None:
        self._answer_for(verb, leg)
        to = verb.to or leg.record.from_
        document = urljoin(url, verb.url) if verb.url else ""
        self.out.messages.append(
            SentMessage(self.t, "fax", to, leg.record.to, document, call_sid=leg.record.sid)
        )
        self.say(f"Fax {_short(document)} to {to}")
        self.event("fax", verb, url, to=to, document=document)

    async def _cloud_only(
        self, verb: a.Hold | a.Resume | a.Refer, url: str, leg: Leg
    ) -> a.Document | None:
        if self.profile == "restcomm":
            self.say(f"{verb.TAG} skipped (a Cloud-only verb; RestComm's code ignores it)")
            self.event("skipped", verb, url, reason="Cloud-only verb")
            return None
        self._answer_for(verb, leg)
        extra: Params
        if isinstance(verb, a.Hold):
            leg_state = "held"
            extra = [("HoldStatus", "held"), ("HoldSipResponseCode", "200")]
            self._held = True
        elif isinstance(verb, a.Resume):
            if not getattr(self, "_held", False):
                self.event("skipped", verb, url, reason="the call is not on hold")
                return None
            self._held = False
            leg_state = "resumed"
            extra = [("ResumeStatus", "resumed"), ("ResumeSipResponseCode", "200")]
        else:
            leg_state = "referred"
            extra = [
                ("ReferCallStatus", "completed"),
                ("ReferSipResponseCode", "202"),
                ("NotifySipResponseCode", "200"),
            ]
        self.say(f"{verb.TAG}: {leg_state}")
        self.event(verb.TAG.lower(), verb, url, status=leg_state)
        if verb.action is None:
            if isinstance(verb, a.Refer):
                self._end(leg, "completed")
                raise _CallOver
            return None
        target = self._resolve(url, verb.action, verb, leg)
        return await self._follow("action", target, str(verb.method or "POST"), leg, extra)

    # ------------------------------------------------------------------ wrap up

    def _summary(self) -> None:
        r = self.out.call
        self.say(
            f"call {r.status}: duration {r.duration} s, {self.documents} documents, "
            f"{len(self.out.requests)} requests"
        )
        expect = self.script.expect
        if expect.status is not None and r.status != expect.status:
            self.problem(f"expected the call to end {expect.status}, it ended {r.status}")
        for text in expect.heard:
            if not self.out.heard(text):
                self.problem(f"expected the caller to hear {text!r}")
        for text in expect.not_heard:
            if self.out.heard(text):
                self.problem(f"expected the caller not to hear {text!r}")
        visited = [e.path for e in self.out.requests if e.call_sid == r.sid]
        for path in expect.visited:
            if path not in visited:
                self.problem(f"expected a request to {path}")
        for path in expect.not_visited:
            if path in visited:
                self.problem(f"expected no request to {path}")
        if expect.path is not None and list(expect.path) != self.out.documents():
            self.problem(
                f"expected the documents {list(expect.path)}, the call ran {self.out.documents()}"
            )
        if expect.messages is not None and len(self.out.messages) != expect.messages:
            self.problem(
                f"expected {expect.messages} messages, the call sent {len(self.out.messages)}"
            )
        if expect.dial_call_status is not None:
            sent = [
                q.param("DialCallStatus") for q in self.out.requests if q.param("DialCallStatus")
            ]
            if expect.dial_call_status not in sent:
                self.problem(
                    f"expected DialCallStatus={expect.dial_call_status}, got {sent or 'none'}"
                )
        unused = len(self.main.gathers)
        if unused:
            self.problem(f"{unused} [[gather]] entries were never used")
        if self.main.records:
            self.problem(f"{len(self.main.records)} [[record]] entries were never used")


class _ScreeningHangup(Exception):
    def __init__(self, reason: str = "the dialled party hung up during screening") -> None:
        self.reason = reason


@dataclass
class _Branch:
    noun: a.Node
    target: str
    child: CallRecord
    spec: DialSpec


def _noun_target(noun: a.Node) -> str:
    if isinstance(noun, a.Number):
        return noun.number
    if isinstance(noun, a.Client):
        login = noun.name if noun.video is not None and noun.name else noun.login
        return f"client:{login.removeprefix('client:')}"
    if isinstance(noun, a.Sip):
        return noun.name if noun.video is not None and noun.name else noun.uri
    return ""


def _dial_status(statuses: list[str]) -> str:
    if "canceled" in statuses:
        return "canceled"
    if "no-answer" in statuses:
        return "no-answer"
    if "busy" in statuses:
        return "busy"
    return "failed"


def _describe_gather(num_digits: int | None, finish: str, timeout: float, modes: str) -> str:
    parts = [modes]
    if num_digits is not None:
        parts.append(f"numDigits={num_digits}")
    parts.append(f"finishOnKey={finish!r}" if finish else "no finishOnKey")
    parts.append(f"timeout={timeout:g}s")
    return ", ".join(parts)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f'"{text[:77]}..."' if len(text) > 80 else f'"{text}"'


def _short(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(parts.path).name
    if parts.netloc == "testserver":
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return url


def _line(node: a.Node) -> str:
    pos = node.pos
    return str(pos.line) if pos is not None else "?"


#: (verb as written, profile) -> the verb with RestComm's defaults filled in. Verbs are
#: frozen and compare without their position, so calls that fetch the same documents
#: share the work.
_EFFECTIVE: dict[tuple[a.Verb, str], a.Verb] = {}

#: (body, URL) -> Document: an app answers the same document to many calls, and a
#: Document is immutable.
_DOCUMENTS: dict[tuple[bytes, str], a.Document] = {}

_PARSER: Any = None


def _safe_parser() -> Any:
    global _PARSER
    if _PARSER is None:
        from lxml import etree

        _PARSER = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
    return _PARSER


_HANDLERS: dict[type, Any] = {
    a.Say: Engine._say,
    a.Play: Engine._play,
    a.Pause: Engine._pause,
    a.Gather: Engine._gather,
    a.Record: Engine._record,
    a.Dial: Engine._dial,
    a.Hangup: Engine._hangup,
    a.Reject: Engine._reject,
    a.Redirect: Engine._redirect,
    a.Sms: Engine._sms,
    a.Message: Engine._sms,
    a.Email: Engine._email,
    a.Fax: Engine._fax,
    a.Hold: Engine._cloud_only,
    a.Resume: Engine._cloud_only,
    a.Refer: Engine._cloud_only,
}
