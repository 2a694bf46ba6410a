"""Sans-IO SMTP server engine (RFC 5321 and its extensions), the h11 pattern.

One ``SMTPServer`` per TCP connection.  It never touches a socket: the
application feeds it the bytes it read, asks for events, and writes the
bytes it is given.  The engine answers everything that is pure protocol
itself (syntax, sequence, NOOP/HELP/VRFY, limits, smuggling, SASL
decoding); the application decides policy on the events it gets.

The loop an application runs (``apps/smtpd`` does this over trio)::

    conn = SMTPServer("mx.example.com", SMTPLimits(), tls_available=True,
                      tls_active=False, require_tls_for_auth=True,
                      require_auth_for_mail=False)
    write(conn.greeting())                   # or conn.greeting(SERVICE_REFUSED)
    while True:
        event = conn.next_event()
        match event:
            case NeedData():                 # event is NEED_DATA
                flush()                      # pipelined replies go out together
                conn.receive_data(read())    # b"" at end of file
            case ProtocolReply(reply=reply):
                out += conn.send(reply)      # the engine decided already
            case MailFrom() | RcptTo() | Helo() | AuthAttempt() | Reset() | Quit():
                out += conn.accept()         # or conn.reject(Reply(...))
            case StartTLS():
                write(conn.accept())         # 220, then handshake on the socket
                do_tls_handshake()
                conn.tls_started()           # fresh session; pipelined bytes gone
            case MessageComplete(data=data):
                queue_id = deliver(event)    # durable first, then:
                out += conn.accept(f"OK: queued as {queue_id}")
            case CloseConnection():
                flush(); close(); break

Contract:

* ``next_event()`` returns a *decision* (``Helo``, ``MailFrom``, ``RcptTo``,
  ``AuthAttempt``, ``StartTLS``, ``MessageComplete``, ``Reset``, ``Quit``)
  which must be answered by exactly one ``accept()``, ``reject()`` or
  ``send(reply)`` before the next call; a *notice* (``ProtocolReply``: write
  ``send(event.reply)``; ``CloseConnection``: close the socket); or
  ``NEED_DATA``.  Replies come out in command order, so PIPELINING works by
  looping until ``NEED_DATA`` and flushing then.
* A peer can make the engine raise nothing: every fault of the peer is a
  reply.  ``LocalProtocolError`` is raised only for misuse by the caller.
* A 421 sent by the application at any time (e.g. on a timeout) ends the
  session; ``CloseConnection`` follows.

Protocol choices worth knowing:

* CRLF is the only line end.  A command line ended by a bare LF gets
  500 5.5.2.  Command lines over ``max_command_length`` (AUTH lines: over
  ``max_auth_line_length``) get 500 5.5.2 "Line too long" as soon as the
  limit is passed, and the rest of the line is dropped.
* DATA ends only at CR LF . CR LF.  A bare CR or LF anywhere in the data
  gets the message refused at its end with 550 5.6.11 (nothing delivered);
  an over-long line 550 5.6.0; an over-size message 552 5.3.4.  BDAT chunks
  are binary and octet-counted; a chunk that takes the message past the
  size limit is answered 552 5.3.4 at once and ends the transaction, and a
  refused BDAT (no MAIL/RCPT) still swallows its octets.
* After an accepted STARTTLS every byte buffered behind the command is
  discarded (CVE-2011-0411), and after ``tls_started()`` EHLO, AUTH and the
  transaction are forgotten (RFC 3207 section 4.2).
* Every 2xx/4xx/5xx reply carries an enhanced status code except the 220
  greeting and the 250 to HELO/EHLO (RFC 2034 section 3); 334 and 354 are
  intermediate replies and carry none.
* Limits are in ``SMTPLimits``; the protocol error, junk command or AUTH
  failure that reaches its limit is answered 421 4.7.0 and closes.
* ``Path.relay_trick`` flags source routes, ``%``/``!`` local parts, quoted
  local parts holding ``@`` and address literals; relaying is the
  application's decision, made with it.
"""

from . import _replies as replies
from ._address import Path
from ._connection import SMTPServer, SMTPState
from ._errors import LocalProtocolError
from ._events import (
    NEED_DATA,
    AuthAttempt,
    BodyType,
    CloseConnection,
    Decision,
    DsnNotify,
    DsnReturn,
    Event,
    Helo,
    MailFrom,
    MailParams,
    MessageComplete,
    OriginalRecipient,
    ProtocolReply,
    Quit,
    RcptParams,
    RcptTo,
    Reset,
    StartTLS,
)
from ._events import _NeedData as NeedData
from ._limits import SMTPLimits
from ._replies import Reply

__all__ = [
    "NEED_DATA",
    "AuthAttempt",
    "BodyType",
    "CloseConnection",
    "Decision",
    "DsnNotify",
    "DsnReturn",
    "Event",
    "Helo",
    "LocalProtocolError",
    "MailFrom",
    "MailParams",
    "MessageComplete",
    "NeedData",
    "OriginalRecipient",
    "Path",
    "ProtocolReply",
    "Quit",
    "RcptParams",
    "RcptTo",
    "Reply",
    "Reset",
    "SMTPLimits",
    "SMTPServer",
    "SMTPState",
    "StartTLS",
    "replies",
]
