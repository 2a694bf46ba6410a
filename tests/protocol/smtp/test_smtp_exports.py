"""The public names of mailcore.protocol.smtp are a deliberate list."""

from __future__ import annotations

import mailcore.protocol.smtp as smtp


def test_public_names() -> None:
    assert sorted(smtp.__all__) == sorted(
        """NEED_DATA AuthAttempt BodyType CloseConnection Decision DsnNotify DsnReturn Event
        Helo LocalProtocolError MailFrom MailParams MessageComplete NeedData
        OriginalRecipient Path ProtocolReply Quit RcptParams RcptTo Reply Reset SMTPLimits
        SMTPServer SMTPState StartTLS replies""".split()
    )
    for name in smtp.__all__:
        assert hasattr(smtp, name), name
    assert isinstance(smtp.NEED_DATA, smtp.NeedData)
