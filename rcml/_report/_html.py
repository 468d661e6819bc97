"""The HTML rehearsal report: one self-contained page (inline CSS, JS, SVG and audio)."""

from __future__ import annotations

import base64
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from rcml._rehearse._model import Rehearsal, RehearsalEvent, clock
from rcml._report._graph import CallGraph, build_graph, first_visits, path_of
from rcml._report._svg import graph_svg
from rcml._report._timeline import lanes, timed_transcript, total_seconds, wav_seconds

__all__ = ["render_report", "write_report"]

_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["clock"] = clock
    env.filters["pct"] = lambda t, total: f"{100 * max(0.0, t) / total:.4f}"
    source = files("rcml._report").joinpath("report.html.j2").read_text(encoding="utf-8")
    return env.from_string(source)


def _ticks(total: float) -> list[float]:
    step = next((s for s in _STEPS if total / s <= 12), _STEPS[-1])
    return [float(t) for t in range(0, int(total) + 1, step)]


def _details(event: RehearsalEvent) -> str:
    return ", ".join(f"{k}={v}" for k, v in event.details.items() if v not in (None, "", [], {}))


def render_report(
    rehearsal: Rehearsal, *, audio: bytes | None = None, graph: CallGraph | None = None
) -> str:
    """The rehearsal as one self-contained HTML page.

    It shows the call's summary, a timeline drawn to scale, the call-flow graph with the
    path this call took, the transcript, every HTTP exchange, the events, the messages
    and the recordings. Clicking anything with a time seeks the player.

    :param audio: the rendered call as WAV bytes, sample 0 at the call's creation (the
        timeline's 0 s); embedded as a ``data:`` URI. ``None``: the page has no player
        and a click only moves the timeline's cursor.
    :param graph: the call flow to draw (for example built from every caller script of
        an app); default: the flow of this rehearsal alone.
    """
    audio_seconds = wav_seconds(audio) if audio is not None else None
    total = total_seconds(rehearsal, audio_seconds)
    flow = graph if graph is not None else build_graph([rehearsal])
    times = first_visits(rehearsal)
    svg = graph_svg(flow, taken=path_of(flow, rehearsal), times=times)
    sid = rehearsal.call.sid
    context: dict[str, Any] = {
        "r": rehearsal,
        "call": rehearsal.call.to_dict(),
        "total": total,
        "ticks": _ticks(total),
        "lanes": lanes(rehearsal, total),
        "transcript": timed_transcript(rehearsal.transcript),
        "events": [(e, e.call_sid == sid, _details(e)) for e in rehearsal.events],
        # graph_svg escapes every text it places; the page takes its markup as it is.
        "graph_svg": Markup(svg),
        "mermaid": flow.to_mermaid(),
        "audio_uri": (
            "data:audio/wav;base64," + base64.b64encode(audio).decode("ascii")
            if audio is not None
            else None
        ),
        "audio_seconds": audio_seconds,
    }
    return _template().render(context)


def write_report(
    rehearsal: Rehearsal,
    path: str | Path,
    *,
    audio: bytes | None = None,
    graph: CallGraph | None = None,
) -> None:
    """Write :func:`render_report`'s page to ``path`` (UTF-8)."""
    Path(path).write_text(render_report(rehearsal, audio=audio, graph=graph), encoding="utf-8")
