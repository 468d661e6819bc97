"""Audio for the offline call rehearsal: the WAV renderer, text to speech, tones, decoding.

Importing this package loads numpy; soundfile and soxr load on first use, and a TTS
engine's library only when that engine is chosen.
"""

from __future__ import annotations

from rcml._media._cache import SpeechCache, default_cache_dir
from rcml._media._decode import decode_audio, resample
from rcml._media._render import OUTPUT_FORMATS, WavBackend
from rcml._media._tones import detect_dtmf, goertzel_power, make_tone
from rcml._media._tts import (
    ENGINE_NAMES,
    EspeakEngine,
    PlaceholderEngine,
    Pyttsx3Engine,
    TtsEngine,
    espeak_language,
    select_engine,
)

__all__ = [
    "ENGINE_NAMES",
    "OUTPUT_FORMATS",
    "EspeakEngine",
    "PlaceholderEngine",
    "Pyttsx3Engine",
    "SpeechCache",
    "TtsEngine",
    "WavBackend",
    "decode_audio",
    "default_cache_dir",
    "detect_dtmf",
    "espeak_language",
    "goertzel_power",
    "make_tone",
    "resample",
    "select_engine",
]
