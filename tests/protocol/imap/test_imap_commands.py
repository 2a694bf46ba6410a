"""Transcripts: command lines as real clients send them, and what they parse to."""

from __future__ import annotations

import datetime

import pytest
from imap_helpers import parse_error, parse_one

from mailcore.protocol import imap
from mailcore.protocol.imap import SequenceSet

UTC = datetime.UTC


def seq(text: str) -> SequenceSet:
    return SequenceSet.parse(text)


# -- Thunderbird ---------------------------------------------------------------


def test_thunderbird_header_fetch() -> None:
    cmd = parse_one(
        b"a1 UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc"
        b" Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To"
        b" Content-Type Reply-To)])\r\n"
    )
    assert isinstance(cmd, imap.Fetch)
    assert cmd.uid and cmd.tag == "a1"
    assert cmd.sequence_set == SequenceSet(((1, None),))
    uid, size, flags, section = cmd.attributes
    assert uid == imap.FetchItem("UID")
    assert size == imap.FetchItem("RFC822.SIZE")
    assert flags == imap.FetchItem("FLAGS")
    assert isinstance(section, imap.FetchBodySection)
    assert section.peek and section.text == "HEADER.FIELDS"
    assert section.fields[0] == "From" and section.fields[-1] == "Reply-To"
    assert section.response_name.startswith(b"BODY[HEADER.FIELDS (From To Cc")
    assert section.response_name.endswith(b"Reply-To)]")


def test_thunderbird_session_lines() -> None:
    assert parse_one(b"1 capability\r\n") == imap.Capability("1")
    assert parse_one(b"2 authenticate PLAIN\r\n") == imap.Authenticate("2", "PLAIN")
    assert parse_one(b'3 ID ("name" "Thunderbird" "version" "128.5.0")\r\n') == imap.Id(
        "3", (("name", "Thunderbird"), ("version", "128.5.0"))
    )
    assert parse_one(b"4 enable CONDSTORE QRESYNC\r\n") == imap.Enable(
        "4", ("CONDSTORE", "QRESYNC")
    )
    assert parse_one(b'5 list (SUBSCRIBED) "" "*" RETURN (SPECIAL-USE)\r\n') == imap.List(
        "5",
        "",
        ("*",),
        frozenset({"SUBSCRIBED"}),
        frozenset({"SPECIAL-USE"}),
        None,
        True,
    )
    assert parse_one(b'6 select "INBOX" (CONDSTORE)\r\n') == imap.Select("6", "INBOX", True)
    assert parse_one(b"7 UID fetch 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n") == imap.Fetch(
        "7", seq("1:*"), (imap.FetchItem("FLAGS"),), True, 12345
    )
    assert parse_one(b"8 IDLE\r\n") == imap.Idle("8")
    cmd = parse_one(b"9 UID fetch 4321 (UID RFC822.SIZE BODY.PEEK[])\r\n")
    assert isinstance(cmd, imap.Fetch)
    assert cmd.attributes[2] == imap.FetchBodySection(peek=True)
    assert cmd.attributes[2].response_name == b"BODY[]"
    assert parse_one(b"10 uid store 4321 +Flags (\\Seen)\r\n") == imap.Store(
        "10", seq("4321"), "add", ("\\Seen",), uid=True
    )
    assert parse_one(b'11 uid move 17 "Archives/2026"\r\n') == imap.Move(
        "11", seq("17"), "Archives/2026", uid=True
    )
    assert parse_one(b"12 UID EXPUNGE 17:19\r\n") == imap.Expunge("12", True, seq("17:19"))
    assert parse_one(b'13 getquotaroot "INBOX"\r\n') == imap.GetQuotaRoot("13", "INBOX")


def test_qresync_select() -> None:
    cmd = parse_one(
        b"A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541"
        b" (1:9,10 41,43:51)))\r\n"
    )
    assert cmd == imap.Select(
        "A02",
        "INBOX",
        False,
        imap.QResync(
            67890007, 20050715194045000, seq("41,43:211,214:541"), seq("1:9,10"), seq("41,43:51")
        ),
    )
    assert parse_one(b"A03 EXAMINE inbox (QRESYNC (1 2))\r\n") == imap.Examine(
        "A03", "INBOX", False, imap.QResync(1, 2)
    )
    assert parse_one(b"A04 EXAMINE inbox (CONDSTORE QRESYNC (1 2 (1 5)))\r\n") == imap.Examine(
        "A04", "INBOX", True, imap.QResync(1, 2, None, seq("1"), seq("5"))
    )


# -- mutt -------------------------------------------------------------------------


def test_mutt_lines() -> None:
    assert parse_one(b'a0000 LOGIN "alice" "pa ss\\"word"\r\n') == imap.Login(
        "a0000", "alice", 'pa ss"word'
    )
    assert parse_one(b'a0002 LIST "" "*"\r\n') == imap.List("a0002", "", ("*",))
    assert parse_one(b'a0003 LSUB "" "*"\r\n') == imap.Lsub("a0003", "", "*")
    cmd = parse_one(
        b"a0005 FETCH 1:3 (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS"
        b" (DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE"
        b" CONTENT-DESCRIPTION IN-REPLY-TO REPLY-TO LINES LIST-POST X-LABEL X-ORIGINAL-TO)])\r\n"
    )
    assert isinstance(cmd, imap.Fetch) and not cmd.uid
    assert parse_one(b"a0006 UID STORE 5 +FLAGS.SILENT (\\Deleted)\r\n") == imap.Store(
        "a0006", seq("5"), "add", ("\\Deleted",), uid=True, silent=True
    )
    assert parse_one(b'a0007 STATUS "INBOX" (MESSAGES RECENT UNSEEN)\r\n') == imap.Status(
        "a0007", "INBOX", ("MESSAGES", "RECENT", "UNSEEN")
    )
    assert parse_one(b'a0008 UID COPY 1,3:5 "Trash"\r\n') == imap.Copy(
        "a0008", seq("1,3:5"), "Trash", uid=True
    )
    assert parse_one(b"a0009 EXPUNGE\r\n") == imap.Expunge("a0009")
    assert parse_one(b"a0010 CLOSE\r\n") == imap.Close("a0010")
    assert parse_one(b"a0011 LOGOUT\r\n") == imap.Logout("a0011")


# -- mbsync / offlineimap -----------------------------------------------------------


def test_mbsync_lines() -> None:
    cmd = parse_one(b"6 UID FETCH 1:1000000000 (UID FLAGS)\r\n")
    assert isinstance(cmd, imap.Fetch)
    assert cmd.sequence_set == SequenceSet(((1, 1000000000),))
    cmd = parse_one(b"7 UID FETCH 42 (BODY.PEEK[HEADER.FIELDS (X-TUID)])\r\n")
    assert isinstance(cmd, imap.Fetch)
    assert cmd.attributes[0] == imap.FetchBodySection(
        text="HEADER.FIELDS", fields=("X-TUID",), peek=True
    )
    cmd = parse_one(b"8 UID SEARCH HEADER X-TUID 0a1b2c3d\r\n")
    assert cmd == imap.Search("8", imap.HeaderKey("X-TUID", "0a1b2c3d"), uid=True)
    assert parse_one(b'9 CREATE "Archive/2026"\r\n') == imap.Create("9", "Archive/2026")


def test_offlineimap_lines() -> None:
    cmd = parse_one(b"EKAI5 FETCH 1:* (FLAGS UID INTERNALDATE)\r\n")
    assert isinstance(cmd, imap.Fetch)
    cmd = parse_one(b"EKAI6 UID SEARCH (HEADER X-OfflineIMAP 12345-67890)\r\n")
    assert cmd == imap.Search("EKAI6", imap.HeaderKey("X-OfflineIMAP", "12345-67890"), uid=True)
    cmd = parse_one(b"EKAI7 SEARCH SINCE 01-Nov-2026\r\n")
    assert cmd == imap.Search("EKAI7", imap.DateKey("SINCE", datetime.date(2026, 11, 1)))


# -- Apple Mail ------------------------------------------------------------------


def test_apple_mail_lines() -> None:
    cmd = parse_one(b"3.123 UID FETCH 1:* (FLAGS UID) (CHANGEDSINCE 1 VANISHED)\r\n")
    assert cmd == imap.Fetch(
        "3.123", seq("1:*"), (imap.FetchItem("FLAGS"), imap.FetchItem("UID")), True, 1, True
    )
    cmd = parse_one(
        b"6.101 UID FETCH 72 (BODYSTRUCTURE BODY.PEEK[HEADER] BODY.PEEK[1.MIME]<0.2000>)\r\n"
    )
    assert isinstance(cmd, imap.Fetch)
    _, header, mime = cmd.attributes
    assert header == imap.FetchBodySection(text="HEADER", peek=True)
    assert mime == imap.FetchBodySection((1,), "MIME", peek=True, partial=(0, 2000))
    assert isinstance(mime, imap.FetchBodySection)
    assert mime.response_name == b"BODY[1.MIME]<0>"
    cmd = parse_one(b'7.1 LIST "" "" \r\n'.replace(b" \r\n", b"\r\n"))
    assert cmd == imap.List("7.1", "", ("",))
    cmd = parse_one(b"8.2 NAMESPACE\r\n")
    assert cmd == imap.Namespace("8.2")


# -- K-9 ----------------------------------------------------------------------------


def test_k9_lines() -> None:
    cmd = parse_one(b"13 UID SEARCH 1:* NOT DELETED\r\n")
    assert cmd == imap.Search(
        "13",
        imap.AndKey((imap.SequenceKey(seq("1:*")), imap.NotKey(imap.FlagKey("\\Deleted")))),
        uid=True,
    )
    cmd = parse_one(
        b"14 UID FETCH 5 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS "
        b"(date subject from content-type to cc reply-to message-id references "
        b"in-reply-to X-K9mail-Identity Chat-Version)])\r\n"
    )
    assert isinstance(cmd, imap.Fetch)
    cmd = parse_one(b"15 UID FETCH 5 (UID RFC822.SIZE BODY.PEEK[1]<0.4096>)\r\n")
    assert isinstance(cmd, imap.Fetch)
    assert cmd.attributes[2] == imap.FetchBodySection((1,), peek=True, partial=(0, 4096))
    cmd = parse_one(b'16 UID SEARCH CHARSET utf-8 OR OR FROM "k\xc3\xb6nig" TO k SUBJECT k\r\n')
    assert isinstance(cmd, imap.Search)
    assert cmd.charset == "UTF-8"
    assert cmd.key == imap.OrKey(
        imap.OrKey(imap.TextKey("FROM", "k\u00f6nig"), imap.TextKey("TO", "k")),
        imap.TextKey("SUBJECT", "k"),
    )


# -- the brief's examples and the rest of the grammar ----------------------------------


def test_search_return_all_since() -> None:
    cmd = parse_one(b"3 UID SEARCH RETURN (ALL) UNDELETED SINCE 1-Nov-2026\r\n")
    assert cmd == imap.Search(
        "3",
        imap.AndKey(
            (imap.FlagKey("\\Deleted", False), imap.DateKey("SINCE", datetime.date(2026, 11, 1)))
        ),
        uid=True,
        return_options=("ALL",),
    )
    cmd = parse_one(b"4 SEARCH RETURN () SEEN\r\n")
    assert isinstance(cmd, imap.Search) and cmd.return_options == ("ALL",)
    cmd = parse_one(b"5 SEARCH RETURN (MIN MAX COUNT SAVE) UNSEEN\r\n")
    assert isinstance(cmd, imap.Search)
    assert cmd.return_options == ("MIN", "MAX", "COUNT", "SAVE")


def test_every_search_key() -> None:
    line = (
        b"t SEARCH ALL ANSWERED BCC b BEFORE 1-Jan-2026 BODY x CC c DELETED DRAFT FLAGGED"
        b' FROM f HEADER Subject "" KEYWORD $Junk LARGER 10 NEW NOT SEEN OLD ON "2-Feb-2026"'
        b" OR SEEN FLAGGED RECENT SEEN SENTBEFORE 3-Mar-2026 SENTON 4-Apr-2026"
        b" SENTSINCE 5-May-2026 SINCE 6-Jun-2026 SMALLER 20 SUBJECT s TEXT t TO t2 UID 1:5"
        b" UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $Seen UNSEEN 2,4:* $"
        b' (SEEN UNSEEN) MODSEQ 5 MODSEQ "/flags/\\\\draft" all 620162338'
        b' X-GM-RAW "has:attachment in:unread" X-GM-MSGID 1278455344230334865'
        b" X-GM-THRID 1266894439832287888 X-GM-LABELS \\Important X-GM-LABELS work"
        b" OLDER 3600 YOUNGER 60 EMAILID M6d99ac3275bb4e THREADID T64b478a75b7ea9\r\n"
    )
    cmd = parse_one(line)
    assert isinstance(cmd, imap.Search)
    assert isinstance(cmd.key, imap.AndKey)
    keys = cmd.key.keys
    assert keys[0] == imap.AllKey()
    assert imap.HeaderKey("Subject", "") in keys
    assert imap.FlagKey("$Junk") in keys and imap.FlagKey("$Seen", False) in keys
    assert imap.NewKey() in keys
    assert imap.FlagKey("\\Recent", False) in keys  # OLD
    assert imap.OrKey(imap.FlagKey("\\Seen"), imap.FlagKey("\\Flagged")) in keys
    assert imap.SequenceKey(seq("1:5"), uid=True) in keys
    assert imap.SequenceKey(SequenceSet(saved=True)) in keys
    assert imap.ModSeqKey(5) in keys
    assert imap.ModSeqKey(620162338, "/flags/\\draft", "all") in keys
    assert imap.GmailRawKey("has:attachment in:unread") in keys
    assert imap.GmailMessageIdKey(1278455344230334865) in keys
    assert imap.GmailThreadIdKey(1266894439832287888) in keys
    assert imap.GmailLabelKey("\\Important") in keys and imap.GmailLabelKey("work") in keys
    assert imap.WithinKey(True, 3600) in keys and imap.WithinKey(False, 60) in keys
    assert imap.EmailIdKey("M6d99ac3275bb4e") in keys
    assert imap.SizeKey(True, 10) in keys and imap.SizeKey(False, 20) in keys
    assert imap.DateKey("ON", datetime.date(2026, 2, 2)) in keys


def test_search_charset_literal_and_errors() -> None:
    cmd = parse_one(
        b"A284 SEARCH CHARSET ISO-8859-1 SUBJECT {4}\r\nf\xf6\xf6\r\n\r\n".replace(
            b"{4}", b"{3}"
        ).replace(b"\r\n\r\n", b"\r\n")
    )
    assert cmd == imap.Search(
        "A284", imap.TextKey("SUBJECT", "f\u00f6\u00f6"), charset="ISO-8859-1"
    )
    error = parse_error(b"A285 SEARCH CHARSET X-NOPE SUBJECT x\r\n")
    assert error.kind == "NO" and error.code == "BADCHARSET (UTF-8 US-ASCII)"
    assert parse_error(b"A286 SEARCH BOGUS\r\n").kind == "BAD"
    assert parse_error(b"A287 SEARCH\r\n").tag == "A287"
    assert parse_error(b"A288 SEARCH (SEEN\r\n").kind == "BAD"
    assert parse_error(b"A289 SEARCH SINCE 31-Feb-2026\r\n").kind == "BAD"
    assert parse_error(b"A290 SEARCH 0:4\r\n").kind == "BAD"


def test_fetch_macros_and_sections() -> None:
    fast = parse_one(b"f1 FETCH 1 FAST\r\n")
    assert isinstance(fast, imap.Fetch)
    assert [a.response_name for a in fast.attributes] == [b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE"]
    full = parse_one(b"f2 FETCH 1 full\r\n")
    assert isinstance(full, imap.Fetch) and len(full.attributes) == 5
    every = parse_one(
        b"f3 FETCH 1:2 (ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT"
        b" BODY BODYSTRUCTURE UID MODSEQ SAVEDATE EMAILID THREADID X-GM-MSGID X-GM-THRID"
        b" X-GM-LABELS BODY[] BODY[TEXT] BODY[1.2.TEXT] BODY[2.HEADER]"
        b" BODY[HEADER.FIELDS.NOT (Received)] BODY[3.MIME] BINARY[1.2] BINARY.PEEK[1]<10.20>"
        b" BINARY.SIZE[1] BINARY[])\r\n"
    )
    assert isinstance(every, imap.Fetch)
    names = [a.response_name for a in every.attributes]
    assert names[17:] == [
        b"BODY[]",
        b"BODY[TEXT]",
        b"BODY[1.2.TEXT]",
        b"BODY[2.HEADER]",
        b"BODY[HEADER.FIELDS.NOT (Received)]",
        b"BODY[3.MIME]",
        b"BINARY[1.2]",
        b"BINARY[1]<10>",
        b"BINARY.SIZE[1]",
        b"BINARY[]",
    ]
    single = parse_one(b"f4 UID FETCH 1 BODY.PEEK[]\r\n")
    assert isinstance(single, imap.Fetch) and len(single.attributes) == 1
    for bad in (
        b"f5 FETCH 1 (BODY[MIME])\r\n",
        b"f6 FETCH 1 (BODY.PEEK)\r\n",
        b"f7 FETCH 1 (NOPE)\r\n",
        b"f8 FETCH 1 (FLAGS) (VANISHED)\r\n",
        b"f9 FETCH 1 (BODY[]<0>)\r\n",
        b"f10 FETCH 0 FLAGS\r\n",
        b"f11 FETCH 1 (BINARY[TEXT])\r\n",
        b"f12 FETCH 1 (FLAGS\r\n",
    ):
        assert parse_error(bad).kind == "BAD", bad


def test_store_variants() -> None:
    assert parse_one(b"s1 STORE 2:4 FLAGS (\\Deleted \\Seen)\r\n") == imap.Store(
        "s1", seq("2:4"), "replace", ("\\Deleted", "\\Seen")
    )
    assert parse_one(b"s2 STORE 1 -flags.silent \\Flagged $Label1\r\n") == imap.Store(
        "s2", seq("1"), "remove", ("\\Flagged", "$Label1"), silent=True
    )
    assert parse_one(
        b"s3 UID STORE 7 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)\r\n"
    ) == (
        imap.Store(
            "s3",
            seq("7"),
            "add",
            ("\\Deleted",),
            uid=True,
            silent=True,
            unchanged_since=12121230045,
        )
    )
    assert parse_one(b'a011 STORE 1 +X-GM-LABELS (\\Inbox "My Label" foo)\r\n') == imap.Store(
        "a011", seq("1"), "add", ("\\Inbox", "My Label", "foo"), item="X-GM-LABELS"
    )
    assert parse_one(b"s5 STORE 1 FLAGS ()\r\n") == imap.Store("s5", seq("1"), "replace", ())
    assert parse_error(b"s6 STORE 1 FLAGZ (\\Seen)\r\n").kind == "BAD"


def test_mailbox_commands_and_utf7() -> None:
    assert parse_one(b"c1 CREATE Drafts (USE (\\Drafts))\r\n") == imap.Create(
        "c1", "Drafts", ("\\Drafts",)
    )
    assert parse_one(b"c2 CREATE &ZeVnLIqe-\r\n") == imap.Create("c2", "\u65e5\u672c\u8a9e")
    assert parse_one(b'c3 RENAME "Old" {3}\r\nNew\r\n') == imap.Rename("c3", "Old", "New")
    assert parse_one(b'c4 DELETE "R&-D"\r\n') == imap.Delete("c4", "R&D")
    assert parse_one(b"c5 SUBSCRIBE iNbOx\r\n") == imap.Subscribe("c5", "INBOX")
    assert parse_one(b"c6 UNSUBSCRIBE news\r\n") == imap.Unsubscribe("c6", "news")
    assert parse_error(b"c7 CREATE R&D\r\n").kind == "BAD"
    # UTF8=ACCEPT: names are UTF-8 and an "&" means itself
    assert parse_one('c8 CREATE "R&D \u65e5"\r\n'.encode(), utf8=True) == imap.Create(
        "c8", "R&D \u65e5"
    )


def test_list_extended() -> None:
    cmd = parse_one(b'l1 LIST "" "*" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n')
    assert cmd == imap.List(
        "l1",
        "",
        ("*",),
        frozenset(),
        frozenset({"SPECIAL-USE", "STATUS"}),
        ("MESSAGES", "UNSEEN"),
        True,
    )
    cmd = parse_one(
        b'l2 LIST (REMOTE SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" %/Sent) RETURN (CHILDREN)\r\n'
    )
    assert cmd == imap.List(
        "l2",
        "",
        ("INBOX", "%/Sent"),
        frozenset({"REMOTE", "SUBSCRIBED", "RECURSIVEMATCH"}),
        frozenset({"CHILDREN"}),
        None,
        True,
    )
    assert parse_one(b'l3 LIST () "" %\r\n') == imap.List("l3", "", ("%",), extended=True)
    assert parse_one(b'l4 LIST "~/Mail/" "%"\r\n') == imap.List("l4", "~/Mail/", ("%",))
    assert parse_error(b'l5 LIST (RECURSIVEMATCH) "" "*"\r\n').kind == "BAD"
    assert parse_error(b'l6 LIST (BOGUS) "" "*"\r\n').kind == "BAD"
    assert parse_error(b'l7 LIST "" "*" RETURN (STATUS (BOGUS))\r\n').kind == "BAD"


def test_append_variants() -> None:
    assert parse_one(
        b'p1 APPEND "Sent" (\\Seen) "25-Nov-2026 10:00:00 +0000" {5}\r\nhello\r\n'
    ) == (
        imap.Append(
            "p1",
            "Sent",
            (
                imap.AppendMessage(
                    b"hello", ("\\Seen",), datetime.datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
                ),
            ),
        )
    )
    cmd = parse_one(b"p2 APPEND INBOX {3+}\r\nabc\r\n")
    assert cmd == imap.Append("p2", "INBOX", (imap.AppendMessage(b"abc"),))
    cmd = parse_one(b'p3 APPEND Drafts " 5-Jul-2026 09:08:07 -0130" ~{4}\r\na\x00bc\r\n')
    assert isinstance(cmd, imap.Append)
    message = cmd.messages[0]
    assert message.binary and message.data == b"a\x00bc"
    assert message.internal_date is not None
    assert message.internal_date.utcoffset() == -datetime.timedelta(hours=1, minutes=30)
    cmd = parse_one(b"p4 APPEND INBOX UTF8 (~{2}\r\nhi)\r\n")
    assert cmd == imap.Append("p4", "INBOX", (imap.AppendMessage(b"hi", binary=True, utf8=True),))
    assert parse_error(b"p5 APPEND INBOX {3}\r\na\x00c\r\n").kind == "BAD"
    assert (
        parse_error(b'p6 APPEND INBOX (\\Seen) "31-Nov-2026 10:00:00 +0000" {1}\r\n').kind == "BAD"
    )


def test_multiappend() -> None:
    cmd = parse_one(
        b"m1 APPEND Archive (\\Seen) {3}\r\none {3+}\r\ntwo"
        b' (\\Flagged) "1-Jan-2026 00:00:00 +0000" {5}\r\nthree\r\n'
    )
    assert isinstance(cmd, imap.Append)
    assert [m.data for m in cmd.messages] == [b"one", b"two", b"three"]
    assert [m.flags for m in cmd.messages] == [("\\Seen",), (), ("\\Flagged",)]


def test_authentication_and_misc() -> None:
    assert parse_one(b"x1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n") == imap.Authenticate(
        "x1", "PLAIN", b"\x00alice\x00secret"
    )
    assert parse_one(b"x2 AUTHENTICATE XOAUTH2 =\r\n") == imap.Authenticate("x2", "XOAUTH2", b"")
    assert parse_one(b"x3 STARTTLS\r\n") == imap.StartTLS("x3")
    assert parse_one(b"x4 ID NIL\r\n") == imap.Id("x4", None)
    assert parse_one(b'x5 ID ("name" NIL)\r\n') == imap.Id("x5", (("name", None),))
    assert parse_one(b"x6 UNSELECT\r\n") == imap.Unselect("x6")
    assert parse_one(b"x7 CHECK\r\n") == imap.Check("x7")
    assert parse_one(b"x8 NOOP\r\n") == imap.Noop("x8")
    assert parse_one(b'x9 GETQUOTA ""\r\n') == imap.GetQuota("x9", "")
    assert parse_one(b"x10 LOGIN {5}\r\nalice {6}\r\nsecret\r\n") == imap.Login(
        "x10", "alice", "secret"
    )


@pytest.mark.parametrize(
    ("line", "tag", "message"),
    [
        (b"X\r\n", None, "Invalid tag"),
        (b"a1 FROBNICATE\r\n", "a1", "Unknown command"),
        (b"a2 NOOP extra\r\n", "a2", None),
        (b"a3 UID FROB 1\r\n", "a3", None),
        (b"a4 LOGIN alice\r\n", "a4", None),
        (b"a5 SELECT\r\n", "a5", None),
        (b"a+6 NOOP\r\n", None, "Invalid tag"),
        (b'a7 LOGIN "unterminated\r\n', "a7", None),
        (b"a8 SELECT INBOX (BOGUS)\r\n", "a8", None),
        (b"a9 AUTHENTICATE PLAIN !!!\r\n", "a9", None),
        (b"a10 COPY 1:x Trash\r\n", "a10", None),
        (b"a11 UID EXPUNGE\r\n", "a11", None),
    ],
)
def test_errors(line: bytes, tag: str | None, message: str | None) -> None:
    error = parse_error(line)
    assert error.tag == tag
    assert error.kind == "BAD"
    if message is not None:
        assert error.message == message
