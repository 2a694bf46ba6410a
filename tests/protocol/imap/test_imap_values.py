"""Sequence sets, modified UTF-7, dates and string encoders."""

from __future__ import annotations

import datetime

import pytest

from mailcore.protocol import imap
from mailcore.protocol.imap import SequenceSet
from mailcore.protocol.imap._lexer import ParseError, Reader


def test_sequence_set_parse_and_str() -> None:
    s = SequenceSet.parse("1,3:5,7:*")
    assert s.ranges == ((1, 1), (3, 5), (7, None))
    assert str(s) == "1,3:5,7:*"
    assert bytes(SequenceSet.parse("*")) == b"*"
    assert SequenceSet.parse("$").saved and str(SequenceSet.parse("$")) == "$"
    for bad in ("", "0", "1:0", "1,", ",1", "a", "1::2", "1:2:3", "4294967296", "$,1", "-1"):
        with pytest.raises(ValueError):
            SequenceSet.parse(bad)


def test_sequence_set_resolve_and_membership() -> None:
    s = SequenceSet.parse("7:*,1,3:5,4").resolve(10)
    assert s == SequenceSet(((1, 1), (3, 5), (7, 10)))
    assert s.is_resolved()
    assert [n for n in range(12) if n in s] == [1, 3, 4, 5, 7, 8, 9, 10]
    assert list(s) == [1, 3, 4, 5, 7, 8, 9, 10] and len(s) == 8
    assert list(s.iter_ranges()) == [(1, 1), (3, 5), (7, 10)]
    # n:* past the end still includes the last message (RFC 9051 6.4.8)
    assert SequenceSet.parse("3291:*").resolve(3290) == SequenceSet(((3290, 3291),))
    assert not SequenceSet.parse("1:*").resolve(0)
    big = SequenceSet.parse("1:4000000000").resolve(4_000_000_000)
    assert 3_999_999_999 in big and 0 not in big and len(big) == 4_000_000_000
    assert SequenceSet.parse("5:3,9:*").contains(4, 12) and SequenceSet.parse("9:*").contains(
        12, 12
    )
    assert not SequenceSet.parse("9:*").contains(13, 12)
    with pytest.raises(ValueError):
        3 in SequenceSet.parse("1:*")  # noqa: B015 - must resolve first
    with pytest.raises(ValueError):
        SequenceSet.parse("$").resolve(5)


def test_compact_set() -> None:
    assert imap.compact_set([1, 2, 3, 5, 7, 8]) == b"1:3,5,7:8"
    assert imap.compact_set([]) == b""
    assert imap.compact_set([9, 10, 4, 5]) == b"9:10,4:5"  # order is kept for COPYUID
    assert SequenceSet.from_ids([5, 1, 2, 3, 9]) == SequenceSet(((1, 3), (5, 5), (9, 9)))


def test_mutf7() -> None:
    cases = {
        "INBOX": b"INBOX",
        "R&D": b"R&-D",
        "\u65e5\u672c\u8a9e": b"&ZeVnLIqe-",
        "~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e": b"~peter/mail/&U,BTFw-/&ZeVnLIqe-",
        "Entw\u00fcrfe": b"Entw&APw-rfe",
        "\U0001f600": b"&2D3eAA-",
    }
    for text, wire in cases.items():
        assert imap.encode_mutf7(text) == wire
        assert imap.decode_mutf7(wire) == text
    for bad in (
        b"&",
        b"&Jjo",
        b"&AGE-",
        b"&ZeVnLIqe-&ZeVnLIqe-",
        b"&Jjo!-",
        b"\xc3\xa9",
        b"a\x01",
        b"&AOk",
        b"&AO-",
        b"&2D0-",
    ):
        with pytest.raises(ValueError):
            imap.decode_mutf7(bad)


def test_dates() -> None:
    r = Reader(b'"25-Nov-2026 12:34:56 +0530"')
    value = r.date_time()
    assert value == datetime.datetime(
        2026, 11, 25, 12, 34, 56, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    )
    assert imap.imap_datetime(value) == b'"25-Nov-2026 12:34:56 +0530"'
    assert (
        imap.imap_datetime(datetime.datetime(2026, 7, 5, 1, 2, 3))
        == b'" 5-Jul-2026 01:02:03 +0000"'
    )
    west = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone(-datetime.timedelta(hours=8)))
    assert imap.imap_datetime(west) == b'" 1-Jan-2026 00:00:00 -0800"'
    assert Reader(b"1-feb-2026").date() == datetime.date(2026, 2, 1)
    assert Reader(b'"01-Feb-2026"').date() == datetime.date(2026, 2, 1)
    assert imap.imap_date(datetime.date(2026, 2, 1)) == b"1-Feb-2026"
    for bad in (b"1-Foo-2026", b"30-Feb-2026", b"1-Feb-26"):
        with pytest.raises(ParseError):
            Reader(bad + b"\r\n").date()
    with pytest.raises(ParseError):
        Reader(b'"25-Nov-2026 25:00:00 +0000"\r\n').date_time()


def test_string_encoders() -> None:
    assert imap.quoted('say "hi" \\o/') == b'"say \\"hi\\" \\\\o/"'
    assert imap.string(b"plain") == b'"plain"'
    assert imap.string(b"two\r\nlines") == b"{10}\r\ntwo\r\nlines"
    assert imap.string("caf\u00e9") == b"{5}\r\ncaf\xc3\xa9"
    assert imap.string("caf\u00e9", utf8=True) == b'"caf\xc3\xa9"'
    assert imap.string(b"x" * 2000).startswith(b"{2000}\r\n")
    assert imap.nstring(None) == b"NIL"
    assert imap.nstring(b"") == b'""'
    assert imap.astring("INBOX") == b"INBOX"
    assert imap.astring("nil") == b'"nil"'
    assert imap.astring("a b") == b'"a b"'
    assert imap.astring("") == b'""'
    assert imap.literal(b"\x00\x01", binary=True) == b"~{2}\r\n\x00\x01"
    assert imap.literal(b"abc", synchronizing=False) == b"{3+}\r\nabc"
    assert imap.flag_list(["\\Seen", "$Forwarded"]) == b"(\\Seen $Forwarded)"
    assert imap.flag_list(("\\Seen",)) is imap.flag_list(("\\Seen",))
    assert imap.flag_list([]) == b"()"
    assert imap.mailbox_name("R&D") == b'"R&-D"'
    assert imap.mailbox_name("\u65e5\u672c") == b'"&ZeVnLA-"'
    assert imap.mailbox_name("\u65e5\u672c", utf8=True) == b'"\xe6\x97\xa5\xe6\x9c\xac"'
    with pytest.raises(ValueError):
        imap.quoted("a\r\nb")
