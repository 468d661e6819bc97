"""What the interpreter asks of a media backend, and the backend that only keeps time.

The interpreter owns the clock. It asks the backend for *clips* (speech, audio files,
tones), learns their durations, and tells the backend where on the call's timeline each
clip goes (``place``). A backend that renders audio mixes the placed clips into a file;
:class:`TimingBackend` keeps nothing but durations, so a rehearsal runs in microseconds.

Two channels: ``"heard"`` is what the caller hears (prompts, ringback, beeps), ``"sent"``
is what the caller sends (key tones, scripted speech, recorded audio).
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from rcml._exceptions import RCMLError

__all__ = [
    "Channel",
    "Clip",
    "MediaBackend",
    "MediaError",
    "TimingBackend",
    "ToneKind",
    "estimate_speech_seconds",
    "silent_wav",
    "wav_duration",
]

Channel = Literal["heard", "sent"]
ToneKind = Literal[
    "dtmf",  # one key; ``digit`` names it
    "ringback",  # 440+480 Hz, 2 s on / 4 s off, while a Dial rings
    "busy",  # 480+620 Hz, 0.5 s on / 0.5 s off
    "beep",  # the Record beep
    "conference-enter",
    "conference-exit",
]

#: How long each tone lasts when the interpreter does not say otherwise.
TONE_SECONDS: dict[str, float] = {
    "dtmf": 0.1,
    "beep": 0.5,
    "conference-enter": 0.3,
    "conference-exit": 0.3,
}


class MediaError(RCMLError):
    """A clip could not be made: undecodable audio, a TTS engine that failed."""


@dataclass(frozen=True, slots=True)
class Clip:
    """A piece of audio the backend made, and how long it lasts.

    ``payload`` belongs to the backend that made the clip (samples, a cache key); the
    interpreter never looks inside. ``note`` says something the report should show, such
    as "placeholder speech: no TTS engine".
    """

    kind: Literal["speech", "audio", "tone"]
    duration: float
    label: str
    payload: Any = field(default=None, compare=False, repr=False)
    note: str | None = None


@runtime_checkable
class MediaBackend(Protocol):
    """The interface the interpreter calls. One instance serves one rehearsal."""

    name: str

    def speech(self, text: str, *, voice: str, language: str) -> Clip:
        """Synthesise ``text`` (``voice`` is ``man``/``woman`` or ``caller``)."""
        ...

    def audio(self, data: bytes, *, content_type: str | None, source: str) -> Clip:
        """Decode an audio file (``source`` is its URL, for messages).

        :raises MediaError: the data is not audio this backend can decode.
        """
        ...

    def tone(self, kind: ToneKind, seconds: float | None = None, *, digit: str = "") -> Clip:
        """A tone of ``kind`` lasting ``seconds`` (its usual length when ``None``)."""
        ...

    def place(
        self, clip: Clip, at: float, *, channel: Channel = "heard", length: float | None = None
    ) -> None:
        """Put ``clip`` on the timeline at ``at`` seconds; ``length`` cuts it short
        (a prompt interrupted by a key press)."""
        ...

    def recording(self, start: float, end: float) -> bytes:
        """What the caller sent between ``start`` and ``end``, as a WAV file."""
        ...

    def finish(self, duration: float) -> None:
        """The call is over and lasted ``duration`` seconds; no more clips follow."""
        ...


# ---------------------------------------------------------------------------- timing only

_DIGITS = re.compile(r"\d")


def estimate_speech_seconds(text: str, *, wpm: float = 175.0) -> float:
    """How long espeak-ng takes to say ``text`` (media.md §7: within ~10% typically).

    Every whitespace-separated token counts as a word, except that a token with digits
    counts once per digit (numbers are read digit by digit or as long words).
    """
    tokens = text.split()
    if not tokens:
        return 0.0
    n = sum(max(1, len(_DIGITS.findall(t))) if any(c.isdigit() for c in t) else 1 for t in tokens)
    return round((0.6 + 0.32 * n) * 175.0 / wpm, 3)


def wav_duration(data: bytes) -> float | None:
    """Duration of a RIFF/WAVE file from its header, or ``None`` if it is not one.

    Works for any format tag (PCM, mu-law, A-law, GSM): it divides the data chunk's size
    by the declared byte rate.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos = 12
    byte_rate = 0
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], int(struct.unpack_from("<I", data, pos + 4)[0])
        body = pos + 8
        if chunk == b"fmt " and size >= 16:
            byte_rate = int(struct.unpack_from("<I", data, body + 8)[0])
        elif chunk == b"data":
            if byte_rate <= 0:
                return None
            size = min(size, len(data) - body)
            return size / byte_rate
        pos = body + size + (size & 1)
    return None


def silent_wav(seconds: float, rate: int = 8000) -> bytes:
    """A mono 16-bit PCM WAV file of digital silence."""
    frames = max(0, round(seconds * rate))
    data_size = frames * 2
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_size,
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        rate,
        rate * 2,
        2,
        16,
        b"data",
        data_size,
    )
    return header + bytes(data_size)


class TimingBackend:
    """Keeps time and nothing else: speech lasts its estimated length, audio files last
    what their header says, recordings are silence of the right length."""

    name = "timing"

    _estimates: dict[str, float] = {}  # noqa: RUF012 - a process-wide memo, on purpose

    def speech(self, text: str, *, voice: str, language: str) -> Clip:
        seconds = self._estimates.get(text)
        if seconds is None:
            if len(self._estimates) > 4096:
                self._estimates.clear()
            seconds = self._estimates[text] = estimate_speech_seconds(text)
        return Clip("speech", seconds, text)

    def audio(self, data: bytes, *, content_type: str | None, source: str) -> Clip:
        duration = wav_duration(data)
        if duration is None:
            duration = _other_audio_duration(data, content_type)
        if duration is None:
            raise MediaError(f"{source}: not audio the timing backend can measure")
        return Clip("audio", duration, source)

    def tone(self, kind: ToneKind, seconds: float | None = None, *, digit: str = "") -> Clip:
        length = TONE_SECONDS.get(kind, 1.0) if seconds is None else seconds
        return Clip("tone", length, f"{kind} {digit}".strip())

    def place(
        self, clip: Clip, at: float, *, channel: Channel = "heard", length: float | None = None
    ) -> None:
        return None

    def recording(self, start: float, end: float) -> bytes:
        return silent_wav(max(0.0, end - start))

    def finish(self, duration: float) -> None:
        return None


def _other_audio_duration(data: bytes, content_type: str | None) -> float | None:
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("audio/basic", "audio/x-mulaw", "audio/ulaw", "audio/pcmu"):
        return len(data) / 8000  # raw G.711: one byte per sample at 8 kHz
    if data[:3] == b"ID3" or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        # Without a decoder, assume 32 kbit/s, the usual rate of telephony prompts in MP3.
        return math.ceil(len(data) / 4000 * 1000) / 1000
    return None
