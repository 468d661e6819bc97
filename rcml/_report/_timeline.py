"""The report's timeline: a rehearsal's events laid out in lanes on the virtual clock."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from rcml._rehearse._model import HttpExchange, Rehearsal, RehearsalEvent

__all__ = ["Item", "Lane", "lanes", "timed_transcript", "total_seconds", "wav_seconds"]

#: Lanes, top to bottom, with their headings.
LANES = (
    ("documents", "Documents"),
    ("verbs", "Verbs"),
    ("prompts", "Caller hears"),
    ("caller", "Caller does"),
    ("ringing", "Ringing"),
    ("http", "HTTP"),
)


@dataclass(frozen=True, slots=True)
class Item:
    """One box (``end`` > ``start``) or tick (``end`` is ``None``) on a lane."""

    start: float
    end: float | None
    label: str
    #: What shows on hover: the full label and the details.
    title: str
    #: A CSS class: the event type (``say``, ``gather``, ``action``, ...).
    kind: str


@dataclass(frozen=True, slots=True)
class Lane:
    name: str
    heading: str
    items: tuple[Item, ...]


def _text(event: RehearsalEvent) -> str:
    d = event.details
    return str(d.get("text") or d.get("url") or d.get("media_url") or "")


def _span_events(events: list[RehearsalEvent], end_of_call: float) -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = {name: [] for name, _ in LANES}
    open_spans: dict[str, RehearsalEvent] = {}
    documents = [e for e in events if e.type == "document"]
    for i, doc in enumerate(documents):
        until = documents[i + 1].t if i + 1 < len(documents) else end_of_call
        path = str(doc.details.get("path", doc.url))
        out["documents"].append(Item(doc.t, until, path, f"{path}\n{doc.url}", "document"))
    for e in events:
        d = e.details
        at = f"{e.verb} line {e.line}" if e.verb and e.line else ""
        match e.type:
            case "say" | "play":
                text = _text(e)
                length = float(d.get("duration") or 0.0) * max(1, int(d.get("loop") or 1))
                cut = " (cut short)" if d.get("cut") else ""
                out["prompts"].append(
                    Item(e.t, e.t + length, text, f"{e.type.capitalize()} {text}{cut}", e.type)
                )
            case "pause":
                length = float(d.get("length") or 0.0)
                title = f"Pause {length:g} s"
                out["prompts"].append(Item(e.t, e.t + length, "pause", title, e.type))
            case "wait-music":
                out["prompts"].append(Item(e.t, None, "wait music", _text(e), e.type))
            case "gather" | "record" | "dial" | "conference-join":
                open_spans[e.type] = e
            case "gather-end" | "record-end" | "dial-end" | "conference-leave":
                kind = {"conference-leave": "conference-join"}.get(e.type, e.type[:-4])
                begin = open_spans.pop(kind, None)
                start = begin.t if begin is not None else e.t
                title = f"{kind.capitalize()} ({at})" if at else kind.capitalize()
                label = kind if kind != "conference-join" else f"conference {d.get('room', '')}"
                out["verbs"].append(Item(start, e.t, label, title, kind))
                _caller_action(out, e, begin)
            case "caller-speech":
                out["caller"].append(Item(e.t, None, f'says "{d.get("text")}"', "", "speech"))
            case "caller-hangup":
                out["caller"].append(Item(e.t, None, "hangs up", "the caller hangs up", "hangup"))
            case (
                "redirect"
                | "hangup"
                | "reject"
                | "sms"
                | "email"
                | "fax"
                | "sip-response"
                | "stall"
                | "hold"
                | "resume"
                | "refer"
            ):
                label = e.verb or e.type
                detail = ", ".join(f"{k}={v}" for k, v in d.items() if v not in (None, ""))
                out["verbs"].append(Item(e.t, None, label, f"{label} {detail}".strip(), e.type))
    for kind, begin in open_spans.items():  # the call ended inside it
        out["verbs"].append(Item(begin.t, end_of_call, kind, kind.capitalize(), kind))
    return out


def _caller_action(
    out: dict[str, list[Item]], end: RehearsalEvent, begin: RehearsalEvent | None
) -> None:
    d = end.details
    if end.type == "gather-end":
        if d.get("digits"):
            label = f"presses {d['digits']}"
        elif d.get("speech"):
            return  # the caller-speech event already placed it
        else:
            label = "no input"
        out["caller"].append(Item(end.t, None, label, label, "digits"))
    elif end.type == "record-end":
        start = begin.t if begin is not None else end.t
        title = f"records {float(d.get('duration') or 0):g} s, ends with {d.get('digits')}"
        out["caller"].append(Item(start, end.t, "records", title, "recording"))
    elif end.type == "dial-end" and d.get("bridged"):
        talk = float(d["bridged"])
        title = f"talks with {d.get('target')} for {talk:g} s"
        out["caller"].append(Item(end.t - talk, end.t, f"talks: {d.get('target')}", title, "talk"))


def _ringing(events: list[RehearsalEvent], end_of_call: float) -> list[Item]:
    out = []
    rang: float | None = None
    rung = False  # an inbound call rings once, before it is answered
    dial: RehearsalEvent | None = None
    for e in events:
        if e.type == "ringing" and not rung:
            rang, rung = e.t, True
        elif e.type in ("answered", *_ENDS) and rang is not None:
            if e.t > rang:
                out.append(Item(rang, e.t, "ringing", "the call rings", "ringing"))
            rang = None
        elif e.type == "dial":
            dial = e
        elif e.type in ("dial-answered", "dial-end") and dial is not None:
            targets = ", ".join(map(str, dial.details.get("targets", ())))
            out.append(Item(dial.t, e.t, f"rings {targets}", f"Dial rings {targets}", "dial-ring"))
            dial = None
    if rang is not None and end_of_call > rang:
        out.append(Item(rang, end_of_call, "ringing", "the call rings", "ringing"))
    return out


_ENDS = ("hangup", "reject", "sip-response", "caller-hangup", "stall")


def _http(request: HttpExchange) -> Item:
    status = request.status if request.status is not None else request.error or "no response"
    label = f"{request.method} {request.path} -> {status}"
    kind = "callback" if "callback" in request.purpose else "fetch"
    return Item(request.t, None, label, f"{label} ({request.purpose})\n{request.url}", kind)


def lanes(rehearsal: Rehearsal, total: float) -> list[Lane]:
    """The call's lanes, main call only (a dialled leg shows as ringing and talking)."""
    sid = rehearsal.call.sid
    events = [e for e in rehearsal.events if e.call_sid == sid]
    end_of_call = rehearsal.call.end if rehearsal.call.end is not None else total
    items = _span_events(events, end_of_call)
    items["ringing"] = _ringing(events, end_of_call)
    items["http"] = [_http(r) for r in rehearsal.requests]
    return [Lane(name, heading, tuple(items[name])) for name, heading in LANES]


def total_seconds(rehearsal: Rehearsal, audio_seconds: float | None = None) -> float:
    """The length of the timeline: the call, its last event or request, or the audio."""
    times = [0.0, rehearsal.call.end or 0.0, audio_seconds or 0.0]
    times += [e.t for e in rehearsal.events] + [r.t for r in rehearsal.requests]
    return max(max(times), 1.0)


_CLOCK = re.compile(r"^(\d+):(\d\d(?:\.\d+)?)\s\s")


def timed_transcript(lines: list[str]) -> list[tuple[float, str, str]]:
    """``(t, clock, text)`` per transcript line; a line without a clock keeps the last."""
    out = []
    t, shown = 0.0, ""
    for line in lines:
        match = _CLOCK.match(line)
        if match:
            t = int(match[1]) * 60 + float(match[2])
            shown, line = match[0].strip(), line[match.end() :]
        out.append((t, shown, line))
    return out


def wav_seconds(data: bytes) -> float | None:
    """How long a WAV file plays, from its header (any encoding), or None if not a WAV."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    offset, byte_rate = 12, 0
    while offset + 8 <= len(data):
        chunk = data[offset : offset + 4]
        (size,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        if chunk == b"fmt " and size >= 12:
            byte_rate = struct.unpack("<I", data[offset + 16 : offset + 20])[0]
        elif chunk == b"data":
            size = min(size, len(data) - offset - 8)  # a streamed header may say 0xFFFFFFFF
            return size / byte_rate if byte_rate else None
        offset += 8 + size + (size & 1)
    return None
