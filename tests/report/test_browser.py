"""The report in a real browser: Debian's chromium, driven by Playwright, offline.

Skipped when chromium or Playwright is missing, except in CI (RCML_BROWSER_TESTS=1),
where a missing browser is a failure rather than a silent skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import tone_wav

import rcml

REQUIRED = os.environ.get("RCML_BROWSER_TESTS") == "1"
CHROMIUM = os.environ.get("RCML_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"browser tests are required here (RCML_BROWSER_TESTS=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed")
    if not Path(CHROMIUM).is_file():
        _unavailable(f"no chromium at {CHROMIUM}")
    # Playwright gives the browser a fresh, temporary profile of its own.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Page:
    """A page with the report loaded, and every console error and uncaught exception."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(path.as_uri())

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")

    def position(self) -> float:
        return float(self.page.locator("body").get_attribute("data-position"))


@pytest.fixture
def with_audio(
    browser: Any, tmp_path: Path, ivr_calls: dict[str, rcml.Rehearsal]
) -> Iterator[tuple[Page, rcml.Rehearsal]]:
    call = ivr_calls["operator-voicemail"]
    path = tmp_path / "report.html"
    graph = rcml.build_graph(ivr_calls.values())
    rcml.write_report(call, path, audio=tone_wav(call.call.end or 0), graph=graph)
    page = Page(browser, path)
    page.page.wait_for_function("document.getElementById('player').readyState >= 1")
    yield page, call
    page.page.close()


def test_loads_offline_with_no_console_error(with_audio: tuple[Page, rcml.Rehearsal]) -> None:
    page, _ = with_audio
    assert page.page.title().startswith("Rehearsal CA")
    assert page.errors == []
    # Only the page itself and its data: URIs: nothing reaches for the network.
    assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests


def test_shows_the_timeline_transcript_and_graph(with_audio: tuple[Page, rcml.Rehearsal]) -> None:
    page, call = with_audio
    p = page.page
    assert p.locator("#timeline .lane[data-lane='documents'] .item").first.is_visible()
    assert p.locator("#timeline .item").count() > 20
    lines = p.locator("ol.transcript li")
    assert lines.count() == len(call.transcript)
    assert lines.first.is_visible()
    assert p.locator("#graph svg.graph g.node.visited").first.is_visible()
    # Drawn to scale: the documents lane's boxes sit where their times say.
    track = p.locator(".lane[data-lane='documents'] .track").bounding_box()
    voicemail = p.locator(".lane[data-lane='documents'] .item[data-label='/ivr/voicemail']")
    box = voicemail.bounding_box()
    event = next(e for e in call.events_of("document") if e.details["path"] == "/ivr/voicemail")
    total = float(p.locator("body").get_attribute("data-total"))
    assert box["x"] - track["x"] == pytest.approx(event.t / total * track["width"], abs=2)


def test_clicking_an_event_moves_the_player(with_audio: tuple[Page, rcml.Rehearsal]) -> None:
    page, call = with_audio
    p = page.page
    record_end = next(call.events_of("record-end"))
    record = p.locator(".lane[data-lane='caller'] .item.recording")
    record.click()
    start = float(record.get_attribute("data-t"))
    assert start == pytest.approx(next(call.events_of("record")).t, abs=1e-3)
    assert start < record_end.t
    p.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {start}) < 0.01")
    assert page.position() == pytest.approx(start, abs=1e-3)
    assert p.locator("#position").inner_text() == rcml_clock(start)
    # The transcript follows: the highlighted line is the last one at or before the moment.
    now = p.locator("ol.transcript li.now")
    assert float(now.get_attribute("data-t")) <= start + 0.05
    # A transcript line and a graph node seek too.
    p.locator("ol.transcript li", has_text="caller pressed 0").click()
    p.wait_for_function("Math.abs(document.getElementById('player').currentTime - 10.3) < 0.01")
    p.locator("#graph g.node[data-node='/ivr/voicemail']").click()
    first = next(e.t for e in call.events_of("document") if e.details["path"] == "/ivr/voicemail")
    p.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {first}) < 0.01")
    assert page.errors == []


def test_without_audio_a_click_moves_the_cursor(
    browser: Any, tmp_path: Path, ivr_calls: dict[str, rcml.Rehearsal]
) -> None:
    call = ivr_calls["sales"]
    rcml.write_report(call, tmp_path / "r.html")
    page = Page(browser, tmp_path / "r.html")
    p = page.page
    assert p.locator("audio").count() == 0
    dial = p.locator(".lane[data-lane='verbs'] .item.dial")
    dial.click()
    assert page.position() == pytest.approx(float(dial.get_attribute("data-t")), abs=1e-3)
    head = p.locator(".lane[data-lane='verbs'] .playhead").bounding_box()
    assert head["x"] == pytest.approx(dial.bounding_box()["x"], abs=2)
    assert page.errors == []
    p.close()


def rcml_clock(t: float) -> str:
    from rcml._rehearse._model import clock

    return clock(t)
