"""Audio files (what ``<Play>`` fetches) to mono float32 samples at the render rate.

soundfile's wheel bundles libsndfile, which reads WAV (PCM, mu-law, A-law, GSM 6.10),
AIFF, AU, FLAC, Ogg and MP3 from memory. Headerless telephony audio (raw mu-law, A-law,
GSM) carries no format of its own: the content type or the URL's extension says what it
is, and it is always 8 kHz mono.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np

from rcml._rehearse._media import MediaError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["decode_audio", "resample"]

# Headerless G.711 and GSM, by content type and by file extension.
_RAW_TYPES = {
    "audio/basic": "ULAW",
    "audio/ulaw": "ULAW",
    "audio/x-ulaw": "ULAW",
    "audio/mulaw": "ULAW",
    "audio/x-mulaw": "ULAW",
    "audio/pcmu": "ULAW",
    "audio/alaw": "ALAW",
    "audio/x-alaw": "ALAW",
    "audio/pcma": "ALAW",
    "audio/gsm": "GSM610",
    "audio/x-gsm": "GSM610",
}
_RAW_EXTENSIONS = {
    ".ul": "ULAW",
    ".ulaw": "ULAW",
    ".mulaw": "ULAW",
    ".mu": "ULAW",
    ".al": "ALAW",
    ".alaw": "ALAW",
    ".gsm": "GSM610",
}
# Magic numbers of the container formats libsndfile recognises by itself. Anything that
# starts with one is decoded as that format even if the content type says "raw".
_MAGIC = (b"RIFF", b"RIFX", b"RF64", b"FORM", b".snd", b"OggS", b"fLaC", b"caff", b"ID3")
_MP3_SYNC = (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa", b"\xff\xe3")
_RAW_RATE = 8000


def _raw_subtype(content_type: str | None, source: str) -> str | None:
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in _RAW_TYPES:
        return _RAW_TYPES[kind]
    path = source.split("?")[0].split("#")[0].lower()
    for ext, subtype in _RAW_EXTENSIONS.items():
        if path.endswith(ext):
            return subtype
    return None


def _what_it_looks_like(data: bytes) -> str:
    if data.startswith(_MAGIC + _MP3_SYNC):
        return "a damaged or unsupported audio file"
    head = data[:64].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page, not audio"
    if head.startswith(b"<"):
        return "an XML document, not audio"
    if head.startswith((b"{", b"[")):
        return "JSON, not audio"
    return "not a recognised audio format"


def decode_audio(
    data: bytes, *, content_type: str | None, source: str, rate: int
) -> NDArray[np.float32]:
    """Decode ``data`` to mono float32 at ``rate`` (channels are averaged).

    :raises MediaError: empty, unrecognised, corrupt or unsupported data; the message
        names ``source`` and says what the bytes look like.
    """
    import soundfile

    if not data:
        raise MediaError(f"{source}: the audio file is empty")
    raw = None if data.startswith(_MAGIC + _MP3_SYNC) else _raw_subtype(content_type, source)
    try:
        if raw is not None:
            samples, native = soundfile.read(
                io.BytesIO(data),
                dtype="float32",
                always_2d=True,
                format="RAW",
                subtype=raw,
                samplerate=_RAW_RATE,
                channels=1,
            )
        else:
            samples, native = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        # LibsndfileError's str() names the BytesIO object; its error_string is the reason.
        reason = getattr(exc, "error_string", None) or str(exc)
        kind = f" ({content_type})" if content_type else ""
        raise MediaError(
            f"{source}{kind}: cannot play it: {_what_it_looks_like(data)} ({reason})"
        ) from None
    mono = samples.mean(axis=1, dtype=np.float32) if samples.shape[1] > 1 else samples[:, 0]
    return resample(np.ascontiguousarray(mono, dtype=np.float32), int(native), rate)


def resample(samples: NDArray[np.float32], source_rate: int, rate: int) -> NDArray[np.float32]:
    """``samples`` at ``rate`` (soxr's high quality: alias rejection past -140 dB)."""
    if source_rate == rate or len(samples) == 0:
        return samples
    import soxr

    out = soxr.resample(samples, source_rate, rate, quality="HQ")
    return np.asarray(out, dtype=np.float32)
