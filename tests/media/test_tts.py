"""Text to speech: the engine choice, the placeholder, voices and languages, and the real
engines when they are installed (compared by duration, level and pitch, never by bytes:
espeak's output changes by a few milliseconds from call to call)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from rcml._media import _tts
from rcml._media._tts import (
    EspeakEngine,
    PlaceholderEngine,
    Pyttsx3Engine,
    espeak_language,
    select_engine,
)
from rcml._rehearse._media import MediaError, estimate_speech_seconds

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "Thank you for calling. For sales press 1. For support press 2."


def _espeak_works() -> bool:
    try:
        EspeakEngine()
    except MediaError:
        return False
    return True


needs_espeak = pytest.mark.skipif(not _espeak_works(), reason="no libespeak-ng here")


def seconds(result: tuple[np.ndarray, int]) -> float:
    samples, rate = result
    return len(samples) / rate


def pitch_hz(samples: np.ndarray, rate: int) -> float:
    """Median fundamental of the voiced 40 ms frames (autocorrelation)."""
    x = samples.astype(np.float64) / 32768
    n, found = round(0.04 * rate), []
    for start in range(0, len(x) - n, n):
        frame = x[start : start + n]
        if np.sqrt(np.mean(frame**2)) < 0.05:
            continue
        corr = np.correlate(frame, frame, "full")[n - 1 :]
        low, high = rate // 400, rate // 70
        found.append(rate / (low + int(np.argmax(corr[low:high]))))
    return float(np.median(found))


# ------------------------------------------------------------------------------ languages


@pytest.mark.parametrize(
    ("key", "tag"),
    [
        ("en", "en-us"),
        ("", "en-us"),
        ("en-gb", "en-gb"),
        ("en-uk", "en-gb"),
        ("EN_AU", "en-au"),
        ("es-mx", "es-mx"),
        ("bp", "pt-br"),
        ("bf", "fr-be"),
        ("cf", "fr-ca"),
        ("dan", "da"),
        ("no", "nb"),
        ("zh-cn", "cmn"),
        ("zh-hk", "yue"),
        ("pt-BR", "pt-br"),
    ],
)
def test_restcomm_language_keys_map_to_espeak_tags(key: str, tag: str) -> None:
    assert espeak_language(key) == tag


# ---------------------------------------------------------------------------- placeholder


def test_placeholder_lasts_the_estimated_time_and_is_deterministic() -> None:
    engine = PlaceholderEngine()
    first = engine.synthesize(PROMPT, voice="man", language="en")
    second = engine.synthesize(PROMPT, voice="woman", language="fr")
    assert first[1] == 8000
    assert seconds(first) == pytest.approx(estimate_speech_seconds(PROMPT), abs=1 / 8000)
    assert np.array_equal(first[0], second[0])


def test_placeholder_is_a_quiet_hum_or_silence() -> None:
    hum, _ = PlaceholderEngine().synthesize(PROMPT, voice="man", language="en")
    assert 0 < np.abs(hum).max() < 1000  # about -30 dBm0: audible, clearly not speech
    quiet, _ = PlaceholderEngine(hum=False).synthesize(PROMPT, voice="man", language="en")
    assert len(quiet) == len(hum) and not quiet.any()


def test_placeholder_does_not_count_ssml_tags_as_words() -> None:
    ssml = "<speak>Hello <break time='1s'/> <prosody rate='slow'>world</prosody></speak>"
    assert PlaceholderEngine().seconds(ssml) == estimate_speech_seconds("Hello world")


def test_placeholder_of_empty_text_is_empty() -> None:
    assert seconds(PlaceholderEngine().synthesize("  ", voice="man", language="en")) == 0


# ------------------------------------------------------------------------------ selection


def test_placeholder_asked_for_has_no_excuse_to_give() -> None:
    engine = select_engine("placeholder")
    assert isinstance(engine, PlaceholderEngine) and engine.reason is None


def test_unknown_engine_name_is_a_clear_error() -> None:
    with pytest.raises(MediaError, match=r"unknown TTS engine 'festival'.*auto, espeak"):
        select_engine("festival")


def test_auto_honours_rcml_tts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RCML_TTS", "placeholder")
    assert isinstance(select_engine(), PlaceholderEngine)
    monkeypatch.setenv("RCML_TTS", "nope")
    with pytest.raises(MediaError, match="RCML_TTS 'nope'"):
        select_engine("auto")


@needs_espeak
def test_an_explicit_name_beats_rcml_tts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RCML_TTS", "placeholder")
    assert isinstance(select_engine("espeak"), EspeakEngine)


def test_auto_without_any_engine_falls_back_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RCML_TTS", raising=False)
    monkeypatch.setattr(_tts, "_espeak", None)
    monkeypatch.setattr(_tts, "_espeak_candidates", list)
    engine = select_engine("auto")
    assert isinstance(engine, PlaceholderEngine)
    assert engine.reason is not None and "libespeak-ng not found" in engine.reason
    with pytest.raises(MediaError, match="pip install espeakng-loader"):
        select_engine("espeak")


def test_a_library_that_cannot_load_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_tts, "_espeak", None)
    monkeypatch.setattr(_tts, "_espeak_candidates", lambda: [(str(tmp_path / "none.so"), None)])
    with pytest.raises(MediaError, match="cannot load"):
        EspeakEngine()


@needs_espeak
def test_missing_voice_data_is_an_error_not_an_exit() -> None:
    # libespeak-ng calls exit(1) without voice data unless told not to: a separate
    # process, since a failed start leaves the library unusable.
    script = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[1])
        from rcml._media import _tts
        library = _tts._espeak_candidates()[0][0]
        _tts._espeak_candidates = lambda: [(library, "/nonexistent/espeak-ng-data")]
        try:
            _tts.EspeakEngine()
        except _tts.MediaError as exc:
            print("MediaError:", exc)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert "MediaError:" in run.stdout and "/nonexistent/espeak-ng-data" in run.stdout


# ------------------------------------------------------------------------ libespeak-ng


@needs_espeak
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", PROMPT),
        ("en-gb", PROMPT),
        ("es", "Gracias por llamar. Para ventas marque uno."),
        ("fr", "Merci de votre appel. Pour les ventes, tapez un."),
        ("de", "Danke für Ihren Anruf. Für den Verkauf drücken Sie eins."),
        ("pt-br", "Obrigado por ligar. Para vendas, tecle um."),
    ],
)
def test_espeak_speaks_each_language_for_about_the_estimated_time(language: str, text: str) -> None:
    samples, rate = EspeakEngine().synthesize(text, voice="man", language=language)
    assert rate == 22050 and samples.dtype == np.int16
    assert np.sqrt(np.mean((samples / 32768) ** 2)) > 0.02  # speech, not silence
    assert len(samples) / rate == pytest.approx(estimate_speech_seconds(text), rel=0.4)


@needs_espeak
def test_espeak_speaks_chinese_and_unknown_keys_as_english() -> None:
    engine = EspeakEngine()
    assert seconds(engine.synthesize("你好 谢谢你的来电", voice="man", language="zh-cn")) > 0.5
    unknown = engine.synthesize(PROMPT, voice="man", language="xx-nowhere")
    assert seconds(unknown) == pytest.approx(estimate_speech_seconds(PROMPT), rel=0.4)


@needs_espeak
def test_woman_speaks_higher_than_man_and_caller_is_lowest() -> None:
    engine = EspeakEngine()
    man, woman, caller = (
        pitch_hz(*engine.synthesize(PROMPT, voice=v, language="en"))
        for v in ("man", "woman", "caller")
    )
    assert woman > 1.5 * man
    assert caller < man


@needs_espeak
def test_espeak_reads_ssml_as_markup_not_as_words() -> None:
    engine = EspeakEngine()
    plain = seconds(engine.synthesize("Hello world", voice="man", language="en"))
    ssml = seconds(
        engine.synthesize(
            "<speak>Hello <break time='1s'/> world</speak>", voice="man", language="en"
        )
    )
    assert ssml - plain == pytest.approx(1.0, abs=0.3)  # the break, not the tags spoken


@needs_espeak
@pytest.mark.parametrize(
    "text",
    ["-5 degrees", "a\0b", "caf\udce9", "☎️ 👍", "<not ssml> & stuff", "1" * 500],
)
def test_espeak_survives_odd_text(text: str) -> None:
    samples, rate = EspeakEngine().synthesize(text, voice="man", language="en")
    assert samples.dtype == np.int16 and rate == 22050


@needs_espeak
def test_espeak_of_empty_text_is_empty() -> None:
    assert seconds(EspeakEngine().synthesize(" \n", voice="man", language="en")) == 0


@needs_espeak
def test_espeak_long_text_stays_near_the_estimate() -> None:
    text = " ".join(["please listen carefully as our menu options have changed"] * 40)
    assert seconds(EspeakEngine().synthesize(text, voice="man", language="en")) == pytest.approx(
        estimate_speech_seconds(text), rel=0.4
    )


@needs_espeak
def test_espeak_is_safe_from_several_threads() -> None:
    engine = EspeakEngine()
    durations: list[float] = []

    def speak() -> None:
        for _ in range(5):
            durations.append(seconds(engine.synthesize(PROMPT, voice="woman", language="en")))

    threads = [threading.Thread(target=speak) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(durations) == 15
    assert max(durations) - min(durations) < 0.1  # all whole utterances


# -------------------------------------------------------------------------------- pyttsx3

# pyttsx3 drives the same libespeak-ng in another mode, so it gets a process of its own.
PYTTSX3_SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, sys.argv[1])
    from rcml._media._tts import EspeakEngine, MediaError, Pyttsx3Engine
    try:
        engine = Pyttsx3Engine(timeout=10)
    except MediaError as exc:
        print(json.dumps({"unavailable": str(exc)}))
        raise SystemExit
    texts = [sys.argv[2]] * 3 + ["<speak>Hello <break time='1s'/> world</speak>"]
    out = [engine.synthesize(t, voice=v, language="en")
           for t, v in zip(texts, ["man", "woman", "man", "man"])]
    try:
        EspeakEngine()
        clash = None
    except MediaError as exc:
        clash = str(exc)
    print(json.dumps({
        "results": [[len(s), r, int(abs(s.astype(int)).max())] for s, r in out],
        "clash": clash,
    }))
    """
)


def test_pyttsx3_in_its_own_process_is_hardened() -> None:
    pytest.importorskip("pyttsx3")
    run = subprocess.run(
        [sys.executable, "-c", PYTTSX3_SCRIPT, str(ROOT), PROMPT],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    # Nothing but our one line: pyttsx3's "Audio saved to ..." prints are silenced.
    lines = run.stdout.splitlines()
    assert len(lines) == 1, run.stdout
    report = json.loads(lines[0])
    if "unavailable" in report:
        pytest.skip(report["unavailable"])
    expected = estimate_speech_seconds(PROMPT)
    if _espeak_works():  # the same library, straight: pyttsx3's rate must have held
        expected = seconds(EspeakEngine().synthesize(PROMPT, voice="man", language="en"))
    for frames, rate, peak in report["results"][:3]:  # every render waited for its file
        assert frames / rate == pytest.approx(expected, rel=0.05)
        assert peak > 3000
    frames, rate, _ = report["results"][3]
    assert frames / rate < 2.5  # SSML tags removed, not read out (4.6 s with them)
    assert "already driven by pyttsx3" in report["clash"]


def test_pyttsx3_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tts, "_pyttsx3", None)
    monkeypatch.setitem(sys.modules, "pyttsx3", None)  # import pyttsx3 -> ImportError
    with pytest.raises(MediaError, match="pip install pyttsx3"):
        Pyttsx3Engine()
