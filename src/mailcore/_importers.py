"""Readers for mail exported elsewhere: mbox (with Gmail Takeout labels) and Maildir.

They stream: a multi-gigabyte Takeout file is read a message at a time.
Line ends are normalised to CRLF, as stored messages are RFC 5322 text.
"""

from __future__ import annotations

import email.header
import email.utils
import os
import re
from collections.abc import Iterator
from pathlib import Path

from mailcore._records import ImportItem

_FROM_QUOTED = re.compile(rb"^>+From ")
_GMAIL_SYSTEM = {
    "inbox": "INBOX",
    "sent": "Sent",
    "sent mail": "Sent",
    "starred": "Starred",
    "important": "Important",
    "spam": "Spam",
    "trash": "Trash",
    "drafts": "Drafts",
    "draft": "Drafts",
}
#: Takeout pseudo-labels that describe state, not a label a person made.
_GMAIL_IGNORED = {"opened", "unread", "archived", "chat", "all mail"}


def to_crlf(raw: bytes) -> bytes:
    """Make every line end CRLF (mbox and Maildir files usually hold bare LF)."""
    if b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""):
        return raw
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _header(raw: bytes, name: bytes) -> str | None:
    """The first value of a top-level header, unfolded, or None."""
    end = raw.find(b"\r\n\r\n")
    head = raw[: end if end >= 0 else len(raw)]
    lowered = name.lower() + b":"
    lines = head.split(b"\r\n")
    for i, line in enumerate(lines):
        if line[: len(lowered)].lower() == lowered:
            value = line[len(lowered) :]
            for cont in lines[i + 1 :]:
                if cont[:1] in (b" ", b"\t"):
                    value += b" " + cont.strip()
                else:
                    break
            return value.strip().decode("utf-8", "replace")
    return None


def _decode_words(value: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except Exception:  # a malformed encoded word stays as written
        return value


def split_label_list(value: str) -> list[str]:
    """Split ``X-Gmail-Labels`` (comma separated, quoted when holding commas)."""
    out, current, quoted = [], "", False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append(current.strip())
            current = ""
        else:
            current += ch
    out.append(current.strip())
    return [x for x in out if x]


def gmail_labels(raw: bytes) -> tuple[tuple[str, ...], frozenset[str]] | None:
    """Labels and flags from a Takeout message's ``X-Gmail-Labels``, or None."""
    value = _header(raw, b"X-Gmail-Labels")
    if value is None:
        return None
    labels: list[str] = []
    flags = {"\\Seen"}
    for name in split_label_list(_decode_words(value)):
        key = name.casefold()
        if key == "unread":
            flags.discard("\\Seen")
        elif key == "starred":
            flags.add("\\Flagged")
            labels.append("Starred")
        elif key in _GMAIL_SYSTEM:
            labels.append(_GMAIL_SYSTEM[key])
        elif key in _GMAIL_IGNORED or key.startswith("category "):
            continue
        else:
            labels.append(name)
    if "Drafts" in labels:
        flags.add("\\Draft")
    return tuple(dict.fromkeys(labels)), frozenset(flags)


def _status_flags(raw: bytes) -> frozenset[str]:
    """Flags from the ``Status:``/``X-Status:`` headers mutt and Thunderbird write."""
    flags: set[str] = set()
    status = _header(raw, b"Status") or ""
    xstatus = _header(raw, b"X-Status") or ""
    if "R" in status:
        flags.add("\\Seen")
    for ch, flag in (("A", "\\Answered"), ("F", "\\Flagged"), ("D", "\\Deleted"), ("T", "\\Draft")):
        if ch in xstatus:
            flags.add(flag)
    return frozenset(flags)


def _from_line_date(line: bytes) -> float | None:
    parts = line.decode("latin-1").split(None, 2)
    if len(parts) < 3:
        return None
    try:
        import time

        parsed = time.strptime(" ".join(parts[2].split()[:5]), "%a %b %d %H:%M:%S %Y")
        import calendar

        return float(calendar.timegm(parsed))
    except ValueError:
        return None


def read_mbox(path: Path, progress: list[int] | None = None) -> Iterator[ImportItem]:
    """Messages of an mbox file (mboxo/mboxrd), with Gmail labels when present.

    ``progress``, if given, is a one-item list updated with the bytes read.
    """
    with open(path, "rb") as fh:
        first = fh.readline()
        if not first.startswith(b"From "):
            raise ValueError(f"{path} is not an mbox file (it does not start with a 'From ' line)")
        lines: list[bytes] = []
        from_line = first
        previous_blank = True
        read = len(first)
        for line in fh:
            read += len(line)
            if line.startswith(b"From ") and previous_blank and lines:
                if progress is not None:
                    progress[0] = read
                yield _mbox_item(lines, from_line)
                lines, from_line = [], line
                previous_blank = False
                continue
            previous_blank = line in (b"\n", b"\r\n")
            lines.append(line)
        if lines:
            if progress is not None:
                progress[0] = read
            yield _mbox_item(lines, from_line)


def _mbox_item(lines: list[bytes], from_line: bytes) -> ImportItem:
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]  # the blank line that separates messages
    body = b"".join(_FROM_QUOTED.sub(lambda m: m.group(0)[1:], ln) if ln.startswith(b">") else ln for ln in lines)
    raw = to_crlf(body)
    gmail = gmail_labels(raw)
    if gmail is not None:
        labels, flags = gmail
    else:
        labels, flags = ("INBOX",), _status_flags(raw)
    date = _from_line_date(from_line)
    if date is None:
        header = _header(raw, b"Date")
        if header:
            try:
                date = email.utils.parsedate_to_datetime(header).timestamp()
            except (TypeError, ValueError, IndexError):
                date = None
    return ImportItem(raw=raw, labels=labels, flags=flags, internal_date=date)


_MAILDIR_SYSTEM = {
    "sent": "Sent",
    "sent messages": "Sent",
    "sent items": "Sent",
    "drafts": "Drafts",
    "trash": "Trash",
    "deleted messages": "Trash",
    "junk": "Spam",
    "spam": "Spam",
}


def _maildir_label(folder: str) -> str:
    name = folder.lstrip(".").replace(".", "/")
    return _MAILDIR_SYSTEM.get(name.casefold(), name)


def maildir_folders(root: Path) -> list[tuple[Path, str]]:
    """(directory, label) of a Maildir and its Maildir++ subfolders."""
    if not (root / "cur").is_dir() and not (root / "new").is_dir():
        raise ValueError(f"{root} is not a Maildir (it has no cur/ or new/ directory)")
    folders = [(root, "INBOX")]
    for child in sorted(root.iterdir()):
        if child.is_dir() and child.name.startswith(".") and (child / "cur").is_dir():
            folders.append((child, _maildir_label(child.name)))
    return folders


def count_maildir(root: Path) -> int:
    return sum(
        len(os.listdir(d / sub)) for d, _ in maildir_folders(root) for sub in ("cur", "new") if (d / sub).is_dir()
    )


def read_maildir(root: Path) -> Iterator[ImportItem]:
    """Messages of a Maildir (and Maildir++ subfolders), flags from file names."""
    for folder, label in maildir_folders(root):
        for sub in ("new", "cur"):
            directory = folder / sub
            if not directory.is_dir():
                continue
            for name in sorted(os.listdir(directory)):
                path = directory / name
                if not path.is_file():
                    continue
                flags: set[str] = set()
                if ":2," in name:
                    info = name.rsplit(":2,", 1)[1]
                    for ch, flag in (("S", "\\Seen"), ("R", "\\Answered"), ("F", "\\Flagged"), ("T", "\\Deleted"), ("D", "\\Draft")):
                        if ch in info:
                            flags.add(flag)
                raw = to_crlf(path.read_bytes())
                labels = (label,) if label != "INBOX" else ("INBOX",)
                yield ImportItem(raw=raw, labels=labels, flags=frozenset(flags), internal_date=path.stat().st_mtime)
