"""Decoding what <Play> fetches: every telephony format to mono at the render rate, and
a clear MediaError for anything that is not audio."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from rcml._media._decode import decode_audio, resample
from rcml._media._tones import goertzel_power
from rcml._rehearse._media import MediaError


def sine(seconds: float, rate: int, hz: float = 440.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def encode(samples: np.ndarray, rate: int, **kwargs: str) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, **kwargs)
    return buffer.getvalue()


def assert_is_the_sine(decoded: np.ndarray, seconds: float, rate: int = 8000) -> None:
    """Right length at the render rate, and the energy is at 440 Hz."""
    assert decoded.dtype == np.float32 and decoded.ndim == 1
    assert len(decoded) / rate == pytest.approx(seconds, abs=0.06)
    assert goertzel_power(decoded, 440, rate) > 0.04  # 0.5**2 / 4 = 0.0625, less codec loss
    assert goertzel_power(decoded, 1000, rate) < 1e-3


@pytest.mark.parametrize(
    ("subtype", "rate"),
    [("PCM_16", 8000), ("PCM_16", 44100), ("ULAW", 8000), ("ALAW", 8000), ("GSM610", 8000)],
)
def test_wav_in_every_telephony_subtype(subtype: str, rate: int) -> None:
    data = encode(sine(1.0, rate), rate, format="WAV", subtype=subtype)
    assert_is_the_sine(decode_audio(data, content_type="audio/wav", source="x.wav", rate=8000), 1.0)


def test_mp3_stereo_44k_is_mixed_down_and_resampled() -> None:
    left = sine(1.0, 44100)
    data = encode(np.stack([left, left], axis=1), 44100, format="MP3")
    decoded = decode_audio(data, content_type="audio/mpeg", source="x.mp3", rate=8000)
    assert_is_the_sine(decoded, 1.0)


@pytest.mark.parametrize(
    ("content_type", "source"),
    [("audio/basic", "https://x/prompt"), ("audio/x-mulaw; rate=8000", "p"), (None, "p.ul")],
)
def test_raw_mulaw_by_content_type_or_extension(content_type: str | None, source: str) -> None:
    data = encode(sine(2.0, 8000), 8000, format="RAW", subtype="ULAW")
    assert len(data) == 16000  # headerless: one byte a sample
    assert_is_the_sine(decode_audio(data, content_type=content_type, source=source, rate=8000), 2.0)


def test_raw_alaw_and_gsm_by_extension() -> None:
    alaw = encode(sine(1.0, 8000), 8000, format="RAW", subtype="ALAW")
    assert_is_the_sine(decode_audio(alaw, content_type=None, source="a.alaw?v=2", rate=8000), 1.0)
    gsm = encode(sine(1.0, 8000), 8000, format="RAW", subtype="GSM610")
    assert_is_the_sine(decode_audio(gsm, content_type="audio/gsm", source="a", rate=8000), 1.0)


def test_a_header_wins_over_a_wrong_raw_content_type() -> None:
    data = encode(sine(1.0, 16000), 16000, format="WAV", subtype="PCM_16")
    decoded = decode_audio(data, content_type="audio/basic", source="x", rate=8000)
    assert_is_the_sine(decoded, 1.0)


def test_decodes_to_other_render_rates() -> None:
    data = encode(sine(1.5, 8000), 8000, format="WAV", subtype="PCM_16")
    decoded = decode_audio(data, content_type=None, source="x.wav", rate=16000)
    assert_is_the_sine(decoded, 1.5, rate=16000)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><body>Not Found</body></html>", "HTML page"),
        (b"<Response><Say>hi</Say></Response>", "XML document"),
        (b'{"error": 404}', "JSON"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00", "damaged or unsupported"),
        (bytes(range(256)) * 4, "not a recognised audio format"),
    ],
)
def test_not_audio_is_a_media_error_naming_the_source(data: bytes, expected: str) -> None:
    with pytest.raises(MediaError, match=expected) as caught:
        decode_audio(data, content_type="audio/mpeg", source="https://x/hello.mp3", rate=8000)
    assert str(caught.value).startswith("https://x/hello.mp3")
    assert "BytesIO" not in str(caught.value)


def test_resample_keeps_duration_and_pitch() -> None:
    out = resample(sine(2.0, 22050), 22050, 8000)
    assert len(out) == 16000
    assert goertzel_power(out, 440, 8000) == pytest.approx(0.0625, rel=0.02)
