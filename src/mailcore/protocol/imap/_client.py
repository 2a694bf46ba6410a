"""Client-side serialization of commands.

Used by tests (round trips through the receiver) and by any code that needs
to speak IMAP to a server, such as interop checks. Strings that cannot be
atoms or quoted strings become synchronizing literals.
"""

from __future__ import annotations

from . import _commands as c
from ._encode import astring, flag_list, imap_datetime, literal
from ._fetch import format_fetch_attributes
from ._search import AndKey, format_label, format_search_key
from ._utf7 import encode_mutf7

__all__ = ["format_command"]

_SIMPLE: dict[type, bytes] = {
    c.Capability: b"CAPABILITY",
    c.Noop: b"NOOP",
    c.Logout: b"LOGOUT",
    c.StartTLS: b"STARTTLS",
    c.Namespace: b"NAMESPACE",
    c.Idle: b"IDLE",
    c.Check: b"CHECK",
    c.Close: b"CLOSE",
    c.Unselect: b"UNSELECT",
}


def _mailbox(name: str, utf8: bool) -> bytes:
    if utf8:
        return astring(name, utf8=True)
    return astring(encode_mutf7(name))


def format_command(command: c.Command, *, utf8: bool = False) -> bytes:
    """The wire form of *command*, CRLF included."""
    tag = command.tag.encode("ascii")
    uid = b"UID " if getattr(command, "uid", False) else b""
    body: bytes
    simple = _SIMPLE.get(type(command))
    if simple is not None:
        body = simple
    else:
        match command:
            case c.Login(_, username, password):
                body = b"LOGIN " + astring(username) + b" " + astring(password)
            case c.Select(_, mailbox) | c.Examine(_, mailbox):
                name = b"SELECT " if isinstance(command, c.Select) else b"EXAMINE "
                body = name + _mailbox(mailbox, utf8)
                if command.condstore:
                    body += b" (CONDSTORE)"
            case c.Delete(_, mailbox) | c.Subscribe(_, mailbox) | c.Unsubscribe(_, mailbox):
                body = type(command).__name__.upper().encode("ascii") + b" "
                body += _mailbox(mailbox, utf8)
            case c.Create(_, mailbox, special_use):
                body = b"CREATE " + _mailbox(mailbox, utf8)
                if special_use:
                    body += b" (USE " + flag_list(special_use) + b")"
            case c.Rename(_, old, new):
                body = b"RENAME " + _mailbox(old, utf8) + b" " + _mailbox(new, utf8)
            case c.Expunge(_, is_uid, uid_set):
                body = uid + b"EXPUNGE" + (b" " + bytes(uid_set) if is_uid and uid_set else b"")
                uid = b""
            case c.Copy(_, seqs, mailbox) | c.Move(_, seqs, mailbox):
                name = b"COPY " if isinstance(command, c.Copy) else b"MOVE "
                body = name + bytes(seqs) + b" " + _mailbox(mailbox, utf8)
            case c.Fetch(_, seqs, atts, _, changed_since, vanished):
                body = b"FETCH " + bytes(seqs) + b" " + format_fetch_attributes(atts)
                modifiers = []
                if changed_since is not None:
                    modifiers.append(b"CHANGEDSINCE %d" % changed_since)
                if vanished:
                    modifiers.append(b"VANISHED")
                if modifiers:
                    body += b" (" + b" ".join(modifiers) + b")"
            case c.Store():
                body = b"STORE " + bytes(command.sequence_set) + b" "
                if command.unchanged_since is not None:
                    body += b"(UNCHANGEDSINCE %d) " % command.unchanged_since
                body += {"replace": b"", "add": b"+", "remove": b"-"}[command.mode]
                body += command.item.encode("ascii") + (b".SILENT" if command.silent else b"")
                if command.item == "FLAGS":
                    body += b" " + flag_list(command.values)
                else:
                    body += b" (" + b" ".join(format_label(v) for v in command.values) + b")"
            case c.Search(_, key, _, charset, return_options):
                body = b"SEARCH "
                if return_options is not None:
                    body += b"RETURN (" + " ".join(return_options).encode("ascii") + b") "
                key_bytes = format_search_key(key)
                if charset is not None:
                    body += b"CHARSET " + astring(charset) + b" "
                elif not key_bytes.isascii():
                    body += b"CHARSET UTF-8 "
                if isinstance(key, AndKey) and not key.keys:
                    raise ValueError("empty search program")
                body += key_bytes
            case c.Append(_, mailbox, messages):
                body = b"APPEND " + _mailbox(mailbox, utf8)
                for message in messages:
                    if message.flags:
                        body += b" " + flag_list(message.flags)
                    if message.internal_date is not None:
                        body += b" " + imap_datetime(message.internal_date)
                    data = literal(message.data, binary=message.binary)
                    body += b" UTF8 (" + data + b")" if message.utf8 else b" " + data
            case _:
                raise NotImplementedError(f"cannot format {type(command).__name__}")
    return tag + b" " + uid + body + b"\r\n"
