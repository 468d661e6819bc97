"""The speech cache: keyed by everything that changes the audio, atomic, forgiving."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from rcml._media._cache import SpeechCache, default_cache_dir

KEY_FIELDS = {
    "engine": "espeak",
    "version": "1.52.0",
    "voice": "man",
    "language": "en",
    "text": "Hello",
    "rate": 8000,
}


def samples(n: int = 4000) -> np.ndarray:
    return (np.sin(np.arange(n) / 5) * 10000).astype(np.int16)


def test_default_directory_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RCML_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("RCML_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "rcml" / "tts"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "rcml" / "tts"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("engine", "pyttsx3"),
        ("version", "1.51"),
        ("voice", "woman"),
        ("language", "en-gb"),
        ("text", "Hello."),
        ("rate", 16000),
    ],
)
def test_every_field_changes_the_key(field: str, value: object) -> None:
    base = SpeechCache.key(**KEY_FIELDS)  # type: ignore[arg-type]
    assert SpeechCache.key(**KEY_FIELDS) == base  # type: ignore[arg-type]
    assert SpeechCache.key(**{**KEY_FIELDS, field: value}) != base  # type: ignore[arg-type]


def test_round_trip_and_rate_check(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path)
    key = SpeechCache.key(**KEY_FIELDS)  # type: ignore[arg-type]
    assert cache.get(key, 8000) is None
    cache.put(key, samples(), 8000)
    got = cache.get(key, 8000)
    assert got is not None and np.array_equal(got, samples())
    assert cache.get(key, 16000) is None  # a file at another rate is not this entry
    assert [p.suffix for p in tmp_path.rglob("*") if p.is_file()] == [".wav"]  # no temp left


def test_a_damaged_file_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path)
    key = "ab" * 32
    cache.path(key).parent.mkdir(parents=True)
    cache.path(key).write_bytes(b"RIFF\x00\x00")
    assert cache.get(key, 8000) is None
    cache.put(key, samples(), 8000)
    assert cache.get(key, 8000) is not None


def test_an_unwritable_cache_never_fails_the_render(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = SpeechCache(blocker / "cache")
    cache.put("cd" * 32, samples(), 8000)  # no exception
    assert cache.get("cd" * 32, 8000) is None


def test_concurrent_writers_leave_one_whole_file(tmp_path: Path) -> None:
    cache, key = SpeechCache(tmp_path), "ef" * 32
    seen: list[bool] = []

    def work() -> None:
        for _ in range(20):
            cache.put(key, samples(8000), 8000)
            got = cache.get(key, 8000)
            seen.append(got is not None and len(got) == 8000)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [True] * 80  # a reader never saw a partial file
    assert len(list(tmp_path.rglob("*.tmp"))) == 0
