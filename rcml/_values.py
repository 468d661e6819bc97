"""Conversions between attribute strings and typed AST values.

Each kind has three converters: ``strict`` (the schema has already validated the
string), ``lenient`` (RestComm's own rules, used without the schema) and ``dump``.
A lenient converter returns ``(value, note)``: ``value`` is ``None`` when RestComm would
fall back to the default; ``note`` says what was tolerated, or is ``None``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rcml._ast import CallEvent, GatherInput, Method, RejectReason

__all__ = ["Converter", "converter"]

# RestComm trims attribute values with Java's String.trim(): everything up to U+0020.
_JAVA_TRIM = "".join(map(chr, range(0x21)))
_JAVA_INT = re.compile(r"[+-]?[0-9]+")
_INT_MAX = 2**31 - 1
_KEYS = re.compile(r"[0-9*#]{0,12}")
_RECORD_KEYS = re.compile(r"[0-9*#]{0,12}|-1")


@dataclass(frozen=True, slots=True)
class Converter:
    strict: Callable[[str], Any]
    lenient: Callable[[str], tuple[Any, str | None]]
    dump: Callable[[Any], str]


def _same(value: str) -> str:
    return value


def _lenient_str(value: str) -> tuple[Any, str | None]:
    return value.strip(_JAVA_TRIM), None


def _strict_int(value: str) -> int:
    return int(value)


def _lenient_int(value: str) -> tuple[Any, str | None]:
    # RestComm: Integer.parseInt(value.trim()); failure -> notification, default used.
    text = value.strip(_JAVA_TRIM)
    if _JAVA_INT.fullmatch(text) and -_INT_MAX - 1 <= int(text) <= _INT_MAX:
        return int(text), None
    return None, f"{value!r} is not an integer; the default is used"


def _strict_bool(value: str) -> bool:
    return value.strip(_JAVA_TRIM) == "true"


def _lenient_bool(value: str) -> tuple[Any, str | None]:
    # Boolean.parseBoolean: only "true", in any case, is true.
    text = value.strip(_JAVA_TRIM).lower()
    if text in ("true", "false"):
        return text == "true", None
    return False, f"{value!r} is not 'true' or 'false'; RestComm reads it as false"


def _dump_bool(value: bool) -> str:
    return "true" if value else "false"


def _keys(pattern: re.Pattern[str]) -> Callable[[str], tuple[Any, str | None]]:
    def lenient(value: str) -> tuple[Any, str | None]:
        text = value.strip(_JAVA_TRIM)
        if pattern.fullmatch(text):
            return text, None
        return None, f"{value!r} is not a set of keys from 0-9 * #; the default is used"

    return lenient


def _strict_events(value: str) -> tuple[CallEvent, ...]:
    return tuple(CallEvent(token.strip(_JAVA_TRIM)) for token in value.split(","))


def _lenient_events(value: str) -> tuple[Any, str | None]:
    # RestComm strips every whitespace character, then splits on commas.
    tokens = [t for t in re.sub(r"\s+", "", value).split(",") if t]
    known = tuple(CallEvent(t) for t in tokens if t in CallEvent.__members__.values())
    unknown = [t for t in tokens if t not in CallEvent.__members__.values()]
    note = f"unknown events {unknown} match nothing" if unknown else None
    return known, note


def _dump_tuple(value: tuple[Any, ...]) -> str:
    return ",".join(str(v) for v in value)


def _strict_hints(value: str) -> tuple[str, ...]:
    return tuple(p.strip(_JAVA_TRIM) for p in value.split(",") if p.strip(_JAVA_TRIM))


def _lenient_hints(value: str) -> tuple[Any, str | None]:
    phrases = value.split(",")
    note = None
    if len(phrases) > 50:
        note = f"{len(phrases)} hint phrases; RestComm fails the call over 50"
    elif any(len(p) > 100 for p in phrases):
        note = "a hint phrase is over 100 characters; RestComm fails the call"
    return _strict_hints(value), note


def _enum(cls: type[enum.Enum]) -> Converter:
    values = {m.value: m for m in cls}
    # RestComm compares these case-insensitively; the others exactly (reference §1.2).
    folded = cls in (Method, GatherInput, RejectReason)
    lowered = {str(k).lower(): m for k, m in values.items()}

    def strict(value: str) -> Any:
        return values[value.strip(_JAVA_TRIM)]

    def lenient(value: str) -> tuple[Any, str | None]:
        text = value.strip(_JAVA_TRIM)
        member = lowered.get(text.lower()) if folded else values.get(text)
        if member is not None:
            return member, None
        if cls is RejectReason:
            # Anything but "busy" is answered with 603 Decline.
            return RejectReason.REJECTED, f"{value!r} is not 'busy'; RestComm rejects"
        allowed = ", ".join(str(k) for k in values)
        return None, f"{value!r} is not one of {allowed}; the default is used"

    def dump(value: Any) -> str:
        return str(value.value)

    return Converter(strict, lenient, dump)


_KINDS: dict[str, Converter] = {
    "str": Converter(_same, _lenient_str, str),
    "url": Converter(_same, _lenient_str, str),
    "int": Converter(_strict_int, _lenient_int, str),
    "bool": Converter(_strict_bool, _lenient_bool, _dump_bool),
    "keys": Converter(_same, _keys(_KEYS), str),
    "record-keys": Converter(_same, _keys(_RECORD_KEYS), str),
    "events": Converter(_strict_events, _lenient_events, _dump_tuple),
    "hints": Converter(_strict_hints, _lenient_hints, _dump_tuple),
}
_ENUMS: dict[type[enum.Enum], Converter] = {}


def converter(kind: str | type[enum.Enum]) -> Converter:
    """The converter for a field kind: a name from ``_KINDS`` or an enum class."""
    if isinstance(kind, str):
        return _KINDS[kind]
    if kind not in _ENUMS:
        _ENUMS[kind] = _enum(kind)
    return _ENUMS[kind]
