from __future__ import annotations

from pathlib import Path

import pytest

from rcml import CallerScript, ScriptError, load_script
from rcml._rehearse._script import DialSpec, GatherInput


def test_a_full_script_reads_into_typed_entries(tmp_path: Path) -> None:
    (tmp_path / "hello.wav").write_bytes(b"RIFF")
    path = tmp_path / "call.toml"
    path.write_text(
        """
[call]
from = "+1555"
direction = "outbound-api"
status_callback_event = "initiated, completed"
hangup_after = 90

[[gather]]
digits = "12#"
after = 2

[[record]]
audio = "hello.wav"
finish_on_key = "#"

[dial."client:alice"]
answer_after = 5
talk = 20
[[dial."client:alice".gather]]
digits = "1"
""",
        encoding="utf-8",
    )
    script = load_script(path)
    assert script.call.from_ == "+1555"
    assert script.call.direction == "outbound-api"
    assert script.call.status_callback_event == ("initiated", "completed")
    assert script.call.hangup_after == 90.0
    assert script.gather == (GatherInput(digits="12#", after=2.0),)
    assert script.record[0].audio == tmp_path / "hello.wav"
    assert script.dial["client:alice"] == DialSpec(
        answer_after=5.0, talk=20.0, gather=(GatherInput(digits="1"),)
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[call]\nfrom_ = '1'", "unknown key 'from_'; did you mean 'from'?"),
        ("[[gather]]\ndigits = '12a'", "'a' is not a phone key"),
        ("[[gather]]\ndigits = '1'\nspeech = 'hi'", "give one of digits, speech or silence"),
        ("[[gather]]\nafter = 2", "needs digits, speech, silence or hangup"),
        ("[[record]]\nseconds = -1", "must be a number of seconds >= 0"),
        ("[[record]]\naudio = 'missing.wav'", "audio file not found"),
        ("[call]\ndirection = 'outbound'", "direction must be inbound or outbound-api"),
        ("[call]\nstatus_callback_event = 'answered ringing'", "is not one of"),
        ('[dial."+1"]\noutcome = "declined"', "outcome must be busy, no-answer or failed"),
        ("[expect]\nheard = 3", "must be a string or a list of strings"),
        ("gather = 1", "must be an array of tables"),
    ],
)
def test_bad_scripts_name_the_key(toml: str, message: str) -> None:
    with pytest.raises(ScriptError) as info:
        CallerScript.from_toml(toml, source="call.toml", base=Path("/nonexistent"))
    assert message in str(info.value)
    assert str(info.value).startswith("call.toml")


def test_toml_syntax_errors_carry_the_line() -> None:
    with pytest.raises(ScriptError) as info:
        CallerScript.from_toml("[call]\nfrom = \n", source="c.toml")
    assert info.value.line == 2


def test_an_unreadable_file_is_a_script_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="cannot read"):
        load_script(tmp_path / "nope.toml")
