"""Bad input: every case gives a clear error, quickly, with no file or network access."""

from __future__ import annotations

import time

import pytest

import rcml


def malformed(source: str | bytes, **kwargs: int) -> rcml.DocumentError:
    with pytest.raises(rcml.DocumentError) as info:
        rcml.parse(source, **kwargs)  # type: ignore[arg-type]
    return info.value


@pytest.mark.parametrize("source", ["", "   \n ", b""])
def test_empty(source: str | bytes) -> None:
    error = malformed(source)
    assert isinstance(error, rcml.MalformedDocumentError)
    assert "empty" in error.message


def test_binary_garbage() -> None:
    error = malformed(bytes(range(256)) * 4)
    assert isinstance(error, rcml.MalformedDocumentError)


def test_non_utf8_bytes_point_at_the_byte() -> None:
    error = malformed(b"<Response>\n<Say>caf\xe9</Say></Response>")
    assert (error.line, error.column) == (2, 9)
    assert "0xe9" in error.message


def test_unescaped_ampersand_says_how_to_fix_it() -> None:
    error = malformed("<Response><Play>http://x?a=1&b=2</Play></Response>")
    assert "&amp;" in error.message
    assert (error.line, error.column) == (1, 29)  # at the "&"


def test_mismatched_tags_position() -> None:
    error = malformed("<Response>\n  <Say>hi</Sya>\n</Response>")
    assert error.line == 2


def test_size_limit_default_and_configurable() -> None:
    big = "<Response>" + "<Pause/>" * 9000 + "</Response>"
    error = malformed(big)
    assert isinstance(error, rcml.DocumentTooLargeError)
    assert error.limit == rcml.DEFAULT_MAX_SIZE == 64 * 1024
    assert len(rcml.parse(big, max_size=1 << 20).verbs) == 9000


def test_fifty_megabytes_is_refused_at_once() -> None:
    start = time.perf_counter()
    error = malformed(b"<Response>" + b" " * (50 << 20) + b"</Response>")
    assert isinstance(error, rcml.DocumentTooLargeError)
    assert time.perf_counter() - start < 2


def test_deep_nesting_is_bounded() -> None:
    deep = "<Response>" + "<a>" * 10_000 + "</a>" * 10_000 + "</Response>"
    start = time.perf_counter()
    malformed(deep, max_size=1 << 20)
    assert time.perf_counter() - start < 2


def test_xxe_reads_no_file(tmp_path: object) -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<Response><Say>&x;</Say></Response>"
    )
    error = malformed(xxe)
    assert "DOCTYPE" in error.message
    assert "root:" not in str(error)


def test_billion_laughs_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
            for i in range(1, 10)
        )
        + "]><Response><Say>&lol9;</Say></Response>"
    )
    start = time.perf_counter()
    malformed(bomb)
    assert time.perf_counter() - start < 1


def test_network_dtd_is_refused_in_lenient_mode_too() -> None:
    source = '<!DOCTYPE Response SYSTEM "http://127.0.0.1:9/x.dtd"><Response/>'
    error = malformed(source)
    assert "DOCTYPE" in error.message
    with pytest.raises(rcml.MalformedDocumentError):
        rcml.parse(source, strict=False)


def test_lone_surrogate_in_text() -> None:
    error = malformed("<Response><Say>\ud800</Say></Response>")
    assert isinstance(error, rcml.MalformedDocumentError)


def test_unknown_declared_encoding() -> None:
    error = malformed(b'<?xml version="1.0" encoding="klingon"?><Response/>')
    assert "klingon" in error.message


def test_not_text_or_bytes() -> None:
    with pytest.raises(TypeError):
        rcml.parse(42)  # type: ignore[arg-type]


def test_every_error_is_an_rcml_error() -> None:
    for source in ["", "<a", "<Foo/>", "<Response><Say voice='x'/></Response>"]:
        with pytest.raises(rcml.RCMLError):
            rcml.parse(source)
