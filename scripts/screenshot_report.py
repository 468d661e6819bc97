"""Regenerate docs/report.png: the HTML report of an example rehearsal, in chromium.

    python scripts/screenshot_report.py [--chromium /usr/bin/chromium]

The call is the example IVR's operator-voicemail script; the graph is drawn from every
caller script of examples/ivr/calls; the audio is the call rendered as ``--html`` renders it.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import rcml

ROOT = Path(__file__).resolve().parent.parent
CALLS = ROOT / "examples" / "ivr" / "calls"
APP = f"{ROOT}/examples/ivr/app.py:asgi_app"


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
        wav = rcml.WavBackend()
        call = rcml.rehearse(
            APP, CALLS / "operator-voicemail.toml", seed=7, recordings_dir=folder, media=wav
        )
        page_path = Path(folder) / "report.html"
        rcml.write_report(call, page_path, audio=wav.to_bytes(), graph=rcml.build_graph(calls))
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
