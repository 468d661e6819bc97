"""rcml: parse, validate, build, lint and rehearse RCML call-control documents."""

from __future__ import annotations

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
from rcml._parse import parse as parse
from rcml._request import CallDirection as CallDirection
from rcml._request import CallRequest as CallRequest
from rcml._request import CallStatus as CallStatus
from rcml._request import DialCallStatus as DialCallStatus
from rcml._schema import schema_path as schema_path
from rcml._serialize import dumps as dumps
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
]
