"""The WAV renderer: clips land at their exact samples, the file lasts the call, stereo
separates the two directions, and a failing TTS engine never stops the rehearsal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rcml._media import WavBackend, detect_dtmf, goertzel_power
from rcml._media._tones import BEEP_HZ
from rcml._rehearse._media import (
    Clip,
    MediaBackend,
    MediaError,
    TimingBackend,
    estimate_speech_seconds,
)

ROOT = Path(__file__).resolve().parents[2]
RATE = 8000


def backend(**kwargs: object) -> WavBackend:
    options: dict[str, object] = {"tts": "placeholder", "cache": False, **kwargs}
    return WavBackend(**options)  # type: ignore[arg-type]


def read(data: bytes) -> tuple[np.ndarray, sf._SoundFileInfo]:
    samples, _ = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return samples, sf.info(io.BytesIO(data))


def first_sound(samples: np.ndarray) -> int:
    return int(np.flatnonzero(np.abs(samples) > 1e-4)[0])


def marker(seconds: float = 0.01) -> Clip:
    """A clip loud from its first sample to its last (tones ramp in from zero)."""
    return Clip("audio", seconds, "marker", payload=np.full(round(seconds * RATE), 0.5, np.float32))


class CountingEngine:
    """A deterministic stand-in for a TTS engine: a 300 Hz tone, 0.1 s a character."""

    name = "counting"
    version = "1"

    def __init__(self, rate: int = 16000) -> None:
        self.calls = 0
        self.rate = rate

    def synthesize(self, text: str, *, voice: str, language: str) -> tuple[np.ndarray, int]:
        self.calls += 1
        t = np.arange(round(0.1 * len(text) * self.rate)) / self.rate
        return (np.sin(2 * np.pi * 300 * t) * 8000).astype(np.int16), self.rate


# ------------------------------------------------------------------------------ contract


def test_it_is_a_media_backend() -> None:
    assert isinstance(backend(), MediaBackend)


def test_default_output_is_8khz_mono_pcm16() -> None:
    wav = backend()
    wav.place(wav.tone("beep"), 0.0)
    wav.finish(1.0)
    info = read(wav.to_bytes())[1]
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (8000, 1, "PCM_16", 8000)


def test_speech_clip_lasts_the_placeholder_estimate() -> None:
    clip = backend().speech("Welcome to the rehearsal", voice="man", language="en")
    assert clip.kind == "speech" and clip.label == "Welcome to the rehearsal"
    assert clip.duration == pytest.approx(estimate_speech_seconds("Welcome to the rehearsal"))
    assert len(clip.payload) == round(clip.duration * RATE)
    assert clip.note is None  # the placeholder was asked for: nothing to excuse


def test_clip_durations_agree_with_the_timing_backend() -> None:
    wav, timing = backend(), TimingBackend()
    for kind, seconds, digit in [("dtmf", None, "5"), ("beep", None, ""), ("ringback", 7.5, "")]:
        a, b = wav.tone(kind, seconds, digit=digit), timing.tone(kind, seconds, digit=digit)  # type: ignore[arg-type]
        assert (a.duration, a.label) == (b.duration, b.label)
    text = "Please hold"
    assert wav.speech(text, voice="man", language="en").duration == pytest.approx(
        timing.speech(text, voice="man", language="en").duration
    )


# ------------------------------------------------------------------------------ timeline


@pytest.mark.parametrize("at", [0.0, 0.5, 1.2345, 3.00006])
def test_a_clip_starts_at_its_sample(at: float) -> None:
    wav = backend()
    wav.place(marker(), at)
    wav.finish(5.0)
    assert first_sound(wav.samples()) == round(at * RATE)


def test_a_pause_is_exact_silence_between_clips() -> None:
    wav = backend()
    first = wav.speech("Hello there", voice="man", language="en")
    wav.place(first, 0.0)
    second = marker()
    wav.place(second, first.duration + 2.0)  # <Pause length="2"/>
    wav.finish(first.duration + 2.0 + second.duration)
    out = wav.samples()
    gap = out[round(first.duration * RATE) : round((first.duration + 2.0) * RATE)]
    assert len(gap) == 2 * RATE and not gap.any()
    assert first_sound(out[round(first.duration * RATE) :]) == 2 * RATE
    assert len(out) == round(wav.duration * RATE)


@pytest.mark.parametrize("duration", [0.5, 3.0, 10.0])
def test_the_file_lasts_the_call(duration: float) -> None:
    wav = backend()
    wav.place(wav.tone("ringback", 3.0), 0.0)
    wav.finish(duration)
    info = read(wav.to_bytes())[1]
    assert info.frames == round(duration * RATE)
    assert wav.duration == duration


def test_overlapping_clips_are_mixed_not_replaced() -> None:
    wav = backend()
    wav.place(wav.tone("beep", 1.0), 0.0)
    wav.place(wav.tone("dtmf", 1.0, digit="1"), 0.0)
    out = wav.track("heard")
    assert goertzel_power(out, BEEP_HZ, RATE) > 0.01 and goertzel_power(out, 697, RATE) > 0.005


def test_length_cuts_a_prompt_short_with_a_fade() -> None:
    wav = backend()
    wav.place(marker(3.0), 1.0, length=0.75)
    wav.finish(5.0)
    heard = wav.track("heard")
    end = RATE + round(0.75 * RATE)
    fade = round(0.005 * RATE)
    assert not heard[:RATE].any() and not heard[end:].any()
    assert np.all(heard[RATE : end - fade] == 0.5)
    assert np.all(np.diff(heard[end - fade : end]) < 0) and heard[end - 1] < 0.02  # no click


def test_placing_after_the_end_is_cut_by_finish() -> None:
    wav = backend()
    wav.place(wav.tone("beep", 1.0), 4.5)
    wav.finish(5.0)
    assert len(wav.samples()) == 5 * RATE


def test_bad_placements_are_refused() -> None:
    wav = backend()
    with pytest.raises(TypeError, match="not made by a WavBackend"):
        wav.place(TimingBackend().tone("beep"), 0.0)
    with pytest.raises(ValueError, match="before the call"):
        wav.place(wav.tone("beep"), -1.0)
    with pytest.raises(ValueError, match="channel"):
        wav.place(wav.tone("beep"), 0.0, channel="left")  # type: ignore[arg-type]


# ------------------------------------------------------------------ channels and formats


def call_with_keys() -> WavBackend:
    """A prompt on 'heard', the caller's keys 1-2-3 on 'sent' while it plays."""
    wav = backend(stereo=True)
    prompt = wav.speech("For sales press one, for support press two", voice="man", language="en")
    wav.place(prompt, 0.0)
    for i, key in enumerate("123"):
        wav.place(wav.tone("dtmf", digit=key), 1.0 + 0.3 * i, channel="sent")
    wav.finish(prompt.duration + 1.0)
    return wav


def test_stereo_puts_heard_left_and_sent_right() -> None:
    samples, info = read(call_with_keys().to_bytes())
    assert info.channels == 2
    left, right = samples[:, 0], samples[:, 1]
    assert detect_dtmf(left, RATE) == []
    found = detect_dtmf(right, RATE)
    assert "".join(k for _, k in found) == "123"
    assert [t for t, _ in found] == pytest.approx([1.0, 1.3, 1.6], abs=0.03)
    assert goertzel_power(left[:RATE], 250, RATE) > 1e-5  # the placeholder prompt
    assert goertzel_power(right[:RATE], 250, RATE) < 1e-9


def test_mono_mixes_both_directions() -> None:
    wav = call_with_keys()
    wav.stereo = False
    mono = wav.samples()
    assert mono.ndim == 1
    assert "".join(k for _, k in detect_dtmf(mono / 32768, RATE)) == "123"


def test_ulaw_output_reads_back_as_g711() -> None:
    wav = call_with_keys()
    data = wav.to_bytes(format="ulaw")
    samples, info = read(data)
    assert (info.samplerate, info.subtype, info.channels) == (8000, "ULAW", 2)
    assert len(data) < len(wav.to_bytes()) * 0.6  # one byte a sample
    assert "".join(k for _, k in detect_dtmf(samples[:, 1], RATE)) == "123"


def test_alaw_output_and_unknown_format() -> None:
    wav = call_with_keys()
    assert read(wav.to_bytes(format="alaw"))[1].subtype == "ALAW"
    with pytest.raises(ValueError, match="pcm16, ulaw, alaw"):
        wav.to_bytes(format="mp3")  # type: ignore[arg-type]


def test_write_to_a_path_and_a_file_object(tmp_path: Path) -> None:
    wav = call_with_keys()
    wav.write(tmp_path / "call.wav", format="ulaw")
    buffer = io.BytesIO()
    wav.write(buffer, format="ulaw")
    assert (tmp_path / "call.wav").read_bytes() == buffer.getvalue()
    assert sf.info(str(tmp_path / "call.wav")).duration == pytest.approx(wav.duration)


@pytest.mark.parametrize("rate", [16000, 44100])
def test_other_rates(rate: int) -> None:
    wav = backend(rate=rate)
    wav.place(wav.tone("beep"), 1.0)
    wav.finish(2.0)
    samples, info = read(wav.to_bytes())
    assert (info.samplerate, info.frames) == (rate, 2 * rate)
    assert not samples[:rate].any() and samples[rate + 100 :].any()
    assert goertzel_power(samples[rate : rate + rate // 2, 0], BEEP_HZ, rate) > 0.01


def test_recording_is_what_the_caller_sent_in_that_range() -> None:
    wav = call_with_keys()
    data = wav.recording(1.2, 2.5)
    samples, info = read(data)
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_16")
    assert info.frames == round(2.5 * RATE) - round(1.2 * RATE)
    found = detect_dtmf(samples[:, 0], RATE)
    assert "".join(k for _, k in found) == "23"  # key 1 ended before 1.2 s; no prompt
    assert goertzel_power(samples[:, 0], 250, RATE) < 1e-9


def test_recording_past_what_was_placed_is_silence_of_the_right_length() -> None:
    samples, info = read(backend().recording(3.0, 5.5))
    assert info.frames == round(2.5 * RATE) and not samples.any()


def test_audio_clips_are_decoded_and_bad_audio_is_a_media_error() -> None:
    wav = backend()
    buffer = io.BytesIO()
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    sf.write(buffer, tone, 22050, format="WAV", subtype="PCM_16")
    clip = wav.audio(buffer.getvalue(), content_type="audio/wav", source="hello.wav")
    assert (clip.kind, clip.label, clip.duration) == ("audio", "hello.wav", 1.0)
    wav.place(clip, 0.5)
    heard = wav.track("heard")
    assert not heard[: RATE // 2].any() and np.abs(heard[RATE // 2 : RATE // 2 + 10]).max() > 0.05
    with pytest.raises(MediaError, match=r"bad\.mp3.*HTML"):
        wav.audio(b"<html>500</html>", content_type="audio/mpeg", source="bad.mp3")


# --------------------------------------------------------------------------- TTS engines


def test_a_custom_engine_is_resampled_and_cached(tmp_path: Path) -> None:
    engine = CountingEngine(rate=16000)
    first = WavBackend(tts=engine, cache=tmp_path)
    clip = first.speech("twenty characters!!!", voice="woman", language="en")
    assert clip.duration == pytest.approx(2.0, abs=0.01) and clip.note is None
    assert goertzel_power(clip.payload, 300, RATE) > 0.01
    again = WavBackend(tts=engine, cache=tmp_path).speech(
        "twenty characters!!!", voice="woman", language="en"
    )
    assert engine.calls == 1  # the second run read the cache
    assert np.array_equal(again.payload, clip.payload)
    WavBackend(tts=engine, cache=tmp_path).speech(
        "twenty characters!!!", voice="man", language="en"
    )
    WavBackend(tts=engine, cache=False).speech("twenty characters!!!", voice="woman", language="en")
    assert engine.calls == 3  # another voice is another entry; no cache asks every time


def test_the_cache_is_at_the_render_rate(tmp_path: Path) -> None:
    engine = CountingEngine()
    WavBackend(tts=engine, cache=tmp_path).speech("abc", voice="man", language="en")
    WavBackend(tts=engine, cache=tmp_path, rate=16000).speech("abc", voice="man", language="en")
    assert engine.calls == 2
    rates = sorted(sf.info(str(p)).samplerate for p in tmp_path.rglob("*.wav"))
    assert rates == [8000, 16000]


class HangingEngine:
    name = "hanging"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def synthesize(self, text: str, *, voice: str, language: str) -> tuple[np.ndarray, int]:
        self.calls += 1
        self.release.wait(30)
        return np.zeros(10, dtype=np.int16), 8000


def test_a_hanging_engine_gives_way_to_the_placeholder_with_a_note() -> None:
    engine = HangingEngine()
    try:
        wav = WavBackend(tts=engine, cache=False, tts_timeout=0.2)
        started = time.perf_counter()
        first = wav.speech("Hello caller", voice="man", language="en")
        second = wav.speech("Goodbye caller", voice="man", language="en")
        elapsed = time.perf_counter() - started
    finally:
        engine.release.set()
    assert elapsed < 2.0
    assert engine.calls == 1  # not asked again after hanging once
    for clip, text in [(first, "Hello caller"), (second, "Goodbye caller")]:
        assert clip.duration == pytest.approx(estimate_speech_seconds(text))
        assert clip.note is not None and "hanging did not answer" in clip.note


class BrokenEngine:
    name = "broken"

    def __init__(self, result: object = None) -> None:
        self.result = result

    def synthesize(self, text: str, *, voice: str, language: str) -> object:
        if self.result is None:
            raise RuntimeError("voice server exploded")
        return self.result


@pytest.mark.parametrize(
    ("engine", "reason"),
    [
        (BrokenEngine(), "broken failed: voice server exploded"),
        (BrokenEngine(result=(np.zeros((10, 2), dtype=np.int16), 8000)), "2-D audio"),
        (BrokenEngine(result=(np.array(["a", "b"]), 8000)), "not audio samples"),
        (BrokenEngine(result="not a tuple"), "broken failed"),
    ],
)
def test_a_failing_engine_gives_placeholder_speech_for_that_clip(
    engine: BrokenEngine, reason: str
) -> None:
    wav = WavBackend(tts=engine, cache=False)  # type: ignore[arg-type]
    clip = wav.speech("Thanks for calling", voice="man", language="en")
    assert clip.duration == pytest.approx(estimate_speech_seconds("Thanks for calling"))
    assert clip.note is not None and reason in clip.note


@pytest.mark.parametrize(
    "samples",
    [
        np.full(800, 16384, dtype=np.int16),
        np.full(800, 2**30, dtype=np.int32),
        np.full(800, 0.5, dtype=np.float64),
    ],
)
def test_engine_samples_of_any_numeric_type_are_scaled_to_full_scale(samples: np.ndarray) -> None:
    engine = BrokenEngine(result=(samples, 8000))
    clip = WavBackend(tts=engine, cache=False).speech("x", voice="man", language="en")  # type: ignore[arg-type]
    assert clip.note is None
    assert clip.payload[400] == pytest.approx(0.5, abs=1e-3)


def test_auto_without_an_engine_notes_it_on_every_clip(monkeypatch: pytest.MonkeyPatch) -> None:
    from rcml._media import _tts

    monkeypatch.delenv("RCML_TTS", raising=False)
    monkeypatch.setattr(_tts, "_espeak", None)
    monkeypatch.setattr(_tts, "_espeak_candidates", list)
    wav = WavBackend(cache=False)
    clip = wav.speech("Hello", voice="man", language="en")
    assert clip.note is not None and clip.note.startswith("placeholder speech: no TTS engine")


def test_text_edge_cases() -> None:
    engine = CountingEngine()
    wav = WavBackend(tts=engine, cache=False)
    empty = wav.speech("   ", voice="man", language="en")
    assert (empty.duration, empty.note, engine.calls) == (0.0, None, 0)
    huge = wav.speech("word " * 20000, voice="man", language="en")
    assert engine.calls == 0 and huge.note is not None and "too long" in huge.note
    assert huge.duration == pytest.approx(estimate_speech_seconds("word " * 20000))


def test_real_speech_when_an_engine_is_installed(tmp_path: Path) -> None:
    wav = WavBackend(cache=tmp_path)
    if wav.engine.name == "placeholder":
        # CI installs libespeak-ng from PyPI and sets this: there a missing engine fails.
        assert not os.environ.get("RCML_REQUIRE_TTS"), wav.engine.reason
        pytest.skip("no TTS engine here")
    text = "Thank you for calling. Please hold."
    clip = wav.speech(text, voice="woman", language="en")
    assert clip.note is None
    assert clip.duration == pytest.approx(estimate_speech_seconds(text), rel=0.4)
    assert np.sqrt(np.mean(clip.payload**2)) > 0.02
    warm = WavBackend(cache=tmp_path).speech(text, voice="woman", language="en")
    assert np.array_equal(warm.payload, clip.payload)  # the same file, read back


# ----------------------------------------------------------------------------- a call


def test_a_whole_call_sounds_as_scripted() -> None:
    """Say, a caller key, ringback while a Dial rings, then the Record beep."""
    wav = backend(stereo=True)
    at = 0.0
    welcome = wav.speech("Welcome, press one to talk to sales", voice="man", language="en")
    wav.place(welcome, at)
    wav.place(wav.tone("dtmf", digit="1"), at + welcome.duration + 0.5, channel="sent")
    at += welcome.duration + 1.0
    ring = wav.tone("ringback", 8.0)
    wav.place(ring, at)
    ring_start = at
    at += ring.duration
    wav.place(wav.tone("beep"), at)
    wav.finish(at + 1.5)

    left = wav.track("heard")
    block = RATE // 2  # half-second blocks over the ringback: 2 s on, 4 s off, 2 s on
    start = round(ring_start * RATE)
    cadence = [
        goertzel_power(left[start + i * block : start + (i + 1) * block], 440, RATE) > 1e-4
        for i in range(16)
    ]
    assert cadence == [True] * 4 + [False] * 8 + [True] * 4
    beep = left[round(at * RATE) : round((at + 0.5) * RATE)]
    assert goertzel_power(beep, BEEP_HZ, RATE) > 0.01
    assert [k for _, k in detect_dtmf(wav.track("sent"), RATE)] == ["1"]
    assert wav.duration == pytest.approx(at + 1.5)


def test_importing_rcml_loads_no_audio_library() -> None:
    code = (
        "import sys, rcml, rcml._rehearse._media;"
        "print(sorted(m for m in ('numpy', 'soundfile', 'soxr', 'pyttsx3') if m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert run.stdout.strip() == "[]"


def test_clip_payload_is_not_part_of_equality() -> None:
    a = backend().tone("beep")
    assert a == Clip("tone", a.duration, "beep")


# ------------------------------------------------------------- through a rehearsal


def test_bad_play_audio_in_a_rehearsal_hangs_up_as_restcomm_and_says_why(
    tmp_path: Path,
) -> None:
    from rcml import rehearse

    (tmp_path / "page.wav").write_text("<html>Not found</html>")
    (tmp_path / "main.xml").write_text(
        "<Response><Say>Hello</Say><Play>page.wav</Play><Say>never heard</Say></Response>"
    )
    wav = backend()
    result = rehearse(str(tmp_path / "main.xml"), media=wav)
    (notice,) = result.events_of("notification")
    assert notice.details["code"] == 13233 and "page.wav" in notice.details["error"]
    assert not result.ok and "RestComm hangs up" in result.problems[0]
    assert not result.heard("never heard")
    assert wav.duration == pytest.approx(result.events[-1].t)


def test_speech_edge_cases_in_a_rehearsal_keep_the_call_going(tmp_path: Path) -> None:
    from rcml import rehearse

    ssml_like = "&lt;speak&gt;Hi &lt;break time='1s'/&gt; there&lt;/speak&gt;"
    (tmp_path / "main.xml").write_text(
        f"<Response><Say></Say><Say>{ssml_like}</Say><Say>{'word ' * 3000}</Say>"
        "<Hangup/></Response>"
    )
    engine = HangingEngine()
    try:
        wav = WavBackend(tts=engine, cache=False, tts_timeout=0.2)
        started = time.perf_counter()
        result = rehearse(str(tmp_path / "main.xml"), media=wav)
    finally:
        engine.release.set()
    assert time.perf_counter() - started < 5.0
    assert result.ok and result.call.status == "completed"
    says = [(e.details["text"], e.details["note"]) for e in result.events_of("say")]
    # Empty text: nothing said. The engine hangs on the SSML-like text (spoken as text,
    # as RestComm does) and is not asked again during this call.
    assert [text[:7] for text, _ in says] == ["<speak>", "word wo"]
    assert ["did not answer" in (note or "") for _, note in says] == [True, True]
    assert wav.duration == pytest.approx(result.events[-1].t)


@pytest.mark.parametrize(("outcome", "hz", "not_hz"), [(None, 440, 620), ("busy", 620, 440)])
def test_a_dial_sounds_ringback_or_busy(
    tmp_path: Path, outcome: str | None, hz: int, not_hz: int
) -> None:
    from rcml import CallerScript, rehearse

    (tmp_path / "main.xml").write_text("<Response><Dial>+15550001111</Dial></Response>")
    spec = {"answer_after": 4, "talk": 1} | ({"outcome": outcome} if outcome else {})
    script = CallerScript.from_mapping({"dial": {"+15550001111": spec}})
    wav = backend()
    result = rehearse(str(tmp_path / "main.xml"), script, media=wav)
    (dial,) = result.events_of("dial")
    heard = wav.track("heard")[round(dial.t * RATE) : round((dial.t + 1.5) * RATE)]
    assert goertzel_power(heard, hz, RATE) > 1e-4
    assert goertzel_power(heard, not_hz, RATE) < 1e-6
