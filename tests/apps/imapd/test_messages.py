"""Mailboxes and messages through imaplib: LIST, STATUS, APPEND, FETCH, STORE,
COPY/MOVE, EXPUNGE, SEARCH, CONDSTORE/QRESYNC and Gmail's labels."""

from __future__ import annotations

import re

import trio

import mailcore
from tests.apps.imapd.client import RawClient, Server, call, imaps, ok
from tests.mail import message


async def _seed(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    await engine.append(bob.id, "INBOX", message("first", "alpha words here"), flags=["\\Seen"])
    await engine.append(
        bob.id,
        "INBOX",
        message("second", "beta words", sender="Dora <dora@ext.org>"),
        flags=["\\Flagged"],
    )
    await engine.append(
        bob.id,
        "INBOX",
        message("third", "gamma", attachment=("report.pdf", b"%PDF-1.4 \x00\x01 data")),
    )


async def test_list_lsub_status_and_special_use(
    server: Server, engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    with trio.fail_after(20):
        await _seed(engine, bob)
        c = await imaps(server)
        ok(await call(c.create, "Work"))
        ok(await call(c.create, "Work/Clients"))
        ok(await call(c.create, "Projects"))
        typ, _ = await call(c.create, "Projects")
        assert typ == "NO"
        lines = [x.decode() for x in ok(await call(c.list))]
        assert '(\\HasNoChildren \\Sent) "/" "Sent"' in lines
        assert '(\\HasNoChildren \\Trash) "/" "Trash"' in lines
        assert '(\\HasNoChildren \\Junk) "/" "Spam"' in lines
        assert '(\\HasNoChildren \\All) "/" "All Mail"' in lines
        assert '(\\HasNoChildren \\Drafts) "/" "Drafts"' in lines
        assert '(\\HasNoChildren) "/" "Work/Clients"' in lines
        assert '(\\HasChildren) "/" "Work"' in lines
        assert lines[0] == '(\\HasNoChildren) "/" "INBOX"'
        assert ok(await call(c.list, '""', "%/%")) == [b'(\\HasNoChildren) "/" "Work/Clients"']
        # LIST-EXTENDED + SPECIAL-USE selection, LIST-STATUS
        raw = await RawClient.connect(server)
        lines_b = await raw.ok(b'LIST (SPECIAL-USE) "" "*" RETURN (STATUS (MESSAGES UNSEEN))')
        assert b'* LIST (\\HasNoChildren \\Sent) "/" "Sent"' in lines_b
        assert not any(b'"INBOX"' in x and b"LIST" in x for x in lines_b)
        assert b'* STATUS "All Mail" (MESSAGES 3 UNSEEN 2)' in lines_b
        ok(await call(c.unsubscribe, "Projects"))
        lsub = [x.decode() for x in ok(await call(c.lsub))]
        assert not any("Projects" in x for x in lsub) and any("INBOX" in x for x in lsub)
        lines_b = await raw.ok(b'LIST (SUBSCRIBED) "" "P*"')
        assert lines_b == []
        status = ok(
            await call(
                c.status,
                "INBOX",
                "(MESSAGES UNSEEN UIDNEXT UIDVALIDITY HIGHESTMODSEQ DELETED SIZE)",
            )
        )
        assert re.match(
            rb'"INBOX" \(MESSAGES 3 UNSEEN 2 UIDNEXT 4 UIDVALIDITY \d+ HIGHESTMODSEQ \d+ DELETED 0 SIZE \d+\)',
            status[0],
        ), status
        ok(await call(c.rename, "Work", "Office"))  # children follow
        names = [x.decode() for x in ok(await call(c.list, '""', "Office/*"))]
        assert names == ['(\\HasNoChildren) "/" "Office/Clients"']
        ok(await call(c.delete, "Projects"))
        typ, _ = await call(c.delete, "INBOX")
        assert typ == "NO"


async def test_select_examine_append_fetch(
    server: Server, engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    with trio.fail_after(20):
        await _seed(engine, bob)
        c = await imaps(server)
        typ, data = await call(
            c.append, "Drafts", "(\\Seen)", '"24-Nov-2026 10:00:00 +0100"', message("draft")
        )
        assert typ == "OK" and re.match(rb"\[APPENDUID \d+ 1\]", data[0])
        typ, data = await call(c.append, "Nowhere", None, None, message("x"))
        assert typ == "NO" and b"TRYCREATE" in data[0]
        ok(await call(c.select, "INBOX", readonly=True))
        assert c.untagged_responses.get("READ-ONLY") is not None
        # EXAMINE never sets \Seen
        ok(await call(c.fetch, "2", "(BODY[TEXT])"))
        assert b"\\Seen" not in ok(await call(c.fetch, "2", "FLAGS"))[0]
        assert (await call(c.store, "1", "+FLAGS", "\\Deleted"))[0] == "NO"
        ok(await call(c.select, "INBOX"))
        data = ok(
            await call(
                c.uid, "FETCH", "1:*", "(FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)"
            )
        )
        assert len(data) == 3 and b'"first"' in data[0] and b"UID 1" in data[0]
        assert b'("APPLICATION" "PDF"' in data[2] or b'"APPLICATION" "PDF"' in data[2]
        # header fields, partial, BINARY, BINARY.SIZE, MIME, RFC822.HEADER
        data = ok(await call(c.fetch, "2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])"))
        assert data[0][1] == b"From: Dora <dora@ext.org>\r\nSubject: second\r\n\r\n"
        data = ok(
            await call(
                c.fetch, "2", "(BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT FROM DATE TO MIME-VERSION)])"
            )
        )
        assert data[0][1].startswith(b"Content-Type")
        data = ok(await call(c.fetch, "2", "(BODY.PEEK[]<0.4>)"))
        assert data[0][1] == b"From" and b"BODY[]<0>" in data[0][0]
        data = ok(await call(c.fetch, "3", "(BINARY.PEEK[2] BINARY.SIZE[2])"))
        assert data[0][1] == b"%PDF-1.4 \x00\x01 data"
        assert b"BINARY.SIZE[2] 16" in data[0][0] + data[1] if len(data) > 1 else True
        data = ok(await call(c.fetch, "3", "(BODY.PEEK[2.MIME] BODY.PEEK[1])"))
        assert b"application/pdf" in data[0][1]
        data = ok(await call(c.fetch, "1", "(RFC822.HEADER X-GM-MSGID X-GM-THRID X-GM-LABELS)"))
        assert b"X-GM-LABELS (\\Inbox)" in data[0][0] or b"X-GM-LABELS (\\Inbox)" in data[1]
        # a body fetch sets \Seen, once, and reports the new flags
        data = ok(await call(c.fetch, "3", "(BODY[1])"))
        assert b"\\Seen" in data[-1] or b"\\Seen" in data[0][0]
        assert b"\\Seen" in ok(await call(c.fetch, "3", "FLAGS"))[0]


async def test_store_copy_move_expunge(
    server: Server, engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    with trio.fail_after(20):
        await _seed(engine, bob)
        await engine.create_label(bob.id, "Work")
        c = await imaps(server)
        ok(await call(c.select, "INBOX"))
        data = ok(await call(c.store, "1:2", "+FLAGS", "(\\Answered $Label1)"))
        assert b"\\Answered" in data[0] and b"$Label1" in data[1]
        assert ok(await call(c.store, "1", "-FLAGS.SILENT", "\\Answered")) == [None]
        data = ok(await call(c.copy, "1:2", "Work"))
        assert re.search(rb"\[COPYUID \d+ 1:2 1:2\]", data[0])
        typ, data = await call(c.copy, "1", "Nope")
        assert typ == "NO" and b"TRYCREATE" in data[0]
        # MOVE out of INBOX into Work: the INBOX label goes, the message stays in Work
        ok(await call(c.uid, "MOVE", "3", "Work"))
        assert c.untagged_responses.pop("EXPUNGE") == [b"3"]
        assert len(await engine.label_uids(bob.id, "INBOX")) == 2
        assert len(await engine.label_uids(bob.id, "Work")) == 3
        # STORE \Deleted + EXPUNGE from a label only removes the label
        ok(await call(c.store, "1", "+FLAGS", "\\Deleted"))
        assert ok(await call(c.expunge)) == [b"1"]
        assert len(await engine.label_uids(bob.id, "INBOX")) == 1
        assert len(await engine.label_uids(bob.id, "All Mail")) == 3
        # UID EXPUNGE only touches the UIDs named
        ok(await call(c.select, "Work"))
        ok(await call(c.store, "1:3", "+FLAGS", "\\Deleted"))
        ok(await call(c.uid, "EXPUNGE", "3"))
        assert [u for u, _ in await engine.label_uids(bob.id, "Work")] == [1, 2]
        ok(await call(c.store, "1:2", "-FLAGS", "\\Deleted"))
        # EXPUNGE from All Mail deletes for good
        ok(await call(c.select, '"All Mail"'))
        count = len(await engine.label_uids(bob.id, "All Mail"))
        ok(await call(c.store, "1", "+FLAGS", "\\Deleted"))
        ok(await call(c.expunge))
        assert len(await engine.label_uids(bob.id, "All Mail")) == count - 1
        assert len(await engine.label_uids(bob.id, "Work")) == 1
        # X-GM-LABELS store
        ok(await call(c.select, "INBOX"))
        ok(await call(c.store, "1", "+X-GM-LABELS", "(Work \\Starred)"))
        flags = ok(await call(c.fetch, "1", "(FLAGS X-GM-LABELS)"))[0]
        assert b"\\Flagged" in flags and b"Work" in flags and b"\\Starred" in flags
        # deleting as clients do: MOVE to Trash
        ok(await call(c.uid, "MOVE", "2", "Trash"))
        assert len(await engine.label_uids(bob.id, "Trash")) == 1
        assert len(await engine.label_uids(bob.id, "INBOX")) == 0


async def test_search_and_esearch(
    server: Server, engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    with trio.fail_after(20):
        await _seed(engine, bob)
        c = await imaps(server)
        ok(await call(c.select, "INBOX"))
        assert ok(await call(c.search, None, "ALL")) == [b"1 2 3"]
        assert ok(await call(c.search, None, "UNSEEN")) == [b"2 3"]
        assert ok(await call(c.search, None, "FLAGGED")) == [b"2"]
        assert ok(await call(c.search, None, 'FROM "dora"')) == [b"2"]
        assert ok(await call(c.search, None, 'SUBJECT "THIRD"')) == [b"3"]
        assert ok(await call(c.search, None, "OR SEEN FLAGGED")) == [b"1 2"]
        assert ok(await call(c.search, None, "NOT SEEN UNFLAGGED LARGER 10")) == [b"3"]
        assert ok(await call(c.search, None, 'HEADER Content-Type "multipart"')) == [b"3"]
        assert ok(await call(c.search, None, 'HEADER Message-ID ""')) == [b""]
        assert ok(await call(c.search, None, "SENTON 24-Nov-2026")) == [b"1 2 3"]
        assert ok(await call(c.search, None, "2:3 UNSEEN")) == [b"2 3"]
        assert ok(await call(c.search, None, 'BODY "beta"')) == [b"2"]
        assert ok(await call(c.search, None, 'TEXT "gamma"')) == [b"3"]
        assert ok(await call(c.uid, "SEARCH", "UID", "2:*")) == [b"2 3"]
        assert ok(await call(c.uid, "SEARCH", "X-GM-RAW", '"has:attachment"')) == [b"3"]
        assert ok(await call(c.search, None, "X-GM-RAW", '"from:dora"')) == [b"2"]
        typ, data = await call(c.search, "KOI8-R", "ALL")
        assert typ == "NO" and b"BADCHARSET" in data[0]
        raw = await RawClient.connect(server)
        await raw.ok(b"SELECT INBOX")
        lines = await raw.ok(b"UID SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN")
        assert lines == [b'* ESEARCH (TAG "t3") UID MIN 2 MAX 3 COUNT 2 ALL 2:3']
        lines = await raw.ok(b"SEARCH RETURN (SAVE) FLAGGED")
        assert lines == []
        lines = await raw.ok(b"FETCH $ (UID)")
        assert lines == [b"* 2 FETCH (UID 2)"]


async def test_condstore_and_qresync(
    server: Server, engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    with trio.fail_after(20):
        await _seed(engine, bob)
        raw = await RawClient.connect(server)
        lines = await raw.ok(b"SELECT INBOX (CONDSTORE)")
        uidvalidity = int(
            next(re.search(rb"UIDVALIDITY (\d+)", x).group(1) for x in lines if b"UIDVALIDITY" in x)
        )
        modseq = int(
            next(
                re.search(rb"HIGHESTMODSEQ (\d+)", x).group(1)
                for x in lines
                if b"HIGHESTMODSEQ" in x
            )
        )
        lines = await raw.ok(b"FETCH 1 (FLAGS)")
        assert re.match(rb"\* 1 FETCH \(FLAGS \(\\Seen\) MODSEQ \(\d+\)\)", lines[0])
        lines = await raw.ok(b"STORE 2 +FLAGS (\\Answered)")
        m2 = int(re.search(rb"MODSEQ \((\d+)\)", lines[0]).group(1))
        assert m2 > modseq
        lines = await raw.ok(b"FETCH 1:* (UID FLAGS) (CHANGEDSINCE %d)" % modseq)
        assert len(lines) == 1 and b"UID 2" in lines[0] and b"MODSEQ" in lines[0]
        lines, done = await raw.command(b"STORE 1:2 (UNCHANGEDSINCE %d) +FLAGS (\\Draft)" % modseq)
        assert b"OK [MODIFIED 2]" in done
        lines = await raw.ok(b"SEARCH MODSEQ %d" % (modseq + 1))
        assert re.match(rb"\* SEARCH 1 2 \(MODSEQ \d+\)", lines[0])
        # QRESYNC: reconnect knowing modseq; one message changed, one expunged
        await engine.store_flags(
            bob.id, [m.id for m in await engine.fetch(bob.id, "INBOX", 3, 3)], add=["\\Seen"]
        )
        first = await engine.fetch(bob.id, "INBOX", 1, 1)
        await engine.expunge(bob.id, "INBOX", [first[0].id])
        again = await RawClient.connect(server)
        await again.ok(b"ENABLE QRESYNC")
        lines = await again.ok(b"SELECT INBOX (QRESYNC (%d %d 1:3))" % (uidvalidity, m2))
        assert b"* VANISHED (EARLIER) 1" in lines
        assert any(re.match(rb"\* \d FETCH \(UID 3 FLAGS \(\\Seen\) MODSEQ", x) for x in lines), (
            lines
        )
        lines = await again.ok(b"UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % modseq)
        assert lines[0] == b"* VANISHED (EARLIER) 1"
        # expunges elsewhere reach a QRESYNC session as VANISHED
        second = await engine.fetch(bob.id, "INBOX", 2, 2)
        await engine.expunge(bob.id, "INBOX", [second[0].id])
        lines = await again.ok(b"NOOP")
        assert b"* VANISHED 2" in lines
