from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from rcml import detect_dtmf, goertzel_power
from rcml._cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["rehearse", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_branch_that_goes_as_expected_exits_0_and_prints_the_transcript() -> None:
    code, out, err = invoke(
        f"{EXAMPLES}/ivr/app.py:asgi_app", "--caller", f"{EXAMPLES}/ivr/calls/sales.toml"
    )
    assert code == 0, err
    assert "POST /ivr/sales/choice -> 200 (action)" in out
    assert "call completed: duration 119 s" in out.splitlines()[-1]


def test_json_report(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    code, _, _ = invoke(
        f"{EXAMPLES}/ivr/app.py:wsgi_app",
        "--caller",
        f"{EXAMPLES}/ivr/calls/operator-voicemail.toml",
        "--json",
        str(report),
        "--recordings",
        str(tmp_path / "rec"),
    )
    data = json.loads(report.read_text())
    assert code == 0 and data["ok"] is True
    assert data["call"]["status"] == "completed"
    assert [c["status"] for c in data["child_calls"]] == ["busy", "canceled"]
    assert {r["purpose"] for r in data["requests"]} >= {"initial", "action", "redirect"}
    assert len(list((tmp_path / "rec").glob("RE*.wav"))) == 1


def test_a_call_that_does_not_go_as_expected_exits_1_with_one_line() -> None:
    code, _, err = invoke(f"{EXAMPLES}/ivr/app.py:asgi_app", "--url", "/ivr/main", "-q")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("rcml rehearse: no [[gather]] entry left")


def test_a_local_file_rehearses_with_its_siblings() -> None:
    code, out, _ = invoke(str(EXAMPLES / "blocked.xml"))
    assert code == 0 and "Reject" in out


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[gather]]\ndigit = '1'\n")
    for args in (["nothing.xml"], [str(EXAMPLES / "blocked.xml"), "--caller", str(bad)]):
        code, out, err = invoke(*args)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and "Traceback" not in err
    assert "did you mean 'digits'" in invoke(str(EXAMPLES / "blocked.xml"), "--caller", str(bad))[2]


# ------------------------------------------------------------------------ --wav

PAUSE_THEN_KEY = """<Response>
  <Say>Hello there</Say>
  <Pause length="2"/>
  <Gather numDigits="1" timeout="3"><Say>Press one</Say></Gather>
  <Hangup/>
</Response>
"""


def rehearse_to_wav(tmp_path: Path, *args: str) -> tuple[dict[str, Any], np.ndarray, int]:
    doc, script = tmp_path / "call.xml", tmp_path / "caller.toml"
    doc.write_text(PAUSE_THEN_KEY)
    script.write_text('[[gather]]\ndigits = "1"\nafter = 0.5\n')
    wav, report = tmp_path / "call.wav", tmp_path / "call.json"
    code, _, err = invoke(
        str(doc), "--caller", str(script), "--wav", str(wav), "--json", str(report), *args
    )
    assert code == 0, err
    samples, rate = sf.read(wav, dtype="float32", always_2d=True)
    return json.loads(report.read_text()), samples, rate


def event_time(report: dict[str, Any], kind: str) -> float:
    return next(float(e["t"]) for e in report["events"] if e["type"] == kind)


def test_wav_lasts_the_call_and_each_event_starts_at_its_sample(tmp_path: Path) -> None:
    report, samples, rate = rehearse_to_wav(tmp_path, "--tts", "placeholder")
    pause, end = event_time(report, "pause"), event_time(report, "hangup")
    assert (rate, samples.shape) == (8000, (round(end * rate), 1))
    before = samples[: round(pause * rate), 0]
    silence = samples[round(pause * rate) : round((pause + 2) * rate), 0]
    after = samples[round((pause + 2) * rate) :, 0]
    assert np.abs(before).max() > 0.005  # the placeholder speaks a quiet tone
    assert not silence.any()  # Pause length="2": exactly 2 s of digital silence
    assert np.abs(after[: rate // 4]).max() > 0.005  # the Gather's prompt starts at once


def test_stereo_puts_the_key_press_on_the_right(tmp_path: Path) -> None:
    report, samples, rate = rehearse_to_wav(tmp_path, "--tts", "placeholder", "--stereo")
    assert samples.shape[1] == 2
    assert detect_dtmf(samples[:, 0], rate) == []
    ((at, key),) = detect_dtmf(samples[:, 1], rate)
    assert key == "1"
    pressed = event_time(report, "gather-end")
    assert pressed - 0.13 <= at <= pressed  # its tone ends when it counts; 25 ms blocks


def test_ulaw_at_another_rate(tmp_path: Path) -> None:
    report, samples, rate = rehearse_to_wav(
        tmp_path, "--tts", "placeholder", "--wav-format", "ulaw", "--rate", "16000"
    )
    assert sf.info(tmp_path / "call.wav").subtype == "ULAW"
    assert (rate, len(samples)) == (16000, round(event_time(report, "hangup") * 16000))


def test_real_speech_in_the_example_ivr(tmp_path: Path) -> None:
    """With libespeak-ng (CI installs it from PyPI), prompts are speech, keys and ringback
    are where the transcript says."""
    wav = tmp_path / "sales.wav"
    report = tmp_path / "sales.json"
    code, _, err = invoke(
        f"{EXAMPLES}/ivr/app.py:asgi_app",
        "--caller",
        f"{EXAMPLES}/ivr/calls/sales.toml",
        "--wav",
        str(wav),
        "--stereo",
        "--json",
        str(report),
    )
    if "placeholder" in err:
        assert not os.environ.get("RCML_REQUIRE_TTS"), err
        pytest.skip("no TTS engine here")
    assert code == 0, err
    data = json.loads(report.read_text())
    samples, rate = sf.read(wav, dtype="float32")
    # The report rounds times to the millisecond; the file is exact.
    assert abs(len(samples) - data["events"][-1]["t"] * rate) <= rate / 1000
    presses = [e["t"] for e in data["events"] if e["type"] == "gather-end"]
    keys = detect_dtmf(samples[:, 1], rate)
    assert [k for _, k in keys] == ["1", "2"]
    # A key's 100 ms tone ends when it counts; the detector works in 25 ms blocks.
    assert all(t - 0.13 <= at <= t for (at, _), t in zip(keys, presses, strict=True))
    ring = next(e for e in data["events"] if e["type"] == "dial")
    start = round(ring["t"] * rate)
    assert goertzel_power(samples[start : start + rate, 0], 440, rate) > 1e-4
    say = next(e for e in data["events"] if e["type"] == "say")
    first = samples[round(say["t"] * rate) : round((say["t"] + say["details"]["duration"]) * rate)]
    assert float(np.sqrt(np.mean(first[:, 0] ** 2))) > 0.02  # speech, not a quiet hum


def test_no_engine_warns_once_and_still_writes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rcml._media import _tts

    monkeypatch.delenv("RCML_TTS", raising=False)
    monkeypatch.setattr(_tts, "_espeak", None)
    monkeypatch.setattr(_tts, "_espeak_candidates", list)
    wav = tmp_path / "call.wav"
    code, _, err = invoke(str(EXAMPLES / "blocked.xml"), "--wav", str(wav), "-q")
    assert code == 0 and wav.exists()
    assert err.count("\n") == 1 and "warning: no TTS engine" in err


def test_audio_errors_exit_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "call.wav"
    code, _, err = invoke(str(EXAMPLES / "blocked.xml"), "--wav", str(missing), "-q")
    assert code == 2 and err.count("\n") == 1 and "cannot write" in err
    monkeypatch.setenv("RCML_TTS", "festival")
    code, _, err = invoke(str(EXAMPLES / "blocked.xml"), "--wav", str(tmp_path / "x.wav"))
    assert code == 2 and err.count("\n") == 1 and "unknown RCML_TTS 'festival'" in err


# ----------------------------------------------------------------------- --html


def test_html_report_embeds_the_call_audio(tmp_path: Path) -> None:
    import base64

    import lxml.html

    report = tmp_path / "r.html"
    code, _, err = invoke(
        f"{EXAMPLES}/ivr/app.py:asgi_app",
        "--caller",
        f"{EXAMPLES}/ivr/calls/sales.toml",
        "--html",
        str(report),
        "--tts",
        "placeholder",
        "--json",
        str(tmp_path / "r.json"),
        "-q",
    )
    assert code == 0, err
    page = lxml.html.document_fromstring(report.read_text(encoding="utf-8"))
    assert page.cssselect("#timeline .lane") and page.cssselect("ol.transcript li")
    (audio,) = page.cssselect("audio")
    src = audio.get("src") or audio.cssselect("source")[0].get("src")
    header, _, data = src.partition(",")
    assert header == "data:audio/wav;base64"
    info = sf.info(io.BytesIO(base64.b64decode(data)))
    assert (info.samplerate, info.subtype) == (8000, "PCM_16")
    end = json.loads((tmp_path / "r.json").read_text())["events"][-1]["t"]
    assert info.duration == pytest.approx(end, abs=0.001)  # the player's time is the call's


def test_html_report_unwritable(tmp_path: Path) -> None:
    code, _, err = invoke(
        f"{EXAMPLES}/blocked.xml", "--html", str(tmp_path / "missing" / "r.html"), "-q"
    )
    assert code == 2
    assert err.startswith("rcml rehearse: cannot write")
