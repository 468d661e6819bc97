"""The offline interpreter: rehearse a whole call against the real app server."""

from rcml._rehearse._api import arehearse, rehearse
from rcml._rehearse._http import TargetError
from rcml._rehearse._media import Clip, MediaBackend, MediaError, TimingBackend
from rcml._rehearse._model import (
    CallRecord,
    HttpExchange,
    Recording,
    Rehearsal,
    RehearsalEvent,
    RehearsalFailed,
    SentMessage,
)
from rcml._rehearse._script import CallerScript, ScriptError, load_script

__all__ = [
    "CallRecord",
    "CallerScript",
    "Clip",
    "HttpExchange",
    "MediaBackend",
    "MediaError",
    "Recording",
    "Rehearsal",
    "RehearsalEvent",
    "RehearsalFailed",
    "ScriptError",
    "SentMessage",
    "TargetError",
    "TimingBackend",
    "arehearse",
    "load_script",
    "rehearse",
]
