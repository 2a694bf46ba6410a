"""BODY[section] / BINARY[section] / attachment download, byte-exact."""

from __future__ import annotations

import pytest
from test_imap_structure import MULTI, SIMPLE

from mailcore.message import (
    UnknownTransferEncoding,
    decode_section,
    fetch_section,
    header_section,
    part_content,
)


def test_whole_header_text() -> None:
    assert fetch_section(SIMPLE, "") == SIMPLE
    header = SIMPLE[: SIMPLE.index(b"\r\n\r\n") + 4]
    assert header_section(SIMPLE) == header
    assert fetch_section(SIMPLE, "HEADER") == header
    assert fetch_section(SIMPLE, "header") == header
    assert fetch_section(SIMPLE, "TEXT") == b"Hi everyone.\r\nSecond line\r\n"
    assert fetch_section(SIMPLE, "1") == b"Hi everyone.\r\nSecond line\r\n"
    assert fetch_section(SIMPLE, "2") is None
    assert fetch_section(SIMPLE, "1.1") is None


def test_header_fields() -> None:
    assert fetch_section(SIMPLE, "HEADER.FIELDS (SUBJECT from)") == (
        b'From: "Joe Q. Public" <john.q.public@example.com>\r\n'
        b"Subject: =?utf-8?q?Caf=C3=A9?= time\r\n\r\n"
    )
    assert fetch_section(SIMPLE, 'header.fields ("Message-ID")') == (
        b"Message-ID: <5678.21-Nov-1997@example.com>\r\n\r\n"
    )
    assert fetch_section(SIMPLE, "HEADER.FIELDS (X-Nothing)") == b"\r\n"
    not_fields = fetch_section(SIMPLE, "HEADER.FIELDS.NOT (To Cc Date Message-ID)")
    assert not_fields == (
        b'From: "Joe Q. Public" <john.q.public@example.com>\r\n'
        b"Subject: =?utf-8?q?Caf=C3=A9?= time\r\n\r\n"
    )


def test_folded_field_kept_byte_exact() -> None:
    raw = b"Subject: one\r\n two\r\nX-A: b\r\n\r\nbody"
    assert fetch_section(raw, "HEADER.FIELDS (SUBJECT)") == b"Subject: one\r\n two\r\n\r\n"


def test_multipart_parts() -> None:
    assert fetch_section(MULTI, "1.1") == b"Caf=C3=A9 ol=\r\n=C3=A9"
    assert fetch_section(MULTI, "1.2") == b"<p>Caf&eacute;</p>"
    assert fetch_section(MULTI, "1.2.MIME") == b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    assert fetch_section(MULTI, "1").startswith(b"--inner\r\n")  # type: ignore[union-attr]
    assert fetch_section(MULTI, "1").endswith(b"--inner--\r\n")  # type: ignore[union-attr]
    assert fetch_section(MULTI, "2") == b"JVBERi0xLjQK"
    assert fetch_section(MULTI, "4") is None
    assert fetch_section(MULTI, "1.3") is None
    assert fetch_section(MULTI, "2.1") is None
    assert fetch_section(MULTI, "0") is None
    assert fetch_section(MULTI, "TEXT").startswith(b"preamble\r\n--outer")  # type: ignore[union-attr]


def test_message_rfc822_part() -> None:
    inner = b"From: b@example.com\r\nSubject: inner\r\n\r\ninner body"
    assert fetch_section(MULTI, "3") == inner
    assert fetch_section(MULTI, "3.HEADER") == b"From: b@example.com\r\nSubject: inner\r\n\r\n"
    assert fetch_section(MULTI, "3.TEXT") == b"inner body"
    assert fetch_section(MULTI, "3.1") == b"inner body"
    assert fetch_section(MULTI, "3.MIME") == b"Content-Type: message/rfc822\r\n\r\n"
    assert fetch_section(MULTI, "3.HEADER.FIELDS (Subject)") == b"Subject: inner\r\n\r\n"
    # HEADER/TEXT need a message/rfc822 part
    assert fetch_section(MULTI, "2.HEADER") is None
    assert fetch_section(MULTI, "2.TEXT") is None


def test_bad_sections() -> None:
    for section in ("MIME", "HEADER.FIELDS ()", "BOGUS", "1.", "1..2", "1.HEADER.FIELDS"):
        assert fetch_section(MULTI, section) is None, section


def test_decode_section() -> None:
    assert decode_section(MULTI, "1.1") == "Café olé".encode()
    assert decode_section(MULTI, "2") == b"%PDF-1.4\n"
    assert decode_section(MULTI, "1.2") == b"<p>Caf&eacute;</p>"
    assert decode_section(MULTI, "9") is None
    assert decode_section(MULTI, "") == MULTI


def test_decode_section_unknown_cte() -> None:
    raw = b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n"
    with pytest.raises(UnknownTransferEncoding) as info:
        decode_section(raw, "1")
    assert info.value.encoding == "x-uuencode"
    # part_content hands the stored bytes over instead
    assert part_content(raw, "1") == (b"begin 644 x\r\n", "text/plain", None)


def test_decode_bad_base64_is_lenient() -> None:
    raw = b"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybG!Q\r\n"
    assert decode_section(raw, "1") == b"hello world"


def test_part_content() -> None:
    assert part_content(MULTI, "2") == (b"%PDF-1.4\n", "application/pdf", "résumé.pdf")
    data, ctype, name = part_content(MULTI, "3")  # type: ignore[misc]
    assert ctype == "message/rfc822" and name is None and data.startswith(b"From: b@")
    assert part_content(MULTI, "7") is None


def test_lf_only_sections() -> None:
    raw = (
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nab\n--x--\n"
    )
    assert fetch_section(raw, "1") == b"ab"
    assert fetch_section(raw, "1.MIME") == b"Content-Type: text/plain\n\n"
    assert header_section(raw) == b"Content-Type: multipart/mixed; boundary=x\n\n"
