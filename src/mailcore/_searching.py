"""Search: Gmail queries compiled for one account and run against the
search index, which is first brought up to date. The engine's search part."""

from __future__ import annotations

import time

from mailcore._actors.indexer import Indexer
from mailcore._actors.mailbox import MailboxDirectory
from mailcore._records import SearchResult
from mailcore.errors import InvalidArgument
from mailcore.model import LabelRole, ThreadPage
from mailcore.search import And, LabelIds, Not, Query, parse_query, resolve_labels
from mailcore.store.base import SearchIndex
from mailcore.store.meta import MetaStore


def _label_key(name: str) -> str:
    """Gmail matches ``label:work-clients`` to ``Work/Clients``."""
    return "".join("-" if ch in " /-_" else ch for ch in name.casefold())


class Search:
    """Messages and conversations matching a Gmail query, within one account."""

    def __init__(self, meta: MetaStore, index: SearchIndex, indexer: Indexer, mailboxes: MailboxDirectory) -> None:
        self._meta = meta
        self._index = index
        self._indexer = indexer
        self._mailboxes = mailboxes

    async def compile_query(self, account_id: int, query: str | Query) -> Query:
        """Parse a Gmail query and resolve its labels for this account.

        Like Gmail, messages in Trash and Spam match only when the query
        names one of those labels (or ``in:anywhere``).
        """
        tree = parse_query(query) if isinstance(query, str) else query
        labels = await self._mailboxes.labels(account_id)
        by_key: dict[str, set[int]] = {}
        for lb in labels:
            by_key.setdefault(_label_key(lb.name), set()).add(lb.id)
            if lb.role is not None:
                by_key.setdefault(lb.role.value, set()).add(lb.id)
        names_used: list[str] = []

        def resolve(name: str) -> frozenset[int]:
            names_used.append(name)
            key = _label_key(name)
            found = set(by_key.get(key, set()))
            # label:work also matches its children, as in Gmail
            for lb in labels:
                if _label_key(lb.name).startswith(key + "-"):
                    found.add(lb.id)
            return frozenset(found)

        resolved = resolve_labels(tree, resolve)
        roles = {lb.role: lb.id for lb in labels if lb.role is not None}
        wants_hidden = any(_label_key(n) in ("trash", "spam", "anywhere") for n in names_used)
        if not wants_hidden and not _mentions_anywhere(query):
            hidden = frozenset({roles[LabelRole.TRASH], roles[LabelRole.SPAM]})
            resolved = And((resolved, Not(LabelIds(hidden))))
        return resolved

    async def search(
        self, account_id: int, query: str | Query, *, cursor: str | None = None, limit: int = 50
    ) -> SearchResult:
        """Messages matching a Gmail query, newest first.

        Waits for the index to take in everything committed before the call.
        Raises :class:`mailcore.errors.QuerySyntaxError` for a malformed query.
        """
        if not 1 <= limit <= 1000:
            raise InvalidArgument("limit must be between 1 and 1000")
        compiled = await self.compile_query(account_id, query)
        await self._indexer.flush()
        page = await self._index.query(account_id, compiled, limit=limit, cursor=cursor, now=time.time())
        metas = await self._meta.fetch_messages(account_id, page.message_ids)
        return SearchResult(metas, page.next_cursor)

    async def search_ids(self, account_id: int, query: str | Query, *, max_results: int = 100_000) -> list[int]:
        """Every matching message id (for IMAP SEARCH X-GM-RAW)."""
        compiled = await self.compile_query(account_id, query)
        await self._indexer.flush()
        out: list[int] = []
        cursor = None
        while len(out) < max_results:
            page = await self._index.query(account_id, compiled, limit=1000, cursor=cursor, now=time.time())
            out.extend(page.message_ids)
            cursor = page.next_cursor
            if cursor is None:
                break
        return out[:max_results]

    async def search_threads(
        self, account_id: int, query: str | Query, *, cursor: str | None = None, limit: int = 50
    ) -> ThreadPage:
        """Conversations with a matching message, newest match first."""
        result = await self.search(account_id, query, cursor=cursor, limit=limit)
        thread_ids = list(dict.fromkeys(m.thread_id for m in result.messages))
        summaries = await self._meta.thread_summaries(account_id, thread_ids)
        return ThreadPage(summaries, result.next_cursor)


def _mentions_anywhere(query: str | Query) -> bool:
    return isinstance(query, str) and "in:anywhere" in query.lower()
