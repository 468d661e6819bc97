"""What a rehearsal produces: the call records, every HTTP request, the events, the
messages, and the helpers tests use to assert a flow.

Times (``t``) are seconds on the call's virtual clock, from the moment the call was
created. Wall-clock fields of the call record are derived from ``Rehearsal.epoch``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "CallRecord",
    "RehearsalEvent",
    "HttpExchange",
    "SentMessage",
    "Recording",
    "Rehearsal",
    "RehearsalFailed",
]

API_VERSION = "2012-04-24"


def rfc2822(moment: datetime) -> str:
    """``Tue, 7 Apr 2020 11:10:15 +0000``, the seeds' date_created format."""
    text = format_datetime(moment)
    # email.utils zero-pads the day ("07"); the Calls resource examples do not.
    day, rest = text[5:7], text[7:]
    return text[:5] + day.lstrip("0") + rest


def iso(moment: datetime) -> str:
    """``2020-04-07T11:10:15.000Z``, the seeds' start_time format."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass(slots=True)
class CallRecord:
    """One call leg, shaped like the Calls resource of the seeds.

    ``start``/``end`` are virtual-clock seconds (``None`` until the call is answered /
    ends); ``ringing`` is the time spent ringing in Dials, which the duration excludes.
    """

    sid: str
    account_sid: str
    from_: str
    to: str
    direction: str
    parent_call_sid: str | None = None
    status: str = "queued"
    created: float = 0.0
    updated: float = 0.0
    start: float | None = None
    end: float | None = None
    dial_ringing: float = 0.0
    answered_by: str | None = None
    forwarded_from: str | None = None
    caller_name: str | None = None
    phone_number_sid: str | None = None
    epoch: datetime = field(default_factory=lambda: datetime.now(UTC), repr=False)

    @property
    def duration(self) -> int:
        """Ceiling of end - start, less the time spent ringing in Dials (seeds' rule)."""
        if self.start is None or self.end is None:
            return 0
        return max(0, math.ceil(round(self.end - self.start - self.dial_ringing, 6)))

    def at(self, t: float) -> datetime:
        return self.epoch + timedelta(seconds=t)

    @property
    def uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.sid}"

    def to_dict(self) -> dict[str, Any]:
        """The record as the Calls resource's JSON representation."""
        return {
            "sid": self.sid,
            "parent_call_sid": self.parent_call_sid,
            "date_created": rfc2822(self.at(self.created)),
            "date_updated": rfc2822(self.at(self.updated)),
            "account_sid": self.account_sid,
            "to": self.to,
            "from": self.from_,
            "phone_number_sid": self.phone_number_sid,
            "status": self.status,
            "start_time": iso(self.at(self.start)) if self.start is not None else None,
            "end_time": iso(self.at(self.end)) if self.end is not None else None,
            "duration": self.duration,
            "price": "0.00",
            "direction": self.direction,
            "answered_by": self.answered_by,
            "api_version": API_VERSION,
            "forwarded_from": self.forwarded_from,
            "caller_name": self.caller_name,
            "uri": self.uri + ".json",
            "subresource_uris": {
                "notifications": self.uri + "/Notifications.json",
                "recordings": self.uri + "/Recordings.json",
            },
        }


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One HTTP request RestComm would make, and what came back.

    ``params`` keeps order and repeats; a value of ``None`` was sent as a bare name.
    ``status`` is ``None`` when no response came (connection error, timeout).
    """

    t: float
    purpose: str
    method: str
    url: str
    params: tuple[tuple[str, str | None], ...]
    status: int | None
    content_type: str | None = None
    error: str | None = None
    call_sid: str = ""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def param(self, name: str) -> str | None:
        for k, v in self.params:
            if k == name:
                return v
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "t": round(self.t, 3),
            "purpose": self.purpose,
            "method": self.method,
            "url": self.url,
            "params": [[k, v] for k, v in self.params],
            "status": self.status,
            "content_type": self.content_type,
            "error": self.error,
            "call_sid": self.call_sid,
        }


@dataclass(frozen=True, slots=True)
class RehearsalEvent:
    """Something that happened on the call: a verb ran, the caller pressed a key, ..."""

    t: float
    type: str
    verb: str | None = None
    url: str | None = None
    line: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    call_sid: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "t": round(self.t, 3),
            "type": self.type,
            "verb": self.verb,
            "url": self.url,
            "line": self.line,
            "details": self.details,
            "call_sid": self.call_sid,
        }


@dataclass(frozen=True, slots=True)
class SentMessage:
    """An Sms, Email or Fax the call sent."""

    t: float
    kind: str
    to: str | None
    from_: str | None
    body: str
    subject: str | None = None
    status: str = "sent"
    call_sid: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "t": round(self.t, 3),
            "kind": self.kind,
            "to": self.to,
            "from": self.from_,
            "body": self.body,
            "subject": self.subject,
            "status": self.status,
            "call_sid": self.call_sid,
        }


@dataclass(frozen=True, slots=True)
class Recording:
    sid: str
    call_sid: str
    url: str
    duration: float
    t: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "call_sid": self.call_sid,
            "url": self.url,
            "duration": self.duration,
            "t": round(self.t, 3),
        }


class RehearsalFailed(AssertionError):
    """Raised by :meth:`Rehearsal.check`: the call did not go as the script expected."""


@dataclass(slots=True)
class Rehearsal:
    """Everything a rehearsed call produced."""

    call: CallRecord
    child_calls: list[CallRecord] = field(default_factory=list)
    requests: list[HttpExchange] = field(default_factory=list)
    events: list[RehearsalEvent] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    messages: list[SentMessage] = field(default_factory=list)
    recordings: list[Recording] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    profile: str = "restcomm"
    media: str = "timing"

    @property
    def ok(self) -> bool:
        """True when the call went as the script expected (no problems)."""
        return not self.problems

    @property
    def duration(self) -> int:
        return self.call.duration

    # ---- helpers for tests

    def said(self) -> list[str]:
        """The text of every prompt the caller heard, in order (Say, and Play URLs)."""
        return [str(e.details.get("text", "")) for e in self.events if e.type in ("say",)]

    def heard(self, text: str) -> bool:
        """Whether the caller heard a prompt containing ``text`` (case-insensitive).

        Prompts cut short by a key press count as heard.
        """
        needle = text.casefold()
        return any(
            needle in str(e.details.get("text", e.details.get("url", ""))).casefold()
            for e in self.events
            if e.type in ("say", "play") and e.call_sid == self.call.sid
        )

    def requests_to(self, path: str) -> list[HttpExchange]:
        """The requests made to ``path`` (a URL path such as ``/ivr/menu``, or a full URL)."""
        if "://" in path:
            return [r for r in self.requests if r.url == path]
        return [r for r in self.requests if r.path == path]

    def documents(self) -> list[str]:
        """The URL paths of the RCML documents the main call ran, in order."""
        return [
            str(e.details["path"])
            for e in self.events
            if e.type == "document" and e.call_sid == self.call.sid
        ]

    def events_of(self, type_: str) -> Iterator[RehearsalEvent]:
        return (e for e in self.events if e.type == type_)

    def check(self) -> Rehearsal:
        """Raise :class:`RehearsalFailed` (an AssertionError) with the transcript when the
        call did not go as expected; return self otherwise."""
        if self.problems:
            lines = [
                "rehearsal failed:",
                *(f"  - {p}" for p in self.problems),
                "",
                *self.transcript,
            ]
            raise RehearsalFailed("\n".join(lines))
        return self

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` report (schema in docs/rehearse.md)."""
        return {
            "version": 1,
            "profile": self.profile,
            "media": self.media,
            "ok": self.ok,
            "problems": list(self.problems),
            "call": self.call.to_dict(),
            "child_calls": [c.to_dict() for c in self.child_calls],
            "requests": [r.to_dict() for r in self.requests],
            "events": [e.to_dict() for e in self.events],
            "transcript": list(self.transcript),
            "messages": [m.to_dict() for m in self.messages],
            "recordings": [r.to_dict() for r in self.recordings],
        }


def clock(t: float) -> str:
    """``01:02.5`` for 62.5 s: transcript timestamps."""
    minutes, seconds = divmod(max(0.0, t), 60)
    return f"{int(minutes):02d}:{seconds:04.1f}"


def first(items: Sequence[Any]) -> Any:
    return items[0] if items else None
