"""The caller script: what the scripted caller (and the parties it dials) will do.

A script is TOML (see docs/rehearse.md)::

    [call]
    from = "+15551230000"
    to = "+15558880000"
    url = "/ivr/main"

    [[gather]]
    digits = "1"

    [dial."+15550001111"]
    answer_after = 4
    talk = 30

Every key is checked: a misspelt key or a wrong type is a :class:`ScriptError` naming the
file and the key, never a silent default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rcml._exceptions import RCMLError

__all__ = [
    "CallSpec",
    "CallerScript",
    "DialSpec",
    "Expectations",
    "GatherInput",
    "RecordInput",
    "ScriptError",
    "load_script",
]

Direction = Literal["inbound", "outbound-api"]
Outcome = Literal["busy", "no-answer", "failed"]
_EVENTS = ("initiated", "ringing", "answered", "completed")
_KEYS = set("0123456789*#")


class ScriptError(RCMLError):
    """A caller script that cannot be used: bad TOML, an unknown key, a wrong value."""

    def __init__(self, message: str, *, source: str = "<script>", line: int = 0) -> None:
        self.message = message
        self.source = source
        self.line = line
        where = f"{source}:{line}: " if line else f"{source}: "
        super().__init__(f"{where}{message}")


@dataclass(frozen=True, slots=True)
class GatherInput:
    """What the caller does at one ``<Gather>``.

    ``after`` is seconds from the start of the Gather to the first key or word (``None``:
    one second after the prompts end); a value inside the prompts barges in.
    """

    digits: str = ""
    speech: str = ""
    silence: bool = False
    after: float | None = None
    interval: float = 0.3
    match: str | None = None
    hangup: bool = False


@dataclass(frozen=True, slots=True)
class RecordInput:
    """What the caller says at one ``<Record>``: speech, an audio file or silence."""

    speech: str = ""
    audio: Path | None = None
    seconds: float | None = None
    finish_on_key: str = ""
    hangup: bool = False
    match: str | None = None


@dataclass(frozen=True, slots=True)
class DialSpec:
    """How one dialled party (number, client, SIP URI or conference room) behaves."""

    answer_after: float = 3.0
    talk: float | None = None
    outcome: Outcome | None = None
    gather: tuple[GatherInput, ...] = ()


@dataclass(frozen=True, slots=True)
class CallSpec:
    from_: str = "+15550100001"
    to: str = "+15550100002"
    direction: Direction = "inbound"
    url: str | None = None
    method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_event: tuple[str, ...] | None = None
    hangup_after: float | None = None
    caller_name: str | None = None
    forwarded_from: str | None = None
    sip_headers: tuple[tuple[str, str], ...] = ()
    # outbound-api only: how the called party answers the call RestComm places.
    answer_after: float = 0.0
    timeout: float = 60.0
    outcome: Outcome | None = None


@dataclass(frozen=True, slots=True)
class Expectations:
    """What the script expects of the call; each one that fails makes the rehearsal fail."""

    status: str | None = None
    heard: tuple[str, ...] = ()
    not_heard: tuple[str, ...] = ()
    visited: tuple[str, ...] = ()
    not_visited: tuple[str, ...] = ()
    path: tuple[str, ...] | None = None
    messages: int | None = None
    dial_call_status: str | None = None


@dataclass(frozen=True, slots=True)
class CallerScript:
    call: CallSpec = field(default_factory=CallSpec)
    gather: tuple[GatherInput, ...] = ()
    record: tuple[RecordInput, ...] = ()
    dial: Mapping[str, DialSpec] = field(default_factory=dict)
    expect: Expectations = field(default_factory=Expectations)
    source: str = "<script>"

    @classmethod
    def from_toml(
        cls, text: str, *, source: str = "<script>", base: Path | None = None
    ) -> CallerScript:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line = _toml_line(str(exc))
            raise ScriptError(f"not valid TOML: {exc}", source=source, line=line) from None
        return cls.from_mapping(data, source=source, base=base)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, source: str = "<script>", base: Path | None = None
    ) -> CallerScript:
        r = _Reader(source, base)
        r.keys(data, "", {"call", "gather", "record", "dial", "expect"})
        call = r.call(data.get("call", {}))
        gather = tuple(
            r.gather(g, f"gather[{i}]") for i, g in enumerate(r.tables(data, "gather", ""))
        )
        record = tuple(
            r.record(g, f"record[{i}]") for i, g in enumerate(r.tables(data, "record", ""))
        )
        dial_table = r.table(data.get("dial", {}), "dial")
        dial = {str(k): r.dial(v, f"dial.{k!r}") for k, v in dial_table.items()}
        expect = r.expect(data.get("expect", {}))
        return cls(call=call, gather=gather, record=record, dial=dial, expect=expect, source=source)


def load_script(path: str | Path) -> CallerScript:
    """Read a caller script from a TOML file; relative ``audio`` paths resolve beside it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScriptError(f"cannot read: {exc.strerror or exc}", source=str(p)) from None
    except UnicodeDecodeError:
        raise ScriptError("not UTF-8 text", source=str(p)) from None
    return CallerScript.from_toml(text, source=str(p), base=p.parent)


def _toml_line(message: str) -> int:
    # tomllib says "... (at line 3, column 7)".
    marker = "at line "
    i = message.rfind(marker)
    if i < 0:
        return 0
    digits = "".join(c for c in message[i + len(marker) :].split(",")[0] if c.isdigit())
    return int(digits) if digits else 0


class _Reader:
    def __init__(self, source: str, base: Path | None) -> None:
        self.source = source
        self.base = base

    def fail(self, message: str) -> ScriptError:
        return ScriptError(message, source=self.source)

    def table(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(f"[{where}] must be a table")
        return value

    def tables(self, data: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.fail(f"{where}{key} must be an array of tables ([[{key}]])")
        return value

    def keys(self, data: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                import difflib

                near = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                place = f"[{where}] " if where else ""
                raise self.fail(f"{place}unknown key {key!r}{hint}")

    def text(self, data: Mapping[str, Any], key: str, where: str, default: Any = None) -> Any:
        value = data.get(key, default)
        if value is not default and not isinstance(value, str):
            raise self.fail(f"[{where}] {key} must be a string")
        return value

    def seconds(self, data: Mapping[str, Any], key: str, where: str, default: Any = None) -> Any:
        value = data.get(key, default)
        if value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.fail(f"[{where}] {key} must be a number of seconds >= 0")
        return float(value)

    def flag(self, data: Mapping[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"[{where}] {key} must be true or false")
        return value

    def method(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = self.text(data, key, where, "POST").upper()
        if value not in ("GET", "POST"):
            raise self.fail(f"[{where}] {key} must be GET or POST")
        return str(value)

    def keyset(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = self.text(data, key, where, "")
        bad = [c for c in value if c not in _KEYS]
        if bad:
            raise self.fail(f"[{where}] {key}: {bad[0]!r} is not a phone key (0-9, *, #)")
        return str(value)

    def outcome(self, data: Mapping[str, Any], where: str) -> Any:
        value = self.text(data, "outcome", where)
        if value is not None and value not in ("busy", "no-answer", "failed"):
            raise self.fail(f"[{where}] outcome must be busy, no-answer or failed")
        return value

    def call(self, value: Any) -> CallSpec:
        data = self.table(value, "call")
        self.keys(
            data,
            "call",
            {
                "from",
                "to",
                "direction",
                "url",
                "method",
                "fallback_url",
                "fallback_method",
                "status_callback",
                "status_callback_method",
                "status_callback_event",
                "hangup_after",
                "caller_name",
                "forwarded_from",
                "sip_headers",
                "answer_after",
                "timeout",
                "outcome",
            },
        )
        direction = self.text(data, "direction", "call", "inbound")
        if direction not in ("inbound", "outbound-api"):
            raise self.fail("[call] direction must be inbound or outbound-api")
        events = data.get("status_callback_event")
        if events is not None:
            items = events.split(",") if isinstance(events, str) else events
            if not isinstance(items, list) or not all(isinstance(e, str) for e in items):
                raise self.fail("[call] status_callback_event must be a string or a list")
            events = tuple(e.strip() for e in items if e.strip())
            for e in events:
                if e not in _EVENTS:
                    raise self.fail(
                        f"[call] status_callback_event: {e!r} is not one of {', '.join(_EVENTS)}"
                    )
        headers = data.get("sip_headers", {})
        if not isinstance(headers, Mapping) or not all(
            isinstance(v, str) for v in headers.values()
        ):
            raise self.fail("[call] sip_headers must be a table of strings")
        defaults = CallSpec()
        return CallSpec(
            from_=self.text(data, "from", "call", defaults.from_),
            to=self.text(data, "to", "call", defaults.to),
            direction=direction,
            url=self.text(data, "url", "call"),
            method=self.method(data, "method", "call"),
            fallback_url=self.text(data, "fallback_url", "call"),
            fallback_method=self.method(data, "fallback_method", "call"),
            status_callback=self.text(data, "status_callback", "call"),
            status_callback_method=self.method(data, "status_callback_method", "call"),
            status_callback_event=events,
            hangup_after=self.seconds(data, "hangup_after", "call"),
            caller_name=self.text(data, "caller_name", "call"),
            forwarded_from=self.text(data, "forwarded_from", "call"),
            sip_headers=tuple((str(k), str(v)) for k, v in headers.items()),
            answer_after=self.seconds(data, "answer_after", "call", 0.0),
            timeout=self.seconds(data, "timeout", "call", 60.0),
            outcome=self.outcome(data, "call"),
        )

    def gather(self, value: Mapping[str, Any], where: str) -> GatherInput:
        self.keys(
            value, where, {"digits", "speech", "silence", "after", "interval", "match", "hangup"}
        )
        digits = self.keyset(value, "digits", where)
        speech = self.text(value, "speech", where, "")
        silence = self.flag(value, "silence", where)
        hangup = self.flag(value, "hangup", where)
        given = sum(bool(x) for x in (digits, speech, silence))
        if given > 1:
            raise self.fail(f"[{where}] give one of digits, speech or silence")
        if given == 0 and not hangup:
            raise self.fail(f"[{where}] needs digits, speech, silence or hangup")
        return GatherInput(
            digits=digits,
            speech=speech,
            silence=silence,
            after=self.seconds(value, "after", where),
            interval=self.seconds(value, "interval", where, 0.3),
            match=self.text(value, "match", where),
            hangup=hangup,
        )

    def record(self, value: Mapping[str, Any], where: str) -> RecordInput:
        self.keys(value, where, {"speech", "audio", "seconds", "finish_on_key", "hangup", "match"})
        speech = self.text(value, "speech", where, "")
        audio = self.text(value, "audio", where)
        seconds = self.seconds(value, "seconds", where)
        if sum(x is not None and x != "" for x in (speech, audio, seconds)) != 1:
            raise self.fail(f"[{where}] give one of speech, audio or seconds")
        path = None
        if audio is not None:
            path = Path(audio)
            if not path.is_absolute() and self.base is not None:
                path = self.base / path
            if not path.is_file():
                raise self.fail(f"[{where}] audio file not found: {path}")
        key = self.keyset(value, "finish_on_key", where)
        if len(key) > 1:
            raise self.fail(f"[{where}] finish_on_key is one key")
        return RecordInput(
            speech=speech,
            audio=path,
            seconds=seconds,
            finish_on_key=key,
            hangup=self.flag(value, "hangup", where),
            match=self.text(value, "match", where),
        )

    def dial(self, value: Any, where: str) -> DialSpec:
        data = self.table(value, where)
        self.keys(data, where, {"answer_after", "talk", "outcome", "gather"})
        return DialSpec(
            answer_after=self.seconds(data, "answer_after", where, 3.0),
            talk=self.seconds(data, "talk", where),
            outcome=self.outcome(data, where),
            gather=tuple(
                self.gather(g, f"{where}.gather[{i}]")
                for i, g in enumerate(self.tables(data, "gather", f"[{where}] "))
            ),
        )

    def expect(self, value: Any) -> Expectations:
        data = self.table(value, "expect")
        self.keys(
            data,
            "expect",
            {
                "status",
                "heard",
                "not_heard",
                "visited",
                "not_visited",
                "path",
                "messages",
                "dial_call_status",
            },
        )

        def strings(key: str) -> tuple[str, ...]:
            v = data.get(key, [])
            if isinstance(v, str):
                v = [v]
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise self.fail(f"[expect] {key} must be a string or a list of strings")
            return tuple(v)

        messages = data.get("messages")
        if messages is not None and (isinstance(messages, bool) or not isinstance(messages, int)):
            raise self.fail("[expect] messages must be an integer")
        return Expectations(
            status=self.text(data, "status", "expect"),
            heard=strings("heard"),
            not_heard=strings("not_heard"),
            visited=strings("visited"),
            not_visited=strings("not_visited"),
            path=strings("path") if "path" in data else None,
            messages=messages,
            dial_call_status=self.text(data, "dial_call_status", "expect"),
        )
