"""Helpers shared by the IMAP codec tests (a uniquely named module, not a conftest)."""

from __future__ import annotations

from collections.abc import Iterable

from mailcore.protocol import imap


def drain(receiver: imap.CommandReceiver) -> list[imap.Event]:
    """Every event up to NEED_DATA or PAUSED (those excluded)."""
    events: list[imap.Event] = []
    while True:
        event = receiver.next_event()
        if isinstance(event, imap.NeedData | imap.Paused):
            return events
        events.append(event)


def feed(receiver: imap.CommandReceiver, chunks: Iterable[bytes]) -> list[imap.Event]:
    events: list[imap.Event] = []
    for chunk in chunks:
        receiver.receive_data(chunk)
        events.extend(drain(receiver))
    return events


def parse_one(line: bytes, *, utf8: bool = False) -> imap.Command:
    """Parse one command, sending continuations as a server would."""
    receiver = imap.CommandReceiver(max_literal_size=1 << 20, utf8_enabled=utf8)
    events = [e for e in feed(receiver, [line]) if not isinstance(e, imap.ContinuationNeeded)]
    assert len(events) == 1, events
    event = events[0]
    assert isinstance(event, imap.CommandEvent), event
    return event.command


def parse_error(line: bytes) -> imap.CommandError:
    receiver = imap.CommandReceiver(max_literal_size=1 << 20)
    events = [e for e in feed(receiver, [line]) if not isinstance(e, imap.ContinuationNeeded)]
    assert len(events) == 1, events
    event = events[0]
    assert isinstance(event, imap.CommandError), event
    return event
