"""Telephone tones at any sample rate, and a Goertzel detector to find them again.

Frequencies, cadences and levels follow media.md §5 (ITU-T Q.23 for DTMF, the North
American Precise Tone Plan for ringback and busy). Every burst starts and ends with a
5 ms raised-cosine ramp so that a tone cut into the timeline does not click.

Samples are float32 in [-1, 1], where 1.0 is the int16 full scale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rcml._rehearse._media import TONE_SECONDS, MediaError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "BEEP_HZ",
    "CONFERENCE_ENTER_HZ",
    "CONFERENCE_EXIT_HZ",
    "DTMF_FREQUENCIES",
    "RAMP_SECONDS",
    "detect_dtmf",
    "dtmf",
    "goertzel_power",
    "make_tone",
    "silence",
]

#: Peak of a 0 dBm0 sine, 3.17 dB under the mu-law maximum 32124, as a fraction of int16.
_DBM0_PEAK = 22299 / 32768

RAMP_SECONDS = 0.005

DTMF_ROWS = (697, 770, 852, 941)
DTMF_COLUMNS = (1209, 1336, 1477, 1633)
DTMF_FREQUENCIES: dict[str, tuple[int, int]] = {
    key: (DTMF_ROWS[r], DTMF_COLUMNS[c])
    for r, row in enumerate(("123A", "456B", "789C", "*0#D"))
    for c, key in enumerate(row)
}
# The high group is sent 2 dB louder than the low group ("twist"), as real phones do.
_DTMF_LOW_DBM0 = -11.0
_DTMF_HIGH_DBM0 = -9.0

_RINGBACK_HZ = (440.0, 480.0)
_RINGBACK_DBM0 = -19.0
_RINGBACK_CADENCE = (2.0, 4.0)
_BUSY_HZ = (480.0, 620.0)
_BUSY_DBM0 = -24.0
_BUSY_CADENCE = (0.5, 0.5)

#: The Record beep: the usual answering-machine tone (Twilio does not document its own).
BEEP_HZ = 1000.0
_BEEP_DBM0 = -10.0

# Conference entry rises, exit falls. The pitches stay clear of DTMF, ringback, busy and
# the beep (more than DTMF's 1.5% tolerance away) so a detector never confuses them.
CONFERENCE_ENTER_HZ = (1100.0, 1800.0)
CONFERENCE_EXIT_HZ = (1800.0, 1100.0)
_CONFERENCE_DBM0 = -13.0


def _amplitude(dbm0: float) -> float:
    return float(_DBM0_PEAK * 10.0 ** (dbm0 / 20.0))


def _frames(seconds: float, rate: int) -> int:
    return max(0, round(seconds * rate))


def silence(seconds: float, rate: int) -> NDArray[np.float32]:
    return np.zeros(_frames(seconds, rate), dtype=np.float32)


def _sines(
    freqs: tuple[float, ...], amplitudes: tuple[float, ...], n: int, rate: int
) -> NDArray[np.float64]:
    t = np.arange(n, dtype=np.float64) / rate
    out = np.zeros(n, dtype=np.float64)
    for f, a in zip(freqs, amplitudes, strict=True):
        out += a * np.sin(2.0 * np.pi * f * t)
    return out


def _burst_envelope(n: int, rate: int) -> NDArray[np.float64]:
    """1.0 with raised-cosine ramps at both ends (shorter for bursts under 10 ms)."""
    env = np.ones(n, dtype=np.float64)
    ramp = min(_frames(RAMP_SECONDS, rate), n // 2)
    if ramp > 0:
        rise = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp) + 0.5) / ramp)
        env[:ramp] = rise
        env[n - ramp :] = rise[::-1]
    return env


def _cadence_envelope(n: int, rate: int, on: float, off: float) -> NDArray[np.float64]:
    """On/off gating starting with "on", each burst ramped."""
    env = np.zeros(n, dtype=np.float64)
    period, on_frames = _frames(on + off, rate), _frames(on, rate)
    for start in range(0, n, max(1, period)):
        stop = min(n, start + on_frames)
        env[start:stop] = _burst_envelope(stop - start, rate)
    return env


def dtmf(digit: str, seconds: float, rate: int) -> NDArray[np.float32]:
    """The two-frequency tone of one key (``0-9 * # A-D``).

    :raises MediaError: ``digit`` is not a DTMF key.
    """
    pair = DTMF_FREQUENCIES.get(digit.upper()) if len(digit) == 1 else None
    if pair is None:
        raise MediaError(f"{digit!r} is not a DTMF key (0-9, *, #, A-D)")
    n = _frames(seconds, rate)
    amps = (_amplitude(_DTMF_LOW_DBM0), _amplitude(_DTMF_HIGH_DBM0))
    wave = _sines((float(pair[0]), float(pair[1])), amps, n, rate) * _burst_envelope(n, rate)
    return wave.astype(np.float32)


def make_tone(
    kind: str, seconds: float | None, rate: int, *, digit: str = ""
) -> NDArray[np.float32]:
    """The tone the interpreter names (see ``ToneKind``), ``seconds`` long.

    ``None`` means the tone's usual length (``TONE_SECONDS``, else 1 s, as the timing
    backend assumes). Cadenced tones (ringback, busy) start with their "on" part.

    :raises MediaError: an unknown kind or key.
    """
    length = TONE_SECONDS.get(kind, 1.0) if seconds is None else max(0.0, seconds)
    n = _frames(length, rate)
    if kind == "dtmf":
        return dtmf(digit, length, rate)
    if kind in ("ringback", "busy"):
        freqs, dbm0, (on, off) = (
            (_RINGBACK_HZ, _RINGBACK_DBM0, _RINGBACK_CADENCE)
            if kind == "ringback"
            else (_BUSY_HZ, _BUSY_DBM0, _BUSY_CADENCE)
        )
        amp = _amplitude(dbm0)
        wave = _sines(freqs, (amp, amp), n, rate) * _cadence_envelope(n, rate, on, off)
        return wave.astype(np.float32)
    if kind == "beep":
        wave = _sines((BEEP_HZ,), (_amplitude(_BEEP_DBM0),), n, rate) * _burst_envelope(n, rate)
        return wave.astype(np.float32)
    if kind in ("conference-enter", "conference-exit"):
        first, second = CONFERENCE_ENTER_HZ if kind == "conference-enter" else CONFERENCE_EXIT_HZ
        half = n // 2
        level = (_amplitude(_CONFERENCE_DBM0),)
        out = np.concatenate(
            [
                _sines((first,), level, half, rate) * _burst_envelope(half, rate),
                _sines((second,), level, n - half, rate) * _burst_envelope(n - half, rate),
            ]
        )
        return out.astype(np.float32)
    raise MediaError(f"unknown tone {kind!r}")


# ------------------------------------------------------------------------------ detection


def goertzel_power(
    samples: NDArray[np.floating], freq: float, rate: int, *, window: bool = False
) -> float:
    """Power of ``freq`` in ``samples`` (Goertzel), normalised so that a sine of amplitude
    ``a`` at that frequency gives ``a**2 / 4`` whatever the block length.

    ``window`` applies a Hann window first, which keeps a strong neighbour (the next DTMF
    row is only 73 Hz away) from leaking into short blocks.
    """
    n = len(samples)
    if n == 0:
        return 0.0
    x = np.asarray(samples, dtype=np.float64)
    weights = np.hanning(n + 2)[1:-1] if window else np.ones(n)
    # The DFT at one frequency, which is what Goertzel's recurrence computes; numpy
    # evaluates it as two dot products, far faster than the recurrence in Python.
    w = 2.0 * np.pi * freq / rate * np.arange(n, dtype=np.float64)
    xw = x * weights
    re, im = float(xw @ np.cos(w)), float(xw @ np.sin(w))
    return (re * re + im * im) / float(weights.sum()) ** 2


def detect_dtmf(
    samples: NDArray[np.floating],
    rate: int,
    *,
    block_seconds: float = 0.025,
    threshold: float = 1e-4,
) -> list[tuple[float, str]]:
    """The keys pressed in ``samples``, with the time (s) each starts, in order.

    Works block by block: a block holds a key when its strongest row and strongest column
    frequency both stand 10 dB above the other rows and columns (speech, ringback and
    beeps do not have that shape). A key held over several blocks counts once.
    """
    block = max(1, round(block_seconds * rate))
    found: list[tuple[float, str]] = []
    previous = ""
    for start in range(0, len(samples) - block + 1, block):
        chunk = samples[start : start + block]
        key = ""
        rows = [goertzel_power(chunk, f, rate, window=True) for f in DTMF_ROWS]
        cols = [goertzel_power(chunk, f, rate, window=True) for f in DTMF_COLUMNS]
        r, c = int(np.argmax(rows)), int(np.argmax(cols))
        if min(rows[r], cols[c]) > threshold and (
            rows[r] > 10 * sorted(rows)[-2] and cols[c] > 10 * sorted(cols)[-2]
        ):
            key = "123A456B789C*0#D"[r * 4 + c]
        if key and key != previous:
            found.append((start / rate, key))
        previous = key
    return found
