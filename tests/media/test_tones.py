"""Telephone tones: the right frequencies, cadences, levels and lengths, found again by
the Goertzel detector."""

from __future__ import annotations

import numpy as np
import pytest

from rcml._media._tones import (
    BEEP_HZ,
    DTMF_FREQUENCIES,
    detect_dtmf,
    dtmf,
    goertzel_power,
    make_tone,
    silence,
)
from rcml._rehearse._media import MediaError

RATE = 8000


def on_seconds(samples: np.ndarray, block: float = 0.05) -> list[bool]:
    """Per ``block`` seconds: is the tone sounding?"""
    n = round(block * RATE)
    return [
        bool(np.sqrt(np.mean(samples[i : i + n] ** 2)) > 0.01) for i in range(0, len(samples), n)
    ]


def dbm0(power: float) -> float:
    """Level of a sine from its Goertzel power (a**2 / 4), against a 0 dBm0 peak."""
    return 20 * np.log10(2 * np.sqrt(power) / (22299 / 32768))


def test_all_sixteen_keys_are_detected_in_order() -> None:
    keys = "123A456B789C*0#D"
    signal = np.concatenate(
        [np.concatenate([dtmf(k, 0.1, RATE), silence(0.1, RATE)]) for k in keys]
    )
    found = detect_dtmf(signal, RATE)
    assert "".join(k for _, k in found) == keys
    starts = [t for t, _ in found]
    assert starts == pytest.approx([0.2 * i for i in range(16)], abs=0.03)


def test_repeated_key_counts_twice_when_separated_by_a_gap() -> None:
    signal = np.concatenate([dtmf("1", 0.1, RATE), silence(0.1, RATE), dtmf("1", 0.1, RATE)])
    assert [k for _, k in detect_dtmf(signal, RATE)] == ["1", "1"]


@pytest.mark.parametrize("key", ["5", "#", "d"])
def test_dtmf_levels_follow_q23_twist(key: str) -> None:
    low, high = DTMF_FREQUENCIES[key.upper()]
    tone = dtmf(key, 0.1, RATE)
    assert dbm0(goertzel_power(tone, low, RATE)) == pytest.approx(-11, abs=0.5)
    assert dbm0(goertzel_power(tone, high, RATE)) == pytest.approx(-9, abs=0.5)


@pytest.mark.parametrize("bad", ["x", "12", "", "w"])
def test_unknown_key_is_a_media_error(bad: str) -> None:
    with pytest.raises(MediaError, match="DTMF key"):
        make_tone("dtmf", 0.1, RATE, digit=bad)


def test_ringback_is_440_plus_480_two_seconds_on_four_off() -> None:
    ring = make_tone("ringback", 12.0, RATE)
    assert len(ring) == 12 * RATE
    on = on_seconds(ring, block=0.5)
    assert on == [True] * 4 + [False] * 8 + [True] * 4 + [False] * 8
    burst = ring[: 2 * RATE]
    for hz in (440, 480):
        assert dbm0(goertzel_power(burst, hz, RATE)) == pytest.approx(-19, abs=0.5)
    assert goertzel_power(burst, 620, RATE) < 1e-6
    assert detect_dtmf(ring, RATE) == []


def test_busy_is_480_plus_620_half_second_cadence() -> None:
    busy = make_tone("busy", 3.0, RATE)
    assert on_seconds(busy, block=0.25) == [True, True, False, False] * 3
    for hz in (480, 620):
        assert dbm0(goertzel_power(busy[: RATE // 2], hz, RATE)) == pytest.approx(-24, abs=0.5)


def test_beep_is_a_1khz_sine_of_its_usual_length() -> None:
    beep = make_tone("beep", None, RATE)
    assert len(beep) == RATE // 2  # TONE_SECONDS["beep"]
    assert goertzel_power(beep, BEEP_HZ, RATE) > 100 * goertzel_power(beep, 1400, RATE)


def test_conference_entry_rises_and_exit_falls() -> None:
    enter, leave = (
        make_tone("conference-enter", None, RATE),
        make_tone("conference-exit", None, RATE),
    )
    half = len(enter) // 2

    def pitch(part: np.ndarray) -> int:
        return max((1100, 1800), key=lambda hz: goertzel_power(part, hz, RATE))

    assert (pitch(enter[:half]), pitch(enter[half:])) == (1100, 1800)
    assert (pitch(leave[:half]), pitch(leave[half:])) == (1800, 1100)


def test_tones_start_and_end_with_ramps_not_clicks() -> None:
    beep = make_tone("beep", 0.2, RATE)
    ramp = round(0.005 * RATE)
    assert abs(beep[0]) < 0.01 and abs(beep[-1]) < 0.01
    assert np.max(np.abs(beep[:ramp])) < np.max(np.abs(beep[ramp : 3 * ramp]))


@pytest.mark.parametrize("rate", [8000, 16000, 44100])
def test_lengths_are_exact_at_any_rate(rate: int) -> None:
    assert len(make_tone("ringback", 2.5, rate)) == round(2.5 * rate)
    assert len(make_tone("dtmf", None, rate, digit="7")) == round(0.1 * rate)
    assert len(make_tone("beep", 0.0, rate)) == 0


def test_unknown_tone_kind_is_a_media_error() -> None:
    with pytest.raises(MediaError, match="unknown tone"):
        make_tone("siren", 1.0, RATE)
