"""Threading under hypothesis: whatever order a conversation arrives in,
its messages end up in one thread; unrelated conversations never merge."""

from __future__ import annotations

from pathlib import Path

import hypothesis.strategies as st
import trio
from hypothesis import HealthCheck, given, settings

import mailcore
from tests.conftest import make_config
from tests.mail import message


def conversation(tag: str, size: int) -> list[bytes]:
    """A reply chain: each message answers the previous one, with full References."""
    out = []
    ids: list[str] = []
    for i in range(size):
        mid = f"{tag}.{i}@example.net"
        out.append(
            message(
                ("Re: " * min(i, 1)) + f"Topic {tag}",
                f"message {i} of {tag}",
                message_id=mid,
                in_reply_to=ids[-1] if ids else None,
                references=" ".join(f"<{x}>" for x in ids) or None,
                date=f"Tue, 24 Nov 2026 10:{i:02d}:00 +0000",
            )
        )
        ids.append(mid)
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=4),
    data=st.data(),
)
def test_any_arrival_order_threads_each_conversation_once(tmp_path: Path, sizes: list[int], data: st.DataObject) -> None:
    messages = [(c, raw) for c, size in enumerate(sizes) for raw in conversation(f"c{c}", size)]
    order = data.draw(st.permutations(messages))

    async def main() -> None:
        config = make_config(tmp_path / f"d{abs(hash((tuple(sizes), tuple(id(m) for m in order))))}")
        async with mailcore.open_engine(config) as engine:
            await engine.add_domain("example.com")
            account = await engine.create_account("bob@example.com", "pw")
            thread_of: dict[int, set[int]] = {}
            for conv, raw in order:
                mid = (await engine.deliver(raw, ["bob@example.com"])).message_ids["bob@example.com"]
                thread_of.setdefault(conv, set()).add((await engine.message(account.id, mid)).thread_id)
            # each conversation is one thread, and no two conversations share one
            assert all(len(t) == 1 for t in thread_of.values()), thread_of
            assert len({next(iter(t)) for t in thread_of.values()}) == len(sizes)
            page = await engine.threads(account.id, "INBOX")
            assert sorted(t.message_count for t in page.threads) == sorted(sizes)

    trio.run(main)
