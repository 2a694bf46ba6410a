"""Property tests: the receiver never raises, and everything round-trips."""

from __future__ import annotations

import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imap_helpers import drain

from mailcore.protocol import imap
from mailcore.protocol.imap import SequenceSet
from mailcore.protocol.imap._fetch import SIMPLE_NAMES
from mailcore.protocol.imap._lexer import Reader

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- the receiver on hostile input ----------------------------------------------

imap_ish = st.lists(
    st.one_of(
        st.binary(max_size=40),
        st.sampled_from(
            [
                b"\r\n",
                b"\n",
                b" ",
                b"{5}\r\n",
                b"{3+}\r\n",
                b"~{2}\r\n",
                b"{99999999999}\r\n",
                b"{0+}\r\n",
                b"a1 ",
                b"UID ",
                b"FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From)]<0.10>)",
                b"SEARCH OR (SEEN",
                b"APPEND INBOX (\\Seen) ",
                b"IDLE\r\n",
                b"AUTHENTICATE PLAIN\r\n",
                b"STARTTLS\r\n",
                b"DONE\r\n",
                b'"quo\\"ted"',
                b"&ZeVnLIqe-",
                b"(",
                b")",
            ]
        ),
    ),
    max_size=40,
)


@FAST
@given(
    pieces=imap_ish,
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
    actions=st.lists(st.integers(0, 4), max_size=20),
)
def test_receiver_never_raises_and_stays_bounded(
    pieces: list[bytes], cuts: list[int], actions: list[int]
) -> None:
    data = b"".join(pieces)
    receiver = imap.CommandReceiver(max_literal_size=64, max_line_length=128)
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    action = iter(actions)
    for start, stop in zip(points, points[1:], strict=False):
        receiver.receive_data(data[start:stop])
        while True:
            event = receiver.next_event()
            assert len(receiver._cmd) <= 64 + 128 + 2
            if isinstance(event, imap.NeedData):
                break
            if isinstance(event, imap.Paused):
                choice = next(action, 0)
                if choice == 0:
                    receiver.resume()
                elif choice == 1:
                    receiver.expect_idle_done()
                elif choice == 2:
                    receiver.expect_auth_line()
                else:
                    receiver.start_tls()
            elif isinstance(event, imap.ContinuationNeeded) and next(action, 0) == 4:
                receiver.reject_literal()


@FAST
@given(data=st.binary(max_size=300), chunk=st.integers(1, 50))
def test_random_bytes_only_produce_events(data: bytes, chunk: int) -> None:
    receiver = imap.CommandReceiver(max_literal_size=32, max_line_length=64)
    for i in range(0, len(data), chunk):
        receiver.receive_data(data[i : i + chunk])
        for event in drain(receiver):
            assert isinstance(
                event,
                imap.CommandEvent
                | imap.CommandError
                | imap.ContinuationNeeded
                | imap.LiteralTooLarge,
            )
        if receiver.paused:
            receiver.resume()


# -- value round trips ----------------------------------------------------------------

numbers = st.integers(min_value=1, max_value=0xFFFFFFFF)
bound = st.one_of(st.none(), numbers)
sequence_sets = st.lists(st.tuples(bound, bound), min_size=1, max_size=6).map(
    lambda pairs: SequenceSet(
        tuple((a, a) if b is None and a is not None else (a, b) for a, b in pairs)
    )
)


@FAST
@given(sequence_sets)
def test_sequence_set_round_trip(s: SequenceSet) -> None:
    assert SequenceSet.parse(str(s)) == s


@FAST
@given(
    st.lists(st.tuples(st.integers(1, 60), st.integers(1, 60)), min_size=1, max_size=5),
    st.integers(0, 60),
)
def test_resolved_membership_matches_expansion(pairs: list[tuple[int, int]], top: int) -> None:
    s = SequenceSet(tuple(pairs))
    expected = {n for a, b in pairs for n in range(min(a, b), max(a, b) + 1)}
    resolved = s.resolve(top)
    assert {n for n in range(0, 62) if n in resolved} == expected
    assert set(resolved) == expected
    assert all(s.contains(n, top) == (n in expected) for n in range(0, 62))
    assert SequenceSet.parse(imap.compact_set(sorted(expected)).decode() or "1").resolve(1) == (
        resolved if expected else SequenceSet(((1, 1),))
    )


@FAST
@given(st.text())
def test_mutf7_round_trip(name: str) -> None:
    wire = imap.encode_mutf7(name)
    assert all(0x20 <= b <= 0x7E for b in wire)
    assert imap.decode_mutf7(wire) == name


no_nul = st.binary(max_size=200).map(lambda b: b.replace(b"\x00", b""))


@FAST
@given(no_nul, st.booleans())
def test_string_round_trip_through_lexer(data: bytes, utf8: bool) -> None:
    encoded = imap.string(data, utf8=utf8)
    r = Reader(encoded + b"\r\n")
    assert r.string() == data
    r.end()
    r = Reader(imap.astring(data) + b"\r\n")
    assert r.astring() == data
    r.end()
    r = Reader(imap.literal(data) + b"\r\n")
    assert r.string() == data


@FAST
@given(st.text().filter(lambda t: "\x00" not in t and "\r" not in t and "\n" not in t))
def test_quoted_round_trip(text: str) -> None:
    assert Reader(imap.quoted(text)).quoted().decode() == text


# -- command trees: format, parse, compare ---------------------------------------------

atom_text = st.from_regex(r"[A-Za-z0-9$_.\-]{1,12}", fullmatch=True)
printable = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)
strings = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
dates = st.dates(min_value=datetime.date(1000, 1, 1))
system_flags = st.sampled_from(
    ["\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen", "\\Recent"]
)
flags = st.one_of(system_flags, atom_text, atom_text.map(lambda a: "\\" + a))

leaf_keys: st.SearchStrategy[imap.SearchKey] = st.one_of(
    st.just(imap.AllKey()),
    st.just(imap.NewKey()),
    st.builds(imap.FlagKey, system_flags, st.booleans()),
    st.builds(imap.FlagKey, atom_text, st.booleans()),
    st.builds(
        imap.TextKey,
        st.sampled_from(["BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"]),
        strings,
    ),
    st.builds(imap.HeaderKey, strings, strings),
    st.builds(
        imap.DateKey,
        st.sampled_from(["BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"]),
        dates,
    ),
    st.builds(imap.SizeKey, st.booleans(), st.integers(0, 2**63 - 1)),
    st.builds(imap.WithinKey, st.booleans(), numbers),
    st.builds(imap.SequenceKey, sequence_sets, st.booleans()),
    st.builds(imap.ModSeqKey, st.integers(0, 2**63 - 1)),
    st.builds(
        imap.ModSeqKey,
        st.integers(0, 2**63 - 1),
        st.sampled_from(["/flags/\\seen", "/flags/$junk"]),
        st.sampled_from(["priv", "shared", "all"]),
    ),
    st.builds(imap.GmailRawKey, strings),
    st.builds(imap.GmailMessageIdKey, st.integers(0, 2**64 - 1)),
    st.builds(imap.GmailThreadIdKey, st.integers(0, 2**64 - 1)),
    st.builds(imap.GmailLabelKey, st.one_of(printable, atom_text.map(lambda a: "\\" + a))),
    st.builds(imap.EmailIdKey, st.from_regex(r"[A-Za-z0-9_\-]{1,30}", fullmatch=True)),
    st.builds(imap.ThreadIdKey, st.from_regex(r"[A-Za-z0-9_\-]{1,30}", fullmatch=True)),
)
search_keys = st.recursive(
    leaf_keys,
    lambda inner: st.one_of(
        st.builds(imap.NotKey, inner),
        st.builds(imap.OrKey, inner, inner),
        st.lists(inner, min_size=2, max_size=4).map(lambda ks: imap.AndKey(tuple(ks))),
    ),
    max_leaves=12,
)

parts = st.lists(st.integers(1, 0xFFFFFFFF), max_size=4).map(tuple)
field_names = st.lists(printable.filter(bool), min_size=1, max_size=4).map(tuple)


@st.composite
def body_sections(draw: st.DrawFn) -> imap.FetchBodySection:
    part = draw(parts)
    binary = draw(st.booleans())
    partial = draw(
        st.one_of(st.none(), st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 2**32 - 1)))
    )
    if binary:
        return imap.FetchBodySection(part, peek=draw(st.booleans()), binary=True, partial=partial)
    texts = ["HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT"] + (["MIME"] if part else [])
    text = draw(st.one_of(st.none(), st.sampled_from(texts)))
    fields = draw(field_names) if text and text.startswith("HEADER.FIELDS") else ()
    return imap.FetchBodySection(part, text, fields, draw(st.booleans()), False, partial)  # type: ignore[arg-type]


fetch_attributes = st.one_of(
    st.sampled_from(sorted(SIMPLE_NAMES)).map(imap.FetchItem),  # type: ignore[arg-type]
    body_sections(),
    st.builds(imap.FetchBinarySize, parts),
)
tags = st.from_regex(r"[A-Za-z0-9.]{1,8}", fullmatch=True)


@st.composite
def fetches(draw: st.DrawFn) -> imap.Fetch:
    uid = draw(st.booleans())
    changed = draw(st.one_of(st.none(), st.integers(1, 2**63 - 1)))
    return imap.Fetch(
        draw(tags),
        draw(sequence_sets),
        tuple(draw(st.lists(fetch_attributes, min_size=1, max_size=5))),
        uid,
        changed,
        uid and changed is not None and draw(st.booleans()),
    )


@st.composite
def stores(draw: st.DrawFn) -> imap.Store:
    item = draw(st.sampled_from(["FLAGS", "X-GM-LABELS"]))
    value = flags if item == "FLAGS" else st.one_of(printable, atom_text.map(lambda a: "\\" + a))
    return imap.Store(
        draw(tags),
        draw(sequence_sets),
        draw(st.sampled_from(["replace", "add", "remove"])),
        tuple(draw(st.lists(value, max_size=4))),
        draw(st.booleans()),
        draw(st.booleans()),
        item,  # type: ignore[arg-type]
        draw(st.one_of(st.none(), st.integers(0, 2**63 - 1))),
    )


searches = st.builds(
    imap.Search,
    tags,
    search_keys,
    st.booleans(),
    st.none(),
    st.one_of(
        st.none(),
        st.lists(
            st.sampled_from(["MIN", "MAX", "ALL", "COUNT", "SAVE"]),
            min_size=1,
            max_size=5,
            unique=True,
        ).map(tuple),
    ),
)


def _parse_back(wire: bytes) -> imap.Command:
    receiver = imap.CommandReceiver(max_literal_size=1 << 20, max_line_length=1 << 20)
    receiver.receive_data(wire)
    events = [e for e in drain(receiver) if not isinstance(e, imap.ContinuationNeeded)]
    assert len(events) == 1, (wire, events)
    assert isinstance(events[0], imap.CommandEvent), (wire, events)
    return events[0].command


def _strip_charset(command: imap.Command) -> imap.Command:
    if isinstance(command, imap.Search):
        return imap.Search(command.tag, command.key, command.uid, None, command.return_options)
    return command


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(fetches(), stores(), searches))
def test_command_round_trip(command: imap.Command) -> None:
    wire = imap.format_command(command)
    assert _strip_charset(_parse_back(wire)) == command


@FAST
@given(st.lists(fetches(), min_size=1, max_size=4), st.data())
def test_chunking_does_not_change_events(commands: list[imap.Fetch], data: st.DataObject) -> None:
    wire = b"".join(imap.format_command(c) for c in commands)
    size = data.draw(st.integers(1, 64))
    receiver = imap.CommandReceiver(max_literal_size=1 << 20, max_line_length=1 << 20)
    events = []
    for i in range(0, len(wire), size):
        receiver.receive_data(wire[i : i + size])
        events += [e for e in drain(receiver) if not isinstance(e, imap.ContinuationNeeded)]
    assert events == [imap.CommandEvent(c) for c in commands]
