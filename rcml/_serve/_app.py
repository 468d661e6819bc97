"""The Calls API as a Starlette application: :func:`create_app`.

Paths (each also answers with ``.json`` for JSON; RestComm's answer XML otherwise):

* RestComm: ``/restcomm/2012-04-24/Accounts/{AccountSid}/Calls`` and the same without
  ``/restcomm`` (plus the seeds' other spellings, ``/restcomm/20120424`` and
  ``/call(s)/2012-04-24``);
* Twilio: ``/2010-04-01/Accounts/{AccountSid}/Calls.json``;
* SignalWire LaML: ``/api/laml/2010-04-01/Accounts/{AccountSid}/Calls.json``.

Every path serves the same calls; only the field names and formats differ
(:mod:`rcml._serve._shapes`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lxml import etree
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rcml._rehearse._engine import LiveCommand
from rcml._rehearse._media import MediaBackend, TimingBackend
from rcml._rehearse._script import CallerScript
from rcml._serve._auth import Accounts
from rcml._serve._runner import CallRequest, CallRunner, TooBusyError, display_to
from rcml._serve._shapes import (
    Flavour,
    Page,
    call_dict,
    error_dict,
    list_dict,
    recording_dict,
    render,
)
from rcml._serve._store import (
    SORT_COLUMNS,
    Account,
    CallFilter,
    CallStore,
    SqliteStore,
    StoredCall,
    stamp,
)

__all__ = ["ApiError", "ServeConfig", "conference_sid", "create_app"]

_STATUSES = (
    "queued",
    "ringing",
    "in-progress",
    "canceled",
    "completed",
    "failed",
    "busy",
    "no-answer",
)
_EVENTS = ("initiated", "ringing", "answered", "completed")
_CHILD_MODES = {"hangup": "Hangup", "move": "Move", "stayconnected": "StayConnected"}
_SORT_HELP = ", ".join(SORT_COLUMNS)

#: (prefix, flavour name, what resource uris start with)
_PREFIXES = (
    ("/restcomm/2012-04-24", "restcomm", "/2012-04-24"),
    ("/2012-04-24", "restcomm", "/2012-04-24"),
    ("/restcomm/20120424", "restcomm", "/2012-04-24"),
    ("/call/2012-04-24", "restcomm", "/2012-04-24"),
    ("/calls/2012-04-24", "restcomm", "/2012-04-24"),
    ("/2010-04-01", "twilio", "/2010-04-01"),
    ("/api/laml/2010-04-01", "twilio", "/api/laml/2010-04-01"),
)


class ApiError(Exception):
    """An error answer: HTTP ``status`` with a Twilio-style ``code`` and a message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _missing(name: str, code: int = 21201) -> ApiError:
    return ApiError(400, code, f"Required parameter {name} is missing")


def _invalid(name: str, value: str, why: str) -> ApiError:
    code = 21205 if "Url" in name or name == "StatusCallback" else 20001
    return ApiError(400, code, f"{name} {value!r} is not valid: {why}")


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """How a server runs its calls."""

    #: Virtual seconds per wall second: 1 is real time.
    speed: float = 1.0
    #: Caller scripts by the number (or ``client:``/SIP To) called; ``"default"`` for the rest.
    scenarios: Mapping[str, CallerScript] | None = None
    recordings_dir: Path | None = None
    #: ``restcomm`` (RestComm's code) or ``docs`` (its docs; runs Hold/Resume).
    profile: str = "restcomm"
    http_timeout: float = 6.0
    media: Callable[[], MediaBackend] = TimingBackend
    #: Largest request body accepted, in bytes.
    max_body: int = 64 * 1024
    #: Most calls in progress at once; more is HTTP 429.
    max_live: int = 10_000


# ---------------------------------------------------------------------------- requests


class _Api:
    def __init__(self, store: CallStore, config: ServeConfig) -> None:
        self.store = store
        self.config = config
        self.accounts = Accounts(store.accounts())
        recordings = config.recordings_dir
        if recordings is None:
            import tempfile

            recordings = Path(tempfile.mkdtemp(prefix="rcml-serve-recordings-"))
        self.runner = CallRunner(
            store,
            speed=config.speed,
            scenarios=config.scenarios,
            recordings_dir=recordings,
            profile=config.profile,
            http_timeout=config.http_timeout,
            media=config.media,
            max_live=config.max_live,
        )

    # ------------------------------------------------------------------ plumbing

    def account(self, request: Request) -> Account:
        account = self.accounts.check(request.headers.get("authorization"))
        if account is None:
            raise ApiError(401, 20003, "Authenticate: give your AccountSid and AuthToken")
        if request.path_params["account"] != account.sid:
            # Someone else's account answers like one that does not exist.
            raise ApiError(404, 20404, "The requested resource was not found")
        return account

    def call(self, account: Account, sid: str) -> StoredCall:
        call = self.store.get_call(account.sid, sid)
        if call is None:
            raise ApiError(404, 20404, f"The requested resource {sid} was not found")
        return call

    # ------------------------------------------------------------------ calls

    async def create(self, request: Request, flavour: Flavour) -> Response:
        account = self.account(request)
        form = await _form(request)
        call_request = _create_request(form, flavour)
        now = stamp(datetime.now(UTC))
        stored = StoredCall(
            sid=_sid("CA"),
            account_sid=account.sid,
            from_=call_request.from_,
            to=display_to(call_request.to),
            to_uri=call_request.to,
            direction="outbound-api",
            status="queued",
            date_created=now,
            date_updated=now,
            api=flavour.name,
        )
        base = str(request.base_url).rstrip("/")
        recording_base = f"{base}/restcomm/2012-04-24/Accounts/{account.sid}/Recordings/"
        try:
            self.runner.start(
                stored, call_request, flavour=flavour.name, recording_base=recording_base
            )
        except TooBusyError as exc:
            raise ApiError(429, 20429, f"Too many calls in progress: {exc}") from None
        return _answer(call_dict(stored, flavour), flavour, "Call", 201 if flavour.twilio else 200)

    async def fetch(self, request: Request, flavour: Flavour, sid: str) -> Response:
        call = self.call(self.account(request), sid)
        return _answer(call_dict(call, flavour), flavour, "Call")

    async def listing(self, request: Request, flavour: Flavour) -> Response:
        account = self.account(request)
        query = request.query_params
        where = _filter(query, flavour)
        page = _int(query, "Page", 0, 0, 1_000_000_000)
        size = _int(query, "PageSize", 50, 1, 1000)
        sort, descending = _sort(query.get("SortBy"), flavour)
        after = query.get("AfterSid") or None
        calls, total = self.store.list_calls(
            account.sid,
            where,
            sort=sort,
            descending=descending,
            offset=page * size,
            limit=size,
            after_sid=after,
        )
        carried = [
            (k, v)
            for k, v in query.multi_items()
            if k not in ("Page", "PageSize", "AfterSid", "PageToken")
        ]
        where_page = Page(
            path=request.url.path,
            query=carried,
            page=page,
            page_size=size,
            total=total,
            count=len(calls),
            last_sid=calls[-1].sid if calls else None,
        )
        body = list_dict("calls", [call_dict(c, flavour) for c in calls], where_page, flavour)
        return _answer(body, flavour, "Call")

    async def modify(self, request: Request, flavour: Flavour, sid: str) -> Response:
        account = self.account(request)
        call = self.call(account, sid)
        form = await _form(request)
        url, method = _url_and_method(form, "Url", "Method", required=False)
        inline = _inline(form, flavour)
        if url is not None and inline is not None:
            raise ApiError(400, 21205, "Give Url or Twiml/Rcml, not both")
        status = _get(form, "Status")
        if status is not None and status not in ("canceled", "completed"):
            raise _invalid("Status", status, "give canceled or completed")
        mute = _flag(form, "Mute")
        mode = _child_mode(form)
        changes = _callback_changes(form)
        if url is None and inline is None and status is None and mute is None and not changes:
            raise ApiError(
                400, 20001, "Nothing to change: give Url, Status, Mute or StatusCallback"
            )
        live = self.runner.live(call.sid)
        if not call.live or live is None:
            raise ApiError(400, 21220, f"Call {call.sid} is not in-progress. Cannot modify it.")
        self.runner.set_callbacks(call.sid, **changes)
        if inline is not None:
            url = self.runner.redirect_inline(call.sid, inline)
        if mute is not None:
            self.runner.command(call.sid, LiveCommand("mute", muted=mute))
        if status is not None:
            if status == "completed" or call.status in ("queued", "ringing"):
                self.runner.command(call.sid, LiveCommand("hangup", status=status))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(live.ended.wait(), 2.0)
        elif url is not None:
            self.runner.command(
                call.sid, LiveCommand("redirect", url=url, method=method, child_call_mode=mode)
            )
        call = self.call(account, sid)
        return _answer(call_dict(call, flavour), flavour, "Call")

    async def delete(self, request: Request, flavour: Flavour, sid: str) -> Response:
        account = self.account(request)
        call = self.call(account, sid)
        if call.live:
            raise ApiError(400, 20009, f"Call {sid} is in progress; it cannot be deleted yet")
        self.store.delete_call(account.sid, sid)
        return Response(status_code=204)

    async def participant(self, request: Request, flavour: Flavour, sid: str) -> Response:
        account = self.account(request)
        call = self.call(account, sid)
        conference = request.path_params["conference"]
        room = self.runner.conference_of(call.sid, call.parent_call_sid)
        # Only a call in that conference now is one of its participants; any other
        # answers like an unknown call. The conference is named by its Sid or its name.
        if room is None or conference not in (conference_sid(account.sid, room), room):
            raise ApiError(
                404, 20404, f"The requested resource {sid} is not in conference {conference}"
            )
        if request.method == "POST":
            form = await _form(request)
            mute = _flag(form, "Mute")
            if mute is None:
                raise _missing("Mute", 20001)
            self.runner.mute(call.sid, call.parent_call_sid, mute)
        body = {
            "sid": call.sid,
            "conference_sid": conference_sid(account.sid, room),
            "date_created": call_dict(call, flavour)["date_created"],
            "date_updated": call_dict(call, flavour)["date_updated"],
            "account_sid": call.account_sid,
            "muted": self.runner.muted(call.sid, call.parent_call_sid),
            "hold": False,
            "start_conference_on_enter": True,
            "end_conference_on_enter": False,
            "uri": f"{flavour.uri_base}/Accounts/{call.account_sid}/Calls/{call.sid}",
        }
        return _answer(body, flavour, "Call")

    # ------------------------------------------------------------------ recordings

    async def call_recordings(self, request: Request, flavour: Flavour, sid: str) -> Response:
        account = self.account(request)
        call = self.call(account, sid)
        rows = self.store.recordings(account.sid, call.sid)
        page = Page(request.url.path, [], 0, max(50, len(rows)), len(rows), len(rows), None)
        body = list_dict("recordings", [recording_dict(r, flavour) for r in rows], page, flavour)
        return _answer(body, flavour, "Recording")

    async def recording(self, request: Request, flavour: Flavour, sid: str) -> Response:
        name, _, ext = sid.partition(".")
        if ext == "json":
            account = self.account(request)
            row = self.store.get_recording(account.sid, name)
        else:
            # Like Twilio's, the media is served without credentials: its Sid is the secret.
            row = self.store.get_recording(request.path_params["account"], name)
        if row is None or ext not in ("", "json", "wav"):
            raise ApiError(404, 20404, f"The requested resource {sid} was not found")
        if ext == "json":
            return _answer(recording_dict(row, flavour), flavour, "Recording")
        try:
            data = Path(row.path).read_bytes()
        except OSError:
            raise ApiError(404, 20404, f"The recording {name} is no longer on disk") from None
        return Response(data, media_type="audio/wav")


# ---------------------------------------------------------------------------- parameters


async def _form(request: Request) -> dict[str, list[str]]:
    body = await request.body()
    kind = request.headers.get("content-type", "")
    if body and "json" in kind:
        raise ApiError(400, 20001, "Send the parameters form-encoded, not as JSON")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, 20001, f"The request body is not a form: {exc}") from None
    form: dict[str, list[str]] = {}
    for k, v in pairs:
        form.setdefault(k, []).append(v)
    return form


def _get(form: Mapping[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[-1] if values else None


def _url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _invalid(name, value, "give an absolute http(s) URL")
    return value


def _method(name: str, value: str | None) -> str:
    if value is None or value == "":
        return "POST"
    if value.upper() not in ("GET", "POST"):
        raise _invalid(name, value, "give GET or POST")
    return value.upper()


def _url_and_method(
    form: Mapping[str, list[str]], url_name: str, method_name: str, *, required: bool
) -> tuple[str | None, str]:
    raw = _get(form, url_name)
    method = _method(method_name, _get(form, method_name))
    if raw is None or raw == "":
        if required:
            raise _missing(url_name, 21205)
        return None, method
    return _url(url_name, raw), method


def _inline(form: Mapping[str, list[str]], flavour: Flavour) -> str | None:
    name = "Twiml" if "Twiml" in form else "Rcml"
    text = _get(form, name)
    if text is None:
        return None
    try:
        etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise _invalid(name, text[:40], f"not well-formed XML ({exc})") from None
    return text


def _flag(form: Mapping[str, list[str]], name: str) -> bool | None:
    value = _get(form, name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise _invalid(name, value, "give true or false")
    return value.lower() == "true"


def _child_mode(form: Mapping[str, list[str]]) -> str:
    mode = _get(form, "ChildCallMode")
    if mode is not None:
        if mode.lower() not in _CHILD_MODES:
            raise _invalid("ChildCallMode", mode, "give Hangup, Move or StayConnected")
        return _CHILD_MODES[mode.lower()]
    move = _flag(form, "MoveConnectedCallLeg")
    return "Move" if move else "Hangup"


def _callback_changes(form: Mapping[str, list[str]]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    callback = _get(form, "StatusCallback")
    if callback:
        changes["status_callback"] = _url("StatusCallback", callback)
    if _get(form, "StatusCallbackMethod") is not None:
        changes["status_callback_method"] = _method(
            "StatusCallbackMethod", _get(form, "StatusCallbackMethod")
        )
    fallback = _get(form, "FallbackUrl")
    if fallback:
        changes["fallback_url"] = _url("FallbackUrl", fallback)
    if _get(form, "FallbackMethod") is not None:
        changes["fallback_method"] = _method("FallbackMethod", _get(form, "FallbackMethod"))
    return changes


def _party(value: str | None) -> str:
    # curl -d "From=+16175551212", as the seeds write it, sends a space for the plus.
    text = value or ""
    if text.startswith(" ") and text[1:].isdigit():
        return "+" + text[1:]
    return text.strip()


def _create_request(form: Mapping[str, list[str]], flavour: Flavour) -> CallRequest:
    to = _party(_get(form, "To"))
    if not to:
        raise _missing("To", 21201)
    from_ = _party(_get(form, "From"))
    if not from_:
        raise _missing("From", 21213)
    inline = _inline(form, flavour)
    url, method = _url_and_method(form, "Url", "Method", required=inline is None)
    if url is not None and inline is not None:
        raise ApiError(400, 21205, "Give Url or Twiml/Rcml, not both")
    fallback, fallback_method = _url_and_method(
        form, "FallbackUrl", "FallbackMethod", required=False
    )
    callback, callback_method = _url_and_method(
        form, "StatusCallback", "StatusCallbackMethod", required=False
    )
    events: tuple[str, ...] | None = None
    if "StatusCallbackEvent" in form:
        # RestComm: one comma-separated value; Twilio's SDKs: the parameter repeated.
        items = [e for v in form["StatusCallbackEvent"] for e in v.replace(",", " ").split()]
        for e in items:
            if e not in _EVENTS:
                raise _invalid("StatusCallbackEvent", e, f"give some of {', '.join(_EVENTS)}")
        events = tuple(items) or None
    timeout = _int(form, "Timeout", 60, 1, 600)
    target, _, query = to.partition("?")
    headers = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)]
    # An unencoded "&X-Header=v" inside To arrives as a parameter of its own (seeds 000).
    headers += [(k, v[-1]) for k, v in form.items() if k.lower().startswith("x-")]
    return CallRequest(
        from_=from_,
        to=target,
        url=url,
        rcml=inline,
        method=method,
        fallback_url=fallback,
        fallback_method=fallback_method,
        status_callback=callback,
        status_callback_method=callback_method,
        status_callback_event=events,
        timeout=float(timeout),
        sip_headers=tuple(headers),
    )


def _int(params: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if isinstance(raw, list):
        raw = raw[-1] if raw else None
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(name, raw, "give a whole number") from None
    if not low <= value <= high:
        raise _invalid(name, raw, f"give a number from {low} to {high}")
    return value


def _moment(name: str, raw: str) -> tuple[datetime, bool]:
    """The time a filter names, and whether it named a whole day."""
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime(day.year, day.month, day.day, tzinfo=UTC), True
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _invalid(name, raw, "give YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # seeds: "assumed to be in UTC"
    return moment, False


def _bounds(
    query: Mapping[str, str], field: str, flavour: Flavour
) -> tuple[str | None, str | None]:
    """[from, before) for StartTime/EndTime and their ``<``/``>`` forms."""
    low: datetime | None = None
    high: datetime | None = None
    tick = timedelta(microseconds=1)
    exact = query.get(field)
    if exact:
        moment, whole_day = _moment(field, exact)
        if flavour.twilio:
            # Twilio: calls that started (ended) on this date.
            low, high = moment, moment + (timedelta(days=1) if whole_day else timedelta(seconds=1))
        elif field == "StartTime":
            low = moment  # RestComm: started on this date/time or later
        else:
            high = moment + (timedelta(days=1) if whole_day else tick)  # ended then or earlier
    before = query.get(field + "<")
    if before:
        moment, whole_day = _moment(field + "<", before)
        high = moment + (timedelta(days=1) if whole_day else tick)
    after = query.get(field + ">")
    if after:
        low, _ = _moment(field + ">", after)
    return (stamp(low) if low else None, stamp(high) if high else None)


def _filter(query: Mapping[str, str], flavour: Flavour) -> CallFilter:
    status = query.get("Status") or None
    if status is not None and status not in _STATUSES:
        raise _invalid("Status", status, f"give one of {', '.join(_STATUSES)}")
    start_from, start_before = _bounds(query, "StartTime", flavour)
    end_from, end_before = _bounds(query, "EndTime", flavour)
    to = query.get("To") or None
    return CallFilter(
        to=to,
        from_=query.get("From") or None,
        status=status,
        parent_call_sid=query.get("ParentCallSid") or None,
        start_from=start_from,
        start_before=start_before,
        end_from=end_from,
        end_before=end_before,
    )


def _sort(raw: str | None, flavour: Flavour) -> tuple[str, bool]:
    if not raw:
        # RestComm lists oldest first (seeds 000); Twilio newest first.
        return "DateCreated", flavour.twilio
    name, _, direction = raw.partition(":")
    if name not in SORT_COLUMNS:
        raise _invalid("SortBy", raw, f"sort by one of {_SORT_HELP}")
    if direction.lower() not in ("", "asc", "desc"):
        raise _invalid("SortBy", raw, "the direction is asc or desc")
    return name, direction.lower() == "desc"


def conference_sid(account_sid: str, room: str) -> str:
    """The Sid of conference ``room`` of an account: the same for every call that joins it."""
    import hashlib

    return "CF" + hashlib.sha256(f"{account_sid}:{room}".encode()).hexdigest()[:32]


def _sid(prefix: str) -> str:
    import secrets

    return prefix + secrets.token_hex(16)


# ---------------------------------------------------------------------------- answers


def _answer(body: dict[str, Any], flavour: Flavour, item: str, status: int = 200) -> Response:
    if flavour.json:
        return JSONResponse(body, status_code=status)
    return Response(
        render(body, root=flavour.root, item=item), status_code=status, media_type="application/xml"
    )


def _error(error: ApiError, flavour: Flavour) -> Response:
    body = error_dict(error.status, error.code, error.message)
    headers = {"www-authenticate": 'Basic realm="rcml"'} if error.status == 401 else None
    if flavour.json:
        return JSONResponse(body, status_code=error.status, headers=headers)
    return Response(
        render(body, root=flavour.root),
        status_code=error.status,
        media_type="application/xml",
        headers=headers,
    )


def _flavour_of(path: str) -> Flavour:
    for prefix, name, uri_base in _PREFIXES:
        if path.startswith(prefix + "/"):
            return Flavour(name, prefix, uri_base, json=name == "twilio" or ".json" in path)
    return Flavour("restcomm", "/restcomm/2012-04-24", "/2012-04-24", json=".json" in path)


# ---------------------------------------------------------------------------- routing

Handler = Callable[[Request], Awaitable[Response]]


def _routes(api: _Api) -> list[Route]:
    def bind(action: Callable[..., Awaitable[Response]], *, sid: bool = False) -> Handler:
        async def endpoint(request: Request) -> Response:
            flavour = _flavour_of(request.url.path)
            try:
                if sid:
                    name = request.path_params["sid"]
                    if name.endswith(".json") and action != api.recording:
                        name = name[: -len(".json")]
                    return await action(request, flavour, name)
                return await action(request, flavour)
            except ApiError as error:
                return _error(error, flavour)

        return endpoint

    async def calls(request: Request) -> Response:
        handler = api.create if request.method == "POST" else api.listing
        return await bind(handler)(request)

    async def one_call(request: Request) -> Response:
        handler = {"GET": api.fetch, "POST": api.modify, "DELETE": api.delete}[request.method]
        return await bind(handler, sid=True)(request)

    routes: list[Route] = []
    for prefix, _, _ in _PREFIXES:
        base = f"{prefix}/Accounts/{{account}}"
        routes += [
            Route(f"{base}/Calls", calls, methods=["GET", "POST"]),
            Route(f"{base}/Calls.json", calls, methods=["GET", "POST"]),
            Route(f"{base}/Calls.json/{{sid}}", one_call, methods=["GET", "POST", "DELETE"]),
            Route(f"{base}/Calls/{{sid}}", one_call, methods=["GET", "POST", "DELETE"]),
            Route(
                f"{base}/Calls/{{sid}}/Recordings",
                bind(api.call_recordings, sid=True),
                methods=["GET"],
            ),
            Route(
                f"{base}/Calls/{{sid}}/Recordings.json",
                bind(api.call_recordings, sid=True),
                methods=["GET"],
            ),
            Route(f"{base}/Recordings/{{sid}}", bind(api.recording, sid=True), methods=["GET"]),
            Route(
                f"{base}/Conferences/{{conference}}/Participants/{{sid}}",
                bind(api.participant, sid=True),
                methods=["GET", "POST"],
            ),
        ]
    return routes


class _BodyLimit:
    """Reads the whole request body up front, refusing one larger than ``limit`` (413)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        too_big = declared is not None and (not declared.isdigit() or int(declared) > self.limit)
        chunks: list[bytes] = []
        size = 0
        more = not too_big
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                too_big = True
                break
            chunks.append(chunk)
            more = message.get("more_body", False)
        if too_big:
            error = ApiError(413, 20001, f"The request body is larger than {self.limit} bytes")
            await _error(error, _flavour_of(scope["path"]))(scope, receive, send)
            return
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def create_app(
    store: CallStore | str | Path | None = None,
    config: ServeConfig | None = None,
    **options: Any,
) -> Starlette:
    """The Calls API server as an ASGI application.

    :param store: a :class:`CallStore`, or the path of the SQLite database
        (default ``calls.sqlite``).
    :param config: how calls run; ``options`` are :class:`ServeConfig` fields instead.

    Starting the app (its lifespan) marks calls left in progress by an earlier run as
    failed; stopping it stops the calls in progress and stores them as failed.
    """
    config = config or ServeConfig(**options)
    if store is None or isinstance(store, str | Path):
        store = SqliteStore(store or "calls.sqlite")
    api = _Api(store, config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        api.store.fail_live_calls(stamp(datetime.now(UTC)))
        try:
            yield
        finally:
            await api.runner.aclose()
            api.store.fail_live_calls(stamp(datetime.now(UTC)))

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        error = ApiError(status, 20404, f"No resource at {request.method} {request.url.path}")
        return _error(error, _flavour_of(request.url.path))

    app = Starlette(
        routes=_routes(api),
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: not_found},
    )
    app.add_middleware(_BodyLimit, limit=config.max_body)
    app.state.api = api
    return app
