"""Regenerate docs/report.png: the HTML report of an example rehearsal, in chromium.

    python scripts/screenshot_report.py [--chromium /usr/bin/chromium]

The call is the example IVR's operator-voicemail script; the graph is drawn from every
caller script of examples/ivr/calls; the audio is a placeholder tone lasting the call.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import wave
from pathlib import Path

import rcml

ROOT = Path(__file__).resolve().parent.parent
CALLS = ROOT / "examples" / "ivr" / "calls"
APP = f"{ROOT}/examples/ivr/app.py:asgi_app"


def silence(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * round(seconds * rate))
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--output", default=str(ROOT / "docs" / "report.png"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        calls = [
            rcml.rehearse(APP, script, seed=7, recordings_dir=folder)
            for script in sorted(CALLS.glob("*.toml"))
        ]
        call = next(c for c in calls if c.heard("leave a message") and c.recordings)
        page_path = Path(folder) / "report.html"
        audio = silence(call.call.end or 0)
        rcml.write_report(call, page_path, audio=audio, graph=rcml.build_graph(calls))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 1240})
            page.goto(page_path.as_uri())
            page.locator(".lane[data-lane='caller'] .item.recording").click()
            page.screenshot(path=args.output)
            browser.close()


if __name__ == "__main__":
    main()
