"""The WAV renderer: a :class:`~rcml._rehearse._media.MediaBackend` that mixes every
clip the interpreter places into one track per channel and writes them as a WAV file.

Tracks are float32 at the render rate (8 kHz by default: 32 kB a second, so a
10-minute call is 19 MB per channel). A clip placed at ``at`` seconds starts at sample
``round(at * rate)``, and every clip lasts a whole number of samples, so the file and
the interpreter's timeline agree to the sample.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, TypeVar

import numpy as np

from rcml._media._cache import SpeechCache
from rcml._media._decode import decode_audio, resample
from rcml._media._tones import make_tone
from rcml._media._tts import PlaceholderEngine, TtsEngine, select_engine
from rcml._rehearse._media import Channel, Clip, MediaError, ToneKind

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["OUTPUT_FORMATS", "WavBackend"]

OutputFormat = Literal["pcm16", "ulaw", "alaw"]
#: Output formats and the WAV subtype each is written with.
OUTPUT_FORMATS: dict[str, str] = {"pcm16": "PCM_16", "ulaw": "ULAW", "alaw": "ALAW"}

#: Longer texts are not sent to the engine (a 64 KiB document cannot hold more anyway).
MAX_SPEECH_CHARACTERS = 65536

_CHANNELS: tuple[Channel, ...] = ("heard", "sent")
_FADE_SECONDS = 0.005  # a clip cut short fades out this fast instead of clicking

T = TypeVar("T")


class _Track:
    """A growable float32 signal: clips are added in, any order, any overlap."""

    def __init__(self) -> None:
        self._buffer = np.zeros(0, dtype=np.float32)
        self.length = 0

    def _reserve(self, frames: int) -> None:
        if frames > len(self._buffer):
            # Doubling keeps a long call's many small placements linear overall.
            bigger = np.zeros(max(frames, 2 * len(self._buffer), 8000), dtype=np.float32)
            bigger[: self.length] = self._buffer[: self.length]
            self._buffer = bigger

    def mix(self, samples: NDArray[np.float32], start: int) -> None:
        end = start + len(samples)
        self._reserve(end)
        self._buffer[start:end] += samples
        self.length = max(self.length, end)

    def resize(self, frames: int) -> None:
        self._reserve(frames)
        self._buffer[frames:] = 0.0  # what is cut off must not come back if it regrows
        self.length = frames

    def view(self, start: int, end: int) -> NDArray[np.float32]:
        """Samples ``start:end``, zeros past what was placed."""
        out = np.zeros(max(0, end - start), dtype=np.float32)
        stop = min(end, self.length)
        if stop > start:
            out[: stop - start] = self._buffer[start:stop]
        return out


class _Timeout(Exception):
    pass


def _call_with_timeout(function: Callable[[], T], seconds: float) -> T:
    """``function()``, in a daemon thread so that a hung engine cannot hang the call
    (or the interpreter's exit): after ``seconds`` the thread is abandoned."""
    result: list[T] = []
    error: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            result.append(function())
        except (Exception, SystemExit) as exc:  # an engine calling sys.exit() crashed too
            error.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="rcml-tts", daemon=True).start()
    if not done.wait(seconds):
        raise _Timeout
    if error:
        raise error[0]
    return result[0]


def _as_float(samples: object) -> NDArray[np.float32]:
    """An engine's samples as float32 in [-1, 1]: integers scaled by their type's full
    scale (int16 is the usual), floats taken as already scaled."""
    array = np.asarray(samples)
    if array.ndim != 1:
        raise MediaError(f"the engine returned {array.ndim}-D audio, not mono samples")
    if np.issubdtype(array.dtype, np.integer):
        full_scale = float(np.iinfo(array.dtype).max) + 1.0  # 32768 for int16
        return (array.astype(np.float64) / full_scale).astype(np.float32)
    if np.issubdtype(array.dtype, np.floating):
        return np.nan_to_num(array.astype(np.float32))
    raise MediaError(f"the engine returned {array.dtype} data, not audio samples")


def _to_int16(samples: NDArray[np.float32]) -> NDArray[np.int16]:
    return np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768.0).astype(np.int16)


class WavBackend:
    """Renders the call to audio: 8 kHz mono 16-bit PCM by default.

    ``tts`` is an engine, a name for :func:`select_engine` (``"auto"``, ``"espeak"``,
    ``"pyttsx3"``, ``"placeholder"``), or ``None`` for ``"auto"``. ``cache`` is
    ``True`` for the default speech cache directory, ``False`` for none, or a
    directory. ``stereo`` puts what the caller hears on the left and what the caller
    sends on the right; mono mixes both. An engine that fails, or takes more than
    ``tts_timeout`` seconds (plus 5% of the speech's estimated length), gives way to
    placeholder speech for that clip, with a ``note`` saying why; one that hung is not
    asked again during this call.

    :raises MediaError: a TTS engine named explicitly cannot start.
    """

    name = "wav"

    def __init__(
        self,
        rate: int = 8000,
        stereo: bool = False,
        *,
        tts: TtsEngine | str | None = None,
        cache: bool | str | os.PathLike[str] = True,
        tts_timeout: float = 20.0,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"sample rate must be positive, not {rate}")
        self.rate = rate
        self.stereo = stereo
        self.engine = select_engine(tts or "auto") if tts is None or isinstance(tts, str) else tts
        self.cache: SpeechCache | None = (
            None if cache is False else SpeechCache(None if cache is True else cache)
        )
        self.tts_timeout = tts_timeout
        # Stands in for the engine when it fails; speaks like the chosen placeholder, if any.
        hum = self.engine.hum if isinstance(self.engine, PlaceholderEngine) else True
        self._placeholder = PlaceholderEngine(rate=rate, hum=hum)
        self._hung: str | None = None  # why the engine is no longer asked
        self._tracks = {channel: _Track() for channel in _CHANNELS}
        self._frames: int | None = None  # the call's length, once finish() said it

    # ------------------------------------------------------------------------- clips

    def speech(self, text: str, *, voice: str, language: str) -> Clip:
        samples, note = self._speak(text, voice, language)
        return Clip("speech", len(samples) / self.rate, text, payload=samples, note=note)

    def audio(self, data: bytes, *, content_type: str | None, source: str) -> Clip:
        samples = decode_audio(data, content_type=content_type, source=source, rate=self.rate)
        return Clip("audio", len(samples) / self.rate, source, payload=samples)

    def tone(self, kind: ToneKind, seconds: float | None = None, *, digit: str = "") -> Clip:
        samples = make_tone(kind, seconds, self.rate, digit=digit)
        return Clip("tone", len(samples) / self.rate, f"{kind} {digit}".strip(), payload=samples)

    # ---------------------------------------------------------------------- timeline

    def place(
        self, clip: Clip, at: float, *, channel: Channel = "heard", length: float | None = None
    ) -> None:
        samples = clip.payload
        if not isinstance(samples, np.ndarray):
            raise TypeError(f"{clip.label!r}: this clip was not made by a WavBackend")
        if channel not in self._tracks:
            raise ValueError(f"channel must be 'heard' or 'sent', not {channel!r}")
        if at < 0:
            raise ValueError(f"a clip cannot start before the call ({at} s)")
        if length is not None and round(length * self.rate) < len(samples):
            samples = samples[: max(0, round(length * self.rate))].copy()
            fade = min(len(samples), round(_FADE_SECONDS * self.rate))
            if fade:
                samples[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        self._tracks[channel].mix(samples, round(at * self.rate))

    def recording(self, start: float, end: float) -> bytes:
        first, last = round(start * self.rate), round(max(start, end) * self.rate)
        sent = self._tracks["sent"].view(max(0, first), max(0, last))
        return self._encode(_to_int16(sent), "pcm16")

    def finish(self, duration: float) -> None:
        self._frames = max(0, round(duration * self.rate))
        for track in self._tracks.values():
            track.resize(self._frames)

    # ------------------------------------------------------------------------ output

    @property
    def duration(self) -> float:
        """Seconds of audio rendered: the call's duration once :meth:`finish` ran."""
        return self._length() / self.rate

    def track(self, channel: Channel) -> NDArray[np.float32]:
        """One channel's samples (float32, 1.0 = full scale), the whole call long."""
        return self._tracks[channel].view(0, self._length())

    def samples(self) -> NDArray[np.int16]:
        """The output as int16: shape ``(n,)`` in mono, ``(n, 2)`` in stereo."""
        heard, sent = self.track("heard"), self.track("sent")
        if self.stereo:
            return _to_int16(np.stack([heard, sent], axis=1))
        return _to_int16(heard + sent)

    def write(
        self, target: str | os.PathLike[str] | IO[bytes], *, format: OutputFormat = "pcm16"
    ) -> None:
        """Write the call as a WAV file: ``pcm16`` or G.711 ``ulaw``/``alaw``."""
        data = self.to_bytes(format=format)
        if isinstance(target, (str, os.PathLike)):
            Path(target).write_bytes(data)
        else:
            target.write(data)

    def to_bytes(self, *, format: OutputFormat = "pcm16") -> bytes:
        return self._encode(self.samples(), format)

    # ---------------------------------------------------------------------- helpers

    def _length(self) -> int:
        if self._frames is not None:
            return self._frames
        return max(track.length for track in self._tracks.values())

    def _encode(self, samples: NDArray[np.int16], format: str) -> bytes:
        import soundfile

        if format not in OUTPUT_FORMATS:
            raise ValueError(f"format must be one of {', '.join(OUTPUT_FORMATS)}, not {format!r}")
        buffer = io.BytesIO()
        soundfile.write(buffer, samples, self.rate, format="WAV", subtype=OUTPUT_FORMATS[format])
        return buffer.getvalue()

    def _placeholder_speech(
        self, text: str, why: str | None
    ) -> tuple[NDArray[np.float32], str | None]:
        samples, _ = self._placeholder.synthesize(text, voice="man", language="en")
        return _as_float(samples), (f"placeholder speech: {why}" if why else None)

    def _speak(
        self, text: str, voice: str, language: str
    ) -> tuple[NDArray[np.float32], str | None]:
        engine, cache = self.engine, self.cache
        if not text.strip():
            return np.zeros(0, dtype=np.float32), None
        if isinstance(engine, PlaceholderEngine):
            return self._placeholder_speech(text, engine.reason)
        if len(text) > MAX_SPEECH_CHARACTERS:
            why = (
                f"text too long for speech ({len(text)} characters, limit {MAX_SPEECH_CHARACTERS})"
            )
            return self._placeholder_speech(text, why)
        if self._hung is not None:
            return self._placeholder_speech(text, self._hung)
        key = None
        if cache is not None:
            version = str(getattr(engine, "version", ""))
            key = cache.key(
                engine=engine.name,
                version=version,
                voice=voice,
                language=language,
                text=text,
                rate=self.rate,
            )
            cached = cache.get(key, self.rate)
            if cached is not None:
                return _as_float(cached), None
        budget = self.tts_timeout + 0.05 * self._placeholder.seconds(text)
        try:
            raw, rate = _call_with_timeout(
                lambda: engine.synthesize(text, voice=voice, language=language), budget
            )
            # Quantised now as the cache stores it, so that warm and cold runs agree.
            pcm = _to_int16(resample(_as_float(raw), int(rate), self.rate))
        except _Timeout:
            self._hung = f"{engine.name} did not answer within {budget:g} s"
            return self._placeholder_speech(text, self._hung)
        except (Exception, SystemExit) as exc:
            return self._placeholder_speech(text, f"{engine.name} failed: {exc}")
        if cache is not None and key is not None:
            cache.put(key, pcm, self.rate)
        return _as_float(pcm), None
