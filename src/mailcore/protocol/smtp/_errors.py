"""The one exception the SMTP engine raises: the application misused it.

Anything the *peer* does wrong becomes a reply, never an exception, so a
remote client cannot crash a session.  ``LocalProtocolError`` means the
code driving the engine broke the calling contract (answered twice, asked
for an event while a decision was pending, built an invalid reply).
"""

from __future__ import annotations


class LocalProtocolError(Exception):
    """The application used the SMTP engine in a way its contract forbids."""
