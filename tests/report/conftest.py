from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

import pytest

import rcml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
IVR_APP = f"{EXAMPLES}/ivr/app.py:asgi_app"
CALLS = EXAMPLES / "ivr" / "calls"


def tone_wav(seconds: float, rate: int = 8000) -> bytes:
    """A WAV lasting ``seconds``: a 440 Hz beep each second, silence between; the
    browser only has to know how long it lasts to seek it."""
    buffer = io.BytesIO()
    frames = bytearray()
    for i in range(round(seconds * rate)):
        on = (i % rate) < rate // 10
        frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)) if on else 0)
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return buffer.getvalue()


@pytest.fixture(scope="session")
def ivr_calls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, rcml.Rehearsal]:
    """Every caller script of the example IVR, rehearsed once: {script name: rehearsal}."""
    recordings = tmp_path_factory.mktemp("recordings")
    return {
        script.stem: rcml.rehearse(IVR_APP, script, seed=7, recordings_dir=recordings)
        for script in sorted(CALLS.glob("*.toml"))
    }
