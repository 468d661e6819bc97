"""Text to speech behind one small interface, and the choice of engine.

Three engines come with rcml:

* :class:`EspeakEngine` calls libespeak-ng through ctypes in synchronous mode: no thread,
  no race, SSML, BCP-47 language codes. The library comes from the ``espeakng-loader``
  wheel (so ``pip install`` alone gives speech on Linux) or from the system.
* :class:`Pyttsx3Engine` drives pyttsx3, which is espeak again on Linux but the
  operating system's own voices on Windows (SAPI5) and macOS. pyttsx3 is async and
  racy on Linux (media.md §1.5); the engine works around each known problem.
* :class:`PlaceholderEngine` makes a quiet tone as long as the text would take to say,
  so that timelines stay realistic when no engine is installed.

Anything with a ``name`` and a ``synthesize`` method of the right shape is an engine
(:class:`TtsEngine`); a cloud TTS plugs in the same way.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from rcml._rehearse._media import MediaError, estimate_speech_seconds

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "ENGINE_NAMES",
    "EspeakEngine",
    "PlaceholderEngine",
    "Pyttsx3Engine",
    "TtsEngine",
    "espeak_language",
    "select_engine",
]

ENGINE_NAMES = ("auto", "espeak", "pyttsx3", "placeholder")

#: The speaking rate every engine is set to: the one estimate_speech_seconds is fitted to.
WORDS_PER_MINUTE = 175


@runtime_checkable
class TtsEngine(Protocol):
    """Turns text into mono 16-bit samples.

    ``voice`` is ``man``, ``woman`` or ``caller`` (the scripted caller; any other value
    may be treated as ``man``, as RestComm does). ``language`` is a RestComm key
    (``en``, ``en-gb``, ``es``, ``pt-br``, ``zh-cn``...) or a BCP-47 code. Text that
    starts with ``<speak`` is SSML. An engine may also have a ``version`` string: the
    speech cache keys on it, so a new version does not reuse old audio.
    """

    name: str

    def synthesize(self, text: str, *, voice: str, language: str) -> tuple[NDArray[np.int16], int]:
        """``(samples, sample_rate)``; raise any exception on failure."""
        ...


def is_ssml(text: str) -> bool:
    return text.lstrip().startswith("<speak")


# ---------------------------------------------------------------------- voices, languages

# voice -> (espeak gender, espeak pitch 0-100). The scripted caller speaks lower than the
# default male prompt voice so the two can be told apart in a mono mix.
_VOICES: dict[str, tuple[int, int]] = {"man": (1, 50), "woman": (2, 50), "caller": (1, 35)}

# RestComm's language keys (VoiceRSS, Acapela and AT&T plug-ins) that are not already
# language tags espeak-ng understands. Everything else is passed through lower-cased:
# espeak-ng picks a voice for BCP-47 codes itself (es-mx -> es-419, fr-fr -> fr, ...).
_LANGUAGE_ALIASES: dict[str, str] = {
    "": "en-us",
    "en": "en-us",  # RestComm's default key; its synthesizers speak US English for it
    "en-uk": "en-gb",
    "bf": "fr-be",  # Acapela: Belgian French
    "bp": "pt-br",  # Acapela: Brazilian Portuguese
    "cf": "fr-ca",  # Acapela: Canadian French
    "dan": "da",
    "no": "nb",
    "zh-cn": "cmn",
    "zh-tw": "cmn",
    "zh-hk": "yue",  # Hong Kong: Cantonese (espeak-ng would pick Mandarin)
}


def espeak_language(key: str) -> str:
    """The espeak-ng language tag for a RestComm language key or BCP-47 code."""
    key = key.strip().lower().replace("_", "-")
    return _LANGUAGE_ALIASES.get(key, key)


def _voice_settings(voice: str) -> tuple[int, int]:
    return _VOICES.get(voice, _VOICES["man"])


# ------------------------------------------------------------------------- libespeak-ng

# One libespeak-ng per process: its state is global, and concurrent calls crash it
# (media.md §1.5.7). Every call into it, from either engine, holds this lock.
_LOCK = threading.Lock()
# Which binding initialised the library: the two need different output modes, and one
# switching the other's mode under it loses audio (seen: speech cut to a third).
_owner: str | None = None

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # without it a missing data directory calls exit(1)
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_SSML = 0x10
_ENDPAUSE = 0x1000
_RATE, _PITCH = 1, 3
_EE_OK = 0

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


def _espeak_candidates() -> list[tuple[str, str | None]]:
    """(library, data directory) pairs to try: the loader wheel's, then the system's."""
    found: list[tuple[str, str | None]] = []
    try:
        import espeakng_loader

        library, data = espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
        if Path(library).exists():
            found.append((str(library), str(data)))
    except (ImportError, RuntimeError, OSError):
        pass
    system = ctypes.util.find_library("espeak-ng")
    if system:
        found.append((system, None))  # None: the library's built-in data directory
    return found


def _claim(owner: str) -> None:
    """Take libespeak-ng for ``owner``; the caller holds ``_LOCK``."""
    global _owner
    if _owner not in (None, owner):
        raise MediaError(
            f"libespeak-ng is already driven by {_owner} in this process, "
            f"and cannot serve {owner} too: use one engine per process"
        )
    _owner = owner


class _Espeak:
    """libespeak-ng, initialised in synchronous mode. Use only while holding ``_LOCK``."""

    def __init__(self, library: str, data: str | None) -> None:
        try:
            lib = ctypes.CDLL(library)
        except OSError as exc:
            raise MediaError(f"cannot load {library}: {exc}") from None
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.POINTER(ctypes.c_uint),
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_SetVoiceByProperties.argtypes = [ctypes.POINTER(_Voice)]
        lib.espeak_SetVoiceByProperties.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        path = data.encode() if data is not None else None
        rate = int(lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, path, _INITIALIZE_DONT_EXIT))
        if rate <= 0:
            where = data or "its built-in data directory"
            raise MediaError(f"libespeak-ng ({library}) could not start with voice data in {where}")
        self._lib = lib
        self.rate = rate
        self.version = (lib.espeak_Info(None) or b"").decode(errors="replace")
        self._chunks: list[NDArray[np.int16]] = []
        # ctypes keeps no reference to the callback object: this attribute does.
        self._callback = _SynthCallback(self._on_audio)
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: tuple[str, int] | None = None

    def _on_audio(self, wav: Any, n: int, events: Any) -> int:
        if n > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0  # 0: go on synthesising

    def _select_voice(self, language: str, gender: int) -> None:
        if self._voice == (language, gender):
            return  # selecting a voice reads files; most prompts reuse the last one
        voice = _Voice(languages=language.encode(), gender=gender)
        if self._lib.espeak_SetVoiceByProperties(ctypes.byref(voice)) != _EE_OK:
            # An unknown key: RestComm silently speaks English, so do we.
            fallback = _Voice(languages=b"en-us", gender=gender)
            self._lib.espeak_SetVoiceByProperties(ctypes.byref(fallback))
        self._voice = (language, gender)

    def synthesize(self, text: str, language: str, gender: int, pitch: int) -> NDArray[np.int16]:
        if not text.strip():
            return np.zeros(0, dtype=np.int16)  # espeak would still make its end pause
        self._select_voice(language, gender)
        self._lib.espeak_SetParameter(_RATE, WORDS_PER_MINUTE, 0)
        self._lib.espeak_SetParameter(_PITCH, pitch, 0)
        flags = _CHARS_UTF8 | _ENDPAUSE | (_SSML if is_ssml(text) else 0)
        # A NUL would end the text early; lone surrogates cannot be encoded.
        buffer = text.replace("\0", " ").encode("utf-8", "ignore") + b"\0"
        self._chunks = []
        code = self._lib.espeak_Synth(buffer, len(buffer), 0, _POS_CHARACTER, 0, flags, None, None)
        chunks, self._chunks = self._chunks, []
        if code != _EE_OK:
            raise MediaError(f"espeak_Synth failed (error {code})")
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


_espeak: _Espeak | None = None


def _load_espeak() -> _Espeak:
    """The process's libespeak-ng, started on first use; the caller holds ``_LOCK``."""
    global _espeak
    if _espeak is not None:
        return _espeak
    candidates = _espeak_candidates()
    if not candidates:
        raise MediaError(
            "libespeak-ng not found: `pip install espeakng-loader` or `apt-get install espeak-ng`"
        )
    reasons = []
    for library, data in candidates:
        try:
            _espeak = _Espeak(library, data)
            return _espeak
        except MediaError as exc:
            reasons.append(str(exc))
    raise MediaError("; ".join(reasons))


class EspeakEngine:
    """libespeak-ng through ctypes, synchronous: ~1000x real time, SSML, any language.

    :raises MediaError: no usable libespeak-ng (when constructed), or a synthesis error.
    """

    name = "espeak"

    def __init__(self) -> None:
        with _LOCK:
            _claim(self.name)
            self.version = _load_espeak().version

    def synthesize(self, text: str, *, voice: str, language: str) -> tuple[NDArray[np.int16], int]:
        gender, pitch = _voice_settings(voice)
        with _LOCK:
            _claim(self.name)
            engine = _load_espeak()
            return engine.synthesize(text, espeak_language(language), gender, pitch), engine.rate


# -------------------------------------------------------------------------------- pyttsx3


class _Pyttsx3:
    """The process's one pyttsx3 engine (pyttsx3.init() shares it anyway)."""

    def __init__(self) -> None:
        try:
            import pyttsx3
        except ImportError:
            raise MediaError("pyttsx3 is not installed: `pip install pyttsx3`") from None
        if sys.platform.startswith("linux"):
            _prepare_espeak_for_pyttsx3()
        try:
            engine = pyttsx3.init()
        except Exception as exc:  # pyttsx3 raises RuntimeError, OSError, ImportError...
            raise MediaError(f"pyttsx3 could not start: {exc}") from None
        _silence_pyttsx3_prints()
        if sys.platform.startswith("linux"):
            _no_cancel(engine)
        self.engine = engine
        self.version = getattr(pyttsx3, "__version__", "") or _distribution_version("pyttsx3")
        self.done = threading.Event()
        engine.connect("finished-utterance", self._finished)
        # Properties are set once, before the first render: later changes race with
        # the driver's cancel and are lost now and then (media.md §1.5.2).
        engine.setProperty("rate", WORDS_PER_MINUTE)
        self.voices: list[tuple[str, list[str], str]] = [
            (
                str(v.id),
                [str(lang).lower() for lang in (v.languages or [])],
                str(getattr(v, "gender", "") or ""),
            )
            for v in engine.getProperty("voices")
        ]
        self.directory = tempfile.mkdtemp(prefix="rcml-pyttsx3-")

    def _finished(self, name: str | None = None, completed: bool = True) -> None:
        # The driver also sends completed=False when it cancels, which is not the end.
        if completed:
            self.done.set()

    def voice_id(self, language: str, gender: int) -> str | None:
        """The installed voice for ``language`` (or its base language), ``+f2`` for women
        on espeak, where every voice is male and variants make the others."""
        base = language.split("-")[0]
        for wanted in (language, base):
            matches = [v for v in self.voices if wanted in v[1] or v[0].endswith("/" + wanted)]
            if gender == 2:
                female = [v for v in matches if v[2].lower() == "female"]
                if female:
                    return female[0][0]
            if matches:
                first = matches[0][0]
                on_espeak = sys.platform.startswith("linux")
                return first + "+f2" if gender == 2 and on_espeak else first
        return None


def _distribution_version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def _prepare_espeak_for_pyttsx3() -> None:
    """Let pyttsx3 find a working libespeak-ng, and make sure it will not exit(1).

    pyttsx3 opens ``libespeak-ng.so.1`` by name and initialises it without
    ``DONT_EXIT``, so a library without voice data would end the process. Start it here
    first with ``DONT_EXIT``; a library loaded with RTLD_GLOBAL is the one pyttsx3's
    ``LoadLibrary`` then gets (media.md §2.3). The probe uses synchronous mode: a
    second start in pyttsx3's asynchronous mode after a first one deadlocks in
    ``espeak_Synth`` (seen here), while pyttsx3 restarting a synchronous library works.
    """
    candidates = _espeak_candidates()
    if not candidates:
        raise MediaError("pyttsx3 needs libespeak-ng: `pip install espeakng-loader`")
    library, data = candidates[0]
    with _LOCK:
        _claim("pyttsx3")
        try:
            lib = ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
        except OSError as exc:
            raise MediaError(f"cannot load {library}: {exc}") from None
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        path = data.encode() if data else None
        if lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, path, _INITIALIZE_DONT_EXIT) <= 0:
            raise MediaError(f"libespeak-ng ({library}) has no usable voice data")
        if data and not os.environ.get("ESPEAK_DATA_PATH"):
            # pyttsx3 passes no data path: the library reads this variable instead.
            os.environ["ESPEAK_DATA_PATH"] = data


def _silence_pyttsx3_prints() -> None:
    """pyttsx3's espeak driver prints "Audio saved to ..." from espeak's thread after
    every file. A library must not print, and redirecting stdout is process-wide and
    racy, so the driver module gets its own silent ``print``."""
    driver = sys.modules.get("pyttsx3.drivers.espeak")
    if driver is not None:
        driver.print = lambda *args, **kwargs: None  # type: ignore[attr-defined]


def _no_cancel(engine: Any) -> None:
    """Keep pyttsx3's espeak driver from cancelling what it has just queued.

    Every ``runAndWait`` ends with ``endLoop``, which calls the driver's ``stop()``,
    which calls ``espeak_Cancel`` if espeak is still busy, and espeak's asynchronous
    queue then loses whatever it held: a rate or voice change (media.md §1.5.2), or
    the next utterance (seen here: an empty file about one run in five). Stopping is
    only for interrupting ``say()``, which rcml never calls.
    """
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    if driver is not None and hasattr(driver, "stop"):
        driver.stop = lambda: None


_pyttsx3: _Pyttsx3 | None = None
_PYTTSX3_START = threading.Lock()


class Pyttsx3Engine:
    """pyttsx3, hardened: one lock around every render, one ``save_to_file`` per
    ``runAndWait``, and a wait for the finished utterance with ``timeout`` seconds
    (``runAndWait`` can return before the file exists).

    On Linux it shares libespeak-ng with :class:`EspeakEngine`, which needs the library
    in another mode: a process can use one of the two, not both.

    :raises MediaError: pyttsx3 missing or unable to start (when constructed); no
        finished file within ``timeout``.
    """

    name = "pyttsx3"

    def __init__(self, *, timeout: float = 30.0) -> None:
        global _pyttsx3
        self.timeout = timeout
        with _PYTTSX3_START:
            if _pyttsx3 is None:
                _pyttsx3 = _Pyttsx3()
            self._state = _pyttsx3
        self.version = self._state.version

    def synthesize(self, text: str, *, voice: str, language: str) -> tuple[NDArray[np.int16], int]:
        import soundfile

        if not text.strip():
            return np.zeros(0, dtype=np.int16), 22050
        state = self._state
        gender, _pitch = _voice_settings(voice)
        target = Path(state.directory) / "utterance.wav"
        with _LOCK:
            voice_id = state.voice_id(espeak_language(language), gender)
            if voice_id is not None:
                state.engine.setProperty("voice", voice_id)
            state.done.clear()
            target.unlink(missing_ok=True)
            # pyttsx3 reads SSML tags out loud: give it the words only.
            spoken = _strip_tags(text) if is_ssml(text) else text
            state.engine.save_to_file(spoken, str(target))
            state.engine.runAndWait()
            if not state.done.wait(self.timeout):
                raise MediaError(f"pyttsx3 did not finish within {self.timeout:g} s")
            try:
                samples, rate = soundfile.read(str(target), dtype="int16")
            except (soundfile.LibsndfileError, OSError) as exc:
                raise MediaError(f"pyttsx3 wrote no readable audio: {exc}") from None
            finally:
                target.unlink(missing_ok=True)
        if samples.ndim > 1:
            samples = samples[:, 0]
        return np.ascontiguousarray(samples, dtype=np.int16), int(rate)


# ---------------------------------------------------------------------------- placeholder

_TAG = re.compile(r"<[^>]*>")
_PLACEHOLDER_HZ = 250  # a low hum: clearly not speech, and no telephone tone is near it
_PLACEHOLDER_AMPLITUDE = 0.0215  # -30 dBm0


def _strip_tags(text: str) -> str:
    return _TAG.sub(" ", text)


class PlaceholderEngine:
    """A quiet 250 Hz hum (or silence) lasting as long as the text would take to say.

    Deterministic: the same text always gives the same samples. ``reason``, when set,
    says why no real engine is used; the renderer shows it on every clip.
    """

    name = "placeholder"
    version = "1"

    def __init__(self, *, rate: int = 8000, reason: str | None = None, hum: bool = True) -> None:
        self.rate = rate
        self.reason = reason
        self.hum = hum

    def seconds(self, text: str) -> float:
        """How long the placeholder for ``text`` lasts (SSML tags are not words)."""
        return estimate_speech_seconds(_strip_tags(text))

    def synthesize(self, text: str, *, voice: str, language: str) -> tuple[NDArray[np.int16], int]:
        frames = round(self.seconds(text) * self.rate)
        if not self.hum or frames == 0:
            return np.zeros(frames, dtype=np.int16), self.rate
        # One second holds a whole number of 250 Hz cycles at any integer rate, so
        # repeating it is seamless and costs nothing for hour-long texts.
        t = np.arange(self.rate, dtype=np.float64) / self.rate
        second = np.round(
            _PLACEHOLDER_AMPLITUDE * 32767 * np.sin(2 * np.pi * _PLACEHOLDER_HZ * t)
        ).astype(np.int16)
        samples = np.resize(second, frames)
        ramp = min(frames // 2, round(0.005 * self.rate))
        if ramp:
            rise = np.linspace(0.0, 1.0, ramp, endpoint=False)
            samples[:ramp] = np.round(samples[:ramp] * rise).astype(np.int16)
            samples[frames - ramp :] = np.round(samples[frames - ramp :] * rise[::-1]).astype(
                np.int16
            )
        return samples, self.rate


# ------------------------------------------------------------------------------ selection


def select_engine(name: str = "auto") -> TtsEngine:
    """The engine ``name`` asks for (``auto``, ``espeak``, ``pyttsx3``, ``placeholder``).

    ``auto`` honours ``$RCML_TTS``, then tries libespeak-ng (the espeakng-loader wheel,
    then the system library), then pyttsx3 on Windows and macOS (where it drives the
    system's voices; on Linux it would be the same libespeak-ng), and falls back to a
    :class:`PlaceholderEngine` whose ``reason`` says what was missing.

    :raises MediaError: an unknown name, or an engine named explicitly that cannot start.
    """
    choice = name.strip().lower()
    if choice == "auto":
        choice = os.environ.get("RCML_TTS", "").strip().lower() or "auto"
    if choice not in ENGINE_NAMES:
        origin = "RCML_TTS" if name.strip().lower() == "auto" else "TTS engine"
        raise MediaError(f"unknown {origin} {choice!r}: choose one of {', '.join(ENGINE_NAMES)}")
    if choice == "espeak":
        return EspeakEngine()
    if choice == "pyttsx3":
        return Pyttsx3Engine()
    if choice == "placeholder":
        return PlaceholderEngine()
    reasons = []
    try:
        return EspeakEngine()
    except MediaError as exc:
        reasons.append(str(exc))
    if sys.platform in ("win32", "darwin"):
        try:
            return Pyttsx3Engine()
        except MediaError as exc:
            reasons.append(str(exc))
    return PlaceholderEngine(reason="no TTS engine (" + "; ".join(reasons) + ")")
