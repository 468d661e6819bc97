"""A disk cache of synthesised speech, shared by runs and processes.

One WAV file per utterance (so a person can listen to it), already at the render rate,
named by a hash of everything that changes the audio: engine and version, voice,
language, text and sample rate. Files are written under a temporary name and renamed
into place, so a reader in another process sees a whole file or none; two processes
making the same file at once both succeed and one of the (equivalent) files wins.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["SpeechCache", "default_cache_dir"]


def default_cache_dir() -> Path:
    """``$RCML_CACHE_DIR`` if set, else ``~/.cache/rcml/tts`` (``$XDG_CACHE_HOME`` honoured)."""
    explicit = os.environ.get("RCML_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rcml" / "tts"


class SpeechCache:
    """Get and put int16 mono speech by key. A cache never fails a render: a file that
    cannot be read is a miss, one that cannot be written is skipped."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    @staticmethod
    def key(*, engine: str, version: str, voice: str, language: str, text: str, rate: int) -> str:
        fields = [engine, version, voice, language, text, rate]
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()

    def path(self, key: str) -> Path:
        # Two hex digits of fan-out keep directories small for big caches.
        return self.directory / key[:2] / f"{key}.wav"

    def get(self, key: str, rate: int) -> NDArray[np.int16] | None:
        import soundfile

        try:
            samples, file_rate = soundfile.read(str(self.path(key)), dtype="int16")
        except (OSError, RuntimeError, soundfile.LibsndfileError):
            return None
        if file_rate != rate or samples.ndim != 1:
            return None
        return np.asarray(samples, dtype=np.int16)

    def put(self, key: str, samples: NDArray[np.int16], rate: int) -> None:
        import soundfile

        final = self.path(key)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=final.parent, prefix=f".{key[:8]}-", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                soundfile.write(handle, samples, rate, format="WAV", subtype="PCM_16")
            os.replace(temporary, final)
        except (OSError, RuntimeError, soundfile.LibsndfileError):
            Path(temporary).unlink(missing_ok=True)
