"""IMAPServer driven with bytes: the session's states, its transitions and
what each state allows, read as IMAP transcripts (RFC 9051 examples where
there are some). No socket and no engine: ``imap_server_driver.Client``
answers the decisions from dicts."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from imap_server_driver import MAX_MESSAGE_SIZE, Client, Refused, Runner, complete_quietly

from mailcore.protocol.imap import (
    CAPABILITIES,
    NEED_DATA,
    AnnounceUpdates,
    BeginTLS,
    CloseConnection,
    Command,
    ExecuteCommand,
    Fetch,
    IdleEnded,
    IdleStarted,
    IMAPServer,
    LocalProtocolError,
    LoginAttempt,
    MailboxClosed,
    Output,
    Select,
    SelectMailbox,
    SessionState,
    Store,
)

BASE = " ".join(CAPABILITIES) + f" APPENDLIMIT={MAX_MESSAGE_SIZE}"
NOT_AUTHENTICATED = SessionState.NOT_AUTHENTICATED
AUTHENTICATED = SessionState.AUTHENTICATED
SELECTED = SessionState.SELECTED
LOGOUT = SessionState.LOGOUT

SELECT_INBOX = [
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted",
    "* 172 EXISTS",
    "* 0 RECENT",
    "* OK [UIDVALIDITY 3857529045] UIDs valid",
    "* OK [UIDNEXT 4392] Predicted next UID",
    "* OK [HIGHESTMODSEQ 715194045007] Highest",
]


def logged_in(run: Runner = complete_quietly) -> Client:
    client = Client(run=run)
    client.greeting()
    assert client.say("a0 LOGIN bob secret")[-1].startswith("a0 OK")
    return client


def selected(run: Runner = complete_quietly) -> Client:
    client = logged_in(run)
    assert client.say("s0 SELECT INBOX")[-1] == "s0 OK [READ-WRITE] SELECT completed"
    return client


def plain(authzid: str, user: str, password: str) -> str:
    return base64.b64encode(f"{authzid}\0{user}\0{password}".encode()).decode()


# -- greeting and capabilities per state --------------------------------------------


def test_capabilities_in_clear_text_offer_starttls_and_disable_login() -> None:
    client = Client(tls_active=False)
    assert client.greeting() == [
        f"* OK [CAPABILITY {BASE} STARTTLS LOGINDISABLED] mailcore IMAP ready"
    ]
    assert client.say("abcd CAPABILITY") == [
        f"* CAPABILITY {BASE} STARTTLS LOGINDISABLED",
        "abcd OK CAPABILITY completed",
    ]


def test_capabilities_under_tls_offer_auth_plain_and_after_login_no_login_methods() -> None:
    client = Client(tls_active=True)
    assert client.greeting() == [f"* OK [CAPABILITY {BASE} AUTH=PLAIN] mailcore IMAP ready"]
    assert client.say("a1 LOGIN bob secret") == [f"a1 OK [CAPABILITY {BASE}] LOGIN completed"]
    assert client.say("a2 CAPABILITY") == [f"* CAPABILITY {BASE}", "a2 OK CAPABILITY completed"]


def test_without_tls_and_without_the_tls_rule_login_is_offered_in_clear() -> None:
    client = Client(tls_active=False, tls_available=False, require_tls_for_login=False)
    assert client.greeting() == [f"* OK [CAPABILITY {BASE} AUTH=PLAIN] mailcore IMAP ready"]
    assert client.say("a1 LOGIN bob secret")[-1].startswith("a1 OK")


# -- the transitions of RFC 9051 section 3 ---------------------------------------


def test_every_transition_in_order() -> None:
    client = Client()
    client.greeting()
    server = client.server
    assert server.state is NOT_AUTHENTICATED
    assert client.say("a1 LOGIN bob wrong") == [
        "a1 NO [AUTHENTICATIONFAILED] Authentication failed"
    ]
    assert server.state is NOT_AUTHENTICATED and server.username is None
    assert client.say("a2 LOGIN bob secret")[-1].startswith("a2 OK")
    assert server.state is AUTHENTICATED and server.username == "bob"
    assert client.say("A142 SELECT INBOX") == [
        *SELECT_INBOX,
        "A142 OK [READ-WRITE] SELECT completed",
    ]
    assert server.state is SELECTED and not server.readonly
    assert client.say("a3 CLOSE") == ["a3 OK CLOSE completed"]
    assert server.state is AUTHENTICATED
    assert client.say("a4 EXAMINE INBOX")[-1] == "a4 OK [READ-ONLY] EXAMINE completed"
    assert server.state is SELECTED and server.readonly
    assert client.say("a5 UNSELECT") == ["a5 OK UNSELECT completed"]
    assert server.state is AUTHENTICATED and not server.readonly
    assert client.say("a6 LOGOUT") == ["* BYE mailcore logging out", "a6 OK LOGOUT completed"]
    assert server.state is LOGOUT
    assert isinstance(client.events[-1], CloseConnection)


def test_select_while_selected_closes_the_first_mailbox_even_when_the_second_fails() -> None:
    client = selected()
    lines = client.say("a1 SELECT Sent")
    assert lines[0] == "* OK [CLOSED] Previous mailbox closed"
    assert lines[-1] == "a1 OK [READ-WRITE] SELECT completed"
    assert client.say("a2 SELECT Nowhere") == [
        "* OK [CLOSED] Previous mailbox closed",
        "a2 NO [NONEXISTENT] No such mailbox",
    ]
    assert client.server.state is AUTHENTICATED
    assert sum(isinstance(e, MailboxClosed) for e in client.events) == 2


def test_examine_shows_no_permanent_flags() -> None:
    client = logged_in()
    lines = client.say("a1 EXAMINE INBOX")
    assert "* OK [PERMANENTFLAGS ()] Flags permitted" in lines
    assert lines[-1] == "a1 OK [READ-ONLY] EXAMINE completed"


def test_close_of_a_read_write_mailbox_asks_the_application_to_expunge() -> None:
    ran: list[Command] = []

    def run(client: Client, command: Command) -> bytes | None:
        ran.append(command)
        assert client.server.state is SELECTED  # still selected while expunging
        return None

    client = selected(run=run)
    assert client.say("a1 CLOSE") == ["a1 OK CLOSE completed"]
    assert [type(c).__name__ for c in ran] == ["Close"]
    assert isinstance(client.events[-2], MailboxClosed)
    assert client.server.state is AUTHENTICATED
    # a read-only mailbox is closed by the core alone
    client.say("a2 EXAMINE INBOX")
    assert client.say("a3 CLOSE") == ["a3 OK CLOSE completed"]
    assert len(ran) == 1


def test_a_failed_close_keeps_the_mailbox_selected() -> None:
    def run(client: Client, command: Command) -> bytes | None:
        raise Refused("NO", "Temporary failure; try again", "UNAVAILABLE")

    client = selected(run=run)
    assert client.say("a1 CLOSE") == ["a1 NO [UNAVAILABLE] Temporary failure; try again"]
    assert client.server.state is SELECTED


def test_logout_from_every_state() -> None:
    clients = [Client(), logged_in(), selected()]
    for client in clients:
        client.take()
        before = client.server.state
        assert client.say("A023 LOGOUT") == [
            "* BYE mailcore logging out",
            "A023 OK LOGOUT completed",
        ], before
        assert client.server.state is LOGOUT
        assert client.closed
        # nothing more is read
        client.server.receive_data(b"a1 NOOP\r\n")
        assert client.server.next_event() == CloseConnection("logged out")


def test_end_of_input_closes_from_any_state() -> None:
    client = selected()
    client.server.receive_data(b"a1 NOOP\r\n")
    client.server.receive_data(b"")
    client.pump()
    assert client.take() == ["a1 OK NOOP completed"]  # what was sent before is answered
    assert client.events[-1] == CloseConnection("end of input")
    assert client.server.state is LOGOUT


# -- what each state allows -----------------------------------------------------------

WRONG_STATE = [
    # not authenticated: everything but the any-state and login commands
    (NOT_AUTHENTICATED, "SELECT INBOX", "BAD Log in first"),
    (NOT_AUTHENTICATED, "EXAMINE INBOX", "BAD Log in first"),
    (NOT_AUTHENTICATED, 'LIST "" "*"', "BAD Log in first"),
    (NOT_AUTHENTICATED, "ENABLE CONDSTORE", "BAD Log in first"),
    (NOT_AUTHENTICATED, "IDLE", "BAD Log in first"),
    (NOT_AUTHENTICATED, "NAMESPACE", "BAD Log in first"),
    (NOT_AUTHENTICATED, "STATUS INBOX (MESSAGES)", "BAD Log in first"),
    (NOT_AUTHENTICATED, "FETCH 1 FLAGS", "BAD Log in first"),
    (NOT_AUTHENTICATED, "UID FETCH 1 FLAGS", "BAD Log in first"),
    (NOT_AUTHENTICATED, "CHECK", "BAD Log in first"),
    (NOT_AUTHENTICATED, "CLOSE", "BAD Log in first"),
    # authenticated: no second login, no STARTTLS, nothing that needs a mailbox
    (AUTHENTICATED, "LOGIN bob secret", "BAD Already authenticated"),
    (AUTHENTICATED, "AUTHENTICATE PLAIN", "BAD Already authenticated"),
    (AUTHENTICATED, "STARTTLS", "BAD STARTTLS not available now"),
    (AUTHENTICATED, "FETCH 1 FLAGS", "BAD No mailbox selected"),
    (AUTHENTICATED, "UID SEARCH ALL", "BAD No mailbox selected"),
    (AUTHENTICATED, "STORE 1 +FLAGS (\\Seen)", "BAD No mailbox selected"),
    (AUTHENTICATED, "COPY 1 Sent", "BAD No mailbox selected"),
    (AUTHENTICATED, "MOVE 1 Sent", "BAD No mailbox selected"),
    (AUTHENTICATED, "EXPUNGE", "BAD No mailbox selected"),
    (AUTHENTICATED, "CLOSE", "BAD No mailbox selected"),
    (AUTHENTICATED, "UNSELECT", "BAD No mailbox selected"),
    (AUTHENTICATED, "CHECK", "BAD No mailbox selected"),
    (AUTHENTICATED, "GETQUOTAROOT INBOX", "BAD QUOTA is not supported"),
    # selected
    (SELECTED, "LOGIN bob secret", "BAD Already authenticated"),
    (SELECTED, "AUTHENTICATE PLAIN " + plain("", "bob", "secret"), "BAD Already authenticated"),
    (SELECTED, "STARTTLS", "BAD STARTTLS not available now"),
]


@pytest.mark.parametrize(("state", "command", "answer"), WRONG_STATE)
def test_a_command_in_the_wrong_state_is_refused_by_the_core(
    state: SessionState, command: str, answer: str
) -> None:
    start: dict[SessionState, Callable[[], Client]] = {
        NOT_AUTHENTICATED: Client,
        AUTHENTICATED: logged_in,
        SELECTED: selected,
    }
    client = start[state]()
    client.take()
    before = len(client.decisions())
    assert client.say(f"w1 {command}") == [f"w1 {answer}"]
    assert client.server.state is state
    assert len(client.decisions()) == before  # the application was never asked
    # the session goes on (the receiver is not left paused after IDLE or AUTHENTICATE)
    assert client.say("w2 NOOP") == ["w2 OK NOOP completed"]


@pytest.mark.parametrize("command", ["STORE 1 +FLAGS (\\Seen)", "EXPUNGE", "UID MOVE 1 Sent"])
def test_a_mailbox_opened_by_examine_cannot_be_changed(command: str) -> None:
    client = logged_in()
    client.say("a1 EXAMINE INBOX")
    assert client.say(f"a2 {command}") == ["a2 NO [READ-ONLY] Mailbox is read-only (EXAMINE)"]
    assert client.server.state is SELECTED
    client.say("a3 COPY 1 Sent")
    assert isinstance(client.decisions()[-1], ExecuteCommand)  # copying out is fine


def test_commands_that_need_the_store_come_out_as_decisions_valid_for_the_state() -> None:
    seen: list[str] = []

    def run(client: Client, command: Command) -> bytes | None:
        seen.append(f"{type(command).__name__} in {client.server.state.name}")
        return None

    client = logged_in(run=run)
    client.say('a1 LIST "" "*"', "a2 STATUS INBOX (MESSAGES)", "a3 CREATE Work")
    client.say("a4 SELECT INBOX", "a5 FETCH 1:* (FLAGS)", "a6 UID STORE 1 +FLAGS (\\Seen)")
    assert seen == [
        "List in AUTHENTICATED",
        "Status in AUTHENTICATED",
        "Create in AUTHENTICATED",
        "Fetch in SELECTED",
        "Store in SELECTED",
    ]


def test_id_namespace_and_noop_need_nothing_from_the_application() -> None:
    client = logged_in()
    assert client.say('a1 ID ("name" "sodr")') == [
        '* ID ("name" "mailcore" "version" "test")',
        "a1 OK ID completed",
    ]
    assert client.say("A001 NAMESPACE") == [
        '* NAMESPACE (("" "/")) NIL NIL',
        "A001 OK NAMESPACE completed",
    ]
    assert client.say("a2 NOOP") == ["a2 OK NOOP completed"]
    assert client.decisions() == [LoginAttempt("a0", "bob", "secret")]


# -- mailbox news before a tagged OK (RFC 9051 7.5.1) -----------------------------------


def test_news_of_the_selected_mailbox_precede_the_tagged_ok() -> None:
    client = selected()
    client.news = [b"* 173 EXISTS\r\n"]
    assert client.say("a1 NOOP") == ["* 173 EXISTS", "a1 OK NOOP completed"]
    client.news = [b"* 3 EXPUNGE\r\n"]
    assert client.say("a2 CAPABILITY")[1:] == ["* 3 EXPUNGE", "a2 OK CAPABILITY completed"]


def test_no_expunge_while_answering_fetch_store_or_search_by_sequence_number() -> None:
    client = selected()
    client.news = [b"* 3 EXPUNGE\r\n", b"* 4 FETCH (FLAGS (\\Seen))\r\n"]
    assert client.say("a1 FETCH 1:* (FLAGS)") == [
        "* 4 FETCH (FLAGS (\\Seen))",
        "a1 OK FETCH completed",
    ]
    assert client.say("a2 STORE 1 +FLAGS (\\Seen)") == ["a2 OK STORE completed"]
    assert client.say("a3 SEARCH ALL") == ["a3 OK SEARCH completed"]
    # the UID forms may carry it, and so may NOOP
    assert client.say("a4 UID FETCH 1:* (FLAGS)") == ["* 3 EXPUNGE", "a4 OK UID FETCH completed"]
    flags = [e.allow_expunge for e in client.events if isinstance(e, AnnounceUpdates)]
    assert flags == [True, False, False, False, True]  # SELECT, FETCH, STORE, SEARCH, UID FETCH


def test_no_news_outside_the_selected_state_nor_after_a_failure() -> None:
    def run(client: Client, command: Command) -> bytes | None:
        if isinstance(command, Store):
            raise Refused("NO", "Temporary failure; try again", "UNAVAILABLE")
        return b"APPENDUID 1 7" if not isinstance(command, Fetch) else None

    client = logged_in(run=run)
    client.news = [b"* 9 EXISTS\r\n"]
    assert client.say("a1 NOOP") == ["a1 OK NOOP completed"]
    client.say("a2 SELECT INBOX")
    client.news = [b"* 9 EXISTS\r\n"]
    assert client.say("a3 STORE 1 +FLAGS (\\Seen)") == [
        "a3 NO [UNAVAILABLE] Temporary failure; try again"
    ]
    assert client.say("a4 NOOP") == ["* 9 EXISTS", "a4 OK NOOP completed"]


# -- STARTTLS (RFC 9051 6.2.1) --------------------------------------------------------------


def test_starttls_discards_what_was_pipelined_in_clear_text() -> None:
    client = Client(tls_active=False)
    client.greeting()
    client.start_tls = False
    injected = b"b LOGIN bob secret\r\n"
    assert client.feed(b"a STARTTLS\r\n" + injected) == ["a OK Begin TLS negotiation now"]
    assert isinstance(client.events[-1], BeginTLS)
    server = client.server
    with pytest.raises(LocalProtocolError):
        server.next_event()
    with pytest.raises(LocalProtocolError):
        server.receive_data(b"c NOOP\r\n")
    assert server.tls_started() == len(injected)
    assert server.tls_active and server.next_event() is NEED_DATA
    assert client.decisions() == []  # the injected LOGIN never ran
    assert "AUTH=PLAIN" in client.say("c CAPABILITY")[0].split()
    assert client.say("d LOGIN bob secret")[-1].startswith("d OK")


def test_login_in_clear_text_is_refused_until_tls() -> None:
    client = Client(tls_active=False)
    client.greeting()
    assert client.say("a1 LOGIN bob secret") == [
        "a1 NO [PRIVACYREQUIRED] Use STARTTLS first (LOGINDISABLED)"
    ]
    assert client.say("a2 AUTHENTICATE PLAIN " + plain("", "bob", "secret")) == [
        "a2 NO [PRIVACYREQUIRED] Use STARTTLS first (LOGINDISABLED)"
    ]
    assert client.decisions() == []
    assert client.say("a3 STARTTLS") == ["a3 OK Begin TLS negotiation now"]
    assert client.say("a4 LOGIN bob secret")[-1].startswith("a4 OK")


def test_starttls_is_refused_once_tls_is_up_or_when_there_is_no_certificate() -> None:
    assert Client(tls_active=True).say("a1 STARTTLS") == ["a1 BAD STARTTLS not available now"]
    client = Client(tls_active=False, tls_available=False)
    assert "STARTTLS" not in client.greeting()[0].split()
    assert client.say("a1 STARTTLS", "a2 NOOP") == [
        "a1 BAD STARTTLS not available now",
        "a2 OK NOOP completed",
    ]


# -- AUTHENTICATE PLAIN (RFC 4616, SASL-IR of RFC 4959) -------------------------------------


def test_authenticate_plain_with_an_initial_response() -> None:
    client = Client()
    client.greeting()
    assert client.say("a1 AUTHENTICATE PLAIN " + plain("", "bob", "secret")) == [
        f"a1 OK [CAPABILITY {BASE}] AUTHENTICATE completed"
    ]
    assert client.server.state is AUTHENTICATED


def test_authenticate_plain_after_a_continuation() -> None:
    client = Client()
    client.greeting()
    assert client.say("a1 AUTHENTICATE PLAIN") == ["+ "]
    assert client.say(plain("bob", "bob", "secret"))[-1].startswith("a1 OK [CAPABILITY")
    assert client.decisions() == [LoginAttempt("a1", "bob", "secret")]


@pytest.mark.parametrize(
    ("response", "answer"),
    [
        ("*", "a1 BAD Authentication cancelled"),
        ("not base64!", "a1 BAD Invalid base64"),
        (base64.b64encode(b"only\0two").decode(), "a1 BAD Malformed PLAIN response"),
        (plain("alice", "bob", "secret"), "a1 NO [AUTHORIZATIONFAILED] Cannot act as another user"),
        (plain("", "bob", "wrong"), "a1 NO [AUTHENTICATIONFAILED] Authentication failed"),
    ],
)
def test_authenticate_plain_failures_leave_the_session_unauthenticated(
    response: str, answer: str
) -> None:
    client = Client()
    client.greeting()
    client.say("a1 AUTHENTICATE PLAIN")
    assert client.say(response) == [answer]
    assert client.server.state is NOT_AUTHENTICATED
    assert client.say("a2 NOOP") == ["a2 OK NOOP completed"]


def test_authenticate_with_an_unknown_mechanism() -> None:
    client = Client()
    client.greeting()
    assert client.say("a1 AUTHENTICATE CRAM-MD5", "a2 NOOP") == [
        "a1 NO [CANNOT] Unsupported mechanism (use PLAIN)",
        "a2 OK NOOP completed",
    ]


# -- literals before login -------------------------------------------------------------


def test_a_literal_over_the_pre_login_limit_is_refused_before_it_is_sent() -> None:
    client = Client()
    client.greeting()
    assert client.say("a1 LOGIN {9000}") == ["a1 NO [TOOBIG] Literal too large"]
    assert client.say("a2 NOOP") == ["a2 OK NOOP completed"]


def test_a_non_synchronizing_literal_over_the_limit_is_swallowed() -> None:
    client = Client()
    client.greeting()
    big = 200_000
    lines = client.feed(b"a1 LOGIN {%d+}\r\n" % big + b"x" * big + b" pw\r\na2 NOOP\r\n")
    assert lines == ["a1 NO [TOOBIG] Literal too large", "a2 OK NOOP completed"]
    assert client.decisions() == []


def test_login_with_literals_gets_continuations() -> None:
    client = Client()
    client.greeting()
    assert client.say("a1 LOGIN {3}") == ["+ Ready"]
    assert client.say("bob {6}") == ["+ Ready"]
    assert client.say("secret")[-1].startswith("a1 OK")


def test_no_continuation_for_a_command_the_state_does_not_allow() -> None:
    client = Client()
    client.greeting()
    assert client.say("a1 APPEND INBOX {20}") == ["a1 BAD Log in first"]
    assert client.say("a2 NOOP") == ["a2 OK NOOP completed"]
    client = logged_in()
    assert client.say("a1 UID COPY 1 {4}") == ["a1 BAD No mailbox selected"]


def test_after_login_the_full_limits_apply() -> None:
    client = logged_in()
    assert client.say("a1 APPEND INBOX {100000}") == ["+ Ready"]
    client.feed(b"x" * 100_000 + b"\r\n")
    assert isinstance(client.decisions()[-1], ExecuteCommand)
    assert client.say(f"a2 APPEND INBOX {{{MAX_MESSAGE_SIZE + 1}}}") == [
        "a2 NO [TOOBIG] Message too large"
    ]
    assert client.say("a3 NOOP") == ["a3 OK NOOP completed"]


# -- ENABLE (RFC 5161) ---------------------------------------------------------------


def test_enable_reports_only_what_it_newly_enabled() -> None:
    client = logged_in()
    server = client.server
    assert not (server.condstore or server.qresync or server.imap4rev2)
    assert client.say("a1 ENABLE CONDSTORE X-UNKNOWN") == [
        "* ENABLED CONDSTORE",
        "a1 OK ENABLE completed",
    ]
    assert client.say("a2 ENABLE CONDSTORE QRESYNC") == [
        "* ENABLED QRESYNC",
        "a2 OK ENABLE completed",
    ]
    assert server.condstore and server.qresync and not server.imap4rev2
    assert "* 0 RECENT" in client.say("a3 SELECT INBOX")
    client.say("a4 SELECT Entw&APw-rfe")
    assert client.decisions()[-1] == SelectMailbox(Select("a4", "Entwürfe"))  # modified UTF-7
    assert client.say("a5 ENABLE IMAP4rev2") == ["* ENABLED IMAP4rev2", "a5 OK ENABLE completed"]
    assert server.imap4rev2
    # IMAP4rev2: no RECENT in SELECT, mailbox names in UTF-8
    lines = client.say("a6 SELECT INBOX")
    assert not any("RECENT" in line for line in lines)
    client.say("a7 SELECT Entw&APw-rfe")
    assert client.decisions()[-1] == SelectMailbox(Select("a7", "Entw&APw-rfe"))


def test_select_with_qresync_needs_enable_first() -> None:
    client = logged_in()
    assert client.say("a1 SELECT INBOX (QRESYNC (3857529045 1))") == ["a1 BAD ENABLE QRESYNC first"]
    assert client.server.state is AUTHENTICATED
    client.say("a2 ENABLE QRESYNC")
    assert client.say("a3 SELECT INBOX (QRESYNC (3857529045 1))")[-1].startswith("a3 OK")
    select = client.decisions()[-1]
    assert isinstance(select, SelectMailbox) and select.qresync is not None


def test_select_condstore_turns_condstore_on() -> None:
    client = logged_in()
    client.say("a1 SELECT INBOX (CONDSTORE)")
    assert client.server.condstore


# -- IDLE (RFC 2177, RFC 9051 6.3.13) ------------------------------------------------


def test_idle_in_the_selected_state() -> None:
    client = selected()
    client.news = [b"* 173 EXISTS\r\n"]
    assert client.say("A002 IDLE") == ["+ idling", "* 173 EXISTS"]
    kinds = [type(e) for e in client.events[-3:]]
    assert kinds == [Output, AnnounceUpdates, IdleStarted]
    server = client.server
    assert server.idling
    assert server.idle_keepalive() == b"* OK Still here\r\n"
    assert client.feed(b"DO") == []  # DONE may come in pieces
    assert client.say("NE", "A003 NOOP") == ["A002 OK IDLE terminated", "A003 OK NOOP completed"]
    assert not server.idling
    ended = client.events.index(IdleEnded("A002"))
    assert client.events[ended + 1] == Output(b"A002 OK IDLE terminated\r\n")


def test_idle_in_the_authenticated_state_announces_nothing() -> None:
    client = logged_in()
    assert client.say("a1 IDLE") == ["+ idling"]
    assert not any(isinstance(e, AnnounceUpdates) for e in client.events)
    assert client.say("done") == ["a1 OK IDLE terminated"]


def test_anything_but_done_ends_idle_with_bad() -> None:
    client = selected()
    client.say("a1 IDLE")
    assert client.say("a2 NOOP", "a3 NOOP") == [
        "a1 BAD Expected DONE to end IDLE",
        "a3 OK NOOP completed",
    ]
    assert not client.server.idling
    with pytest.raises(LocalProtocolError):
        client.server.idle_keepalive()


# -- misuse by the application -------------------------------------------------------------


def test_a_decision_must_be_answered_before_the_next_event() -> None:
    server = IMAPServer(max_literal_size=1000, tls_active=True)
    server.receive_data(b"a1 LOGIN bob secret\r\na2 NOOP\r\n")
    attempt = server.next_event()
    assert attempt == LoginAttempt("a1", "bob", "secret")
    assert server.pending == attempt
    with pytest.raises(LocalProtocolError):
        server.next_event()
    with pytest.raises(LocalProtocolError):
        server.complete()  # a login is answered by logged_in() or fail()
    server.logged_in()
    assert server.pending is None
    assert isinstance(server.next_event(), Output)
    with pytest.raises(LocalProtocolError):
        server.logged_in()  # nothing pending
    server.receive_data(b"a3 SELECT INBOX\r\n")
    assert server.next_event() == Output(b"a2 OK NOOP completed\r\n")
    assert isinstance(server.next_event(), SelectMailbox)
    with pytest.raises(LocalProtocolError):
        server.complete()  # selected() first
    server.selected(messages=0, uidvalidity=1, uidnext=1, highest_modseq=1)
    with pytest.raises(LocalProtocolError):
        server.selected(messages=0, uidvalidity=1, uidnext=1, highest_modseq=1)
    server.complete()
    assert server.state is SELECTED


def test_a_select_failing_after_it_opened_leaves_no_mailbox_selected() -> None:
    server = IMAPServer(max_literal_size=1000, tls_active=True)
    server.receive_data(b"a1 LOGIN bob secret\r\na2 SELECT INBOX\r\n")
    assert isinstance(server.next_event(), LoginAttempt)
    server.logged_in()
    assert isinstance(server.next_event(), Output)
    assert isinstance(server.next_event(), SelectMailbox)
    server.selected(messages=0, uidvalidity=1, uidnext=1, highest_modseq=1)
    server.fail("NO", "Temporary failure; try again", "UNAVAILABLE")
    assert server.state is AUTHENTICATED
    assert server.next_event() == MailboxClosed()
    assert server.next_event() == Output(b"a2 NO [UNAVAILABLE] Temporary failure; try again\r\n")


# -- time is the application's; the rules are the core's ----------------------------------


def test_autologout_says_bye_and_closes() -> None:
    client = Client()
    assert client.server.autologout_timeout == 60.0
    client = selected()
    assert client.server.autologout_timeout >= 30 * 60  # RFC 9051 5.4
    client.say("a1 IDLE")
    assert client.server.autologout() == b"* BYE Autologout; idle for too long\r\n"
    assert client.server.state is LOGOUT and not client.server.idling
    assert client.server.next_event() == CloseConnection("logged out")


def test_bad_lines_get_untagged_bad_and_the_session_goes_on() -> None:
    client = Client()
    client.greeting()
    assert client.feed(b"\r\n*\r\na1 FROBNICATE\r\na2 NOOP\r\n") == [
        "* BAD Invalid tag",
        "a1 BAD Unknown command",
        "a2 OK NOOP completed",
    ]
