"""Options and helpers shared by the CLI commands that run calls (rehearse, graph, serve)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rcml._media import TtsEngine

#: ``--profile``: which of RestComm's behaviours to follow where its docs and code differ.
profile_option = click.option(
    "--profile",
    type=click.Choice(["restcomm", "docs"]),
    default="restcomm",
    show_default=True,
    help="Where RestComm's docs and code disagree: follow the code, or the docs.",
)

#: ``--url``: the first document's path, for an in-process app.
url_option = click.option(
    "--url", help="Where the call starts, for an app target (a path such as /ivr/main)."
)


def tts_engine(name: str, command: str) -> TtsEngine:
    """The TTS engine ``name`` asks for; a placeholder is said once on stderr.

    :raises MediaError: no such engine, or one named explicitly cannot start.
    """
    from rcml._media import PlaceholderEngine, select_engine

    engine = select_engine(name)
    if isinstance(engine, PlaceholderEngine) and engine.reason:
        # Said once here; each prompt's note in a transcript says it again in context.
        click.echo(f"rcml {command}: warning: {engine.reason}; speech is a placeholder", err=True)
    return engine
