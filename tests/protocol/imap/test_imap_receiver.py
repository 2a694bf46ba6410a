"""The receiver as a server sees it: chunked input, literals, limits, special modes."""

from __future__ import annotations

import pytest
from imap_helpers import drain, feed

from mailcore.protocol import imap


@pytest.fixture
def receiver() -> imap.CommandReceiver:
    return imap.CommandReceiver(max_literal_size=1000, max_line_length=200)


APPEND_BODY = (
    b"From: alice@example.org\r\nTo: bob@example.org\r\nSubject: hello\r\n"
    b"Date: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\n"
    + b"x" * 150
    + b"\r\n"
)


def test_append_literal_split_across_receive_data_calls() -> None:
    size = len(APPEND_BODY)
    receiver = imap.CommandReceiver(max_literal_size=10_000)
    head = b'4 APPEND "Sent" (\\Seen) "25-Nov-2026 10:00:00 +0000" {%d}\r\n' % size
    receiver.receive_data(head[:10])
    assert receiver.next_event() is imap.NEED_DATA
    receiver.receive_data(head[10:])
    assert receiver.next_event() == imap.ContinuationNeeded("4", size, "APPEND")
    assert receiver.next_event() is imap.NEED_DATA
    for i in range(0, size, 7):
        receiver.receive_data(APPEND_BODY[i : i + 7])
        assert receiver.next_event() is imap.NEED_DATA
    receiver.receive_data(b"\r")
    assert receiver.next_event() is imap.NEED_DATA
    receiver.receive_data(b"\n5 NOOP\r\n")
    event = receiver.next_event()
    assert isinstance(event, imap.CommandEvent)
    assert isinstance(event.command, imap.Append)
    assert event.command.messages[0].data == APPEND_BODY
    assert receiver.next_event() == imap.CommandEvent(imap.Noop("5"))
    assert receiver.next_event() is imap.NEED_DATA


def test_every_split_point_gives_same_events() -> None:
    transcript = (
        b"a1 LOGIN {5}\r\nalice {6+}\r\nsecret\r\n"
        b"a2 SELECT INBOX\r\n"
        b"a3 APPEND INBOX (\\Seen) {11}\r\nhello world {2+}\r\nhi\r\n"
        b"a4 BOGUS\r\n"
        b"a5 UID FETCH 1:* (FLAGS)\r\n"
    )
    whole = feed(imap.CommandReceiver(max_literal_size=100), [transcript])
    assert [type(e).__name__ for e in whole] == [
        "ContinuationNeeded",
        "CommandEvent",
        "CommandEvent",
        "ContinuationNeeded",
        "CommandEvent",
        "CommandError",
        "CommandEvent",
    ]
    for cut in range(1, len(transcript)):
        r = imap.CommandReceiver(max_literal_size=100)
        assert feed(r, [transcript[:cut], transcript[cut:]]) == whole, cut
    bytewise = feed(imap.CommandReceiver(max_literal_size=100), [bytes([b]) for b in transcript])
    assert bytewise == whole


def test_sync_literal_too_large_gets_no_continuation() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    events = feed(receiver, [b"a1 APPEND INBOX {1001}\r\n"])
    assert events == [imap.LiteralTooLarge("a1", 1001, True)]
    # The client saw NO [TOOBIG] instead of "+", so it sends its next command.
    assert feed(receiver, [b"a2 NOOP\r\n"]) == [imap.CommandEvent(imap.Noop("a2"))]


def test_huge_announced_sizes() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    events = feed(receiver, [b"a1 APPEND INBOX {99999999999999999999999999}\r\na2 NOOP\r\n"])
    assert events == [
        imap.LiteralTooLarge("a1", 1 << 70, True),
        imap.CommandEvent(imap.Noop("a2")),
    ]


def test_nonsync_literal_too_large_is_swallowed_with_bounded_memory() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000, max_line_length=1000)
    size = 5_000_000
    receiver.receive_data(b"a1 APPEND INBOX {%d+}\r\n" % size)
    assert drain(receiver) == []
    chunk = b"A" * 65536
    sent = 0
    while sent + len(chunk) <= size:
        receiver.receive_data(chunk)
        sent += len(chunk)
        assert drain(receiver) == []
        assert len(receiver._buf) == 0 and len(receiver._cmd) == 0
    receiver.receive_data(b"B" * (size - sent) + b" {7+}\r\n")
    assert drain(receiver) == [imap.LiteralTooLarge("a1", size, False)]
    # The rest of the command, including a later non-synchronizing literal, is skipped too.
    assert feed(receiver, [b"1234567\r\na2 NOOP\r\n"]) == [imap.CommandEvent(imap.Noop("a2"))]


def test_literal_budget_is_per_command() -> None:
    receiver = imap.CommandReceiver(max_literal_size=10)
    events = feed(receiver, [b"a1 APPEND INBOX {6+}\r\n123456 {6}\r\n"])
    assert events == [imap.LiteralTooLarge("a1", 6, True)]
    assert feed(receiver, [b"a2 NOOP\r\n"]) == [imap.CommandEvent(imap.Noop("a2"))]


def test_literal_minus_limits_nonsync_literals() -> None:
    receiver = imap.CommandReceiver(max_literal_size=100_000, literal_minus=True)
    events = feed(receiver, [b"a1 APPEND INBOX {4097+}\r\n" + b"x" * 4097 + b"\r\na2 NOOP\r\n"])
    assert events == [
        imap.LiteralTooLarge("a1", 4097, False),
        imap.CommandEvent(imap.Noop("a2")),
    ]


def test_line_too_long_is_reported_and_skipped(receiver: imap.CommandReceiver) -> None:
    events = feed(receiver, [b"a1 NOOP " + b"x" * 300])
    assert events == [imap.CommandError("a1", "Command line too long", "BAD", "TOOBIG")]
    assert len(receiver._buf) < 50
    events = feed(receiver, [b"x" * 1000, b"y" * 10 + b" {5+}\r\nhello\r\na2 NOOP\r\n"])
    assert events == [imap.CommandEvent(imap.Noop("a2"))]


def test_complete_line_too_long(receiver: imap.CommandReceiver) -> None:
    events = feed(receiver, [b"a1 NOOP " + b"x" * 300 + b"\r\na2 NOOP\r\n"])
    assert events == [
        imap.CommandError("a1", "Command line too long", "BAD", "TOOBIG"),
        imap.CommandEvent(imap.Noop("a2")),
    ]


def test_lines_count_across_literals(receiver: imap.CommandReceiver) -> None:
    # 200 bytes of line budget in total, however many literals split it.
    line = b"a1 LOGIN {1+}\r\nx " + b"{1+}\r\nx " * 40 + b"\r\n"
    events = feed(receiver, [line, b"a2 NOOP\r\n"])
    assert events[0] == imap.CommandError("a1", "Command line too long", "BAD", "TOOBIG")
    assert events[-1] == imap.CommandEvent(imap.Noop("a2"))


def test_syntax_error_before_sync_literal_is_reported_without_continuation() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    events = feed(receiver, [b"a1 APPEND INBOX (\\Seen) junk {10}\r\n"])
    assert len(events) == 1
    assert isinstance(events[0], imap.CommandError) and events[0].tag == "a1"
    events = feed(receiver, [b"a2 FROB {10}\r\n"])
    assert events == [imap.CommandError("a2", "Unknown command")]
    assert feed(receiver, [b"a3 NOOP\r\n"]) == [imap.CommandEvent(imap.Noop("a3"))]


def test_error_with_nonsync_literal_skips_whole_command() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    events = feed(receiver, [b"a1 FROB {5+}\r\na2 NOOP {3+}\r\nabc\r\na3 NOOP\r\n"])
    assert events == [
        imap.CommandError("a1", "Unknown command"),
        imap.CommandEvent(imap.Noop("a3")),
    ]


def test_reject_literal() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    event = feed(receiver, [b"a1 APPEND Archive {500}\r\n"])[0]
    assert event == imap.ContinuationNeeded("a1", 500, "APPEND")
    receiver.reject_literal()
    assert feed(receiver, [b"a2 NOOP\r\n"]) == [imap.CommandEvent(imap.Noop("a2"))]
    with pytest.raises(RuntimeError):
        receiver.reject_literal()


def test_continuation_names_uid_commands_and_literal8() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    assert feed(receiver, [b"a1 uid search subject {3}\r\n"]) == [
        imap.ContinuationNeeded("a1", 3, "UID SEARCH")
    ]
    assert feed(receiver, [b"abc\r\n"])[0] == imap.CommandEvent(
        imap.Search("a1", imap.TextKey("SUBJECT", "abc"), uid=True)
    )
    assert feed(receiver, [b"a2 APPEND INBOX ~{3}\r\n"]) == [
        imap.ContinuationNeeded("a2", 3, "APPEND", True)
    ]


def test_idle_done() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    receiver.receive_data(b"a1 IDLE\r\nDONE\r\na2 NOOP\r\n")
    assert receiver.next_event() == imap.CommandEvent(imap.Idle("a1"))
    assert receiver.next_event() is imap.PAUSED
    assert receiver.next_event() is imap.PAUSED
    receiver.expect_idle_done()
    assert receiver.next_event() == imap.IdleDone()
    assert receiver.next_event() == imap.CommandEvent(imap.Noop("a2"))
    receiver.receive_data(b"a3 IDLE\r\n")
    assert receiver.next_event() == imap.CommandEvent(imap.Idle("a3"))
    receiver.expect_idle_done()
    assert receiver.next_event() is imap.NEED_DATA
    receiver.receive_data(b"done")
    assert receiver.next_event() is imap.NEED_DATA
    receiver.receive_data(b"\r\n")
    assert receiver.next_event() == imap.IdleDone()


def test_idle_garbage_ends_idle_with_error() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    feed(receiver, [b"a1 IDLE\r\n"])
    receiver.expect_idle_done()
    assert feed(receiver, [b"a2 NOOP\r\n"]) == [
        imap.CommandError(None, "Expected DONE to end IDLE")
    ]
    assert feed(receiver, [b"a3 NOOP\r\n"]) == [imap.CommandEvent(imap.Noop("a3"))]


def test_idle_refused_resume() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    feed(receiver, [b"a1 IDLE\r\n"])
    receiver.resume()
    assert feed(receiver, [b"a2 NOOP\r\n"]) == [imap.CommandEvent(imap.Noop("a2"))]
    with pytest.raises(RuntimeError):
        receiver.expect_idle_done()


def test_authenticate_exchange() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    assert feed(receiver, [b"a1 AUTHENTICATE PLAIN\r\n"]) == [
        imap.CommandEvent(imap.Authenticate("a1", "PLAIN"))
    ]
    receiver.expect_auth_line()
    events = feed(receiver, [b"AGFsaWNlAHNlY3JldA==\r\na2 NOOP\r\n"])
    assert events == [imap.AuthLine(b"AGFsaWNlAHNlY3JldA==")]
    line = events[0]
    assert isinstance(line, imap.AuthLine)
    assert line.decode() == b"\x00alice\x00secret" and not line.cancelled
    assert receiver.paused
    receiver.resume()
    assert drain(receiver) == [imap.CommandEvent(imap.Noop("a2"))]
    feed(receiver, [b"a3 AUTHENTICATE LOGIN\r\n"])
    receiver.expect_auth_line()
    cancel = feed(receiver, [b"*\r\n"])[0]
    assert isinstance(cancel, imap.AuthLine) and cancel.cancelled
    with pytest.raises(ValueError):
        imap.AuthLine(b"not base64!").decode()


def test_starttls_discards_pipelined_plaintext() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    events = feed(receiver, [b"a1 STARTTLS\r\na2 LOGIN evil injected\r\n"])
    assert events == [imap.CommandEvent(imap.StartTLS("a1"))]
    assert receiver.next_event() is imap.PAUSED
    assert receiver.start_tls() == len(b"a2 LOGIN evil injected\r\n")
    assert feed(receiver, [b"a3 CAPABILITY\r\n"]) == [imap.CommandEvent(imap.Capability("a3"))]


def test_bare_lf_blank_lines_and_bad_tags() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    events = feed(receiver, [b"\r\n\r\na1 NOOP\n   \r\n* NOOP\r\n+ NOOP\r\n"])
    assert events == [
        imap.CommandEvent(imap.Noop("a1")),
        imap.CommandError(None, "Invalid tag"),
        imap.CommandError(None, "Invalid tag"),
    ]


def test_utf8_enable_switches_mailbox_decoding() -> None:
    receiver = imap.CommandReceiver(max_literal_size=1000)
    first = feed(receiver, [b"a1 SELECT &AOk-t&AOk-\r\n"])
    assert first == [imap.CommandEvent(imap.Select("a1", "\u00e9t\u00e9"))]
    receiver.enable_utf8()
    assert receiver.utf8_enabled
    second = feed(receiver, ['a2 SELECT "\u00e9t\u00e9 & co"\r\n'.encode()])
    assert second == [imap.CommandEvent(imap.Select("a2", "\u00e9t\u00e9 & co"))]


def test_constructor_validates_limits() -> None:
    with pytest.raises(ValueError):
        imap.CommandReceiver(max_literal_size=-1)
