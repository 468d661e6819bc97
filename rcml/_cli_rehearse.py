"""The ``rcml rehearse`` command (part of the CLI: it may import click, print and exit)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rcml._cli_options import profile_option, tts_engine, url_option

if TYPE_CHECKING:
    from rcml._media import WavBackend
    from rcml._rehearse import Rehearsal

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@click.command()
@click.argument("target")
@click.option(
    "--caller",
    "caller",
    type=click.Path(dir_okay=False),
    help="Caller script (TOML): who calls, what they press and say, how dialled parties answer.",
)
@url_option
@click.option("--from", "from_", help="The caller's number (overrides the script).")
@click.option("--to", help="The number called (overrides the script).")
@profile_option
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False),
    help="Write the report as JSON ('-' for stdout).",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False),
    help="Write the report as one self-contained HTML page (timeline, graph, transcript).",
)
@click.option(
    "--max-documents",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Stop a call that fetches more RCML documents than this (redirect loops).",
)
@click.option(
    "--http-timeout",
    type=click.FloatRange(min=0.001),
    default=6.0,
    show_default=True,
    help="Seconds to wait for the app (RestComm's default is 6).",
)
@click.option(
    "--recordings",
    "recordings_dir",
    type=click.Path(file_okay=False),
    help="Folder for the WAV files of Record and Dial record (default: a temporary folder).",
)
@click.option("--seed", type=int, help="Seed the Sids, for reports that compare equal run to run.")
@click.option(
    "--wav",
    "wav_path",
    type=click.Path(dir_okay=False),
    help="Render what the caller hears (and sends) to this WAV file.",
)
@click.option(
    "--wav-format",
    type=click.Choice(["pcm16", "ulaw", "alaw"]),
    default="pcm16",
    show_default=True,
    help="16-bit PCM, or G.711 mu-law / A-law as telephone networks carry it.",
)
@click.option(
    "--rate",
    type=click.IntRange(min=1000, max=192000),
    default=8000,
    show_default=True,
    help="Sample rate of the WAV file (8000 is telephone quality).",
)
@click.option(
    "--stereo",
    is_flag=True,
    help="Left: what the caller hears; right: what the caller sends (keys, speech).",
)
@click.option(
    "--tts",
    type=click.Choice(["auto", "espeak", "pyttsx3", "placeholder"]),
    default="auto",
    show_default=True,
    help="Text-to-speech engine for <Say> (auto: $RCML_TTS, then libespeak-ng).",
)
@click.option("--no-cache", is_flag=True, help="Synthesise every prompt again; skip the cache.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the outcome, not the transcript.")
def rehearse(
    target: str,
    caller: str | None,
    url: str | None,
    from_: str | None,
    to: str | None,
    profile: str,
    json_path: str | None,
    html_path: str | None,
    max_documents: int,
    http_timeout: float,
    recordings_dir: str | None,
    seed: int | None,
    wav_path: str | None,
    wav_format: str,
    rate: int,
    stereo: bool,
    tts: str,
    no_cache: bool,
    quiet: bool,
) -> None:
    """Rehearse a whole call against TARGET with a scripted caller, offline.

    TARGET is an http(s) URL, a local RCML file (relative URLs resolve to its sibling
    files), or a WSGI/ASGI app as module:attr or path/to/app.py:attr, run in-process.
    Exit 0 when the call went as the script expected, 1 when it did not, 2 on bad input.
    """
    from rcml._rehearse import ScriptError, TargetError, load_script
    from rcml._rehearse import rehearse as run

    wants_audio = wav_path is not None or html_path is not None
    media = _audio_backend(rate, stereo, tts, no_cache) if wants_audio else None
    try:
        script = load_script(caller) if caller is not None else None
        result = run(
            target,
            script,
            url=url,
            from_=from_,
            to=to,
            profile=profile,
            max_documents=max_documents,
            http_timeout=http_timeout,
            recordings_dir=recordings_dir,
            seed=seed,
            media=media,
        )
    except (ScriptError, TargetError) as exc:
        click.echo(f"rcml rehearse: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    report: dict[str, Any] = result.to_json()
    if json_path == "-":
        click.echo(json.dumps(report, indent=2))
    else:
        if not quiet:
            for line in result.transcript:
                click.echo(line)
        if json_path is not None:
            try:
                Path(json_path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
            except OSError as exc:
                click.echo(f"rcml rehearse: cannot write {json_path}: {exc.strerror}", err=True)
                sys.exit(EXIT_USAGE)
    if media is not None and wav_path is not None:
        _write_wav(media, wav_path, wav_format)
    if html_path is not None:
        # Browsers play 16-bit PCM WAV everywhere; G.711 in WAV they may not.
        _write_html(result, html_path, media.to_bytes() if media is not None else None)
    if result.ok:
        if quiet:
            call = result.call
            click.echo(f"ok: call {call.status}, {call.duration} s")
        sys.exit(EXIT_OK)
    first = result.problems[0]
    more = f" (and {len(result.problems) - 1} more)" if len(result.problems) > 1 else ""
    click.echo(f"rcml rehearse: {first}{more}", err=True)
    sys.exit(EXIT_FAILED)


def _audio_backend(rate: int, stereo: bool, tts: str, no_cache: bool) -> WavBackend:
    from rcml._media import WavBackend
    from rcml._rehearse import MediaError

    try:
        engine = tts_engine(tts, "rehearse")
    except MediaError as exc:
        click.echo(f"rcml rehearse: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    return WavBackend(rate=rate, stereo=stereo, tts=engine, cache=not no_cache)


def _write_wav(backend: WavBackend, path: str, wav_format: str) -> None:
    try:
        backend.write(path, format=wav_format)  # type: ignore[arg-type]
    except OSError as exc:
        click.echo(f"rcml rehearse: cannot write {path}: {exc.strerror}", err=True)
        sys.exit(EXIT_USAGE)


def _write_html(rehearsal: Rehearsal, path: str, audio: bytes | None) -> None:
    """Write the HTML report; ``audio`` is the call rendered to WAV, when it was."""
    from rcml._report import write_report

    try:
        write_report(rehearsal, path, audio=audio)
    except OSError as exc:
        click.echo(f"rcml rehearse: cannot write {path}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
