"""Two engines (two nodes) on one PostgreSQL schema and one Redis prefix, driven
by hypothesis through random runs of APPEND, STORE, MOVE and EXPUNGE on either
node, some of them on both nodes at once. After every step, both nodes must
agree with a model of the mailbox: the same messages in each label under the
UIDs handed out, no UID twice in a label and each new one above every earlier
one, MODSEQs that never go back, every change heard of on both nodes through
the bus (as IMAP IDLE and websockets hear of it), and the same counts, unseen
counts and flags.

Hypothesis's stateful runner is synchronous, while an engine lives in a trio
run. The engines are opened once, in a trio run on a thread of their own, and
each step is sent there (``trio.from_thread.run``); each example works on an
account of its own, so the engines stay open across examples.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import trio
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import mailcore
from mailcore import StoreConfig
from tests.conftest import make_config
from tests.nodes import drop_stores
from tests.servers import new_prefix, new_schema, require_postgres, require_redis
from tests.waiting import wait_until

T = TypeVar("T")

LABELS = ("INBOX", "Work")
FLAGS = ("\\Seen", "\\Answered")
NODES = ("a", "b")


class TwoNodes:
    """Two engines open in a trio run on a thread of their own, and a way in."""

    def __init__(self, root: Path, postgres_url: str, redis_url: str) -> None:
        self._root = root
        self._pg, self._redis = postgres_url, redis_url
        self._schema, self._prefix = new_schema(), new_prefix()
        self._ready = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._stop: trio.Event | None = None
        self._nursery: trio.Nursery | None = None
        self._error: BaseException | None = None
        self.engines: dict[str, mailcore.Engine] = {}
        self._thread = threading.Thread(target=self._main, name="two-nodes", daemon=True)

    def __enter__(self) -> TwoNodes:
        self._thread.start()
        self._ready.wait(60)
        if self._token is None:
            self._thread.join(10)
            raise AssertionError(f"the two engines did not open: {self._error!r}") from self._error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None and self._token is not None:
            trio.from_thread.run_sync(self._stop.set, trio_token=self._token)
        self._thread.join(60)
        if self._error is not None:
            raise self._error

    def run(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``fn()`` in the engines' trio run, waiting for its result."""
        assert self._token is not None
        return trio.from_thread.run(fn, trio_token=self._token)

    async def start(self, fn: Callable[..., Awaitable[object]], *args: object) -> None:
        """Start a task that outlives the step starting it (it stops with the engines)."""
        assert self._nursery is not None
        await self._nursery.start(fn, *args)

    def _main(self) -> None:
        try:
            trio.run(self._serve)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            self._error = exc
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        stores = StoreConfig(
            meta="postgres",
            bus="redis",
            cache="redis",
            options={
                "postgres": {"url": self._pg, "schema": self._schema},
                "redis": {"url": self._redis, "prefix": self._prefix},
            },
        )
        try:
            async with mailcore.open_engine(make_config(self._root / "shared", stores=stores)) as a:
                async with mailcore.open_engine(make_config(self._root / "shared", stores=stores)) as b:
                    await a.add_domain("example.com")
                    self.engines = {"a": a, "b": b}
                    self._stop = trio.Event()
                    async with trio.open_nursery() as nursery:
                        self._nursery = nursery
                        self._token = trio.lowlevel.current_trio_token()
                        self._ready.set()
                        await self._stop.wait()
                        nursery.cancel_scope.cancel()
        finally:
            await drop_stores(self._pg, self._schema, self._redis, self._prefix)


def _raw(subject: str) -> bytes:
    return (
        f"From: Alice <alice@example.net>\r\nTo: someone@example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <{secrets.token_hex(8)}@example.net>\r\n\r\nBody of {subject}.\r\n"
    ).encode()


Op = Callable[[mailcore.Engine], Awaitable[Any]]


class Mailbox(RuleBasedStateMachine):
    """One account used from both nodes, beside a model of what it holds."""

    nodes: ClassVar[TwoNodes]

    def __init__(self) -> None:
        super().__init__()
        self.account = 0
        #: label -> message id -> UID in that label
        self.uids: dict[str, dict[int, int]] = {label: {} for label in LABELS}
        #: the highest UID ever handed out in each label
        self.high: dict[str, int] = dict.fromkeys(LABELS, 0)
        #: message id -> the model's flags (of FLAGS)
        self.flags: dict[int, set[str]] = {}
        #: the highest MODSEQ each node showed, for the account and per label
        self.modseq: dict[tuple[str, str], int] = {}
        self.appended = 0
        #: the highest MODSEQ each node's watcher has heard of
        self.heard: dict[str, int] = dict.fromkeys(NODES, 0)
        self.listening: list[trio.CancelScope] = []

    def teardown(self) -> None:
        self.nodes.run(self._stop_listening)

    async def _stop_listening(self) -> None:
        for scope in self.listening:
            scope.cancel()

    async def _listen(self, name: str, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Hear the account's change events on one node, as IDLE and websockets do."""
        with trio.CancelScope() as scope:
            self.listening.append(scope)
            engine = self.nodes.engines[name]
            async with engine.watch(self.account) as events:
                # what was committed before the subscription is not told again
                self.heard[name] = await engine.highest_modseq(self.account)
                task_status.started()
                async for event in events:
                    assert event.kind is not mailcore.ChangeKind.RESYNC, event
                    self.heard[name] = max(self.heard[name], event.modseq)

    # -------------------------------------------------------------- running

    def _at_once(self, *ops: tuple[str, Op]) -> list[Any]:
        """Run each ``(node, op)`` on its node, all at the same time."""
        engines = self.nodes.engines

        async def together() -> list[Any]:
            results: list[Any] = [None] * len(ops)

            async def one(i: int, node: str, op: Op) -> None:
                results[i] = await op(engines[node])

            async with trio.open_nursery() as nursery:
                for i, (node, op) in enumerate(ops):
                    nursery.start_soon(one, i, node, op)
            return results

        return self.nodes.run(together)

    def _assign(self, label: str, message_id: int, uid: int, floor: int) -> None:
        """A UID the store handed out: above every UID the label had before the step."""
        assert uid > floor, (label, uid, floor)
        assert uid not in self.uids[label].values(), (label, uid)
        self.uids[label][message_id] = uid
        self.high[label] = max(self.high[label], uid)

    # ---------------------------------------------------------------- ops

    def _append_op(self, label: str, seen: bool) -> Op:
        self.appended += 1
        raw = _raw(f"message {self.appended}")
        account = self.account

        async def append(engine: mailcore.Engine) -> mailcore.AppendResult:
            return await engine.append(account, label, raw, flags=["\\Seen"] if seen else [])

        return append

    def _appended(self, label: str, seen: bool, floor: int, result: mailcore.AppendResult) -> None:
        assert result.message_id not in self.flags
        self.flags[result.message_id] = {"\\Seen"} if seen else set()
        self._assign(label, result.message_id, result.uid, floor)

    def _flag_op(self, message_id: int, flag: str, on: bool) -> Op:
        account = self.account

        async def store(engine: mailcore.Engine) -> mailcore.FlagResult:
            if on:
                return await engine.store_flags(account, [message_id], add=[flag])
            return await engine.store_flags(account, [message_id], remove=[flag])

        return store

    def _flagged(self, message_id: int, flag: str, on: bool, result: object = None) -> None:
        if on:
            self.flags[message_id].add(flag)
        else:
            self.flags[message_id].discard(flag)

    def _move_op(self, message_id: int, source: str, target: str) -> Op:
        account = self.account

        async def move(engine: mailcore.Engine) -> mailcore.CopyResult:
            return await engine.move(account, [message_id], source, target)

        return move

    def _moved(self, message_id: int, source: str, target: str, floor: int, result: mailcore.CopyResult) -> None:
        del self.uids[source][message_id]
        if message_id in self.uids[target]:
            assert result.uids.get(message_id, self.uids[target][message_id]) == self.uids[target][message_id]
        else:
            self._assign(target, message_id, result.uids[message_id], floor)

    def _expunge_op(self, label: str, message_ids: list[int]) -> Op:
        account = self.account

        async def expunge(engine: mailcore.Engine) -> Any:
            return await engine.expunge(account, label, message_ids)

        return expunge

    def _expunged(self, label: str, message_ids: list[int], result: object = None) -> None:
        for message_id in message_ids:
            del self.uids[label][message_id]

    def _placed(self) -> list[tuple[str, int]]:
        return sorted((label, mid) for label in LABELS for mid in self.uids[label])

    # -------------------------------------------------------------- rules

    @initialize(node=st.sampled_from(NODES))
    def open_account(self, node: str) -> None:
        address = f"user{secrets.token_hex(6)}@example.com"

        async def create(engine: mailcore.Engine) -> int:
            account = await engine.create_account(address, "password")
            await engine.create_label(account.id, "Work")
            account_id: int = account.id
            return account_id

        [self.account] = self._at_once((node, create))

        async def listen() -> None:
            for name in NODES:
                await self.nodes.start(self._listen, name)

        self.nodes.run(listen)

    @rule(node=st.sampled_from(NODES), label=st.sampled_from(LABELS), seen=st.booleans())
    def append(self, node: str, label: str, seen: bool) -> None:
        floor = self.high[label]
        [result] = self._at_once((node, self._append_op(label, seen)))
        self._appended(label, seen, floor, result)

    @rule(labels=st.tuples(st.sampled_from(LABELS), st.sampled_from(LABELS)), seen=st.tuples(st.booleans(), st.booleans()))
    def append_on_both_at_once(self, labels: tuple[str, str], seen: tuple[bool, bool]) -> None:
        floors = {label: self.high[label] for label in LABELS}
        ops = [(node, self._append_op(label, s)) for node, label, s in zip(NODES, labels, seen, strict=True)]
        results = self._at_once(*ops)
        for label, s, result in zip(labels, seen, results, strict=True):
            self._appended(label, s, floors[label], result)

    @precondition(lambda self: bool(self.flags))
    @rule(node=st.sampled_from(NODES), data=st.data(), flag=st.sampled_from(FLAGS), on=st.booleans())
    def store(self, node: str, data: st.DataObject, flag: str, on: bool) -> None:
        message_id = data.draw(st.sampled_from(sorted(self.flags)), label="message")
        self._at_once((node, self._flag_op(message_id, flag, on)))
        self._flagged(message_id, flag, on)

    @precondition(lambda self: bool(self._placed()))
    @rule(node=st.sampled_from(NODES), data=st.data())
    def move(self, node: str, data: st.DataObject) -> None:
        source, message_id = data.draw(st.sampled_from(self._placed()), label="message")
        target = LABELS[1 - LABELS.index(source)]
        floor = self.high[target]
        [result] = self._at_once((node, self._move_op(message_id, source, target)))
        self._moved(message_id, source, target, floor, result)

    @precondition(lambda self: bool(self._placed()))
    @rule(node=st.sampled_from(NODES), data=st.data())
    def expunge(self, node: str, data: st.DataObject) -> None:
        label = data.draw(st.sampled_from([label for label in LABELS if self.uids[label]]), label="label")
        chosen = data.draw(st.sets(st.sampled_from(sorted(self.uids[label])), min_size=1), label="messages")
        self._at_once((node, self._expunge_op(label, sorted(chosen))))
        self._expunged(label, sorted(chosen))

    @precondition(lambda self: len(self._placed()) >= 2)
    @rule(data=st.data(), kinds=st.tuples(*[st.sampled_from(("flag", "move", "expunge", "append"))] * 2))
    def two_nodes_at_once(self, data: st.DataObject, kinds: tuple[str, str]) -> None:
        """A change on A and one on B at the same moment, on different messages."""
        first, second = data.draw(
            st.lists(st.sampled_from(self._placed()), min_size=2, max_size=2, unique_by=lambda p: p[1]),
            label="messages",
        )
        floors = dict(self.high)
        ops: list[tuple[str, Op]] = []
        done: list[Callable[[Any], None]] = []
        for node, kind, (label, message_id) in zip(NODES, kinds, (first, second), strict=True):
            other = LABELS[1 - LABELS.index(label)]
            if kind == "flag":
                flag, on = data.draw(st.sampled_from(FLAGS)), data.draw(st.booleans())
                ops.append((node, self._flag_op(message_id, flag, on)))
                done.append(partial(self._flagged, message_id, flag, on))
            elif kind == "move":
                ops.append((node, self._move_op(message_id, label, other)))
                done.append(partial(self._moved, message_id, label, other, floors[other]))
            elif kind == "expunge":
                ops.append((node, self._expunge_op(label, [message_id])))
                done.append(partial(self._expunged, label, [message_id]))
            else:
                seen = data.draw(st.booleans())
                ops.append((node, self._append_op(label, seen)))
                done.append(partial(self._appended, label, seen, floors[label]))
        for apply, result in zip(done, self._at_once(*ops), strict=True):
            apply(result)

    @precondition(lambda self: bool(self._placed()))
    @rule(
        data=st.data(),
        flagging=st.sampled_from(NODES),
        change=st.sampled_from(("move", "expunge")),
        flag=st.sampled_from(FLAGS),
        on=st.booleans(),
    )
    def flag_and_relabel_one_message_at_once(
        self, data: st.DataObject, flagging: str, change: str, flag: str, on: bool
    ) -> None:
        """One node changes a message's flags while the other moves or expunges
        it: the two commute, so both must land, whichever commits first."""
        label, message_id = data.draw(st.sampled_from(self._placed()), label="message")
        other = LABELS[1 - LABELS.index(label)]
        floor = self.high[other]
        relabeling = NODES[1 - NODES.index(flagging)]
        if change == "move":
            relabel = self._move_op(message_id, label, other)
        else:
            relabel = self._expunge_op(label, [message_id])
        _, result = self._at_once((flagging, self._flag_op(message_id, flag, on)), (relabeling, relabel))
        self._flagged(message_id, flag, on)
        if change == "move":
            self._moved(message_id, label, other, floor, result)
        else:
            self._expunged(label, [message_id])

    # ---------------------------------------------------------- invariants

    @invariant()
    def both_nodes_agree_with_the_model(self) -> None:
        if not self.account:
            return
        self.nodes.run(self._check)

    async def _check(self) -> None:
        async with trio.open_nursery() as nursery:
            for name, engine in self.nodes.engines.items():
                nursery.start_soon(self._check_node, name, engine)

    async def _check_node(self, name: str, engine: mailcore.Engine) -> None:
        account = self.account
        # what the store holds, read through the node: exact at once
        everything = await engine.role_label(account, mailcore.LabelRole.ALL)
        read: dict[str | int, list[tuple[int, int]]] = {}

        async def uids_of(label: str | int) -> None:
            read[label] = await engine.label_uids(account, label)

        async with trio.open_nursery() as nursery:
            for label in (*LABELS, everything.id):
                nursery.start_soon(uids_of, label)
            highest = await engine.highest_modseq(account)
        for label in LABELS:
            uids = [uid for uid, _ in read[label]]
            assert len(uids) == len(set(uids)), (name, label, read[label])
            assert {mid: uid for uid, mid in read[label]} == self.uids[label], (name, label)
        assert {mid for _, mid in read[everything.id]} == set(self.flags), name
        assert highest >= self.modseq.get((name, ""), 0), (name, highest)
        self.modseq[name, ""] = highest

        # every change is heard of on every node, wherever it was made
        await wait_until(lambda: self.heard[name] >= highest, what=f"node {name} hears of MODSEQ {highest}")

        # what the node shows of it (labels are read from the store, messages
        # from a cache checked against it)
        async def caught_up() -> bool:
            for label in LABELS:
                status = await engine.label(account, label)
                seen_modseq = self.modseq.get((name, label), 0)
                assert status.highest_modseq >= seen_modseq, (name, label, status.highest_modseq, seen_modseq)
                self.modseq[name, label] = status.highest_modseq
                in_label = self.uids[label]
                unseen = sum(1 for mid in in_label if "\\Seen" not in self.flags[mid])
                if (status.messages, status.unseen, status.uidnext) != (len(in_label), unseen, self.high[label] + 1):
                    return False
                fetched = {m.id: (m.uid, m.flags & set(FLAGS)) for m in await engine.fetch(account, label)}
                if fetched != {mid: (uid, self.flags[mid]) for mid, uid in in_label.items()}:
                    return False
            return True

        await wait_until(caught_up, what=f"node {name} agrees with the model")


def test_two_nodes_stay_consistent_under_random_concurrent_changes(tmp_path: Path) -> None:
    pg, redis = require_postgres(), require_redis()
    with TwoNodes(tmp_path, pg, redis) as nodes:
        Mailbox.nodes = nodes
        run_state_machine_as_test(
            Mailbox,
            settings=settings(
                max_examples=15,
                stateful_step_count=15,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
