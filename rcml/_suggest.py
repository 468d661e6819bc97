"""Suggestions for near-miss names, such as ``numDigits`` for ``numdigits``.

A module of its own that imports nothing heavy: the linter's schema violations and the
configuration's errors suggest names without loading the AST (rcml._spec re-exports it),
and difflib is imported only when a name has no case-insensitive match.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["did_you_mean"]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A `` (did you mean 'x'?)`` suffix for a near-miss name, or ''."""
    known = list(known)
    for candidate in known:
        if candidate.lower() == name.lower():
            return f" (did you mean {candidate!r}?)"
    import difflib

    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""
