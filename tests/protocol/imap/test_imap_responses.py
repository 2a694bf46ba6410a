"""Server responses, byte for byte, and the FETCH hot path."""

from __future__ import annotations

import datetime
import time

import pytest

from mailcore.protocol import imap


def test_tagged_and_codes() -> None:
    assert imap.tagged("a1", "OK", "SELECT completed", "READ-WRITE") == (
        b"a1 OK [READ-WRITE] SELECT completed\r\n"
    )
    assert imap.tagged("a2", "NO", "Mailbox does not exist", "TRYCREATE") == (
        b"a2 NO [TRYCREATE] Mailbox does not exist\r\n"
    )
    assert imap.tagged("a3", "OK", "APPEND completed", imap.code_appenduid(38505, [3955])) == (
        b"a3 OK [APPENDUID 38505 3955] APPEND completed\r\n"
    )
    assert (
        imap.tagged(
            "a4", "OK", "Done", imap.code_copyuid(38505, [304, 319, 320], [3956, 3957, 3958])
        )
        == b"a4 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n"
    )
    assert imap.tagged("a5", "BAD", "line\r\nbreak") == b"a5 BAD line break\r\n"
    assert imap.tagged("a6", "NO", "Too big", "TOOBIG") == b"a6 NO [TOOBIG] Too big\r\n"
    assert imap.code_uidnext(4392) == b"UIDNEXT 4392"
    assert imap.code_uidvalidity(3857529045) == b"UIDVALIDITY 3857529045"
    assert imap.code_unseen(12) == b"UNSEEN 12"
    assert imap.code_highestmodseq(715194045007) == b"HIGHESTMODSEQ 715194045007"
    assert imap.code_modified([7, 9, 8]) == b"MODIFIED 7:9"
    assert imap.code_permanentflags(["\\Deleted", "\\Seen"]) == (
        b"PERMANENTFLAGS (\\Deleted \\Seen \\*)"
    )
    assert imap.code_capability(["IMAP4rev2", "IDLE"]) == b"CAPABILITY IMAP4rev2 IDLE"
    assert imap.code_badcharset() == b"BADCHARSET (UTF-8 US-ASCII)"
    with pytest.raises(ValueError):
        imap.tagged("a7", "BYE", "nope")  # type: ignore[arg-type]


def test_untagged_conditions() -> None:
    assert imap.untagged_condition("OK", "UIDs valid", imap.code_uidvalidity(3857529045)) == (
        b"* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
    )
    assert imap.untagged_condition("OK", "Still here", "CLOSED") == b"* OK [CLOSED] Still here\r\n"
    assert imap.bye() == b"* BYE Logging out\r\n"
    assert imap.greeting(capabilities=["IMAP4rev2"]) == (
        b"* OK [CAPABILITY IMAP4rev2] mailcore ready\r\n"
    )
    assert imap.greeting("hi", preauth=True) == b"* PREAUTH hi\r\n"
    assert imap.continuation() == b"+ Ready\r\n"
    assert imap.continuation(b"") == b"+ \r\n"
    assert imap.untagged(b"3 RECENT") == b"* 3 RECENT\r\n"


def test_mailbox_data() -> None:
    assert imap.exists(172) == b"* 172 EXISTS\r\n"
    assert imap.recent(1) == b"* 1 RECENT\r\n"
    assert imap.expunge(3) == b"* 3 EXPUNGE\r\n"
    assert imap.vanished([41, 43, 44, 45], earlier=True) == b"* VANISHED (EARLIER) 41,43:45\r\n"
    assert imap.vanished(imap.SequenceSet.parse("1:3")) == b"* VANISHED 1:3\r\n"
    assert imap.flags_response(["\\Answered", "\\Seen"]) == b"* FLAGS (\\Answered \\Seen)\r\n"
    assert imap.capability_response(["IMAP4rev1", "IMAP4rev2", "LITERAL+"]) == (
        b"* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+\r\n"
    )
    assert imap.enabled_response(["CONDSTORE"]) == b"* ENABLED CONDSTORE\r\n"
    assert imap.enabled_response([]) == b"* ENABLED\r\n"


def test_list_and_status() -> None:
    assert imap.list_response(["\\HasNoChildren", "\\Sent"], "/", "Sent") == (
        b'* LIST (\\HasNoChildren \\Sent) "/" "Sent"\r\n'
    )
    assert imap.list_response([], None, "\u65e5\u672c\u8a9e") == b'* LIST () NIL "&ZeVnLIqe-"\r\n'
    assert imap.list_response([], "/", "\u00e9", utf8=True) == b'* LIST () "/" "\xc3\xa9"\r\n'
    assert imap.list_response(["\\NonExistent"], "/", "Foo", childinfo=["SUBSCRIBED"]) == (
        b'* LIST (\\NonExistent) "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))\r\n'
    )
    assert imap.list_response([], "/", "New", oldname="Old") == (
        b'* LIST () "/" "New" ("OLDNAME" ("Old"))\r\n'
    )
    assert imap.list_response([], "/", "News", command="LSUB") == b'* LSUB () "/" "News"\r\n'
    assert imap.list_response([], "\\", "x") == b'* LIST () "\\\\" "x"\r\n'
    assert imap.status_response("INBOX", {"MESSAGES": 231, "UIDNEXT": 44292}) == (
        b'* STATUS "INBOX" (MESSAGES 231 UIDNEXT 44292)\r\n'
    )
    assert imap.status_response("a", [("UNSEEN", 0)]) == b'* STATUS "a" (UNSEEN 0)\r\n'


def test_search_responses() -> None:
    assert imap.search_response([2, 84, 882]) == b"* SEARCH 2 84 882\r\n"
    assert imap.search_response([], modseq=5) == b"* SEARCH\r\n"
    assert imap.search_response([2, 10], modseq=917162500) == (
        b"* SEARCH 2 10 (MODSEQ 917162500)\r\n"
    )
    assert imap.esearch_response("x", uid=True, min=1, count=3, all=[1, 2, 3]) == (
        b'* ESEARCH (TAG "x") UID MIN 1 COUNT 3 ALL 1:3\r\n'
    )
    assert imap.esearch_response("y", count=0, all=[]) == b'* ESEARCH (TAG "y") COUNT 0\r\n'
    assert imap.esearch_response(min=1, max=9, modseq=7) == b"* ESEARCH MIN 1 MAX 9 MODSEQ 7\r\n"


def test_id_namespace_quota() -> None:
    assert imap.id_response({"name": "mailcore", "version": None}) == (
        b'* ID ("name" "mailcore" "version" NIL)\r\n'
    )
    assert imap.id_response(None) == b"* ID NIL\r\n"
    assert imap.namespace_response([("", "/")]) == b'* NAMESPACE (("" "/")) NIL NIL\r\n'
    assert imap.namespace_response([("", "/")], [("~", "/")], [("#shared/", "/")]) == (
        b'* NAMESPACE (("" "/")) (("~" "/")) (("#shared/" "/"))\r\n'
    )
    assert imap.quotaroot_response("INBOX", [""]) == b'* QUOTAROOT "INBOX" ""\r\n'
    assert imap.quota_response("", [("STORAGE", 10, 512)]) == b'* QUOTA "" (STORAGE 10 512)\r\n'


def test_fetch_response() -> None:
    when = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)
    line = imap.fetch_response(
        12,
        [
            (b"UID", b"4827"),
            (b"FLAGS", imap.flag_list(("\\Seen",))),
            (b"INTERNALDATE", imap.imap_datetime(when)),
            (b"RFC822.SIZE", b"44827"),
            (b"BODY[HEADER.FIELDS (SUBJECT)]", imap.nstring(b"Subject: hi\r\n\r\n")),
        ],
    )
    assert line == (
        b'* 12 FETCH (UID 4827 FLAGS (\\Seen) INTERNALDATE "25-Nov-2026 12:00:00 +0000"'
        b" RFC822.SIZE 44827 BODY[HEADER.FIELDS (SUBJECT)] {15}\r\nSubject: hi\r\n\r\n)\r\n"
    )
    assert imap.fetch_response(1, []) == b"* 1 FETCH ()\r\n"


def test_fetch_hot_path_is_fast() -> None:
    """10,000 x FETCH (FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)."""
    envelope = (
        b'("Wed, 25 Nov 2026 10:00:00 +0000" "Quarterly report" (("Alice" NIL "alice"'
        b' "example.org")) (("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice"'
        b' "example.org")) (("Bob" NIL "bob" "example.org")) NIL NIL NIL "<1@example.org>")'
    )
    bodystructure = (
        b'(("TEXT" "PLAIN" ("CHARSET" "UTF-8") NIL NIL "7BIT" 1152 23 NIL NIL NIL NIL)'
        b'("APPLICATION" "PDF" ("NAME" "r.pdf") NIL NIL "BASE64" 4554 NIL ("ATTACHMENT"'
        b' ("FILENAME" "r.pdf")) NIL NIL) "MIXED" ("BOUNDARY" "b1") NIL NIL NIL)'
    )
    cmd = imap.parse_command(
        b"a1 FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)\r\n"
    )
    assert isinstance(cmd, imap.Fetch)
    names = [a.response_name for a in cmd.attributes]
    when = imap.imap_datetime(datetime.datetime(2026, 11, 25, 10, 0))
    flag_sets = [("\\Seen",), ("\\Seen", "\\Answered"), ()]
    start = time.process_time()
    out = []
    for seq in range(1, 10_001):
        values = (
            imap.flag_list(flag_sets[seq % 3]),
            envelope,
            bodystructure,
            b"%d" % (4000 + seq),
            when,
        )
        out.append(imap.fetch_response(seq, zip(names, values, strict=True)))
    payload = b"".join(out)
    elapsed = time.process_time() - start
    assert payload.count(b" FETCH (") == 10_000
    assert elapsed < 0.5, elapsed  # typically ~20 ms; generous for slow CI
