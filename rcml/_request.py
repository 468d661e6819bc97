"""The parameters RestComm sends with each request for RCML, typed.

RestComm POSTs them form-encoded (or puts them in the query string for GET): the standard
call parameters on every fetch (reference §3.1), plus per verb the Gather result (§2.4), the
recording (§2.5) or the outcome of a Dial (§2.6).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeVar

__all__ = ["CallDirection", "CallRequest", "CallStatus", "DialCallStatus"]


class CallStatus(enum.StrEnum):
    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"
    NOT_FOUND = "not-found"
    WAIT_FOR_ANSWER = "wait-for-answer"


class CallDirection(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND_API = "outbound-api"
    OUTBOUND_DIAL = "outbound-dial"


class DialCallStatus(enum.StrEnum):
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    CANCELED = "canceled"
    NO_ANSWER = "no-answer"


_E = TypeVar("_E", bound=enum.Enum)
_SIP_HEADER = "SipHeader_"


def _text(value: str | None) -> str | None:
    # RestComm writes the literal "null" for CallerName, ForwardedFrom, DialCallSid, ...
    # when it has nothing, and sends parameters without a value as a bare name.
    return None if value is None or value in ("", "null") else value


def _enum(cls: type[_E]) -> Callable[[str | None], _E | None]:
    members = {str(m.value): m for m in cls}
    return lambda value: members.get(value.strip().lower()) if value is not None else None


def _number(kind: Callable[[str], Any]) -> Callable[[str | None], Any]:
    def convert(value: str | None) -> Any:
        try:
            return kind(value.strip()) if value else None
        except ValueError:
            return None

    return convert


def _timestamp(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class CallRequest:
    """What RestComm said about the call when it asked for RCML.

    Every field is ``None`` when the parameter was not sent (or was empty, or ``null``).
    Values that do not parse as their type are ``None`` too; :attr:`raw` keeps every
    parameter as sent.
    """

    #: ``CallSid``: the call this document controls.
    call_sid: str | None = None
    #: ``AccountSid``
    account_sid: str | None = None
    #: ``InstanceId``: the RestComm instance.
    instance_id: str | None = None
    #: ``OutboundCallSid``: the dialled leg, once there is one.
    outbound_call_sid: str | None = None
    #: ``From``: the caller.
    from_: str | None = None
    #: ``To``: the called number or client.
    to: str | None = None
    #: ``CallStatus``
    call_status: CallStatus | None = None
    #: ``Direction``
    direction: CallDirection | None = None
    #: ``ApiVersion``
    api_version: str | None = None
    #: ``CallerName``: the SIP display name.
    caller_name: str | None = None
    #: ``ForwardedFrom``
    forwarded_from: str | None = None
    #: ``CallTimestamp``: when the call was created.
    call_timestamp: datetime | None = None
    #: ``Digits``: the keys a Gather collected (``""`` for speech), or the key that ended
    #: a Record (``"hangup"`` if the caller hung up).
    digits: str | None = None
    #: ``SpeechResult``: what a speech Gather recognised.
    speech_result: str | None = None
    #: ``RecordingUrl``: a Record's file (server-local ``file://`` unless S3 is on), or a
    #: recorded Dial's.
    recording_url: str | None = None
    #: ``PublicRecordingUrl``: the same recording over HTTP.
    public_recording_url: str | None = None
    #: ``RecordingDuration``: seconds, fractional.
    recording_duration: float | None = None
    #: ``DialCallStatus``: how a Dial ended (RestComm reports ``canceled`` on ring timeout).
    dial_call_status: DialCallStatus | None = None
    #: ``DialCallSid``
    dial_call_sid: str | None = None
    #: ``DialCallDuration``: seconds the dialled leg was connected.
    dial_call_duration: int | None = None
    #: ``DialRingDuration``: seconds the dialled leg rang.
    dial_ring_duration: int | None = None
    #: ``SipHeader_<name>`` parameters, by header name (``X-Customer-Id``).
    sip_headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Every parameter as sent, the ones above included.
    raw: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> CallRequest:
        """Read the parameters of a request (form fields and query string merged).

        ``form`` is any mapping of names to strings: Flask's ``request.values``, Starlette's
        form data, a dict. Missing and unknown parameters are fine.
        """
        raw = {str(k): str(form[k]) for k in form}
        values = {name: convert(raw.get(param)) for name, param, convert in _FIELDS}
        headers = {k[len(_SIP_HEADER) :]: v for k, v in raw.items() if k.startswith(_SIP_HEADER)}
        return cls(**values, sip_headers=MappingProxyType(headers), raw=MappingProxyType(raw))


def _same(value: str | None) -> str | None:
    # Digits is meaningful when empty (a speech Gather sends Digits=""): keep it.
    return value


_FIELDS: tuple[tuple[str, str, Callable[[str | None], Any]], ...] = (
    ("call_sid", "CallSid", _text),
    ("account_sid", "AccountSid", _text),
    ("instance_id", "InstanceId", _text),
    ("outbound_call_sid", "OutboundCallSid", _text),
    ("from_", "From", _text),
    ("to", "To", _text),
    ("call_status", "CallStatus", _enum(CallStatus)),
    ("direction", "Direction", _enum(CallDirection)),
    ("api_version", "ApiVersion", _text),
    ("caller_name", "CallerName", _text),
    ("forwarded_from", "ForwardedFrom", _text),
    ("call_timestamp", "CallTimestamp", _timestamp),
    ("digits", "Digits", _same),
    ("speech_result", "SpeechResult", _text),
    ("recording_url", "RecordingUrl", _text),
    ("public_recording_url", "PublicRecordingUrl", _text),
    ("recording_duration", "RecordingDuration", _number(float)),
    ("dial_call_status", "DialCallStatus", _enum(DialCallStatus)),
    ("dial_call_sid", "DialCallSid", _text),
    ("dial_call_duration", "DialCallDuration", _number(int)),
    ("dial_ring_duration", "DialRingDuration", _number(int)),
)
