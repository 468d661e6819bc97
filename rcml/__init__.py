"""rcml: parse, validate, build, lint and rehearse RCML call-control documents.

Every public name is importable from here. They are loaded on first use (PEP 562), so
that ``rcml lint one.xml`` does not pay for the builder, nor ``Response()`` for the
linter.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from rcml._ast import CallEvent as CallEvent
    from rcml._ast import Client as Client
    from rcml._ast import Conference as Conference
    from rcml._ast import Dial as Dial
    from rcml._ast import Document as Document
    from rcml._ast import Email as Email
    from rcml._ast import Fax as Fax
    from rcml._ast import Gather as Gather
    from rcml._ast import GatherInput as GatherInput
    from rcml._ast import Hangup as Hangup
    from rcml._ast import Hold as Hold
    from rcml._ast import Message as Message
    from rcml._ast import Method as Method
    from rcml._ast import Node as Node
    from rcml._ast import Noun as Noun
    from rcml._ast import Number as Number
    from rcml._ast import ParseWarning as ParseWarning
    from rcml._ast import Pause as Pause
    from rcml._ast import Play as Play
    from rcml._ast import Profile as Profile
    from rcml._ast import Prompt as Prompt
    from rcml._ast import Record as Record
    from rcml._ast import RecordMedia as RecordMedia
    from rcml._ast import Redirect as Redirect
    from rcml._ast import Refer as Refer
    from rcml._ast import Reject as Reject
    from rcml._ast import RejectReason as RejectReason
    from rcml._ast import Resume as Resume
    from rcml._ast import Say as Say
    from rcml._ast import Sip as Sip
    from rcml._ast import Sms as Sms
    from rcml._ast import SourcePos as SourcePos
    from rcml._ast import Uri as Uri
    from rcml._ast import Verb as Verb
    from rcml._ast import Video as Video
    from rcml._ast import VideoLayout as VideoLayout
    from rcml._ast import VideoMode as VideoMode
    from rcml._ast import VideoResolution as VideoResolution
    from rcml._ast import Voice as Voice
    from rcml._builder import ClientBuilder as ClientBuilder
    from rcml._builder import ConferenceBuilder as ConferenceBuilder
    from rcml._builder import DialBuilder as DialBuilder
    from rcml._builder import GatherBuilder as GatherBuilder
    from rcml._builder import ReferBuilder as ReferBuilder
    from rcml._builder import Response as Response
    from rcml._builder import SipBuilder as SipBuilder
    from rcml._builder import UriBuilder as UriBuilder
    from rcml._exceptions import BuildError as BuildError
    from rcml._exceptions import DialectError as DialectError
    from rcml._exceptions import DocumentError as DocumentError
    from rcml._exceptions import DocumentTooLargeError as DocumentTooLargeError
    from rcml._exceptions import MalformedDocumentError as MalformedDocumentError
    from rcml._exceptions import RCMLError as RCMLError
    from rcml._exceptions import RenderError as RenderError
    from rcml._exceptions import SchemaError as SchemaError
    from rcml._exceptions import SerializeError as SerializeError
    from rcml._exceptions import Violation as Violation
    from rcml._lint import RULES as LINT_RULES
    from rcml._lint import Edit as Edit
    from rcml._lint import FileResult as FileResult
    from rcml._lint import Finding as Finding
    from rcml._lint import Fix as Fix
    from rcml._lint import LintConfig as LintConfig
    from rcml._lint import LintConfigError as LintConfigError
    from rcml._lint import Rule as Rule
    from rcml._lint import Severity as Severity
    from rcml._lint import apply_fixes as apply_fixes
    from rcml._lint import lint_paths as lint_paths
    from rcml._lint import lint_source as lint
    from rcml._media import EspeakEngine as EspeakEngine
    from rcml._media import PlaceholderEngine as PlaceholderEngine
    from rcml._media import Pyttsx3Engine as Pyttsx3Engine
    from rcml._media import SpeechCache as SpeechCache
    from rcml._media import TtsEngine as TtsEngine
    from rcml._media import WavBackend as WavBackend
    from rcml._media import detect_dtmf as detect_dtmf
    from rcml._media import goertzel_power as goertzel_power
    from rcml._media import select_engine as select_engine
    from rcml._parse import parse as parse
    from rcml._rehearse import CallerScript as CallerScript
    from rcml._rehearse import CallRecord as CallRecord
    from rcml._rehearse import Clip as Clip
    from rcml._rehearse import HttpExchange as HttpExchange
    from rcml._rehearse import MediaBackend as MediaBackend
    from rcml._rehearse import MediaError as MediaError
    from rcml._rehearse import Recording as Recording
    from rcml._rehearse import Rehearsal as Rehearsal
    from rcml._rehearse import RehearsalEvent as RehearsalEvent
    from rcml._rehearse import RehearsalFailed as RehearsalFailed
    from rcml._rehearse import ScriptError as ScriptError
    from rcml._rehearse import SentMessage as SentMessage
    from rcml._rehearse import TargetError as TargetError
    from rcml._rehearse import TimingBackend as TimingBackend
    from rcml._rehearse import arehearse as arehearse
    from rcml._rehearse import load_script as load_script
    from rcml._rehearse import rehearse as rehearse
    from rcml._report import CallGraph as CallGraph
    from rcml._report import GraphEdge as GraphEdge
    from rcml._report import GraphError as GraphError
    from rcml._report import GraphNode as GraphNode
    from rcml._report import build_graph as build_graph
    from rcml._report import render_report as render_report
    from rcml._report import write_report as write_report
    from rcml._request import CallDirection as CallDirection
    from rcml._request import CallRequest as CallRequest
    from rcml._request import CallStatus as CallStatus
    from rcml._request import DialCallStatus as DialCallStatus
    from rcml._schema import schema_path as schema_path
    from rcml._serialize import dumps as dumps
    from rcml._serve import CallStore as CallStore
    from rcml._serve import ServeConfig as ServeConfig
    from rcml._serve import SqliteStore as SqliteStore
    from rcml._serve import create_app as create_app
    from rcml._source import DEFAULT_MAX_SIZE as DEFAULT_MAX_SIZE

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_MAX_SIZE",
    "LINT_RULES",
    "Edit",
    "FileResult",
    "Finding",
    "Fix",
    "LintConfig",
    "LintConfigError",
    "Rule",
    "Severity",
    "apply_fixes",
    "lint",
    "lint_paths",
    "BuildError",
    "CallEvent",
    "Client",
    "Conference",
    "Dial",
    "DialectError",
    "Document",
    "DocumentError",
    "DocumentTooLargeError",
    "Email",
    "Fax",
    "Gather",
    "GatherInput",
    "Hangup",
    "Hold",
    "MalformedDocumentError",
    "Message",
    "Method",
    "Node",
    "Noun",
    "Number",
    "ParseWarning",
    "Pause",
    "Play",
    "Profile",
    "Prompt",
    "RCMLError",
    "Record",
    "RecordMedia",
    "Redirect",
    "Refer",
    "Reject",
    "RenderError",
    "RejectReason",
    "Resume",
    "Say",
    "SchemaError",
    "SerializeError",
    "Sip",
    "Sms",
    "SourcePos",
    "Uri",
    "Verb",
    "Video",
    "VideoLayout",
    "VideoMode",
    "VideoResolution",
    "Violation",
    "Voice",
    "dumps",
    "parse",
    "schema_path",
    # The builder: Response and what its container methods return.
    "Response",
    "GatherBuilder",
    "DialBuilder",
    "ClientBuilder",
    "SipBuilder",
    "UriBuilder",
    "ConferenceBuilder",
    "ReferBuilder",
    # What RestComm sends with each request.
    "CallRequest",
    "CallStatus",
    "CallDirection",
    "DialCallStatus",
    # The offline interpreter.
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
    # Rehearsal audio: the WAV renderer and text to speech.
    "WavBackend",
    "TtsEngine",
    "EspeakEngine",
    "Pyttsx3Engine",
    "PlaceholderEngine",
    "SpeechCache",
    "select_engine",
    "detect_dtmf",
    "goertzel_power",
    # Seeing the call: the HTML report and the call-flow graph.
    "CallGraph",
    "GraphEdge",
    "GraphError",
    "GraphNode",
    "build_graph",
    "render_report",
    "write_report",
    "CallStore",
    "ServeConfig",
    "SqliteStore",
    "create_app",
]

# Public name -> (module, attribute).
_LAZY: dict[str, tuple[str, str]] = {
    "WavBackend": ("rcml._media", "WavBackend"),
    "TtsEngine": ("rcml._media", "TtsEngine"),
    "EspeakEngine": ("rcml._media", "EspeakEngine"),
    "Pyttsx3Engine": ("rcml._media", "Pyttsx3Engine"),
    "PlaceholderEngine": ("rcml._media", "PlaceholderEngine"),
    "SpeechCache": ("rcml._media", "SpeechCache"),
    "select_engine": ("rcml._media", "select_engine"),
    "detect_dtmf": ("rcml._media", "detect_dtmf"),
    "goertzel_power": ("rcml._media", "goertzel_power"),
    "CallRecord": ("rcml._rehearse", "CallRecord"),
    "CallerScript": ("rcml._rehearse", "CallerScript"),
    "Clip": ("rcml._rehearse", "Clip"),
    "HttpExchange": ("rcml._rehearse", "HttpExchange"),
    "MediaBackend": ("rcml._rehearse", "MediaBackend"),
    "MediaError": ("rcml._rehearse", "MediaError"),
    "Recording": ("rcml._rehearse", "Recording"),
    "Rehearsal": ("rcml._rehearse", "Rehearsal"),
    "RehearsalEvent": ("rcml._rehearse", "RehearsalEvent"),
    "RehearsalFailed": ("rcml._rehearse", "RehearsalFailed"),
    "ScriptError": ("rcml._rehearse", "ScriptError"),
    "SentMessage": ("rcml._rehearse", "SentMessage"),
    "TargetError": ("rcml._rehearse", "TargetError"),
    "TimingBackend": ("rcml._rehearse", "TimingBackend"),
    "arehearse": ("rcml._rehearse", "arehearse"),
    "load_script": ("rcml._rehearse", "load_script"),
    "rehearse": ("rcml._rehearse", "rehearse"),
    "CallGraph": ("rcml._report", "CallGraph"),
    "GraphEdge": ("rcml._report", "GraphEdge"),
    "GraphError": ("rcml._report", "GraphError"),
    "GraphNode": ("rcml._report", "GraphNode"),
    "build_graph": ("rcml._report", "build_graph"),
    "render_report": ("rcml._report", "render_report"),
    "write_report": ("rcml._report", "write_report"),
    "CallStore": ("rcml._serve", "CallStore"),
    "ServeConfig": ("rcml._serve", "ServeConfig"),
    "SqliteStore": ("rcml._serve", "SqliteStore"),
    "create_app": ("rcml._serve", "create_app"),
    "CallEvent": ("rcml._ast", "CallEvent"),
    "Client": ("rcml._ast", "Client"),
    "Conference": ("rcml._ast", "Conference"),
    "Dial": ("rcml._ast", "Dial"),
    "Document": ("rcml._ast", "Document"),
    "Email": ("rcml._ast", "Email"),
    "Fax": ("rcml._ast", "Fax"),
    "Gather": ("rcml._ast", "Gather"),
    "GatherInput": ("rcml._ast", "GatherInput"),
    "Hangup": ("rcml._ast", "Hangup"),
    "Hold": ("rcml._ast", "Hold"),
    "Message": ("rcml._ast", "Message"),
    "Method": ("rcml._ast", "Method"),
    "Node": ("rcml._ast", "Node"),
    "Noun": ("rcml._ast", "Noun"),
    "Number": ("rcml._ast", "Number"),
    "ParseWarning": ("rcml._ast", "ParseWarning"),
    "Pause": ("rcml._ast", "Pause"),
    "Play": ("rcml._ast", "Play"),
    "Profile": ("rcml._ast", "Profile"),
    "Prompt": ("rcml._ast", "Prompt"),
    "Record": ("rcml._ast", "Record"),
    "RecordMedia": ("rcml._ast", "RecordMedia"),
    "Redirect": ("rcml._ast", "Redirect"),
    "Refer": ("rcml._ast", "Refer"),
    "Reject": ("rcml._ast", "Reject"),
    "RejectReason": ("rcml._ast", "RejectReason"),
    "Resume": ("rcml._ast", "Resume"),
    "Say": ("rcml._ast", "Say"),
    "Sip": ("rcml._ast", "Sip"),
    "Sms": ("rcml._ast", "Sms"),
    "SourcePos": ("rcml._ast", "SourcePos"),
    "Uri": ("rcml._ast", "Uri"),
    "Verb": ("rcml._ast", "Verb"),
    "Video": ("rcml._ast", "Video"),
    "VideoLayout": ("rcml._ast", "VideoLayout"),
    "VideoMode": ("rcml._ast", "VideoMode"),
    "VideoResolution": ("rcml._ast", "VideoResolution"),
    "Voice": ("rcml._ast", "Voice"),
    "ClientBuilder": ("rcml._builder", "ClientBuilder"),
    "ConferenceBuilder": ("rcml._builder", "ConferenceBuilder"),
    "DialBuilder": ("rcml._builder", "DialBuilder"),
    "GatherBuilder": ("rcml._builder", "GatherBuilder"),
    "ReferBuilder": ("rcml._builder", "ReferBuilder"),
    "Response": ("rcml._builder", "Response"),
    "SipBuilder": ("rcml._builder", "SipBuilder"),
    "UriBuilder": ("rcml._builder", "UriBuilder"),
    "BuildError": ("rcml._exceptions", "BuildError"),
    "DialectError": ("rcml._exceptions", "DialectError"),
    "DocumentError": ("rcml._exceptions", "DocumentError"),
    "DocumentTooLargeError": ("rcml._exceptions", "DocumentTooLargeError"),
    "MalformedDocumentError": ("rcml._exceptions", "MalformedDocumentError"),
    "RCMLError": ("rcml._exceptions", "RCMLError"),
    "RenderError": ("rcml._exceptions", "RenderError"),
    "SchemaError": ("rcml._exceptions", "SchemaError"),
    "SerializeError": ("rcml._exceptions", "SerializeError"),
    "Violation": ("rcml._exceptions", "Violation"),
    "LINT_RULES": ("rcml._lint", "RULES"),
    "Edit": ("rcml._lint", "Edit"),
    "FileResult": ("rcml._lint", "FileResult"),
    "Finding": ("rcml._lint", "Finding"),
    "Fix": ("rcml._lint", "Fix"),
    "LintConfig": ("rcml._lint", "LintConfig"),
    "LintConfigError": ("rcml._lint", "LintConfigError"),
    "Rule": ("rcml._lint", "Rule"),
    "Severity": ("rcml._lint", "Severity"),
    "apply_fixes": ("rcml._lint", "apply_fixes"),
    "lint_paths": ("rcml._lint", "lint_paths"),
    "lint": ("rcml._lint", "lint_source"),
    "parse": ("rcml._parse", "parse"),
    "CallDirection": ("rcml._request", "CallDirection"),
    "CallRequest": ("rcml._request", "CallRequest"),
    "CallStatus": ("rcml._request", "CallStatus"),
    "DialCallStatus": ("rcml._request", "DialCallStatus"),
    "schema_path": ("rcml._schema", "schema_path"),
    "dumps": ("rcml._serialize", "dumps"),
    "DEFAULT_MAX_SIZE": ("rcml._source", "DEFAULT_MAX_SIZE"),
}


def __getattr__(name: str) -> _typing.Any:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'rcml' has no attribute {name!r}") from None
    value = getattr(_importlib.import_module(module), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
